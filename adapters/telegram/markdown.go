package telegram

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// toHTML converts the Markdown a model writes to Telegram's HTML subset:
// **bold** and __bold__, *italic* and _italic_, ~~strike~~, `code`, fenced
// code blocks (with their language), [links](https://…), headings as bold
// lines, and list items as "• " lines. Everything else is text, with &, <
// and > escaped. A marker without its closing one on the same line stays
// as it is, so the output is always well-formed, also for a reply cut
// midway (a stream); an unclosed code block is closed.
func toHTML(md string) string {
	var b strings.Builder
	b.Grow(len(md) + len(md)/8)
	lines := strings.Split(md, "\n")
	inCode, first := false, false
	for i, line := range lines {
		if inCode {
			if isFenceClose(line) {
				b.WriteString("</code></pre>")
				inCode = false
				continue
			}
			if !first {
				b.WriteByte('\n')
			}
			first = false
			escape(&b, line)
			continue
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		if lang, ok := fenceOpen(line); ok {
			inCode, first = true, true
			if lang != "" {
				b.WriteString(`<pre><code class="language-`)
				escape(&b, lang)
				b.WriteString(`">`)
			} else {
				b.WriteString("<pre><code>")
			}
			continue
		}
		blockLine(&b, line)
	}
	if inCode {
		b.WriteString("</code></pre>")
	}
	return b.String()
}

// blockLine writes one line outside code blocks.
func blockLine(b *strings.Builder, line string) {
	trimmed := strings.TrimLeft(line, " ")
	indent := line[:len(line)-len(trimmed)]
	if h := strings.TrimLeft(trimmed, "#"); len(h) < len(trimmed) && len(trimmed)-len(h) <= 6 && strings.HasPrefix(h, " ") {
		b.WriteString("<b>")
		inline(b, strings.TrimSpace(h))
		b.WriteString("</b>")
		return
	}
	for _, bullet := range []string{"- ", "* ", "+ "} {
		if item, ok := strings.CutPrefix(trimmed, bullet); ok {
			b.WriteString(indent)
			b.WriteString("• ")
			inline(b, item)
			return
		}
	}
	inline(b, line)
}

// inline writes s with its inline Markdown as HTML.
func inline(b *strings.Builder, s string) {
	for i := 0; i < len(s); {
		c := s[i]
		switch c {
		case '`':
			if j := strings.IndexByte(s[i+1:], '`'); j > 0 {
				b.WriteString("<code>")
				escape(b, s[i+1:i+1+j])
				b.WriteString("</code>")
				i += j + 2
				continue
			}
		case '*', '_', '~':
			if n, ok := emphasis(b, s, i); ok {
				i = n
				continue
			}
		case '[':
			if n, ok := link(b, s, i); ok {
				i = n
				continue
			}
		}
		escapeByte(b, c)
		i++
	}
}

// emphasis writes the emphasis opening at s[i] when it is closed on the
// line, and returns where the text after it starts.
func emphasis(b *strings.Builder, s string, i int) (int, bool) {
	c := s[i]
	double := i+1 < len(s) && s[i+1] == c
	if c == '~' && !double {
		return 0, false
	}
	marker := s[i : i+1]
	if double {
		marker = s[i : i+2]
	}
	open := i + len(marker)
	if open >= len(s) || s[open] == ' ' || s[open] == c {
		return 0, false
	}
	if c == '_' && i > 0 && isWordByte(s, i-1) {
		return 0, false // snake_case
	}
	for j := open + 1; j+len(marker) <= len(s); j++ {
		if s[j:j+len(marker)] != marker || s[j-1] == ' ' {
			continue
		}
		if double {
			// In a run of markers ("***"), the closing pair is the last.
			for j+len(marker) < len(s) && s[j+len(marker)] == c {
				j++
			}
		}
		if !double && j+1 < len(s) && s[j+1] == c {
			continue // part of a double marker
		}
		if c == '_' && j+len(marker) < len(s) && isWordByte(s, j+len(marker)) {
			continue
		}
		tag := "i"
		switch {
		case c == '~':
			tag = "s"
		case double:
			tag = "b"
		}
		b.WriteString("<" + tag + ">")
		inline(b, s[open:j])
		b.WriteString("</" + tag + ">")
		return j + len(marker), true
	}
	return 0, false
}

// isWordByte reports whether the rune at or ending at s[i] is a letter or
// digit.
func isWordByte(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	if r == utf8.RuneError {
		r, _ = utf8.DecodeLastRuneInString(s[:i+1])
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// link writes the [text](url) starting at s[i], for web, mail and tg
// URLs, and returns where the text after it starts.
func link(b *strings.Builder, s string, i int) (int, bool) {
	close := strings.Index(s[i:], "](")
	if close <= 1 {
		return 0, false
	}
	text := s[i+1 : i+close]
	rest := s[i+close+2:]
	end := strings.IndexByte(rest, ')')
	if end <= 0 {
		return 0, false
	}
	u := rest[:end]
	if strings.ContainsAny(u, " \"<>") || !(strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") ||
		strings.HasPrefix(u, "mailto:") || strings.HasPrefix(u, "tg://")) {
		return 0, false
	}
	b.WriteString(`<a href="`)
	escape(b, u)
	b.WriteString(`">`)
	inline(b, text)
	b.WriteString("</a>")
	return i + close + 2 + end + 1, true
}

// escape writes s with Telegram HTML's special characters escaped.
func escape(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		escapeByte(b, s[i])
	}
}

func escapeByte(b *strings.Builder, c byte) {
	switch c {
	case '&':
		b.WriteString("&amp;")
	case '<':
		b.WriteString("&lt;")
	case '>':
		b.WriteString("&gt;")
	case '"':
		b.WriteString("&quot;")
	default:
		b.WriteByte(c)
	}
}
