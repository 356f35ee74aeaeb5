package config

import "strings"

// BaseURLVar returns the variable that points provider at another base URL
// (DESIGN §3): ANTHROPIC_BASE_URL, OPENAI_BASE_URL, OPENROUTER_BASE_URL.
func BaseURLVar(provider string) string {
	return strings.ToUpper(provider) + "_BASE_URL"
}

// BaseURL returns provider's base URL: its variable (BaseURLVar) from env,
// else models.providers.<provider>.baseUrl of cfg, else "" (the client's
// default). The provider clients, bot models status and /model status all
// ask it, so what they show is what is called. env and cfg may be nil.
func BaseURL(env *Env, cfg *Config, provider string) string {
	if env != nil {
		if v, _, ok := env.Value(BaseURLVar(provider)); ok && v != "" {
			return v
		}
	}
	if cfg != nil {
		if pc, ok := cfg.Models.Providers[provider]; ok {
			return pc.BaseURL
		}
	}
	return ""
}
