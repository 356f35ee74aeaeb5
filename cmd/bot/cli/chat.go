package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/adapters/console"
	"github.com/botgateway/bot/commands"
	"github.com/botgateway/bot/gateway"
	"github.com/botgateway/bot/internal/termread"
	"github.com/botgateway/bot/sessions"
)

// ChatCmd is "bot chat": the console channel. Each stdin line is a
// message from the owner; each reply goes to stdout. The session key is
// console:<session>.
type ChatCmd struct {
	Agent   string   `help:"Agent id (default: the configured default agent)." placeholder:"ID"`
	Session string   `default:"local" help:"Session name: the chat is console:NAME." placeholder:"NAME"`
	Message []string `short:"m" sep:"none" help:"Send this message instead of reading stdin (repeatable)." placeholder:"TEXT"`
}

// Run wires the console adapter, the command engine and the sessions
// store, and runs until end of input.
func (c *ChatCmd) Run(ctx context.Context, app *App) error {
	paths, err := app.Paths()
	if err != nil {
		return err
	}
	cf, err := app.Config()
	if err != nil {
		return err
	}
	agent, err := app.Agent(c.Agent)
	if err != nil {
		return err
	}
	env, err := app.Env(ctx)
	if err != nil {
		return err
	}
	cat, err := modelCatalog(cf)
	if err != nil {
		return err
	}
	// The history cache holds at least the turns sent with each call, so
	// a warm message reads no history from disk.
	store, err := sessions.Open(ctx, paths.SessionsDB(), sessions.Options{
		Now:          app.Now,
		Logger:       app.Log(),
		HistoryCache: max(sessions.DefaultHistoryCache, cf.Config.Sessions.HistoryTurns),
	})
	if err != nil {
		return app.sessionsError(err)
	}
	defer store.Close()
	engine := commands.New(commands.Config{
		Sessions: store,
		Catalog:  cat,
		Config:   cf.Config,
		Paths:    paths,
		Env:      env,
		Now:      app.Now,
		Log:      app.Log(),
	})
	router, err := newRouter(app, paths, cf.Config, env, store, engine)
	if err != nil {
		return err
	}
	conv := &gateway.Conversation{Sessions: store, Catalog: cat, Router: router, HistoryTurns: cf.Config.Sessions.HistoryTurns, Paths: paths, Log: app.Log()}
	ccfg := console.Config{In: app.Stdin, Out: app.Stdout, Session: c.Session, Messages: c.Message}
	var grace time.Duration // the gateway's default
	if c.interactive(app) {
		ccfg.Interactive = true
		if ccfg.Banner, err = c.banner(ctx, conv, store, agent); err != nil {
			return err
		}
		// Ctrl-C ends the chat at once: a reply still on its way is
		// dropped (and not stored) rather than waited for.
		grace = interruptGrace
	}
	gw, err := gateway.New(gateway.Config{
		Adapters: []adapters.Adapter{console.New(ccfg)},
		Engine:   engine,
		Agent:    agent,
		Chat:     conv.Reply,
		Grace:    grace,
		Log:      app.Log(),
	})
	if err != nil {
		return err
	}
	if err := gw.Run(ctx); err != nil {
		if errors.Is(err, termread.ErrInterrupted) {
			return err
		}
		return fmt.Errorf("chat: %w", err)
	}
	return nil
}

// interruptGrace is how long a terminal chat ended by Ctrl-C waits for a
// reply already on its way.
const interruptGrace = 100 * time.Millisecond

// interactive reports whether the chat is a terminal session: no
// --message, and stdin and stdout both terminals. Piped, bot chat prints
// replies only.
func (c *ChatCmd) interactive(app *App) bool {
	_, in := terminal(app.Stdin)
	_, out := terminal(app.Stdout)
	return len(c.Message) == 0 && in && out
}

// banner is the first line of a terminal chat: the session, the model its
// next message goes to, and how to get help and quit.
func (c *ChatCmd) banner(ctx context.Context, conv *gateway.Conversation, store *sessions.Store, agent string) (string, error) {
	key := sessions.Key(console.Name + ":" + c.Session)
	s, _, err := store.Get(ctx, agent, key)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("bot chat — %s on %s. /help for commands, Ctrl-D to quit.", key, conv.Model(s)), nil
}
