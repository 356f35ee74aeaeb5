// Package providertest is the conformance suite every models.Provider
// client runs (models/anthropic; models/openai for OpenAI and OpenRouter).
// It drives the real client, and so the real SDK, over real HTTP against
// the provider's loopback fake (internal/fakes), and checks what every
// provider must do alike: the credential on the wire and nowhere else, the
// canary secret never in an error, one request per call (the router is the
// only retry loop), the failure class of each status and error body,
// Retry-After, error bodies redacted before they are shortened, transport
// failures, cancellation (before the answer and mid-stream), and
// streaming.
//
// A provider's test file calls Run with a Provider: the small table of
// what differs (how each kind of credential travels, the API root's path,
// the error body that quotes a key, the provider's own failure shapes).
// Behaviour only one provider has stays in that provider's tests.
//
// The package is imported by tests only (internal/archtest checks it).
package providertest

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
)

// Fake is what the suite needs of a provider fake; *fakes.Anthropic and
// *fakes.OpenAI have it.
type Fake interface {
	// URL is the base URL a client is configured with.
	URL() string
	Client() *http.Client
	Allow(creds ...string)
	Script(cred string, responses ...fakes.Response)
	Handle(h func(fakes.Call) fakes.Response)
	Calls() []fakes.Call
	Verify(t testing.TB)
}

// Config is what the suite sets when it builds a client.
type Config struct {
	BaseURL    string
	HTTPClient *http.Client
	// Now is the client's clock (Retry-After dates); nil = time.Now.
	Now func() time.Time
}

// Credential is one way a provider takes a credential: how it is stored
// and how it must reach the wire.
type Credential struct {
	// Name names the case in subtests ("api key", "setup token").
	Name string
	// New builds the credential holding value.
	New func(value string) *auth.Credential
	// Value is the credential's value: a canary (Provider.Canaries) or a
	// value whose shape picks the way it travels (Provider.Wire).
	Value string
	// Auth and Beta are what the fake must record: fakes.Call.Auth
	// ("x-api-key", "bearer") and the anthropic-beta header ("" if none).
	Auth, Beta string
}

// Failure is the part of a *models.CallError the suite compares.
type Failure struct {
	Kind                                    models.Kind
	Status                                  int
	RetryAfter                              time.Duration
	Permanent, ClaudeCodeOnly, TokenExpired bool
	ProviderType, ProviderMsg               string
}

// FailureCase is one scripted error answer and the failure it must give.
type FailureCase struct {
	Name string
	Resp fakes.Response
	// StreamOnly runs the case through Stream only (an error event inside
	// a stream).
	StreamOnly bool
	Want       Failure
}

// Provider is what differs between the provider clients.
type Provider struct {
	// ID is the client's provider id ("anthropic", "openai", "openrouter").
	ID string
	// New builds the client under test.
	New func(Config) models.Provider
	// Fake starts the provider's loopback fake, closed with t.Cleanup.
	Fake func(t *testing.T) Fake
	// Path is the path of the API root under the server ("/v1" when the
	// base URL holds it, "" when the client adds it).
	Path string
	// Model is the model id of the suite's request; the fake echoes it.
	Model string
	// MaxTokens is the max_tokens the client sends when neither the
	// request nor its Config sets one (0: none sent).
	MaxTokens int
	// StopReason is the stop reason of a complete answer ("end_turn").
	StopReason string
	// Wire lists every kind of credential and how it must travel.
	Wire []Credential
	// Canaries are credentials whose values must never appear in an
	// error; the first is the one the failure cases call with.
	Canaries []Credential
	// Empty lists credentials, besides nil and an empty value, that hold
	// nothing to send: the call fails as auth without a request.
	Empty []*auth.Credential
	// UnknownType is the error type of the fake's 401 for a credential it
	// does not know.
	UnknownType string
	// Echo is the provider's 401 answer that quotes the credential it got.
	Echo func(cred string) fakes.Response
	// Env sets (with t.Setenv) the SDK's environment variables, which must
	// be ignored: no credential, header or endpoint may come from them.
	Env func(t *testing.T)
	// EnvHeaders are headers the environment would add if it were read.
	EnvHeaders []string
	// Failures are the provider's own error shapes, run after the common
	// ones (Failures).
	Failures []FailureCase
}

