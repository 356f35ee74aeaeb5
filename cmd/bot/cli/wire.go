package cli

import (
	"context"
	"net/http"
	"strings"
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

// providerURL returns a provider's base URL: its environment variable
// (ANTHROPIC_BASE_URL, ...), else config models.providers.<p>.baseUrl,
// else "" (the client's default).
func providerURL(env *config.Env, cfg *config.Config, provider string) string {
	if v, _, ok := env.Value(strings.ToUpper(provider) + "_BASE_URL"); ok {
		return v
	}
	if pc, ok := cfg.Models.Providers[provider]; ok {
		return pc.BaseURL
	}
	return ""
}

// newProviders builds the provider clients. They hold no credential.
func newProviders(env *config.Env, cfg *config.Config, hc *http.Client) map[string]models.Provider {
	return map[string]models.Provider{
		"anthropic":  anthropic.New(anthropic.Config{BaseURL: providerURL(env, cfg, "anthropic"), HTTPClient: hc}),
		"openai":     openai.New(openai.Config{ID: "openai", BaseURL: providerURL(env, cfg, "openai"), HTTPClient: hc}),
		"openrouter": openai.New(openai.Config{ID: "openrouter", BaseURL: providerURL(env, cfg, "openrouter"), HTTPClient: hc}),
	}
}

// newRouter wires the router for the chat path.
func newRouter(app *App, paths config.Paths, cfg *config.Config, env *config.Env, store *sessions.Store, engine *commands.Engine) (*models.Router, error) {
	hc := &http.Client{Timeout: 5 * time.Minute}
	refresher := &auth.Refresher{
		HTTPClient: &http.Client{Timeout: 30 * time.Second},
		TokenURL: func(provider string) string {
			if v, _, ok := env.Value("BOT_OAUTH_TOKEN_URL_" + strings.ToUpper(provider)); ok {
				return v
			}
			if oc, ok := cfg.Auth.OAuth[provider]; ok && oc.TokenURL != "" {
				return oc.TokenURL
			}
			return ""
		},
		Claude: auth.ClaudeCode{Home: paths.Home, UseKeychain: true},
		Now:    app.Now,
		Log:    app.Log(),
	}
	return models.NewRouter(models.RouterConfig{
		Providers: newProviders(env, cfg, hc),
		Store: func(ctx context.Context, agent string) (*auth.Store, error) {
			o, err := engine.Store(ctx, agent)
			if err != nil {
				return nil, err
			}
			return o.Store, nil
		},
		AgentDir: paths.AgentDir,
		Acquirer: refresher,
		Config:   cfg,
		Env:      env,
		Usage:    commands.Usage{S: store},
		Now:      app.Now,
		Log:      app.Log(),
	})
}
