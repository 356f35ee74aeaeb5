package gateway

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/commands"
	"github.com/botgateway/bot/sessions"
)

// chatroom delivers messages straight to a gateway's Deliver, as an
// adapter's read loop does, and records each message's replies and Done
// calls under the message's id.
type chatroom struct {
	g *Gateway

	mu      sync.Mutex
	replies map[string][]string
	done    map[string]int
	// stall, when set for an id, holds that message's reply sends until
	// it is closed, whatever their context says: a hung platform call.
	stall map[string]chan struct{}
	// sendCtx is the context of each message's last reply send.
	sendCtx map[string]context.Context
}

func newChatroom() *chatroom {
	return &chatroom{
		replies: map[string][]string{},
		done:    map[string]int{},
		stall:   map[string]chan struct{}{},
		sendCtx: map[string]context.Context{},
	}
}

// send delivers text from sender into chat; id names the message. The
// sender "7" is in allowFrom, any other is a stranger; "bot" is a bot.
func (c *chatroom) send(chat, sender, id, text string) {
	c.g.Deliver(context.Background(), adapters.Message{
		Channel: "flood",
		Chat:    adapters.ChatRef(chat),
		Sender:  adapters.Sender{ID: sender, IsBot: sender == "bot"},
		Text:    text,
		BotName: "ourbot",
		Reply:   roomReply{c, id},
		Done: func() {
			c.mu.Lock()
			c.done[id]++
			c.mu.Unlock()
		},
	})
}

// repliesTo returns the replies message id has had so far.
func (c *chatroom) repliesTo(id string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.replies[id]
}

// doneCount returns how many times message id's Done was called.
func (c *chatroom) doneCount(id string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.done[id]
}

type roomReply struct {
	c  *chatroom
	id string
}

func (r roomReply) Reply(ctx context.Context, rep adapters.Reply) error {
	r.c.mu.Lock()
	stall := r.c.stall[r.id]
	r.c.sendCtx[r.id] = ctx
	r.c.mu.Unlock()
	if stall != nil {
		<-stall // deliberately deaf to ctx
	}
	r.c.mu.Lock()
	defer r.c.mu.Unlock()
	r.c.replies[r.id] = append(r.c.replies[r.id], rep.Text)
	return nil
}

// echo is a chat function that answers "echo: <text>" and records, per
// session, the texts it was asked in order. Texts in hold wait until
// their channel is closed (or their context ends).
type echo struct {
	mu    sync.Mutex
	asked map[sessions.Key][]string
	at    map[string]time.Time
	cause map[string]error
	hold  map[string]chan struct{}
}

func newEcho() *echo {
	return &echo{asked: map[sessions.Key][]string{}, at: map[string]time.Time{}, cause: map[string]error{}, hold: map[string]chan struct{}{}}
}

func (e *echo) chat(ctx context.Context, _ string, key sessions.Key, text string, out Answer) error {
	e.mu.Lock()
	e.asked[key] = append(e.asked[key], text)
	e.at[text] = time.Now()
	hold := e.hold[text]
	e.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
			e.mu.Lock()
			e.cause[text] = context.Cause(ctx)
			e.mu.Unlock()
			return errors.New("cut short")
		}
	}
	out.Done("echo: " + text)
	return nil
}

func (e *echo) askedIn(key sessions.Key) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.asked[key]
}

// newIntakeGateway returns a gateway on engine whose chat is e, with
// sender "7" allowed on channel "flood", and its chatroom.
func newIntakeGateway(t *testing.T, engine *commands.Engine, e *echo, queue int) (*Gateway, *chatroom) {
	t.Helper()
	g, err := New(Config{
		Adapters:  []adapters.Adapter{&blocking{}}, // never run: the test delivers
		Engine:    engine,
		Agent:     "main",
		AllowFrom: map[string][]string{"flood": {"7"}},
		Chat:      e.chat,
		Queue:     queue,
	})
	if err != nil {
		t.Fatal(err)
	}
	c := newChatroom()
	c.g = g
	return g, c
}

// waiting returns how many messages of key wait in its queue.
func (g *Gateway) waiting(key sessions.Key) int {
	g.qmu.Lock()
	defer g.qmu.Unlock()
	if l := g.queues[key]; l != nil {
		return len(l.waiting)
	}
	return 0
}

