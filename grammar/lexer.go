package grammar

import "github.com/alecthomas/participle/v2/lexer"

// headLexer splits the head of a command ("/model@MyBot:") into tokens.
// The head never holds white space (it ends at the first one), so nothing
// is elided: white space is significant in a command ("/model @x" names a
// profile, "/model@x" a bot). Any other character is one Other token, so
// the parser, not the lexer, reports it with what it expected there.
var headLexer = lexer.MustSimple([]lexer.SimpleRule{
	{Name: "Slash", Pattern: `/`},
	{Name: "At", Pattern: `@`},
	{Name: "Colon", Pattern: `:`},
	{Name: "Ident", Pattern: `[A-Za-z0-9_]+`},
	{Name: "Other", Pattern: `(?s:.)`},
})

// refLexer splits a model reference ("openrouter/moonshotai/kimi-k2@work")
// into words and the two separators. Spaces are a token of their own,
// not elided, because a reference with a space inside is an error the
// user must hear about with its column.
var refLexer = lexer.MustSimple([]lexer.SimpleRule{
	{Name: "At", Pattern: `@`},
	{Name: "Slash", Pattern: `/`},
	{Name: "Space", Pattern: `[\s\p{Z}]+`},
	{Name: "Word", Pattern: `[^@/\s\p{Z}\p{Cc}]+`},
	{Name: "Other", Pattern: `(?s:.)`},
})
