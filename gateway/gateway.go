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
	"time"

	"golang.org/x/sync/errgroup"

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
	Log   *slog.Logger
}

// The dmPolicy values.
const (
	DMPairing   = "pairing"
	DMAllowlist = "allowlist"
)

// Pairings records strangers' pairing requests (sessions.Store).
type Pairings interface {
	// RequestPairing returns the code of userID's pending request on
	// channel, making one when there is none; reply is false when the
	// user was already answered within the last hour.
	RequestPairing(ctx context.Context, channel, userID string) (code string, reply bool, err error)
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
	if p := g.cfg.DMPolicy[channel]; p != "" {
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
	g := &Gateway{cfg: cfg, log: log.With(logkeys.Component, "gateway"), queues: make(map[sessions.Key]*lane)}
	g.handlerCtx, g.cancelHandler = context.WithCancelCause(context.Background())
	return g, nil
}

// Run runs every adapter until ctx ends or all of them have returned (the
// console at end of input), then waits up to the grace period for the
// messages in flight and cancels what remains. It returns the first
// adapter failure.
func (g *Gateway) Run(ctx context.Context) error {
	eg, ectx := errgroup.WithContext(ctx)
	for _, a := range g.cfg.Adapters {
		eg.Go(func() error {
			g.log.Info("channel starting", logkeys.Channel, a.Name())
			g.setCommands(ectx, a) // commands.go
			if err := a.Run(ectx, g); err != nil {
				return fmt.Errorf("gateway: channel %s: %w", a.Name(), err)
			}
			return nil
		})
	}
	err := eg.Wait()
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
	return err
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
	ids := g.cfg.AllowFrom[m.Channel]
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
		}
	}
	fail := func(err error, private bool) {
		send(adapters.Reply{Text: errline.Chat(err, g.cfg.Paths, log), Private: private})
	}
	cmd, err := grammar.Parse(m.Text, m.BotName)
	switch {
	case errors.Is(err, grammar.ErrOtherBot):
		return // addressed to another bot in the chat
	case err != nil:
		fail(g.cfg.Engine.ParseError(err), false)
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
	rep, err := g.cfg.Engine.Handle(ctx, req)
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
	if g.cfg.Chat == nil {
		send(adapters.Reply{Text: "Model calls are not wired up in this build yet: only commands work. Try /model or /help."})
		return
	}
	out := newAnswer(ctx, m, log)
	if err := g.cfg.Chat(ctx, g.cfg.Agent, key, m.Text, out); err != nil {
		out.fail(errline.Chat(err, g.cfg.Paths, log))
		return
	}
	out.typing()
}

var _ adapters.Inbox = (*Gateway)(nil)
