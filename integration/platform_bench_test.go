package integration

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/config"
	"github.com/botgateway/bot/gateway"
	"github.com/botgateway/bot/gateway/gatewaytest"
	"github.com/botgateway/bot/internal/fakes"
	"github.com/botgateway/bot/models"
)

// The benchmarks of a platform's path (Telegram, Discord) share their
// wiring, their measures and their figures here.

// benchGateway is bot gateway in-process, wired as cmd/bot/cli/gateway.go
// wires it (gatewaytest over gateway.OpenStack, with the gateway's
// metrics and its channel supervision): a temp HOME with two Anthropic
// keys, the built-in provider clients pointed at the Anthropic fake by
// ANTHROPIC_BASE_URL, and one platform adapter. Logs are discarded.
type benchGateway struct {
	ai    *fakes.Anthropic
	stack *gateway.Stack
	// provider is a twin of the stack's Anthropic client, built the same
	// way (gateway.Providers over the same config and environment), for
	// the direct calls.
	provider models.Provider
}

// startBenchGateway starts the gateway with the adapter build makes,
// channel's allowFrom set to allowFrom (in bot.json, which the adapter
// reads, and in the gateway), and runs it until the benchmark ends.
func startBenchGateway(b *testing.B, channel string, allowFrom []string, build func(st *gateway.Stack, cfg *config.Config, log *slog.Logger) adapters.Adapter) *benchGateway {
	b.Helper()
	t := &benchGateway{ai: fakes.NewAnthropic(b)}
	t.ai.Allow(keyWork, keyHome)
	list, err := json.Marshal(allowFrom)
	if err != nil {
		b.Fatal(err)
	}
	h := gatewaytest.New(b, gatewaytest.Options{
		Files: map[string]string{
			".bot/agents/main/agent/auth-profiles.json": twoKeys,
			".bot/bot.json": `{"channels": {"` + channel + `": {"allowFrom": ` + string(list) + `}}}`,
		},
		Vars:      map[string]string{"ANTHROPIC_BASE_URL": t.ai.URL()},
		AllowFrom: map[string][]string{channel: allowFrom},
		Adapter:   build,
		Metrics:   gateway.NewMetrics(),
		Log:       slog.New(slog.DiscardHandler),
	})
	t.stack = h.Stack
	cenv, err := config.LoadEnv(context.Background(), config.EnvOptions{Getenv: h.Env.Getenv, Environ: h.Env.Environ(), Paths: h.Paths, Config: h.Config})
	if err != nil {
		b.Fatal(err)
	}
	t.provider = gateway.Providers(cenv, h.Config)["anthropic"]
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- h.Gateway.Run(ctx) }()
	b.Cleanup(func() {
		cancel()
		if err := <-ran; err != nil {
			b.Errorf("gateway: %v", err)
		}
	})
	return t
}

// tapChat is what a benchmark's tap on the adapter's HTTP transport
// watches for in one chat: the text of the finished reply, and the time
// the request that showed it came back; and how many messages the bot
// created and edited there (successful answers only).
type tapChat struct {
	want         string
	got          chan time.Time // buffered: 1
	sends, edits atomic.Int64
}

func newTapChat(want string) *tapChat { return &tapChat{want: want, got: make(chan time.Time, 1)} }

// answered notes a successful answer to a message create (edit false) or
// edit that shows text, which came back at at.
func (c *tapChat) answered(edit bool, text string, at time.Time) {
	if edit {
		c.edits.Add(1)
	} else {
		c.sends.Add(1)
	}
	if text == c.want {
		select {
		case c.got <- at:
		default:
		}
	}
}

// p50 returns the median of d (sorting it).
func p50(d []time.Duration) time.Duration { slices.Sort(d); return d[len(d)/2] }

// reportLoad reports the throughput of b.N messages answered in elapsed
// and their reply times (lat, per chat or session) at p50 and p99.
func reportLoad(b *testing.B, lat [][]time.Duration, elapsed time.Duration) {
	all := slices.Concat(lat...)
	slices.Sort(all)
	pct := func(p int) float64 { return float64(all[(len(all)-1)*p/100].Microseconds()) }
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(pct(50), "reply-p50-µs")
	b.ReportMetric(pct(99), "reply-p99-µs")
}

// platformPart is a platform call on the reply's path, measured on its
// own: per is how many of it one reply took.
type platformPart struct {
	name  string
	per   float64
	times []time.Duration
}

