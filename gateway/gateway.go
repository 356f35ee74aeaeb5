// Package gateway runs the chat channels, the command engine and the
// router together: adapters deliver messages, the gateway authorizes and
// parses each one, runs a command or a chat turn, and replies through the
// message's own reply handle. The messages of one session are handled one
// at a time, in the order delivered; sessions run in parallel.
package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/commands"
	"github.com/botgateway/bot/config"
	"github.com/botgateway/bot/grammar"
	"github.com/botgateway/bot/internal/errline"
	"github.com/botgateway/bot/internal/logkeys"
	"github.com/botgateway/bot/internal/usermsg"
	"github.com/botgateway/bot/sessions"
)

// AbandonAfter is how long Run still waits, once the grace period is over
// and the messages in flight are cancelled, for handlers to return before
// it returns without them.
const AbandonAfter = 5 * time.Second

// MaxMessage is the longest message the gateway accepts, in characters.
const MaxMessage = 4096

// ChatFunc answers a plain (non-command) message of a session: it sends
// the answer through out (Answer: streamed updates, then Done) as soon as
// it has it, then may finish its own work (storing the exchange) before
// returning, so the user never waits for it.
// It may block on the provider. A user reads its error through
// errline.Chat: a *usermsg.Error's text, else a generic line with a ref.
type ChatFunc func(ctx context.Context, agent string, key sessions.Key, text string, out Answer) error

// Config configures a gateway.
type Config struct {
	Adapters []adapters.Adapter
	Engine   *commands.Engine
	// Agent is the agent whose sessions and credentials the channels use.
	Agent string
	// AllowFrom lists, per channel name, the sender ids that may run
	// commands and spend credits ("*" = everyone). The console's user is
	// always allowed.
	AllowFrom map[string][]string
	// DMPolicy is, per channel, what a stranger's DM gets: DMPairing (the
	// default) or DMAllowlist (DESIGN §5.1).
	DMPolicy map[string]string
	// Pairings makes the pairing codes (sessions.Store); nil sends no
	// pairing reply.
	Pairings Pairings
	// Chat answers plain text. Nil means model calls are not available in
	// this build, and plain text gets a line saying so.
	Chat ChatFunc
	// Paths shows the files named in replies as "~/…".
	Paths config.Paths
	// Queue bounds the messages of one session waiting while an earlier
	// one is handled (default DefaultQueue); past it Deliver answers once
	// with BusyLine and drops messages until the session catches up
	// (intake.go).
	Queue int
	// Budget is the longest a message's command or model call may take:
	// the router's budget for one message (default DefaultBudget, which
	// is the router's own default; set both together).
	Budget time.Duration
	// SendTimeout is the time allowed on top of Budget to send a
	// message's replies, and the whole deadline of a reply Deliver sends
	// itself (default DefaultSendTimeout).
	SendTimeout time.Duration
	// Grace bounds how long Run waits for in-flight messages after ctx
	// ends (default 10 s).
	Grace time.Duration
	// Restart makes Run restart a channel that fails or drops, with
	// backoff (bot gateway); without it a channel's return is its end
	// (bot chat's console at end of input).
	Restart bool
	// Metrics counts messages, replies and drops; nil counts nothing.
	Metrics *Metrics
	Log     *slog.Logger
}

// Live is the part of a gateway's configuration that Reload swaps while it
// runs: the command engine and chat function (which hold the config and
// the model catalog) and allowFrom.
type Live struct {
	Engine    *commands.Engine
	Chat      ChatFunc
	AllowFrom map[string][]string
	// DMPolicy is Config.DMPolicy, reloaded with the rest.
	DMPolicy map[string]string
}

// The dmPolicy values.
const (
	DMPairing   = "pairing"
	DMAllowlist = "allowlist"
)

// Pairings records strangers' pairing requests (sessions.Store).
type Pairings interface {
	// RequestPairing returns the code of userID's pending request on
	// channel, making one when there is none and keeping displayName for
	// bot pairing list; reply is false when the user was already answered
	// within the last hour.
	RequestPairing(ctx context.Context, channel, userID, displayName string) (code string, reply bool, err error)
}

// DMPolicies returns the dmPolicy of each platform channel in cfg.
func DMPolicies(cfg *config.Config) map[string]string {
	return map[string]string{
		"telegram": cfg.Channels.Telegram.Policy(),
		"discord":  cfg.Channels.Discord.Policy(),
	}
}

// policy returns the dmPolicy of channel.
func (g *Gateway) policy(channel string) string {
	if p := g.live.Load().DMPolicy[channel]; p != "" {
		return p
	}
	return DMPairing
}

// Gateway routes messages between adapters, commands and the router.
type Gateway struct {
	cfg Config
	log *slog.Logger

	inflight sync.WaitGroup
	// queues holds the intake state of each session with a message being
	// handled or a notice being sent; a key is present exactly while one
	// of those is under way (intake.go).
	qmu    sync.Mutex
	queues map[sessions.Key]*lane
	// pickers remembers each session's last picker, for "/model <n>".
	pickers pickers
	// handlerCtx is the parent of every message's context; it outlives
	// Run's ctx by the grace period.
	handlerCtx    context.Context
	cancelHandler context.CancelCauseFunc

	// chans is the supervision state of each adapter (health.go).
	chans   []*channel
	metrics *Metrics
	// live is what Reload swaps; each message reads it once it is taken
	// from the queue.
	live atomic.Pointer[Live]
}

