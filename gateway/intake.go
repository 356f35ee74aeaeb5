package gateway

// Intake: what Deliver does with a message before any handler sees it,
// and how each session's queue is drained (issue 9, item 8).
//
// Decisions:
//
//   - Screened before queueing. A bot's message, a stranger's plain text
//     (a sender not in allowFrom, text that grammar.Parse does not read
//     as a command, or a command for another bot) and a message over
//     MaxMessage characters never enter a session's queue. The first two
//     are dropped silently; a stranger's command is queued like any other
//     and answered by the command engine (most commands: "You are not
//     authorized to use this command."). An over-long message (any allowed
//     sender's, or a stranger's over-long command) gets
//     TooLongLine, sent beside the queue as a notice, so it neither waits
//     behind a stuck message nor holds a place in the queue.
//   - One bound per session. DefaultQueue (8) messages may wait behind
//     the one being handled. Each may take up to Budget + SendTimeout, so
//     the last of them could wait 9 × 2½ min ≈ 22 min at worst: a longer
//     line would only queue answers nobody is still waiting for. A person
//     types a few messages while a model answers; 8 covers that with
//     room. Memory stays bounded too: 9 messages of at most 4096
//     characters each per session.
//   - The busy line once per overflow burst. The first message past the
//     bound gets BusyLine; it and every message after it are dropped
//     until the session has caught up (its queue has emptied). A flood
//     thus gets one line back, not one per message, and the line can say
//     exactly what happens: nothing more is read until the earlier
//     messages are answered.
//   - Notices (TooLongLine, BusyLine) are sent beside the queue, each
//     within SendTimeout, at most Queue of them in flight per session;
//     past that a notice is not sent (the message is still dropped).
//     They may overtake the answers to earlier messages of the session.
//   - A deadline per message: Budget (the router's budget, 2 min by
//     default) plus SendTimeout (30 s), from the moment the message is
//     taken from the queue. When it passes, the message's context is
//     cancelled with cause ErrDeadline and the session moves on to its
//     next message at once, even if the handler has not returned (a
//     send stuck in an adapter that ignores its context): that handler is
//     left to end on its own.
//   - Deliver never blocks: it takes one mutex held for a map lookup and
//     an append, and starts goroutines for the rest (BenchmarkDeliver:
//     tens of nanoseconds, at most one allocation).
//   - Message.Done is called exactly once for every delivered message:
//     at once when it is dropped, after its notice is sent, or when its
//     handling ends or is abandoned at the deadline.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
	"unicode/utf8"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/grammar"
	"github.com/botgateway/bot/internal/logkeys"
	"github.com/botgateway/bot/models"
	"github.com/botgateway/bot/sessions"
)

const (
	// DefaultQueue is the default Config.Queue: how many messages of one
	// session may wait behind the one being handled.
	DefaultQueue = 8
	// DefaultBudget is the default Config.Budget: the router's own
	// default budget for one message.
	DefaultBudget = models.DefaultBudget
	// DefaultSendTimeout is the default Config.SendTimeout: room for a
	// slow platform API and a rate-limit wait or two (Telegram and Discord
	// ask for waits of seconds to tens of seconds), yet bounded.
	DefaultSendTimeout = 30 * time.Second
)

// ErrDeadline is the cause of a message context cancelled because the
// message's deadline (Budget + SendTimeout) passed.
var ErrDeadline = errors.New("gateway: the message's deadline passed")

// TooLongLine is the reply to a message of n characters, over MaxMessage.
func TooLongLine(n int) string {
	return fmt.Sprintf("That message is %d characters long; the limit is %d. Send it in parts.", n, MaxMessage)
}

// BusyLine is the reply to the first message past a session's bound. It
// says what was not read and what to do: the message it answers, and
// every later one until the earlier ones are answered, is dropped. It
// names no number: the one being handled makes it Queue + 1, and in a
// group chat some of them are other people's.
const BusyLine = "Still busy with earlier messages in this chat: this one was not read, and no more will be until those are answered. Send it again then."

// intakeDefaults fills in the intake fields of a Config left zero.
func (c *Config) intakeDefaults() {
	if c.Queue <= 0 {
		c.Queue = DefaultQueue
	}
	if c.Budget <= 0 {
		c.Budget = DefaultBudget
	}
	if c.SendTimeout <= 0 {
		c.SendTimeout = DefaultSendTimeout
	}
}