// Run runs the conformance suite against p.
func Run(t *testing.T, p Provider) {
	t.Helper()
	if len(p.Canaries) == 0 || len(p.Wire) == 0 {
		t.Fatal("providertest: Provider needs Wire and Canaries")
	}
	s := suite{p}
	t.Run("ID", s.id)
	t.Run("CredentialOnTheWire", s.credentialOnTheWire)
	t.Run("Complete", s.complete)
	t.Run("Stream", s.stream)
	t.Run("StreamTruncated", s.streamTruncated)
	t.Run("Failures", s.failures)
	t.Run("UnknownCredential", s.unknownCredential)
	t.Run("NoCredential", s.noCredential)
	t.Run("EnvironmentIgnored", s.environmentIgnored)
	t.Run("TransportFailures", s.transportFailures)
	t.Run("Cancelled", s.cancelled)
	t.Run("CancelledMidStream", s.cancelledMidStream)
	t.Run("ProviderEchoesCredential", s.providerEchoesCredential)
	t.Run("ProxyEchoesCredentialAtTheCut", s.proxyEchoesCredentialAtTheCut)
	t.Run("LongBodyShortened", s.longBodyShortened)
	t.Run("ConcurrentCalls", s.concurrentCalls)
}

// Request is the suite's request: a system prompt and three turns.
func (p Provider) Request() models.Request {
	return models.Request{
		Model:  p.Model,
		System: "Be brief.",
		Messages: []models.Message{
			{Role: models.RoleUser, Text: "hi"},
			{Role: models.RoleAssistant, Text: "hello"},
			{Role: models.RoleUser, Text: "how are you?"},
		},
	}
}

// Mode runs one call through Complete or Stream and returns the text that
// arrived before the failure, if any.
type Mode struct {
	Name string
	Call func(ctx context.Context, c models.Provider, req models.Request, cred *auth.Credential) (string, error)
}

