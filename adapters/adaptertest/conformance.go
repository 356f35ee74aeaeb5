package adaptertest

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/botgateway/bot/adapters"
)

// Harness starts an adapter under test and the users' side of its
// platform; see the package doc for the contract.
type Harness interface {
	Start(t *testing.T) (adapters.Adapter, Platform)
}

// Platform is the users' side of the platform an adapter is connected to.
type Platform interface {
	// Seats lists the users and chats the suite may use; at least one.
	Seats() []Seat
	// Send makes s's user write text in s's chat, without waiting for it
	// to be handled.
	Send(ctx context.Context, s Seat, text string) error
	// Choose makes s's user pick entry n (from 1) of the last picker shown
	// to them. It returns "" when the adapter should deliver the choice's
	// Command, or what the user typed to choose where the platform has no
	// native picker.
	Choose(ctx context.Context, s Seat, n int) (typed string, err error)
	// Seen returns what s's user sees of the bot in s's chat, oldest
	// first, one Shown per message.
	Seen(ctx context.Context, s Seat) ([]Shown, error)
}

// Seat is one user in one chat, by the ids the adapter gives their
// messages.
type Seat struct {
	UserID string           // the Sender.ID of the user's messages
	Chat   adapters.ChatRef // the Chat of their messages
}

// Shown is one message of the bot as a user sees it.
type Shown struct {
	Text string
	// Choices are the labels of the message's picker, in the order shown.
	Choices []string
}

// hangGuard bounds every wait of the suite, so a broken adapter fails a
// check instead of hanging it. No check asserts how long anything takes.
const hangGuard = 10 * time.Second

// Run runs the conformance checks against the adapters h starts, each as
// a subtest. It must not run in parallel with other tests of the calling
// package: its goroutine check counts every goroutine started during a
// check.
func Run(t *testing.T, h Harness) {
	t.Run("Order", func(t *testing.T) { testOrder(t, start(t, h)) })
	t.Run("Private", func(t *testing.T) { testPrivate(t, start(t, h)) })
	t.Run("Choices", func(t *testing.T) { testChoices(t, start(t, h)) })
	t.Run("Stream", func(t *testing.T) { testStream(t, start(t, h)) })
	t.Run("Typing", func(t *testing.T) { testTyping(t, start(t, h)) })
	t.Run("Shutdown", func(t *testing.T) { testShutdown(t, start(t, h)) })
}

// env is one check's running adapter.
type env struct {
	a     adapters.Adapter
	p     Platform
	seats []Seat
	in    *Inbox
	ctx   context.Context // for the users' side
	stop  context.CancelFunc
	ran   chan error // Run's result
}

// start starts h's adapter and runs it until the check ends.
func start(t *testing.T, h Harness) *env {
	t.Helper()
	// Registered first, so it runs after every other cleanup.
	before := goroutines()
	t.Cleanup(func() { checkGoroutines(t, before) })
	a, p := h.Start(t)
	seats := p.Seats()
	if len(seats) == 0 {
		t.Fatal("the harness's platform has no seat")
	}
	runCtx, stop := context.WithCancel(context.Background())
	e := &env{a: a, p: p, seats: seats, in: NewInbox(), ctx: t.Context(), stop: stop, ran: make(chan error, 1)}
	go func() { e.ran <- a.Run(runCtx, e.in) }()
	t.Cleanup(func() {
		stop()
		if err := e.wait(t); err != nil {
			t.Errorf("Run after its context ended: %v, want nil", err)
		}
		if m, ok := e.in.Poll(); ok {
			t.Errorf("a message was delivered that no check expected: %q from %q", m.Text, m.Sender.ID)
		}
	})
	return e
}

// wait waits for Run to return.
func (e *env) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-e.ran:
		e.ran <- err // for a second wait
		return err
	case <-time.After(hangGuard):
		t.Fatalf("Run did not return within %v of its context's end", hangGuard)
		return nil
	}
}

// send makes s write text, failing the check on an error.
func (e *env) send(t *testing.T, s Seat, text string) {
	t.Helper()
	if err := e.p.Send(e.ctx, s, text); err != nil {
		t.Fatalf("Send(%q): %v", text, err)
	}
}

