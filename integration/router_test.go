package integration

import (
	"fmt"
	"strings"
	"testing"

	"github.com/botgateway/bot/internal/fakes"
)

const (
	keyWork = "sk-ant-api03-work-0123456789abcdef"
	keyHome = "sk-ant-api03-home-0123456789abcdef"
)

// twoKeys is a store with two Anthropic API keys.
const twoKeys = `{"version":1,"profiles":{
  "anthropic:work":{"type":"api_key","provider":"anthropic","key":"` + keyWork + `"},
  "anthropic:home":{"type":"api_key","provider":"anthropic","key":"` + keyHome + `"}}}`

// withAnthropic points the env at a fresh fake Anthropic.
func withAnthropic(e *env) *fakes.Anthropic {
	f := fakes.NewAnthropic(e.t)
	e.Set("ANTHROPIC_BASE_URL", f.URL())
	return f
}

// creds lists the credentials of the fake's calls, in order.
func creds(f *fakes.Anthropic) []string {
	var out []string
	for _, c := range f.Calls() {
		out = append(out, c.Credential)
	}
	return out
}

func TestPinnedProfileIsUsedForEveryMessage(t *testing.T) {
	e := newEnv(t)
	e.Store("main", twoKeys)
	f := withAnthropic(e)
	f.Allow(keyWork, keyHome)
	out := e.chat("/model sonnet@anthropic:home", "hello", "again", "/model status")
	if !strings.Contains(out, "echo: hello") || !strings.Contains(out, "echo: again") {
		t.Fatalf("no answers:\n%s", out)
	}
	if got := creds(f); fmt.Sprint(got) != fmt.Sprint([]string{keyHome, keyHome}) {
		t.Errorf("credentials used = %v, want the pinned one twice", got)
	}
	if !strings.Contains(out, "1. anthropic:home=sk-a...cdef (next, pinned, lastGood)") {
		t.Errorf("/model status does not show the pinned profile as next and last good:\n%s", out)
	}
	// A new process uses the pin too.
	e.chat("third")
	if got := creds(f); got[len(got)-1] != keyHome {
		t.Errorf("after a restart the call used %q, want the pinned key", got[len(got)-1])
	}
}

func TestRateLimitFailsOverAndCoolsDown(t *testing.T) {
	e := newEnv(t)
	e.Store("main", twoKeys)
	f := withAnthropic(e)
	f.Allow(keyWork, keyHome)
	f.Script(keyWork, fakes.RateLimited(30))
	out := e.chat("hello", "/model status", "again")
	if got, want := fmt.Sprint(creds(f)), fmt.Sprint([]string{keyWork, keyHome, keyHome}); got != want {
		t.Errorf("credentials used = %v, want %v (fail over, then skip the cooling profile)", got, want)
	}
	if !strings.Contains(out, "echo: hello") {
		t.Errorf("the failover did not answer:\n%s", out)
	}
	// Retry-After 30 s is shorter than the first cooldown (1 min).
	if !strings.Contains(out, "anthropic:work=sk-a...cdef (cooldown 1m)") {
		t.Errorf("/model status does not show the cooldown:\n%s", out)
	}
	// The conversation is now auto-pinned to the profile that answered.
	show, _, _ := e.bot("sessions", "show", "console:local")
	if !strings.Contains(show, "Pin: anthropic:home (auto)") {
		t.Errorf("no automatic pin after the failover:\n%s", show)
	}
	// bot models status asks the same resolver with the same records: the
	// order the router follows now, and the cooldown.
	status, errOut, code := e.bot("models", "status")
	if code != 0 {
		t.Fatalf("models status exited %d: %s", code, errOut)
	}
	for _, want := range []string{
		"effective=profile:anthropic:home",
		"order (stored profiles, round-robin): anthropic:home, anthropic:work\n",
		"cooldown anthropic:work until ",
		"(rate_limit): tried last",
	} {
		if !strings.Contains(status, want) {
			t.Errorf("models status lacks %q:\n%s", want, status)
		}
	}
	doc, _, _ := e.bot("doctor", "--non-interactive")
	if !strings.Contains(doc, "anthropic:work is cooling down until ") || !strings.Contains(doc, "(rate_limit); the router tries it last") {
		t.Errorf("doctor does not note the cooldown:\n%s", doc)
	}
	js, _, _ := e.bot("models", "status", "--json")
	if !strings.Contains(js, `"kind": "cooldown"`) || !strings.Contains(js, `"reason": "rate_limit"`) {
		t.Errorf("models status --json lacks the cooldown:\n%s", js)
	}
}

