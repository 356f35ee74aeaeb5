package config

import "github.com/botgateway/bot/internal/providers"

// BaseURLVar returns the variable that points provider at another base URL
// (DESIGN §3): ANTHROPIC_BASE_URL, OPENAI_BASE_URL, OPENROUTER_BASE_URL;
// see internal/providers.
func BaseURLVar(p string) string { return providers.BaseURLVar(p) }

// BaseURL returns provider's base URL: its variable (BaseURLVar) from env,
// else models.providers.<provider>.baseUrl of cfg, else "" (the client's
// default). The provider clients, bot models status and /model status all
// ask it, so what they show is what is called. env and cfg may be nil.
func BaseURL(env *Env, cfg *Config, p string) string {
	if env != nil {
		if v, _, ok := env.Value(BaseURLVar(p)); ok && v != "" {
			return v
		}
	}
	if cfg != nil {
		if pc, ok := cfg.Models.Providers[p]; ok {
			return pc.BaseURL
		}
	}
	return ""
}

// TokenURL returns the OAuth token endpoint configured for provider: its
// variable (BOT_OAUTH_TOKEN_URL_<PROVIDER>) from env, else
// auth.oauth.<provider>.tokenUrl of cfg, else "" (the provider's default,
// see internal/providers). env and cfg may be nil.
func TokenURL(env *Env, cfg *Config, p string) string {
	if env != nil {
		if v, _, ok := env.Value(providers.TokenURLVar(p)); ok && v != "" {
			return v
		}
	}
	if cfg != nil {
		if oc, ok := cfg.Auth.OAuth[p]; ok {
			return oc.TokenURL
		}
	}
	return ""
}

// Endpoint is BaseURL as status output shows it: "default" when the
// provider client's own default is used.
func Endpoint(env *Env, cfg *Config, p string) string {
	if u := BaseURL(env, cfg, p); u != "" {
		return u
	}
	return "default"
}
