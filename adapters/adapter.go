// Package adapters defines what a chat platform adapter is: it turns a
// platform's updates into Messages for the gateway and sends replies back.
// Adapters know nothing of providers or credentials (DESIGN §2); the
// packages beside this one (console, discord, telegram) implement it.
package adapters

import "context"

// Adapter connects one chat platform.
type Adapter interface {
	// Name is the channel name: "console", "discord", "telegram". It is
	// the first part of every session key the adapter's chats get.
	Name() string
	// Run connects and delivers normalized messages to in until ctx ends
	// or the platform's input ends (the console's EOF), then returns after
	// its goroutines have exited. It returns nil on a normal end and an
	// error when it fails for good.
	Run(ctx context.Context, in Inbox) error
}

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
	Name  string // a display name, for logs at Debug only
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
	// Private asks for a reply only the sender sees (a Discord ephemeral
	// message), where the platform can; /model status names credentials.
	Private bool
}

// Replier answers one message. Implementations are safe to call from the
// gateway's goroutine handling that message; Reply may do network I/O.
type Replier interface {
	Reply(ctx context.Context, r Reply) error
}