// Modes are the two ways to call a provider.
var Modes = []Mode{
	{"complete", func(ctx context.Context, c models.Provider, req models.Request, cred *auth.Credential) (string, error) {
		res, err := c.Complete(ctx, req, cred)
		if err != nil {
			return "", err
		}
		return res.Text, nil
	}},
	{"stream", func(ctx context.Context, c models.Provider, req models.Request, cred *auth.Credential) (string, error) {
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

// AsFailure returns the compared part of err, which must be a
// *models.CallError.
func AsFailure(t testing.TB, err error) Failure {
	t.Helper()
	ce, ok := errors.AsType[*models.CallError](err)
	if !ok {
		t.Fatalf("error %v (%T) is not a *models.CallError", err, err)
	}
	return Failure{ce.Kind, ce.Status, ce.RetryAfter, ce.Permanent, ce.ClaudeCodeOnly, ce.TokenExpired, ce.ProviderType, ce.ProviderMsg}
}

type suite struct{ Provider }

// start starts a fake and a client of it.
func (s suite) start(t *testing.T) (Fake, models.Provider) {
	t.Helper()
	f := s.Fake(t)
	return f, s.New(Config{BaseURL: f.URL(), HTTPClient: f.Client()})
}

// canary is the credential the failure cases call with.
func (s suite) canary() *auth.Credential { return s.Canaries[0].New(s.Canaries[0].Value) }

// assertNoCanary fails t when any canary shows in err's text, in any
// format or anywhere in its chain.
func (s suite) assertNoCanary(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	for _, text := range []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
		for _, c := range s.Canaries {
			if strings.Contains(text, c.Value) {
				t.Fatalf("error text contains the credential: %s", text)
			}
		}
	}
	for e := error(err); e != nil; e = errors.Unwrap(e) {
		for _, c := range s.Canaries {
			if strings.Contains(e.Error(), c.Value) {
				t.Fatalf("wrapped error contains the credential: %s", e)
			}
		}
	}
}

func (s suite) id(t *testing.T) {
	if got := s.New(Config{}).ID(); got != s.ID {
		t.Errorf("ID() = %q, want %q", got, s.ID)
	}
}

// credentialOnTheWire: each kind of credential travels the one way the
// provider takes it, with nothing else, and the request reaches the API
// whole.
func (s suite) credentialOnTheWire(t *testing.T) {
	for _, m := range Modes {
		for _, w := range s.Wire {
			t.Run(m.Name+"/"+w.Name, func(t *testing.T) {
				f, c := s.start(t)
				f.Script(w.Value, fakes.OK("fine, thanks"))
				got, err := m.Call(t.Context(), c, s.Request(), w.New(w.Value))
				if err != nil {
					t.Fatal(err)
				}
				if got != "fine, thanks" {
					t.Errorf("text = %q, want %q", got, "fine, thanks")
				}
				want := []fakes.Call{{
					Auth: w.Auth, Credential: w.Value, Beta: w.Beta,
					Model: s.Model, Messages: 3, System: "Be brief.", Prompt: "how are you?",
					MaxTokens: s.MaxTokens, Stream: m.Name == "stream",
				}}
				calls := f.Calls()
				if diff := cmp.Diff(want, calls, cmpopts.IgnoreFields(fakes.Call{}, "Header", "Body")); diff != "" {
					t.Fatalf("calls (-want +got):\n%s", diff)
				}
				h := calls[0].Header
				if w.Auth == "bearer" && h.Get("X-Api-Key") != "" {
					t.Errorf("bearer call also sent x-api-key")
				}
				if w.Auth == "x-api-key" && h.Get("Authorization") != "" {
					t.Errorf("api key call also sent Authorization")
				}
				f.Verify(t)
			})
		}
	}
}

func (s suite) complete(t *testing.T) {
	f, c := s.start(t)
	f.Script(s.Canaries[0].Value, fakes.OK("one two three"))
	got, err := c.Complete(t.Context(), s.Request(), s.canary())
	if err != nil {
		t.Fatal(err)
	}
	want := &models.Response{Text: "one two three", Model: s.Model, StopReason: s.StopReason, InputTokens: 3, OutputTokens: 3}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("response (-want +got):\n%s", diff)
	}
}

// stream: the answer arrives in its deltas; stopping early closes the
// response and yields nothing more.
func (s suite) stream(t *testing.T) {
	f, c := s.start(t)
	f.Script(s.Canaries[0].Value, fakes.OK("the quick brown fox"), fakes.OK("cut short"))
	var chunks []string
	for chunk, err := range c.Stream(t.Context(), s.Request(), s.canary()) {
		if err != nil {
			t.Fatal(err)
		}
		chunks = append(chunks, chunk.Text)
	}
	if diff := cmp.Diff([]string{"the ", "quick ", "brown ", "fox"}, chunks); diff != "" {
		t.Errorf("chunks (-want +got):\n%s", diff)
	}
	n := 0
	for _, err := range c.Stream(t.Context(), s.Request(), s.canary()) {
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

// streamTruncated: a stream that ends without its end (a dropped
// connection) is a failure, not a short answer.
func (s suite) streamTruncated(t *testing.T) {
	f, c := s.start(t)
	f.Script(s.Canaries[0].Value, fakes.Response{Text: "never finished", Truncated: true})
	var text string
	var errs []error
	for chunk, err := range c.Stream(t.Context(), s.Request(), s.canary()) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		text += chunk.Text
	}
	if text != "never " || len(errs) != 1 {
		t.Fatalf("got %q and %d errors, want %q and 1 error", text, len(errs), "never ")
	}
	if got := AsFailure(t, errs[0]).Kind; got != models.KindUnknown {
		t.Errorf("kind = %s, want unknown", got)
	}
	s.assertNoCanary(t, errs[0])
}

// Failures returns the error answers every provider classifies alike
// (each fake renders them in its own wire format); now is the clients'
// clock.
func Failures(now time.Time) []FailureCase {
	rl := fakes.RateLimited(30)
	dated := fakes.RateLimited(0)
	dated.RetryAfter = now.Add(90 * time.Second).Format(http.TimeFormat)
	ms := fakes.RateLimited(0)
	ms.RetryAfterMS = "1500"
	te := fakes.TokenExpired()
	// status is the failure of an error body: its status, type and message.
	status := func(kind models.Kind, r fakes.Response) Failure {
		return Failure{Kind: kind, Status: r.Status, ProviderType: r.ErrType, ProviderMsg: r.ErrMsg}
	}
	overloaded := fakes.Overloaded()
	inStream := status(models.KindOverloaded, overloaded)
	inStream.Status = 0
	permission := fakes.Status(403, "permission_error", "Your API key does not have permission to use the specified resource.")
	billing := fakes.Status(402, "billing_error", "Your credit balance is too low.")
	badRequest := fakes.Status(400, "invalid_request_error", "messages: roles must alternate")
	timeout := fakes.Status(504, "timeout_error", "Request timed out")
	withRetry := func(f Failure, d time.Duration) Failure { f.RetryAfter = d; return f }
	permanent := func(f Failure) Failure { f.Permanent = true; return f }
	expired := func(f Failure) Failure { f.TokenExpired = true; return f }
	return []FailureCase{
		{Name: "rate limited", Resp: rl, Want: withRetry(status(models.KindRateLimit, rl), 30*time.Second)},
		{Name: "rate limited, retry-after date", Resp: dated, Want: withRetry(status(models.KindRateLimit, dated), 90*time.Second)},
		{Name: "rate limited, retry-after-ms only", Resp: ms, Want: withRetry(status(models.KindRateLimit, ms), 1500*time.Millisecond)},
		{Name: "overloaded", Resp: overloaded, Want: status(models.KindOverloaded, overloaded)},
		{Name: "overloaded mid-stream", Resp: overloaded.InStream(), StreamOnly: true, Want: inStream},
		{Name: "server error", Resp: fakes.ServerError(), Want: status(models.KindUnknown, fakes.ServerError())},
		{Name: "token expired", Resp: te, Want: expired(status(models.KindAuth, te))},
		{Name: "permission", Resp: permission, Want: permanent(status(models.KindAuth, permission))},
		{Name: "billing", Resp: billing, Want: status(models.KindBilling, billing)},
		{Name: "bad request", Resp: badRequest, Want: status(models.KindFormat, badRequest)},
		{Name: "gateway timeout", Resp: timeout, Want: status(models.KindTimeout, timeout)},
		{Name: "empty error body", Resp: fakes.Status(502, "", ""), Want: Failure{Kind: models.KindUnknown, Status: 502}},
		{Name: "proxy page", Resp: fakes.Response{Status: 502, Body: "<html>Bad Gateway</html>"},
			Want: Failure{Kind: models.KindUnknown, Status: 502}},
		{Name: "proxy page, rate limited", Resp: fakes.Response{Status: 429, RetryAfter: "7", Body: "<html>slow down</html>"},
			Want: Failure{Kind: models.KindRateLimit, Status: 429, RetryAfter: 7 * time.Second}},
	}
}

// Now is the clock of the failure cases' clients.
var Now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// failures: each error answer gives its failure class, after exactly one
// request, without the credential in the error.
func (s suite) failures(t *testing.T) {
	for _, m := range Modes {
		for _, tt := range append(Failures(Now), s.Provider.Failures...) {
			if tt.StreamOnly && m.Name != "stream" {
				continue
			}
			t.Run(m.Name+"/"+tt.Name, func(t *testing.T) {
				f := s.Fake(t)
				f.Script(s.Canaries[0].Value, tt.Resp)
				c := s.New(Config{BaseURL: f.URL(), HTTPClient: f.Client(), Now: func() time.Time { return Now }})
				_, err := m.Call(t.Context(), c, s.Request(), s.canary())
				if err == nil {
					t.Fatal("no error")
				}
				if diff := cmp.Diff(tt.Want, AsFailure(t, err)); diff != "" {
					t.Errorf("failure (-want +got):\n%s", diff)
				}
				if n := len(f.Calls()); n != 1 {
					t.Errorf("fake saw %d calls, want exactly 1 (no retries)", n)
				}
				s.assertNoCanary(t, err)
			})
		}
	}
}

// unknownCredential: a credential the provider does not know is an auth
// failure that a wait does not cure, whichever way it travels.
func (s suite) unknownCredential(t *testing.T) {
	for _, m := range Modes {
		for _, cn := range s.Canaries {
			t.Run(m.Name+"/"+cn.Name, func(t *testing.T) {
				_, c := s.start(t)
				_, err := m.Call(t.Context(), c, s.Request(), cn.New(cn.Value))
				got := AsFailure(t, err)
				want := Failure{Kind: models.KindAuth, Status: 401, ProviderType: s.UnknownType}
				if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(Failure{}, "ProviderMsg")); diff != "" {
					t.Errorf("failure (-want +got):\n%s", diff)
				}
				s.assertNoCanary(t, err)
			})
		}
	}
}

// noCredential: a credential with nothing to send fails as auth, and no
// request leaves.
func (s suite) noCredential(t *testing.T) {
	f, c := s.start(t)
	creds := append([]*auth.Credential{nil, s.Canaries[0].New("")}, s.Empty...)
	for _, m := range Modes {
		for i, cred := range creds {
			_, err := m.Call(t.Context(), c, s.Request(), cred)
			if err == nil {
				t.Fatalf("%s, credential %d: no error", m.Name, i)
			}
			if got := AsFailure(t, err); got.Kind != models.KindAuth {
				t.Errorf("%s, credential %d: kind = %s, want auth", m.Name, i, got.Kind)
			}
		}
	}
	if n := len(f.Calls()); n != 0 {
		t.Errorf("fake saw %d calls, want none", n)
	}
}

// environmentIgnored: the SDK's environment variables neither add a
// credential or headers nor move the endpoint.
func (s suite) environmentIgnored(t *testing.T) {
	if s.Env != nil {
		s.Env(t)
	}
	f, c := s.start(t)
	var want [][2]string
	for _, m := range Modes {
		for _, w := range s.Wire {
			f.Allow(w.Value)
			if _, err := m.Call(t.Context(), c, s.Request(), w.New(w.Value)); err != nil {
				t.Fatalf("%s %s: %v", m.Name, w.Name, err)
			}
			want = append(want, [2]string{w.Auth, w.Value})
		}
	}
	var got [][2]string
	for _, call := range f.Calls() {
		got = append(got, [2]string{call.Auth, call.Credential})
		for _, h := range s.EnvHeaders {
			if v := call.Header.Get(h); v != "" {
				t.Errorf("header %s: %s sent from the environment", h, v)
			}
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("credentials on the wire (-want +got):\n%s", diff)
	}
}

// closedURL returns a base URL on a loopback port nothing listens on.
func (s suite) closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr + s.Path
}

func (s suite) transportFailures(t *testing.T) {
	for _, m := range Modes {
		t.Run(m.Name+"/refused", func(t *testing.T) {
			c := s.New(Config{BaseURL: s.closedURL(t), HTTPClient: &http.Client{}})
			_, err := m.Call(t.Context(), c, s.Request(), s.canary())
			if diff := cmp.Diff(Failure{Kind: models.KindUnknown}, AsFailure(t, err)); diff != "" {
				t.Errorf("failure (-want +got):\n%s", diff)
			}
			s.assertNoCanary(t, err)
		})
		t.Run(m.Name+"/deadline", func(t *testing.T) {
			f, c := s.start(t)
			f.Script(s.Canaries[0].Value, fakes.Slow(time.Minute))
			// The deadline passes while the fake holds its answer back:
			// it ends then, whatever the deadline's length.
			ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
			defer cancel()
			_, err := m.Call(ctx, c, s.Request(), s.canary())
			if diff := cmp.Diff(Failure{Kind: models.KindTimeout}, AsFailure(t, err)); diff != "" {
				t.Errorf("failure (-want +got):\n%s", diff)
			}
			s.assertNoCanary(t, err)
		})
		t.Run(m.Name+"/header injection", func(t *testing.T) {
			f, c := s.start(t)
			cn := s.Canaries[0]
			_, err := m.Call(t.Context(), c, s.Request(), cn.New(cn.Value+"\r\nX-Evil: 1"))
			s.assertNoCanary(t, err)
			if n := len(f.Calls()); n != 0 {
				t.Errorf("fake saw %d calls, want none", n)
			}
		})
	}
}

// cancelled: a call whose context is cancelled while the provider holds
// its answer ends at once with a failure that says so.
func (s suite) cancelled(t *testing.T) {
	for _, m := range Modes {
		t.Run(m.Name, func(t *testing.T) {
			f, c := s.start(t)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			f.Handle(func(fakes.Call) fakes.Response {
				cancel() // the request has arrived: the caller gives up
				return fakes.Slow(time.Hour)
			})
			_, err := m.Call(ctx, c, s.Request(), s.canary())
			if diff := cmp.Diff(Failure{Kind: models.KindUnknown}, AsFailure(t, err)); diff != "" {
				t.Errorf("failure (-want +got):\n%s", diff)
			}
			if !errors.Is(err, context.Canceled) {
				t.Errorf("error %v: want it to wrap context.Canceled", err)
			}
			s.assertNoCanary(t, err)
		})
	}
}

// cancelledMidStream: a caller that gives up while the answer streams
// gets what arrived, then one failure that says so, and nothing more.
func (s suite) cancelledMidStream(t *testing.T) {
	f, c := s.start(t)
	f.Script(s.Canaries[0].Value, fakes.Response{Text: "never finished", Stall: true})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var text string
	var errs []error
	for chunk, err := range c.Stream(ctx, s.Request(), s.canary()) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		text += chunk.Text
		cancel() // the provider holds the rest back until the client goes
	}
	if text != "never " || len(errs) != 1 {
		t.Fatalf("got %q and %d errors %v, want %q and 1 error", text, len(errs), errs, "never ")
	}
	if diff := cmp.Diff(Failure{Kind: models.KindUnknown}, AsFailure(t, errs[0])); diff != "" {
		t.Errorf("failure (-want +got):\n%s", diff)
	}
	if !errors.Is(errs[0], context.Canceled) {
		t.Errorf("error %v: want it to wrap context.Canceled", errs[0])
	}
	s.assertNoCanary(t, errs[0])
}

