package grammar

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2"
)

// MaxBytes is the longest command text Parse accepts, in bytes.
const MaxBytes = 4096

// maxPart is the longest command head ("/name@BotName:") and model
// reference accepted, in bytes. Telegram allows 32 characters for a
// command and for a bot name; the cap keeps participle's work per message
// small whatever the input.
const maxPart = 256

// ErrOtherBot is returned by Parse for a command addressed to another bot
// ("/model@OtherBot"). Callers ignore such a message silently: it is not
// theirs to answer.
var ErrOtherBot = errors.New("grammar: the command is for another bot")

// Error is a command that could not be read, with the column where it
// went wrong. Its text is meant for the user who typed the command.
type Error struct {
	// Col is the 1-based column, in runes from the start of the text
	// given to Parse, where the problem is: at most one past the last
	// rune of the text.
	Col int
	// Expected says what the grammar wanted at Col, as a phrase:
	// `a command name after "/"`.
	Expected string
	// Got is the text found at Col (one character or token), or "" at the
	// end of the command.
	Got string
	// Msg, when set, is the whole description of the problem and replaces
	// the "expected …, got …" sentence (for example for a rejected shell
	// metacharacter, where nothing else was expected).
	Msg string
}

// Error formats the error as `at column 8: expected a command name after
// "/", got "@"`: the position, then Problem.
func (e *Error) Error() string {
	return "at column " + strconv.Itoa(e.Col) + ": " + e.Problem()
}

// Problem describes the problem without its position: `expected a command
// name after "/", got "@"`, or Msg when it is set.
func (e *Error) Problem() string {
	if e.Msg != "" {
		return e.Msg
	}
	return "expected " + e.Expected + ", got " + describe(e.Got)
}

// describe names what was found for an error message.
func describe(got string) string {
	switch got {
	case "":
		return "the end of the command"
	case " ":
		return "a space"
	case "\t":
		return "a tab"
	}
	if r, n := utf8.DecodeRuneInString(got); n == len(got) && unicode.IsSpace(r) {
		return fmt.Sprintf("a space (U+%04X)", r)
	}
	return strconv.Quote(got)
}

// head is the result of parsing a command's head. Its strings never point
// into a message: they belong to the memo's copy of the head.
type head struct {
	name string // lower case
	bot  string // as written, without "@"
}

// headMemo remembers the heads participle has parsed (see the package
// documentation, "Cost").
var headMemo = newMemo[head]()

// Parse reads text as one slash command addressed to the bot named botName.
//
// It returns (nil, nil) when text is not a command: when its first
// non-space character is not "/". It returns (nil, ErrOtherBot) for a
// command with another bot's "@BotName". Any other error is an *Error
// with the column and what was expected. Only the first line of text is
// the command; the rest is ignored. Parse is safe for concurrent use.
func Parse(text, botName string) (*Command, error) {
	start := skipSpace(text)
	if start == len(text) || text[start] != '/' {
		return nil, nil
	}
	if len(text) > MaxBytes {
		return nil, tooLong(text)
	}
	if !utf8.ValidString(text) {
		return nil, invalidUTF8(text, 1)
	}
	slashCol := 1 + start
	if start > 0 {
		slashCol = 1 + utf8.RuneCountInString(text[:start])
	}
	line := text[start:]
	if i := strings.IndexAny(line, "\r\n"); i >= 0 {
		line = line[:i]
	}

	n := headEnd(line)
	h, err := parseHead(line[:n], line[n:], slashCol)
	if err != nil {
		return nil, err
	}
	if h.bot != "" && !strings.EqualFold(h.bot, strings.TrimPrefix(botName, "@")) {
		return nil, ErrOtherBot
	}

	// One allocation holds the command and room for a few arguments.
	b := new(struct {
		cmd  Command
		args [4]Arg
	})
	// A parsed head is ASCII, so its byte length is its rune length.
	args, err := splitArgs(b.args[:0], line[n:], slashCol+n)
	if err != nil {
		return nil, err
	}
	if len(args) == 0 {
		args = nil
	}
	b.cmd = Command{
		Name:    h.name,
		NamePos: Pos{slashCol + 1},
		BotName: h.bot,
		Args:    args,
		Raw:     strings.TrimRightFunc(line, unicode.IsSpace),
	}
	return &b.cmd, nil
}

