// Package telegram is the Telegram channel (DESIGN §5.1): an
// adapters.Adapter with a command menu, on github.com/go-telegram/bot.
//
// New builds the library's client with WithSkipGetMe, WithServerURL
// (Config.APIURL, BOT_TELEGRAM_API_URL) and WithHTTPClient, and does no
// I/O. Run calls getMe (a token Telegram answers 401 ends Run with an
// error wrapping ErrTokenRejected, which names the fix; the wiring adds
// where the token came from), then deleteWebhook and long polling, or
// setWebhook and a webhook server when Config.Webhook.URL is set.
// SetCommands (the gateway calls it before Run) does its own I/O.
//
// # No message lost, none answered twice
//
// The library's poller (Bot.Start) advances its offset when it fetches
// updates, before they are handled, so a crash loses them; its
// getUpdates is unexported. The adapter therefore calls getUpdates
// itself: the request is the library's wire format (a multipart form to
// <APIURL>/bot<token>/getUpdates, with the configured HTTP client), the
// answer decodes into the library's models.Update, and every other method
// goes through the library. The offset of each call is the lowest update
// id delivered and not yet done (or the last fetched + 1), so Telegram
// forgets an update only after its Message.Done. Each Done records the
// update in the Ledger (sessions.db) with that offset in one
// transaction; Run starts from the Ledger's offset and skips the updates
// it lists as handled, so an update answered before a crash is not
// answered again and one in flight is delivered again.
//
// The price: while an update is in flight, getUpdates answers at once
// with it, so the poller asks again only when a message is done or after
// busyPoll (500 ms): a new message waits at most that long while others
// are in flight. And getUpdates returns at most 100 updates from the
// offset, so intake sees at most 100 updates past the oldest one still
// in flight: when those are all taken in, the next wait until it
// finishes (one reply slower than the next 99 messages holds them up). A Ledger write that fails is logged
// at Error (the update may then be answered again after a restart).
// Without a Ledger the bookkeeping is in memory only.
//
// In webhook mode each post is answered once its message is done (or
// 503 at shutdown), so Telegram posts again what a crash interrupted;
// posts may come in any order, and an update in flight or among the last
// 4096 handled is answered at once without being delivered again. The
// secret token is compared in constant time; a wrong one gets 403. The
// server on Webhook.Listen speaks plain HTTP: a TLS-terminating proxy at
// Webhook.URL forwards to it. The webhook stays set when Run ends, so
// Telegram keeps the updates that arrive meanwhile.
//
// Failures: a 409 (another process polls the token, or a webhook is set)
// is logged once at Error with its fix and retried with backoff; 429
// waits its retry_after; 5xx, dropped connections and undecodable
// answers are retried with backoff (100 ms doubling to 30 s); the end of
// ctx stops a poll in flight at once. Run's first calls give up after 5
// transient failures and return the error, for the gateway to retry.
//
// # Messages
//
//   - A private chat, a group and each forum topic are separate chats:
//     ChatRef "<chatId>" or "<chatId>:topic:<threadId>" (the session keys
//     of DESIGN §3). A reply thread in a group that is not a forum is the
//     group.
//   - Message.Direct is set in private chats (the pairing reply goes
//     there only), for typed messages and picker presses alike.
//   - Sender.ID is the Telegram user id; messages from bots (ours
//     included) and without a sender are dropped.
//   - Message.BotName is the bot's user name from getMe, so the gateway's
//     grammar takes "/model@OurBot" (any case) and ignores
//     "/model@OtherBot". Commands (text starting with "/") are delivered
//     wherever Telegram delivers them; "/start", Telegram's first message,
//     arrives as the text "/start" like any command.
//   - In groups, plain text is delivered only when it mentions the bot
//     (an @username or text mention entity, stripped from the text) or
//     replies to one of its messages, unless Config.RequireMention is
//     false. Entity offsets are read in UTF-16 units, as Telegram counts.
//   - Edited messages are not asked for (allowed_updates is message and
//     callback_query): answering an edit would answer the same question
//     twice; the user sends a new message instead.
//   - Messages without text (stickers, photos, voice, a photo's caption)
//     are dropped without a reply: the model sees text only, and a reply
//     to every sticker would let strangers make the bot talk.
//   - Text over 4096 characters cannot come from Telegram's clients, but
//     is delivered as it is if it does; the gateway answers it.
//   - A group that becomes a supergroup (migrate_to_chat_id in an update,
//     or a MigrateError on a send) is followed: sends to the old id go to
//     the new one, in memory. Messages from the new id belong to the new
//     chat (a new session key).
//
// # Replies
//
//   - Replier.Reply sends its text as plain text: it carries the
//     gateway's own replies (commands, errors), which are plain. The
//     model's reply comes through Streamer: its Markdown is converted to
//     Telegram HTML (bold, italic, strike, code, pre with its language,
//     links; headings as bold lines, list items as "• " lines; &, <, >
//     escaped; a marker not closed on its line stays text), and sent
//     again as plain text when Telegram answers "can't parse entities"
//     (Telegram has no code for it: the one place an error's text is read).
//   - Text is split into messages of at most 4096 UTF-16 units at
//     paragraph, else line boundaries, never inside a code block (a block
//     longer than a message is closed and reopened with its language).
//   - Telegram has no ephemeral messages: a Private reply is sent in the
//     chat like any other (its secrets are masked by the gateway).
//   - In groups a reply quotes the message it answers.
//   - Typer sends the "typing" chat action (in the message's topic).
//   - A stream sends its first update as a message and edits it at most
//     once a second; Finish always edits in the whole text ("message is not
//     modified" is success); past 4096 units it continues in new messages.
//   - Rate limits: sends wait their turn under a token bucket of
//     Config.RateLimit messages a second across chats (bursts of as many)
//     and 20 a minute per group; a private chat is held only to the
//     overall rate. The wait is a reservation, not a fixed pause, and ends
//     with the request's context. A stream's intermediate edits are
//     skipped, not queued, when no turn is free. A 429 waits its
//     retry_after and is retried (4 tries per request). RateLimit 0 turns
//     the limiter off.
//   - A send whose connection drops, or that gets a 5xx, is retried with
//     backoff (4 tries): when Telegram had received it, the user sees the
//     part twice, which beats never seeing it.
//   - The first reply to a picker press edits the picker's message; any
//     further reply to the same press is a message of its own.
//
// # Pickers
//
// Reply.Choices become an inline keyboard, one button a row (at most
// 100, Telegram's limit; more are left out, with a Warn). Callback
// data holds at most 64 bytes, so a button carries a short token
// ("p<picker>.<entry>", base 36) mapped in memory to its command; the
// last 1024 pickers are remembered. A press is answered with
// answerCallbackQuery first, always: a press on a picker not remembered
// (after a restart, or pressed already) is answered "This picker has
// expired … Send /model list again.", and one by a user other than the
// picker's opener "Only the user who opened this picker can use it.";
// neither reaches the gateway. The opener's press delivers a Message
// from the presser whose Text is the choice's Command, and whose Reply
// edits the picker's message in place: its text, and a new keyboard or
// none.
//
// # Command menu
//
// SetCommands calls setMyCommands (default scope) with the specs within
// Telegram's limits (at most 100; names of a-z, 0-9 and _; descriptions
// of 3–256 characters, padded or cut), never deleteMyCommands first, then
// getMyCommands, and returns an error when Telegram holds anything else.
package telegram
