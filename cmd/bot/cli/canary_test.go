package cli

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/botgateway/bot/internal/fakes"
	"github.com/botgateway/bot/internal/testenv"
)

// canaryCore is the part of every planted secret that must never be
// printed; the secrets are long, so their masks show only the ends.
const canaryCore = "CANARY-7f3a9c"

// TestCanaryNeverPrinted plants a canary in every place a secret can live
// (process env, ~/.bot/.env, the config env block, the store's keys, tokens
// and OAuth tokens, Claude Code's file, a paste on stdin) and runs every
// command; no stdout or stderr may contain it.
func TestCanaryNeverPrinted(t *testing.T) {
	e := testenv.New(t)
	secret := func(prefix string) string { return prefix + "-" + canaryCore + "-0123456789abcdef" }
	e.Write(".bot/.env", "OPENROUTER_API_KEY="+secret("sk-or-v1")+"\n")
	e.Config(`{"env": {"OPENAI_API_KEY": "` + secret("sk-proj") + `"},
		"channels": {"telegram": {"token": "` + secret("123:tg") + `"}}}`)
	e.Store("main", `{"version":1,"profiles":{
		"anthropic:key":{"type":"api_key","provider":"anthropic","key":"`+secret("sk-ant-api03")+`"},
		"anthropic:tok":{"type":"token","provider":"anthropic","token":"`+secret("sk-ant-oat01")+`","expires":1000},
		"anthropic:oa":{"type":"oauth","provider":"anthropic","access":"`+secret("acc")+`","refresh":"`+secret("ref")+`","expires":1000}}}`)
	e.ClaudeCode(`{"claudeAiOauth":{"accessToken":"` + secret("sk-ant-oat01-cc") + `","refreshToken":"` + secret("sk-ant-ort01") + `","expiresAt":1000}}`)
	provider := fakes.NewAnthropic(t)
	// The platforms answer the canary tokens 401: doctor's line about a
	// rejected token must not show them either. Probes refresh the expired
	// OAuth profile: against the fake, which does not know its refresh
	// token.
	tg, dc := fakes.NewTelegram(t), fakes.NewDiscord(t)
	oauth := fakes.NewOAuth(t)
	env := map[string]string{
		"BOT_OAUTH_TOKEN_URL_ANTHROPIC": oauth.URL(),
		"BOT_TELEGRAM_API_URL":          tg.URL(),
		"BOT_DISCORD_API_URL":           dc.URL(),
		"ANTHROPIC_BASE_URL":            provider.URL(),
		"OPENAI_BASE_URL":               "http://127.0.0.1:1",
		"OPENROUTER_BASE_URL":           "http://127.0.0.1:1",
		"HOME":                          e.Home,
		"ANTHROPIC_API_KEY":             secret("sk-ant-api03-env"),
		"DISCORD_BOT_TOKEN":             secret("discord"),
		"PATH":                          "",
	}
	getenv := func(k string) string { return env[k] }

	runs := [][]string{
		{"models", "status"},
		{"models", "status", "--json"},
		{"models", "status", "--check"},
		{"models", "status", "--plain"},
		{"models", "status", "--probe", "--probe-timeout", "2s"},
		{"models", "status", "--probe", "--json", "--check", "--probe-timeout", "2s"},
		{"models", "auth", "paste-token", "--provider", "openai", "--validate"},
		{"doctor"},
		{"models", "auth", "order", "get", "--provider", "anthropic", "--json"},
		{"models", "auth", "order", "set", "--provider", "anthropic", "anthropic:key", "anthropic:oa"},
		{"models", "auth", "order", "set", "--provider", "openai", "anthropic:key"},
		{"models", "auth", "paste-token", "--provider", "openai"},
		{"models", "auth", "paste-token", "--provider", "acme"},
		{"models", "auth", "setup-token"},
		{"onboard", "--non-interactive", "--provider", "openrouter"},
		{"onboard", "--non-interactive", "--auth-choice", "token"},
		{"models", "status", "--json"},
		{"chat", "--message", "/model status", "--message", "/model list", "--message", "/model", "--message", "/model sonnet@anthropic:key"},
		{"chat", "--message", "/model @anthropic:tok", "--message", "/model status", "--message", "hello"},
		{"sessions", "list", "--json"},
		{"models", "list"},
		{"models", "list", "--json"},
		{"models", "status"}, // now with the router's records in sessions.db
		{"doctor"},
		{"doctor", "--json"},
		{"--help"},
	}
	var all strings.Builder
	for _, args := range runs {
		var stdout, stderr bytes.Buffer
		stdin := strings.NewReader(secret("sk-pasted") + "\n")
		code := Main(context.Background(), args, stdin, &stdout, &stderr, getenv)
		all.WriteString(stdout.String())
		for name, out := range map[string]string{"stdout": stdout.String(), "stderr": stderr.String()} {
			if strings.Contains(out, canaryCore) {
				t.Errorf("bot %s (exit %d): canary in %s:\n%s", strings.Join(args, " "), code, name, out)
			}
		}
	}
	// The runs did show credentials (masked), so the test is not vacuous.
	for _, want := range []string{"Auth profile set to anthropic:tok.", "anthropic:key=sk-a...cdef", "- anthropic:tok: skipped, token expired",
		"the bot token was rejected (401 Unauthorized)",
		"the provider rejected the credential (HTTP 401)", "the login could not be renewed"} {
		if !strings.Contains(all.String(), want) {
			t.Errorf("no %q in the output; the command did not run as expected:\n%s", want, all.String())
		}
	}
	// The pasted token did land in the store, so the test did exercise it.
	b, err := os.ReadFile(e.StorePath("main"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), secret("sk-pasted")) {
		t.Error("the pasted token is not in the store; the paste path was not exercised")
	}
}
