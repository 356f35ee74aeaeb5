package console

import (
	"strings"
	"unicode/utf8"
)

// Sanitize returns text made safe to write to a terminal: escape sequences
// (CSI such as colours and cursor moves; OSC such as 52, which sets the
// clipboard, and 0, which sets the window title; DCS, SOS, PM and APC
// strings), in their 7-bit (ESC) and 8-bit (C1) forms, are removed whole;
// every other control character (C0, DEL, C1, NUL and BEL included) is
// removed, except newline and tab; bytes that are not UTF-8 become U+FFFD.
// A carriage return goes too, so a line can not be overwritten in place.
//
// Text from a model or a platform goes through it before it reaches the
// console. It never fails and the result is always valid UTF-8.
func Sanitize(s string) string {
	if clean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			b.WriteRune(utf8.RuneError)
			i += max(n, 1)
		case r == '\x1b':
			i = skipEscape(s, i+n)
		case r == '\u009b': // CSI
			i = skipCSI(s, i+n)
		case r == '\u0090' || r == '\u009d' || r == '\u0098' || r == '\u009e' || r == '\u009f': // DCS, OSC, SOS, PM, APC
			i = skipString(s, i+n)
		case r == '\n' || r == '\t':
			b.WriteRune(r)
			i += n
		case r < 0x20 || r >= 0x7f && r <= 0x9f:
			i += n
		default:
			b.WriteString(s[i : i+n])
			i += n
		}
	}
	return b.String()
}

// clean reports whether s is valid UTF-8 without a control character other
// than newline and tab: the common case, returned as is.
func clean(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 && c != '\n' && c != '\t' || c == 0x7f || c == 0xc2 && i+1 < len(s) && s[i+1] <= 0x9f {
			return false
		}
	}
	return utf8.ValidString(s)
}

// skipEscape skips what follows an ESC at s[i:] and returns the index after
// the sequence.
func skipEscape(s string, i int) int {
	if i >= len(s) {
		return i
	}
	switch c := s[i]; {
	case c == '[':
		return skipCSI(s, i+1)
	case c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_':
		return skipString(s, i+1)
	case c >= 0x20 && c <= 0x2f: // nF: intermediates, then one final byte
		for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f {
			i++
		}
		if i < len(s) && s[i] >= 0x30 && s[i] <= 0x7e {
			i++
		}
		return i
	case c >= 0x30 && c <= 0x7e: // Fp, Fe, Fs: one byte (ESC 7, ESC c, …)
		return i + 1
	}
	return i // a lone ESC: the next character is handled on its own
}

// skipCSI skips a control sequence's parameter and intermediate bytes and
// its final byte.
func skipCSI(s string, i int) int {
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x3f {
		i++
	}
	if i < len(s) && s[i] >= 0x40 && s[i] <= 0x7e {
		i++
	}
	return i
}

// skipString skips a command string (OSC, DCS, SOS, PM, APC) up to and
// including its terminator: BEL, ESC \ or the C1 string terminator; an
// unterminated string runs to the end of s.
func skipString(s string, i int) int {
	for i < len(s) {
		switch {
		case s[i] == '\a':
			return i + 1
		case s[i] == '\x1b':
			if i+1 < len(s) && s[i+1] == '\\' {
				return i + 2
			}
			return i // another sequence starts: the string was cut short
		case strings.HasPrefix(s[i:], "\u009c"):
			return i + len("\u009c")
		}
		i++
	}
	return i
}
