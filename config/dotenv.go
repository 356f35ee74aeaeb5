package config

import (
	"strings"
)

// dotenvEntry is one variable of a .env file.
type dotenvEntry struct {
	key, value string
	line       int
	// end is the entry's last line: past line when a quoted value spans
	// lines.
	end int
}

// dotenvProblem is a line of a .env file that was skipped.
type dotenvProblem struct {
	line int
	msg  string
}

// parseDotenv parses the content of a .env file:
//
//	# a comment
//	KEY=value
//	export KEY=value           # "export " is optional
//	KEY = value # comment      # spaces around '=' are allowed; " #" starts a comment
//	KEY="a\nb"                 # double quotes: \n \r \t \" \\ are escapes
//	KEY='a\nb'                 # single quotes: taken literally
//	KEY="line one
//	line two"                  # quoted values may span lines
//
// Keys are letters, digits and '_', not starting with a digit. A malformed
// line is skipped and reported; its content is never quoted, as it may hold
// a secret. When a key appears twice the later line wins, as when a shell
// sources the file.
func parseDotenv(data string) ([]dotenvEntry, []dotenvProblem) {
	var entries []dotenvEntry
	var problems []dotenvProblem
	lines := strings.Split(data, "\n")
	for i := 0; i < len(lines); i++ {
		lineNo := i + 1
		s := strings.TrimLeft(strings.TrimSuffix(lines[i], "\r"), " \t")
		if s == "" || s[0] == '#' {
			continue
		}
		if rest, ok := strings.CutPrefix(s, "export"); ok && rest != "" && (rest[0] == ' ' || rest[0] == '\t') {
			s = strings.TrimLeft(rest, " \t")
		}
		eq := strings.IndexByte(s, '=')
		if eq <= 0 || !validEnvName(strings.TrimRight(s[:eq], " \t")) {
			problems = append(problems, dotenvProblem{lineNo, "not a KEY=value line; skipped"})
			continue
		}
		key := strings.TrimRight(s[:eq], " \t")
		raw := s[eq+1:]
		val := strings.TrimLeft(raw, " \t")
		if val == "" || (val[0] != '"' && val[0] != '\'') {
			entries = append(entries, dotenvEntry{key, unquotedValue(raw), lineNo, lineNo})
			continue
		}
		v, consumed, msg := quotedValue(val, lines[i+1:])
		if msg != "" {
			problems = append(problems, dotenvProblem{lineNo, msg})
			continue
		}
		entries = append(entries, dotenvEntry{key, v, lineNo, lineNo + consumed})
		i += consumed
	}
	return entries, problems
}

// unquotedValue returns an unquoted value without its inline comment (a
// '#' after a space or tab) and surrounding spaces.
func unquotedValue(raw string) string {
	for j := 1; j < len(raw); j++ {
		if raw[j] == '#' && (raw[j-1] == ' ' || raw[j-1] == '\t') {
			raw = raw[:j]
			break
		}
	}
	return strings.TrimSpace(raw)
}

// quotedValue decodes a value that starts with a quote, reading further
// lines from more while the quote is open. It returns the value, how many
// lines of more it used, and a problem message when the value is malformed.
func quotedValue(val string, more []string) (string, int, string) {
	q := val[0]
	text := strings.TrimSuffix(val[1:], "\r")
	consumed := 0
	for {
		end := closingQuote(text, q)
		if end >= 0 {
			tail := strings.TrimSpace(text[end+1:])
			if tail != "" && tail[0] != '#' {
				return "", 0, "unexpected text after the closing quote; skipped"
			}
			body := text[:end]
			if q == '"' {
				body = unescapeDouble(body)
			}
			return body, consumed, ""
		}
		if consumed == len(more) {
			return "", 0, "unterminated quoted value; skipped"
		}
		text += "\n" + strings.TrimSuffix(more[consumed], "\r")
		consumed++
	}
}

// closingQuote returns the index of the quote q that closes text, or -1.
// Inside double quotes a backslash escapes the next character.
func closingQuote(text string, q byte) int {
	for j := 0; j < len(text); j++ {
		switch {
		case q == '"' && text[j] == '\\':
			j++
		case text[j] == q:
			return j
		}
	}
	return -1
}

// unescapeDouble expands the escapes of a double-quoted value: \n \r \t \"
// and \\; any other backslash is kept as is.
func unescapeDouble(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for j := 0; j < len(s); j++ {
		if s[j] != '\\' || j+1 == len(s) {
			b.WriteByte(s[j])
			continue
		}
		j++
		switch s[j] {
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case '"', '\\':
			b.WriteByte(s[j])
		default:
			b.WriteByte('\\')
			b.WriteByte(s[j])
		}
	}
	return b.String()
}
