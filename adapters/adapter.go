// Package adapters defines what a chat platform adapter is: it turns a
// platform's updates into Messages for the gateway and sends replies back.
// Adapters know nothing of providers or credentials (DESIGN §2); the
// packages beside this one (console, discord, telegram) implement it.
package adapters

import (
	"context"
	"errors"
	"time"
)

// Adapter connects one chat platform.
type Adapter interface {
	// Name is the channel name: "console", "discord", "telegram". It is
	// the first part of every session key the adapter's chats get.
	Name() string
	// Run connects and delivers normalized messages to in until ctx ends
	// or the platform's input ends (the console's EOF), then returns after
	// its goroutines have exited. It returns nil on a normal end and an
	// error when it fails. The gateway restarts a platform channel whose
	// Run returns before ctx ends, with backoff, unless the error matches
	// ErrFatal (see Fatal).
	Run(ctx context.Context, in Inbox) error
}

// ErrFatal is in the chain of an error that retrying will not cure (a bot
// token the platform rejects): the gateway stops restarting the channel,
// reports it as failed, and keeps the other channels running. Adapters
// make such an error with Fatal.
var ErrFatal = errors.New("adapters: fatal channel failure")

// Fatal marks err as fatal: errors.Is(Fatal(err), ErrFatal) holds, and its
// text is err's own, so the one line an operator reads is the adapter's
// (the token's source and the fix).
func Fatal(err error) error {
	if err == nil {
		return nil
	}
	return fatalError{err}
}

// fatalError is an error marked by Fatal.
type fatalError struct{ err error }

func (e fatalError) Error() string   { return e.err.Error() }
func (e fatalError) Unwrap() []error { return []error{e.err, ErrFatal} }

// Inbox receives messages from adapters. Deliver must not block the
// adapter's read loop for longer than a channel send.
type Inbox interface {
	Deliver(ctx context.Context, m Message)
}

// ChatRef identifies a chat (and thread) within a channel, as minted by the
// adapter: "local" for the console, "42" or "42:topic:7" for Telegram,
// "dm:123" or "456:thread:789" for Discord.
type ChatRef string

// Sender is who wrote a message.
type Sender struct {
	ID    string // the platform's user id
	Name  string // a display name: logs at Debug, and bot pairing list
	IsBot bool
	// IsOwner is set by adapters whose user is the owner by definition
	// (the console); platform adapters leave it false and the gateway
	// checks channels.<ch>.allowFrom.
	IsOwner bool
}

// Message is one incoming message, normalized.
type Message struct {
	Channel string
	Chat    ChatRef
	Sender  Sender
	Text    string
	// Direct reports a one-to-one chat between the sender and the bot (a
	// DM): a stranger's message there gets the pairing reply (DESIGN
	// §5.1), in a group nothing.
	Direct bool
	// BotName is the adapter's own bot user name ("" when the platform has
	// none), so "/model@BotName" addressed to us is recognized.
	BotName string
	// Reply answers the message. It is never nil.
	Reply Replier
	// Done, when set, is called by the gateway once the message has been
	// handled completely (replies sent); the console uses it to keep its
	// replies in input order.
	Done func()
}

// Reply is what the gateway sends back.
type Reply struct {
	Text string
	// Choices, when set, make the reply a picker: each adapter renders
	// them natively (the console as a numbered list, Telegram as an
	// inline keyboard, Discord as a select menu), and choosing one is
	// delivered as a message whose Text is the choice's Command, from
	// the user who chose.
	Choices []Choice
	// Private asks for a reply only the sender sees (a Discord ephemeral
	// message), where the platform can; /model status names credentials.
	Private bool
}

// Choice is one entry of a picker.
type Choice struct {
	// Label is what the user sees: "claude-sonnet-4-5 · anthropic:work".
	Label string
	// Command is the command text that choosing runs, exactly as if the
	// user had typed it: "/model anthropic/claude-sonnet-4-5@anthropic:work".
	Command string
}

// Replier answers one message. Implementations are safe to call from the
// gateway's goroutine handling that message; Reply may do network I/O.
type Replier interface {
	Reply(ctx context.Context, r Reply) error
}

// The optional capabilities below are found by type assertion; an adapter
// without one gets the plain behaviour (DESIGN §5.1, STYLE rule 2).

// Typer is an optional capability of a Replier: Typing shows "typing…" in
// the message's chat for a few seconds. The gateway calls it when a model
// call starts and renews it every TypingInterval until the reply is out.
type Typer interface {
	Typing(ctx context.Context) error
}

// TypingInterval is how often the gateway renews "typing…" (Telegram's
// indicator lasts 5 s, Discord's 10 s).
const TypingInterval = 4 * time.Second

// Streamer is an optional capability of a Replier: it shows a reply while
// it grows. A Replier without it gets the whole reply once, through Reply.
type Streamer interface {
	// StartStream begins a streamed reply. It may send nothing until the
	// first Update.
	StartStream(ctx context.Context, private bool) (Stream, error)
}

