package models_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/config"
	"github.com/botgateway/bot/gateway"
	"github.com/botgateway/bot/internal/fakes"
	"github.com/botgateway/bot/internal/logtest"
	"github.com/botgateway/bot/internal/testenv"
	"github.com/botgateway/bot/internal/usermsg"
	"github.com/botgateway/bot/models"
	"github.com/botgateway/bot/models/anthropic"
	"github.com/botgateway/bot/models/catalog"
	"github.com/botgateway/bot/models/openai"
	"github.com/botgateway/bot/sessions"
)

// The router is tested with the real pieces around it: the provider clients
// against the loopback fakes, a sessions.Store in a temp dir as the usage
// store, auth.Refresher against the fake token endpoint, and an
// auth-profiles.json on disk. Time is a clock the test moves by hand.

// t0 is the start of every test's clock (UTC, so replies say 09:00).
var t0 = time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)

const (
	keyWork = "sk-ant-api03-work-0123456789abcdef"
	keyHome = "sk-ant-api03-home-0123456789abcdef"
	keyEnv  = "sk-ant-api03-envv-0123456789abcdef"
	tokSub  = "sk-ant-oat01-subscription-0123456789abcdef"
	keyOA   = "sk-proj-openai-a-0123456789abcdef"
	keyOB   = "sk-proj-openai-b-0123456789abcdef"

	work = auth.ProfileID("anthropic:work")
	home = auth.ProfileID("anthropic:home")
	me   = auth.ProfileID("anthropic:me")

	model = "claude-sonnet-4-5"
)

// twoKeys is a store with two Anthropic API keys, work first.
var twoKeys = storeJSON(apiKey(work, keyWork), apiKey(home, keyHome))

// storeJSON returns an auth-profiles.json holding profiles.
func storeJSON(profiles ...string) string {
	return `{"version":1,"profiles":{` + strings.Join(profiles, ",") + `}}`
}

// apiKey is the store entry of an API key profile.
func apiKey(id auth.ProfileID, key string) string {
	return fmt.Sprintf(`%q:{"type":"api_key","provider":%q,"key":%q}`, id, id.Provider(), key)
}

// token is the store entry of a token profile without expiry.
func token(id auth.ProfileID, tok string) string {
	return fmt.Sprintf(`%q:{"type":"token","provider":%q,"token":%q}`, id, id.Provider(), tok)
}

// oauth is the store entry of an OAuth profile whose access token expires
// at expires.
func oauth(id auth.ProfileID, access, refresh string, expires time.Time) string {
	return fmt.Sprintf(`%q:{"type":"oauth","provider":%q,"access":%q,"refresh":%q,"expires":%d}`,
		id, id.Provider(), access, refresh, expires.UnixMilli())
}

// rigConfig says how to build a rig; the zero value is two Anthropic keys.
type rigConfig struct {
	store        string            // auth-profiles.json ("" = twoKeys)
	env          map[string]string // the process environment
	budget       time.Duration     // RouterConfig.Budget (0 = its default)
	anthropicURL string            // overrides the fake's URL
	log          *slog.Logger      // the router's log (nil = the test's)
	observer     models.Observer   // RouterConfig.Observer
}

// rig is a router wired to fakes, a sessions store and a store file.
type rig struct {
	t         testing.TB
	cfg       rigConfig
	clock     *fakes.Clock
	home      *testenv.Env
	dir       string // the state dir, ~/.bot
	anthropic *fakes.Anthropic
	openai    *fakes.OpenAI
	oauth     *fakes.OAuth
	refresher *auth.Refresher
	sessions  *sessions.Store
	router    *models.Router
}

func newRig(t testing.TB, cfg rigConfig) *rig {
	t.Helper()
	if cfg.store == "" {
		cfg.store = twoKeys
	}
	r := &rig{
		t: t, cfg: cfg, clock: fakes.NewClock(t0), home: testenv.New(t),
		anthropic: fakes.NewAnthropic(t),
		openai:    fakes.NewOpenAI(t, "/v1"),
		oauth:     fakes.NewOAuth(t),
	}
	r.dir = r.home.Path(".bot")
	r.home.Store("main", cfg.store)
	r.refresher = &auth.Refresher{
		HTTPClient: &http.Client{},
		TokenURL:   func(string) string { return r.oauth.URL() },
		Now:        r.clock.Now,
		Log:        logtest.New(t),
	}
	r.open()
	return r
}

func (r *rig) agentDir(agent string) string { return filepath.Dir(r.home.StorePath(agent)) }

// loadStore reads the main agent's auth-profiles.json.
func (r *rig) loadStore() *auth.Store {
	r.t.Helper()
	s, _, err := auth.LoadStore(auth.StorePath(r.agentDir("main")))
	if err != nil {
		r.t.Fatal(err)
	}
	return s
}

// open opens the sessions store and builds a router over it, as the
// gateway does at start.
func (r *rig) open() {
	r.t.Helper()
	st, err := sessions.Open(context.Background(), filepath.Join(r.dir, "sessions.db"), sessions.Options{Now: r.clock.Now})
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { st.Close() })
	r.sessions = st
	env, err := config.LoadEnv(context.Background(), config.EnvOptions{
		Getenv:  func(k string) string { return r.cfg.env[k] },
		Environ: []string{},
		WorkDir: r.dir,
	})
	if err != nil {
		r.t.Fatal(err)
	}
	log := r.cfg.log
	if log == nil {
		log = logtest.New(r.t)
	}
	aURL := r.anthropic.URL()
	if r.cfg.anthropicURL != "" {
		aURL = r.cfg.anthropicURL
	}
	r.router, err = models.NewRouter(models.RouterConfig{
		Providers: map[string]models.Provider{
			"anthropic": anthropic.New(anthropic.Config{BaseURL: aURL, HTTPClient: r.anthropic.Client(), Now: r.clock.Now}),
			"openai":    openai.New(openai.Config{ID: "openai", BaseURL: r.openai.URL(), HTTPClient: r.openai.Client(), Now: r.clock.Now}),
		},
		Credentials: fileCredentials{r: r, env: env, usage: gateway.Usage{S: st}},
		Acquirer:    r.refresher,
		Usage:       gateway.Usage{S: st},
		Budget:      r.cfg.budget,
		Observer:    r.cfg.observer,
		Now:         r.clock.Now,
		Log:         log,
	})
	if err != nil {
		r.t.Fatal(err)
	}
}