// seen returns what s sees.
func (e *env) seen(t *testing.T, s Seat) []Shown {
	t.Helper()
	shown, err := e.p.Seen(e.ctx, s)
	if err != nil {
		t.Fatalf("Seen: %v", err)
	}
	return shown
}

// next returns the next message delivered, checked to come from s.
func (e *env) next(t *testing.T, s Seat) adapters.Message {
	t.Helper()
	m := e.in.Next(t)
	e.check(t, m, s)
	return m
}

// check fails unless m comes from s, with the adapter's channel name and
// a reply handle.
func (e *env) check(t *testing.T, m adapters.Message, s Seat) {
	t.Helper()
	if m.Channel != e.a.Name() || m.Chat != s.Chat || m.Sender.ID != s.UserID || m.Sender.IsBot || m.Reply == nil {
		t.Fatalf("message %q: channel %q, chat %q, sender %q (bot %v), reply handle %v; want channel %q, chat %q, sender %q, a user, a reply handle",
			m.Text, m.Channel, m.Chat, m.Sender.ID, m.Sender.IsBot, m.Reply != nil, e.a.Name(), s.Chat, s.UserID)
	}
}

// reply answers m with r and marks it handled.
func (e *env) reply(t *testing.T, m adapters.Message, r adapters.Reply) {
	t.Helper()
	if err := m.Reply.Reply(e.ctx, r); err != nil {
		t.Fatalf("Reply(%q): %v", r.Text, err)
	}
	done(m)
}

func done(m adapters.Message) {
	if m.Done != nil {
		m.Done()
	}
}

// The messages of a chat arrive in the order sent, and the replies are
// seen in the order sent.
func testOrder(t *testing.T, e *env) {
	seats := e.seats[:min(len(e.seats), 2)]
	const perSeat = 3
	for i := range perSeat {
		for j, s := range seats {
			e.send(t, s, fmt.Sprintf("message %d from seat %d", i+1, j+1))
		}
	}
	// Per chat, the replies in the order the suite sent them.
	want := map[adapters.ChatRef][]Shown{}
	nextOf := make([]int, len(seats)) // per seat, the number of its next message
	for range perSeat * len(seats) {
		m := e.in.Next(t)
		j := slices.IndexFunc(seats, func(s Seat) bool { return s.Chat == m.Chat && s.UserID == m.Sender.ID })
		if j < 0 {
			t.Fatalf("message %q from %q in chat %q: no seat sent it", m.Text, m.Sender.ID, m.Chat)
		}
		e.check(t, m, seats[j])
		if w := fmt.Sprintf("message %d from seat %d", nextOf[j]+1, j+1); m.Text != w {
			t.Fatalf("seat %d's message %d arrived as %q, want %q: out of order", j+1, nextOf[j]+1, m.Text, w)
		}
		nextOf[j]++
		text := "re: " + m.Text + " ✓"
		e.reply(t, m, adapters.Reply{Text: text})
		want[m.Chat] = append(want[m.Chat], Shown{Text: text})
	}
	for j, s := range seats {
		if diff := cmp.Diff(want[s.Chat], e.seen(t, s)); diff != "" {
			t.Errorf("seat %d sees (-want +got):\n%s", j+1, diff)
		}
	}
}

// A private reply reaches its sender.
func testPrivate(t *testing.T, e *env) {
	s := e.seats[len(e.seats)-1]
	e.send(t, s, "/model status")
	m := e.next(t, s)
	const text = "Private: the credentials in use."
	e.reply(t, m, adapters.Reply{Text: text, Private: true})
	shown := e.seen(t, s)
	if !slices.ContainsFunc(shown, func(sh Shown) bool { return sh.Text == text }) {
		t.Errorf("the sender sees %+v, not the private reply %q", shown, text)
	}
}

