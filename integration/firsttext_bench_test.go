package integration

import (
	"bytes"
	"context"
	"io"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/adapters/console"
	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/gateway"
	"github.com/botgateway/bot/internal/fakes"
	"github.com/botgateway/bot/models"
	"github.com/botgateway/bot/sessions"
)

// screenOut is the console's output in BenchmarkChatFirstText: it notes
// when the first byte of a reply arrives and when the whole reply (its
// closing newline) has.
type screenOut struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	want  []byte
	first chan time.Time
	done  chan struct{}
}

// expect readies w for the next reply, want.
func (w *screenOut) expect(want string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Reset()
	w.want = []byte(want + "\n")
	w.first = make(chan time.Time, 1)
	w.done = make(chan struct{})
}

func (w *screenOut) Write(p []byte) (int, error) {
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.buf.Len() == 0 && len(p) > 0 {
		w.first <- now
	}
	w.buf.Write(p)
	if bytes.Equal(w.buf.Bytes(), w.want) {
		close(w.done)
	}
	return len(p), nil
}

// BenchmarkChatFirstText measures the time from a line reaching bot chat's
// console to the first byte of the model's streamed reply on its output,
// through the whole stack (console, gateway, conversation, router,
// Anthropic client) against the loopback fake, beside the time to the
// first text of a direct streaming call of the same client to the same
// fake with the same request, in the same run. DESIGN §7: the first
// streamed text within 1 ms of the direct call.
func BenchmarkChatFirstText(b *testing.B) {
	fake := fakes.NewAnthropic(b)
	fake.Allow(keyWork, keyHome)
	s := newStack(b, fake)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// Steady state, as in BenchmarkGatewayOverhead: a full history window.
	const key = sessions.Key("console:first")
	var req models.Request
	req.Model = "claude-sonnet-4-5"
	for range 10 {
		turns := []sessions.Turn{{Role: sessions.RoleUser, Text: "hi"}, {Role: sessions.RoleAssistant, Text: "echo: hi"}}
		if err := s.sessions.AppendTurns(ctx, "main", key, turns...); err != nil {
			b.Fatal(err)
		}
		req.Messages = append(req.Messages, models.Message{Role: models.RoleUser, Text: "hi"}, models.Message{Role: models.RoleAssistant, Text: "echo: hi"})
	}
	req.Messages = append(req.Messages, models.Message{Role: models.RoleUser, Text: "hi"})
	cred := &auth.Credential{Provider: "anthropic", Type: auth.KindAPIKey, Key: auth.NewSecret(keyWork)}

	in, typed := io.Pipe()
	out := &screenOut{}
	gw, err := gateway.New(gateway.Config{
		Adapters: []adapters.Adapter{console.New(console.Config{In: in, Out: out, Session: "first"})},
		Engine:   s.Stack.Engine,
		Agent:    "main",
		Chat:     s.Stack.Conversation.Reply,
		Paths:    s.Paths,
		Budget:   s.Stack.Budget,
	})
	if err != nil {
		b.Fatal(err)
	}
	ran := make(chan error, 1)
	go func() { ran <- gw.Run(ctx) }()
	say := func() time.Duration {
		out.expect("echo: hi")
		t0 := time.Now()
		if _, err := io.WriteString(typed, "hi\n"); err != nil {
			b.Fatal(err)
		}
		first := <-out.first
		<-out.done
		return first.Sub(t0)
	}
	say() // warm: caches, connection, automatic pin

	var direct, chat []time.Duration
	for b.Loop() {
		t0 := time.Now()
		for _, err := range s.provider.Stream(ctx, req, cred) {
			if err != nil {
				b.Fatal(err)
			}
			direct = append(direct, time.Since(t0))
			break
		}
		chat = append(chat, say())
	}
	typed.Close()
	if err := <-ran; err != nil {
		b.Fatal(err)
	}
	p50 := func(d []time.Duration) time.Duration { slices.Sort(d); return d[len(d)/2] }
	dp, cp := p50(direct), p50(chat)
	b.ReportMetric(float64(dp.Microseconds()), "direct-first-p50-µs")
	b.ReportMetric(float64(cp.Microseconds()), "chat-first-p50-µs")
	b.ReportMetric(float64((cp - dp).Microseconds()), "extra-p50-µs")
	b.Logf("budget: the first streamed text within 1 ms of a direct streaming call (DESIGN §7)")
}