// Stream is one streamed reply. Its methods are called from one goroutine.
type Stream interface {
	// Update shows text, the whole reply so far: each call's text extends
	// the previous one's. A platform that edits a message in place may
	// show only some updates (at most about one a second); the console
	// prints the new part at once.
	Update(ctx context.Context, text string) error
	// Finish ends the stream with the final reply, whose text extends the
	// last update's (a stream cut short ends with a line saying why).
	Finish(ctx context.Context, r Reply) error
}

// CommandMenu is an optional capability of an Adapter whose platform has
// native commands: a menu (Telegram's setMyCommands) or typed commands
// with options (Discord's application commands). The gateway calls
// SetCommands once, before Run, with every chat command, generated from
// the command table; the adapter registers them as its platform wants
// (Discord: one bulk overwrite). SetCommands may do network I/O and should
// return once the platform has answered. An error is logged and the
// channel runs anyway: the text commands work without a menu.
type CommandMenu interface {
	SetCommands(ctx context.Context, cmds []CommandSpec) error
}

// Warner is an optional capability of an Adapter that runs but sees a
// condition the operator must fix, which retrying does not cure (Telegram:
// another program polls the bot's updates, so the two take them in
// turns). Warning returns that one line, or "" while there is none; the
// gateway shows it in /healthz (it does not degrade the gateway) and bot
// doctor reports it. It is safe for concurrent use and does no I/O.
type Warner interface {
	Warning() string
}

// CommandSpec is one chat command as a platform's native menu declares it.
// The gateway keeps the specs within both platforms' limits (a test checks
// the real table): Name is 1–32 of a-z, 0-9 and "_"; Description is
// 1–100 characters; at most 100 commands, 25 arguments each.
//
// An adapter that receives a native invocation turns it back into the
// text form, "/<name> <value> …" with each given argument's value as the
// user gave it, in order, and delivers that as a Message: the gateway
// parses and runs it like typed text.
type CommandSpec struct {
	Name        string
	Description string
	Args        []ArgSpec
}

// ArgSpec is one argument of a command (a Discord option). Required ones
// come first.
type ArgSpec struct {
	// Name is 1–32 of a-z, 0-9 and "_".
	Name string
	// Type is the argument's type; every argument is ArgString today.
	Type ArgType
	// Description is 1–100 characters.
	Description string
	Required    bool
	// Autocomplete says that the Completer found on the Inbox suggests
	// values for the argument while the user types it.
	Autocomplete bool
	// Words is how many words of the text form the value may hold
	// (at least 1): /model's "list anthropic" is one value of two words,
	// to be written into the command text as it is, not quoted.
	Words int
}

// ArgType is the type of an argument.
type ArgType string

// The argument types.
const (
	// ArgString is text (a Discord string option).
	ArgString ArgType = "string"
)

// Completer suggests values for a command's argument while the user types
// it (Discord's autocomplete). The Inbox the gateway passes to Run
// implements it; an adapter finds it by type assertion:
//
//	if c, ok := in.(adapters.Completer); ok { … c.Complete(ctx, q) … }
//
// Complete answers from memory, in microseconds, and may be called from
// the adapter's read loop; it returns at most MaxSuggestions, best first,
// and nothing for a sender outside allowFrom or for an argument without
// Autocomplete. It is safe for concurrent use.
type Completer interface {
	Complete(ctx context.Context, q Completion) []Suggestion
}

// MaxSuggestions is the most suggestions Complete returns: Discord's limit
// on the choices of one autocomplete answer.
const MaxSuggestions = 25

// Completion is what a user is typing: which argument of which command,
// where and by whom.
type Completion struct {
	Channel string
	Chat    ChatRef
	Sender  Sender
	// Command is the CommandSpec's Name, Arg the ArgSpec's.
	Command string
	Arg     string
	// Text is what the user has typed of the argument so far.
	Text string
}

// Suggestion is one suggested value of an argument.
type Suggestion struct {
	// Value is what the argument becomes when picked (at most 100
	// characters, Discord's limit on a choice's value).
	Value string
	// Label is what the user sees (at most 100 characters).
	Label string
}

// Ledger keeps, for an adapter that polls its platform (Telegram's
// getUpdates), which updates were handled, durably: an update is confirmed
// to the platform only after its message was handled (Message.Done) and
// its exchange stored, and an update handled before a crash is skipped
// when the platform delivers it again. sessions.Store implements it over
// sessions.db; the wiring hands it to the adapter.
type Ledger interface {
	// Ledger returns the first update id not yet confirmed (0: none
	// recorded) and the ids at or above it already handled, in order.
	Ledger(ctx context.Context, channel string) (next int64, handled []int64, err error)
	// MarkHandled records that update id was handled and that every
	// update before next is confirmed, in one transaction.
	MarkHandled(ctx context.Context, channel string, id, next int64) error
}
