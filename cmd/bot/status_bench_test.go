package main

import (
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/botgateway/bot/internal/testenv"
)

// BenchmarkModelsStatusProcess runs `bot models status` as a whole process
// (start, config, .env, store, Claude Code sync check, render) against a
// populated state dir. DESIGN §7 holds it to ≤ 20 ms of wall time.
func BenchmarkModelsStatusProcess(b *testing.B) {
	dir := b.TempDir()
	bin := filepath.Join(dir, "bot")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	e := testenv.New(b)
	e.Files(map[string]string{
		".bot/bot.json": `{
  // a typical setup
  "models": {"default": "anthropic/claude-sonnet-4-5", "aliases": {"fast": "anthropic/claude-haiku-4-5"}},
  "auth": {"profiles": {"anthropic:claude-cli": {"provider": "anthropic", "mode": "oauth"},
                        "anthropic:work": {"provider": "anthropic", "mode": "api_key"}}},
}`,
		".bot/.env": "OPENROUTER_API_KEY=sk-or-v1-0123456789abcdef0123456789\n",
		".bot/agents/main/agent/auth-profiles.json": `{"version":1,"profiles":{
  "anthropic:work":{"type":"api_key","provider":"anthropic","key":"sk-ant-api03-0123456789abcdef0123"},
  "anthropic:manual":{"type":"token","provider":"anthropic","token":"sk-ant-oat01-0123456789abcdef0123","expires":4102444800000},
  "openai:default":{"type":"api_key","provider":"openai","key":"sk-proj-0123456789abcdef0123"}}}`,
		".claude/.credentials.json": `{"claudeAiOauth":{"accessToken":"sk-ant-oat01-cc-0123456789abcdef","refreshToken":"sk-ant-ort01-0123456789abcdef","expiresAt":4102444800000}}`,
	})
	env := e.Environ()
	run := func() {
		cmd := exec.Command(bin, "models", "status", "--check")
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("bot models status: %v\n%s", err, out)
		}
	}
	run() // first run syncs Claude Code into the store
	measure := func(b *testing.B) {
		start := time.Now()
		for b.Loop() {
			run()
		}
		b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/status")
		b.Logf("budget: bot models status ≤ 20 ms wall time (DESIGN §7)")
	}
	b.Run("fresh", measure)
	// A running bot has a sessions.db: status opens it read-only and
	// quick-checks the tables the bot cannot run without.
	chat := exec.Command(bin, "chat", "--message", "/model sonnet@anthropic:work")
	chat.Env = env
	if out, err := chat.CombinedOutput(); err != nil {
		b.Fatalf("bot chat: %v\n%s", err, out)
	}
	b.Run("sessions.db", measure)
}
