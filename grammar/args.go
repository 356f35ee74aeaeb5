package grammar

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mattn/go-shellwords"
)

// special marks the ASCII bytes that send arguments to the shellwords path:
// quotes, the escape, and what shellwords treats as shell syntax.
var special = func() (t [utf8.RuneSelf]bool) {
	for _, c := range "'\"\\`();&|<>" {
		t[c] = true
	}
	return t
}()

// metachars are the characters at which shellwords stops parsing.
const metachars = ";&|<>"

// splitArgs appends to dst the arguments in rest, the part of a command's
// line after its head; col is the column of rest's first rune. It rejects
// control characters. Arguments without quotes, escapes or shell syntax
// are split on white space here; the others go through shellwords.
func splitArgs(dst []Arg, rest string, col int) ([]Arg, error) {
	slow := false
	from := -1 // byte offset where the current argument started
	c := col
	for i := 0; i < len(rest); c++ {
		r, size := rune(rest[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(rest[i:])
		}
		switch {
		case r < ' ' && r != '\t' || r >= 0x7f && unicode.IsControl(r):
			return nil, &Error{Col: c, Got: string(r), Msg: fmt.Sprintf("control character U+%04X is not allowed", r)}
		case slow:
			// Only looking for control characters now.
		case r < utf8.RuneSelf && special[r] || isTypographicQuote(r):
			slow = true
		case isSep(r):
			if from >= 0 {
				dst[len(dst)-1].Value = rest[from:i]
				from = -1
			}
		case from < 0:
			from = i
			dst = append(dst, Arg{Pos: Pos{c}})
		}
		i += size
	}
	if slow {
		return shellArgs(dst[:0], rest, col)
	}
	if from >= 0 {
		dst[len(dst)-1].Value = rest[from:]
	}
	return dst, nil
}

// isSep reports whether r separates arguments outside quotes: an ASCII
// space or tab, or a Unicode space such as U+00A0 (see the package
// documentation). Newlines never reach here: they end the command.
func isSep(r rune) bool {
	return r == ' ' || r == '\t' || r >= utf8.RuneSelf && unicode.IsSpace(r)
}

// isTypographicQuote reports whether r is one of ‘ ’ “ ”.
func isTypographicQuote(r rune) bool {
	return r == '‘' || r == '’' || r == '“' || r == '”'
}

// normalize maps, rune for rune, the typographic quotes to ASCII ones and
// Unicode spaces to an ASCII space, so that shellwords sees them as quotes
// and separators. Rune columns are unchanged.
func normalize(r rune) rune {
	switch r {
	case '‘', '’':
		return '\''
	case '“', '”':
		return '"'
	}
	if r >= utf8.RuneSelf && unicode.IsSpace(r) {
		return ' '
	}
	return r
}

// shellArgs appends to dst the arguments in rest as go-shellwords splits
// them, with the columns found by scanArgs; col is the column of rest's
// first rune.
func shellArgs(dst []Arg, rest string, col int) ([]Arg, error) {
	line := strings.Map(normalize, rest)
	// Every field is set explicitly: NewParser copies package globals that
	// any importer may change, and backticks would run a shell.
	p := shellwords.NewParser()
	p.ParseBacktick = false
	p.ParseEnv = false
	p.ParseComment = false
	p.Getenv = func(string) string { return "" }
	p.Position = 0
	values, err := p.Parse(line)

	spans, cut, issue := scanArgs(line)
	end := col + utf8.RuneCountInString(line)
	switch {
	case err != nil && issue != nil:
		return nil, issue.error(col, end)
	case err != nil:
		return nil, mismatch(col)
	case p.Position != -1:
		// shellwords stopped at a metacharacter (or at the digits of a
		// redirection such as "2>"): reject, never truncate.
		i := p.Position
		runes := []rune(line)
		for i < len(runes) && !strings.ContainsRune(metachars, runes[i]) {
			i++
		}
		if i == len(runes) || cut != i {
			return nil, mismatch(col)
		}
		m := string(runes[i])
		return nil, &Error{Col: col + i, Got: m, Msg: fmt.Sprintf("unquoted %q is not allowed; quote it if it is part of an argument", m)}
	case issue != nil || cut >= 0 || len(spans) != len(values):
		return nil, mismatch(col)
	}
	for i, v := range values {
		dst = append(dst, Arg{Value: v, Pos: Pos{col + spans[i]}})
	}
	return dst, nil
}

// mismatch is the error for arguments that shellwords and scanArgs read
// differently. It cannot happen (the fuzz target checks it); the error
// keeps a bug in either from giving an argument a wrong column.
func mismatch(col int) error {
	return &Error{Col: col, Msg: mismatchMsg}
}

// mismatchMsg is the message of a mismatch error.
const mismatchMsg = "could not read the arguments; simplify the quoting"

// issueKind is what scanArgs found wrong with a line.
type issueKind int

const (
	unclosedSingle issueKind = iota + 1
	unclosedDouble
	unclosedBacktick
	unclosedDollar
	trailingEscape
	bareParen
)

// issue is a line that shellwords rejects, with rune offsets into it.
type issue struct {
	kind issueKind
	at   int  // the offending rune: the quote, "$(", "\" or paren
	r    rune // the paren, for bareParen
}

// error returns the *Error for the issue; col is the column of the line's
// first rune and end the column just past its last.
func (is *issue) error(col, end int) error {
	opened := col + is.at
	switch is.kind {
	case unclosedSingle:
		return &Error{Col: end, Expected: fmt.Sprintf("a closing ' for the quote at column %d", opened)}
	case unclosedDouble:
		return &Error{Col: end, Expected: fmt.Sprintf(`a closing " for the quote at column %d`, opened)}
	case unclosedBacktick:
		return &Error{Col: end, Expected: fmt.Sprintf("a closing ` for the one at column %d", opened)}
	case unclosedDollar:
		return &Error{Col: end, Expected: fmt.Sprintf(`")" to close the "$(" at column %d`, opened)}
	case trailingEscape:
		return &Error{Col: end, Expected: `a character after "\"`}
	default: // bareParen
		p := string(is.r)
		return &Error{Col: opened, Got: p, Msg: fmt.Sprintf("unquoted %q is not allowed; quote it if it is part of an argument", p)}
	}
}

// scanArgs follows go-shellwords' reading of line (v1.0.16, with
// backticks, environment and comments off) to find what it does not
// report: where each argument starts, where it stopped at a metacharacter
// (cut, -1 if it did not), and why it failed. Offsets are in runes. An
// argument's offset is that of its first character, or of the one after
// an opening quote or escaping backslash.
func scanArgs(line string) (starts []int, cut int, is *issue) {
	var (
		escaped, single, double, backtick, dollar bool
		afterDollar, inArg                        bool
		escAt, singleAt, doubleAt, backAt, dolAt  int
	)
	begin := func(i int, r rune) {
		if !inArg {
			inArg = true
			if r == '\'' || r == '"' || r == '\\' {
				i++
			}
			starts = append(starts, i)
		}
	}
	i := -1
	for _, r := range line {
		i++
		prevDollar := afterDollar
		afterDollar = false
		if escaped {
			escaped = false
			continue
		}
		if r == '\\' {
			begin(i, r)
			if !single {
				escaped, escAt = true, i
			}
			continue
		}
		if r == ' ' || r == '\t' {
			if !single && !double && !backtick && !dollar {
				inArg = false
			}
			continue
		}
		switch r {
		case '`':
			if !single && !double && !dollar {
				backtick, backAt = !backtick, i
			}
		case ')':
			if !single && !double && !backtick {
				if !dollar {
					return starts, -1, &issue{kind: bareParen, at: i, r: r}
				}
				dollar = false
				begin(i, r)
				continue
			}
		case '(':
			if !single && !double && !backtick {
				if dollar || !prevDollar {
					return starts, -1, &issue{kind: bareParen, at: i, r: r}
				}
				dollar, dolAt = true, i-1
				begin(i, r)
				continue
			}
		case '"':
			if !single && !dollar && !backtick {
				begin(i, r)
				double, doubleAt = !double, i
				continue
			}
		case '\'':
			if !double && !dollar && !backtick {
				begin(i, r)
				single, singleAt = !single, i
				continue
			}
		case ';', '&', '|', '<', '>':
			if !single && !double && !backtick && !dollar {
				return starts, i, nil
			}
		}
		begin(i, r)
		afterDollar = r == '$' && !single && !double && !backtick && !dollar
	}
	switch {
	case escaped:
		return starts, -1, &issue{kind: trailingEscape, at: escAt}
	case single:
		return starts, -1, &issue{kind: unclosedSingle, at: singleAt}
	case double:
		return starts, -1, &issue{kind: unclosedDouble, at: doubleAt}
	case backtick:
		return starts, -1, &issue{kind: unclosedBacktick, at: backAt}
	case dollar:
		return starts, -1, &issue{kind: unclosedDollar, at: dolAt}
	}
	return starts, -1, nil
}
