package config

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestEndpoints: a provider's base URL and token endpoint come from its
// variable (named by internal/providers), else the config, else "" (the
// client's default).
func TestEndpoints(t *testing.T) {
	cfg := &Config{
		Models: ModelsConfig{Providers: map[string]ProviderConfig{"openai": {BaseURL: "http://cfg/v1"}}},
		Auth:   AuthConfig{OAuth: map[string]OAuthConfig{"openai": {TokenURL: "http://cfg/token"}}},
	}
	fx := newEnvFixture(t)
	fx.process = map[string]string{
		"ANTHROPIC_BASE_URL":            "http://env",
		"BOT_OAUTH_TOKEN_URL_ANTHROPIC": "http://env/token",
	}
	env, err := LoadEnv(t.Context(), fx.options(nil))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][2]string{}
	for _, p := range []string{"anthropic", "openai", "openrouter"} {
		got[p] = [2]string{BaseURL(env, cfg, p), TokenURL(env, cfg, p)}
	}
	want := map[string][2]string{
		"anthropic":  {"http://env", "http://env/token"},
		"openai":     {"http://cfg/v1", "http://cfg/token"},
		"openrouter": {"", ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if got := TokenURL(nil, nil, "anthropic"); got != "" {
		t.Errorf("TokenURL(nil, nil) = %q", got)
	}
}
