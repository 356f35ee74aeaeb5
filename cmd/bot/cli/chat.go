package cli

import (
	"context"
	"fmt"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/adapters/console"
	"github.com/botgateway/bot/commands"
	"github.com/botgateway/bot/gateway"
	"github.com/botgateway/bot/models/catalog"
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
	cat, err := catalog.New(cf.Config)
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
	cons := console.New(console.Config{In: app.Stdin, Out: app.Stdout, Session: c.Session, Messages: c.Message})
	gw, err := gateway.New(gateway.Config{
		Adapters: []adapters.Adapter{cons},
		Engine:   engine,
		Agent:    agent,
		Chat:     conv.Reply,
		Log:      app.Log(),
	})
	if err != nil {
		return err
	}
	if err := gw.Run(ctx); err != nil {
		return fmt.Errorf("chat: %w", err)
	}
	return nil
}
