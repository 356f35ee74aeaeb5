package anthropic_test

import (
	"testing"

	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/internal/fakes"
	"github.com/botgateway/bot/models"
	"github.com/botgateway/bot/models/anthropic"
	"github.com/botgateway/bot/models/providertest"
)

func apiKey(v string) *auth.Credential {
	return &auth.Credential{Provider: "anthropic", Type: auth.KindAPIKey, Key: auth.NewSecret(v)}
}

func token(v string) *auth.Credential {
	return &auth.Credential{Provider: "anthropic", Type: auth.KindToken, Token: auth.NewSecret(v)}
}

func oauth(v string) *auth.Credential {
	return &auth.Credential{Provider: "anthropic", Type: auth.KindOAuth, Access: auth.NewSecret(v), Refresh: auth.NewSecret("refresh-" + v)}
}

// provider is what sets Anthropic apart in the conformance suite.
var provider = providertest.Provider{
	ID: anthropic.ID,
	New: func(cfg providertest.Config) models.Provider {
		return anthropic.New(anthropic.Config{BaseURL: cfg.BaseURL, HTTPClient: cfg.HTTPClient, Now: cfg.Now})
	},
	Fake:       func(t *testing.T) providertest.Fake { return fakes.NewAnthropic(t) },
	Path:       "", // the client adds /v1
	Model:      "claude-sonnet-4-5",
	MaxTokens:  anthropic.DefaultMaxTokens,
	StopReason: "end_turn",
	// A key travels in x-api-key; a Claude subscription token ("sk-ant-oat")
	// as a bearer token with anthropic-beta, however it was stored; an API
	// key pasted as a token ("sk-ant-api") still as a key.
	Wire: []providertest.Credential{
		{Name: "api key", New: apiKey, Value: "sk-ant-api03-work", Auth: "x-api-key"},
		{Name: "setup token", New: token, Value: "sk-ant-oat01-setup", Auth: "bearer", Beta: fakes.OAuthBeta},
		{Name: "oauth", New: oauth, Value: "sk-ant-oat01-access", Auth: "bearer", Beta: fakes.OAuthBeta},
		{Name: "setup token stored as api key", New: apiKey, Value: "sk-ant-oat01-pasted", Auth: "bearer", Beta: fakes.OAuthBeta},
		{Name: "api key pasted as a token", New: token, Value: "sk-ant-api03-pasted", Auth: "x-api-key"},
	},
	Canaries: []providertest.Credential{
		{Name: "api key", New: apiKey, Value: "sk-ant-api03-CANARY-4b1d9e7f2a6c-zz"},
		{Name: "token", New: token, Value: "sk-ant-oat01-CANARY-8e3f5a1c7d9b-zz"},
	},
	Empty:       []*auth.Credential{{Type: auth.KindOAuth, Refresh: auth.NewSecret("r")}},
	UnknownType: "authentication_error",
	Echo: func(cred string) fakes.Response {
		return fakes.Status(401, "authentication_error", "invalid x-api-key: "+cred)
	},
	Env: func(t *testing.T) {
		t.Setenv("ANTHROPIC_API_KEY", "sk-ant-api03-from-env")
		t.Setenv("ANTHROPIC_AUTH_TOKEN", "sk-ant-oat01-from-env")
		t.Setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:1")
		t.Setenv("ANTHROPIC_CUSTOM_HEADERS", "X-From-Env: yes")
		t.Setenv("ANTHROPIC_PROFILE", "does-not-exist")
		t.Setenv("ANTHROPIC_CONFIG_DIR", t.TempDir())
	},
	EnvHeaders: []string{"X-From-Env"},
	Failures: []providertest.FailureCase{
		// A subscription token used outside Claude Code: permanent.
		{Name: "claude code only", Resp: fakes.ClaudeCodeOnly(), Want: providertest.Failure{
			Kind: models.KindAuth, Status: 400, Permanent: true, ClaudeCodeOnly: true,
			ProviderType: "invalid_request_error", ProviderMsg: models.ClaudeCodeOnly}},
	},
}

func TestConformance(t *testing.T) { providertest.Run(t, provider) }

// TestMaxTokens: the Messages API requires max_tokens; the request's value
// wins over Config's, and Config's over DefaultMaxTokens.
func TestMaxTokens(t *testing.T) {
	f := fakes.NewAnthropic(t)
	f.Allow("key")
	c := anthropic.New(anthropic.Config{BaseURL: f.URL(), HTTPClient: f.Client(), MaxTokens: 300})
	req := provider.Request()
	if _, err := c.Complete(t.Context(), req, apiKey("key")); err != nil {
		t.Fatal(err)
	}
	req.MaxTokens = 77
	if _, err := c.Complete(t.Context(), req, apiKey("key")); err != nil {
		t.Fatal(err)
	}
	if got := []int{f.Calls()[0].MaxTokens, f.Calls()[1].MaxTokens}; got[0] != 300 || got[1] != 77 {
		t.Errorf("max_tokens = %v, want [300 77] (config default, then the request's)", got)
	}
}

// BenchmarkAnthropicComplete is one Complete through the SDK against the
// loopback fake: the baseline for the gateway's overhead (DESIGN §7 holds
// the gateway to ≤ 50 µs per message on top of this).
func BenchmarkAnthropicComplete(b *testing.B) {
	f := fakes.NewAnthropic(b)
	f.Allow("bench-key")
	c := anthropic.New(anthropic.Config{BaseURL: f.URL(), HTTPClient: f.Client()})
	cred := apiKey("bench-key")
	req := provider.Request()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Complete(b.Context(), req, cred); err != nil {
			b.Fatal(err)
		}
	}
}
