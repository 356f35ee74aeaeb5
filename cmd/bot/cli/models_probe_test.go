package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/botgateway/bot/internal/fakes"
	"github.com/botgateway/bot/internal/testenv"
	"github.com/botgateway/bot/sessions"
)

// probeEnv is a home with four Anthropic keys the fake answers ok, 401,
// 429 (Retry-After 120 s) and not at all (a hang).
type probeEnv struct {
	e        *testenv.Env
	provider *fakes.Anthropic
	env      map[string]string
}

const (
	probeOK   = "sk-ant-api03-okok-" + canaryCore + "-0123456789abcdef"
	probeBad  = "sk-ant-api03-badd-" + canaryCore + "-0123456789abcdef"
	probeRate = "sk-ant-api03-rate-" + canaryCore + "-0123456789abcdef"
	probeHang = "sk-ant-api03-hang-" + canaryCore + "-0123456789abcdef"
)

func newProbeEnv(t *testing.T) *probeEnv {
	t.Helper()
	e := testenv.New(t)
	e.Config(`{"auth": {"order": {"anthropic": ["anthropic:ok", "anthropic:bad", "anthropic:rate", "anthropic:hang"]}}}`)
	e.Store("main", `{"version":1,"profiles":{
		"anthropic:ok":{"type":"api_key","provider":"anthropic","key":"`+probeOK+`"},
		"anthropic:bad":{"type":"api_key","provider":"anthropic","key":"`+probeBad+`"},
		"anthropic:rate":{"type":"api_key","provider":"anthropic","key":"`+probeRate+`"},
		"anthropic:hang":{"type":"api_key","provider":"anthropic","key":"`+probeHang+`"}}}`)
	p := fakes.NewAnthropic(t)
	p.Allow(probeOK)
	p.Always(probeRate, fakes.RateLimited(120))
	p.Always(probeHang, fakes.Slow(1<<62))
	return &probeEnv{e: e, provider: p, env: map[string]string{
		"HOME": e.Home, "ANTHROPIC_BASE_URL": p.URL(), "OPENAI_BASE_URL": "http://127.0.0.1:1", "OPENROUTER_BASE_URL": "http://127.0.0.1:1",
		"BOT_OAUTH_TOKEN_URL_ANTHROPIC": "http://127.0.0.1:1/token",
	}}
}

// run runs bot with args and stdin, and checks that no canary leaks.
func (p *probeEnv) run(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var o, e bytes.Buffer
	code = Main(context.Background(), args, strings.NewReader(stdin), &o, &e, func(k string) string { return p.env[k] })
	for name, out := range map[string]string{"stdout": o.String(), "stderr": e.String()} {
		if strings.Contains(out, canaryCore) {
			t.Errorf("bot %s: canary in %s:\n%s", strings.Join(args, " "), name, out)
		}
	}
	return o.String(), e.String(), code
}