// reportOverhead reports the medians of the platform path (full), of the
// direct provider call and of each platform part, and the gateway's own
// time: the path's median minus the provider call's and each part's
// (times per), the figure DESIGN §7 holds (overhead-p50-µs); and, for
// comparison, minus the provider call only.
func reportOverhead(b *testing.B, path string, full, direct []time.Duration, parts ...platformPart) {
	us := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }
	fp, dp := p50(full), p50(direct)
	var platform time.Duration
	for _, p := range parts {
		m := p50(p.times)
		b.ReportMetric(us(m), p.name+"-p50-µs")
		if p.per != 1 {
			b.ReportMetric(p.per, p.name+"s/msg")
		}
		platform += time.Duration(p.per * float64(m))
	}
	b.ReportMetric(us(dp), "direct-p50-µs")
	b.ReportMetric(us(fp), path+"-p50-µs")
	b.ReportMetric(us(fp-dp), "overhead+platform-p50-µs")
	b.ReportMetric(us(fp-dp-platform), "overhead-p50-µs")
	b.Logf("budget: gateway overhead ≤ 100 µs at p50 through a platform adapter, provider and platform time excluded (DESIGN §7)")
}

// runLoad drives a load benchmark: ask(i) sends chat i's message and
// returns the time to its finished reply (false: none within a minute).
// Every chat asks once to warm up (then check, when not nil, may look at
// the state), and then chats ask in turn, each its next message once the
// previous one is answered, until b.N are answered. It reports the
// throughput and the reply time at p50 and p99.
func runLoad(b *testing.B, chats int, ask func(i int) (time.Duration, bool), check func()) {
	var wg sync.WaitGroup
	var lost atomic.Int64
	for i := range chats {
		wg.Go(func() {
			if _, ok := ask(i); !ok {
				lost.Add(1)
			}
		})
	}
	wg.Wait()
	if n := lost.Load(); n > 0 {
		b.Fatalf("warm-up: %d of %d chats got no reply within a minute", n, chats)
	}
	if check != nil {
		check()
	}
	var (
		next atomic.Int64
		lat  = make([][]time.Duration, chats)
	)
	b.ResetTimer()
	start := time.Now()
	for i := range chats {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				d, ok := ask(i)
				if !ok {
					lost.Add(1)
					return
				}
				lat[i] = append(lat[i], d)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if n := lost.Load(); n > 0 {
		b.Fatalf("%d chats got no reply within a minute", n)
	}
	reportLoad(b, lat, elapsed)
	b.Logf("budget: ≥ 1,000 messages/s with %d concurrent chats on a 2-core machine (DESIGN §7)", chats)
}

// platformCalls are a platform's own round trips that an overhead
// benchmark measures beside the gateway's path, with the names it reports
// them by: the delivery of a user's message (Discord's dispatch,
// Telegram's getUpdates), a message create and a message edit.
type platformCalls struct {
	deliverName, sendName string
	deliver               func(b *testing.B) time.Duration
	send, edit            func(b *testing.B, text string) time.Duration
}

// measureOverhead is the part both platform overhead benchmarks share.
// say sends the user's "hi" through the platform path and returns the
// time to the finished reply (seen by tap); it is first run to a full
// history window (10 exchanges: caches, connections and the automatic
// pin in place), then, per iteration, beside a direct streaming call of
// the same request and the platform's own calls pc; reportOverhead then
// reports the figures under path.
func (g *benchGateway) measureOverhead(b *testing.B, path string, tap *tapChat, say func() time.Duration, pc platformCalls) {
	b.Helper()
	cred := &auth.Credential{Provider: "anthropic", Type: auth.KindAPIKey, Key: auth.NewSecret(keyWork)}
	var req models.Request
	req.Model = "claude-sonnet-4-5"
	for range 10 {
		say()
		req.Messages = append(req.Messages, models.Message{Role: models.RoleUser, Text: "hi"}, models.Message{Role: models.RoleAssistant, Text: "echo: hi"})
	}
	req.Messages = append(req.Messages, models.Message{Role: models.RoleUser, Text: "hi"})
	say()
	if c := g.ai.Calls(); c[len(c)-1].Messages != len(req.Messages) {
		b.Fatalf("the gateway's last call sent %d messages, the direct call sends %d", c[len(c)-1].Messages, len(req.Messages))
	}
	sends0, edits0 := tap.sends.Load(), tap.edits.Load()

	var direct, delivers, sends, edits, full []time.Duration
	i := 0
	for b.Loop() {
		t0 := time.Now()
		for _, err := range g.provider.Stream(context.Background(), req, cred) {
			if err != nil {
				b.Fatal(err)
			}
		}
		direct = append(direct, time.Since(t0))
		delivers = append(delivers, pc.deliver(b))
		sends = append(sends, pc.send(b, "echo: "))
		edits = append(edits, pc.edit(b, []string{"echo: hi", "echo: ho"}[i%2]))
		i++
		full = append(full, say())
	}
	// The platform calls the replies took (each reply's are all made by
	// the time say returns the next time, and the last one's by the time
	// its exchange is stored).
	n := float64(len(full))
	reportOverhead(b, path, full, direct,
		platformPart{name: pc.deliverName, per: 1, times: delivers},
		platformPart{name: pc.sendName, per: float64(tap.sends.Load()-sends0) / n, times: sends},
		platformPart{name: "edit", per: float64(tap.edits.Load()-edits0) / n, times: edits})
}