// TestFloodOneSession floods one chat with 100 messages while its first
// message is stuck at the provider: 8 wait, the first past the bound gets
// the busy line, the rest are dropped silently, another chat is answered
// meanwhile, and once the stuck message ends the 8 are answered in order
// and the chat is accepted again.
func TestFloodOneSession(t *testing.T) {
	engine := newEngine(t)
	synctest.Test(t, func(t *testing.T) {
		e := newEcho()
		release := make(chan struct{})
		e.hold["a0"] = release
		g, c := newIntakeGateway(t, engine, e, 0) // the default bound
		start := time.Now()

		c.send("a", "7", "a0", "a0")
		synctest.Wait() // a0 is at the provider
		for i := 1; i <= 100; i++ {
			id := fmt.Sprint("a", i)
			c.send("a", "7", id, id)
		}
		synctest.Wait()
		if got := g.waiting("flood:a"); got != DefaultQueue {
			t.Errorf("%d messages wait in the flooded session, want the bound %d", got, DefaultQueue)
		}
		busy := DefaultQueue + 1 // the first message past the bound
		for i := 1; i <= 100; i++ {
			id := fmt.Sprint("a", i)
			var want []string
			if i == busy {
				want = []string{BusyLine}
			}
			if diff := cmp.Diff(want, c.repliesTo(id)); diff != "" {
				t.Errorf("replies to %s while a0 is stuck (-want +got):\n%s", id, diff)
			}
			wantDone := 0
			if i >= busy {
				wantDone = 1 // dropped, so done at once
			}
			if got := c.doneCount(id); got != wantDone {
				t.Errorf("%s: Done called %d times while a0 is stuck, want %d", id, got, wantDone)
			}
		}

		// Another chat is answered while a0 is still stuck.
		c.send("b", "7", "b0", "b0")
		synctest.Wait()
		if diff := cmp.Diff([]string{"echo: b0"}, c.repliesTo("b0")); diff != "" {
			t.Errorf("other session's replies (-want +got):\n%s", diff)
		}
		if c.doneCount("b0") != 1 || c.doneCount("a0") != 0 {
			t.Errorf("Done: b0 %d, a0 %d; want b0 done while a0 is not", c.doneCount("b0"), c.doneCount("a0"))
		}
		if d := time.Since(start); d != 0 {
			t.Errorf("%v passed in the bubble: a deadline fired, the flood test proves nothing", d)
		}

		close(release)
		synctest.Wait()
		var want []string
		for i := 0; i <= DefaultQueue; i++ {
			want = append(want, fmt.Sprint("a", i))
		}
		if diff := cmp.Diff(want, e.askedIn("flood:a")); diff != "" {
			t.Errorf("messages of the flooded session handled (-want +got):\n%s", diff)
		}
		for i := 0; i <= 100; i++ {
			if id := fmt.Sprint("a", i); c.doneCount(id) != 1 {
				t.Errorf("%s: Done called %d times, want once", id, c.doneCount(id))
			}
		}
		if len(g.queues) != 0 {
			t.Errorf("lanes left behind: %v", g.queues)
		}

		// Caught up: the burst is over and the chat is read again.
		c.send("a", "7", "a101", "a101")
		synctest.Wait()
		if diff := cmp.Diff([]string{"echo: a101"}, c.repliesTo("a101")); diff != "" {
			t.Errorf("first message after catching up (-want +got):\n%s", diff)
		}
	})
}