// fileCredentials reads the agent's store file at every call, without the
// Claude Code sync: the router sees exactly what a test wrote.
type fileCredentials struct {
	r     *rig
	env   *config.Env
	usage gateway.Usage
}

func (c fileCredentials) Resolver(_ context.Context, agent string) (*auth.Resolver, *auth.Opened, error) {
	path := auth.StorePath(c.AgentDir(agent))
	s, exists, err := auth.LoadStore(path)
	if err != nil {
		return nil, nil, err
	}
	return &auth.Resolver{Store: s, Config: &config.Config{}, Env: c.env, Usage: c.usage, Now: c.r.clock.Now},
		&auth.Opened{Path: path, Store: s, Exists: exists}, nil
}

func (c fileCredentials) AgentDir(agent string) string { return c.r.agentDir(agent) }

// restart closes the sessions store and opens it again with a new router,
// as a restarted gateway does.
func (r *rig) restart() {
	r.t.Helper()
	if err := r.sessions.Close(); err != nil {
		r.t.Fatal(err)
	}
	r.open()
}

// tgt is a call target as the tests write it; Agent, Provider and Model
// default to main, anthropic and model.
type tgt struct {
	Agent, Provider, Model string
	Pin                    auth.ProfileID
	PinIsUser              bool
}

// target returns t as the router takes it, defaults applied; the query's
// pin is t's whatever its provider, so a test can show what the router
// does with any pin.
func (t tgt) target() models.Target {
	if t.Agent == "" {
		t.Agent = "main"
	}
	if t.Provider == "" {
		t.Provider = "anthropic"
	}
	if t.Model == "" {
		t.Model = model
	}
	return models.Target{
		Agent: t.Agent,
		Ref:   catalog.Ref{Provider: t.Provider, Model: t.Model},
		Query: auth.Query{Provider: t.Provider, Pin: t.Pin, PinIsUser: t.PinIsUser},
	}
}

// complete sends "hello" to target.
func (r *rig) complete(target tgt) (*models.Result, error) {
	r.t.Helper()
	return r.router.Complete(r.t.Context(), target.target(), hello)
}

// hello is the request the rig's calls send.
var hello = models.Request{Messages: []models.Message{{Role: models.RoleUser, Text: "hello"}}}

// coolDown records a failure of id that sets it aside until t0+d.
func (r *rig) coolDown(id auth.ProfileID, reason string, d time.Duration) {
	r.t.Helper()
	if err := r.sessions.RecordFailure(context.Background(), string(id), reason, t0.Add(d)); err != nil {
		r.t.Fatal(err)
	}
}

// aside is what the router recorded about a profile.
type aside struct {
	CooldownUntil  time.Time
	DisabledUntil  time.Time
	DisabledReason string
	Failures       map[string]int // per reason
	RefreshFailed  bool
}

func (r *rig) aside(id auth.ProfileID) aside {
	u := r.sessions.ProfileUsage(string(id))
	return aside{u.CooldownUntil, u.DisabledUntil, u.DisabledReason, u.FailureCounts, u.LastRefreshFailed}
}

// credentials lists the credentials of calls, in order.
func credentials(calls []fakes.Call) []string {
	out := []string{}
	for _, c := range calls {
		out = append(out, c.Credential)
	}
	return out
}

// replyMsg returns the user-facing message of err, a *usermsg.Error.
func replyMsg(t testing.TB, err error) string {
	t.Helper()
	if err == nil {
		t.Fatal("Complete succeeded, want a *usermsg.Error")
	}
	re, ok := errors.AsType[*usermsg.Error](err)
	if !ok {
		t.Fatalf("Complete error %T %q is not a *usermsg.Error", err, err)
	}
	return re.Text
}