// providerEchoesCredential: a provider (or a proxy) that quotes the
// credential in its error message still does not leak it.
func (s suite) providerEchoesCredential(t *testing.T) {
	for _, m := range Modes {
		t.Run(m.Name, func(t *testing.T) {
			f, c := s.start(t)
			f.Handle(func(call fakes.Call) fakes.Response { return s.Echo(call.Credential) })
			_, err := m.Call(t.Context(), c, s.Request(), s.canary())
			s.assertNoCanary(t, err)
			if got := AsFailure(t, err).Kind; got != models.KindAuth {
				t.Errorf("kind = %s, want auth", got)
			}
			if !strings.Contains(err.Error(), "[REDACTED]") {
				t.Errorf("error %q: want the credential replaced by [REDACTED]", err)
			}
		})
	}
}

// proxyEchoesCredentialAtTheCut: a proxy's page that quotes the credential
// right where the error snippet is cut must not leave a piece of it in the
// error (redact first, then shorten).
func (s suite) proxyEchoesCredentialAtTheCut(t *testing.T) {
	for _, m := range Modes {
		t.Run(m.Name, func(t *testing.T) {
			f, c := s.start(t)
			f.Handle(func(call fakes.Call) fakes.Response {
				return fakes.Response{Status: 502, Body: strings.Repeat("x", 180) + " key=" + call.Credential}
			})
			_, err := m.Call(t.Context(), c, s.Request(), s.canary())
			s.assertNoCanary(t, err)
			if piece := s.Canaries[0].Value[:10]; strings.Contains(err.Error(), piece) {
				t.Errorf("error %q holds a piece of the credential", err)
			}
		})
	}
}

