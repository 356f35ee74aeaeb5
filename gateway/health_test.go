package gateway

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/internal/logtest"
)

// flaky is an adapter whose runs end as the test says: each Run records
// when it started, then returns the next error queued in results (nil: a
// connection that dropped), or nil when ctx ends.
type flaky struct {
	name    string
	starts  chan time.Time
	results chan error
}

func newFlaky(name string, results ...error) *flaky {
	f := &flaky{name: name, starts: make(chan time.Time, 100), results: make(chan error, 100)}
	for _, err := range results {
		f.results <- err
	}
	return f
}

func (f *flaky) Name() string { return f.name }

func (f *flaky) Run(ctx context.Context, _ adapters.Inbox) error {
	f.starts <- time.Now()
	select {
	case err := <-f.results:
		return err
	case <-ctx.Done():
		return nil
	}
}

// runs returns the start times of f's runs so far, as offsets from t0.
func (f *flaky) runs(t0 time.Time) []time.Duration {
	var out []time.Duration
	for {
		select {
		case s := <-f.starts:
			out = append(out, s.Sub(t0))
		default:
			return out
		}
	}
}

// healthAt is what GET /healthz answers now: the status code and body.
func healthAt(g *Gateway) (int, string) {
	rec := httptest.NewRecorder()
	g.ServeHealth(rec, httptest.NewRequest("GET", "/healthz", nil))
	return rec.Code, strings.TrimSpace(rec.Body.String())
}