func TestPinnedProfileIsNotRotatedEvenInCooldown(t *testing.T) {
	e := newEnv(t)
	e.Store("main", twoKeys)
	f := withAnthropic(e)
	f.Allow(keyWork, keyHome)
	f.Script(keyWork, fakes.RateLimited(120), fakes.RateLimited(120))
	out := e.chat("/model @anthropic:work", "hello", "again")
	if got, want := fmt.Sprint(creds(f)), fmt.Sprint([]string{keyWork, keyWork}); got != want {
		t.Errorf("credentials used = %v, want %v: a user pin is never rotated away", got, want)
	}
	if n := strings.Count(out, "anthropic:work: rate limited (HTTP 429). It is set aside until "); n != 2 {
		t.Errorf("want 2 replies saying who, what and until when, got %d:\n%s", n, out)
	}
}

func TestAllCoolingDownSaysUntilWhen(t *testing.T) {
	e := newEnv(t)
	e.Store("main", twoKeys)
	f := withAnthropic(e)
	f.Allow(keyWork, keyHome)
	f.Script(keyWork, fakes.RateLimited(600))
	f.Script(keyHome, fakes.RateLimited(600))
	out := e.chat("hello", "again")
	if len(f.Calls()) != 2 {
		t.Errorf("%d calls, want 2 (then nothing while both cool down)", len(f.Calls()))
	}
	if !strings.Contains(out, "All anthropic credentials are cooling down until ") || !strings.Contains(out, "(rate limited).") {
		t.Errorf("no cooling-down reply:\n%s", out)
	}
}

func TestClaudeCodeOnlyErrorGivesTheHint(t *testing.T) {
	e := newEnv(t)
	const tok = "sk-ant-oat01-subscription-0123456789abcdef"
	e.Store("main", `{"version":1,"profiles":{"anthropic:claude-cli":{"type":"token","provider":"anthropic","token":"`+tok+`"}}}`)
	f := withAnthropic(e)
	f.Script(tok, fakes.ClaudeCodeOnly())
	out := e.chat("hello", "/model status")
	if !strings.Contains(out, "This credential is only authorized for use with Claude Code") || !strings.Contains(out, "Use an Anthropic API key instead") {
		t.Errorf("no Claude-Code-only hint:\n%s", out)
	}
	if c := f.Calls()[0]; c.Auth != "bearer" || c.Beta == "" {
		t.Errorf("the setup-token went as %q with beta %q, want a bearer token with the OAuth beta", c.Auth, c.Beta)
	}
	if !strings.Contains(out, "disabled:auth_permanent") {
		t.Errorf("the profile is not disabled after a permanent auth failure:\n%s", out)
	}
}

func TestExpiredTokenAnswerForcesOneRefresh(t *testing.T) {
	e := newEnv(t)
	f := withAnthropic(e)
	oauth := fakes.NewOAuth(t)
	e.Set("BOT_OAUTH_TOKEN_URL_ANTHROPIC", oauth.URL())
	oauth.Seed("refresh-1")
	// The access token looks valid locally (expires in 2100), but the
	// provider says it expired.
	e.Store("main", `{"version":1,"profiles":{"anthropic:me":{"type":"oauth","provider":"anthropic","access":"access-old","refresh":"refresh-1","expires":4102444800000}}}`)
	f.Script("access-old", fakes.TokenExpired())
	f.Allow("fake-oauth-access-000001")
	out := e.chat("hello")
	if !strings.Contains(out, "echo: hello") {
		t.Fatalf("no answer after the refresh:\n%s", out)
	}
	if oauth.Refreshes() != 1 {
		t.Errorf("%d refreshes, want 1", oauth.Refreshes())
	}
	if got, want := fmt.Sprint(creds(f)), fmt.Sprint([]string{"access-old", "fake-oauth-access-000001"}); got != want {
		t.Errorf("credentials used = %v, want %v", got, want)
	}
	if s := e.read(".bot/agents/main/agent/auth-profiles.json"); !strings.Contains(s, "fake-oauth-refresh-000001") {
		t.Errorf("the rotated refresh token was not saved:\n%s", s)
	}
}
