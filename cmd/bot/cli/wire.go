package cli

import (
	"net/http"
	"time"

	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/commands"
	"github.com/botgateway/bot/config"
	"github.com/botgateway/bot/models"
	"github.com/botgateway/bot/models/anthropic"
	"github.com/botgateway/bot/models/openai"
	"github.com/botgateway/bot/sessions"
)

// wire.go builds the object graph of the chat path from config: the one
// place that knows every package.

// newProviders builds the provider clients. They hold no credential.
func newProviders(env *config.Env, cfg *config.Config, hc *http.Client) map[string]models.Provider {
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

// newRouter wires the router for the chat path.
func newRouter(app *App, paths config.Paths, cfg *config.Config, env *config.Env, store *sessions.Store, engine *commands.Engine) (*models.Router, error) {
	hc := providerClient()
	refresher := &auth.Refresher{
		HTTPClient: &http.Client{Timeout: 30 * time.Second},
		TokenURL:   func(provider string) string { return config.TokenURL(env, cfg, provider) },
		Claude:     auth.ClaudeCode{Home: paths.Home, UseKeychain: true},
		Now:        app.Now,
		Log:        app.Log(),
	}
	return models.NewRouter(models.RouterConfig{
		Providers: newProviders(env, cfg, hc),
		Store:     engine.AuthStore,
		AgentDir:  paths.AgentDir,
		Acquirer:  refresher,
		Config:    cfg,
		Env:       env,
		Usage:     commands.Usage{S: store},
		Now:       app.Now,
		Log:       app.Log(),
	})
}