// TestScreenedBeforeQueue: bots' messages, strangers' plain text and
// over-long messages never take a place in the queue, even behind a stuck
// message; the over-long one is answered at once, and a stranger's
// command is queued and told it is not authorized.
func TestScreenedBeforeQueue(t *testing.T) {
	engine := newEngine(t)
	long := strings.Repeat("x", MaxMessage+1)
	cases := []struct {
		id, sender, text string
		queued           bool
		reply            string // the first reply, "" for none
	}{
		{"bot", "bot", "/model opus", false, ""},
		{"stranger-text", "8", "hello", false, ""},
		{"stranger-long", "8", long, false, ""},
		{"stranger-other-bot", "8", "/model@otherbot opus", false, ""},
		{"too-long", "7", long, false, TooLongLine(MaxMessage + 1)},
		{"too-long-command", "8", "/" + long, false, TooLongLine(MaxMessage + 2)},
		// 4096 two-byte characters: over MaxMessage bytes, not characters.
		{"at-limit", "7", strings.Repeat("é", MaxMessage), true, "echo: " + strings.Repeat("é", MaxMessage)},
		{"stranger-command", "8", "/model haiku", true, "You are not authorized to use this command."},
		{"stranger-help", "8", "/help", true, "Commands:"},
	}
	synctest.Test(t, func(t *testing.T) {
		e := newEcho()
		release := make(chan struct{})
		e.hold["stuck"] = release
		g, c := newIntakeGateway(t, engine, e, 0)
		c.send("a", "7", "stuck", "stuck")
		synctest.Wait()
		queued := 0
		for _, tc := range cases {
			c.send("a", tc.sender, tc.id, tc.text)
			synctest.Wait()
			if tc.queued {
				queued++
			}
			if got := g.waiting("flood:a"); got != queued {
				t.Errorf("%s: %d messages wait after it, want %d", tc.id, got, queued)
			}
			if !tc.queued && c.doneCount(tc.id) != 1 {
				t.Errorf("%s: not done while the session is stuck", tc.id)
			}
		}
		close(release)
		synctest.Wait()
		for _, tc := range cases {
			first := ""
			if r := c.repliesTo(tc.id); len(r) > 0 {
				first, _, _ = strings.Cut(r[0], "\n")
			}
			if first != tc.reply {
				t.Errorf("%s: first reply %.80q, want %.80q", tc.id, first, tc.reply)
			}
			if c.doneCount(tc.id) != 1 {
				t.Errorf("%s: Done called %d times, want once", tc.id, c.doneCount(tc.id))
			}
		}
		if diff := cmp.Diff([]string{"stuck", strings.Repeat("é", MaxMessage)}, e.askedIn("flood:a")); diff != "" {
			t.Errorf("chat calls (-want +got):\n%s", diff)
		}
	})
}

// TestDeadline: a message whose reply send hangs (deaf to its context),
// or whose provider call hangs, holds its session until Budget +
// SendTimeout and not a moment longer; its context ends with ErrDeadline
// and the session's next message is handled.
func TestDeadline(t *testing.T) {
	engine := newEngine(t)
	deadline := DefaultBudget + DefaultSendTimeout
	for _, hung := range []string{"send", "provider"} {
		t.Run(hung, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e := newEcho()
				g, c := newIntakeGateway(t, engine, e, 0)
				unstall := make(chan struct{})
				switch hung {
				case "send":
					c.stall["m0"] = unstall
				case "provider":
					e.hold["m0"] = unstall // released only at the end
				}
				start := time.Now()
				c.send("a", "7", "m0", "m0")
				c.send("a", "7", "m1", "m1")
				time.Sleep(deadline - time.Nanosecond)
				synctest.Wait()
				if got := e.askedIn("flood:a"); len(got) != 1 {
					t.Errorf("before the deadline, handled %q; want only m0", got)
				}
				time.Sleep(time.Nanosecond)
				synctest.Wait()
				if diff := cmp.Diff([]string{"m0", "m1"}, e.askedIn("flood:a")); diff != "" {
					t.Errorf("handled after the deadline (-want +got):\n%s", diff)
				}
				if got := e.at["m1"].Sub(start); got != deadline {
					t.Errorf("m1 started %v after m0, want the deadline %v", got, deadline)
				}
				if diff := cmp.Diff([]string{"echo: m1"}, c.repliesTo("m1")); diff != "" {
					t.Errorf("replies to m1 (-want +got):\n%s", diff)
				}
				if c.doneCount("m0") != 1 {
					t.Errorf("m0 not done at its deadline")
				}
				var cause error
				switch hung {
				case "send":
					cause = context.Cause(c.sendCtx["m0"])
				case "provider":
					cause = e.cause["m0"]
				}
				if !errors.Is(cause, ErrDeadline) {
					t.Errorf("m0's context ended with cause %v, want ErrDeadline", cause)
				}
				close(unstall)
				g.inflight.Wait()
			})
		})
	}
}

