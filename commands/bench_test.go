package commands_test

import (
	"context"
	"testing"

	"github.com/botgateway/bot/commands"
	"github.com/botgateway/bot/grammar"
)

// BenchmarkModelPinCommand measures a whole "/model sonnet@anthropic:work":
// parse, guard, catalog resolution, profile check against the (cached)
// store, the durable SQLite write, and the reply. Issue 3's goal: ≥ 20,000
// per second (≤ 50 µs/op).
func BenchmarkModelPinCommand(b *testing.B) {
	h := newHarness(b, map[string]string{
		".bot/agents/main/agent/auth-profiles.json": `{"version":1,"profiles":{
  "anthropic:work":{"type":"api_key","provider":"anthropic","key":"sk-ant-api03-work-0123456789work"},
  "anthropic:home":{"type":"api_key","provider":"anthropic","key":"sk-ant-api03-home-0123456789home"}}}`,
	})
	ctx := context.Background()
	e := h.Stack.Engine
	lines := []string{"/model sonnet@anthropic:work", "/model opus@anthropic:home"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		cmd, err := grammar.Parse(lines[i%2], "bot")
		if err != nil {
			b.Fatal(err)
		}
		i++
		if _, err := e.Handle(ctx, &commands.Request{Cmd: cmd, Caller: commands.Caller{Allowed: true}, Session: "console:bench", Agent: "main"}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cmds/s")
	b.Logf("goal: ≥ 20,000 /model x@y per second including the durable write")
}
