package openai_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/internal/fakes"
	"github.com/botgateway/bot/models"
	"github.com/botgateway/bot/models/openai"
)

// canary must never appear in an error's text.
const canary = "sk-proj-CANARY-5e2a8c4f1b7d-zz"

func apiKey(v string) *auth.Credential {
	return &auth.Credential{Provider: "openai", Type: auth.KindAPIKey, Key: auth.NewSecret(v)}
}

var request = models.Request{
	Model:  "gpt-4o",
	System: "Be brief.",
	Messages: []models.Message{
		{Role: models.RoleUser, Text: "hi"},
		{Role: models.RoleAssistant, Text: "hello"},
		{Role: models.RoleUser, Text: "how are you?"},
	},
}

// provider is one of the two providers this package serves, with its fake.
type provider struct {
	id, prefix string
}

var providers = []provider{{"openai", "/v1"}, {"openrouter", "/api/v1"}}

func (p provider) start(t *testing.T) (*fakes.OpenAI, *openai.Client) {
	t.Helper()
	f := fakes.NewOpenAI(t, p.prefix)
	return f, openai.New(openai.Config{ID: p.id, BaseURL: f.URL(), HTTPClient: f.Client()})
}

// mode runs one call through Complete or Stream and returns the text.
type mode struct {
	name string
	call func(ctx context.Context, c *openai.Client, req models.Request, cred *auth.Credential) (string, error)
}

var modes = []mode{
	{"complete", func(ctx context.Context, c *openai.Client, req models.Request, cred *auth.Credential) (string, error) {
		res, err := c.Complete(ctx, req, cred)
		if err != nil {
			return "", err
		}
		return res.Text, nil
	}},
	{"stream", func(ctx context.Context, c *openai.Client, req models.Request, cred *auth.Credential) (string, error) {
		var sb strings.Builder
		for chunk, err := range c.Stream(ctx, req, cred) {
			if err != nil {
				return sb.String(), err
			}
			sb.WriteString(chunk.Text)
		}
		return sb.String(), nil
	}},
}

func TestCredentialOnTheWire(t *testing.T) {
	for _, p := range providers {
		for _, m := range modes {
			t.Run(p.id+"/"+m.name, func(t *testing.T) {
				f, c := p.start(t)
				f.Script("sk-key", fakes.OK("fine, thanks"))
				got, err := m.call(t.Context(), c, request, apiKey("sk-key"))
				if err != nil {
					t.Fatal(err)
				}
				if got != "fine, thanks" {
					t.Errorf("text = %q", got)
				}
				want := []fakes.Call{{
					Auth: "bearer", Credential: "sk-key", Model: "gpt-4o", Messages: 3,
					System: "Be brief.", Prompt: "how are you?", Stream: m.name == "stream",
				}}
				if diff := cmp.Diff(want, f.Calls(), cmpopts.IgnoreFields(fakes.Call{}, "Header", "Body")); diff != "" {
					t.Errorf("calls (-want +got):\n%s", diff)
				}
				f.Verify(t)
			})
		}
	}
}

func TestDefaults(t *testing.T) {
	if got := openai.New(openai.Config{}).ID(); got != "openai" {
		t.Errorf("zero Config: ID() = %q, want openai", got)
	}
	if got := openai.New(openai.Config{ID: "openrouter"}).ID(); got != "openrouter" {
		t.Errorf("ID() = %q, want openrouter", got)
	}
}