func TestRouterComplete(t *testing.T) {
	t.Parallel()
	const creditLow = "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits."
	tests := []struct {
		name   string
		store  string                                         // "" = twoKeys
		env    map[string]string                              // process environment
		setup  func(r *rig)                                   // before the call
		target tgt                                            // anthropic and model by default
		script map[string][]fakes.Response                    // per credential; every credential is allowed
		want   string                                         // the profile (or env source) that answers
		calls  []string                                       // credentials sent, in order
		err    string                                         // the exact reply when the call fails
		aside  map[auth.ProfileID]aside                       // profiles not listed: nothing recorded
		check  func(t *testing.T, r *rig, res *models.Result) // more checks
	}{
		{
			name:  "no pin uses the first candidate",
			want:  "anthropic:work",
			calls: []string{keyWork},
		},
		{
			name:   "rate limit fails over and cools the first down for a minute",
			script: map[string][]fakes.Response{keyWork: {fakes.RateLimited(0)}},
			want:   "anthropic:home",
			calls:  []string{keyWork, keyHome},
			aside:  map[auth.ProfileID]aside{work: {CooldownUntil: t0.Add(time.Minute), Failures: map[string]int{"rate_limit": 1}}},
			check: func(t *testing.T, r *rig, res *models.Result) {
				if len(res.Attempts) != 2 || res.Attempts[0].Candidate != "anthropic:work" || res.Attempts[0].Err == nil ||
					res.Attempts[1].Candidate != "anthropic:home" || res.Attempts[1].Err != nil {
					t.Errorf("Attempts = %+v, want work failed, then home answered", res.Attempts)
				}
				if ce, ok := errors.AsType[*models.CallError](res.Attempts[0].Err); !ok || ce.Kind != models.KindRateLimit || ce.Status != 429 {
					t.Errorf("first attempt's error = %v, want a rate_limit CallError with HTTP 429", res.Attempts[0].Err)
				}
				if got := r.sessions.LastGood("anthropic"); got != "anthropic:home" {
					t.Errorf("LastGood = %q, want anthropic:home", got)
				}
			},
		},
		{
			name:   "overloaded fails over and cools down as a rate limit",
			script: map[string][]fakes.Response{keyWork: {fakes.Overloaded()}},
			want:   "anthropic:home",
			calls:  []string{keyWork, keyHome},
			aside:  map[auth.ProfileID]aside{work: {CooldownUntil: t0.Add(time.Minute), Failures: map[string]int{"rate_limit": 1}}},
		},
		{
			name:   "server error fails over",
			script: map[string][]fakes.Response{keyWork: {fakes.ServerError()}},
			want:   "anthropic:home",
			calls:  []string{keyWork, keyHome},
			aside:  map[auth.ProfileID]aside{work: {CooldownUntil: t0.Add(time.Minute), Failures: map[string]int{"unknown": 1}}},
		},
		{
			name:   "rejected key fails over",
			script: map[string][]fakes.Response{keyWork: {fakes.Status(401, "authentication_error", "invalid x-api-key")}},
			want:   "anthropic:home",
			calls:  []string{keyWork, keyHome},
			aside:  map[auth.ProfileID]aside{work: {CooldownUntil: t0.Add(time.Minute), Failures: map[string]int{"auth": 1}}},
		},
		{
			name:   "low credit disables for 5 h and fails over",
			script: map[string][]fakes.Response{keyWork: {fakes.Status(400, "invalid_request_error", creditLow)}},
			want:   "anthropic:home",
			calls:  []string{keyWork, keyHome},
			aside: map[auth.ProfileID]aside{work: {DisabledUntil: t0.Add(5 * time.Hour), DisabledReason: "billing",
				Failures: map[string]int{"billing": 1}}},
		},
		{
			name:   "permission error disables for 24 h",
			script: map[string][]fakes.Response{keyWork: {fakes.Status(403, "permission_error", "Your API key does not have permission to use the specified resource.")}},
			want:   "anthropic:home",
			calls:  []string{keyWork, keyHome},
			aside: map[auth.ProfileID]aside{work: {DisabledUntil: t0.Add(24 * time.Hour), DisabledReason: "auth_permanent",
				Failures: map[string]int{"auth_permanent": 1}}},
		},
		{
			name:   "every candidate fails: the reply names them all and the last failure",
			script: map[string][]fakes.Response{keyWork: {fakes.RateLimited(0)}, keyHome: {fakes.Overloaded()}},
			calls:  []string{keyWork, keyHome},
			err:    "All anthropic credentials failed (tried anthropic:work, anthropic:home). Last: anthropic:home: the provider is overloaded (HTTP 529); try again in a minute. It is set aside until 09:01.",
			aside: map[auth.ProfileID]aside{
				work: {CooldownUntil: t0.Add(time.Minute), Failures: map[string]int{"rate_limit": 1}},
				home: {CooldownUntil: t0.Add(time.Minute), Failures: map[string]int{"rate_limit": 1}},
			},
		},
		{
			name:  "a cooling profile is skipped",
			setup: func(r *rig) { r.coolDown(work, "rate_limit", 10*time.Minute) },
			want:  "anthropic:home",
			calls: []string{keyHome},
			aside: map[auth.ProfileID]aside{work: {CooldownUntil: t0.Add(10 * time.Minute), Failures: map[string]int{"rate_limit": 1}}},
		},
		{
			name: "every candidate cooling down: until the earliest, no call",
			setup: func(r *rig) {
				r.coolDown(work, "rate_limit", 10*time.Minute)
				r.coolDown(home, "rate_limit", 3*time.Minute)
			},
			calls: []string{},
			err:   "All anthropic credentials are cooling down until 09:03 (rate limited).",
			aside: map[auth.ProfileID]aside{
				work: {CooldownUntil: t0.Add(10 * time.Minute), Failures: map[string]int{"rate_limit": 1}},
				home: {CooldownUntil: t0.Add(3 * time.Minute), Failures: map[string]int{"rate_limit": 1}},
			},
		},
		{
			name: "every candidate cooling down: the reason is the earliest one's",
			setup: func(r *rig) {
				r.coolDown(work, "billing", 5*time.Hour)
				r.coolDown(home, "timeout", 2*time.Minute)
			},
			calls: []string{},
			err:   "All anthropic credentials are cooling down until 09:02 (timed out).",
			aside: map[auth.ProfileID]aside{
				work: {DisabledUntil: t0.Add(5 * time.Hour), DisabledReason: "billing", Failures: map[string]int{"billing": 1}},
				home: {CooldownUntil: t0.Add(2 * time.Minute), Failures: map[string]int{"timeout": 1}},
			},
		},
		{
			name:  "every candidate disabled for billing",
			setup: func(r *rig) { r.coolDown(work, "billing", 10*time.Hour); r.coolDown(home, "billing", 5*time.Hour) },
			calls: []string{},
			err:   "All anthropic credentials are cooling down until 14:00 (billing problem).",
			aside: map[auth.ProfileID]aside{
				work: {DisabledUntil: t0.Add(10 * time.Hour), DisabledReason: "billing", Failures: map[string]int{"billing": 1}},
				home: {DisabledUntil: t0.Add(5 * time.Hour), DisabledReason: "billing", Failures: map[string]int{"billing": 1}},
			},
		},
		{
			name:   "user pin is used alone",
			target: tgt{Pin: home, PinIsUser: true},
			want:   "anthropic:home",
			calls:  []string{keyHome},
		},
		{
			name:   "user pin is used even while cooling down",
			setup:  func(r *rig) { r.coolDown(home, "rate_limit", 10*time.Minute) },
			target: tgt{Pin: home, PinIsUser: true},
			want:   "anthropic:home",
			calls:  []string{keyHome},
			// The success clears the cooldown.
		},
		{
			name:   "user pin is never rotated away",
			target: tgt{Pin: work, PinIsUser: true},
			script: map[string][]fakes.Response{keyWork: {fakes.RateLimited(0)}},
			calls:  []string{keyWork},
			err:    "anthropic:work: rate limited (HTTP 429). It is set aside until 09:01.",
			aside:  map[auth.ProfileID]aside{work: {CooldownUntil: t0.Add(time.Minute), Failures: map[string]int{"rate_limit": 1}}},
		},
		{
			name:   "user pin failing while cooling down keeps the longer cooldown",
			setup:  func(r *rig) { r.coolDown(work, "rate_limit", 10*time.Minute) },
			target: tgt{Pin: work, PinIsUser: true},
			script: map[string][]fakes.Response{keyWork: {fakes.RateLimited(0)}},
			calls:  []string{keyWork},
			err:    "anthropic:work: rate limited (HTTP 429). It is set aside until 09:10.",
			aside:  map[auth.ProfileID]aside{work: {CooldownUntil: t0.Add(10 * time.Minute), Failures: map[string]int{"rate_limit": 2}}},
		},
		{
			name:   "user pin to a profile the store does not hold",
			target: tgt{Pin: "anthropic:gone", PinIsUser: true},
			calls:  []string{},
			err:    "Auth profile anthropic:gone cannot be used: not in the auth store. Pick another with /model @<profile>, or unpin with /model default.",
		},
		{
			name:   "user pin to another provider's profile",
			store:  storeJSON(apiKey(work, keyWork), apiKey("openai:a", keyOA)),
			target: tgt{Pin: "openai:a", PinIsUser: true},
			calls:  []string{},
			err:    "Auth profile openai:a cannot be used: is for openai, not anthropic. Pick another with /model @<profile>, or unpin with /model default.",
		},
		{
			name: "user pin to an expired token",
			store: storeJSON(fmt.Sprintf(`"anthropic:claude-cli":{"type":"token","provider":"anthropic","token":%q,"expires":%d}`,
				tokSub, t0.Add(-time.Minute).UnixMilli())),
			target: tgt{Pin: "anthropic:claude-cli", PinIsUser: true},
			calls:  []string{},
			err:    "Auth profile anthropic:claude-cli cannot be used: token expired. Pick another with /model @<profile>, or unpin with /model default.",
		},
		{
			name:   "automatic pin goes first",
			target: tgt{Pin: home},
			want:   "anthropic:home",
			calls:  []string{keyHome},
		},
		{
			name:   "automatic pin fails over",
			target: tgt{Pin: home},
			script: map[string][]fakes.Response{keyHome: {fakes.RateLimited(0)}},
			want:   "anthropic:work",
			calls:  []string{keyHome, keyWork},
			aside:  map[auth.ProfileID]aside{home: {CooldownUntil: t0.Add(time.Minute), Failures: map[string]int{"rate_limit": 1}}},
		},
		{
			name:   "automatic pin cooling down is skipped",
			setup:  func(r *rig) { r.coolDown(home, "rate_limit", 10*time.Minute) },
			target: tgt{Pin: home},
			want:   "anthropic:work",
			calls:  []string{keyWork},
			aside:  map[auth.ProfileID]aside{home: {CooldownUntil: t0.Add(10 * time.Minute), Failures: map[string]int{"rate_limit": 1}}},
		},
		{
			name:   "a rejected request is not the credential's fault: no cooldown, no failover",
			script: map[string][]fakes.Response{keyWork: {fakes.Status(400, "invalid_request_error", "messages: roles must alternate")}},
			calls:  []string{keyWork},
			err:    "anthropic:work: the provider rejected the request (HTTP 400): messages: roles must alternate",
		},
		{
			name:   "an unknown model is a rejected request",
			script: map[string][]fakes.Response{keyWork: {fakes.Status(404, "not_found_error", "model: claude-sonnet-4-5")}},
			calls:  []string{keyWork},
			err:    "anthropic:work: the provider rejected the request (HTTP 404): model: claude-sonnet-4-5",
		},
		{
			name:   "Claude-Code-only token is disabled for 24 h with the API key hint",
			store:  storeJSON(token("anthropic:claude-cli", tokSub)),
			script: map[string][]fakes.Response{tokSub: {fakes.ClaudeCodeOnly()}},
			calls:  []string{tokSub},
			err: "Anthropic refused anthropic:claude-cli: " + models.ClaudeCodeOnly +
				" Use an Anthropic API key instead: bot models auth paste-token --provider anthropic, or set ANTHROPIC_API_KEY on the gateway host.",
			aside: map[auth.ProfileID]aside{"anthropic:claude-cli": {DisabledUntil: t0.Add(24 * time.Hour),
				DisabledReason: "auth_permanent", Failures: map[string]int{"auth_permanent": 1}}},
			check: func(t *testing.T, r *rig, _ *models.Result) {
				if c := r.anthropic.Calls()[0]; c.Auth != "bearer" || !strings.Contains(c.Beta, fakes.OAuthBeta) {
					t.Errorf("the setup-token went as %q with beta %q, want a bearer token with the OAuth beta", c.Auth, c.Beta)
				}
			},
		},
		{
			name:   "Claude-Code-only token fails over to an API key",
			store:  storeJSON(token("anthropic:claude-cli", tokSub), apiKey(work, keyWork)),
			script: map[string][]fakes.Response{tokSub: {fakes.ClaudeCodeOnly()}},
			want:   "anthropic:work",
			calls:  []string{tokSub, keyWork},
			aside: map[auth.ProfileID]aside{"anthropic:claude-cli": {DisabledUntil: t0.Add(24 * time.Hour),
				DisabledReason: "auth_permanent", Failures: map[string]int{"auth_permanent": 1}}},
		},
		{
			name:   "environment key comes after every profile",
			env:    map[string]string{"ANTHROPIC_API_KEY": keyEnv},
			script: map[string][]fakes.Response{keyWork: {fakes.RateLimited(0)}, keyHome: {fakes.RateLimited(0)}},
			want:   "env: ANTHROPIC_API_KEY",
			calls:  []string{keyWork, keyHome, keyEnv},
			aside: map[auth.ProfileID]aside{
				work: {CooldownUntil: t0.Add(time.Minute), Failures: map[string]int{"rate_limit": 1}},
				home: {CooldownUntil: t0.Add(time.Minute), Failures: map[string]int{"rate_limit": 1}},
			},
		},
		{
			name:   "unknown provider",
			target: tgt{Provider: "mistral"},
			calls:  []string{},
			err:    "Provider mistral is not available in this build.",
		},
		{
			name:  "no credential at all",
			store: storeJSON(),
			calls: []string{},
			err:   "No credential for anthropic. On the gateway host run: bot models status",
		},
		{
			name:  "unreadable credential store",
			store: `{"version":1,"profiles":`,
			calls: []string{},
			err:   "The credential store cannot be read; run bot doctor on the gateway host.",
		},
		{
			name:  "only another provider's credential",
			store: storeJSON(apiKey("openai:a", keyOA)),
			calls: []string{},
			err:   "No credential for anthropic. On the gateway host run: bot models status",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, rigConfig{store: tt.store, env: tt.env})
			r.anthropic.Allow(keyWork, keyHome, keyEnv, tokSub)
			for cred, rs := range tt.script {
				r.anthropic.Script(cred, rs...)
			}
			if tt.setup != nil {
				tt.setup(r)
			}
			res, err := r.complete(tt.target)
			switch {
			case tt.err != "":
				if got := replyMsg(t, err); got != tt.err {
					t.Errorf("reply:\n got %q\nwant %q", got, tt.err)
				}
			case err != nil:
				t.Fatalf("Complete: %v", err)
			default:
				got := string(res.Profile)
				if got == "" {
					got = res.EnvSource
				}
				if got != tt.want {
					t.Errorf("answered by %q, want %q", got, tt.want)
				}
				if res.Response == nil || res.Response.Text != "echo: hello" {
					t.Errorf("Response = %+v, want the fake's echo", res.Response)
				}
				if tt.want == string(res.Profile) {
					if lg := r.sessions.LastGood("anthropic"); lg != tt.want {
						t.Errorf("LastGood = %q, want %q", lg, tt.want)
					}
				}
			}
			calls := r.anthropic.Calls()
			if diff := cmp.Diff(tt.calls, credentials(calls)); diff != "" {
				t.Errorf("credentials sent (-want +got):\n%s", diff)
			}
			for i, c := range calls {
				if c.Model != model {
					t.Errorf("call %d asked for model %q, want %q", i, c.Model, model)
				}
			}
			ids := []auth.ProfileID{work, home}
			if s, _, err := auth.LoadStore(auth.StorePath(r.agentDir("main"))); err == nil {
				ids = s.IDs()
			}
			for _, id := range ids {
				if diff := cmp.Diff(tt.aside[id], r.aside(id)); diff != "" {
					t.Errorf("recorded for %s (-want +got):\n%s", id, diff)
				}
			}
			r.anthropic.Verify(t)
			if tt.check != nil {
				tt.check(t, r, res)
			}
		})
	}
}

