package gateway

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/commands"
	"github.com/botgateway/bot/config"
	"github.com/botgateway/bot/models"
	"github.com/botgateway/bot/models/anthropic"
	"github.com/botgateway/bot/models/catalog"
	"github.com/botgateway/bot/models/openai"
	"github.com/botgateway/bot/sessions"
)

// StackConfig configures a chat stack. Paths, Config and Catalog are
// required; the rest has defaults.
type StackConfig struct {
	Paths   config.Paths
	Config  *config.Config
	Catalog *catalog.Catalog
	// Env is the layered environment (credentials from variables, base
	// URLs); nil means none.
	Env *config.Env
	// Providers are the model provider clients by id; nil means the
	// built-in clients (anthropic, openai, openrouter) at the base URLs
	// that Env and Config give.
	Providers map[string]models.Provider
	// Budget bounds one message's provider calls across failovers (the
	// router's default when 0).
	Budget time.Duration
	// Metrics counts the router's calls, failovers and cooldowns and the
	// OAuth refreshes; nil counts nothing.
	Metrics *Metrics
	Now     func() time.Time
	Log     *slog.Logger
}

// Stack is the whole chat path over one state dir: the sessions store,
// every agent's credential stores, the router, the command engine and the
// conversation. bot chat, bot gateway and the tests that need a whole
// stack all build it with OpenStack, so each piece is wired one way.
//
// A Stack is not changed once built; Reload builds a new one over the same
// database, provider clients and OAuth refresher.
type Stack struct {
	Sessions     *sessions.Store
	Catalog      *catalog.Catalog
	Credentials  *auth.Stores
	Router       *models.Router
	Engine       *commands.Engine
	Conversation *Conversation
	Paths        config.Paths
	// Budget is the router's budget for one message: give the gateway
	// the same (Config.Budget).
	Budget time.Duration

	shared *shared
}

// shared is what every Stack of one OpenStack has in common.
type shared struct {
	cfg       StackConfig // Config, Catalog and Env: the first ones
	usage     Usage
	providers map[string]models.Provider
	refresher *auth.Refresher
	// inputs holds the current config and env: the refresher's token
	// URLs follow a reload.
	inputs atomic.Pointer[inputs]
}

// inputs are a stack's config and environment.
type inputs struct {
	cfg *config.Config
	env *config.Env
}

