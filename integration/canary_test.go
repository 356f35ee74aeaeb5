package integration

import (
	"strings"
	"testing"

	"github.com/botgateway/bot/internal/fakes"
)

// TestCanaryNeverLeaks plants canary secrets as API keys, a token and
// OAuth tokens, drives successful and failing calls with debug logging on,
// and checks that no reply, log line or error shows them.
func TestCanaryNeverLeaks(t *testing.T) {
	const core = "CANARY-4b1d"
	key := "sk-ant-api03-" + core + "-key-0123456789"
	tok := "sk-ant-oat01-" + core + "-tok-0123456789"
	access := "acc-" + core + "-0123456789abcdef"
	refresh := "ref-" + core + "-0123456789abcdef"
	envKey := "sk-ant-api03-" + core + "-env-0123456789"

	e := newEnv(t)
	f := withAnthropic(e)
	oauth := fakes.NewOAuth(t)
	e.Set("BOT_OAUTH_TOKEN_URL_ANTHROPIC", oauth.URL())
	oauth.FailNext(400, `{"error":"invalid_grant"}`)
	e.Set("BOT_LOG_LEVEL", "debug")
	e.Set("ANTHROPIC_API_KEY", envKey)
	e.Store("main", `{"version":1,"profiles":{
  "anthropic:key":{"type":"api_key","provider":"anthropic","key":"`+key+`"},
  "anthropic:tok":{"type":"token","provider":"anthropic","token":"`+tok+`"},
  "anthropic:oa":{"type":"oauth","provider":"anthropic","access":"`+access+`","refresh":"`+refresh+`","expires":1000}}}`)
	f.Script(tok, fakes.ClaudeCodeOnly(), fakes.ClaudeCodeOnly())
	f.Script(key, fakes.Status(401, "authentication_error", "invalid x-api-key"))
	f.Allow(envKey)

	var all strings.Builder
	run := func(args ...string) {
		out, errOut, _ := e.bot(args...)
		all.WriteString(out + errOut)
	}
	run("chat", "--message", "hello", "--message", "/model status", "--message", "/model @anthropic:oa", "--message", "again")
	run("chat", "--message", "/model @anthropic:tok", "--message", "third", "--message", "/model status")
	run("models", "status", "--json")
	run("sessions", "list", "--json")
	run("doctor")
	if strings.Contains(all.String(), core) {
		t.Errorf("a canary secret leaked:\n%s", all.String())
	}
	// The run was not vacuous: it failed over, hit the refresh error and
	// the Claude-Code-only answer, and answered through the env key.
	for _, want := range []string{"echo: hello", "could not be renewed", "Use an Anthropic API key instead", "level=WARN"} {
		if !strings.Contains(all.String(), want) {
			t.Errorf("no %q in the output:\n%s", want, all.String())
		}
	}
}
