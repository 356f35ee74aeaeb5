// Package commands holds the chat commands (/model, /models, /new, /help)
// declared as data, the registry that derives /help and the platforms'
// command menus from them, and the Engine that checks guards and runs a
// parsed command against the session store.
package commands

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"unicode"
	"unicode/utf8"

	"github.com/botgateway/bot/grammar"
	"github.com/botgateway/bot/internal/usermsg"
	"github.com/botgateway/bot/sessions"
)

// Caller is who sent a command.
type Caller struct {
	Channel  string
	SenderID string
	// Allowed reports that the sender may change pins and spend credits:
	// the console user, or an id in channels.<ch>.allowFrom. The gateway
	// decides; commands only read it.
	Allowed bool
}

// Request is one command to run.
type Request struct {
	Cmd     *grammar.Command
	Caller  Caller
	Session sessions.Key
	Agent   string
}

// Reply is a command's answer: text and, for a picker, choices.
type Reply struct {
	Text string
	// Choices make the reply a picker (the gateway hands them to the
	// adapter, which renders them natively); choosing one runs its
	// Command as if the chooser had typed it.
	Choices []Choice
	// Private asks for a reply only the sender sees, where the platform
	// can (Command.Private).
	Private bool
}

// Choice is one entry of a picker: what the user sees, and the command
// that choosing it runs.
type Choice struct {
	Label   string
	Command string
}

// Command is one chat command, as data: /help and the Telegram and Discord
// menus are generated from these values.
type Command struct {
	Name    string   // without the slash, lower-case
	Aliases []string // other names, e.g. "reset" for "new"
	Usage   string   // one line: "/model [list|status|default|<model>[@profile]|@<profile>]"
	Summary string   // one line for /help and menus (3–100 characters)
	// Open lets any sender run the command; otherwise the sender must be
	// allowed (Caller.Allowed).
	Open bool
	// Hidden keeps the command out of /help and the platforms' menus:
	// /start is what Telegram sends by itself when a user opens the bot.
	Hidden bool
	// Private replies are shown only to the sender where the platform can
	// (a Discord ephemeral reply): /model status names credentials.
	Private bool
	// Args are the arguments the command takes, in order. Platforms with
	// native commands declare them (Discord's options); MaxArgs derives
	// from them.
	Args []Arg
	// Run does the work and returns the reply. A failure the user can act
	// on is a *usermsg.Error; any other error is a bug or an I/O failure.
	Run func(ctx context.Context, e *Engine, r *Request) (Reply, error)
}

// ArgType is the type of a command's argument as a platform declares it.
type ArgType string

// The argument types. Every argument today is a string: what the text
// form of the command takes.
const (
	ArgString ArgType = "string"
)

// Arg is one argument of a command, as data: what Discord's application
// commands declare as an option, and what the completion source answers
// for (Engine.Complete).
type Arg struct {
	// Name is the argument's name: lower-case letters, digits and "_",
	// 1–32 characters (Discord's option name).
	Name string
	Type ArgType
	// Description says what to give, in 1–100 characters (Discord's
	// option description).
	Description string
	// Required arguments come before optional ones (Discord refuses the
	// other order).
	Required bool
	// Complete says that Engine.Complete offers values for the argument
	// (Discord's autocomplete).
	Complete bool
	// Words is how many words of the text form the argument may span;
	// 0 means one. /model's argument takes what the text form takes,
	// "list anthropic" included, so it spans two.
	Words int
}

// MaxArgs is the number of words the command takes after its name at
// most: the sum of its arguments' Words.
func (c *Command) MaxArgs() int {
	n := 0
	for _, a := range c.Args {
		n += max(a.Words, 1)
	}
	return n
}

// atColumn is the one style of a chat error about a place in the command:
// "At column 8: unknown model "sonet". Did you mean …?". The first letter
// of problem is lowered after the colon; problem brings its own final
// punctuation.
func atColumn(col int, problem string) *usermsg.Error {
	if r, n := utf8.DecodeRuneInString(problem); unicode.IsUpper(r) {
		problem = string(unicode.ToLower(r)) + problem[n:]
	}
	return usermsg.New("At column " + strconv.Itoa(col) + ": " + problem)
}

// grammarError is atColumn for an error of the grammar, as a sentence.
func grammarError(ge *grammar.Error) *usermsg.Error {
	return atColumn(ge.Col, ge.Problem()+".")
}

// Replies kept exactly as DESIGN §5 lists them.
const (
	msgNotAuthorized = "You are not authorized to use this command."
)

// Handle checks the command's guards and runs it. It returns the reply to
// send; on a failure the reply is only its privacy, and the error is what
// the gateway turns into the user's line (errline.Chat): a *usermsg.Error
// is shown as it is, anything else as a generic line with a log reference.
func (e *Engine) Handle(ctx context.Context, r *Request) (Reply, error) {
	c, ok := e.registry.Lookup(r.Cmd.Name)
	if !ok {
		return Reply{}, e.unknownCommand(r.Cmd)
	}
	if !c.Open && !r.Caller.Allowed {
		return Reply{Text: msgNotAuthorized, Private: c.Private}, nil
	}
	if n := c.MaxArgs(); len(r.Cmd.Args) > n {
		a := r.Cmd.Args[n]
		return Reply{Private: c.Private}, atColumn(a.Pos.Col, fmt.Sprintf("unexpected argument %q. Usage: %s", a.Value, c.Usage))
	}
	rep, err := c.Run(ctx, e, r)
	if err != nil {
		return Reply{Private: c.Private}, fmt.Errorf("commands: /%s: %w", c.Name, err)
	}
	rep.Private = rep.Private || c.Private
	return rep, nil
}

// unknownCommand builds the reply to a command nobody registered.
func (e *Engine) unknownCommand(cmd *grammar.Command) error {
	msg := fmt.Sprintf("unknown command /%s.", cmd.Name)
	if s := e.registry.Suggest(cmd.Name); s != "" {
		msg += fmt.Sprintf(" Did you mean /%s?", s)
	}
	return atColumn(max(cmd.NamePos.Col-1, 1), msg+" Send /help for the commands.") // the slash
}

// ParseError turns a grammar error into the one-line reply DESIGN §5 asks
// for: what was expected, at which column, and the closest command.
func (e *Engine) ParseError(err error) error {
	var ge *grammar.Error
	if !errors.As(err, &ge) {
		return usermsg.Wrap(err, "Could not read that command. Send /help for the commands.")
	}
	return usermsg.Wrap(err, grammarError(ge).Text+" Send /help for the commands.")
}

// logger returns l or a discarding logger.
func logger(l *slog.Logger) *slog.Logger {
	if l != nil {
		return l
	}
	return slog.New(slog.DiscardHandler)
}
