// Package discord is the Discord channel (DESIGN §5.1): an
// adapters.Adapter with a command menu, on github.com/bwmarrin/discordgo.
//
// New builds the library's session and does no I/O. Every REST call goes
// through the session's own http.Client, whose Transport rewrites the
// scheme and host of requests for discord.com to Config.APIURL
// (BOT_DISCORD_API_URL): discordgo computes its endpoint variables from
// https://discord.com at start-up, and those globals are never changed, so
// adapters on different servers can run side by side (tests in parallel).
// The gateway's websocket is wherever GET /api/v9/gateway answers
// (discordgo v0.29 speaks API v9).
//
// Run asks GET /users/@me first: a token Discord answers 401 ends Run with
// an adapters.Fatal error wrapping ErrTokenRejected, which names the fix
// and Config.TokenSource, and the gateway's other channels keep running
// (a 4004 close of the gateway is read the same way, and a 4014, the
// message-content intent refused, is fatal with ErrIntentDisallowed). It
// then opens the gateway session (intents: guilds, guild and direct
// messages, and MESSAGE_CONTENT when Config.MessageContent is set) and
// handles its events until ctx ends, when it closes the session and waits
// for the handlers in flight. When the socket drops (or Discord asks for a
// reconnect, or heartbeats go unanswered), Run opens it again, and
// discordgo sends RESUME with the session id and sequence it kept, with
// backoff from 0.5 s to a minute; the library's own reconnect loop is off,
// since nothing stops it and it would reconnect after Run returned. Each
// disconnect, READY and RESUMED is logged at Info.
//
// Events are handled in discordgo's read loop (SyncEvents), in the order
// Discord sent them, and only the in-memory checks run there: a message's
// thread lookup and delivery go to its channel's lane (one goroutine per
// busy channel, ending when its queue is empty), so a chat's messages
// reach the Inbox in order and a slow chat holds up no other; each
// interaction gets a goroutine of its own, whose first I/O is its initial
// response. Run waits for lanes and interactions in flight. Every handler runs
// under recover (the library has none: a panic would end the process), and
// a message or interaction id already handled is dropped, so an event a
// resume delivers again is handled once. The library's own log lines are
// off (they would print platform text raw).
//
// The session's state keeps channels and threads only (no members,
// presences, roles, emojis, stickers or voice): chatRef is all it serves.
//
// # Sessions
//
// ChatRef is "dm:<userId>" in a DM, "<channelId>" in a guild channel and
// "<parentId>:thread:<threadId>" in a thread (DESIGN §3); a message and an
// interaction in the same place share it. Whether a channel is a thread is
// read from the session's state (filled by GUILD_CREATE and THREAD_*
// events), else from GET /channels/<id> once, remembered. Autocomplete
// reads memory only: a thread not yet known counts as its own channel.
//
// # Messages
//
//   - DMs are always delivered, with Message.Direct set (the pairing reply
//     goes there only).
//   - In guild channels, plain text is delivered when it mentions the bot
//     or replies to one of its messages, or always when
//     Config.RequireMention is false; text starting with "/" is delivered
//     wherever Discord delivers the content (DMs, mentions, or any channel
//     with the message-content intent, without which Discord blanks it).
//     The bot's mentions (<@id>, <@!id>) are stripped from the text.
//   - Messages from bots (ours included), webhooks and system messages are
//     dropped; so are messages with no text (an attachment only, or a guild
//     message blanked for want of the intent): the model sees text only.
//
// # Replies
//
//   - Text is split into messages of at most 2,000 characters (counted in
//     UTF-16 units, which are never fewer) at paragraph, else line
//     boundaries, never inside a code block: the rule lives in
//     adapters/internal/textsplit, shared with the Telegram adapter.
//   - allowed_mentions is empty on every message, edit and follow-up: a
//     model's "@everyone" or a pasted mention never pings anyone (nor does
//     the quote of the message answered).
//   - In guilds the first part of a reply quotes the message it answers.
//   - A stream sends its first update, then edits at most once a second
//     (an intermediate edit Discord rate-limits is skipped, not waited
//     for); Finish always edits in the whole text; past 2,000 characters
//     it continues in new messages.
//   - Typer calls the typing endpoint (Discord's indicator lasts 10 s).
//   - Private: Discord has no ephemeral message outside interactions, so
//     a Private reply to a typed message is sent in the channel like any
//     other (the gateway masks secrets); every reply to a native command
//     is ephemeral.
//   - Messages (sends, edits, typing) go through the library's rate
//     limiter, which waits out a 429.
//   - An interaction's requests (its initial response, the edits of its
//     original response, its follow-ups) go out directly with the
//     session's client: discordgo's limiter would keep a bucket per
//     interaction token for ever, put every interaction's edits in one
//     bucket locked across each request (one at a time, and one 429
//     pausing all), and sleep inside the 3-second window. The initial
//     response is sent once, never retried (a second is refused with
//     40060); an edit or follow-up that gets a 429 waits its retry_after
//     (at most 10 s), and one that gets a 5xx or a dropped connection is
//     retried with backoff, 3 tries in all. A stream's intermediate edit
//     that gets a 429 is skipped. Errors never carry the URL (it holds
//     the interaction's token).
//
// # Native commands and interactions
//
// SetCommands (the gateway calls it before Run) registers the command
// specs with one bulk overwrite (PUT) globally and one in each guild of
// Config.Guilds (there they appear at once). Each ArgSpec is one string
// option (one of several Words too: its value is written into the text
// form as typed), with autocomplete when the spec asks. A guild that
// refuses (403, 50001 Missing Access) gives an error wrapping
// ErrCommandsScope, with the invite URL that adds the
// applications.commands scope; the other registrations are still tried.
//
// Every interaction is acknowledged before any other I/O, and its initial
// response never waits on a rate limit (WithRetryOnRatelimit(false)) nor
// past 2.5 s of the 3-second window:
//
//   - A command gets a deferred response (type 5), ephemeral (flag 64,
//     which Discord fixes at that moment); its text form ("/model
//     <value>", options in the spec's order) is then delivered, and its
//     first reply edits the original response; further parts and replies
//     are ephemeral follow-ups.
//   - Autocomplete (type 8) is answered from the Inbox's adapters.Completer
//     (found by type assertion; none: no choices), with at most 25 choices
//     of at most 100 characters; the Completer answers nothing to
//     strangers.
//   - Reply.Choices become select menus of at most 25 options each, up to
//     5 menus on a message (125 choices; more are left out with a Warn).
//     A custom id holds "p<picker>.<menu>" and an option's value its entry
//     (base 36), mapped in memory to the commands (the last 1024 pickers).
//     A choice from the picker's opener is acknowledged with a deferred
//     update (type 6) and delivers a Message whose Text is the choice's
//     Command, whose first reply edits the picker's message in place (its
//     menus replaced or removed). A choice by anyone else, or from a picker
//     not remembered (a restart, or used already), is answered with one
//     ephemeral line instead and delivers nothing.
package discord