// TestMaxTokens: OpenAI gets max_completion_tokens, OpenRouter max_tokens;
// the request's value wins over Config's; without either nothing is sent.
func TestMaxTokens(t *testing.T) {
	for _, p := range providers {
		t.Run(p.id, func(t *testing.T) {
			f := fakes.NewOpenAI(t, p.prefix)
			f.Allow("k")
			for _, cfgMax := range []int{0, 500} {
				c := openai.New(openai.Config{ID: p.id, BaseURL: f.URL(), HTTPClient: f.Client(), MaxTokens: cfgMax})
				for _, reqMax := range []int{0, 64} {
					req := request
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

func TestComplete(t *testing.T) {
	f, c := providers[0].start(t)
	f.Script("k", fakes.OK("one two three"))
	got, err := c.Complete(t.Context(), request, apiKey("k"))
	if err != nil {
		t.Fatal(err)
	}
	want := &models.Response{Text: "one two three", Model: "gpt-4o", StopReason: "stop", InputTokens: 3, OutputTokens: 3}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("response (-want +got):\n%s", diff)
	}
}

func TestStream(t *testing.T) {
	f, c := providers[1].start(t)
	f.Script("k", fakes.OK("the quick brown fox"), fakes.OK("cut short"))
	var chunks []string
	for chunk, err := range c.Stream(t.Context(), request, apiKey("k")) {
		if err != nil {
			t.Fatal(err)
		}
		chunks = append(chunks, chunk.Text)
	}
	if diff := cmp.Diff([]string{"the ", "quick ", "brown ", "fox"}, chunks); diff != "" {
		t.Errorf("chunks (-want +got):\n%s", diff)
	}
	n := 0
	for _, err := range c.Stream(t.Context(), request, apiKey("k")) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		break
	}
	if n != 1 || len(f.Calls()) != 2 {
		t.Errorf("early stop: %d chunks, %d calls; want 1 chunk, 2 calls", n, len(f.Calls()))
	}
}

// TestStreamTruncated: a stream that ends without its end (a dropped
// connection) is a failure, not a short answer.
func TestStreamTruncated(t *testing.T) {
	f, c := providers[0].start(t)
	f.Allow("k")
	f.Script("k", fakes.Response{Text: "never finished", Truncated: true})
	var text string
	var errs []error
	for chunk, err := range c.Stream(t.Context(), request, apiKey("k")) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		text += chunk.Text
	}
	if text != "never " || len(errs) != 1 {
		t.Fatalf("got %q and %d errors, want %q and 1 error", text, len(errs), "never ")
	}
	if got := asFailure(t, errs[0]).Kind; got != models.KindUnknown {
		t.Errorf("kind = %s, want unknown", got)
	}
}

// failure is the part of a CallError the tests compare.
type failure struct {
	Kind                      models.Kind
	Status                    int
	RetryAfter                time.Duration
	Permanent, TokenExpired   bool
	ProviderType, ProviderMsg string
}

func asFailure(t *testing.T, err error) failure {
	t.Helper()
	ce, ok := errors.AsType[*models.CallError](err)
	if !ok {
		t.Fatalf("error %v (%T) is not a *models.CallError", err, err)
	}
	return failure{ce.Kind, ce.Status, ce.RetryAfter, ce.Permanent, ce.TokenExpired, ce.ProviderType, ce.ProviderMsg}
}

func TestFailures(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	rl := fakes.RateLimited(20)
	rl.ErrType, rl.ErrCode = "requests", "rate_limit_exceeded"
	ms := fakes.Status(429, "requests", "Rate limit reached")
	ms.ErrCode = "rate_limit_exceeded"
	orCredits := fakes.Response{Status: 402, ErrCode: "402", ErrMsg: "Insufficient credits"}
	tests := []struct {
		name       string
		resp       fakes.Response
		streamOnly bool
		want       failure
	}{
		{"rate limited", rl, false, failure{Kind: models.KindRateLimit, Status: 429, RetryAfter: 20 * time.Second,
			ProviderType: "requests", ProviderMsg: rl.ErrMsg}},
		{"insufficient quota is billing", fakes.InsufficientQuota(), false, failure{Kind: models.KindBilling, Status: 429,
			ProviderType: "insufficient_quota", ProviderMsg: fakes.InsufficientQuota().ErrMsg}},
		{"openrouter numeric code", orCredits, false, failure{Kind: models.KindBilling, Status: 402,
			ProviderMsg: "Insufficient credits"}},
		{"server error", fakes.ServerError(), false, failure{Kind: models.KindUnknown, Status: 500,
			ProviderType: "api_error", ProviderMsg: "Internal server error"}},
		{"token expired", fakes.TokenExpired(), false, failure{Kind: models.KindAuth, Status: 401, TokenExpired: true,
			ProviderType: "authentication_error", ProviderMsg: fakes.TokenExpired().ErrMsg}},
		{"forbidden", fakes.Status(403, "permission_error", "Project does not have access to model"), false,
			failure{Kind: models.KindAuth, Status: 403, Permanent: true, ProviderType: "permission_error", ProviderMsg: "Project does not have access to model"}},
		{"bad request", fakes.Status(400, "invalid_request_error", "Invalid value for 'model'"), false,
			failure{Kind: models.KindFormat, Status: 400, ProviderType: "invalid_request_error", ProviderMsg: "Invalid value for 'model'"}},
		{"proxy page", fakes.Response{Status: 503, Body: "<html>Service Unavailable</html>"}, false,
			failure{Kind: models.KindUnknown, Status: 503}},
		{"retry-after date", func() fakes.Response {
			r := fakes.RateLimited(0)
			r.RetryAfter = now.Add(time.Minute).Format(http.TimeFormat)
			return r
		}(), false, failure{Kind: models.KindRateLimit, Status: 429, RetryAfter: time.Minute,
			ProviderType: "rate_limit_error", ProviderMsg: fakes.RateLimited(0).ErrMsg}},
		{"error mid-stream", ms.InStream(), true, failure{Kind: models.KindUnknown,
			ProviderType: "requests", ProviderMsg: "Rate limit reached"}},
	}
	for _, p := range providers {
		for _, m := range modes {
			for _, tt := range tests {
				if tt.streamOnly && m.name != "stream" {
					continue
				}
				t.Run(p.id+"/"+m.name+"/"+tt.name, func(t *testing.T) {
					f := fakes.NewOpenAI(t, p.prefix)
					f.Script(canary, tt.resp)
					c := openai.New(openai.Config{ID: p.id, BaseURL: f.URL(), HTTPClient: f.Client(), Now: func() time.Time { return now }})
					_, err := m.call(t.Context(), c, request, apiKey(canary))
					if err == nil {
						t.Fatal("no error")
					}
					if diff := cmp.Diff(tt.want, asFailure(t, err)); diff != "" {
						t.Errorf("failure (-want +got):\n%s", diff)
					}
					if n := len(f.Calls()); n != 1 {
						t.Errorf("fake saw %d calls, want exactly 1 (no retries)", n)
					}
					assertNoCanary(t, err)
				})
			}
		}
	}
}

func TestUnknownCredential(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			_, c := providers[0].start(t)
			_, err := m.call(t.Context(), c, request, apiKey(canary))
			if got := asFailure(t, err); got.Kind != models.KindAuth || got.Status != 401 {
				t.Errorf("failure = %+v, want auth 401", got)
			}
			assertNoCanary(t, err)
		})
	}
}

