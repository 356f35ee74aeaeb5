package models_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/botgateway/bot/internal/fakes"
)

// events records what the router tells its Observer, as lines.
type events struct {
	mu    sync.Mutex
	lines []string
}

func (e *events) add(line string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.lines = append(e.lines, line)
}

func (e *events) Call(provider, outcome string, d time.Duration) {
	if d < 0 {
		outcome += " (negative duration)"
	}
	e.add(fmt.Sprintf("call %s %s", provider, outcome))
}
func (e *events) Failover(provider string) { e.add("failover " + provider) }
func (e *events) Cooldown(provider, reason string) {
	e.add(fmt.Sprintf("cooldown %s %s", provider, reason))
}

func TestRouterObserver(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		script map[string][]fakes.Response
		stream bool
		want   []string
	}{
		{
			name: "a call that answers",
			want: []string{"call anthropic ok"},
		},
		{
			name:   "a rate limit sets the first aside and fails over",
			script: map[string][]fakes.Response{keyWork: {fakes.RateLimited(0)}},
			want:   []string{"call anthropic rate_limit", "cooldown anthropic rate_limit", "failover anthropic", "call anthropic ok"},
		},
		{
			name:   "a streamed call that fails over from an overloaded provider",
			script: map[string][]fakes.Response{keyWork: {fakes.Overloaded()}},
			stream: true,
			want:   []string{"call anthropic overloaded", "cooldown anthropic rate_limit", "failover anthropic", "call anthropic ok"},
		},
		{
			name:   "a rejected request is no credential's fault",
			script: map[string][]fakes.Response{keyWork: {fakes.Status(400, "invalid_request_error", "messages: roles must alternate")}},
			want:   []string{"call anthropic format"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ev := &events{}
			r := newRig(t, rigConfig{observer: ev})
			r.anthropic.Allow(keyWork, keyHome)
			for cred, rs := range tt.script {
				r.anthropic.Script(cred, rs...)
			}
			if tt.stream {
				r.stream(context.Background(), tgt{})
			} else {
				r.complete(tgt{})
			}
			if diff := cmp.Diff(tt.want, ev.lines); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}
