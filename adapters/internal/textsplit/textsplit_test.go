package textsplit

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSplit(t *testing.T) {
	para := strings.Repeat("word ", 15) // 75
	tests := []struct {
		name  string
		text  string
		limit int
		want  []string
	}{
		{"fits", "short", 100, []string{"short"}},
		{"paragraphs", para + "\n\n" + para + "\n\n" + para, 160, []string{para + "\n\n" + para, para}},
		{"lines", "aaaa\nbbbb\ncccc", 9, []string{"aaaa\nbbbb", "cccc"}},
		{"code block kept whole", "intro\n```go\nx\ny\n```\nend", 17, []string{"intro", "```go\nx\ny\n```\nend"}},
		{"long code block reopened", "```go\n" + "l1\nl2\nl3\nl4\n```", 16, []string{"```go\nl1\nl2\n```", "```go\nl3\nl4\n```"}},
		{"long word", "abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"astral runes count twice", "😀😀😀", 4, []string{"😀😀", "😀"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Split(tt.text, tt.limit)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Split (-want +got):\n%s", diff)
			}
		})
	}
}

// A reply of 10,000 characters with code blocks splits into parts within
// Discord's 2,000, each with its code fences balanced, losing no line.
func TestSplitLongReply(t *testing.T) {
	var b strings.Builder
	for i := 0; b.Len() < 10000; i++ {
		b.WriteString(strings.Repeat("prose line ", 8) + "\n")
		if i%7 == 0 {
			b.WriteString("\n```go\n" + strings.Repeat("fmt.Println(\"x\")\n", 30) + "```\n\n")
		}
	}
	text := b.String()
	parts := Split(text, 2000)
	if len(parts) < 5 {
		t.Fatalf("%d parts of a %d-unit text", len(parts), Len16(text))
	}
	lines := 0
	for i, p := range parts {
		if n := Len16(p); n > 2000 {
			t.Errorf("part %d: %d units", i, n)
		}
		if c := strings.Count(p, "```"); c%2 != 0 {
			t.Errorf("part %d has %d fences, unbalanced", i, c)
		}
		for _, l := range strings.Split(p, "\n") {
			if strings.HasPrefix(l, "prose") {
				lines++
			}
		}
	}
	if want := strings.Count(text, "\nprose") + 1; lines != want {
		t.Errorf("%d prose lines across the parts, want %d", lines, want)
	}
}
