package integration

import (
	"context"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/commands"
	"github.com/botgateway/bot/gateway"
	"github.com/botgateway/bot/gateway/gatewaytest"
	"github.com/botgateway/bot/internal/fakes"
	"github.com/botgateway/bot/models"
	"github.com/botgateway/bot/models/anthropic"
	"github.com/botgateway/bot/sessions"
)

// stack is the chat path wired as bot chat does (gatewaytest, over
// gateway.OpenStack), its Anthropic client against fake.
type stack struct {
	*gatewaytest.Harness
	gw       *gateway.Gateway
	sessions *sessions.Store
	provider models.Provider
}

func newStack(b testing.TB, fake *fakes.Anthropic) *stack {
	b.Helper()
	provider := anthropic.New(anthropic.Config{BaseURL: fake.URL(), HTTPClient: fake.Client()})
	h := gatewaytest.New(b, gatewaytest.Options{
		Files:     map[string]string{".bot/agents/main/agent/auth-profiles.json": twoKeys},
		Providers: map[string]models.Provider{"anthropic": provider},
		Log:       slog.New(slog.DiscardHandler),
	})
	return &stack{Harness: h, gw: h.Gateway, sessions: h.Stack.Sessions, provider: provider}
}

// replyClock notes when the reply was sent.
type replyClock struct{ at *time.Time }

func (r replyClock) Reply(context.Context, adapters.Reply) error { *r.at = time.Now(); return nil }

// deliver sends one console message through the gateway, waits until it is
// handled completely (history stored), and returns how long the reply took.
func (s *stack) deliver(text string) time.Duration {
	done := make(chan struct{})
	var replied time.Time
	start := time.Now()
	s.gw.Deliver(context.Background(), adapters.Message{
		Channel: "console", Chat: "bench", Sender: adapters.Sender{ID: "owner", IsOwner: true},
		Text: text, Reply: replyClock{&replied}, Done: func() { close(done) },
	})
	<-done
	return replied.Sub(start)
}

// BenchmarkGatewayOverhead measures one chat message through the gateway
// (dispatch, session, history, resolver, router, provider client) against
// a loopback fake provider until its reply is sent, beside a direct
// streaming call of the same provider client to the same fake with the
// same request (the conversation streams), and
// reports the difference of the medians: the gateway's own overhead.
// DESIGN §7: ≤ 50 µs at p50. Each iteration also waits for the exchange to
// be stored (after the reply), so the next message sees it.
func BenchmarkGatewayOverhead(b *testing.B) {
	fake := fakes.NewAnthropic(b)
	fake.Allow(keyWork, keyHome)
	s := newStack(b, fake)
	cred := &auth.Credential{Provider: "anthropic", Type: auth.KindAPIKey, Key: auth.NewSecret(keyWork)}
	// Steady state: the session already holds a full history window, and
	// the direct call sends the same 20 earlier turns plus the message, so
	// the two differ only by what the gateway itself does.
	var req models.Request
	req.Model = "claude-sonnet-4-5"
	for range 10 {
		turns := []sessions.Turn{{Role: sessions.RoleUser, Text: "hi"}, {Role: sessions.RoleAssistant, Text: "echo: hi"}}
		if err := s.sessions.AppendTurns(context.Background(), "main", "console:bench", turns...); err != nil {
			b.Fatal(err)
		}
		req.Messages = append(req.Messages, models.Message{Role: models.RoleUser, Text: "hi"}, models.Message{Role: models.RoleAssistant, Text: "echo: hi"})
	}
	req.Messages = append(req.Messages, models.Message{Role: models.RoleUser, Text: "hi"})
	s.deliver("hi")
	var direct, full []time.Duration
	for b.Loop() {
		t0 := time.Now()
		for _, err := range s.provider.Stream(context.Background(), req, cred) {
			if err != nil {
				b.Fatal(err)
			}
		}
		direct = append(direct, time.Since(t0))
		full = append(full, s.deliver("hi"))
	}
	p50 := func(d []time.Duration) time.Duration { slices.Sort(d); return d[len(d)/2] }
	dp, fp := p50(direct), p50(full)
	b.ReportMetric(float64(dp.Microseconds()), "direct-p50-µs")
	b.ReportMetric(float64(fp.Microseconds()), "gateway-p50-µs")
	b.ReportMetric(float64((fp - dp).Microseconds()), "overhead-p50-µs")
	b.Logf("budget: gateway overhead ≤ 50 µs at p50 (DESIGN §7)")
}

// BenchmarkResolveWithPin measures credential resolution for a call as the
// router does it: the session from the sessions store, its target
// (commands.SessionTarget), the agent's current credentials (two stat
// calls) and the resolver's order.
// DESIGN §7: ≤ 5 µs.
func BenchmarkResolveWithPin(b *testing.B) {
	fake := fakes.NewAnthropic(b)
	s := newStack(b, fake)
	ctx := context.Background()
	if err := s.sessions.SetModelAndPin(ctx, "main", "console:bench", "anthropic/claude-sonnet-4-5", "anthropic:home", sessions.SourceUser); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		sess, _, err := s.sessions.Get(ctx, "main", "console:bench")
		if err != nil {
			b.Fatal(err)
		}
		t := commands.SessionTarget(s.Stack.Catalog, "main", sess)
		res, _, err := s.Stack.Credentials.Resolver(ctx, "main")
		if err != nil {
			b.Fatal(err)
		}
		plan := res.Resolve(t.Query)
		if len(plan.Candidates) != 1 {
			b.Fatal("the pin did not resolve")
		}
	}
	b.Logf("budget: ≤ 5 µs per resolution including the pin lookup (DESIGN §7)")
}
