// Package textsplit cuts a reply into the parts a chat platform takes: at
// paragraph, else line boundaries, never inside a code block. It is the one
// home of that rule for the adapters (Telegram: 4096 UTF-16 units; Discord:
// 2,000 characters, counted here in UTF-16 units, which is never fewer).
package textsplit

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Len16 is the length of s in UTF-16 code units, as Telegram counts.
func Len16(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// Split cuts Markdown text into parts of at most limit UTF-16 units each,
// at paragraph boundaries where it can, else at line boundaries, never
// inside a code block: a block longer than a part is closed at a line
// boundary and reopened, with its language, in the next part. A single
// line longer than a part is cut at a space, or anywhere. Rendering a part
// as HTML only removes characters, so each rendered part fits too.
func Split(text string, limit int) []string {
	if Len16(text) <= limit {
		return []string{text}
	}
	var out []string
	var cur []string // the lines (or whole code blocks) of the part being filled
	n := 0           // len16 of strings.Join(cur, "\n")
	emit := func(lines []string) {
		if s := strings.Trim(strings.Join(lines, "\n"), "\n"); strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	for _, p := range pieces(text, limit) {
		add := Len16(p)
		if len(cur) > 0 {
			add++
		}
		if n+add <= limit {
			cur = append(cur, p)
			n += add
			continue
		}
		// Full: cut at the last paragraph boundary, else here.
		k := -1
		for i := len(cur) - 1; i > 0; i-- {
			if strings.TrimSpace(cur[i]) == "" {
				k = i
				break
			}
		}
		if k > 0 {
			emit(cur[:k])
			cur = append([]string(nil), cur[k+1:]...)
		} else {
			emit(cur)
			cur = nil
		}
		n = Len16(strings.Join(cur, "\n"))
		if len(cur) > 0 && n+1+Len16(p) > limit {
			emit(cur)
			cur, n = nil, 0
		}
		if len(cur) > 0 {
			n++
		}
		cur = append(cur, p)
		n += Len16(p)
	}
	emit(cur)
	return out
}

// pieces cuts text into the units split packs: lines outside code blocks
// and whole code blocks, each at most limit long (longer ones cut).
func pieces(text string, limit int) []string {
	lines := strings.Split(text, "\n")
	var out []string
	for i := 0; i < len(lines); i++ {
		lang, ok := FenceOpen(lines[i])
		if !ok {
			out = append(out, hardSplit(lines[i], limit)...)
			continue
		}
		j := i + 1
		for j < len(lines) && !IsFenceClose(lines[j]) {
			j++
		}
		open := lines[i]
		body := lines[i+1 : min(j, len(lines))]
		closed := j < len(lines)
		i = j
		block := open + "\n" + strings.Join(body, "\n")
		if closed {
			block += "\n```"
		}
		if len(body) == 0 || Len16(block) <= limit {
			out = append(out, block)
			continue
		}
		// Too long: cut into blocks of whole lines, each fenced.
		const closing = "\n```"
		open = "```" + lang
		room := limit - Len16(open) - Len16(closing) - 1
		cur, n := []string(nil), 0
		flush := func() {
			if len(cur) > 0 {
				out = append(out, open+"\n"+strings.Join(cur, "\n")+closing)
				cur, n = nil, 0
			}
		}
		for _, l := range body {
			for _, part := range hardSplit(l, room) {
				add := Len16(part)
				if len(cur) > 0 {
					add++
				}
				if n+add > room {
					flush()
					add = Len16(part)
				}
				cur = append(cur, part)
				n += add
			}
		}
		flush()
	}
	return out
}

// hardSplit cuts a line longer than limit at spaces where it can, else
// at rune boundaries.
func hardSplit(line string, limit int) []string {
	if limit < 1 || Len16(line) <= limit {
		return []string{line}
	}
	var out []string
	for Len16(line) > limit {
		cut, units, lastSpace := 0, 0, -1
		for i, r := range line {
			u := utf16.RuneLen(r)
			if units+u > limit {
				break
			}
			units += u
			cut = i + utf8.RuneLen(r)
			if r == ' ' && units > limit/2 {
				lastSpace = i
			}
		}
		if cut == 0 { // cannot happen with limit ≥ 2; stay safe
			_, size := utf8.DecodeRuneInString(line)
			cut = size
		}
		if lastSpace > 0 {
			out = append(out, line[:lastSpace])
			line = line[lastSpace+1:]
			continue
		}
		out = append(out, line[:cut])
		line = line[cut:]
	}
	return append(out, line)
}

// FenceOpen reports whether line opens a code block, and its language.
func FenceOpen(line string) (lang string, ok bool) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(line), "```")
	if !ok {
		return "", false
	}
	lang, _, _ = strings.Cut(strings.TrimSpace(rest), " ")
	return strings.Trim(lang, "`"), true
}

// IsFenceClose reports whether line closes a code block.
func IsFenceClose(line string) bool { return strings.TrimSpace(line) == "```" }
