package auth

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/botgateway/bot/config"
	"github.com/botgateway/bot/internal/logkeys"
)

// StoresConfig configures Stores. Paths and MainAgent are required; Env and
// Usage may be nil; Now and Log default to time.Now and a discarding
// logger.
type StoresConfig struct {
	// Paths locates each agent's store and Claude Code's file.
	Paths config.Paths
	// MainAgent is the agent whose credentials the others inherit for the
	// providers they hold none of (config agents.default).
	MainAgent string
	// Config, Env and Usage are what each Resolver reads besides the store.
	Config *config.Config
	Env    EnvLookup
	Usage  Usage
	Now    func() time.Time
	Log    *slog.Logger
}

// Stores keeps the credential stores of every agent current for a
// long-running process (bot gateway, bot chat): each agent's store is
// reloaded, with the Claude Code sync, only when its file or Claude Code's
// changed (Live), and the view an agent sees — its own credentials and,
// for the providers it holds none of, the main agent's (Inherit) — is
// kept until one of the two stores is reloaded. The router, /model and the
// completion source all read credentials through it.
//
// Stores is safe for concurrent use.
type Stores struct {
	cfg StoresConfig
	log *slog.Logger

	mu    sync.Mutex
	live  map[string]*Live
	views map[string]view // per agent other than the main one
	// warned holds, per agent, the load whose Claude Code problem was
	// logged: once per load, not once per message.
	warned map[string]*Opened
}

// view is an agent's store with the main agent's credentials it inherits,
// kept while neither store was reloaded.
type view struct {
	own, main *Opened
	o         *Opened
}

// NewStores returns the store set of cfg. It reads nothing until asked.
func NewStores(cfg StoresConfig) *Stores {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Stores{cfg: cfg, log: log.With(logkeys.Component, "auth"), live: map[string]*Live{}, views: map[string]view{}, warned: map[string]*Opened{}}
}

// Credentials returns the credentials agent sees: its current store and,
// for the providers it holds no credential of, the main agent's. The
// result is shared and must be treated as read-only.
func (s *Stores) Credentials(ctx context.Context, agent string) (*Opened, error) {
	own, err := s.current(ctx, agent)
	if err != nil {
		return nil, err
	}
	if agent == s.cfg.MainAgent {
		return own, nil
	}
	main, err := s.current(ctx, s.cfg.MainAgent)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.views[agent]; ok && v.own == own && v.main == main {
		return v.o, nil
	}
	o := own.Inheriting(main, s.cfg.MainAgent)
	s.views[agent] = view{own: own, main: main, o: o}
	return o, nil
}

// Resolver returns a resolver over the credentials agent sees, with the
// configured config, environment and usage, and those credentials.
func (s *Stores) Resolver(ctx context.Context, agent string) (*Resolver, *Opened, error) {
	o, err := s.Credentials(ctx, agent)
	if err != nil {
		return nil, nil, err
	}
	return &Resolver{Store: o.Store, Config: s.cfg.Config, Env: s.cfg.Env, Usage: s.cfg.Usage, Now: s.cfg.Now}, o, nil
}

// AgentDir returns the directory of agent's store.
func (s *Stores) AgentDir(agent string) string { return s.cfg.Paths.AgentDir(agent) }

// current returns the current store of agent alone.
func (s *Stores) current(ctx context.Context, agent string) (*Opened, error) {
	s.mu.Lock()
	l, ok := s.live[agent]
	if !ok {
		l = NewLive(Opener{
			AgentDir: s.cfg.Paths.AgentDir(agent),
			Claude:   ClaudeCode{Home: s.cfg.Paths.Home, UseKeychain: true},
			Now:      s.cfg.Now,
		})
		s.live[agent] = l
	}
	s.mu.Unlock()
	o, err := l.Current(ctx)
	if err != nil {
		return nil, fmt.Errorf("auth: load credentials of agent %s: %w", agent, err)
	}
	if o.ClaudeErr != nil {
		s.mu.Lock()
		first := s.warned[agent] != o
		s.warned[agent] = o
		s.mu.Unlock()
		if first {
			s.log.Warn("Claude Code credentials unreadable", logkeys.Err, o.ClaudeErr)
		}
	}
	return o, nil
}