// TestSupervise: a channel that keeps failing is restarted on the backoff
// schedule, reports reconnecting (healthy for ReconnectGrace, then
// degraded), and recovers once a run lasts StableAfter; the other channel
// runs throughout, once.
func TestSupervise(t *testing.T) {
	engine := newEngine(t)
	synctest.Test(t, func(t *testing.T) {
		t0 := time.Now()
		refused := errors.New("telegram: getUpdates: connection refused\nmore detail")
		bad := newFlaky("telegram", refused, refused, nil, refused, refused, refused)
		good := newFlaky("discord")
		g, err := New(Config{Adapters: []adapters.Adapter{bad, good}, Engine: engine, Restart: true, Log: logtest.New(t)})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		ran := make(chan error)
		go func() { ran <- g.Run(ctx) }()

		type probe struct {
			at   time.Duration
			code int
			body string
		}
		reconnecting := func(at time.Duration, code int, err string) probe {
			return probe{at, code, `{"status":"` + map[int]string{200: "ok", 503: "degraded"}[code] +
				`","channels":{"discord":{"state":"running"},"telegram":{"state":"reconnecting","error":"` + err +
				`","since":"` + t0.UTC().Format(time.RFC3339) + `"}}}`}
		}
		const dropped = "the channel stopped on its own (connection closed)"
		probes := []probe{
			// Runs start at 0, 1, 3 (dropped), 7, 15, 31, 63 s.
			reconnecting(500*time.Millisecond, 200, "telegram: getUpdates: connection refused"),
			reconnecting(5*time.Second, 200, dropped),
			reconnecting(30*time.Second, 200, "telegram: getUpdates: connection refused"),
			reconnecting(30*time.Second+time.Millisecond, 503, "telegram: getUpdates: connection refused"),
			reconnecting(63*time.Second+StableAfter-time.Millisecond, 503, "telegram: getUpdates: connection refused"),
			{63*time.Second + StableAfter, 200, `{"status":"ok","channels":{"discord":{"state":"running"},"telegram":{"state":"running"}}}`},
		}
		for _, p := range probes {
			time.Sleep(t0.Add(p.at).Sub(time.Now()))
			synctest.Wait()
			code, body := healthAt(g)
			if code != p.code || body != p.body {
				t.Errorf("at %v: /healthz = %d %s\nwant %d %s", p.at, code, body, p.code, p.body)
			}
		}
		want := []time.Duration{0, time.Second, 3 * time.Second, 7 * time.Second, 15 * time.Second, 31 * time.Second, 63 * time.Second}
		if diff := cmp.Diff(want, bad.runs(t0)); diff != "" {
			t.Errorf("telegram's runs started at (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]time.Duration{0}, good.runs(t0)); diff != "" {
			t.Errorf("discord's runs started at (-want +got):\n%s", diff)
		}

		// A failure after a stable run starts the schedule over: 1 s.
		bad.results <- refused
		synctest.Wait()
		t1 := time.Now()
		time.Sleep(2 * time.Second)
		if diff := cmp.Diff([]time.Duration{time.Second}, bad.runs(t1)); diff != "" {
			t.Errorf("after a stable run, telegram's runs started at (-want +got):\n%s", diff)
		}

		cancel()
		if err := <-ran; err != nil {
			t.Errorf("Run = %v, want nil: no channel failed for good", err)
		}
		if code, body := healthAt(g); code != 503 || !strings.Contains(body, `"stopped"`) {
			t.Errorf("/healthz after Run = %d %s, want 503 and stopped channels", code, body)
		}
	})
}

// TestSuperviseFatal: a channel whose failure is fatal is not restarted,
// is reported failed with its one line, and leaves the others running.
func TestSuperviseFatal(t *testing.T) {
	engine := newEngine(t)
	synctest.Test(t, func(t *testing.T) {
		t0 := time.Now()
		rejected := adapters.Fatal(errors.New("telegram rejected the bot token (TELEGRAM_BOT_TOKEN): 401 Unauthorized; set a token from @BotFather"))
		bad := newFlaky("telegram", rejected)
		good := newFlaky("discord")
		g, err := New(Config{Adapters: []adapters.Adapter{bad, good}, Engine: engine, Restart: true, Log: logtest.New(t)})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		ran := make(chan error)
		go func() { ran <- g.Run(ctx) }()
		time.Sleep(time.Hour)
		synctest.Wait()
		code, body := healthAt(g)
		want := `{"status":"degraded","channels":{"discord":{"state":"running"},"telegram":{"state":"failed","error":"telegram rejected the bot token (TELEGRAM_BOT_TOKEN): 401 Unauthorized; set a token from @BotFather"}}}`
		if code != http.StatusServiceUnavailable || body != want {
			t.Errorf("/healthz = %d %s\nwant 503 %s", code, body, want)
		}
		if n := len(bad.runs(t0)); n != 1 {
			t.Errorf("telegram ran %d times, want once", n)
		}
		cancel()
		if err := <-ran; !errors.Is(err, adapters.ErrFatal) || !strings.Contains(err.Error(), "rejected the bot token") {
			t.Errorf("Run = %v, want the fatal failure", err)
		}
	})
}

// TestSuperviseWithoutRestart: bot chat's gateway ends a channel when it
// returns, and returns its error; the others go on.
func TestSuperviseWithoutRestart(t *testing.T) {
	engine := newEngine(t)
	synctest.Test(t, func(t *testing.T) {
		boom := errors.New("console: read: boom")
		bad := newFlaky("console", boom)
		ended := newFlaky("other", nil)
		g, err := New(Config{Adapters: []adapters.Adapter{bad, ended}, Engine: engine, Log: logtest.New(t)})
		if err != nil {
			t.Fatal(err)
		}
		if err := g.Run(t.Context()); !errors.Is(err, boom) {
			t.Errorf("Run = %v, want %v", err, boom)
		}
		h := g.Health()
		if h.Channels["console"].State != StateFailed || h.Channels["other"].State != StateEnded {
			t.Errorf("Health = %+v, want console failed and other ended", h)
		}
	})
}

// warned is a flaky adapter with a condition to report (adapters.Warner).
type warned struct {
	*flaky
	line string
}

func (w warned) Warning() string { return w.line }

// TestHealthWarning: a channel's warning (a second Telegram poller) is in
// /healthz for bot doctor, and the gateway stays ok: the channel runs.
func TestHealthWarning(t *testing.T) {
	engine := newEngine(t)
	const line = "telegram: getUpdates: another program is polling this bot's updates (409 Conflict)"
	g, err := New(Config{Adapters: []adapters.Adapter{warned{newFlaky("telegram"), line}, newFlaky("discord")}, Engine: engine, Log: logtest.New(t)})
	if err != nil {
		t.Fatal(err)
	}
	h := g.Health()
	if h.Status != "ok" || h.Channels["telegram"].Warning != line || h.Channels["discord"].Warning != "" {
		t.Errorf("health %+v; want ok with telegram's warning", h)
	}
}