// lane is the intake state of one session. The gateway's qmu guards it.
type lane struct {
	// waiting holds the messages delivered while another is handled, in
	// order; at most Config.Queue.
	waiting []adapters.Message
	// draining is set while a goroutine handles this session's messages.
	draining bool
	// full is set from the first message past the bound until the
	// session has caught up: messages are dropped meanwhile.
	full bool
	// notices counts the notices being sent.
	notices int
}

// Deliver implements adapters.Inbox. It never blocks: it screens m (see
// the decisions above), then queues it behind the messages of its session
// that are being handled. The messages of one session are handled one at
// a time, in the order delivered, so that "/model @work" followed at once
// by a question is answered on work, and each exchange is stored before
// the next message of the session reads the history; different sessions
// are handled in parallel.
func (g *Gateway) Deliver(_ context.Context, m adapters.Message) {
	g.metrics.receivedOn(m.Channel)
	if m.Sender.IsBot {
		g.drop(m, "from a bot")
		return
	}
	key := sessionKey(m)
	if !g.allowed(m) {
		// A stranger may run the commands open to everyone, and reads
		// "not authorized" for the others, but never spends the owner's
		// credits: plain text is not queued. In a DM, plain text and
		// /start get the pairing reply instead, or nothing at all under
		// dmPolicy "allowlist" (DESIGN §5.1).
		cmd, err := grammar.Parse(m.Text, m.BotName)
		plain := cmd == nil && (err == nil || errors.Is(err, grammar.ErrOtherBot))
		switch {
		case m.Direct && g.policy(m.Channel) == DMAllowlist:
			g.drop(m, "a stranger's message (dmPolicy allowlist)")
			return
		case m.Direct && (plain || cmd != nil && cmd.Name == "start") && g.cfg.Pairings != nil:
			g.pair(key, m)
			return
		case plain:
			g.drop(m, "a stranger's plain text")
			return
		}
	}
	if len(m.Text) > MaxMessage { // fewer bytes cannot be more characters
		if n := utf8.RuneCountInString(m.Text); n > MaxMessage {
			g.notify(key, m, TooLongLine(n), "too long")
			return
		}
	}
	g.qmu.Lock()
	l := g.lane(key)
	switch {
	case !l.draining:
		l.draining = true
		g.qmu.Unlock()
		g.inflight.Go(func() { g.drain(key, l, m) })
	case l.full:
		g.qmu.Unlock()
		g.drop(m, "session busy")
	case len(l.waiting) >= g.cfg.Queue:
		l.full = true
		g.qmu.Unlock()
		g.log.Info("session queue full: dropping its messages until it catches up",
			logkeys.Channel, m.Channel, logkeys.Session, string(key))
		g.notify(key, m, BusyLine, "session busy")
	default:
		if l.waiting == nil {
			l.waiting = make([]adapters.Message, 0, g.cfg.Queue)
		}
		l.waiting = append(l.waiting, m)
		g.qmu.Unlock()
	}
}

// lane returns key's lane, adding it. The caller holds qmu.
func (g *Gateway) lane(key sessions.Key) *lane {
	l := g.queues[key]
	if l == nil {
		l = &lane{}
		g.queues[key] = l
	}
	return l
}

// release removes key's lane once nothing uses it. The caller holds qmu.
func (g *Gateway) release(key sessions.Key, l *lane) {
	if !l.draining && l.notices == 0 {
		delete(g.queues, key)
	}
}

// drain handles m, then the messages waiting in l, until none is left.
// Once the grace period is over, what is still queued is dropped.
func (g *Gateway) drain(key sessions.Key, l *lane, m adapters.Message) {
	for {
		g.handleWithin(key, m)
		g.qmu.Lock()
		if len(l.waiting) == 0 {
			l.draining, l.full = false, false
			g.release(key, l)
			g.qmu.Unlock()
			return
		}
		// Shift rather than reslice, so the slice keeps its capacity of
		// Queue and never grows.
		m = l.waiting[0]
		n := copy(l.waiting, l.waiting[1:])
		l.waiting[n] = adapters.Message{} // release it
		l.waiting = l.waiting[:n]
		g.qmu.Unlock()
	}
}

