//go:build linux || darwin

package console

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/internal/ptytest"
	"github.com/botgateway/bot/internal/termread"
)

// hangGuard bounds waits so a broken console fails instead of hanging; no
// test asserts on how long anything takes.
const hangGuard = 30 * time.Second

// funcInbox hands each message to a function on a goroutine of its own.
type funcInbox func(adapters.Message)

func (f funcInbox) Deliver(_ context.Context, m adapters.Message) { go f(m) }

// runOnTTY runs an interactive console on a fresh pseudo-terminal and
// returns the terminal and Run's result.
func runOnTTY(t *testing.T, in adapters.Inbox) (*ptytest.PTY, <-chan error) {
	t.Helper()
	p := ptytest.New(t)
	a := New(Config{In: p.Slave, Out: p.Slave, Interactive: true, Banner: "banner", Prompt: "> "})
	done := make(chan error, 1)
	go func() { done <- a.Run(t.Context(), in) }()
	return p, done
}

func wait(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(hangGuard):
		t.Fatal("the console's Run did not return")
		return nil
	}
}

// On a terminal, a streamed reply is written as it grows with no prompt
// drawn into it; what is typed meanwhile shows at the next prompt and is
// the next message.
func TestStreamOnTerminal(t *testing.T) {
	firstUpdate, release := make(chan struct{}), make(chan struct{})
	p, done := runOnTTY(t, funcInbox(func(m adapters.Message) {
		defer m.Done()
		ctx := context.Background()
		if m.Text != "hi" {
			_ = m.Reply.Reply(ctx, adapters.Reply{Text: "re: " + m.Text})
			return
		}
		st, _ := m.Reply.(adapters.Streamer).StartStream(ctx, false)
		_ = st.Update(ctx, "Hel")
		close(firstUpdate)
		<-release
		_ = st.Update(ctx, "Hello wor")
		_ = st.Update(ctx, "Hello world")
		_ = st.Finish(ctx, adapters.Reply{Text: "Hello world."})
	}))
	p.WaitScreen("banner")
	p.WaitScreen("> ")
	p.Type("hi\r")
	<-firstUpdate
	p.WaitScreen("hi\r\nHel")
	p.Type("next\r") // typed while the reply streams
	close(release)
	p.WaitScreen("re: next\r\n> ")
	p.Type("\x04")
	if err := wait(t, done); err != nil {
		t.Fatalf("Run: %v", err)
	}
	const want = "banner\r\n> hi\r\nHello world.\r\n> next\r\nre: next\r\n> "
	if s := p.Screen(); !strings.Contains(s, want) {
		t.Errorf("screen %q\ndoes not show %q", s, want)
	}
}

// Ctrl-C while a reply streams ends the console at once.
func TestCtrlCWhileStreaming(t *testing.T) {
	firstUpdate, release := make(chan struct{}), make(chan struct{})
	handled := make(chan struct{})
	p, done := runOnTTY(t, funcInbox(func(m adapters.Message) {
		defer close(handled)
		defer m.Done()
		ctx := context.Background()
		st, _ := m.Reply.(adapters.Streamer).StartStream(ctx, false)
		_ = st.Update(ctx, "Hel")
		close(firstUpdate)
		<-release
		_ = st.Finish(ctx, adapters.Reply{Text: "Hello."})
	}))
	p.WaitScreen("> ")
	p.Type("hi\r")
	<-firstUpdate
	p.Type("\x03")
	if err := wait(t, done); !errors.Is(err, termread.ErrInterrupted) {
		t.Fatalf("Run = %v, want %v", err, termread.ErrInterrupted)
	}
	close(release) // the late end of the reply is written, harmlessly
	<-handled
}