// TestRouterCooldownSchedule fails the first profile once per cooldown:
// consecutive failures set it aside for 1, 5, 25, then 60 minutes.
func TestRouterCooldownSchedule(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigConfig{})
	r.anthropic.Allow(keyWork, keyHome)
	for i, want := range []time.Duration{time.Minute, 5 * time.Minute, 25 * time.Minute, time.Hour, time.Hour} {
		r.anthropic.Script(keyWork, fakes.RateLimited(0))
		before := len(r.anthropic.Calls())
		now := r.clock.Now()
		res, err := r.complete(tgt{})
		if err != nil {
			t.Fatalf("failure %d: %v", i+1, err)
		}
		if res.Profile != home {
			t.Errorf("failure %d: answered by %s, want %s", i+1, res.Profile, home)
		}
		if diff := cmp.Diff([]string{keyWork, keyHome}, credentials(r.anthropic.Calls()[before:])); diff != "" {
			t.Errorf("failure %d: credentials sent (-want +got):\n%s", i+1, diff)
		}
		want := aside{CooldownUntil: now.Add(want), Failures: map[string]int{"rate_limit": i + 1}}
		if diff := cmp.Diff(want, r.aside(work)); diff != "" {
			t.Errorf("failure %d: recorded for %s (-want +got):\n%s", i+1, work, diff)
		}
		// One second early the profile is still skipped.
		r.clock.Advance(want.CooldownUntil.Sub(now) - time.Second)
		before = len(r.anthropic.Calls())
		if _, err := r.complete(tgt{}); err != nil {
			t.Fatalf("failure %d, during the cooldown: %v", i+1, err)
		}
		if diff := cmp.Diff([]string{keyHome}, credentials(r.anthropic.Calls()[before:])); diff != "" {
			t.Errorf("failure %d, during the cooldown: credentials sent (-want +got):\n%s", i+1, diff)
		}
		r.clock.Advance(time.Second)
	}
}