// TestNoticesBounded: over-long messages flooding a chat whose sends hang
// hold at most Queue notices in flight; the rest are dropped (done at
// once), and a hung notice send ends at SendTimeout.
func TestNoticesBounded(t *testing.T) {
	engine := newEngine(t)
	synctest.Test(t, func(t *testing.T) {
		g, c := newIntakeGateway(t, engine, newEcho(), 3)
		long := strings.Repeat("x", MaxMessage+1)
		unstall := make(chan struct{})
		for i := range 10 {
			c.stall[fmt.Sprint("n", i)] = unstall
		}
		for i := range 10 {
			c.send("a", "7", fmt.Sprint("n", i), long)
		}
		synctest.Wait()
		for i := range 10 {
			id := fmt.Sprint("n", i)
			want := 0
			if i >= 3 {
				want = 1 // past the 3 notices in flight: dropped
			}
			if got := c.doneCount(id); got != want {
				t.Errorf("%s: Done called %d times while 3 notices hang, want %d", id, got, want)
			}
		}
		time.Sleep(DefaultSendTimeout)
		synctest.Wait()
		for i := range 3 {
			if cause := context.Cause(c.sendCtx[fmt.Sprint("n", i)]); !errors.Is(cause, ErrDeadline) {
				t.Errorf("notice %d: context cause %v at SendTimeout, want ErrDeadline", i, cause)
			}
		}
		close(unstall)
		g.inflight.Wait()
		if len(g.queues) != 0 {
			t.Errorf("lanes left behind: %v", g.queues)
		}
		for i := range 10 {
			if id := fmt.Sprint("n", i); c.doneCount(id) != 1 {
				t.Errorf("%s: Done called %d times, want once", id, c.doneCount(id))
			}
		}
	})
}

// BenchmarkDeliver measures Deliver on an adapter's read loop: the
// screens that drop a message, queueing behind a busy message, refusing
// past the bound, and a whole message handled (Deliver to Done, through
// parse and a chat function that answers at once).
func BenchmarkDeliver(b *testing.B) {
	engine := newEngine(b)
	release := make(chan struct{})
	g, err := New(Config{
		Adapters:  []adapters.Adapter{&blocking{}},
		Engine:    engine,
		AllowFrom: map[string][]string{"bench": {"7"}},
		Chat: func(_ context.Context, _ string, _ sessions.Key, text string, out Answer) error {
			if text == "stuck" {
				<-release
			}
			out.Done("ok")
			return nil
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	msg := func(chat, sender, text string) adapters.Message {
		return adapters.Message{Channel: "bench", Chat: adapters.ChatRef(chat), Sender: adapters.Sender{ID: sender, IsBot: sender == "bot"}, Text: text, Reply: nopReply{}}
	}
	ctx := context.Background()
	run := func(name string, m adapters.Message) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				g.Deliver(ctx, m)
			}
		})
	}
	run("drop-bot", msg("a", "bot", "hello"))
	run("drop-stranger-text", msg("a", "8", "hello there"))

	// A session whose first message never ends, for the queue paths.
	g.Deliver(ctx, msg("busy", "7", "stuck"))
	b.Run("queue", func(b *testing.B) {
		b.ReportAllocs()
		m := msg("busy", "7", "hello")
		g.qmu.Lock()
		l := g.queues["bench:busy"]
		g.qmu.Unlock()
		i := 0
		for b.Loop() {
			if i++; i == g.cfg.Queue {
				i = 0
				g.qmu.Lock()
				clear(l.waiting)
				l.waiting = l.waiting[:0]
				g.qmu.Unlock()
			}
			g.Deliver(ctx, m)
		}
	})
	for range g.cfg.Queue + 1 { // fill the queue and start a burst
		g.Deliver(ctx, msg("busy", "7", "hello"))
	}
	run("refuse-busy", msg("busy", "7", "hello"))

	b.Run("handled", func(b *testing.B) {
		b.ReportAllocs()
		done := make(chan struct{}, 1)
		m := msg("free", "7", "hello")
		m.Done = func() { done <- struct{}{} }
		for b.Loop() {
			g.Deliver(ctx, m)
			<-done
		}
	})
	close(release)
	g.qmu.Lock()
	if l := g.queues["bench:busy"]; l != nil {
		clear(l.waiting)
		l.waiting = l.waiting[:0]
	}
	g.qmu.Unlock()
	g.inflight.Wait()
}
