package cli

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/config"
	"github.com/botgateway/bot/gateway"
	"github.com/botgateway/bot/internal/fakes"
	"github.com/botgateway/bot/internal/testenv"
)

// fakeChannel is a chat platform the test drives: it hands its Inbox to
// the test, and its Run returns what the test sends on fail (or nil when
// ctx ends).
type fakeChannel struct {
	name  string
	inbox chan adapters.Inbox
	fail  chan error
}

func newFakeChannel(name string) *fakeChannel {
	return &fakeChannel{name: name, inbox: make(chan adapters.Inbox, 10), fail: make(chan error, 1)}
}

func (f *fakeChannel) Name() string { return f.name }

func (f *fakeChannel) Run(ctx context.Context, in adapters.Inbox) error {
	f.inbox <- in
	select {
	case <-ctx.Done():
		return nil
	case err := <-f.fail:
		return err
	}
}

// collect is a Replier that keeps the replies' text.
type collect struct {
	mu    sync.Mutex
	texts []string
}

func (c *collect) Reply(_ context.Context, r adapters.Reply) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.texts = append(c.texts, r.Text)
	return nil
}

// send delivers text from sender in a DM to in, waits until the gateway
// has handled it, and returns the replies.
func send(in adapters.Inbox, channel, sender, text string) []string {
	c := &collect{}
	done := make(chan struct{})
	in.Deliver(context.Background(), adapters.Message{
		Channel: channel, Chat: adapters.ChatRef(sender), Sender: adapters.Sender{ID: sender},
		Text: text, Reply: c, Done: func() { close(done) },
	})
	<-done
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.texts
}

// get fetches url and returns the status code and body.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, strings.TrimSpace(string(b))
}

