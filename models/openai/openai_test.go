package openai_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/internal/fakes"
	"github.com/botgateway/bot/models"
	"github.com/botgateway/bot/models/openai"
	"github.com/botgateway/bot/models/providertest"
)

func apiKey(v string) *auth.Credential {
	return &auth.Credential{Provider: "openai", Type: auth.KindAPIKey, Key: auth.NewSecret(v)}
}

func token(v string) *auth.Credential {
	return &auth.Credential{Provider: "openai", Type: auth.KindToken, Token: auth.NewSecret(v)}
}

// conformance returns what sets a provider this package serves apart in
// the conformance suite: its id and the path of its API root.
func conformance(id, path string) providertest.Provider {
	// OpenAI's rate limit names the limit in its type and puts the
	// class in its code; in a stream only the type is read.
	rl := fakes.RateLimited(20)
	rl.ErrType, rl.ErrCode = "requests", "rate_limit_exceeded"
	ms := fakes.Status(429, "requests", "Rate limit reached")
	ms.ErrCode = "rate_limit_exceeded"
	quota := fakes.InsufficientQuota()
	return providertest.Provider{
		ID: id,
		New: func(cfg providertest.Config) models.Provider {
			return openai.New(openai.Config{ID: id, BaseURL: cfg.BaseURL, HTTPClient: cfg.HTTPClient, Now: cfg.Now})
		},
		Fake:       func(t *testing.T) providertest.Fake { return fakes.NewOpenAI(t, path) },
		Path:       path,
		Model:      "gpt-4o",
		StopReason: "stop",
		Wire: []providertest.Credential{
			{Name: "api key", New: apiKey, Value: "sk-key", Auth: "bearer"},
			{Name: "token", New: token, Value: "sk-pasted", Auth: "bearer"},
		},
		Canaries:    []providertest.Credential{{Name: "api key", New: apiKey, Value: "sk-proj-CANARY-5e2a8c4f1b7d-zz"}},
		UnknownType: "invalid_request_error",
		Echo: func(cred string) fakes.Response {
			r := fakes.Status(401, "invalid_request_error", "Incorrect API key provided: "+cred)
			r.ErrCode = "invalid_api_key"
			return r
		},
		Env: func(t *testing.T) {
			t.Setenv("OPENAI_API_KEY", "sk-from-env")
			t.Setenv("OPENAI_ADMIN_KEY", "sk-admin-from-env")
			t.Setenv("OPENAI_BASE_URL", "http://127.0.0.1:1/v1")
			t.Setenv("OPENAI_ORG_ID", "org-env")
			t.Setenv("OPENAI_PROJECT_ID", "proj-env")
			t.Setenv("OPENAI_CUSTOM_HEADERS", "X-From-Env: yes")
		},
		EnvHeaders: []string{"OpenAI-Organization", "OpenAI-Project", "X-From-Env"},
		Failures: []providertest.FailureCase{
			{Name: "rate limit type and code", Resp: rl, Want: providertest.Failure{Kind: models.KindRateLimit, Status: 429,
				RetryAfter: 20 * time.Second, ProviderType: "requests", ProviderMsg: rl.ErrMsg}},
			{Name: "insufficient quota is billing", Resp: quota, Want: providertest.Failure{Kind: models.KindBilling, Status: 429,
				ProviderType: "insufficient_quota", ProviderMsg: quota.ErrMsg}},
			{Name: "openrouter numeric code", Resp: fakes.Response{Status: 402, ErrCode: "402", ErrMsg: "Insufficient credits"},
				Want: providertest.Failure{Kind: models.KindBilling, Status: 402, ProviderMsg: "Insufficient credits"}},
			{Name: "rate limit type mid-stream", Resp: ms.InStream(), StreamOnly: true, Want: providertest.Failure{Kind: models.KindUnknown,
				ProviderType: "requests", ProviderMsg: "Rate limit reached"}},
		},
	}
}

func TestConformance(t *testing.T) {
	t.Run("openai", func(t *testing.T) { providertest.Run(t, conformance(openai.IDOpenAI, "/v1")) })
	t.Run("openrouter", func(t *testing.T) { providertest.Run(t, conformance(openai.IDOpenRouter, "/api/v1")) })
}

func TestDefaults(t *testing.T) {
	if got := openai.New(openai.Config{}).ID(); got != "openai" {
		t.Errorf("zero Config: ID() = %q, want openai", got)
	}
}

// TestMaxTokens: OpenAI gets max_completion_tokens, OpenRouter max_tokens;
// the request's value wins over Config's; without either nothing is sent.
func TestMaxTokens(t *testing.T) {
	for _, p := range []struct{ id, prefix string }{{"openai", "/v1"}, {"openrouter", "/api/v1"}} {
		t.Run(p.id, func(t *testing.T) {
			f := fakes.NewOpenAI(t, p.prefix)
			f.Allow("k")
			for _, cfgMax := range []int{0, 500} {
				c := openai.New(openai.Config{ID: p.id, BaseURL: f.URL(), HTTPClient: f.Client(), MaxTokens: cfgMax})
				for _, reqMax := range []int{0, 64} {
					req := conformance(p.id, p.prefix).Request()
					req.MaxTokens = reqMax
					if _, err := c.Complete(t.Context(), req, apiKey("k")); err != nil {
						t.Fatal(err)
					}
				}
			}
			var got []int
			for _, call := range f.Calls() {
				got = append(got, call.MaxTokens)
			}
			if diff := cmp.Diff([]int{0, 64, 500, 64}, got); diff != "" {
				t.Errorf("max tokens (-want +got):\n%s", diff)
			}
			field, other := "max_completion_tokens", "max_tokens"
			if p.id == "openrouter" {
				field, other = other, field
			}
			body := string(f.Calls()[1].Body)
			if !strings.Contains(body, `"`+field+`":64`) || strings.Contains(body, `"`+other+`"`) {
				t.Errorf("body %s: want %s, not %s", body, field, other)
			}
		})
	}
}

// BenchmarkOpenAIComplete is one Complete through the SDK against the
// loopback fake.
func BenchmarkOpenAIComplete(b *testing.B) {
	f := fakes.NewOpenAI(b, "/v1")
	f.Allow("bench-key")
	c := openai.New(openai.Config{BaseURL: f.URL(), HTTPClient: f.Client()})
	cred := apiKey("bench-key")
	req := conformance(openai.IDOpenAI, "/v1").Request()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Complete(b.Context(), req, cred); err != nil {
			b.Fatal(err)
		}
	}
}
