package console

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/botgateway/bot/adapters"
)

// echoInbox answers every message on its own goroutine after a delay that
// shrinks with each message, so a later message would overtake an earlier
// one if the adapter did not wait.
type echoInbox struct {
	mu   sync.Mutex
	seen []adapters.Message
}

func (in *echoInbox) Deliver(ctx context.Context, m adapters.Message) {
	in.mu.Lock()
	in.seen = append(in.seen, m)
	n := len(in.seen)
	in.mu.Unlock()
	go func() {
		defer m.Done()
		time.Sleep(time.Duration(5-min(n, 5)) * time.Millisecond)
		m.Reply.Reply(ctx, adapters.Reply{Text: "re: " + m.Text})
	}()
}

func TestConsoleOrderAndEOF(t *testing.T) {
	var out strings.Builder
	a := New(Config{In: strings.NewReader("one\n\n  \ntwo\nthree"), Out: &out, Session: "work"})
	in := &echoInbox{}
	if err := a.Run(t.Context(), in); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("re: one\nre: two\nre: three\n", out.String()); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
	for _, m := range in.seen {
		if m.Channel != "console" || m.Chat != "work" || !m.Sender.IsOwner {
			t.Errorf("message %+v: want channel console, chat work, owner", m)
		}
	}
}

func TestConsoleMessages(t *testing.T) {
	var out strings.Builder
	a := New(Config{In: strings.NewReader("ignored\n"), Out: &out, Messages: []string{"/help", "/model"}})
	if err := a.Run(t.Context(), &echoInbox{}); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "re: /help\nre: /model\n"; got != want {
		t.Errorf("output = %q, want %q", got, want)
	}
}

func TestConsoleLongLine(t *testing.T) {
	var out strings.Builder
	long := strings.Repeat("x", maxLine+100)
	a := New(Config{In: strings.NewReader(long + "\nnext\n"), Out: &out})
	in := &echoInbox{}
	if err := a.Run(t.Context(), in); err != nil {
		t.Fatal(err)
	}
	if len(in.seen) != 2 || len(in.seen[0].Text) != maxLine || in.seen[1].Text != "next" {
		t.Errorf("got %d messages (first %d bytes), want the long line cut to %d and then \"next\"", len(in.seen), len(in.seen[0].Text), maxLine)
	}
}
