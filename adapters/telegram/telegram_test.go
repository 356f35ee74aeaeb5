package telegram

import (
	"errors"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/adapters/adaptertest"
	"github.com/botgateway/bot/adapters/internal/pickstore"
	"github.com/botgateway/bot/internal/fakes"
	"github.com/botgateway/bot/sessions"
)

// openLedger opens a real sessions store in dir, closed with the test.
func openLedger(t *testing.T, dir string) *sessions.Store {
	t.Helper()
	st, err := sessions.Open(t.Context(), filepath.Join(dir, "sessions.db"), sessions.Options{})
	if err != nil {
		t.Fatalf("sessions.Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// Messages handled before a crash are not delivered again; the one in
// flight is, once; Telegram is only told an update is confirmed once its
// message is done.
func TestExactlyOnceAcrossRestart(t *testing.T) {
	f := fakes.NewTelegram(t)
	dir := t.TempDir()
	chat := fakes.PrivateChat(ada)

	st := openLedger(t, dir)
	cfg := config(t, f)
	cfg.Ledger = st
	in := adaptertest.NewInbox()
	stop := adaptertest.Running(t, mustNew(t, cfg), in)
	var ids []int64
	for _, text := range []string{"one", "two", "three"} {
		ids = append(ids, f.SendText(chat, ada, text).UpdateID)
	}
	got := map[string]adapters.Message{}
	for range 3 {
		m := in.Next(t)
		got[m.Text] = m
	}
	got["one"].Done()
	got["three"].Done()
	f.WaitConfirmed(t, ids[0]) // one is confirmed, two is not
	if c := f.Confirmed(); c > ids[1] {
		t.Fatalf("Telegram confirmed up to %d while update %d is in flight", c, ids[1])
	}
	// The process dies with "two" in flight: it is never Done.
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	st.Close()

	st = openLedger(t, dir)
	cfg.Ledger = st
	in = adaptertest.NewInbox()
	adaptertest.Running(t, mustNew(t, cfg), in)
	m := in.Next(t)
	if m.Text != "two" {
		t.Fatalf("after the restart, delivered %q, want only %q", m.Text, "two")
	}
	m.Done()
	f.SendText(chat, ada, "four")
	if m := in.Next(t); m.Text != "four" {
		t.Fatalf("delivered %q, want %q (three was handled before the crash)", m.Text, "four")
	}
}

// In groups, plain text reaches the gateway only when it mentions the bot
// or replies to it; commands always; bots, stickers, photos and edits
// never.
func TestGroupIntake(t *testing.T) {
	f := fakes.NewTelegram(t)
	in := adaptertest.NewInbox()
	a := mustNew(t, config(t, f))
	adaptertest.Running(t, a, in)
	f.AddChat(group)
	bot := f.Me().Username

	f.SendText(group, ada, "just chatting")
	f.Send(fakes.TelegramIncoming{Chat: group, From: ada, Sticker: "👍"})
	f.Send(fakes.TelegramIncoming{Chat: group, From: ada, Photo: true, Text: "@" + bot + " look"})
	f.SendText(group, fakes.TelegramUser{ID: 9, IsBot: true, FirstName: "Other", Username: "other_bot"}, "@"+bot+" hi")
	f.SendText(group, ada, "/model@"+strings.ToUpper(bot)+" list")
	m := in.Next(t)
	want := adapters.Message{Channel: "telegram", Chat: "-1001234", Sender: adapters.Sender{ID: "501", Name: "ada"}, Text: "/model@" + strings.ToUpper(bot) + " list", BotName: bot}
	if diff := cmp.Diff(want, m, ignoreHandles); diff != "" {
		t.Fatalf("the command (-want +got):\n%s", diff)
	}
	if err := m.Reply.Reply(t.Context(), adapters.Reply{Text: "Models:"}); err != nil {
		t.Fatal(err)
	}
	m.Done()
	edited := f.SendText(group, bob, "@"+bot+" what is 2+2?")
	m = in.Next(t)
	if m.Text != "what is 2+2?" || m.Sender.ID != "502" {
		t.Fatalf("the mention delivered %q from %s", m.Text, m.Sender.ID)
	}
	m.Done()
	f.Edit(group.ID, edited.ID, "@"+bot+" what is 3+3?")
	var reply fakes.TelegramMessage // ours, not the other bot's
	for _, msg := range f.BotMessages(group.ID) {
		if msg.From.ID == f.Me().ID {
			reply = msg
		}
	}
	f.Send(fakes.TelegramIncoming{Chat: group, From: bob, Text: "and why?", ReplyTo: reply.ID})
	if m := in.Next(t); m.Text != "and why?" {
		t.Fatalf("the reply to the bot delivered %q", m.Text)
	}
	if m, ok := in.Poll(); ok {
		t.Fatalf("also delivered %q", m.Text)
	}
}

var ignoreHandles = cmp.FilterPath(func(p cmp.Path) bool {
	s := p.Last().String()
	return s == ".Reply" || s == ".Done"
}, cmp.Ignore())

// A forum topic is a chat of its own, and the reply goes to the topic.
func TestForumTopic(t *testing.T) {
	f := fakes.NewTelegram(t)
	in := adaptertest.NewInbox()
	adaptertest.Running(t, mustNew(t, config(t, f)), in)
	forum := fakes.SupergroupChat(-1005555, "forum", true)
	topic := f.CreateTopic(forum, ada, "models")
	f.Send(fakes.TelegramIncoming{Chat: forum, From: ada, Text: "/model", ThreadID: topic})
	m := in.Next(t)
	if want := chatRef(forum.ID, topic); m.Chat != want {
		t.Fatalf("chat %q, want %q", m.Chat, want)
	}
	if err := m.Reply.(adapters.Typer).Typing(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := m.Reply.Reply(t.Context(), adapters.Reply{Text: "Current model: sonnet."}); err != nil {
		t.Fatal(err)
	}
	got := f.BotMessages(forum.ID)
	if len(got) != 1 || got[0].ThreadID != topic || got[0].Text != "Current model: sonnet." {
		t.Fatalf("bot messages %+v, want one in topic %d", got, topic)
	}
	if acts := f.Actions(forum.ID); len(acts) != 1 || acts[0].Action != "typing" || acts[0].ThreadID != topic {
		t.Errorf("chat actions %+v, want typing in topic %d", acts, topic)
	}
}

// A token Telegram rejects ends Run with ErrTokenRejected, without the
// token in the error.
func TestTokenRejected(t *testing.T) {
	f := fakes.NewTelegram(t)
	cfg := config(t, f)
	f.SetToken("123456:another-token-entirely-0123456789")
	err := mustNew(t, cfg).Run(t.Context(), adaptertest.NewInbox())
	if !errors.Is(err, ErrTokenRejected) {
		t.Fatalf("Run = %v, want ErrTokenRejected", err)
	}
	if strings.Contains(err.Error(), cfg.Token.Reveal()) {
		t.Errorf("the error shows the token: %v", err)
	}
	t.Logf("the error: %v", err)
}

// 409, 5xx and a dropped connection on getUpdates are survived, and 429
// on sendMessage waits its retry_after: nothing is lost.
func TestFaultsSurvived(t *testing.T) {
	f := fakes.NewTelegram(t)
	in := adaptertest.NewInbox()
	adaptertest.Running(t, mustNew(t, config(t, f)), in)
	chat := fakes.PrivateChat(ada)
	f.SendText(chat, ada, "first")
	m := in.Next(t)
	f.FailNext("getUpdates", 1, fakes.TelegramPollConflict())
	f.FailNext("getUpdates", 1, fakes.TelegramServerError(502))
	f.FailNext("getUpdates", 1, fakes.TelegramDropped())
	f.FailNext("sendMessage", 1, fakes.TelegramFlood(1))
	if err := m.Reply.Reply(t.Context(), adapters.Reply{Text: "answer"}); err != nil {
		t.Fatalf("Reply after a 429: %v", err)
	}
	m.Done()
	f.SendText(chat, ada, "second")
	if m := in.Next(t); m.Text != "second" {
		t.Fatalf("delivered %q, want %q", m.Text, "second")
	}
	if got := f.BotMessages(chat.ID); len(got) != 1 || got[0].Text != "answer" {
		t.Errorf("bot messages %+v, want the one answer", got)
	}
	var statuses []int
	for _, c := range f.Calls("getUpdates") {
		statuses = append(statuses, c.Status)
	}
	for _, want := range []int{409, 502} {
		if !slices.Contains(statuses, want) {
			t.Errorf("getUpdates answered %v: no %d", statuses, want)
		}
	}
}

// A picker: only its opener may press it, each press is answered, the
// press delivers the choice's command, whose reply edits the picker in
// place; after a restart a press is answered as expired.
func TestPicker(t *testing.T) {
	f := fakes.NewTelegram(t)
	in := adaptertest.NewInbox()
	cfg := config(t, f)
	cfg.Ledger = openLedger(t, t.TempDir()) // what was handled stays handled across the restart
	stop := adaptertest.Running(t, mustNew(t, cfg), in)
	f.AddChat(group)
	f.SendText(group, ada, "/model list")
	m := in.Next(t)
	long := "/model openrouter/moonshotai/kimi-k2-instruct-0905@openrouter:a-rather-long-profile-name-indeed"
	err := m.Reply.Reply(t.Context(), adapters.Reply{Text: "Pick:", Choices: []adapters.Choice{
		{Label: "sonnet · work", Command: "/model anthropic/claude-sonnet-4-5@anthropic:work"},
		{Label: "kimi", Command: long},
	}})
	if err != nil {
		t.Fatal(err)
	}
	m.Done()
	picker := f.BotMessages(group.ID)[0]
	data := picker.ReplyMarkup.InlineKeyboard[1][0].CallbackData

	q, err := f.Press(bob, group.ID, picker.ID, data)
	if err != nil {
		t.Fatal(err)
	}
	q2, err := f.Press(ada, group.ID, picker.ID, data)
	if err != nil {
		t.Fatal(err)
	}
	m = in.Next(t)
	if m.Text != long || m.Sender.ID != "501" || m.Chat != "-1001234" || m.Direct {
		t.Fatalf("the press delivered %q from %s in %s", m.Text, m.Sender.ID, m.Chat)
	}
	if q, _ = f.Callback(q.ID); !q.Answered || q.Text != pickstore.NotYoursText {
		t.Errorf("Bob's press: answered %v with %q, want %q", q.Answered, q.Text, pickstore.NotYoursText)
	}
	if q2, _ = f.Callback(q2.ID); !q2.Answered || q2.Text != "" {
		t.Errorf("Ada's press: answered %v with %q, want no text", q2.Answered, q2.Text)
	}
	// The reply turns the picker into the next one, in place.
	err = m.Reply.Reply(t.Context(), adapters.Reply{Text: "Pick a credential:", Choices: []adapters.Choice{{Label: "a", Command: "/model x@a"}}})
	if err != nil {
		t.Fatal(err)
	}
	m.Done()
	msgs := f.BotMessages(group.ID)
	if len(msgs) != 1 || msgs[0].Text != "Pick a credential:" || len(msgs[0].ReplyMarkup.InlineKeyboard) != 1 {
		t.Fatalf("after the press, bot messages %+v: want the picker edited", msgs)
	}
	data = msgs[0].ReplyMarkup.InlineKeyboard[0][0].CallbackData
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	// A restart forgets the picker.
	in = adaptertest.NewInbox()
	adaptertest.Running(t, mustNew(t, cfg), in)
	q3, err := f.Press(ada, group.ID, msgs[0].ID, data)
	if err != nil {
		t.Fatal(err)
	}
	f.WaitUntil(t, "the expired press answered", func() bool { q, _ := f.Callback(q3.ID); return q.Answered })
	if q3, _ = f.Callback(q3.ID); q3.Text != pickstore.ExpiredText {
		t.Errorf("a press after a restart answered %q, want %q", q3.Text, pickstore.ExpiredText)
	}
	f.SendText(group, ada, "/new")
	if m := in.Next(t); m.Text != "/new" {
		t.Fatalf("delivered %q: the expired press reached the gateway", m.Text)
	}
}

// The final press turns the picker into the command's reply: text, no
// keyboard.
func TestPickerFinalReply(t *testing.T) {
	f := fakes.NewTelegram(t)
	in := adaptertest.NewInbox()
	adaptertest.Running(t, mustNew(t, config(t, f)), in)
	chat := fakes.PrivateChat(ada)
	f.SendText(chat, ada, "/model list")
	m := in.Next(t)
	if err := m.Reply.Reply(t.Context(), adapters.Reply{Text: "Pick:", Choices: []adapters.Choice{{Label: "s", Command: "/model s"}}}); err != nil {
		t.Fatal(err)
	}
	m.Done()
	p := f.BotMessages(chat.ID)[0]
	if _, err := f.Press(ada, chat.ID, p.ID, p.ReplyMarkup.InlineKeyboard[0][0].CallbackData); err != nil {
		t.Fatal(err)
	}
	m = in.Next(t)
	if !m.Direct {
		t.Error("a press in a private chat is not Direct")
	}
	if err := m.Reply.Reply(t.Context(), adapters.Reply{Text: "Model set to s."}); err != nil {
		t.Fatal(err)
	}
	m.Done()
	msgs := f.BotMessages(chat.ID)
	if len(msgs) != 1 || msgs[0].Text != "Model set to s." || (msgs[0].ReplyMarkup != nil && len(msgs[0].ReplyMarkup.InlineKeyboard) > 0) {
		t.Fatalf("bot messages %+v: want the picker turned into the reply, without buttons", msgs)
	}
}

// The menu is set and read back, never deleted.
func TestSetCommands(t *testing.T) {
	f := fakes.NewTelegram(t)
	a := mustNew(t, config(t, f))
	specs := []adapters.CommandSpec{{Name: "model", Description: "Show or set the model"}, {Name: "new", Description: "New conversation"}}
	if err := a.SetCommands(t.Context(), specs); err != nil {
		t.Fatalf("SetCommands: %v", err)
	}
	want := []fakes.TelegramCommand{{Command: "model", Description: "Show or set the model"}, {Command: "new", Description: "New conversation"}}
	if diff := cmp.Diff(want, f.Commands("default", "")); diff != "" {
		t.Errorf("the menu (-want +got):\n%s", diff)
	}
	if n := len(f.Calls("deleteMyCommands")); n != 0 {
		t.Errorf("deleteMyCommands called %d times", n)
	}
	if n := len(f.Calls("getMyCommands")); n != 1 {
		t.Errorf("getMyCommands called %d times, want 1", n)
	}
}

// A long Markdown reply arrives as valid messages within the limit, code
// blocks intact; a reply Telegram cannot parse goes again as plain text.
func TestStreamedReplies(t *testing.T) {
	f := fakes.NewTelegram(t)
	in := adaptertest.NewInbox()
	adaptertest.Running(t, mustNew(t, config(t, f)), in)
	chat := fakes.PrivateChat(ada)
	f.SendText(chat, ada, "write a lot")
	m := in.Next(t)
	var b strings.Builder
	for i := 0; b.Len() < 9000; i++ {
		b.WriteString("Paragraph with **bold** and `code` <tag> & café.\n\n")
		if i%20 == 0 {
			b.WriteString("```go\nfunc main() { fmt.Println(\"<hi>\") }\n```\n\n")
		}
	}
	text := strings.TrimSpace(b.String())
	st, err := m.Reply.(adapters.Streamer).StartStream(t.Context(), false)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Update(t.Context(), text[:100]); err != nil {
		t.Fatal(err)
	}
	if err := st.Finish(t.Context(), adapters.Reply{Text: text}); err != nil {
		t.Fatal(err)
	}
	m.Done()
	msgs := f.BotMessages(chat.ID)
	if len(msgs) < 3 {
		t.Fatalf("%d messages for a %d-character reply", len(msgs), len(text))
	}
	var all strings.Builder
	for _, msg := range msgs {
		if n := len16(msg.Text); n > maxText {
			t.Errorf("message %d: %d units", msg.ID, n)
		}
		if msg.ParseMode != "HTML" {
			t.Errorf("message %d sent with parse mode %q", msg.ID, msg.ParseMode)
		}
		all.WriteString(msg.Text)
	}
	for _, want := range []string{"<tag> & café", "bold", `fmt.Println("<hi>")`} {
		if !strings.Contains(all.String(), want) {
			t.Errorf("the messages do not show %q", want)
		}
	}
	if strings.Contains(all.String(), "**") {
		t.Error("Markdown markers shown")
	}

	f.SendText(chat, ada, "again")
	m = in.Next(t)
	f.FailNext("sendMessage", 1, fakes.TelegramFault{Status: 400, Description: fakes.TelegramCantParse + "Unsupported start tag"})
	st, _ = m.Reply.(adapters.Streamer).StartStream(t.Context(), false)
	if err := st.Finish(t.Context(), adapters.Reply{Text: "**fine**"}); err != nil {
		t.Fatalf("Finish after a parse error: %v", err)
	}
	msgs = f.BotMessages(chat.ID)
	if last := msgs[len(msgs)-1]; last.Text != "**fine**" || last.ParseMode != "" {
		t.Errorf("the fallback: %q in mode %q, want the plain text", last.Text, last.ParseMode)
	}
}

// A group that became a supergroup is followed.
func TestMigratedGroup(t *testing.T) {
	f := fakes.NewTelegram(t)
	in := adaptertest.NewInbox()
	adaptertest.Running(t, mustNew(t, config(t, f)), in)
	old := fakes.GroupChat(-4242, "old")
	f.SendText(old, ada, "/model")
	m := in.Next(t)
	f.Migrate(old.ID, -1009999)
	if err := m.Reply.Reply(t.Context(), adapters.Reply{Text: "moved"}); err != nil {
		t.Fatalf("Reply: %v", err)
	}
	if got := f.BotMessages(-1009999); len(got) != 1 || got[0].Text != "moved" {
		t.Errorf("the supergroup has %+v", got)
	}
}

// The token never reaches the log, also when requests fail (a canary).
func TestTokenNeverLogged(t *testing.T) {
	f := fakes.NewTelegram(t)
	cfg := config(t, f)
	var logs lockedBuffer
	cfg.Log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f.FailNext("getMe", 1, fakes.TelegramDropped())
	f.FailNext("getUpdates", 1, fakes.TelegramDropped())
	f.FailNext("getUpdates", 1, fakes.TelegramServerError(502))
	in := adaptertest.NewInbox()
	stop := adaptertest.Running(t, mustNew(t, cfg), in)
	f.SendText(fakes.PrivateChat(ada), ada, "hi")
	m := in.Next(t)
	f.FailNext("sendMessage", 1, fakes.TelegramDropped())
	_ = m.Reply.Reply(t.Context(), adapters.Reply{Text: "x"})
	m.Done()
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	token := cfg.Token.Reveal()
	_, tail, _ := strings.Cut(token, ":")
	if out := logs.String(); strings.Contains(out, tail) {
		t.Errorf("the token is in the log:\n%s", out)
	} else if !strings.Contains(out, "retrying") {
		t.Errorf("no failure logged:\n%s", out)
	}
}

// lockedBuffer is a log written by the adapter and read by the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// A run of 409s (another poller) is logged once, with its fix, and
// polling resumes.
func TestConflictLoggedOnce(t *testing.T) {
	f := fakes.NewTelegram(t)
	cfg := config(t, f)
	var logs lockedBuffer
	cfg.Log = slog.New(slog.NewTextHandler(&logs, nil))
	f.FailNext("getUpdates", 3, fakes.TelegramPollConflict())
	in := adaptertest.NewInbox()
	adaptertest.Running(t, mustNew(t, cfg), in)
	f.SendText(fakes.PrivateChat(ada), ada, "still there?")
	in.Next(t).Done()
	out := logs.String()
	if n := strings.Count(out, "conflict (409)"); n != 1 {
		t.Errorf("the conflict logged %d times, want once:\n%s", n, out)
	}
	if !strings.Contains(out, "bot doctor") || !strings.Contains(out, "polling resumed") {
		t.Errorf("the log does not name the fix and the recovery:\n%s", out)
	}
}
