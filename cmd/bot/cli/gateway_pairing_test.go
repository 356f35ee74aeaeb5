package cli

import (
	"context"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/config"
	"github.com/botgateway/bot/gateway"
	"github.com/botgateway/bot/internal/fakes"
	"github.com/botgateway/bot/internal/testenv"
)

// TestGatewayPairing: a stranger's DM to a running gateway gets the
// pairing code; bot pairing list shows them by name; bot pairing approve
// (another process, through config.Edit) adds them to allowFrom, and the
// running gateway answers their next message without a restart.
func TestGatewayPairing(t *testing.T) {
	e := testenv.New(t)
	const key = "sk-ant-api03-pairing-0123456789abcd"
	e.Store("main", `{"version":1,"profiles":{"anthropic:work":{"type":"api_key","provider":"anthropic","key":"`+key+`"}}}`)
	e.Config(`{
  // the owner
  "channels": {"telegram": {"allowFrom": ["42"]}}
}`)
	fake := fakes.NewAnthropic(t)
	fake.Allow(key)
	vars := map[string]string{"HOME": e.Home, "ANTHROPIC_BASE_URL": fake.URL()}
	tg := newFakeChannel("telegram")
	reloads := make(chan error, 10)
	watching := make(chan struct{})
	cmd := &GatewayCmd{Listen: "127.0.0.1:0", test: &gatewayHooks{
		channels: func(*App, *config.Config, *config.Env, *gateway.Stack) ([]adapters.Adapter, error) {
			return []adapters.Adapter{tg}, nil
		},
		listening: func(string) {},
		reloaded:  func(err error) { reloads <- err },
		watching:  func() { close(watching) },
	}}
	app := newApp(&Globals{}, strings.NewReader(""), io.Discard, &fakes.Buffer{}, func(k string) string { return vars[k] })
	ctx, stop := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- cmd.Run(ctx, app) }()
	defer func() {
		stop()
		if err := <-ran; err != nil {
			t.Errorf("bot gateway: %v", err)
		}
	}()
	in := <-tg.inbox
	<-watching

	dm := func(text string) string {
		c := &collect{}
		done := make(chan struct{})
		in.Deliver(context.Background(), adapters.Message{
			Channel: "telegram", Chat: adapters.ChatRef("7"), Direct: true, Sender: adapters.Sender{ID: "7", Name: "Grace Hopper"},
			Text: text, Reply: c, Done: func() { close(done) },
		})
		<-done
		c.mu.Lock()
		defer c.mu.Unlock()
		return strings.Join(c.texts, "\n")
	}
	m := regexp.MustCompile(`bot pairing approve telegram ([A-Z0-9]{6})`).FindStringSubmatch(dm("hi"))
	if m == nil {
		t.Fatal("the stranger got no pairing code")
	}
	if got := dm("hello?"); got != "" {
		t.Errorf("second DM within the hour got %q, want nothing", got)
	}
	bot := func(args ...string) (string, string, int) {
		return botRun(func(k string) string { return vars[k] }, args...)
	}
	if out, errOut, n := bot("pairing", "list"); n != 0 || !strings.Contains(out, "telegram  7        Grace Hopper  "+m[1]) {
		t.Fatalf("pairing list = %d\n%s%s", n, out, errOut)
	}
	if out, errOut, n := bot("pairing", "approve", "telegram", m[1]); n != 0 || !strings.HasPrefix(out, "Approved telegram user 7") {
		t.Fatalf("approve = %d\n%s%s", n, out, errOut)
	}
	if err := <-reloads; err != nil {
		t.Fatalf("reload after approve: %v", err)
	}
	if got := dm("now?"); !strings.Contains(got, "echo: now?") {
		t.Errorf("the approved user's message got %q, want the model's answer", got)
	}
	if _, errOut, n := bot("pairing", "approve", "telegram", m[1]); n != 1 || !strings.Contains(errOut, "no pending telegram pairing request") {
		t.Errorf("the code worked twice: %d %q", n, errOut)
	}
}