// handleWithin handles m under its deadline, Budget + SendTimeout. It
// returns when the handler does or when the deadline passes, whichever
// comes first, and then calls m.Done.
func (g *Gateway) handleWithin(key sessions.Key, m adapters.Message) {
	defer done(m)
	if g.handlerCtx.Err() != nil {
		return // the grace period is over
	}
	limit := g.cfg.Budget + g.cfg.SendTimeout
	ctx, cancel := context.WithTimeoutCause(g.handlerCtx, limit, ErrDeadline)
	defer cancel()
	finished := make(chan struct{})
	g.inflight.Go(func() {
		defer close(finished)
		g.handle(ctx, m)
	})
	select {
	case <-finished:
	case <-ctx.Done():
		select {
		case <-finished:
		default:
			g.log.Warn("message handler still running at its deadline: moving on to the session's next message",
				logkeys.Channel, m.Channel, logkeys.Session, string(key), logkeys.Err, context.Cause(ctx))
		}
	}
}

// notify sends text in reply to m beside the session's queue, within
// SendTimeout, then calls m.Done. reason names why m gets it, for the log.
func (g *Gateway) notify(key sessions.Key, m adapters.Message, text, reason string) {
	g.notifyWith(key, m, reason, func(context.Context) (string, error) { return text, nil })
}

// pair answers a stranger's DM beside the queue with the pairing reply:
// a one-time code and the command the owner runs, at most once per
// sessions.PairingTTL (Pairings decides).
func (g *Gateway) pair(key sessions.Key, m adapters.Message) {
	g.notifyWith(key, m, "pairing", func(ctx context.Context) (string, error) {
		code, reply, err := g.cfg.Pairings.RequestPairing(ctx, m.Channel, m.Sender.ID, m.Sender.Name)
		if err != nil || !reply {
			return "", err
		}
		return PairingLine(m.Channel, code), nil
	})
}

// PairingLine is the reply to a stranger's DM: the code and what the
// owner does with it.
func PairingLine(channel, code string) string {
	return fmt.Sprintf("Hi! This bot answers the people its owner allows. To ask for access, give the owner this code: %s. "+
		"On the gateway host they run: bot pairing approve %s %s (the code is valid for an hour).", code, channel, code)
}

// notifyWith is notify with the text computed beside the queue by text
// (which may do I/O within SendTimeout); "" sends nothing.
func (g *Gateway) notifyWith(key sessions.Key, m adapters.Message, reason string, text func(context.Context) (string, error)) {
	g.qmu.Lock()
	l := g.lane(key)
	if l.notices >= g.cfg.Queue {
		g.release(key, l)
		g.qmu.Unlock()
		g.drop(m, reason+"; too many notices being sent")
		return
	}
	l.notices++
	g.qmu.Unlock()
	g.metrics.droppedOn(m.Channel, reason)
	g.inflight.Go(func() {
		defer func() {
			if r := recover(); r != nil {
				g.log.Error("notice reply panicked", logkeys.Channel, m.Channel, logkeys.Panic, r)
			}
			g.qmu.Lock()
			l.notices--
			g.release(key, l)
			g.qmu.Unlock()
			done(m)
		}()
		ctx, cancel := context.WithTimeoutCause(g.handlerCtx, g.cfg.SendTimeout, ErrDeadline)
		defer cancel()
		line, err := text(ctx)
		if err != nil {
			g.log.Error("notice failed", logkeys.Channel, m.Channel, logkeys.Session, string(key), logkeys.Err, err)
			return
		}
		if line == "" {
			return
		}
		if err := m.Reply.Reply(ctx, adapters.Reply{Text: line}); err != nil {
			g.log.Warn("reply failed", logkeys.Channel, m.Channel, logkeys.Session, string(key), logkeys.Err, err)
		}
	})
}

// drop discards m unanswered, logging why at Debug.
func (g *Gateway) drop(m adapters.Message, reason string) {
	g.metrics.droppedOn(m.Channel, reason)
	if g.log.Enabled(context.Background(), slog.LevelDebug) {
		g.log.Debug("message dropped: "+reason, logkeys.Channel, m.Channel, logkeys.Session, string(sessionKey(m)))
	}
	done(m)
}

// done calls m.Done when it is set.
func done(m adapters.Message) {
	if m.Done != nil {
		m.Done()
	}
}
