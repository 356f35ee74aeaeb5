package grammar

import "testing"

// BenchmarkParse measures Parse (and ParseModelRef for /model) against
// DESIGN §7's budget of 3 µs and 30 allocations per command. The warm
// cases are the steady state, with the participle results memoized; the
// cold ones empty the memos each time, so they show participle's own cost.
func BenchmarkParse(b *testing.B) {
	cases := []struct {
		name, text string
		ref        bool // also ParseModelRef on the first argument
	}{
		{"model-pin", "/model sonnet@anthropic:work", true},
		{"quoted", `/model "openrouter/moonshotai/kimi-k2@openrouter:default"`, true},
		{"plain", "/models anthropic", false},
		{"bot-name", "/model@MyBot: list", false},
	}
	for _, c := range cases {
		for _, cold := range []bool{false, true} {
			name := c.name
			if cold {
				name += "-cold"
			}
			b.Run(name, func(b *testing.B) {
				b.Logf("budget: ≤ 3 µs and ≤ 30 allocs (DESIGN §7), for the warm case")
				b.ReportAllocs()
				for b.Loop() {
					if cold {
						headMemo.reset()
						refMemo.reset()
					}
					cmd, err := Parse(c.text, goldenBot)
					if err != nil || cmd == nil {
						b.Fatalf("Parse(%q) = %v, %v", c.text, cmd, err)
					}
					if c.ref {
						if _, err := ParseModelRef(cmd.Args[0]); err != nil {
							b.Fatal(err)
						}
					}
				}
			})
		}
	}
}