// OpenStack opens the sessions database of cfg.Paths and wires the rest
// over it. Nothing else is read until the first message. Close releases
// the database.
func OpenStack(ctx context.Context, cfg StackConfig) (*Stack, error) {
	if cfg.Config == nil || cfg.Catalog == nil {
		return nil, errors.New("gateway: a stack needs Config and Catalog")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	// The history cache holds at least the turns sent with each call, so
	// a warm message reads no history from disk.
	st, err := sessions.Open(ctx, cfg.Paths.SessionsDB(), sessions.Options{
		Now:          cfg.Now,
		Logger:       cfg.Log,
		HistoryCache: max(sessions.DefaultHistoryCache, cfg.Config.Sessions.HistoryTurns),
	})
	if err != nil {
		return nil, err
	}
	sh := &shared{cfg: cfg, usage: Usage{S: st}, providers: cfg.Providers}
	if sh.providers == nil {
		sh.providers = Providers(cfg.Env, cfg.Config)
	}
	sh.refresher = &auth.Refresher{
		HTTPClient: &http.Client{Timeout: 30 * time.Second},
		TokenURL: func(provider string) string {
			in := sh.inputs.Load()
			return config.TokenURL(in.env, in.cfg, provider)
		},
		Claude:    auth.ClaudeCode{Home: cfg.Paths.Home, UseKeychain: true},
		OnRefresh: cfg.Metrics.Refresh,
		Now:       cfg.Now,
		Log:       cfg.Log,
	}
	s, err := sh.wire(st, cfg.Config, cfg.Catalog, cfg.Env)
	if err != nil {
		st.Close()
		return nil, err
	}
	return s, nil
}

// Reload returns a stack over the same database, provider clients and
// OAuth refresher as s, with cfg, cat and env: allowFrom, the models, the
// aliases, the auth order and the credentials from the environment take
// effect for the messages that use it. s stays usable (messages being
// answered finish on it). Provider base URLs are those of the first
// stack: changing one needs a restart. Close only one of the stacks.
func (s *Stack) Reload(cfg *config.Config, cat *catalog.Catalog, env *config.Env) (*Stack, error) {
	if cfg == nil || cat == nil {
		return nil, errors.New("gateway: a stack needs Config and Catalog")
	}
	return s.shared.wire(s.Sessions, cfg, cat, env)
}

// wire builds a stack's credential stores, router, engine and
// conversation over st for cfg, cat and env, and makes them the
// refresher's inputs.
func (sh *shared) wire(st *sessions.Store, cfg *config.Config, cat *catalog.Catalog, env *config.Env) (*Stack, error) {
	var envLookup auth.EnvLookup // a nil *config.Env must stay a nil interface
	if env != nil {
		envLookup = env
	}
	log := sh.cfg.Log
	creds := auth.NewStores(auth.StoresConfig{
		Paths:     sh.cfg.Paths,
		MainAgent: cfg.DefaultAgent(),
		Config:    cfg,
		Env:       envLookup,
		Usage:     sh.usage,
		Now:       sh.cfg.Now,
		Log:       log,
	})
	var observer models.Observer // a nil *Metrics must stay a nil interface
	if sh.cfg.Metrics != nil {
		observer = sh.cfg.Metrics
	}
	router, err := models.NewRouter(models.RouterConfig{
		Providers:   sh.providers,
		Credentials: creds,
		Acquirer:    sh.refresher,
		Usage:       sh.usage,
		Budget:      sh.cfg.Budget,
		Observer:    observer,
		Now:         sh.cfg.Now,
		Log:         log,
	})
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	engine := commands.New(commands.Config{
		Sessions:    st,
		Catalog:     cat,
		Credentials: creds,
		Config:      cfg,
		Paths:       sh.cfg.Paths,
		Env:         env,
		Now:         sh.cfg.Now,
		Log:         log,
	})
	sh.inputs.Store(&inputs{cfg: cfg, env: env})
	return &Stack{
		Sessions:    st,
		Catalog:     cat,
		Credentials: creds,
		Router:      router,
		Engine:      engine,
		Conversation: &Conversation{
			Sessions:     st,
			Catalog:      cat,
			Router:       router,
			HistoryTurns: cfg.Sessions.HistoryTurns,
			Log:          log,
		},
		Paths:  sh.cfg.Paths,
		Budget: cmp.Or(sh.cfg.Budget, models.DefaultBudget),
		shared: sh,
	}, nil
}

// Close closes the sessions database.
func (s *Stack) Close() error { return s.Sessions.Close() }

// Providers returns the built-in provider clients, pointed at the base
// URLs that env and cfg give (DESIGN §3). They hold no credential.
func Providers(env *config.Env, cfg *config.Config) map[string]models.Provider {
	hc := providerClient()
	return map[string]models.Provider{
		"anthropic":  anthropic.New(anthropic.Config{BaseURL: config.BaseURL(env, cfg, "anthropic"), HTTPClient: hc}),
		"openai":     openai.New(openai.Config{ID: "openai", BaseURL: config.BaseURL(env, cfg, "openai"), HTTPClient: hc}),
		"openrouter": openai.New(openai.Config{ID: "openrouter", BaseURL: config.BaseURL(env, cfg, "openrouter"), HTTPClient: hc}),
	}
}

// providerClient is the HTTP client of the provider calls. A message's
// time is bounded by the router's budget; the timeout here only backs it
// up. The pool keeps up to 64 idle connections per provider host: with
// net/http's default of 2, concurrent chats reconnect all the time (about
// 14% fewer messages a second in BenchmarkGatewayLoad).
func providerClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 64
	return &http.Client{Transport: t, Timeout: 5 * time.Minute}
}
