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
	"github.com/botgateway/bot/internal/errline"
	"github.com/botgateway/bot/internal/logkeys"
	"github.com/botgateway/bot/internal/secret"
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

// Responder answers the command's message. The gateway adapts the
// adapter's reply handle into it. Reply may block on network I/O.
type Responder interface {
	Reply(ctx context.Context, text string, private bool) error
}

// Request is one command to run.
type Request struct {
	Cmd     *grammar.Command
	Caller  Caller
	Session sessions.Key
	Agent   string
	Out     Responder
}

// reply sends text, privately when the command says so.
func (r *Request) reply(ctx context.Context, c *Command, text string) error {
	return r.Out.Reply(ctx, text, c.Private)
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
	// Private replies are shown only to the sender where the platform can
	// (a Discord ephemeral reply): /model status names credentials.
	Private bool
	// MaxArgs is the number of arguments the command takes at most.
	MaxArgs int
	// Run does the work and replies. A *UserError is sent to the user
	// verbatim; any other error becomes a generic reply with a reference.
	Run func(ctx context.Context, e *Engine, r *Request) error
}

// UserError is a message for the user, sent verbatim: it says what was
// wrong and what to do.
type UserError struct{ Msg string }

func (e *UserError) Error() string { return e.Msg }

// userErrorf formats a *UserError.
func userErrorf(format string, args ...any) error {
	return &UserError{Msg: fmt.Sprintf(format, args...)}
}

// atColumn is the one style of a chat error about a place in the command:
// "At column 8: unknown model "sonet". Did you mean …?". The first letter
// of problem is lowered after the colon; problem brings its own final
// punctuation.
func atColumn(col int, problem string) *UserError {
	if r, n := utf8.DecodeRuneInString(problem); unicode.IsUpper(r) {
		problem = string(unicode.ToLower(r)) + problem[n:]
	}
	return &UserError{Msg: "At column " + strconv.Itoa(col) + ": " + problem}
}

// grammarError is atColumn for an error of the grammar, as a sentence.
func grammarError(ge *grammar.Error) *UserError {
	return atColumn(ge.Col, ge.Problem()+".")
}

// Replies kept exactly as DESIGN §5 lists them.
const (
	msgNotAuthorized = "You are not authorized to use this command."
)

// Handle checks the command's guards, runs it and turns a *UserError into
// a reply. Other errors are logged with a reference and answered with a
// generic line naming that reference; they are returned too.
func (e *Engine) Handle(ctx context.Context, r *Request) error {
	c, ok := e.registry.Lookup(r.Cmd.Name)
	if !ok {
		return e.replyErr(ctx, r, nil, e.unknownCommand(r.Cmd))
	}
	if !c.Open && !r.Caller.Allowed {
		return r.reply(ctx, c, msgNotAuthorized)
	}
	if len(r.Cmd.Args) > c.MaxArgs {
		a := r.Cmd.Args[c.MaxArgs]
		return e.replyErr(ctx, r, c, atColumn(a.Pos.Col, fmt.Sprintf("unexpected argument %q. Usage: %s", a.Value, c.Usage)))
	}
	return e.replyErr(ctx, r, c, c.Run(ctx, e, r))
}

// replyErr sends err to the user: verbatim for a *UserError, else a
// generic line with a log reference.
func (e *Engine) replyErr(ctx context.Context, r *Request, c *Command, err error) error {
	if err == nil {
		return nil
	}
	private := c != nil && c.Private
	if ue, ok := errors.AsType[*UserError](err); ok {
		// Such a message may repeat what the user typed: never a secret
		// pasted there by mistake ("/model sonnet@sk-ant-…").
		return r.Out.Reply(ctx, secret.MaskText(ue.Msg), private)
	}
	if line, ok := errline.Line(err, e.cfg.Paths); ok {
		// A file bot cannot use (an unreadable or corrupt store, …): its
		// own line names it and the fix.
		e.log.Warn("command failed", logkeys.Command, r.Cmd.Name, logkeys.Err, err)
		return r.Out.Reply(ctx, line, private)
	}
	ref := NewRef()
	e.log.Error("command failed", logkeys.Ref, ref, logkeys.Command, r.Cmd.Name, logkeys.Err, err)
	if rerr := r.Out.Reply(ctx, fmt.Sprintf("Something went wrong (ref %s).", ref), private); rerr != nil {
		return errors.Join(err, rerr)
	}
	return err
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
func (e *Engine) ParseError(err error) string {
	var ge *grammar.Error
	if !errors.As(err, &ge) {
		return "Could not read that command. Send /help for the commands."
	}
	return secret.MaskText(grammarError(ge).Msg + " Send /help for the commands.")
}

// logger returns l or a discarding logger.
func logger(l *slog.Logger) *slog.Logger {
	if l != nil {
		return l
	}
	return slog.New(slog.DiscardHandler)
}
