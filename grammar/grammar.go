package grammar

import (
	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// Pos is a position in the text given to Parse.
type Pos struct {
	// Col is the 1-based column, counted in runes from the start of the
	// text. Zero means "absent" (for example the provider of a reference
	// that names none).
	Col int
}

// Command is one parsed slash command.
type Command struct {
	// Name is the command's name without the slash, in lower case:
	// "model" for "/MODEL@MyBot: x".
	Name string
	// NamePos is the column of the name's first character.
	NamePos Pos
	// BotName is the "@BotName" suffix as written, without the "@", when
	// it named our bot; empty when the command had none.
	BotName string
	// Args are the arguments after shell-style unquoting, in order.
	Args []Arg
	// Raw is the command's line as written, from the slash to the end of
	// the first line, without trailing white space.
	Raw string
}

// Arg is one argument of a command.
type Arg struct {
	// Value is the argument after unquoting.
	Value string
	// Pos is the column of the argument's first character as written;
	// when the argument opens with a quote or a backslash, the column of
	// the character after it.
	Pos Pos
}

// ModelRef is a /model argument, [provider/]model[@profile], split at its
// first "@" and then at the first "/" before it.
type ModelRef struct {
	// Provider is the part before the first "/", or "" when there is none
	// ("sonnet").
	Provider string
	// Model is the model id or alias after the provider: it may hold more
	// "/" ("moonshotai/kimi-k2"). It is "" for "/model @profile", which
	// pins a credential and keeps the model.
	Model string
	// Profile is the auth profile id after the first "@" (it may hold
	// more "@": "google:me@x.com"), or "" when there is none.
	Profile string

	// ProviderPos, ModelPos and ProfilePos are the columns of the parts'
	// first characters; zero for an absent part.
	ProviderPos, ModelPos, ProfilePos Pos
}

// headAST is the participle grammar of a command's head: "/" Name
// ["@" Bot]. It sees only the head, up to the first white space or ":"
// and without that ":" (parseHead cuts it), never the arguments.
//
// The grammar captures nothing: participle fills Tokens with the tokens
// the head matched, Slash Ident [At Ident], and parseHead reads the name
// and the bot from them. Each "@" capture would cost participle a few
// allocations more (see the package documentation, "Cost").
type headAST struct {
	Tokens []lexer.Token
	Head   struct{} `parser:"Slash Ident ( At Ident )?"`
}

// refAST is the participle grammar of a model reference:
//
//	Ref   = [ Model ] [ "@" Profile ] .
//	Model = Word { "/" Word } .
//
// Words hold neither "@" nor "/", so the first "@" always starts the
// profile; refLexer reads the rest, up to white space, as one Profile
// token, which may hold more "@" and "/". In a model with a "/", the word
// before the first "/" is the provider and the rest is the model id:
// "openrouter/moonshotai/kimi-k2". Every part around a "/" must be
// non-empty, so "anthropic/" fails after the slash (a model id expected)
// instead of being read as a model named "anthropic".
//
// As in headAST nothing is captured: parseRef splits Tokens.
type refAST struct {
	Tokens []lexer.Token
	Ref    struct{} `parser:"( Word ( Slash Word )* )? ( At Profile )?"`
}

// The parsers are built once; a built participle parser is safe for
// concurrent use (a lexer instance is not, and each parse makes its own).
var (
	headParser = participle.MustBuild[headAST](participle.Lexer(headLexer))
	refParser  = participle.MustBuild[refAST](participle.Lexer(refLexer))
)