func TestModelsStatusProbe(t *testing.T) {
	p := newProbeEnv(t)
	out, errOut, code := p.run(t, "", "models", "status", "--probe", "--check", "--probe-timeout", "300ms")
	if code != 1 {
		t.Errorf("exit %d, want 1 (a credential failed its probe); stderr: %s", code, errOut)
	}
	for _, want := range []string{
		"Auth probes\n",
		"- anthropic:ok ", " ok ",
		"auth: the provider rejected the credential (HTTP 401); replace it (bot models auth paste-token --provider anthropic)",
		"rate limited until ", "(HTTP 429)",
		"timeout: no answer within 300ms",
		"4 probed: 1 ok, 1 rate_limit, 1 auth, 1 timeout\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	// Recorded like any call: the router's usage in sessions.db.
	st, err := sessions.Open(context.Background(), p.e.Path(".bot/sessions.db"), sessions.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := st.LastGood("anthropic"); got != "anthropic:ok" {
		t.Errorf("last good %q, want anthropic:ok", got)
	}
	for _, id := range []string{"anthropic:bad", "anthropic:rate", "anthropic:hang"} {
		if u := st.ProfileUsage(id); u.CooldownUntil.IsZero() {
			t.Errorf("%s not set aside after its failed probe", id)
		}
	}
	st.Close()

	// --json, only one profile: rate limited alone exits 2.
	out, _, code = p.run(t, "", "models", "status", "--probe", "--json", "--check", "--profile", "anthropic:rate")
	if code != 2 {
		t.Errorf("exit %d, want 2 (rate limited only)", code)
	}
	var rep struct {
		Probes []probeReport `json:"probes"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if len(rep.Probes) != 1 || rep.Probes[0].Until == nil {
		t.Fatalf("probes = %+v, want one with until", rep.Probes)
	}
	rep.Probes[0].Until, rep.Probes[0].LatencyMs = nil, 0
	want := probeReport{Provider: "anthropic", ProfileID: "anthropic:rate", Label: "anthropic:rate", Model: "anthropic/claude-sonnet-4-5",
		Status: "rate_limit", HTTPStatus: 429, Detail: "rate limited (HTTP 429)"}
	if diff := cmp.Diff(want, rep.Probes[0]); diff != "" {
		t.Errorf("probe (-want +got):\n%s", diff)
	}

	// Only the one that works: exit 0.
	if _, errOut, code := p.run(t, "", "models", "status", "--probe", "--check", "--profile", "anthropic:ok"); code != 0 {
		t.Errorf("exit %d, want 0: %s", code, errOut)
	}
	// A profile the store lacks is reported, not called.
	out, _, code = p.run(t, "", "models", "status", "--probe", "--check", "--profile", "anthropic:nope")
	if code != 1 || !strings.Contains(out, "- anthropic:nope  anthropic/claude-sonnet-4-5  unusable: not in the auth store") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	// The environment probed too, a provider chosen.
	p.env["ANTHROPIC_API_KEY"] = probeOK
	out, _, _ = p.run(t, "", "models", "status", "--probe", "--provider", "Anthropic", "--probe-timeout", "300ms")
	if !strings.Contains(out, "- env: ANTHROPIC_API_KEY ") {
		t.Errorf("the environment key was not probed:\n%s", out)
	}
}

func TestModelsStatusProbeBadInput(t *testing.T) {
	p := newProbeEnv(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--probe", "--plain"}, "--probe cannot be used with --plain output.\n"},
		{[]string{"--profile", "anthropic:ok"}, "--provider and --profile choose what --probe calls; add --probe"},
		{[]string{"--probe", "--provider", "acme"}, `unknown provider "acme"`},
		{[]string{"--probe", "--probe-timeout", "0s"}, "--probe-timeout must be positive"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, errOut, code := p.run(t, "", append([]string{"models", "status"}, tc.args...)...)
			if code == 0 || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr %q, want non-zero and %q", code, errOut, tc.want)
			}
		})
	}
}

func TestPasteTokenValidate(t *testing.T) {
	p := newProbeEnv(t)
	store := p.e.StorePath("main")
	before, _ := os.ReadFile(store)
	_, errOut, code := p.run(t, probeBad, "models", "auth", "paste-token", "--provider", "anthropic", "--profile-id", "anthropic:new", "--validate")
	if code == 0 || errOut != "the token was not stored: probing anthropic with it failed: the provider rejected the credential (HTTP 401); replace it (bot models auth paste-token --provider anthropic)\n" {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	if after, _ := os.ReadFile(store); !bytes.Equal(before, after) {
		t.Error("a token that failed its probe changed the store")
	}
	out, errOut, code := p.run(t, probeOK, "models", "auth", "paste-token", "--provider", "anthropic", "--profile-id", "anthropic:new", "--validate")
	if code != 0 || !strings.HasPrefix(out, "Validated: anthropic answered with this token (ok ") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if after, _ := os.ReadFile(store); !strings.Contains(string(after), `"anthropic:new"`) {
		t.Error("the validated token was not stored")
	}
}

// TestProbeProfileNotStored: a --profile that is no profile id, or names
// none in the store, is never echoed whole: a key pasted there by mistake
// (with or without a provider in front) shows masked.
func TestProbeProfileNotStored(t *testing.T) {
	p := newProbeEnv(t)
	_, errOut, n := p.run(t, "", "models", "status", "--probe", "--profile", probeOK)
	if want := "--profile sk-a...cdef is not a profile id"; n != 1 || !strings.Contains(errOut, want) {
		t.Errorf("--profile <key> = %d, %q; want 1 and %q", n, errOut, want)
	}
	out, errOut, n := p.run(t, "", "models", "status", "--probe", "--check", "--profile", "anthropic:"+probeOK)
	if want := "- anth...cdef  anthropic/claude-sonnet-4-5  unusable: not in the auth store"; n != 1 || !strings.Contains(out, want) {
		t.Errorf("--profile anthropic:<key> = %d\n%s%s\nwant 1 and %q", n, out, errOut, want)
	}
	out, _, _ = p.run(t, "", "models", "status", "--probe", "--json", "--profile", "anthropic:"+probeOK)
	if !strings.Contains(out, `"profileId": "anth...cdef"`) {
		t.Errorf("--json does not mask the id:\n%s", out)
	}
}
