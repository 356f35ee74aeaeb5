// Package adaptertest is the conformance suite of chat adapters: the
// behaviour every adapters.Adapter must show, whatever its platform. An
// adapter's tests run it with a Harness that drives the adapter from the
// users' side (for Telegram and Discord, through loopback fakes of their
// APIs; for the console, through its input and output):
//
//	func TestConformance(t *testing.T) { adaptertest.Run(t, harness{}) }
//
// The suite checks that
//   - the messages of a chat are delivered in the order sent, normalized
//     (channel, chat, sender, text, a reply handle), and the replies to
//     them are seen in the order sent;
//   - a private reply reaches its sender;
//   - a reply's choices are shown as a picker, in order, and choosing entry
//     n delivers a message from the chooser whose text is the choice's
//     command (or, where the platform has no native picker, the text the
//     user typed to choose, which the gateway maps);
//   - a streamed reply (when the replier implements adapters.Streamer) only
//     grows while it streams and ends showing exactly its final text;
//   - "typing…" (when the replier implements adapters.Typer) succeeds and
//     shows no message;
//   - Run returns soon after its context ends, with no goroutine left
//     behind, and the reply to a message still in flight (a stream, where
//     the replier streams) then ends, sent or failed, instead of hanging.
//
// The suite plays the gateway with a simple in-test adapters.Inbox: it
// answers each message itself and calls Message.Done after its replies.
//
// # What a Harness must do
//
// Start is called once per check, so every check starts on a fresh
// platform with nothing shown yet. It returns a new adapter, not running
// (the suite calls Run and ends it), and the Platform, whose methods are
// called from the test's goroutine while Run runs:
//
//   - Seats lists at least one Seat: a user in a chat, with the ids the
//     adapter gives that user's messages (Sender.ID and Chat). Seats may
//     share a chat (a group chat) or be separate chats.
//   - Send makes the seat's user write text in the seat's chat, as the
//     platform would deliver it to the adapter, so that the adapter
//     delivers it with exactly that Text (in a group where the adapter
//     wants the bot mentioned, the harness mentions it, and the adapter
//     strips the mention). It must not wait for the adapter to handle the
//     message: the suite sends several messages before answering the
//     first (the console, for one, takes the next line only after the
//     previous message is Done).
//   - Choose makes the seat's user pick entry n (from 1) of the last picker
//     shown to them, as the user would: a tap on an inline keyboard's
//     button, an option of a select menu. It returns "" when the adapter
//     is expected to deliver the choice's Command, or the text the user
//     typed where the platform has no native picker (the console: "/model
//     n"), which the adapter delivers as it is.
//   - Seen returns what the seat's user sees of the bot in the seat's
//     chat, oldest first, one Shown per message, with the platform's edits
//     applied; private replies to the user are included wherever the
//     platform shows them. It is up to date with every Replier.Reply and
//     Stream.Finish that has returned; during a stream it may lag behind
//     the updates (a platform that edits in place at most once a second).
//
// The suite's texts are single lines of plain printable text (some
// non-ASCII) without markup, of at most 200 characters, so a Seen may
// treat every line of output as one message; labels of choices are short
// single lines too.
//
// After the check, the suite cancels Run's context, waits for Run, lets
// the test's cleanups run (the Harness's own included: closing a fake
// server or the console's input) and then requires every goroutine
// started since the check began to have ended. Harnesses should close in
// t.Cleanup what they open in Start.
package adaptertest
