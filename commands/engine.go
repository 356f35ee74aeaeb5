package commands

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/config"
	"github.com/botgateway/bot/internal/logkeys"
	"github.com/botgateway/bot/models"
	"github.com/botgateway/bot/models/catalog"
	"github.com/botgateway/bot/sessions"
)

// Config is what the engine works with. Zero values of Now and Log are
// defaults; the rest is required.
type Config struct {
	Sessions *sessions.Store
	Catalog  *catalog.Catalog
	// Credentials are every agent's credential stores, the same set the
	// router reads, so /model shows what the next call uses.
	Credentials *auth.Stores
	Config      *config.Config
	Paths       config.Paths
	// Env is the layered environment: the providers' base URLs shown by
	// /model status. nil means none.
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

	// comp is the completion source, built on first use (complete.go).
	compOnce sync.Once
	comp     *completer
}

// New returns an engine with the built-in commands.
func New(cfg Config) *Engine {
	e := &Engine{cfg: cfg, log: logger(cfg.Log).With(logkeys.Component, "commands"), now: cfg.Now}
	if e.now == nil {
		e.now = time.Now
	}
	e.registry = NewRegistry(builtins()...)
	return e
}

// Registry returns the engine's commands, for /help and platform menus.
func (e *Engine) Registry() *Registry { return e.registry }

// resolver returns the resolver over the credentials agent sees, the one
// the router and bot models status use too.
func (e *Engine) resolver(ctx context.Context, agent string) (*auth.Resolver, *auth.Opened, error) {
	return e.cfg.Credentials.Resolver(ctx, agent)
}

// SessionTarget returns where the next call of session s of agent goes:
// the one place a stored session becomes a models.Target, for /model and
// for the conversation.
func SessionTarget(cat *catalog.Catalog, agent string, s sessions.Session) models.Target {
	return models.TargetFor(cat, agent, models.Choice{
		Model:     s.Model,
		Pin:       auth.ProfileID(s.Profile),
		PinIsUser: s.PinSource == sessions.SourceUser,
	})
}

// target loads the session of r and returns it with its target.
func (e *Engine) target(ctx context.Context, r *Request) (models.Target, sessions.Session, error) {
	s, _, err := e.cfg.Sessions.Get(ctx, r.Agent, r.Session)
	if err != nil {
		return models.Target{}, s, err
	}
	return SessionTarget(e.cfg.Catalog, r.Agent, s), s, nil
}