// skipSpace returns the byte offset of the first non-space rune of s.
func skipSpace(s string) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c != ' ' && (c < '\t' || c > '\r') {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsSpace(r) {
			return i
		}
		i += size
	}
	return len(s)
}

// headEnd returns the byte length of line's head: up to the first white
// space or control character, or through the first ":".
func headEnd(line string) int {
	for i := 0; i < len(line); {
		c := line[i]
		if c < utf8.RuneSelf {
			switch {
			case c == ':':
				return i + 1
			case c <= ' ' || c == 0x7f:
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(line[i:])
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return i
		}
		i += size
	}
	return len(line)
}

// parseHead parses seg, a command's head starting with "/", with
// participle (or takes the result from the memo). after is the rest of
// the line, used to name what follows the head in an error; slashCol is
// the column of the slash.
func parseHead(seg, after string, slashCol int) (head, error) {
	if h, ok := headMemo.get(seg); ok {
		return h, nil
	}
	if len(seg) > maxPart {
		return head{}, &Error{Col: slashCol + 1, Got: firstRune(seg[1:]), Msg: fmt.Sprintf("the command name is too long (over %d characters)", maxPart)}
	}
	seg = strings.Clone(seg) // the memo must not keep the message alive
	// A closing ":" ends the head (headEnd) and is not part of its
	// grammar: the parser sees the head without it, and an error at its
	// end names the colon.
	src := seg
	if strings.HasSuffix(src, ":") {
		src, after = src[:len(src)-1], ":"
	}
	ast, err := headParser.ParseString("", src)
	if err != nil {
		return head{}, headError(src, after, slashCol, err)
	}
	// The tokens are Slash Ident [At Ident].
	h := head{name: strings.ToLower(ast.Tokens[1].Value)}
	if len(ast.Tokens) == 4 {
		h.bot = ast.Tokens[3].Value
	}
	headMemo.put(seg, h)
	return h, nil
}

// headError turns a participle error on head seg into an *Error. What was
// expected is decided from the character before the error, not from
// participle's message: an optional group that backtracked can lose its
// "expected" list.
func headError(seg, after string, slashCol int, err error) error {
	var perr participle.Error
	if !errors.As(err, &perr) {
		return &Error{Col: slashCol, Expected: "a command such as /help", Got: firstRune(seg)}
	}
	pos := perr.Position()
	off := min(max(pos.Offset, 0), len(seg))
	e := &Error{Col: slashCol + utf8.RuneCountInString(seg[:off]), Got: firstRune(seg[off:])}
	if off == len(seg) {
		e.Got = firstRune(after)
	}
	prev := byte(0)
	if off > 0 {
		prev = seg[off-1]
	}
	switch {
	case prev == '/':
		e.Expected = `a command name after "/"`
	case prev == '@':
		e.Expected = `a bot name after "@"`
	case e.Got != "" && isWordRune(e.Got):
		e.Expected = `only ASCII letters, digits and "_" in a name`
	case strings.IndexByte(seg[:off], '@') >= 0:
		e.Expected = "a space after the bot name"
	default:
		e.Expected = "a space after the command name"
	}
	return e
}

// isWordRune reports whether s starts with a letter or digit, which a
// user would take for part of a name.
func isWordRune(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// firstRune returns s's first rune as a string, or "" when s is empty.
func firstRune(s string) string {
	_, n := utf8.DecodeRuneInString(s)
	return s[:n]
}

// tooLong is the error for a command text over MaxBytes.
func tooLong(text string) error {
	cut := MaxBytes
	for cut > 0 && !utf8.RuneStart(text[cut]) {
		cut--
	}
	return &Error{
		Col:      1 + utf8.RuneCountInString(text[:cut]),
		Expected: fmt.Sprintf("at most %d bytes", MaxBytes),
		Got:      firstRune(text[cut:]),
		Msg:      fmt.Sprintf("the command is %d bytes long; the limit is %d", len(text), MaxBytes),
	}
}

// invalidUTF8 is the error for s, whose first rune is at column col, when
// it is not valid UTF-8: at its first bad byte.
func invalidUTF8(s string, col int) error {
	for i := 0; i < len(s); col++ {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			return &Error{Col: col, Expected: "text in UTF-8", Got: s[i : i+1]}
		}
		i += n
	}
	return &Error{Col: col, Expected: "text in UTF-8"}
}
