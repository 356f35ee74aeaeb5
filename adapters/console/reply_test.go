package console

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/botgateway/bot/adapters"
)

func TestReplyChoices(t *testing.T) {
	choices := []adapters.Choice{
		{Label: "claude-sonnet-4-5 · anthropic:work", Command: "/model anthropic/claude-sonnet-4-5@anthropic:work"},
		{Label: "fast\x1b]0;pwned\x07 (haiku)\nsecond line\tand tab", Command: "/model fast"},
	}
	tests := []struct {
		name string
		rep  adapters.Reply
		want string
	}{
		{"text only", adapters.Reply{Text: "hello\n\n"}, "hello\n"},
		{"empty", adapters.Reply{}, "\n"},
		{"text and choices", adapters.Reply{Text: "Pick a model:", Choices: choices},
			"Pick a model:\n  1. claude-sonnet-4-5 · anthropic:work\n  2. fast (haiku) second line and tab\n"},
		{"choices only", adapters.Reply{Choices: choices[:1]}, "  1. claude-sonnet-4-5 · anthropic:work\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			if err := (replier{New(Config{Out: &out})}).Reply(t.Context(), tt.rep); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, out.String()); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
		})
	}
}

// streamOut streams text through a console cut at cuts, then finishes with
// rep (whose Text is text), and returns what was written.
func streamOut(t *testing.T, text string, cuts []int, rep adapters.Reply) string {
	t.Helper()
	var out strings.Builder
	st, err := replier{New(Config{Out: &out})}.StartStream(t.Context(), false)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cuts {
		if err := st.Update(t.Context(), text[:c]); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Finish(t.Context(), rep); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// A streamed reply, however its text is cut into updates, ends having
// printed exactly what Reply prints for the final text: escape sequences
// and characters cut between updates included.
func TestStreamEqualsReply(t *testing.T) {
	inputs := append([]string{"", "\n", "a\n\n", "\n\nlead\n\nmid\n\n", "x\xe2\x82", "line\n\x1b]0;t"}, hostile...)
	choices := []adapters.Choice{{Label: "one", Command: "/one"}, {Label: "two", Command: "/two"}}
	for _, in := range inputs {
		for _, ch := range [][]adapters.Choice{nil, choices} {
			rep := adapters.Reply{Text: in, Choices: ch}
			var want strings.Builder
			if err := (replier{New(Config{Out: &want})}).Reply(t.Context(), rep); err != nil {
				t.Fatal(err)
			}
			var cutss [][]int
			for i := 0; i <= len(in); i++ {
				cutss = append(cutss, []int{i})
				for j := i; j <= len(in) && len(in) <= 40; j++ {
					cutss = append(cutss, []int{i, j})
				}
			}
			every := make([]int, len(in)+1)
			for i := range every {
				every[i] = i
			}
			cutss = append(cutss, every, nil)
			for _, cuts := range cutss {
				if got := streamOut(t, in, cuts, rep); got != want.String() {
					t.Fatalf("%q cut at %v: streamed %q, Reply prints %q", in, cuts, got, want.String())
				}
			}
		}
	}
}

// Each update's new text is written at once: nothing is held back but an
// unfinished character or escape sequence and trailing line breaks.
func TestStreamWritesAtOnce(t *testing.T) {
	var out strings.Builder
	st, err := replier{New(Config{Out: &out})}.StartStream(t.Context(), false)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct{ text, shown string }{
		{"The", "The"},
		{"The quick", "The quick"},
		{"The quick\n", "The quick"},                   // the line break waits for more text
		{"The quick\nbrown \xe2", "The quick\nbrown "}, // so does half a character
		{"The quick\nbrown \xe2\x9c\x93 \x1b[3", "The quick\nbrown ✓ "},
		{"The quick\nbrown \xe2\x9c\x93 \x1b[31mfox", "The quick\nbrown ✓ fox"},
	}
	for _, s := range steps {
		if err := st.Update(t.Context(), s.text); err != nil {
			t.Fatal(err)
		}
		if got := out.String(); got != s.shown {
			t.Fatalf("after Update(%q): shown %q, want %q", s.text, got, s.shown)
		}
	}
	if err := st.Finish(t.Context(), adapters.Reply{Text: steps[len(steps)-1].text + "."}); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "The quick\nbrown ✓ fox.\n"; got != want {
		t.Errorf("finished: %q, want %q", got, want)
	}
	if err := st.Update(t.Context(), "more"); err == nil {
		t.Error("Update after Finish: no error")
	}
}

// A reply written while a stream has left a line open starts on a line of
// its own, and the stream's end adds no empty line after one; an update
// that does not extend the previous one is shown again whole from a new
// line.
func TestStreamInterleaved(t *testing.T) {
	var out strings.Builder
	r := replier{New(Config{Out: &out})}
	ctx := t.Context()
	st, _ := r.StartStream(ctx, false)
	steps := []func() error{
		func() error { return st.Update(ctx, "partial") },
		func() error { return r.Reply(ctx, adapters.Reply{Text: "other"}) },
		func() error { return st.Update(ctx, "partial, more") },
		func() error { return st.Update(ctx, "rewritten") },
		func() error { return st.Update(ctx, "rewritten.") },
		func() error { return r.Reply(ctx, adapters.Reply{Text: "last"}) },
		func() error { return st.Finish(ctx, adapters.Reply{Text: "rewritten."}) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff("partial\nother\n, more\nrewritten.\nlast\n", out.String()); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}

// BenchmarkStream streams a reply of 50 chunks (about 40 bytes each, some
// with a character cut between two chunks) through the console to
// io.Discard, and reports the time per chunk.
func BenchmarkStream(b *testing.B) {
	const chunks = 50
	piece := "The quick brown fox — naïve café ✓ jumps "
	full := strings.Repeat(piece, chunks)
	step := len(full) / chunks
	texts := make([]string, chunks)
	for i := range texts {
		texts[i] = full[:(i+1)*step] // cuts fall inside characters too
	}
	a := New(Config{Out: io.Discard})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		st, _ := replier{a}.StartStream(ctx, false)
		for _, text := range texts[:chunks-1] {
			_ = st.Update(ctx, text)
		}
		_ = st.Finish(ctx, adapters.Reply{Text: full})
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*chunks), "ns/chunk")
	b.Logf("budget: the console's share of the first streamed text within 1 ms of a direct streaming call (DESIGN §7)")
}

// Replies written while a stream is printed, from other goroutines, come
// out whole, each on a line of its own, and the stream's text is intact
// around them.
func TestStreamAndRepliesSerialized(t *testing.T) {
	var out lockedBuffer
	r := replier{New(Config{Out: &out})}
	ctx := t.Context()
	st, _ := r.StartStream(ctx, false)
	const replies = 50
	var wg sync.WaitGroup
	wg.Go(func() {
		text := ""
		for i := range 200 {
			text += string(rune('a' + i%26))
			_ = st.Update(ctx, text)
		}
		_ = st.Finish(ctx, adapters.Reply{Text: text})
	})
	for i := range replies {
		wg.Go(func() { _ = r.Reply(ctx, adapters.Reply{Text: fmt.Sprintf("reply %d", i)}) })
	}
	wg.Wait()
	seen := map[string]bool{}
	var stream strings.Builder
	for line := range strings.SplitSeq(strings.TrimSuffix(out.String(), "\n"), "\n") {
		if strings.HasPrefix(line, "reply ") {
			seen[line] = true
			continue
		}
		stream.WriteString(line)
	}
	for i := range replies {
		if !seen[fmt.Sprintf("reply %d", i)] {
			t.Errorf("reply %d is not a line of its own in:\n%s", i, out.String())
		}
	}
	want := ""
	for i := range 200 {
		want += string(rune('a' + i%26))
	}
	if stream.String() != want {
		t.Errorf("the streamed text, pieced together: %q, want %q", stream.String(), want)
	}
}