// TestGateway runs bot gateway in-process with two fake channels over the
// fake Anthropic API: messages are answered and counted, /healthz follows
// the channels, bot.json edits reload (a bad one is reported and the
// running config stays), and ending the context stops it with exit 0.
func TestGateway(t *testing.T) {
	e := testenv.New(t)
	const key = "sk-ant-api03-gateway-0123456789abcd"
	e.Store("main", `{"version":1,"profiles":{"anthropic:work":{"type":"api_key","provider":"anthropic","key":"`+key+`"}}}`)
	e.Config(`{"channels":{"telegram":{"allowFrom":["42"]}}}`)
	fake := fakes.NewAnthropic(t)
	fake.Allow(key)
	vars := map[string]string{"HOME": e.Home, "ANTHROPIC_BASE_URL": fake.URL(), "BOT_LOG_FORMAT": "text", "BOT_LOG_LEVEL": "info"}

	tg, dc := newFakeChannel("telegram"), newFakeChannel("discord")
	listening := make(chan string, 1)
	reloads := make(chan error, 10)
	watching := make(chan struct{})
	cmd := &GatewayCmd{Listen: "127.0.0.1:0", test: &gatewayHooks{
		channels: func(*App, *config.Config, *config.Env, *gateway.Stack) ([]adapters.Adapter, error) {
			return []adapters.Adapter{tg, dc}, nil
		},
		listening: func(addr string) { listening <- addr },
		reloaded:  func(err error) { reloads <- err },
		watching:  func() { close(watching) },
	}}
	stderr := &fakes.Buffer{}
	app := newApp(&Globals{}, strings.NewReader(""), io.Discard, stderr, func(k string) string { return vars[k] })
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	ran := make(chan error, 1)
	go func() { ran <- cmd.Run(ctx, app) }()
	base := "http://" + <-listening
	in := <-tg.inbox
	<-dc.inbox

	if code, body := get(t, base+"/healthz"); code != 200 || body != `{"status":"ok","channels":{"discord":{"state":"running"},"telegram":{"state":"running"}}}` {
		t.Errorf("/healthz = %d %s", code, body)
	}

	check := func(sender, text, want string) {
		t.Helper()
		got := strings.Join(send(in, "telegram", sender, text), "\n")
		if want == "" && got != "" || !strings.Contains(got, want) {
			t.Errorf("%s %q: replies %q, want %q", sender, text, got, want)
		}
	}
	check("42", "hello", "echo: hello")
	check("7", "hello from a stranger", "") // dropped: not in allowFrom
	check("42", "/model big", `unknown model "big"`)

	_, metrics := get(t, base+"/metrics")
	for _, want := range []string{
		`bot_messages_received_total{channel="telegram"} 3`,
		`bot_messages_dropped_total{channel="telegram",reason="a stranger's plain text"} 1`,
		`bot_replies_sent_total{channel="telegram"} 2`,
		`bot_provider_call_duration_seconds_count{outcome="ok",provider="anthropic"} 1`,
	} {
		if !strings.Contains(metrics, want+"\n") {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(metrics, "hello") || strings.Contains(metrics, key) {
		t.Error("/metrics holds message text or the key")
	}

	// An edit to bot.json: the next message sees the new allowFrom and
	// the new alias.
	<-watching
	e.Config(`{"channels":{"telegram":{"allowFrom":["42","7"]}},"models":{"aliases":{"big":"anthropic/claude-opus-4-5"}}}`)
	if err := <-reloads; err != nil {
		t.Fatalf("reload: %v", err)
	}
	check("7", "hello again", "echo: hello again")
	check("42", "/model big", "Model set to")

	// An edit that fails validation is reported; the running config stays.
	e.Config(`{"channels":{"telegram":{"allowFrom":["42"],"enabled":"yes"}}}`)
	if err := <-reloads; err == nil {
		t.Fatal("an invalid bot.json reloaded")
	}
	if !regexp.MustCompile(`level=ERROR msg="config not reloaded; the running config stays" trigger="file changed" err=".*bot\.json`).MatchString(stderr.String()) {
		t.Errorf("no Error line naming bot.json for the bad edit:\n%s", stderr)
	}
	check("7", "still here", "echo: still here")

	// A channel that drops reconnects, and /healthz stays 200 meanwhile.
	dc.fail <- errors.New("discord: gateway connection reset")
	for {
		code, body := get(t, base+"/healthz")
		if strings.Contains(body, `"reconnecting"`) {
			if code != 200 || !strings.Contains(body, `"discord":{"state":"reconnecting","error":"discord: gateway connection reset","since":`) {
				t.Errorf("/healthz while reconnecting = %d %s", code, body)
			}
			break
		}
		time.Sleep(10 * time.Millisecond) // until the supervisor has seen it
	}
	<-dc.inbox // restarted (after gateway.RestartMin)

	// A channel that fails for good degrades /healthz with its line; the
	// other one keeps answering.
	dc.fail <- adapters.Fatal(errors.New("discord rejected the bot token (DISCORD_BOT_TOKEN): 401; set a new one"))
	want := `{"status":"degraded","channels":{"discord":{"state":"failed","error":"discord rejected the bot token (DISCORD_BOT_TOKEN): 401; set a new one"},"telegram":{"state":"running"}}}`
	for {
		code, body := get(t, base+"/healthz")
		if code == 503 {
			if body != want {
				t.Errorf("/healthz = %s\nwant %s", body, want)
			}
			break
		}
		time.Sleep(10 * time.Millisecond) // until the supervisor has seen it
	}
	check("42", "and now", "echo: and now")
	if _, metrics := get(t, base+"/metrics"); !strings.Contains(metrics, `bot_channel_restarts_total{channel="discord"} 1`+"\n") {
		t.Error(`/metrics lacks bot_channel_restarts_total{channel="discord"} 1`)
	}

	stop() // SIGTERM: Main's context ends
	if err := <-ran; err != nil {
		t.Errorf("bot gateway returned %v, want nil (exit 0)", err)
	}
	logs := stderr.String()
	for _, want := range []string{`msg="gateway started"`, `msg="config reloaded"`, `msg="gateway stopped"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %s", want)
		}
	}
	for _, leak := range []string{key, "hello", "still here"} {
		if strings.Contains(logs, leak) {
			t.Errorf("log holds %q:\n%s", leak, logs)
		}
	}
}

// TestGatewayEveryChannelFailed: with no channel left to run, bot gateway
// ends with the failure's one line (exit 1) rather than serving nothing.
func TestGatewayEveryChannelFailed(t *testing.T) {
	e := testenv.New(t)
	tg := newFakeChannel("telegram")
	tg.fail <- adapters.Fatal(errors.New("telegram rejected the bot token (TELEGRAM_BOT_TOKEN): 401 Unauthorized"))
	cmd := &GatewayCmd{Listen: "127.0.0.1:0", test: &gatewayHooks{
		channels: func(*App, *config.Config, *config.Env, *gateway.Stack) ([]adapters.Adapter, error) {
			return []adapters.Adapter{tg}, nil
		},
	}}
	stderr := &fakes.Buffer{}
	vars := map[string]string{"HOME": e.Home}
	app := newApp(&Globals{}, strings.NewReader(""), io.Discard, stderr, func(k string) string { return vars[k] })
	err := cmd.Run(t.Context(), app)
	var b strings.Builder
	if code := report(&b, explain(app, err)); code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	if want := "bot gateway: every channel failed: gateway: channel telegram: telegram rejected the bot token (TELEGRAM_BOT_TOKEN): 401 Unauthorized\n"; b.String() != want {
		t.Errorf("stderr line %q\nwant %q", b.String(), want)
	}
}

// TestGatewayReloadsDotEnv: a key added to ~/.bot/.env while the gateway
// runs is used by the next message, without a restart; SIGHUP reloads
// too, even when nothing changed.
func TestGatewayReloadsDotEnv(t *testing.T) {
	e := testenv.New(t)
	e.Config(`{"channels":{"telegram":{"allowFrom":["42"]}}}`)
	const key = "sk-ant-api03-dotenv-0123456789abcdef"
	fake := fakes.NewAnthropic(t)
	fake.Allow(key)
	vars := map[string]string{"HOME": e.Home, "ANTHROPIC_BASE_URL": fake.URL(), "BOT_LOG_FORMAT": "text"}
	tg := newFakeChannel("telegram")
	reloads := make(chan error, 10)
	watching := make(chan struct{})
	cmd := &GatewayCmd{Listen: "127.0.0.1:0", test: &gatewayHooks{
		channels: func(*App, *config.Config, *config.Env, *gateway.Stack) ([]adapters.Adapter, error) {
			return []adapters.Adapter{tg}, nil
		},
		reloaded: func(err error) { reloads <- err },
		watching: func() { close(watching) },
	}}
	stderr := &fakes.Buffer{}
	app := newApp(&Globals{}, strings.NewReader(""), io.Discard, stderr, func(k string) string { return vars[k] })
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	ran := make(chan error, 1)
	go func() { ran <- cmd.Run(ctx, app) }()
	in := <-tg.inbox

	if got := strings.Join(send(in, "telegram", "42", "hello"), "\n"); !strings.Contains(got, "No credential for anthropic") {
		t.Errorf("before .env: %q, want no credential", got)
	}
	<-watching
	e.Write(".bot/.env", "ANTHROPIC_API_KEY="+key+"\n")
	if err := <-reloads; err != nil {
		t.Fatalf("reload: %v", err)
	}
	if got := strings.Join(send(in, "telegram", "42", "hello"), "\n"); got != "echo: hello" {
		t.Errorf("after .env: %q, want the answer", got)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	if err := <-reloads; err != nil {
		t.Fatalf("reload on SIGHUP: %v", err)
	}
	if !strings.Contains(stderr.String(), `msg="config reloaded" trigger=SIGHUP`) {
		t.Errorf("no reload line for SIGHUP:\n%s", stderr)
	}
	stop()
	if err := <-ran; err != nil {
		t.Errorf("bot gateway returned %v", err)
	}
}
