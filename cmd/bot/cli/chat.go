package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/adapters/console"
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
	sc, err := app.stackConfig(ctx)
	if err != nil {
		return err
	}
	paths := sc.Paths
	agent, err := app.Agent(c.Agent)
	if err != nil {
		return err
	}
	stack, err := gateway.OpenStack(ctx, sc)
	if err != nil {
		return app.sessionsError(err)
	}
	defer stack.Close()
	ccfg := console.Config{In: app.Stdin, Out: app.Stdout, Session: c.Session, Messages: c.Message}
	var grace time.Duration // the gateway's default
	if c.interactive(app) {
		ccfg.Interactive = true
		if ccfg.Banner, err = c.banner(ctx, stack, agent); err != nil {
			return err
		}
		// Ctrl-C ends the chat at once: a reply still on its way is
		// dropped (and not stored) rather than waited for.
		grace = interruptGrace
	}
	gw, err := gateway.New(gateway.Config{
		Adapters: []adapters.Adapter{console.New(ccfg)},
		Engine:   stack.Engine,
		Agent:    agent,
		Chat:     stack.Conversation.Reply,
		Paths:    paths,
		Budget:   stack.Budget,
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

// stackConfig is what bot chat and bot gateway open their chat stack with:
// the paths, the config, the layered environment and the model catalog,
// the app's clock and logger.
func (a *App) stackConfig(ctx context.Context) (gateway.StackConfig, error) {
	paths, err := a.Paths()
	if err != nil {
		return gateway.StackConfig{}, err
	}
	cf, err := a.Config()
	if err != nil {
		return gateway.StackConfig{}, err
	}
	env, err := a.Env(ctx)
	if err != nil {
		return gateway.StackConfig{}, err
	}
	cat, err := modelCatalog(cf)
	if err != nil {
		return gateway.StackConfig{}, err
	}
	return gateway.StackConfig{Paths: paths, Config: cf.Config, Catalog: cat, Env: env, Now: a.Now, Log: a.Log()}, nil
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
func (c *ChatCmd) banner(ctx context.Context, stack *gateway.Stack, agent string) (string, error) {
	key := sessions.Key(console.Name + ":" + c.Session)
	s, _, err := stack.Sessions.Get(ctx, agent, key)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("bot chat — %s on %s. /help for commands, Ctrl-D to quit.", key, stack.Conversation.Target(agent, s).Ref), nil
}
