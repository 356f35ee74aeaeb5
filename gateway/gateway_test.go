package gateway

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/commands"
	"github.com/botgateway/bot/config"
	"github.com/botgateway/bot/internal/testenv"
	"github.com/botgateway/bot/models/catalog"
	"github.com/botgateway/bot/sessions"
)

// scripted is an adapter that delivers a fixed list of messages, one at a
// time, and records the replies to each.
type scripted struct {
	name string
	msgs []adapters.Message

	mu      sync.Mutex
	replies map[int][]string
}

func (s *scripted) Name() string { return s.name }

func (s *scripted) Run(ctx context.Context, in adapters.Inbox) error {
	for i, m := range s.msgs {
		done := make(chan struct{})
		m.Channel = s.name
		m.Reply = replyTo{s, i}
		m.Done = func() { close(done) }
		in.Deliver(ctx, m)
		<-done
	}
	return nil
}

type replyTo struct {
	s *scripted
	i int
}

func (r replyTo) Reply(_ context.Context, rep adapters.Reply) error {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	text := rep.Text
	if rep.Private {
		text = "(private) " + text
	}
	r.s.replies[r.i] = append(r.s.replies[r.i], text)
	return nil
}

// newEngine returns the command engine of a whole stack (OpenStack) over
// a temp HOME. (gatewaytest cannot serve tests inside this package.)
func newEngine(t testing.TB) *commands.Engine {
	t.Helper()
	paths, err := config.ResolvePaths(testenv.New(t).Getenv)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &config.Config{}
	cat, err := catalog.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	st, err := OpenStack(t.Context(), StackConfig{Paths: paths, Config: cfg, Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st.Engine
}

func TestDispatch(t *testing.T) {
	user := func(id, text string) adapters.Message {
		return adapters.Message{Chat: "42", Sender: adapters.Sender{ID: id}, Text: text, BotName: "ourbot"}
	}
	tg := &scripted{name: "telegram", replies: map[int][]string{}, msgs: []adapters.Message{
		user("7", "/model haiku"),                    // 0: allowed
		user("8", "/model haiku"),                    // 1: not in allowFrom
		user("8", "/help"),                           // 2: open to everyone
		user("7", "/model@ourbot: opus"),             // 3: our bot name, colon form
		user("7", "/model@otherbot opus"),            // 4: another bot's: ignored
		user("7", "hello"),                           // 5: chat
		user("8", "hello"),                           // 6: chat from a stranger: ignored
		user("7", strings.Repeat("x", MaxMessage+1)), // 7: too long
		{Chat: "42", Sender: adapters.Sender{ID: "9", IsBot: true}, Text: "/model opus"}, // 8: bots ignored
		user("7", "/model status"), // 9: private
		user("7", "panic"),         // 10: a panicking chat handler
		user("7", "/model"),        // 11: still alive
	}}
	var chatKeys []sessions.Key
	g, err := New(Config{
		Adapters:  []adapters.Adapter{tg},
		Engine:    newEngine(t),
		Agent:     "main",
		AllowFrom: map[string][]string{"telegram": {"7"}},
		Chat: func(ctx context.Context, agent string, key sessions.Key, text string, out Answer) error {
			chatKeys = append(chatKeys, key)
			if text == "panic" {
				panic("boom")
			}
			out.Done("echo: " + text)
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	first := func(i int) string {
		if len(tg.replies[i]) == 0 {
			return ""
		}
		return strings.SplitN(tg.replies[i][0], "\n", 2)[0]
	}
	want := map[int]string{
		0:  "Model set to haiku (anthropic/claude-haiku-4-5).",
		1:  "You are not authorized to use this command.",
		2:  "Commands:",
		3:  "Model set to opus (anthropic/claude-opus-4-5).",
		4:  "",
		5:  "echo: hello",
		6:  "",
		7:  "That message is 4097 characters long; the limit is 4096. Send it in parts.",
		8:  "",
		9:  "(private) Current: anthropic/claude-opus-4-5",
		10: "Something went wrong (ref ….)", // the ref is random
		11: "Current: opus (anthropic/claude-opus-4-5)",
	}
	got := map[int]string{}
	for i := range tg.msgs {
		got[i] = first(i)
	}
	if ref := regexp.MustCompile(`^Something went wrong \(ref [0-9a-f]{4}\)\.$`); ref.MatchString(got[10]) {
		got[10] = want[10]
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("first reply lines (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]sessions.Key{"telegram:42", "telegram:42"}, chatKeys); diff != "" {
		t.Errorf("chat calls (-want +got):\n%s", diff)
	}
}

// blocking is an adapter whose one message never finishes until its
// context is cancelled.
type blocking struct{ started chan struct{} }

func (b *blocking) Name() string { return "block" }
func (b *blocking) Run(ctx context.Context, in adapters.Inbox) error {
	in.Deliver(ctx, adapters.Message{Chat: "1", Sender: adapters.Sender{IsOwner: true}, Text: "hi", Reply: nopReply{}})
	<-ctx.Done()
	return nil
}

type nopReply struct{}

func (nopReply) Reply(context.Context, adapters.Reply) error { return nil }

// TestShutdownCancelsAfterGrace: a chat turn still running when the
// gateway stops is cancelled once the grace period is over, with a cause.
func TestShutdownCancelsAfterGrace(t *testing.T) {
	var cause error
	running := make(chan struct{})
	g, err := New(Config{
		Adapters: []adapters.Adapter{&blocking{}},
		Engine:   newEngine(t),
		Grace:    time.Millisecond,
		Chat: func(ctx context.Context, _ string, _ sessions.Key, _ string, _ Answer) error {
			close(running)
			<-ctx.Done()
			cause = context.Cause(ctx)
			return ctx.Err()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	go func() { <-running; cancel() }()
	if err := g.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if cause == nil || !strings.Contains(cause.Error(), "shutdown") {
		t.Errorf("in-flight turn cancelled with cause %v, want a shutdown cause", cause)
	}
}

func TestNewValidates(t *testing.T) {
	if _, err := New(Config{}); err == nil || !strings.Contains(err.Error(), "no channel") {
		t.Errorf("New(empty) = %v", err)
	}
	_, err := New(Config{Adapters: []adapters.Adapter{&blocking{}}})
	if err == nil || errors.Is(err, context.Canceled) {
		t.Errorf("New without engine = %v", err)
	}
}

// burst is an adapter that delivers all its messages at once, without
// waiting for any to be handled, as a busy chat platform does.
type burst struct{ msgs []adapters.Message }

func (b *burst) Name() string { return "burst" }

func (b *burst) Run(ctx context.Context, in adapters.Inbox) error {
	for _, m := range b.msgs {
		m.Channel = "burst"
		m.Sender.IsOwner = true
		m.Reply = nopReply{}
		in.Deliver(ctx, m)
	}
	return nil
}

// TestSessionOrder delivers bursts to two sessions: each session's
// messages are handled one at a time in the order delivered, and the two
// sessions run in parallel (the first message of "a" is answered only once
// "b" has been handled).
func TestSessionOrder(t *testing.T) {
	var msgs []adapters.Message
	for i := range 40 {
		msgs = append(msgs, adapters.Message{Chat: "a", Text: fmt.Sprint(i)})
		if i == 0 {
			msgs = append(msgs, adapters.Message{Chat: "b", Text: "b"})
		}
	}
	var (
		mu     sync.Mutex
		order  []string
		active = map[sessions.Key]int{}
		bDone  = make(chan struct{})
	)
	g, err := New(Config{
		Adapters: []adapters.Adapter{&burst{msgs: msgs}},
		Engine:   newEngine(t),
		Agent:    "main",
		Queue:    40, // this test is about order; intake_test.go tests the bound
		Chat: func(ctx context.Context, agent string, key sessions.Key, text string, out Answer) error {
			mu.Lock()
			active[key]++
			if active[key] > 1 {
				t.Errorf("two messages of %s handled at once", key)
			}
			mu.Unlock()
			switch text {
			case "0":
				select {
				case <-bDone:
				case <-time.After(10 * time.Second): // a hang guard, not a timing check
					t.Error("session b waited for session a")
				}
			case "b":
				close(bDone)
			}
			mu.Lock()
			if key == "burst:a" {
				order = append(order, text)
			}
			active[key]--
			mu.Unlock()
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := range 40 {
		want = append(want, fmt.Sprint(i))
	}
	if diff := cmp.Diff(want, order); diff != "" {
		t.Errorf("session a's messages out of order (-want +got):\n%s", diff)
	}
	if len(g.queues) != 0 {
		t.Errorf("queues left behind: %v", g.queues)
	}
}

// TestShutdownAbandonsStuckHandlers: a handler that ignores its context
// (a send stuck in an adapter) cannot keep Run from returning: Run waits
// the grace period, cancels, waits AbandonAfter more and returns.
func TestShutdownAbandonsStuckHandlers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		running := make(chan struct{})
		g, err := New(Config{
			Adapters: []adapters.Adapter{&blocking{}},
			Engine:   newEngine(t),
			Grace:    10 * time.Second,
			Chat: func(context.Context, string, sessions.Key, string, Answer) error {
				close(running)
				<-release // ignores its context
				return nil
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		go func() { <-running; cancel() }()
		start := time.Now()
		if err := g.Run(ctx); err != nil {
			t.Fatal(err)
		}
		if got, want := time.Since(start), 10*time.Second+AbandonAfter; got != want {
			t.Errorf("Run returned after %v, want %v (grace, then AbandonAfter)", got, want)
		}
		close(release)
	})
}