// Choices are shown in order, and choosing one delivers its command from
// the chooser.
func testChoices(t *testing.T, e *env) {
	s := e.seats[0]
	e.send(t, s, "/model list")
	m := e.next(t, s)
	choices := []adapters.Choice{
		{Label: "claude-sonnet-4-5 · work", Command: "/model anthropic/claude-sonnet-4-5@anthropic:work"},
		{Label: "claude-haiku-4-5 · café", Command: "/model anthropic/claude-haiku-4-5@anthropic:café"},
		{Label: "gpt-5 · personal", Command: "/model openai/gpt-5@openai:personal"},
	}
	const text = "Pick a model:"
	e.reply(t, m, adapters.Reply{Text: text, Choices: choices})
	want := []Shown{{Text: text, Choices: []string{choices[0].Label, choices[1].Label, choices[2].Label}}}
	if diff := cmp.Diff(want, e.seen(t, s)); diff != "" {
		t.Fatalf("the picker as seen (-want +got):\n%s", diff)
	}
	typed, err := e.p.Choose(e.ctx, s, 2)
	if err != nil {
		t.Fatalf("Choose(2): %v", err)
	}
	m = e.next(t, s)
	wantText := choices[1].Command
	if typed != "" {
		wantText = typed
	}
	if m.Text != wantText {
		t.Errorf("choosing entry 2 delivered %q, want %q", m.Text, wantText)
	}
	e.reply(t, m, adapters.Reply{Text: "Model set to claude-haiku-4-5."})
}

// A streamed reply only grows and ends showing exactly its final text.
func testStream(t *testing.T, e *env) {
	s := e.seats[0]
	e.send(t, s, "tell me a story")
	m := e.next(t, s)
	defer done(m)
	sr, ok := m.Reply.(adapters.Streamer)
	if !ok {
		if err := m.Reply.Reply(e.ctx, adapters.Reply{Text: "no stream"}); err != nil {
			t.Fatalf("Reply: %v", err)
		}
		t.Skip("the adapter's replier does not implement adapters.Streamer")
	}
	st, err := sr.StartStream(e.ctx, false)
	if err != nil {
		t.Fatalf("StartStream: %v", err)
	}
	words := strings.Fields("Once upon a time, a naïve café served ✓ marks to forty-two robots who streamed their replies word by word, and every one of them ended whole.")
	var last string // the longest text seen so far
	look := func(final string) {
		t.Helper()
		shown := e.seen(t, s)
		switch {
		case len(shown) > 1:
			t.Fatalf("a streamed reply is seen as %d messages: %+v", len(shown), shown)
		case len(shown) == 0 && last != "":
			t.Fatalf("the streamed reply %q disappeared", last)
		case len(shown) == 1:
			got := shown[0].Text
			if !strings.HasPrefix(got, last) || !strings.HasPrefix(final, got) {
				t.Fatalf("the streamed reply was seen as %q, then %q: it must only grow towards %q", last, got, final)
			}
			last = got
		}
	}
	final := strings.Join(words, " ")
	for i := range words {
		if err := st.Update(e.ctx, strings.Join(words[:i+1], " ")); err != nil {
			t.Fatalf("Update %d: %v", i+1, err)
		}
		look(final)
	}
	final += " The end."
	if err := st.Finish(e.ctx, adapters.Reply{Text: final}); err != nil {
		t.Fatalf("Finish: %v", err)
	}
	if diff := cmp.Diff([]Shown{{Text: final}}, e.seen(t, s)); diff != "" {
		t.Errorf("after Finish, seen (-want +got):\n%s", diff)
	}
}

// "typing…" succeeds and is not a message.
func testTyping(t *testing.T, e *env) {
	s := e.seats[0]
	e.send(t, s, "are you there?")
	m := e.next(t, s)
	defer done(m)
	ty, ok := m.Reply.(adapters.Typer)
	if !ok {
		if err := m.Reply.Reply(e.ctx, adapters.Reply{Text: "yes"}); err != nil {
			t.Fatalf("Reply: %v", err)
		}
		t.Skip("the adapter's replier does not implement adapters.Typer")
	}
	for range 2 { // shown, then renewed
		if err := ty.Typing(e.ctx); err != nil {
			t.Fatalf("Typing: %v", err)
		}
	}
	if shown := e.seen(t, s); len(shown) != 0 {
		t.Errorf("after Typing, the user sees %+v, want no message", shown)
	}
	if err := m.Reply.Reply(e.ctx, adapters.Reply{Text: "yes"}); err != nil {
		t.Fatalf("Reply: %v", err)
	}
}