func TestRouterRetryAfter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		retryAfter string
		want       time.Duration
	}{
		{"absent: the schedule", "", time.Minute},
		{"shorter than the schedule", "30", time.Minute},
		{"longer than the schedule", "600", 10 * time.Minute},
		{"an HTTP date", t0.Add(15 * time.Minute).Format(http.TimeFormat), 15 * time.Minute},
		{"days: capped at a day", "864000", models.MaxRetryAfter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, rigConfig{})
			limited := fakes.RateLimited(0)
			limited.RetryAfter = tt.retryAfter
			r.anthropic.Script(keyWork, limited)
			r.anthropic.Allow(keyHome)
			if _, err := r.complete(tgt{}); err != nil {
				t.Fatal(err)
			}
			want := aside{CooldownUntil: t0.Add(tt.want), Failures: map[string]int{"rate_limit": 1}}
			if diff := cmp.Diff(want, r.aside(work)); diff != "" {
				t.Errorf("recorded for %s (-want +got):\n%s", work, diff)
			}
		})
	}
	t.Run("in the reply", func(t *testing.T) {
		t.Parallel()
		r := newRig(t, rigConfig{store: storeJSON(apiKey(work, keyWork))})
		r.anthropic.Script(keyWork, fakes.RateLimited(600))
		_, err := r.complete(tgt{})
		if got, want := replyMsg(t, err), "anthropic:work: rate limited (HTTP 429). It is set aside until 09:10."; got != want {
			t.Errorf("reply:\n got %q\nwant %q", got, want)
		}
	})
}

