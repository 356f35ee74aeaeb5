package telegram

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/botgateway/bot/internal/fakes"
)

// FuzzRender: whatever a model writes, each part of a reply is within
// Telegram's 4,096 characters and its HTML is markup Telegram accepts (the
// fake parses it as Telegram does), so a reply never needs the plain-text
// fallback because of our own conversion.
func FuzzRender(f *testing.F) {
	for _, s := range []string{
		"**bold** and _it_ and `code` and [link](https://example.com)",
		"```go\nfunc main() {}\n```\n\ntext <b> & </b>",
		"* a\n* b\n\n1. one\n2. two",
		"__a__ ~~s~~ ***x*** `a<b>` [x](javascript:alert(1))",
		strings.Repeat("para ", 1000) + "\n\n```\n" + strings.Repeat("x\n", 3000) + "```",
		"```\nunclosed",
		"*unbalanced **mark_",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, md string) {
		if !utf8.ValidString(md) {
			return
		}
		for _, part := range split(md, maxText) {
			html := toHTML(part)
			text, _, err := fakes.ParseTelegramHTML(html)
			if err != nil {
				t.Fatalf("toHTML(%q) = %q, which Telegram refuses: %v", part, html, err)
			}
			if n := fakes.UTF16Len(text); n > maxText {
				t.Fatalf("a part of %d UTF-16 units, over %d", n, maxText)
			}
		}
	})
}