// longBodyShortened: a long page from a proxy shows in the error as its
// start only.
func (s suite) longBodyShortened(t *testing.T) {
	for _, m := range Modes {
		t.Run(m.Name, func(t *testing.T) {
			f, c := s.start(t)
			f.Handle(func(fakes.Call) fakes.Response {
				return fakes.Response{Status: 502, Body: "<html>" + strings.Repeat("y", 10_000) + "</html>"}
			})
			_, err := m.Call(t.Context(), c, s.Request(), s.canary())
			if err == nil {
				t.Fatal("no error")
			}
			text := err.Error()
			if !strings.Contains(text, "<html>yyy") || !strings.Contains(text, "…") || len(text) > 400 {
				t.Errorf("error (%d bytes) %q: want the page's start, cut with …", len(text), text)
			}
		})
	}
}

// concurrentCalls: one client serves calls with different credentials at
// once, each with its own.
func (s suite) concurrentCalls(t *testing.T) {
	f, c := s.start(t)
	w := s.Wire[0]
	creds := []string{w.Value + "-1", w.Value + "-2"}
	f.Allow(creds...)
	errs := make(chan error, 20)
	for i := range 20 {
		go func() {
			_, err := Modes[i%2].Call(t.Context(), c, s.Request(), w.New(creds[i%2]))
			errs <- err
		}()
	}
	for range 20 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	calls := f.Calls()
	if len(calls) != 20 {
		t.Fatalf("fake saw %d calls, want 20", len(calls))
	}
	n := map[string]int{}
	for _, call := range calls {
		n[call.Credential]++
	}
	if diff := cmp.Diff(map[string]int{creds[0]: 10, creds[1]: 10}, n); diff != "" {
		t.Errorf("calls per credential (-want +got):\n%s", diff)
	}
}