// New validates cfg and returns a gateway. It does no I/O.
func New(cfg Config) (*Gateway, error) {
	if len(cfg.Adapters) == 0 {
		return nil, errors.New("gateway: no channel to run")
	}
	if cfg.Engine == nil {
		return nil, errors.New("gateway: no command engine")
	}
	if cfg.Grace == 0 {
		cfg.Grace = 10 * time.Second
	}
	cfg.intakeDefaults()
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	g := &Gateway{cfg: cfg, log: log.With(logkeys.Component, "gateway"), queues: make(map[sessions.Key]*lane), metrics: cfg.Metrics}
	g.handlerCtx, g.cancelHandler = context.WithCancelCause(context.Background())
	for _, a := range cfg.Adapters {
		g.chans = append(g.chans, &channel{adapter: a, state: StateStarting})
	}
	g.live.Store(&Live{Engine: cfg.Engine, Chat: cfg.Chat, AllowFrom: cfg.AllowFrom, DMPolicy: cfg.DMPolicy})
	return g, nil
}

// Reload swaps the engine, the chat function, allowFrom and dmPolicy for the
// messages handled from now on; the ones being handled finish on what they
// started with. A nil Engine keeps the current one. It is safe to call
// while Run runs.
func (g *Gateway) Reload(l Live) {
	if l.Engine == nil {
		l.Engine = g.live.Load().Engine
	}
	g.live.Store(&l)
}

// engine is the current command engine.
func (g *Gateway) engine() *commands.Engine { return g.live.Load().Engine }

// Run runs every adapter until ctx ends or every one of them has ended,
// then waits up to the grace period for the messages in flight and
// cancels what remains.
//
// Each channel runs on its own: one failing never stops the others. With
// Config.Restart (bot gateway), a channel whose Run returns before ctx
// ends, with an error or without (a platform connection that dropped), is
// logged at Error with its one-line cause and restarted after a backoff
// that doubles from RestartMin to RestartMax and starts over once a run
// has lasted StableAfter; an error matching adapters.ErrFatal ends that
// channel for good. Without Restart (bot chat), a channel's return is its
// end: nil when its input ended. Run returns the channels' failures
// (joined), or nil.
func (g *Gateway) Run(ctx context.Context) error {
	errs := make([]error, len(g.chans))
	var wg sync.WaitGroup
	for i, c := range g.chans {
		wg.Go(func() { errs[i] = g.supervise(ctx, c) })
	}
	wg.Wait()
	done := make(chan struct{})
	go func() { g.inflight.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(g.cfg.Grace):
		g.cancelHandler(errors.New("shutdown: grace period over"))
		// A handler that ignores its context (a send stuck in an adapter)
		// gets AbandonAfter more; then Run returns without it, so the
		// process can still stop.
		select {
		case <-done:
		case <-time.After(AbandonAfter):
			g.log.Error("messages still being handled after the grace period; stopping without them")
		}
	}
	g.cancelHandler(errors.New("gateway stopped"))
	return errors.Join(errs...)
}

// The restart schedule of a channel that fails or drops (Config.Restart).
const (
	// RestartMin is the wait before the first restart.
	RestartMin = time.Second
	// RestartMax caps the wait, which doubles with each failure in a row.
	RestartMax = time.Minute
	// StableAfter is how long a run must last for the next failure to
	// start the schedule over (and for Health to call it running again).
	StableAfter = 10 * time.Second
)

// errDropped is the failure of a platform channel whose Run returned nil
// before ctx ended.
var errDropped = errors.New("the channel stopped on its own (connection closed)")

// supervise runs c until ctx ends, restarting it as Run says, and returns
// its failure, if it ends with one.
func (g *Gateway) supervise(ctx context.Context, c *channel) error {
	a := c.adapter
	log := g.log.With(logkeys.Channel, a.Name())
	wait := RestartMin
	for attempt := 1; ; attempt++ {
		if attempt == 1 {
			log.Info("channel starting")
		} else {
			log.Info("channel restarting", logkeys.Attempt, attempt)
		}
		g.setCommands(ctx, a) // commands.go
		start := time.Now()
		c.mu.Lock()
		c.state, c.attempt = StateRunning, start
		c.mu.Unlock()
		err := a.Run(ctx, g)
		switch {
		case !g.cfg.Restart && err != nil:
			c.set(StateFailed, err)
			log.Error("channel failed", logkeys.Err, oneLine(err))
			return fmt.Errorf("gateway: channel %s: %w", a.Name(), err)
		case ctx.Err() != nil:
			c.set(StateStopped, nil)
			log.Info("channel stopped")
			if err != nil && !errors.Is(err, context.Canceled) {
				log.Debug("channel returned while stopping", logkeys.Err, err)
			}
			return nil
		case !g.cfg.Restart:
			c.set(StateEnded, nil)
			log.Info("channel ended")
			return nil
		case errors.Is(err, adapters.ErrFatal):
			c.set(StateFailed, err)
			log.Error("channel failed for good; the other channels keep running", logkeys.Err, oneLine(err))
			return fmt.Errorf("gateway: channel %s: %w", a.Name(), err)
		case err == nil:
			err = errDropped
		}
		now := time.Now()
		c.mu.Lock()
		if now.Sub(start) >= StableAfter || c.since.IsZero() {
			// A new run of failures: the schedule starts over.
			c.since, wait = now, RestartMin
		}
		c.state, c.attempt, c.err = StateReconnecting, time.Time{}, oneLine(err)
		c.mu.Unlock()
		g.metrics.restartedOn(a.Name())
		log.Error("channel down; restarting", logkeys.Err, oneLine(err), logkeys.RetryIn, wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			c.set(StateStopped, nil)
			log.Info("channel stopped")
			return nil
		case <-t.C:
		}
		wait = min(2*wait, RestartMax)
	}
}

