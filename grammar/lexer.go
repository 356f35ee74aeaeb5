package grammar

import (
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2/lexer"
)

// The token types of both lexers. Each lexer names the ones it produces in
// its symbol table; a parser built with it knows no others.
const (
	tokSlash lexer.TokenType = lexer.EOF - 1 - iota
	tokAt
	tokIdent
	tokSpace
	tokWord
	tokProfile
	tokOther
)

// headLexer splits the head of a command ("/model@MyBot") into tokens:
//
//	Slash = "/" .  At = "@" .
//	Ident = ( "A"…"Z" | "a"…"z" | "0"…"9" | "_" ) { … } .
//	Other = any other single character .
//
// The head never holds white space (it ends at the first one), so nothing
// is elided: white space is significant in a command ("/model @x" names a
// profile, "/model@x" a bot). Any other character is one Other token, so
// the parser, not the lexer, reports it with what it expected there.
var headLexer = &charLexer{
	symbols: map[string]lexer.TokenType{
		"EOF": lexer.EOF, "Slash": tokSlash, "At": tokAt, "Ident": tokIdent, "Other": tokOther,
	},
	split: splitHead,
}

// splitHead returns the type and byte length of the token s starts with
// (s is not empty), following headLexer's rules. It has one state.
func splitHead(s string, _ bool) (lexer.TokenType, int, bool) {
	switch c := s[0]; {
	case c == '/':
		return tokSlash, 1, false
	case c == '@':
		return tokAt, 1, false
	case isIdentByte(c):
		n := 1
		for n < len(s) && isIdentByte(s[n]) {
			n++
		}
		return tokIdent, n, false
	}
	_, n := utf8.DecodeRuneInString(s)
	return tokOther, n, false
}

// isIdentByte reports whether c may be part of a command or bot name.
func isIdentByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_'
}

// refLexer splits a model reference ("openrouter/moonshotai/kimi-k2@work")
// into words and separators. Like a participle stateful lexer it has two
// states. Up to the first "@":
//
//	At    = "@" .
//	Slash = "/" .
//	Space = white space { white space } .
//	Word  = character { character } .  (not "@", "/", white space or a control character)
//	Other = any other single character .  (a control character that is not white space)
//
// After the first "@", where "@" and "/" are part of the profile id:
//
//	Space   = white space { white space } .
//	Profile = character { character } .  (not white space or a control character)
//	Other   = any other single character .
//
// White space is "\t", "\n", "\f", "\r", " " and the Unicode separators
// (category Z, such as U+00A0): the regexp class [\s\p{Z}]. "\v" and U+0085
// are control characters. Spaces are a token of their own, not elided,
// because a reference with a space inside is an error the user must hear
// about with its column.
var refLexer = &charLexer{
	symbols: map[string]lexer.TokenType{
		"EOF": lexer.EOF, "At": tokAt, "Slash": tokSlash, "Space": tokSpace,
		"Word": tokWord, "Profile": tokProfile, "Other": tokOther,
	},
	split: splitRef,
}

// splitRef returns the type and byte length of the token s starts with (s
// is not empty) following refLexer's rules, and the state after it: false
// before the first "@", true after it.
func splitRef(s string, profile bool) (lexer.TokenType, int, bool) {
	if !profile {
		switch s[0] {
		case '@':
			return tokAt, 1, true
		case '/':
			return tokSlash, 1, false
		}
	}
	r, n := decodeRune(s)
	switch {
	case isRefSpace(r):
		for n < len(s) {
			r, size := decodeRune(s[n:])
			if !isRefSpace(r) {
				break
			}
			n += size
		}
		return tokSpace, n, profile
	case isControl(r):
		return tokOther, n, profile
	}
	for n < len(s) {
		r, size := decodeRune(s[n:])
		if !profile && (r == '@' || r == '/') || isRefSpace(r) || isControl(r) {
			break
		}
		n += size
	}
	if profile {
		return tokProfile, n, profile
	}
	return tokWord, n, profile
}

// decodeRune is utf8.DecodeRuneInString with a fast path for ASCII.
func decodeRune(s string) (rune, int) {
	if c := s[0]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(s)
}

// isRefSpace reports whether r is white space for refLexer: regexp's \s
// or a Unicode separator (\p{Z}).
func isRefSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\f', '\r', ' ':
		return true
	}
	return r >= utf8.RuneSelf && unicode.Is(unicode.Z, r)
}

// isControl reports whether r is a control character (\p{Cc}).
func isControl(r rune) bool {
	return r < ' ' || 0x7f <= r && r <= 0x9f
}

// charLexer is a participle lexer.Definition that splits its input with a
// hand-written function instead of regular expressions, and lexes strings
// without copying them (lexer.StringDefinition).
type charLexer struct {
	symbols map[string]lexer.TokenType
	// split returns the type and byte length, at least 1, of the token a
	// non-empty string starts with in the given state, and the state
	// after it. The first token is lexed in state false.
	split func(s string, state bool) (typ lexer.TokenType, n int, next bool)
}

var (
	_ lexer.Definition       = (*charLexer)(nil)
	_ lexer.StringDefinition = (*charLexer)(nil)
)

// Symbols returns the token types by name. The map is shared: callers
// must not change it.
func (d *charLexer) Symbols() map[string]lexer.TokenType { return d.symbols }

// Lex reads r to its end and lexes it.
func (d *charLexer) Lex(filename string, r io.Reader) (lexer.Lexer, error) {
	var b strings.Builder
	if _, err := io.Copy(&b, r); err != nil {
		return nil, err
	}
	return d.LexString(filename, b.String())
}

// LexString lexes s.
func (d *charLexer) LexString(filename, s string) (lexer.Lexer, error) {
	return &charTokens{split: d.split, data: s, pos: lexer.Position{Filename: filename, Line: 1, Column: 1}}, nil
}

// charTokens is the lexer.Lexer of one input of a charLexer.
type charTokens struct {
	split func(string, bool) (lexer.TokenType, int, bool)
	state bool
	data  string // what is left to lex
	pos   lexer.Position
}

// Next returns the next token, or EOF at the end of the input. It never
// fails.
func (l *charTokens) Next() (lexer.Token, error) {
	if l.data == "" {
		return lexer.EOFToken(l.pos), nil
	}
	typ, n, state := l.split(l.data, l.state)
	t := lexer.Token{Type: typ, Value: l.data[:n], Pos: l.pos}
	l.state, l.data = state, l.data[n:]
	l.pos.Advance(t.Value)
	return t, nil
}
