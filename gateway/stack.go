package gateway

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
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
	Now    func() time.Time
	Log    *slog.Logger
}

// Stack is the whole chat path over one state dir: the sessions store,
// every agent's credential stores, the router, the command engine and the
// conversation. bot chat, bot gateway and the tests that need a whole
// stack all build it with OpenStack, so each piece is wired one way.
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
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// The history cache holds at least the turns sent with each call, so
	// a warm message reads no history from disk.
	st, err := sessions.Open(ctx, cfg.Paths.SessionsDB(), sessions.Options{
		Now:          cfg.Now,
		Logger:       log,
		HistoryCache: max(sessions.DefaultHistoryCache, cfg.Config.Sessions.HistoryTurns),
	})
	if err != nil {
		return nil, err
	}
	var env auth.EnvLookup // a nil *config.Env must stay a nil interface
	if cfg.Env != nil {
		env = cfg.Env
	}
	usage := Usage{S: st}
	creds := auth.NewStores(auth.StoresConfig{
		Paths:     cfg.Paths,
		MainAgent: cfg.Config.DefaultAgent(),
		Config:    cfg.Config,
		Env:       env,
		Usage:     usage,
		Now:       cfg.Now,
		Log:       log,
	})
	providers := cfg.Providers
	if providers == nil {
		providers = Providers(cfg.Env, cfg.Config)
	}
	router, err := models.NewRouter(models.RouterConfig{
		Providers:   providers,
		Credentials: creds,
		Acquirer: &auth.Refresher{
			HTTPClient: &http.Client{Timeout: 30 * time.Second},
			TokenURL:   func(provider string) string { return config.TokenURL(cfg.Env, cfg.Config, provider) },
			Claude:     auth.ClaudeCode{Home: cfg.Paths.Home, UseKeychain: true},
			Now:        cfg.Now,
			Log:        log,
		},
		Usage:  usage,
		Budget: cfg.Budget,
		Now:    cfg.Now,
		Log:    log,
	})
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("gateway: %w", err)
	}
	engine := commands.New(commands.Config{
		Sessions:    st,
		Catalog:     cfg.Catalog,
		Credentials: creds,
		Config:      cfg.Config,
		Paths:       cfg.Paths,
		Env:         cfg.Env,
		Now:         cfg.Now,
		Log:         log,
	})
	return &Stack{
		Sessions:    st,
		Catalog:     cfg.Catalog,
		Credentials: creds,
		Router:      router,
		Engine:      engine,
		Conversation: &Conversation{
			Sessions:     st,
			Catalog:      cfg.Catalog,
			Router:       router,
			HistoryTurns: cfg.Config.Sessions.HistoryTurns,
			Log:          log,
		},
		Paths:  cfg.Paths,
		Budget: cmp.Or(cfg.Budget, models.DefaultBudget),
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
