package console

import "unicode/utf8"

// scan states of a streamSanitizer: where in an escape sequence the text
// fed so far ends.
const (
	stGround = iota // between sequences
	stEsc           // after ESC
	stCSI           // in a control sequence's parameters (after ESC [ or C1 CSI)
	stNF            // in an nF escape's intermediates (ESC 0x20–0x2f …)
	stStr           // in a command string (OSC, DCS, SOS, PM, APC)
	stStrEsc        // in a command string, after ESC
	stStrC2         // in a command string, after 0xc2 (perhaps the first byte of the C1 ST)
)

// streamSanitizer is Sanitize for text that arrives in parts: the
// concatenation of what Write returns for each part, followed by what
// Flush returns, is exactly Sanitize of the concatenated parts, however
// the text is split (an escape sequence or a UTF-8 character may be cut
// anywhere). It holds back only what the next part could still change:
// at most three bytes of an unfinished character; an unfinished escape
// sequence is remembered as a state, not kept.
//
// The zero value is ready to use; it is not safe for concurrent use.
type streamSanitizer struct {
	state int
	tail  [utf8.UTFMax]byte // an unfinished UTF-8 character, in stGround
	ntail int
}

// Write appends the sanitized form of p, as far as it is decided, to dst.
func (z *streamSanitizer) Write(dst []byte, p string) []byte {
	for z.ntail > 0 && len(p) > 0 {
		// Complete the held character one byte at a time: once the bytes
		// form a whole character, or can no longer become one, they are
		// decided.
		z.tail[z.ntail] = p[0]
		z.ntail++
		p = p[1:]
		if utf8.FullRune(z.tail[:z.ntail]) {
			held := string(z.tail[:z.ntail])
			z.ntail = 0
			dst = z.scan(dst, held, false)
			// scan may hold the held bytes' end again (an invalid first
			// byte is decided alone and the rest rescanned).
		}
	}
	return z.scan(dst, p, false)
}

// Flush appends what is still held, decided as the end of the text (an
// unfinished character becomes U+FFFD per byte, an unfinished escape
// sequence is dropped), to dst, and resets z.
func (z *streamSanitizer) Flush(dst []byte) []byte {
	if z.ntail > 0 {
		held := string(z.tail[:z.ntail])
		z.ntail = 0
		dst = z.scan(dst, held, true)
	}
	*z = streamSanitizer{}
	return dst
}

// scan runs the state machine over p. Unless final, an unfinished
// character at p's end is held in z.tail (p's end is then the only place
// one can be).
func (z *streamSanitizer) scan(dst []byte, p string, final bool) []byte {
	i := 0
	for i < len(p) {
		c := p[i]
		switch z.state {
		case stGround:
			if c < utf8.RuneSelf {
				// ASCII: the common case, one byte at a time.
				switch {
				case c == 0x1b:
					z.state = stEsc
				case c == '\n' || c == '\t' || c >= 0x20 && c != 0x7f:
					dst = append(dst, c)
				}
				i++
				continue
			}
			if !final && !utf8.FullRuneInString(p[i:]) {
				z.ntail = copy(z.tail[:], p[i:])
				return dst
			}
			r, n := utf8.DecodeRuneInString(p[i:])
			switch {
			case r == utf8.RuneError && n <= 1:
				dst = utf8.AppendRune(dst, utf8.RuneError)
				n = 1
			case r == '\u009b':
				z.state = stCSI
			case r == '\u0090' || r == '\u009d' || r == '\u0098' || r == '\u009e' || r == '\u009f':
				z.state = stStr
			case r >= 0x80 && r <= 0x9f: // other C1 controls
			default:
				dst = append(dst, p[i:i+n]...)
			}
			i += n
		case stEsc:
			switch {
			case c == '[':
				z.state = stCSI
			case c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_':
				z.state = stStr
			case c >= 0x20 && c <= 0x2f:
				z.state = stNF
			case c >= 0x30 && c <= 0x7e:
				z.state = stGround
			default:
				// A lone ESC: the byte is handled on its own.
				z.state = stGround
				continue
			}
			i++
		case stCSI:
			switch {
			case c >= 0x20 && c <= 0x3f:
			case c >= 0x40 && c <= 0x7e:
				z.state = stGround
			default:
				z.state = stGround // cut short: the byte is handled on its own
				continue
			}
			i++
		case stNF:
			switch {
			case c >= 0x20 && c <= 0x2f:
			case c >= 0x30 && c <= 0x7e:
				z.state = stGround
			default:
				z.state = stGround
				continue
			}
			i++
		case stStr:
			switch c {
			case '\a':
				z.state = stGround
			case 0x1b:
				z.state = stStrEsc
			case 0xc2:
				z.state = stStrC2
			}
			i++
		case stStrEsc:
			if c == '\\' {
				z.state = stGround
				i++
				continue
			}
			// Another sequence starts: the string was cut short, and
			// this ESC begins the next one.
			z.state = stEsc
		case stStrC2:
			if c == 0x9c {
				z.state = stGround
				i++
				continue
			}
			z.state = stStr // the byte is looked at as part of the string
		}
	}
	return dst
}