// sessionKey is the session a message belongs to: one per channel and chat.
func sessionKey(m adapters.Message) sessions.Key {
	return sessions.Key(m.Channel + ":" + string(m.Chat))
}

// allowed reports whether m's sender may run commands and spend credits.
func (g *Gateway) allowed(m adapters.Message) bool {
	if m.Sender.IsOwner {
		return true
	}
	ids := g.live.Load().AllowFrom[m.Channel]
	return slices.Contains(ids, "*") || (m.Sender.ID != "" && slices.Contains(ids, m.Sender.ID))
}

// handle processes one message that Deliver queued (not a bot's, not over
// MaxMessage, not a stranger's plain text): parse, command or chat, reply.
// What a user reads of a failure is decided in one place, errline.Chat.
func (g *Gateway) handle(ctx context.Context, m adapters.Message) {
	defer func() {
		if r := recover(); r != nil {
			// A bug, not the user's input: say so with a reference to the
			// log line, and keep the gateway running.
			ref := usermsg.NewRef()
			g.log.Error("message handler panicked", logkeys.Ref, ref, logkeys.Channel, m.Channel, logkeys.Panic, r)
			if m.Reply != nil {
				m.Reply.Reply(ctx, adapters.Reply{Text: usermsg.Generic(ref)})
			}
		}
	}()
	key := sessionKey(m)
	log := g.log.With(logkeys.Channel, m.Channel, logkeys.Session, string(key))
	send := func(r adapters.Reply) {
		if err := m.Reply.Reply(ctx, r); err != nil {
			log.Warn("reply failed", logkeys.Err, err)
			return
		}
		g.metrics.repliedOn(m.Channel)
	}
	fail := func(err error, private bool) {
		send(adapters.Reply{Text: errline.Chat(err, g.cfg.Paths, log), Private: private})
	}
	cmd, err := grammar.Parse(m.Text, m.BotName)
	switch {
	case errors.Is(err, grammar.ErrOtherBot):
		return // addressed to another bot in the chat
	case err != nil:
		fail(g.engine().ParseError(err), false)
		return
	case cmd == nil:
		g.chat(ctx, m, key, send, log)
		return
	}
	if cmd, err = g.pickers.resolve(key, cmd); err != nil {
		fail(err, false)
		return
	}
	req := &commands.Request{
		Cmd:     cmd,
		Caller:  commands.Caller{Channel: m.Channel, SenderID: m.Sender.ID, Allowed: g.allowed(m)},
		Session: key,
		Agent:   g.cfg.Agent,
	}
	rep, err := g.engine().Handle(ctx, req)
	if err != nil {
		log.Debug("command failed", logkeys.Command, cmd.Name, logkeys.Err, err)
		fail(err, rep.Private)
		return
	}
	out := adapters.Reply{Text: rep.Text, Private: rep.Private}
	if len(rep.Choices) > 0 {
		out.Choices = make([]adapters.Choice, len(rep.Choices))
		for i, c := range rep.Choices {
			out.Choices[i] = adapters.Choice{Label: c.Label, Command: c.Command}
		}
		g.pickers.remember(key, cmd.Name, out.Choices)
	}
	send(out)
}

// chat answers plain text through the router, with "typing…" until the
// first text and the reply streamed where the adapter can (answer.go).
func (g *Gateway) chat(ctx context.Context, m adapters.Message, key sessions.Key, send func(adapters.Reply), log *slog.Logger) {
	chat := g.live.Load().Chat
	if chat == nil {
		send(adapters.Reply{Text: "Model calls are not wired up in this build yet: only commands work. Try /model or /help."})
		return
	}
	out := newAnswer(ctx, m, log)
	defer g.metrics.repliedOn(m.Channel)
	if err := chat(ctx, g.cfg.Agent, key, m.Text, out); err != nil {
		out.fail(errline.Chat(err, g.cfg.Paths, log))
		return
	}
	out.typing()
}

var _ adapters.Inbox = (*Gateway)(nil)
