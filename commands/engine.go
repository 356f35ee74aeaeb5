package commands

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/config"
	"github.com/botgateway/bot/internal/logkeys"
	"github.com/botgateway/bot/models/catalog"
	"github.com/botgateway/bot/sessions"
)

// Config is what the engine works with. Zero values of Now and Log are
// defaults; the rest is required.
type Config struct {
	Sessions *sessions.Store
	Catalog  *catalog.Catalog
	Config   *config.Config
	Paths    config.Paths
	// Env is the layered environment: credentials from variables, and the
	// providers' base URLs. nil means none.
	Env *config.Env
	Now func() time.Time
	Log *slog.Logger
}

// Engine runs chat commands. It is safe for concurrent use.
type Engine struct {
	cfg      Config
	registry *Registry
	log      *slog.Logger
	now      func() time.Time

	mu     sync.Mutex
	stores map[string]*auth.Live // per agent
	views  map[string]view       // per agent other than the main one
}

// view is an agent's store with the main agent's credentials it inherits
// (auth.Inherit), kept while neither store was reloaded.
type view struct {
	own, main *auth.Opened
	o         *auth.Opened
}

// New returns an engine with the built-in commands.
func New(cfg Config) *Engine {
	e := &Engine{cfg: cfg, log: logger(cfg.Log).With(logkeys.Component, "commands"), now: cfg.Now, stores: map[string]*auth.Live{}, views: map[string]view{}}
	if e.now == nil {
		e.now = time.Now
	}
	e.registry = NewRegistry(builtins()...)
	return e
}

// Registry returns the engine's commands, for /help and platform menus.
func (e *Engine) Registry() *Registry { return e.registry }

// Store returns the current credential store of agent, reloaded when its
// file (or Claude Code's) changed. The router reads the same cache.
func (e *Engine) Store(ctx context.Context, agent string) (*auth.Opened, error) {
	return e.store(ctx, agent)
}

// AuthStore returns the credentials of Store(ctx, agent) alone, in the
// shape models.RouterConfig.Store asks for.
func (e *Engine) AuthStore(ctx context.Context, agent string) (*auth.Store, error) {
	o, err := e.store(ctx, agent)
	if err != nil {
		return nil, err
	}
	return o.Store, nil
}

// store returns the credentials agent sees: its current store and, for
// the providers it holds no credential of, the main agent's (auth.Inherit).
// The router, /model and bot models status all see this same view.
func (e *Engine) store(ctx context.Context, agent string) (*auth.Opened, error) {
	own, err := e.live(ctx, agent)
	if err != nil {
		return nil, err
	}
	mainAgent := e.cfg.Config.DefaultAgent()
	if agent == mainAgent {
		return own, nil
	}
	main, err := e.live(ctx, mainAgent)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if v, ok := e.views[agent]; ok && v.own == own && v.main == main {
		return v.o, nil
	}
	o := own.Inheriting(main, mainAgent)
	e.views[agent] = view{own: own, main: main, o: o}
	return o, nil
}

// live returns the current store of agent alone.
func (e *Engine) live(ctx context.Context, agent string) (*auth.Opened, error) {
	e.mu.Lock()
	l, ok := e.stores[agent]
	if !ok {
		l = auth.NewLive(auth.Opener{
			AgentDir: e.cfg.Paths.AgentDir(agent),
			Claude:   auth.ClaudeCode{Home: e.cfg.Paths.Home, UseKeychain: true},
			Now:      e.now,
		})
		e.stores[agent] = l
	}
	e.mu.Unlock()
	o, err := l.Current(ctx)
	if err != nil {
		return nil, fmt.Errorf("commands: load credentials of agent %s: %w", agent, err)
	}
	if o.ClaudeErr != nil {
		e.log.Warn("Claude Code credentials unreadable", logkeys.Err, o.ClaudeErr)
	}
	return o, nil
}

// resolver returns the resolver over agent's current store, the one the
// router and bot models status use too.
func (e *Engine) resolver(ctx context.Context, agent string) (*auth.Resolver, *auth.Opened, error) {
	o, err := e.store(ctx, agent)
	if err != nil {
		return nil, nil, err
	}
	var env auth.EnvLookup // a nil *config.Env must stay a nil interface
	if e.cfg.Env != nil {
		env = e.cfg.Env
	}
	return &auth.Resolver{
		Store:  o.Store,
		Config: e.cfg.Config,
		Env:    env,
		Usage:  Usage{e.cfg.Sessions},
		Now:    e.now,
	}, o, nil
}