func TestNoCredential(t *testing.T) {
	f, c := providers[0].start(t)
	for _, m := range modes {
		for _, cred := range []*auth.Credential{nil, apiKey("")} {
			_, err := m.call(t.Context(), c, request, cred)
			if got := asFailure(t, err); got.Kind != models.KindAuth {
				t.Errorf("%s: kind = %s, want auth", m.name, got.Kind)
			}
		}
	}
	if n := len(f.Calls()); n != 0 {
		t.Errorf("fake saw %d calls, want none", n)
	}
}

// TestEnvironmentIgnored: the SDK's environment variables neither add a
// credential or headers nor move the endpoint.
func TestEnvironmentIgnored(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "sk-from-env")
	t.Setenv("OPENAI_ADMIN_KEY", "sk-admin-from-env")
	t.Setenv("OPENAI_BASE_URL", "http://127.0.0.1:1/v1")
	t.Setenv("OPENAI_ORG_ID", "org-env")
	t.Setenv("OPENAI_PROJECT_ID", "proj-env")
	t.Setenv("OPENAI_CUSTOM_HEADERS", "X-From-Env: yes")

	for _, p := range providers {
		f, c := p.start(t)
		f.Allow("sk-per-call")
		for _, m := range modes {
			if _, err := m.call(t.Context(), c, request, apiKey("sk-per-call")); err != nil {
				t.Fatalf("%s %s: %v", p.id, m.name, err)
			}
		}
		for _, call := range f.Calls() {
			if call.Credential != "sk-per-call" {
				t.Errorf("%s: credential %q sent, want the per-call one", p.id, call.Credential)
			}
			for _, h := range []string{"OpenAI-Organization", "OpenAI-Project", "X-From-Env"} {
				if v := call.Header.Get(h); v != "" {
					t.Errorf("%s: header %s: %s sent from the environment", p.id, h, v)
				}
			}
		}
	}
}