// Run returns once its context ends, and the reply to a message still in
// flight (a streamed one, where the replier streams) then ends, sent or
// failed, without hanging; no goroutine is left (checked by start's
// cleanup).
func testShutdown(t *testing.T, e *env) {
	s := e.seats[0]
	e.send(t, s, "a message in flight at shutdown")
	m := e.next(t, s)
	defer done(m)
	var st adapters.Stream
	if sr, ok := m.Reply.(adapters.Streamer); ok {
		var err error
		if st, err = sr.StartStream(e.ctx, false); err != nil {
			t.Fatalf("StartStream: %v", err)
		}
		if err := st.Update(e.ctx, "A reply in flight"); err != nil {
			t.Fatalf("Update: %v", err)
		}
	}
	e.stop()
	if err := e.wait(t); err != nil {
		t.Errorf("Run after its context ended: %v, want nil", err)
	}
	late := make(chan error, 1)
	go func() {
		if st != nil {
			late <- st.Finish(e.ctx, adapters.Reply{Text: "A reply in flight, cut short: the bot stopped."})
			return
		}
		late <- m.Reply.Reply(e.ctx, adapters.Reply{Text: "A reply in flight."})
	}()
	select {
	case err := <-late:
		t.Logf("the reply in flight, ended after Run returned: %v", err)
	case <-time.After(hangGuard):
		t.Fatal("the reply in flight hung after Run returned")
	}
}

// Inbox is the suite's adapters.Inbox, for the adapters' own tests too:
// it queues what is delivered, never blocking the adapter, for the checks
// to take in order.
type Inbox struct {
	mu    sync.Mutex
	queue []adapters.Message
	ready chan struct{} // signalled when queue grows
}

// NewInbox returns an empty Inbox.
func NewInbox() *Inbox { return &Inbox{ready: make(chan struct{}, 1)} }

// Deliver queues m.
func (in *Inbox) Deliver(_ context.Context, m adapters.Message) {
	in.mu.Lock()
	in.queue = append(in.queue, m)
	in.mu.Unlock()
	select {
	case in.ready <- struct{}{}:
	default:
	}
}

// Poll takes the first queued message, if any.
func (in *Inbox) Poll() (adapters.Message, bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if len(in.queue) == 0 {
		return adapters.Message{}, false
	}
	m := in.queue[0]
	in.queue = in.queue[1:]
	return m, true
}

// Next waits for the next message (failing t after a while without one).
func (in *Inbox) Next(t testing.TB) adapters.Message {
	t.Helper()
	guard := time.NewTimer(hangGuard)
	defer guard.Stop()
	for {
		if m, ok := in.Poll(); ok {
			return m
		}
		select {
		case <-in.ready:
		case <-guard.C:
			t.Fatalf("no message delivered within %v", hangGuard)
		}
	}
}

// Running runs a with in until the test ends (or stop is called) and
// returns stop, which ends Run and returns its result.
func Running(t testing.TB, a adapters.Adapter, in adapters.Inbox) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, in) }()
	var err error
	stopped := false
	stop = func() error {
		if !stopped {
			stopped = true
			cancel()
			err = <-done
		}
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

var _ adapters.Inbox = (*Inbox)(nil)

// checkGoroutines fails t when a goroutine that did not run before the
// check began (goroutine ids are never reused) is still running, once
// those ending have had the time to (a goroutine that has signalled its end
// may still be on its way out; network connections close asynchronously),
// and shows their stacks. Polling is the only way to watch another
// goroutine end without its help.
func checkGoroutines(t *testing.T, before map[string]string) {
	t.Helper()
	deadline := time.Now().Add(hangGuard)
	for wait := time.Millisecond; ; wait = min(2*wait, 100*time.Millisecond) {
		var left []string
		for id, stack := range goroutines() {
			if _, ok := before[id]; !ok {
				left = append(left, stack)
			}
		}
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			slices.Sort(left)
			t.Errorf("%d goroutines started during the check are still running:\n\n%s", len(left), strings.Join(left, "\n\n"))
			return
		}
		time.Sleep(wait)
	}
}

// goroutines returns the stack of every goroutine, by its id.
func goroutines() map[string]string {
	buf := make([]byte, 64<<10)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	all := map[string]string{}
	for stack := range strings.SplitSeq(string(buf), "\n\n") {
		// "goroutine 42 [chan receive]:\n..."
		if rest, ok := strings.CutPrefix(stack, "goroutine "); ok {
			id, _, _ := strings.Cut(rest, " ")
			all[id] = stack
		}
	}
	return all
}