// TestRouterBillingSchedule fails an OpenAI key for lack of quota each time
// it is usable again: 5 h, 10 h, 20 h, then capped at 24 h.
func TestRouterBillingSchedule(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigConfig{store: storeJSON(apiKey("openai:a", keyOA))})
	for i, want := range []time.Duration{5 * time.Hour, 10 * time.Hour, 20 * time.Hour, 24 * time.Hour, 24 * time.Hour} {
		r.openai.Script(keyOA, fakes.InsufficientQuota())
		now := r.clock.Now()
		_, err := r.complete(tgt{Provider: "openai", Model: "gpt-4.1"})
		wantMsg := "openai:a: billing problem (HTTP 429): top up credits with the provider, or pin another credential with /model @<profile>. It is set aside until " +
			now.Add(want).Format("15:04") + "."
		if got := replyMsg(t, err); got != wantMsg {
			t.Errorf("failure %d: reply:\n got %q\nwant %q", i+1, got, wantMsg)
		}
		if ce, ok := errors.AsType[*models.CallError](err); !ok || ce.Kind != models.KindBilling {
			t.Errorf("failure %d: cause %v, want a billing CallError", i+1, err)
		}
		wantAside := aside{DisabledUntil: now.Add(want), DisabledReason: "billing", Failures: map[string]int{"billing": i + 1}}
		if diff := cmp.Diff(wantAside, r.aside("openai:a")); diff != "" {
			t.Errorf("failure %d: recorded (-want +got):\n%s", i+1, diff)
		}
		// While disabled, no call is made.
		before := len(r.openai.Calls())
		r.clock.Advance(want - time.Minute)
		_, err = r.complete(tgt{Provider: "openai", Model: "gpt-4.1"})
		wantMsg = "All openai credentials are cooling down until " + now.Add(want).Format("15:04") + " (billing problem)."
		if got := replyMsg(t, err); got != wantMsg {
			t.Errorf("failure %d, while disabled: reply:\n got %q\nwant %q", i+1, got, wantMsg)
		}
		if n := len(r.openai.Calls()) - before; n != 0 {
			t.Errorf("failure %d: %d calls while disabled, want none", i+1, n)
		}
		r.clock.Advance(time.Minute)
	}
	if n := len(r.openai.Calls()); n != 5 {
		t.Errorf("%d calls in all, want 5", n)
	}
}

// TestRouterUnreachable points Anthropic at a closed port: the network is
// to blame, not the credential.
func TestRouterUnreachable(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigConfig{anthropicURL: closedURL(t)})
	_, err := r.complete(tgt{})
	// One candidate tried: with two the reply would say "All anthropic
	// credentials failed (tried ...)".
	want := "anthropic:work: the provider could not be reached; check the gateway host's network (and its *_BASE_URL settings)."
	if got := replyMsg(t, err); got != want {
		t.Errorf("reply:\n got %q\nwant %q", got, want)
	}
	for _, id := range []auth.ProfileID{work, home} {
		if diff := cmp.Diff(aside{}, r.aside(id)); diff != "" {
			t.Errorf("recorded for %s (-want +got):\n%s", id, diff)
		}
	}
	if strings.Contains(err.Error(), keyWork) || strings.Contains(fmt.Sprint(errors.Unwrap(err)), keyWork) {
		t.Errorf("the error holds the key: %v", errors.Unwrap(err))
	}
}

// TestRouterCallerCancelled cancels the message while the provider works:
// not the credential's fault (nothing recorded, no failover), and the reply
// does not blame the network.
func TestRouterCallerCancelled(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigConfig{})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	r.anthropic.Handle(func(fakes.Call) fakes.Response {
		cancel()
		return fakes.Slow(time.Minute)
	})
	_, err := r.router.Complete(ctx, tgt{}.target(), models.Request{
		Messages: []models.Message{{Role: models.RoleUser, Text: "hello"}},
	})
	want := "anthropic:work: the call was cancelled before the provider answered (the gateway is stopping)."
	if got := replyMsg(t, err); got != want {
		t.Errorf("reply:\n got %q\nwant %q", got, want)
	}
	if n := len(r.anthropic.Calls()); n != 1 {
		t.Errorf("%d calls, want 1 (no failover)", n)
	}
	for _, id := range []auth.ProfileID{work, home} {
		if diff := cmp.Diff(aside{}, r.aside(id)); diff != "" {
			t.Errorf("recorded for %s (-want +got):\n%s", id, diff)
		}
	}
}