func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr + "/v1"
}

func TestTransportFailures(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name+"/refused", func(t *testing.T) {
			c := openai.New(openai.Config{BaseURL: closedURL(t), HTTPClient: &http.Client{}})
			_, err := m.call(t.Context(), c, request, apiKey(canary))
			if diff := cmp.Diff(failure{Kind: models.KindUnknown}, asFailure(t, err)); diff != "" {
				t.Errorf("failure (-want +got):\n%s", diff)
			}
			assertNoCanary(t, err)
		})
		t.Run(m.name+"/deadline", func(t *testing.T) {
			f, c := providers[0].start(t)
			f.Script(canary, fakes.Slow(time.Minute))
			ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
			defer cancel()
			_, err := m.call(ctx, c, request, apiKey(canary))
			if diff := cmp.Diff(failure{Kind: models.KindTimeout}, asFailure(t, err)); diff != "" {
				t.Errorf("failure (-want +got):\n%s", diff)
			}
			assertNoCanary(t, err)
		})
		t.Run(m.name+"/header injection", func(t *testing.T) {
			f, c := providers[0].start(t)
			_, err := m.call(t.Context(), c, request, apiKey(canary+"\r\nX-Evil: 1"))
			if err == nil {
				t.Fatal("no error")
			}
			assertNoCanary(t, err)
			if n := len(f.Calls()); n != 0 {
				t.Errorf("fake saw %d calls, want none", n)
			}
		})
	}
}

// TestProviderEchoesCredential: a provider (or a proxy) that quotes the
// credential in its error message still does not leak it.
func TestProviderEchoesCredential(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			f, c := providers[0].start(t)
			f.Handle(func(call fakes.Call) fakes.Response {
				r := fakes.Status(401, "invalid_request_error", "Incorrect API key provided: "+call.Credential)
				r.ErrCode = "invalid_api_key"
				return r
			})
			_, err := m.call(t.Context(), c, request, apiKey(canary))
			if got := asFailure(t, err).Kind; got != models.KindAuth {
				t.Errorf("kind = %s, want auth", got)
			}
			assertNoCanary(t, err)
			if !strings.Contains(err.Error(), "[REDACTED]") {
				t.Errorf("error %q: want the credential replaced by [REDACTED]", err)
			}
		})
	}
}

// TestProxyEchoesCredentialAtTheCut: a proxy's page that quotes the
// credential right where the error snippet is cut must not leave a piece
// of it in the error (redact first, then shorten).
func TestProxyEchoesCredentialAtTheCut(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			f, c := providers[0].start(t)
			f.Handle(func(call fakes.Call) fakes.Response {
				return fakes.Response{Status: 502, Body: strings.Repeat("x", 180) + " key=" + call.Credential}
			})
			_, err := m.call(t.Context(), c, request, apiKey(canary))
			if strings.Contains(err.Error(), canary[:10]) {
				t.Errorf("error %q holds a piece of the credential", err)
			}
		})
	}
}

func assertNoCanary(t *testing.T, err error) {
	t.Helper()
	for _, text := range []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
		if strings.Contains(text, canary) {
			t.Fatalf("error text contains the credential: %s", text)
		}
	}
	for e := error(err); e != nil; e = errors.Unwrap(e) {
		if strings.Contains(e.Error(), canary) {
			t.Fatalf("wrapped error contains the credential: %s", e)
		}
	}
}

// BenchmarkOpenAIComplete is one Complete through the SDK against the
// loopback fake.
func BenchmarkOpenAIComplete(b *testing.B) {
	f := fakes.NewOpenAI(b, "/v1")
	f.Allow("bench-key")
	c := openai.New(openai.Config{BaseURL: f.URL(), HTTPClient: f.Client()})
	cred := apiKey("bench-key")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Complete(b.Context(), request, cred); err != nil {
			b.Fatal(err)
		}
	}
}
