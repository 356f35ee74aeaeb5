package anthropic_test

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
	"github.com/botgateway/bot/models/anthropic"
)

// Canary credentials: they must never appear in an error's text.
const (
	canaryKey   = "sk-ant-api03-CANARY-4b1d9e7f2a6c-zz"
	canaryToken = "sk-ant-oat01-CANARY-8e3f5a1c7d9b-zz"
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

var request = models.Request{
	Model:  "claude-sonnet-4-5",
	System: "Be brief.",
	Messages: []models.Message{
		{Role: models.RoleUser, Text: "hi"},
		{Role: models.RoleAssistant, Text: "hello"},
		{Role: models.RoleUser, Text: "how are you?"},
	},
}

func newClient(f *fakes.Anthropic) *anthropic.Client {
	return anthropic.New(anthropic.Config{BaseURL: f.URL(), HTTPClient: f.Client()})
}

// mode runs one call through Complete or Stream and returns the text.
type mode struct {
	name string
	call func(ctx context.Context, c *anthropic.Client, req models.Request, cred *auth.Credential) (string, error)
}

var modes = []mode{
	{"complete", func(ctx context.Context, c *anthropic.Client, req models.Request, cred *auth.Credential) (string, error) {
		res, err := c.Complete(ctx, req, cred)
		if err != nil {
			return "", err
		}
		return res.Text, nil
	}},
	{"stream", func(ctx context.Context, c *anthropic.Client, req models.Request, cred *auth.Credential) (string, error) {
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
	tests := []struct {
		name     string
		cred     func(string) *auth.Credential
		value    string
		wantAuth string
		wantBeta string
	}{
		{"api key", apiKey, "sk-ant-api03-work", "x-api-key", ""},
		{"setup token", token, "sk-ant-oat01-setup", "bearer", "oauth-2025-04-20"},
		{"oauth", oauth, "sk-ant-oat01-access", "bearer", "oauth-2025-04-20"},
		{"setup token stored as api key", apiKey, "sk-ant-oat01-pasted", "bearer", "oauth-2025-04-20"},
		{"api key pasted as a token", token, "sk-ant-api03-pasted", "x-api-key", ""},
	}
	for _, m := range modes {
		for _, tt := range tests {
			t.Run(m.name+"/"+tt.name, func(t *testing.T) {
				f := fakes.NewAnthropic(t)
				f.Script(tt.value, fakes.OK("fine, thanks"))
				got, err := m.call(t.Context(), newClient(f), request, tt.cred(tt.value))
				if err != nil {
					t.Fatal(err)
				}
				if got != "fine, thanks" {
					t.Errorf("text = %q, want %q", got, "fine, thanks")
				}
				want := []fakes.Call{{
					Auth: tt.wantAuth, Credential: tt.value, Beta: tt.wantBeta,
					Model: "claude-sonnet-4-5", Messages: 3, System: "Be brief.", Prompt: "how are you?",
					MaxTokens: anthropic.DefaultMaxTokens, Stream: m.name == "stream",
				}}
				if diff := cmp.Diff(want, f.Calls(), cmpopts.IgnoreFields(fakes.Call{}, "Header", "Body")); diff != "" {
					t.Errorf("calls (-want +got):\n%s", diff)
				}
				h := f.Calls()[0].Header
				if tt.wantAuth == "bearer" && h.Get("X-Api-Key") != "" {
					t.Errorf("bearer call also sent x-api-key")
				}
				if tt.wantAuth == "x-api-key" && h.Get("Authorization") != "" {
					t.Errorf("api key call also sent Authorization")
				}
				f.Verify(t)
			})
		}
	}
}

func TestComplete(t *testing.T) {
	f := fakes.NewAnthropic(t)
	f.Script("key", fakes.OK("one two three"))
	c := anthropic.New(anthropic.Config{BaseURL: f.URL(), HTTPClient: f.Client(), MaxTokens: 300})
	got, err := c.Complete(t.Context(), request, apiKey("key"))
	if err != nil {
		t.Fatal(err)
	}
	want := &models.Response{Text: "one two three", Model: "claude-sonnet-4-5", StopReason: "end_turn", InputTokens: 3, OutputTokens: 3}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("response (-want +got):\n%s", diff)
	}
	req := request
	req.MaxTokens = 77
	if _, err := c.Complete(t.Context(), req, apiKey("key")); err != nil {
		t.Fatal(err)
	}
	if got := []int{f.Calls()[0].MaxTokens, f.Calls()[1].MaxTokens}; !cmp.Equal(got, []int{300, 77}) {
		t.Errorf("max_tokens = %v, want [300 77] (config default, then the request's)", got)
	}
}

func TestStream(t *testing.T) {
	f := fakes.NewAnthropic(t)
	f.Script("key", fakes.OK("the quick brown fox"), fakes.OK("cut short"))
	c := newClient(f)

	var chunks []string
	for chunk, err := range c.Stream(t.Context(), request, apiKey("key")) {
		if err != nil {
			t.Fatal(err)
		}
		chunks = append(chunks, chunk.Text)
	}
	if diff := cmp.Diff([]string{"the ", "quick ", "brown ", "fox"}, chunks); diff != "" {
		t.Errorf("chunks (-want +got):\n%s", diff)
	}

	// Stopping early closes the response and yields nothing more.
	n := 0
	for _, err := range c.Stream(t.Context(), request, apiKey("key")) {
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
	f := fakes.NewAnthropic(t)
	f.Allow("k")
	c := newClient(f)
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
	Kind                                    models.Kind
	Status                                  int
	RetryAfter                              time.Duration
	Permanent, ClaudeCodeOnly, TokenExpired bool
	ProviderType                            string
}

func asFailure(t *testing.T, err error) failure {
	t.Helper()
	ce, ok := errors.AsType[*models.CallError](err)
	if !ok {
		t.Fatalf("error %v (%T) is not a *models.CallError", err, err)
	}
	return failure{ce.Kind, ce.Status, ce.RetryAfter, ce.Permanent, ce.ClaudeCodeOnly, ce.TokenExpired, ce.ProviderType}
}

func TestFailures(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	dated := fakes.RateLimited(0)
	dated.RetryAfter = now.Add(90 * time.Second).Format(http.TimeFormat)
	tests := []struct {
		name       string
		resp       fakes.Response
		streamOnly bool
		want       failure
	}{
		{"rate limited", fakes.RateLimited(30),
			false, failure{Kind: models.KindRateLimit, Status: 429, RetryAfter: 30 * time.Second, ProviderType: "rate_limit_error"}},
		{"rate limited, retry-after date", dated,
			false, failure{Kind: models.KindRateLimit, Status: 429, RetryAfter: 90 * time.Second, ProviderType: "rate_limit_error"}},
		{"overloaded", fakes.Overloaded(),
			false, failure{Kind: models.KindOverloaded, Status: 529, ProviderType: "overloaded_error"}},
		{"overloaded mid-stream", fakes.Overloaded().InStream(),
			true, failure{Kind: models.KindOverloaded, Status: 0, ProviderType: "overloaded_error"}},
		{"server error", fakes.ServerError(),
			false, failure{Kind: models.KindUnknown, Status: 500, ProviderType: "api_error"}},
		{"claude code only", fakes.ClaudeCodeOnly(),
			false, failure{Kind: models.KindAuth, Status: 400, Permanent: true, ClaudeCodeOnly: true, ProviderType: "invalid_request_error"}},
		{"token expired", fakes.TokenExpired(),
			false, failure{Kind: models.KindAuth, Status: 401, TokenExpired: true, ProviderType: "authentication_error"}},
		{"permission", fakes.Status(403, "permission_error", "Your API key does not have permission to use the specified resource."),
			false, failure{Kind: models.KindAuth, Status: 403, Permanent: true, ProviderType: "permission_error"}},
		{"billing", fakes.Status(402, "billing_error", "Your credit balance is too low."),
			false, failure{Kind: models.KindBilling, Status: 402, ProviderType: "billing_error"}},
		{"bad request", fakes.Status(400, "invalid_request_error", "messages: roles must alternate"),
			false, failure{Kind: models.KindFormat, Status: 400, ProviderType: "invalid_request_error"}},
		{"gateway timeout", fakes.Status(504, "timeout_error", "Request timed out"),
			false, failure{Kind: models.KindTimeout, Status: 504, ProviderType: "timeout_error"}},
		{"empty error body", fakes.Status(502, "", ""),
			false, failure{Kind: models.KindUnknown, Status: 502}},
		{"proxy page", fakes.Response{Status: 502, Body: "<html>Bad Gateway</html>"},
			false, failure{Kind: models.KindUnknown, Status: 502}},
		{"proxy page, rate limited", fakes.Response{Status: 429, RetryAfter: "7", Body: "<html>slow down</html>"},
			false, failure{Kind: models.KindRateLimit, Status: 429, RetryAfter: 7 * time.Second}},
	}
	for _, m := range modes {
		for _, tt := range tests {
			if tt.streamOnly && m.name != "stream" {
				continue
			}
			t.Run(m.name+"/"+tt.name, func(t *testing.T) {
				f := fakes.NewAnthropic(t)
				f.Script(canaryKey, tt.resp)
				c := anthropic.New(anthropic.Config{BaseURL: f.URL(), HTTPClient: f.Client(), Now: func() time.Time { return now }})
				_, err := m.call(t.Context(), c, request, apiKey(canaryKey))
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

func TestUnknownCredential(t *testing.T) {
	for _, m := range modes {
		for _, cred := range []*auth.Credential{apiKey(canaryKey), token(canaryToken)} {
			t.Run(m.name+"/"+string(cred.Type), func(t *testing.T) {
				f := fakes.NewAnthropic(t)
				_, err := m.call(t.Context(), newClient(f), request, cred)
				want := failure{Kind: models.KindAuth, Status: 401, ProviderType: "authentication_error"}
				if diff := cmp.Diff(want, asFailure(t, err)); diff != "" {
					t.Errorf("failure (-want +got):\n%s", diff)
				}
				assertNoCanary(t, err)
			})
		}
	}
}

func TestNoCredential(t *testing.T) {
	f := fakes.NewAnthropic(t)
	c := newClient(f)
	for _, m := range modes {
		for _, cred := range []*auth.Credential{nil, apiKey(""), {Type: auth.KindOAuth, Refresh: auth.NewSecret("r")}} {
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
// credential nor move the endpoint.
func TestEnvironmentIgnored(t *testing.T) {
	t.Setenv("ANTHROPIC_API_KEY", "sk-ant-api03-from-env")
	t.Setenv("ANTHROPIC_AUTH_TOKEN", "sk-ant-oat01-from-env")
	t.Setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:1")
	t.Setenv("ANTHROPIC_CUSTOM_HEADERS", "X-From-Env: yes")
	t.Setenv("ANTHROPIC_PROFILE", "does-not-exist")
	t.Setenv("ANTHROPIC_CONFIG_DIR", t.TempDir())

	f := fakes.NewAnthropic(t)
	f.Allow("sk-ant-api03-per-call", "sk-ant-oat01-per-call")
	c := newClient(f)
	for _, m := range modes {
		for _, cred := range []*auth.Credential{apiKey("sk-ant-api03-per-call"), oauth("sk-ant-oat01-per-call")} {
			if _, err := m.call(t.Context(), c, request, cred); err != nil {
				t.Fatalf("%s %s: %v", m.name, cred.Type, err)
			}
		}
	}
	var got [][2]string
	for _, call := range f.Calls() {
		got = append(got, [2]string{call.Auth, call.Credential})
		if call.Header.Get("X-From-Env") != "" {
			t.Errorf("ANTHROPIC_CUSTOM_HEADERS was sent")
		}
	}
	want := [][2]string{
		{"x-api-key", "sk-ant-api03-per-call"}, {"bearer", "sk-ant-oat01-per-call"},
		{"x-api-key", "sk-ant-api03-per-call"}, {"bearer", "sk-ant-oat01-per-call"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("credentials on the wire (-want +got):\n%s", diff)
	}
}

// closedURL returns the URL of a loopback port nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

func TestTransportFailures(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name+"/refused", func(t *testing.T) {
			c := anthropic.New(anthropic.Config{BaseURL: closedURL(t), HTTPClient: &http.Client{}})
			_, err := m.call(t.Context(), c, request, apiKey(canaryKey))
			if diff := cmp.Diff(failure{Kind: models.KindUnknown}, asFailure(t, err)); diff != "" {
				t.Errorf("failure (-want +got):\n%s", diff)
			}
			assertNoCanary(t, err)
		})
		t.Run(m.name+"/deadline", func(t *testing.T) {
			f := fakes.NewAnthropic(t)
			f.Script(canaryKey, fakes.Slow(time.Minute))
			ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
			defer cancel()
			_, err := m.call(ctx, newClient(f), request, apiKey(canaryKey))
			if diff := cmp.Diff(failure{Kind: models.KindTimeout}, asFailure(t, err)); diff != "" {
				t.Errorf("failure (-want +got):\n%s", diff)
			}
			assertNoCanary(t, err)
		})
		t.Run(m.name+"/header injection", func(t *testing.T) {
			f := fakes.NewAnthropic(t)
			bad := canaryKey + "\r\nX-Evil: 1"
			_, err := m.call(t.Context(), newClient(f), request, apiKey(bad))
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
			f := fakes.NewAnthropic(t)
			f.Handle(func(c fakes.Call) fakes.Response {
				return fakes.Status(401, "authentication_error", "invalid x-api-key: "+c.Credential)
			})
			_, err := m.call(t.Context(), newClient(f), request, apiKey(canaryKey))
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
			f := fakes.NewAnthropic(t)
			f.Handle(func(c fakes.Call) fakes.Response {
				return fakes.Response{Status: 502, Body: strings.Repeat("x", 180) + " key=" + c.Credential}
			})
			_, err := m.call(t.Context(), newClient(f), request, apiKey(canaryKey))
			if strings.Contains(err.Error(), canaryKey[:10]) {
				t.Errorf("error %q holds a piece of the credential", err)
			}
		})
	}
}

func assertNoCanary(t *testing.T, err error) {
	t.Helper()
	for _, text := range []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
		for _, c := range []string{canaryKey, canaryToken} {
			if strings.Contains(text, c) {
				t.Fatalf("error text contains the credential: %s", text)
			}
		}
	}
	for e := error(err); e != nil; e = errors.Unwrap(e) {
		if strings.Contains(e.Error(), canaryKey) || strings.Contains(e.Error(), canaryToken) {
			t.Fatalf("wrapped error contains the credential: %s", e)
		}
	}
}

func TestConcurrentCalls(t *testing.T) {
	f := fakes.NewAnthropic(t)
	f.Allow("k1", "k2")
	c := newClient(f)
	errs := make(chan error, 20)
	for i := range 20 {
		go func() {
			cred := apiKey([]string{"k1", "k2"}[i%2])
			_, err := modes[i%2].call(t.Context(), c, request, cred)
			errs <- err
		}()
	}
	for range 20 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if n := len(f.Calls()); n != 20 {
		t.Errorf("fake saw %d calls, want 20", n)
	}
}

func TestID(t *testing.T) {
	if got := anthropic.New(anthropic.Config{}).ID(); got != "anthropic" {
		t.Errorf("ID() = %q", got)
	}
}

// BenchmarkAnthropicComplete is one Complete through the SDK against the
// loopback fake: the baseline for the gateway's overhead (DESIGN §7 holds
// the gateway to ≤ 50 µs per message on top of this).
func BenchmarkAnthropicComplete(b *testing.B) {
	f := fakes.NewAnthropic(b)
	f.Allow("bench-key")
	c := newClient(f)
	cred := apiKey("bench-key")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Complete(b.Context(), request, cred); err != nil {
			b.Fatal(err)
		}
	}
}