func TestRouterOAuth(t *testing.T) {
	t.Parallel()
	const fresh1 = "fake-oauth-access-000001"

	t.Run("expired access token is refreshed before the call", func(t *testing.T) {
		t.Parallel()
		r := newRig(t, rigConfig{store: storeJSON(oauth(me, "access-old", "refresh-1", t0.Add(-time.Hour)))})
		r.oauth.Seed("refresh-1")
		r.anthropic.Allow(fresh1)
		for range 2 { // the second message uses the saved token
			res, err := r.complete(tgt{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Profile != me {
				t.Errorf("answered by %q, want %s", res.Profile, me)
			}
		}
		if diff := cmp.Diff([]string{fresh1, fresh1}, credentials(r.anthropic.Calls())); diff != "" {
			t.Errorf("credentials sent (-want +got):\n%s", diff)
		}
		if c := r.anthropic.Calls()[0]; c.Auth != "bearer" || !strings.Contains(c.Beta, fakes.OAuthBeta) {
			t.Errorf("the access token went as %q with beta %q, want bearer with the OAuth beta", c.Auth, c.Beta)
		}
		reqs := r.oauth.TokenRequests()
		if len(reqs) != 1 || reqs[0].GrantType != "refresh_token" || reqs[0].RefreshToken != "refresh-1" {
			t.Errorf("token requests = %+v, want one refresh_token grant with refresh-1", reqs)
		}
		if c := r.loadStore().Profiles[me]; c == nil || !c.Refresh.Equal(auth.NewSecret("fake-oauth-refresh-000001")) {
			t.Errorf("the rotated refresh token was not saved")
		}
		if diff := cmp.Diff(aside{}, r.aside(me)); diff != "" {
			t.Errorf("recorded (-want +got):\n%s", diff)
		}
	})

	t.Run("expired-token answer forces one refresh and one retry", func(t *testing.T) {
		t.Parallel()
		// The access token looks valid for another hour.
		r := newRig(t, rigConfig{store: storeJSON(oauth(me, "access-old", "refresh-1", t0.Add(time.Hour)))})
		r.oauth.Seed("refresh-1")
		r.anthropic.Script("access-old", fakes.TokenExpired())
		r.anthropic.Allow(fresh1)
		res, err := r.complete(tgt{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"access-old", fresh1}, credentials(r.anthropic.Calls())); diff != "" {
			t.Errorf("credentials sent (-want +got):\n%s", diff)
		}
		if n := len(r.oauth.TokenRequests()); n != 1 {
			t.Errorf("%d token requests, want 1", n)
		}
		if len(res.Attempts) != 1 || res.Attempts[0].Err != nil {
			t.Errorf("Attempts = %+v, want one successful attempt (the retry is inside it)", res.Attempts)
		}
		if diff := cmp.Diff(aside{}, r.aside(me)); diff != "" {
			t.Errorf("recorded (-want +got):\n%s", diff)
		}
	})

	t.Run("rejected refresh token sets the profile aside", func(t *testing.T) {
		t.Parallel()
		r := newRig(t, rigConfig{store: storeJSON(oauth(me, "access-old", "refresh-1", t0.Add(-time.Hour)))})
		// refresh-1 is not seeded: the fake answers invalid_grant.
		_, err := r.complete(tgt{})
		want := "The login of anthropic:me could not be renewed. Log in again (bot onboard) or paste a new token (bot models auth paste-token --provider anthropic --profile-id anthropic:me)."
		if got := replyMsg(t, err); got != want {
			t.Errorf("reply:\n got %q\nwant %q", got, want)
		}
		if re, ok := errors.AsType[*auth.RefreshError](err); !ok || !re.NeedsLogin {
			t.Errorf("cause %v, want a RefreshError that needs a login", err)
		}
		wantAside := aside{CooldownUntil: t0.Add(time.Minute), Failures: map[string]int{"auth": 1}, RefreshFailed: true}
		if diff := cmp.Diff(wantAside, r.aside(me)); diff != "" {
			t.Errorf("recorded (-want +got):\n%s", diff)
		}
		// The next message does not spend another token request.
		_, err = r.complete(tgt{})
		if got, want := replyMsg(t, err), "All anthropic credentials are cooling down until 09:01 (credential rejected)."; got != want {
			t.Errorf("second reply:\n got %q\nwant %q", got, want)
		}
		if n := len(r.oauth.TokenRequests()); n != 1 {
			t.Errorf("%d token requests, want 1", n)
		}
		if n := len(r.anthropic.Calls()); n != 0 {
			t.Errorf("%d provider calls, want none", n)
		}
	})

	t.Run("failed refresh is retried on the next message and then forgotten", func(t *testing.T) {
		t.Parallel()
		r := newRig(t, rigConfig{store: storeJSON(oauth(me, "access-old", "refresh-1", t0.Add(-time.Hour)))})
		r.oauth.Seed("refresh-1")
		r.oauth.FailNext(http.StatusServiceUnavailable, `{"error":"temporarily_unavailable"}`)
		r.anthropic.Allow(fresh1)
		_, err := r.complete(tgt{})
		if got, want := replyMsg(t, err), "The login of anthropic:me could not be renewed. Try again later."; got != want {
			t.Errorf("reply:\n got %q\nwant %q", got, want)
		}
		// Not the credential's fault: no cooldown.
		if diff := cmp.Diff(aside{RefreshFailed: true}, r.aside(me)); diff != "" {
			t.Errorf("recorded after the failed refresh (-want +got):\n%s", diff)
		}
		if _, err := r.complete(tgt{}); err != nil {
			t.Fatalf("second message: %v", err)
		}
		if diff := cmp.Diff([]string{fresh1}, credentials(r.anthropic.Calls())); diff != "" {
			t.Errorf("credentials sent (-want +got):\n%s", diff)
		}
		if n := len(r.oauth.TokenRequests()); n != 2 {
			t.Errorf("%d token requests, want 2", n)
		}
		if diff := cmp.Diff(aside{}, r.aside(me)); diff != "" {
			t.Errorf("recorded after the successful refresh (-want +got):\n%s", diff)
		}
	})

	t.Run("expired-token answer whose refresh is rejected", func(t *testing.T) {
		t.Parallel()
		r := newRig(t, rigConfig{store: storeJSON(oauth(me, "access-old", "refresh-1", t0.Add(time.Hour)))})
		r.anthropic.Script("access-old", fakes.TokenExpired())
		_, err := r.complete(tgt{})
		want := "The login of anthropic:me could not be renewed. Log in again (bot onboard) or paste a new token (bot models auth paste-token --provider anthropic --profile-id anthropic:me)."
		if got := replyMsg(t, err); got != want {
			t.Errorf("reply:\n got %q\nwant %q", got, want)
		}
		if diff := cmp.Diff([]string{"access-old"}, credentials(r.anthropic.Calls())); diff != "" {
			t.Errorf("credentials sent (-want +got):\n%s", diff)
		}
		if n := len(r.oauth.TokenRequests()); n != 1 {
			t.Errorf("%d token requests, want 1", n)
		}
		wantAside := aside{CooldownUntil: t0.Add(time.Minute), Failures: map[string]int{"auth": 1}, RefreshFailed: true}
		if diff := cmp.Diff(wantAside, r.aside(me)); diff != "" {
			t.Errorf("recorded (-want +got):\n%s", diff)
		}
	})

	t.Run("an API key is never refreshed", func(t *testing.T) {
		t.Parallel()
		r := newRig(t, rigConfig{store: storeJSON(apiKey(work, keyWork))})
		r.anthropic.Script(keyWork, fakes.TokenExpired())
		_, err := r.complete(tgt{})
		want := "anthropic:work: the provider rejected the credential (HTTP 401); check it with bot models status on the gateway host. It is set aside until 09:01."
		if got := replyMsg(t, err); got != want {
			t.Errorf("reply:\n got %q\nwant %q", got, want)
		}
		if n := r.oauth.Requests(); n != 0 {
			t.Errorf("%d token requests, want none", n)
		}
		if n := len(r.anthropic.Calls()); n != 1 {
			t.Errorf("%d provider calls, want 1", n)
		}
	})
}

// TestRouterBudget gives a message 100 ms while the provider takes a minute:
// Complete returns when the budget ends, without trying another profile.
func TestRouterBudget(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigConfig{budget: 100 * time.Millisecond})
	r.anthropic.Script(keyWork, fakes.Slow(time.Minute))
	r.anthropic.Allow(keyHome)
	_, err := r.complete(tgt{})
	if got, want := replyMsg(t, err), "anthropic:work: the provider did not answer in time. It is set aside until 09:01."; got != want {
		t.Errorf("reply:\n got %q\nwant %q", got, want)
	}
	if ce, ok := errors.AsType[*models.CallError](err); !ok || ce.Kind != models.KindTimeout {
		t.Errorf("cause %v, want a timeout CallError", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("cause %v does not match context.DeadlineExceeded", err)
	}
	if diff := cmp.Diff([]string{keyWork}, credentials(r.anthropic.Calls())); diff != "" {
		t.Errorf("credentials sent (-want +got):\n%s", diff)
	}
}

// TestRouterStateSurvivesRestart records a cooldown, restarts, and expects
// the new router to skip the cooling profile.
func TestRouterStateSurvivesRestart(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigConfig{})
	r.anthropic.Allow(keyWork, keyHome)
	r.anthropic.Script(keyWork, fakes.RateLimited(600))
	if _, err := r.complete(tgt{}); err != nil {
		t.Fatal(err)
	}
	r.restart()
	r.clock.Advance(5 * time.Minute)
	before := len(r.anthropic.Calls())
	res, err := r.complete(tgt{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Profile != home {
		t.Errorf("answered by %s after the restart, want %s", res.Profile, home)
	}
	if diff := cmp.Diff([]string{keyHome}, credentials(r.anthropic.Calls()[before:])); diff != "" {
		t.Errorf("credentials sent after the restart (-want +got):\n%s", diff)
	}
	want := aside{CooldownUntil: t0.Add(10 * time.Minute), Failures: map[string]int{"rate_limit": 1}}
	if diff := cmp.Diff(want, r.aside(work)); diff != "" {
		t.Errorf("recorded for %s after the restart (-want +got):\n%s", work, diff)
	}
}

// TestRouterOpenAI runs the same failover through the OpenAI client.
func TestRouterOpenAI(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigConfig{store: storeJSON(apiKey("openai:a", keyOA), apiKey("openai:b", keyOB))})
	r.openai.Script(keyOA, fakes.RateLimited(0))
	r.openai.Allow(keyOB)
	res, err := r.complete(tgt{Provider: "openai", Model: "gpt-4.1"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Profile != "openai:b" || res.Response.Text != "echo: hello" {
		t.Errorf("answered by %s with %q, want openai:b with the echo", res.Profile, res.Response.Text)
	}
	calls := r.openai.Calls()
	if diff := cmp.Diff([]string{keyOA, keyOB}, credentials(calls)); diff != "" {
		t.Errorf("credentials sent (-want +got):\n%s", diff)
	}
	for i, c := range calls {
		if c.Auth != "bearer" || c.Header.Get("Authorization") != "Bearer "+c.Credential || c.Model != "gpt-4.1" {
			t.Errorf("call %d: auth %q, Authorization %q, model %q; want the key as Bearer and gpt-4.1",
				i, c.Auth, c.Header.Get("Authorization"), c.Model)
		}
	}
	if n := len(r.anthropic.Calls()); n != 0 {
		t.Errorf("%d Anthropic calls, want none", n)
	}
	want := aside{CooldownUntil: t0.Add(time.Minute), Failures: map[string]int{"rate_limit": 1}}
	if diff := cmp.Diff(want, r.aside("openai:a")); diff != "" {
		t.Errorf("recorded for openai:a (-want +got):\n%s", diff)
	}
	if got := r.sessions.LastGood("openai"); got != "openai:b" {
		t.Errorf("LastGood(openai) = %q, want openai:b", got)
	}
}

func TestNewRouterNeedsItsParts(t *testing.T) {
	t.Parallel()
	full := func() models.RouterConfig {
		return models.RouterConfig{
			Credentials: fileCredentials{},
			Acquirer:    &auth.Refresher{},
			Usage:       gateway.Usage{},
		}
	}
	tests := []struct {
		name    string
		change  func(c *models.RouterConfig)
		wantErr bool
	}{
		{"complete", func(*models.RouterConfig) {}, false},
		{"no Credentials", func(c *models.RouterConfig) { c.Credentials = nil }, true},
		{"no Acquirer", func(c *models.RouterConfig) { c.Acquirer = nil }, true},
		{"no Usage", func(c *models.RouterConfig) { c.Usage = nil }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := full()
			tt.change(&cfg)
			r, err := models.NewRouter(cfg)
			if (err != nil) != tt.wantErr || (err == nil) != (r != nil) {
				t.Errorf("NewRouter = %v, %v; want an error: %v", r, err, tt.wantErr)
			}
		})
	}
}

// closedURL returns a base URL on a loopback port nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}
