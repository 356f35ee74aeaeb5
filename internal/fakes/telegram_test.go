package fakes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/google/go-cmp/cmp"
)

var (
	alice = TelegramUser{ID: 1001, FirstName: "Alice", Username: "alice", LanguageCode: "en"}
	bob   = TelegramUser{ID: 1002, FirstName: "Bob", Username: "bob"}
)

// newTGBot returns a go-telegram/bot client of the fake, with opts added.
// The poll timeout is 2 s, so getUpdates carries timeout=1.
func newTGBot(t *testing.T, f *Telegram, opts ...bot.Option) *bot.Bot {
	t.Helper()
	base := []bot.Option{
		bot.WithServerURL(f.URL()),
		bot.WithHTTPClient(2*time.Second, &http.Client{Timeout: 5 * time.Second}),
		bot.WithErrorsHandler(func(error) {}),
	}
	b, err := bot.New(f.Token(), append(base, opts...)...)
	if err != nil {
		t.Fatalf("bot.New: %v", err)
	}
	return b
}

func TestTelegramGetMeAndUnauthorized(t *testing.T) {
	f := NewTelegram(t)
	b := newTGBot(t, f) // bot.New calls getMe
	me, err := b.GetMe(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if me.ID != 7000000001 || me.Username != "fake_bot" || !me.IsBot {
		t.Errorf("getMe = %+v", me)
	}
	_, err = bot.New("123:wrong", bot.WithServerURL(f.URL()))
	if !errors.Is(err, bot.ErrorUnauthorized) {
		t.Errorf("bot.New with a wrong token: %v, want ErrorUnauthorized", err)
	}
	for _, path := range []string{"/bot" + f.Token(), "/bot7000000001/getMe", "/getMe"} {
		resp, err := http.Post(f.URL()+path, "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Errorf("POST %s = %d, want 404", strings.ReplaceAll(path, f.Token(), "***"), resp.StatusCode)
		}
	}
	for _, c := range f.Calls() {
		for _, v := range []string{c.Path, c.Description} {
			if strings.Contains(v, f.Token()) || strings.Contains(v, "123:wrong") {
				t.Errorf("call log shows a token: %+v", c)
			}
		}
	}
	if got := f.Calls("getMe"); len(got) != 5 || got[2].Status != 401 || got[2].Path != "/bot***/getMe" {
		t.Errorf("getMe calls = %+v", got)
	}
}

// pollTo starts b's own poll loop, its updates going to a channel.
func pollTo(t *testing.T, f *Telegram, opts ...bot.Option) (*bot.Bot, <-chan *models.Update) {
	t.Helper()
	ch := make(chan *models.Update, 100)
	opts = append(opts, bot.WithSkipGetMe(), bot.WithDefaultHandler(func(_ context.Context, _ *bot.Bot, u *models.Update) {
		ch <- u
	}), bot.WithNotAsyncHandlers())
	b := newTGBot(t, f, opts...)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		b.Start(ctx)
		close(done)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return b, ch
}

func next(t *testing.T, ch <-chan *models.Update) *models.Update {
	t.Helper()
	select {
	case u := <-ch:
		return u
	case <-time.After(10 * time.Second):
		t.Fatal("no update arrived")
		return nil
	}
}

func TestTelegramPollAndReply(t *testing.T) {
	f := NewTelegram(t)
	b, ch := pollTo(t, f)
	sent := f.SendText(PrivateChat(alice), alice, "hello")
	u := next(t, ch)
	if u.ID != sent.UpdateID || u.Message == nil || u.Message.Text != "hello" || u.Message.From.ID != alice.ID ||
		u.Message.Chat.Type != "private" || u.Message.Chat.ID != alice.ID {
		t.Fatalf("update = %+v, message %+v", u, u.Message)
	}
	m, err := b.SendMessage(t.Context(), &bot.SendMessageParams{
		ChatID: alice.ID, Text: "<b>hi</b> &lt;there&gt;", ParseMode: models.ParseModeHTML,
		ReplyParameters: &models.ReplyParameters{MessageID: u.Message.ID},
		ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{
			{Text: "A", CallbackData: "pick:a"}, {Text: "site", URL: "https://example.com"},
		}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if m.Text != "hi <there>" || len(m.Entities) != 1 || m.Entities[0].Type != "bold" || m.Entities[0].Length != 2 ||
		m.ReplyToMessage == nil || m.ReplyToMessage.ID != u.Message.ID || m.ReplyMarkup == nil {
		t.Errorf("sendMessage result = %+v", m)
	}
	got := f.WaitBotMessages(t, alice.ID, 1)
	if got[0].Source != "<b>hi</b> &lt;there&gt;" || got[0].ParseMode != "HTML" || got[0].ReplyMarkup.InlineKeyboard[0][0].CallbackData != "pick:a" {
		t.Errorf("chat shows %+v", got[0])
	}
	// The library confirms the update with its next getUpdates.
	f.WaitConfirmed(t, sent.UpdateID)
	if p := f.Pending(); len(p) != 0 {
		t.Errorf("Pending = %v", p)
	}
}

func TestTelegramOffsetSemantics(t *testing.T) {
	f := NewTelegram(t)
	f.SetShortPoll(0) // real Telegram: timeout 0 answers at once
	f.SetNextUpdateID(700000000)
	var ids []int64
	for _, s := range []string{"one", "two", "three"} {
		ids = append(ids, f.SendText(PrivateChat(alice), alice, s).UpdateID)
	}
	get := func(params string) []int64 {
		t.Helper()
		resp, err := http.Post(f.URL()+"/bot"+f.Token()+"/getUpdates", "application/x-www-form-urlencoded", strings.NewReader(params))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body struct {
			Result []struct {
				ID int64 `json:"update_id"`
			} `json:"result"`
		}
		decodeJSON(t, resp.Body, &body)
		var out []int64
		for _, r := range body.Result {
			out = append(out, r.ID)
		}
		return out
	}
	if got := get(""); !cmp.Equal(got, ids) {
		t.Errorf("getUpdates without offset = %v, want %v", got, ids)
	}
	if got := get("offset=" + itoa(ids[1])); !cmp.Equal(got, ids[1:]) {
		t.Errorf("offset %d = %v", ids[1], got)
	}
	// Confirmed updates are gone for good, even for a lower offset.
	if got := get("offset=1"); !cmp.Equal(got, ids[1:]) || ids[0] != 700000000 {
		t.Errorf("after confirming: %v", got)
	}
	if got := get("offset=-1"); !cmp.Equal(got, ids[2:]) {
		t.Errorf("offset -1 = %v", got)
	}
	if got := get("limit=1"); !cmp.Equal(got, ids[2:]) {
		t.Errorf("limit 1 = %v", got)
	}
	if f.Confirmed() != ids[1] {
		t.Errorf("Confirmed = %d, want %d", f.Confirmed(), ids[1])
	}
}

func TestTelegramErrorsReachTheLibraryTyped(t *testing.T) {
	ctx := t.Context()
	f := NewTelegram(t)
	b := newTGBot(t, f, bot.WithSkipGetMe())
	f.AddChat(PrivateChat(alice))
	send := func(p *bot.SendMessageParams) error {
		if p.ChatID == nil {
			p.ChatID = alice.ID
		}
		_, err := b.SendMessage(ctx, p)
		return err
	}
	long := strings.Repeat("é", TelegramMaxText) // 4096 UTF-16 units: fits
	if err := send(&bot.SendMessageParams{Text: long}); err != nil {
		t.Errorf("4096 characters: %v", err)
	}
	for _, tc := range []struct {
		name string
		p    *bot.SendMessageParams
		desc string
	}{
		{"too long", &bot.SendMessageParams{Text: long + "x"}, TelegramTooLong},
		{"too long in UTF-16", &bot.SendMessageParams{Text: strings.Repeat("😀", 2049)}, TelegramTooLong},
		{"too long after parsing", &bot.SendMessageParams{Text: "<b>" + long + "x</b>", ParseMode: models.ParseModeHTML}, TelegramTooLong},
		{"empty", &bot.SendMessageParams{Text: "<b> </b>", ParseMode: models.ParseModeHTML}, TelegramEmptyText},
		{"bad tag", &bot.SendMessageParams{Text: "a <div>b</div>", ParseMode: models.ParseModeHTML},
			TelegramCantParse + `Unsupported start tag "div" at byte offset 2`},
		{"bare <", &bot.SendMessageParams{Text: "1 < 2", ParseMode: models.ParseModeHTML},
			TelegramCantParse + `Unsupported start tag "" at byte offset 2`},
		{"unclosed", &bot.SendMessageParams{Text: "<b>bold", ParseMode: models.ParseModeHTML},
			TelegramCantParse + `Can't find end tag corresponding to start tag "b"`},
		{"crossed", &bot.SendMessageParams{Text: "<b><i>x</b></i>", ParseMode: models.ParseModeHTML},
			TelegramCantParse + `Unmatched end tag at byte offset 7, expected "</i>", found "</b>"`},
		{"markdown reserved", &bot.SendMessageParams{Text: "end.", ParseMode: models.ParseModeMarkdown},
			TelegramCantParse + `Character '.' is reserved and must be escaped with the preceding '\'`},
		{"callback data too long", &bot.SendMessageParams{Text: "x", ReplyMarkup: &models.InlineKeyboardMarkup{
			InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "x", CallbackData: strings.Repeat("d", 65)}}}}}, TelegramButtonData},
		{"text button", &bot.SendMessageParams{Text: "x", ReplyMarkup: &models.InlineKeyboardMarkup{
			InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "x"}}}}}, TelegramTextButton},
		{"unknown chat", &bot.SendMessageParams{ChatID: 424242, Text: "x"}, TelegramChatNotFound},
		{"no chat", &bot.SendMessageParams{ChatID: "", Text: "x"}, "Bad Request: chat_id is empty"},
		{"reply to nothing", &bot.SendMessageParams{Text: "x", ReplyParameters: &models.ReplyParameters{MessageID: 999}}, TelegramReplyNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := send(tc.p)
			if !errors.Is(err, bot.ErrorBadRequest) || !strings.HasSuffix(err.Error(), tc.desc[len("Bad Request: "):]) {
				t.Errorf("%v, want ErrorBadRequest %q", err, tc.desc)
			}
		})
	}
	if err := send(&bot.SendMessageParams{Text: "x", ReplyMarkup: &models.InlineKeyboardMarkup{
		InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "x", CallbackData: strings.Repeat("d", 64)}}}}}); err != nil {
		t.Errorf("64 bytes of callback data: %v", err)
	}

	f.FailNext("sendMessage", 2, TelegramFlood(7))
	for range 2 {
		var tooMany *bot.TooManyRequestsError
		if err := send(&bot.SendMessageParams{Text: "x"}); !errors.As(err, &tooMany) || tooMany.RetryAfter != 7 {
			t.Errorf("flood: %v, want TooManyRequestsError retry_after 7", err)
		}
	}
	if err := send(&bot.SendMessageParams{Text: "x"}); err != nil {
		t.Errorf("after the flood: %v", err)
	}

	f.FailNext("", 1, TelegramServerError(502))
	if err := send(&bot.SendMessageParams{Text: "x"}); err == nil || !strings.Contains(err.Error(), "502") {
		t.Errorf("502: %v", err)
	}
	f.FailNext("sendMessage", 1, TelegramDropped())
	if err := send(&bot.SendMessageParams{Text: "x"}); err == nil || !strings.Contains(err.Error(), "error do request") {
		t.Errorf("dropped connection: %v", err)
	}

	f.AddChat(GroupChat(-55, "old group"))
	f.Migrate(-55, -1005500)
	if m := f.Messages(-55); len(m) != 1 || m[0].MigrateToChatID != -1005500 || m[0].UpdateID == 0 {
		t.Errorf("old group shows %+v", m)
	}
	if m := f.Messages(-1005500); len(m) != 1 || m[0].MigrateFromChatID != -55 || m[0].Chat.Type != "supergroup" {
		t.Errorf("supergroup shows %+v", m)
	}
	var migrate *bot.MigrateError
	if err := send(&bot.SendMessageParams{ChatID: -55, Text: "x"}); !errors.As(err, &migrate) || migrate.MigrateToChatID != -1005500 {
		t.Errorf("migrated group: %v, want MigrateError to -1005500", err)
	}
	if err := send(&bot.SendMessageParams{ChatID: -1005500, Text: "x"}); err != nil {
		t.Errorf("the supergroup: %v", err)
	}

	f.Block(alice, true)
	if err := send(&bot.SendMessageParams{Text: "x"}); !errors.Is(err, bot.ErrorForbidden) {
		t.Errorf("blocked: %v, want ErrorForbidden", err)
	}
	f.Block(alice, false)

	f.SetToken("7000000001:revoked-and-replaced")
	if err := send(&bot.SendMessageParams{Text: "x"}); !errors.Is(err, bot.ErrorUnauthorized) {
		t.Errorf("revoked token: %v, want ErrorUnauthorized", err)
	}
}

func decodeJSON(t *testing.T, r io.Reader, v any) {
	t.Helper()
	if err := json.NewDecoder(r).Decode(v); err != nil {
		t.Fatalf("answer is not JSON: %v", err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestTelegramEditsAndCallbacks(t *testing.T) {
	ctx := t.Context()
	f := NewTelegram(t)
	b, ch := pollTo(t, f)
	f.AddChat(PrivateChat(alice))
	kb := func(data ...string) *models.InlineKeyboardMarkup {
		var row []models.InlineKeyboardButton
		for _, d := range data {
			row = append(row, models.InlineKeyboardButton{Text: d, CallbackData: d})
		}
		return &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{row}}
	}
	m, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, Text: "Pick a provider", ReplyMarkup: kb("anthropic", "openai")})
	if err != nil {
		t.Fatal(err)
	}
	q, err := f.Press(alice, alice.ID, m.ID, "anthropic")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Press(alice, alice.ID, m.ID, "nope"); err == nil {
		t.Error("pressing a button that is not there succeeded")
	}
	u := next(t, ch)
	cq := u.CallbackQuery
	if cq == nil || cq.ID != q.ID || cq.Data != "anthropic" || cq.From.ID != alice.ID || cq.Message.Message == nil ||
		cq.Message.Message.ID != m.ID || cq.Message.Message.Chat.ID != alice.ID {
		t.Fatalf("callback update = %+v", u)
	}
	if ok, err := b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: cq.ID, Text: "ok"}); !ok || err != nil {
		t.Fatalf("answer: %v, %v", ok, err)
	}
	if _, err := b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: cq.ID}); !errors.Is(err, bot.ErrorBadRequest) ||
		!strings.Contains(err.Error(), "query is too old") {
		t.Errorf("second answer: %v", err)
	}
	if got, _ := f.Callback(q.ID); !got.Answered || got.Text != "ok" {
		t.Errorf("Callback = %+v", got)
	}
	q2, _ := f.Press(alice, alice.ID, m.ID, "openai")
	f.ExpireCallbacks()
	if _, err := b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: q2.ID}); !errors.Is(err, bot.ErrorBadRequest) {
		t.Errorf("expired answer: %v", err)
	}

	edit := func(text string, markup models.ReplyMarkup) error {
		_, err := b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: alice.ID, MessageID: m.ID, Text: text, ReplyMarkup: markup})
		return err
	}
	if err := edit("Pick a provider", kb("anthropic", "openai")); !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), "message is not modified") {
		t.Errorf("identical edit: %v", err)
	}
	if err := edit("Pick a model", kb("sonnet")); err != nil {
		t.Fatal(err)
	}
	// Telegram trims the text: trailing new lines change nothing.
	if err := edit("Pick a model\n\n", kb("sonnet")); !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), "message is not modified") {
		t.Errorf("edit adding new lines: %v", err)
	}
	// Editing the text without a keyboard removes it, as Telegram does.
	if err := edit("Pick a model", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := b.EditMessageReplyMarkup(ctx, &bot.EditMessageReplyMarkupParams{ChatID: alice.ID, MessageID: m.ID}); !errors.Is(err, bot.ErrorBadRequest) {
		t.Errorf("removing an absent keyboard: %v", err)
	}
	if _, err := b.EditMessageReplyMarkup(ctx, &bot.EditMessageReplyMarkupParams{ChatID: alice.ID, MessageID: m.ID, ReplyMarkup: kb("done")}); err != nil {
		t.Fatal(err)
	}
	if err := edit(strings.Repeat("x", TelegramMaxText+1), nil); !errors.Is(err, bot.ErrorBadRequest) || !strings.HasSuffix(err.Error(), TelegramEditTooLong) {
		t.Errorf("over-long edit: %v", err)
	}
	got := f.BotMessages(alice.ID)
	if len(got) != 1 || got[0].Text != "Pick a model" || got[0].Edits != 3 || got[0].ReplyMarkup.InlineKeyboard[0][0].CallbackData != "done" {
		t.Errorf("chat shows %+v", got)
	}
	user := f.SendText(PrivateChat(alice), alice, "mine")
	if _, err := b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: alice.ID, MessageID: user.ID, Text: "x"}); !errors.Is(err, bot.ErrorBadRequest) ||
		!strings.Contains(err.Error(), "message can't be edited") {
		t.Errorf("editing a user's message: %v", err)
	}

	if _, err := b.SendChatAction(ctx, &bot.SendChatActionParams{ChatID: alice.ID, Action: models.ChatActionTyping}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.SendChatAction(ctx, &bot.SendChatActionParams{ChatID: alice.ID, Action: "dancing"}); !errors.Is(err, bot.ErrorBadRequest) {
		t.Errorf("unknown action: %v", err)
	}
	if diff := cmp.Diff([]TelegramAction{{Action: "typing"}}, f.Actions(alice.ID)); diff != "" {
		t.Errorf("Actions (-want +got):\n%s", diff)
	}
}

func TestTelegramCommandMenus(t *testing.T) {
	ctx := t.Context()
	f := NewTelegram(t)
	b := newTGBot(t, f, bot.WithSkipGetMe())
	cmds := []models.BotCommand{{Command: "model", Description: "Show or pin the model"}, {Command: "help", Description: "Help"}}
	if _, err := b.SetMyCommands(ctx, &bot.SetMyCommandsParams{Commands: cmds}); err != nil {
		t.Fatal(err)
	}
	group := SupergroupChat(-1001, "team", false)
	f.AddChat(group)
	if _, err := b.SetMyCommands(ctx, &bot.SetMyCommandsParams{Commands: cmds[:1], Scope: &models.BotCommandScopeChat{ChatID: group.ID}, LanguageCode: "de"}); err != nil {
		t.Fatal(err)
	}
	back, err := b.GetMyCommands(ctx, &bot.GetMyCommandsParams{})
	if err != nil || len(back) != 2 || back[0] != cmds[0] {
		t.Errorf("getMyCommands default = %v, %v", back, err)
	}
	back, err = b.GetMyCommands(ctx, &bot.GetMyCommandsParams{Scope: &models.BotCommandScopeChat{ChatID: group.ID}, LanguageCode: "de"})
	if err != nil || len(back) != 1 {
		t.Errorf("getMyCommands chat/de = %v, %v", back, err)
	}
	if back, err := b.GetMyCommands(ctx, &bot.GetMyCommandsParams{Scope: &models.BotCommandScopeAllGroupChats{}}); err != nil || len(back) != 0 {
		t.Errorf("getMyCommands of an unset scope = %v, %v", back, err)
	}
	if got := f.Commands("chat:-1001", "de"); len(got) != 1 || got[0].Command != "model" {
		t.Errorf("Commands(chat:-1001, de) = %v", got)
	}
	// What users see: the chat's German list for a German speaker in
	// the group, the default list elsewhere.
	hans := TelegramUser{ID: 1003, FirstName: "Hans", LanguageCode: "de"}
	if got := f.Menu(group, hans, false); len(got) != 1 {
		t.Errorf("Menu(group, de) = %v", got)
	}
	if got := f.Menu(group, alice, false); len(got) != 2 {
		t.Errorf("Menu(group, en) = %v", got)
	}
	if got := f.Menu(PrivateChat(hans), hans, false); len(got) != 2 {
		t.Errorf("Menu(private, de) = %v", got)
	}
	many := make([]models.BotCommand, 101)
	for i := range many {
		many[i] = models.BotCommand{Command: "c" + strconv.Itoa(i), Description: "d"}
	}
	for _, tc := range []struct {
		name string
		cmds []models.BotCommand
		desc string
	}{
		{"upper case", []models.BotCommand{{Command: "Model", Description: "x"}}, TelegramCommandInvalid},
		{"slash", []models.BotCommand{{Command: "/model", Description: "x"}}, TelegramCommandInvalid},
		{"33 characters", []models.BotCommand{{Command: strings.Repeat("a", 33), Description: "x"}}, TelegramCommandInvalid},
		{"empty description", []models.BotCommand{{Command: "a", Description: ""}}, TelegramDescriptionEmpty},
		{"long description", []models.BotCommand{{Command: "a", Description: strings.Repeat("d", 257)}}, TelegramDescriptionLong},
		{"101 commands", many, TelegramCommandsTooMuch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := b.SetMyCommands(ctx, &bot.SetMyCommandsParams{Commands: tc.cmds})
			if !errors.Is(err, bot.ErrorBadRequest) || !strings.HasSuffix(err.Error(), tc.desc) {
				t.Errorf("%v, want %q", err, tc.desc)
			}
		})
	}
	// A rejected set leaves the menu as it was.
	if got := f.Commands("default", ""); len(got) != 2 {
		t.Errorf("menu after rejected sets = %v", got)
	}
	if _, err := b.DeleteMyCommands(ctx, &bot.DeleteMyCommandsParams{}); err != nil {
		t.Fatal(err)
	}
	if got := f.Commands("default", ""); len(got) != 0 {
		t.Errorf("menu after delete = %v", got)
	}
	calls := f.Calls("setMyCommands", "deleteMyCommands")
	if calls[0].Method != "setMyCommands" || calls[len(calls)-1].Method != "deleteMyCommands" || calls[0].Params["commands"] == "" {
		t.Errorf("calls = %+v", calls)
	}
}

func TestTelegramConflicts(t *testing.T) {
	f := NewTelegram(t)
	_, ch := pollTo(t, f)
	// Wait until the library's poller is blocked in getUpdates.
	f.WaitUntil(t, "a pending getUpdates", func() bool { return f.Polling() })
	// A second poller with the same token: Telegram ends the older
	// request with 409; the library logs it and polls again.
	f.SetShortPoll(0)
	resp, err := http.Post(f.URL()+"/bot"+f.Token()+"/getUpdates", "application/json", strings.NewReader(`{"timeout":0}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	f.WaitUntil(t, "a 409", func() bool {
		for _, c := range f.Calls("getUpdates") {
			if c.Status == 409 && c.Description == TelegramConflictPolling {
				return true
			}
		}
		return false
	})
	sent := f.SendText(PrivateChat(alice), alice, "still there")
	if u := next(t, ch); u.ID != sent.UpdateID {
		t.Errorf("after the conflict: update %d, want %d", u.ID, sent.UpdateID)
	}

	f.FailNext("getUpdates", 1, TelegramPollConflict())
	f.FailNext("getUpdates", 1, TelegramDropped())
	f.FailNext("getUpdates", 1, TelegramFlood(1))
	sent = f.SendText(PrivateChat(alice), alice, "after the faults")
	if u := next(t, ch); u.ID != sent.UpdateID {
		t.Errorf("after the faults: update %d, want %d", u.ID, sent.UpdateID)
	}
}

func TestTelegramWebhookConflict(t *testing.T) {
	f := NewTelegram(t)
	b := newTGBot(t, f, bot.WithSkipGetMe())
	// A webhook makes getUpdates a 409; deleteWebhook ends it. A poll
	// waiting when the webhook is set ends with a 409 too.
	waiting := make(chan int, 1)
	go func() {
		resp, err := http.Post(f.URL()+"/bot"+f.Token()+"/getUpdates", "application/json", strings.NewReader(`{"timeout":50}`))
		if err != nil {
			waiting <- 0
			return
		}
		resp.Body.Close()
		waiting <- resp.StatusCode
	}()
	f.WaitUntil(t, "a waiting getUpdates", f.Polling)
	if _, err := b.SetWebhook(t.Context(), &bot.SetWebhookParams{URL: "https://example.com/hook", SecretToken: "s3cret_-X"}); err != nil {
		t.Fatal(err)
	}
	if w := f.Webhook(); w.URL != "https://example.com/hook" || w.SecretToken != "s3cret_-X" {
		t.Errorf("Webhook = %+v", w)
	}
	if status := <-waiting; status != 409 {
		t.Errorf("the waiting poll = %d, want 409", status)
	}
	if c := f.Calls("getUpdates"); len(c) != 1 || c[0].Description != TelegramConflictSetWebhook {
		t.Errorf("getUpdates calls = %+v", c)
	}
	for _, tc := range []struct{ url, secret string }{{"http://example.com/hook", ""}, {"https://example.com/hook", "no spaces"}} {
		if _, err := b.SetWebhook(t.Context(), &bot.SetWebhookParams{URL: tc.url, SecretToken: tc.secret}); !errors.Is(err, bot.ErrorBadRequest) {
			t.Errorf("setWebhook %q %q: %v", tc.url, tc.secret, err)
		}
	}
	poll := func() (int, string) {
		resp, err := http.Post(f.URL()+"/bot"+f.Token()+"/getUpdates", "application/json", strings.NewReader(`{"timeout":0}`))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body struct{ Description string }
		decodeJSON(t, resp.Body, &body)
		return resp.StatusCode, body.Description
	}
	if status, desc := poll(); status != 409 || desc != TelegramConflictWebhook {
		t.Errorf("getUpdates with a webhook = %d %q", status, desc)
	}
	if _, err := b.DeleteWebhook(t.Context(), &bot.DeleteWebhookParams{}); err != nil {
		t.Fatal(err)
	}
	f.SetShortPoll(0)
	if status, _ := poll(); status != 200 {
		t.Errorf("getUpdates after deleteWebhook = %d", status)
	}
}

func TestTelegramUserMessages(t *testing.T) {
	f := NewTelegram(t)
	b, ch := pollTo(t, f)
	group := SupergroupChat(-1002, "team", false)
	// "é" is 1 UTF-16 unit but 2 bytes; "😀" 2 units, 4 bytes.
	m := f.SendText(group, alice, "😀é /model@fake_bot sonnet, ask @someone")
	want := []TelegramEntity{{Type: "bot_command", Offset: 4, Length: 15}, {Type: "mention", Offset: 32, Length: 8}}
	if diff := cmp.Diff(want, m.Entities); diff != "" {
		t.Errorf("entities (-want +got):\n%s", diff)
	}
	u := next(t, ch)
	if u.Message.Chat.Type != "supergroup" || len(u.Message.Entities) != 2 || u.Message.Entities[0].Offset != 4 {
		t.Errorf("group message = %+v", u.Message)
	}
	reply, err := b.SendMessage(t.Context(), &bot.SendMessageParams{ChatID: group.ID, Text: "pinned"})
	if err != nil {
		t.Fatal(err)
	}
	r := f.Send(TelegramIncoming{Chat: group, From: bob, Text: "thanks", ReplyTo: reply.ID})
	if u := next(t, ch); u.Message.ReplyToMessage == nil || u.Message.ReplyToMessage.From.ID != 7000000001 || u.Message.ID != r.ID {
		t.Errorf("reply = %+v", u.Message)
	}
	if _, ok := f.Edit(group.ID, r.ID, "thanks!"); !ok {
		t.Fatal("Edit failed")
	}
	if u := next(t, ch); u.EditedMessage == nil || u.EditedMessage.Text != "thanks!" || u.EditedMessage.EditDate == 0 {
		t.Errorf("edit = %+v", u)
	}
	f.Send(TelegramIncoming{Chat: PrivateChat(bob), From: bob, Sticker: "👍"})
	if u := next(t, ch); u.Message.Sticker == nil || u.Message.Text != "" || u.Message.Sticker.Emoji != "👍" {
		t.Errorf("sticker = %+v", u.Message)
	}
	f.Send(TelegramIncoming{Chat: PrivateChat(bob), From: bob, Photo: true})
	if u := next(t, ch); len(u.Message.Photo) == 0 || u.Message.Text != "" || u.Message.Caption != "" {
		t.Errorf("photo = %+v", u.Message)
	}
	f.Send(TelegramIncoming{Chat: group, From: bob, Photo: true, Text: "look @fake_bot"})
	if u := next(t, ch); u.Message.Caption != "look @fake_bot" || len(u.Message.CaptionEntities) != 1 || u.Message.CaptionEntities[0].Offset != 5 {
		t.Errorf("photo with a caption = %+v", u.Message)
	}

	f.SetPrivacyMode(true)
	for _, tc := range []struct {
		text string
		seen bool
	}{{"just chatting", false}, {"/help", true}, {"hey @FAKE_bot", true}, {"hey @other_bot", false}} {
		if m := f.SendText(group, bob, tc.text); (m.UpdateID != 0) != tc.seen {
			t.Errorf("privacy mode, %q: update %d, want seen %v", tc.text, m.UpdateID, tc.seen)
		}
	}
	if m := f.Send(TelegramIncoming{Chat: group, From: bob, Text: "ok", ReplyTo: reply.ID}); m.UpdateID == 0 {
		t.Error("privacy mode hides a reply to the bot")
	}
	for range 3 {
		next(t, ch)
	}
	f.SetPrivacyMode(false)

	forum := SupergroupChat(-1003, "forum", true)
	thread := f.CreateTopic(forum, alice, "ideas")
	if u := next(t, ch); u.Message.ForumTopicCreated == nil || u.Message.MessageThreadID != thread {
		t.Errorf("topic created = %+v", u.Message)
	}
	f.Send(TelegramIncoming{Chat: forum, From: alice, Text: "in the topic", ThreadID: thread})
	u = next(t, ch)
	if !u.Message.IsTopicMessage || u.Message.MessageThreadID != thread || u.Message.ReplyToMessage == nil || u.Message.ReplyToMessage.ID != thread {
		t.Errorf("topic message = %+v", u.Message)
	}
	if _, err := b.SendMessage(t.Context(), &bot.SendMessageParams{ChatID: forum.ID, MessageThreadID: thread, Text: "answer"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.SendMessage(t.Context(), &bot.SendMessageParams{ChatID: forum.ID, MessageThreadID: 999, Text: "x"}); !errors.Is(err, bot.ErrorBadRequest) {
		t.Errorf("unknown topic: %v", err)
	}
	if got := f.BotMessages(forum.ID); len(got) != 1 || got[0].ThreadID != thread {
		t.Errorf("forum shows %+v", got)
	}
}

func TestTelegramFloodLimits(t *testing.T) {
	ctx := t.Context()
	f := NewTelegram(t)
	clock := NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	f.SetClock(clock.Now)
	limits := DefaultTelegramLimits()
	f.EnforceLimits(&limits)
	b := newTGBot(t, f, bot.WithSkipGetMe())
	f.AddChat(PrivateChat(alice))
	group := GroupChat(-77, "team")
	f.AddChat(group)
	send := func(chat int64) error {
		_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: chat, Text: "x"})
		return err
	}
	for i := range 3 {
		if err := send(alice.ID); err != nil {
			t.Fatalf("message %d of a burst: %v", i+1, err)
		}
	}
	var tooMany *bot.TooManyRequestsError
	if err := send(alice.ID); !errors.As(err, &tooMany) || tooMany.RetryAfter != 3 {
		t.Fatalf("4th message in the same second: %v, want retry_after 3", err)
	}
	// A rejected message does not count; other chats are not held back.
	if err := send(group.ID); err != nil {
		t.Errorf("another chat: %v", err)
	}
	clock.Advance(3 * time.Second)
	if err := send(alice.ID); err != nil {
		t.Errorf("after retry_after: %v", err)
	}
	// A group: 20 a minute.
	for i := 1; i < 20; i++ {
		clock.Advance(time.Second)
		if err := send(group.ID); err != nil {
			t.Fatalf("group message %d: %v", i+1, err)
		}
	}
	clock.Advance(time.Second)
	if err := send(group.ID); !errors.As(err, &tooMany) || tooMany.RetryAfter < 30 {
		t.Errorf("21st group message in a minute: %v", err)
	}
	f.EnforceLimits(nil)
	if err := send(group.ID); err != nil {
		t.Errorf("limits off: %v", err)
	}
}

func TestTelegramWebhook(t *testing.T) {
	f := NewTelegram(t)
	got := make(chan *models.Update, 10)
	b := newTGBot(t, f, bot.WithSkipGetMe(), bot.WithWebhookSecretToken("hook_secret"),
		bot.WithDefaultHandler(func(_ context.Context, _ *bot.Bot, u *models.Update) { got <- u }))
	hook := httptest.NewServer(b.WebhookHandler())
	t.Cleanup(hook.Close)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { b.StartWebhook(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	sent := f.SendText(PrivateChat(alice), alice, "queued before the webhook")
	if _, err := b.SetWebhook(t.Context(), &bot.SetWebhookParams{URL: hook.URL + "/tg", SecretToken: "hook_secret"}); err != nil {
		t.Fatal(err)
	}
	if u := next(t, got); u.ID != sent.UpdateID {
		t.Errorf("webhook update %d, want %d", u.ID, sent.UpdateID)
	}
	f.WaitConfirmed(t, sent.UpdateID)
	d := f.WebhookDeliveries()
	if len(d) != 1 || d[0].Secret != "hook_secret" || d[0].Status != 200 {
		t.Errorf("deliveries = %+v", d)
	}
	info := struct {
		URL     string `json:"url"`
		Pending int    `json:"pending_update_count"`
	}{}
	resp, err := http.Get(f.URL() + "/bot" + f.Token() + "/getWebhookInfo")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Result json.RawMessage }
	decodeJSON(t, resp.Body, &body)
	json.Unmarshal(body.Result, &info)
	if info.URL != hook.URL+"/tg" || info.Pending != 0 {
		t.Errorf("getWebhookInfo = %+v", info)
	}
}

func TestParseTelegramHTML(t *testing.T) {
	for _, tc := range []struct {
		in, text string
		ents     []TelegramEntity
		err      string
	}{
		{in: "plain", text: "plain"},
		{in: "<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s><strike>k</strike><del>d</del>", text: "bsieunskd",
			ents: []TelegramEntity{{"bold", 0, 1, "", "", ""}, {"bold", 1, 1, "", "", ""}, {"italic", 2, 1, "", "", ""}, {"italic", 3, 1, "", "", ""},
				{"underline", 4, 1, "", "", ""}, {"underline", 5, 1, "", "", ""}, {"strikethrough", 6, 1, "", "", ""}, {"strikethrough", 7, 1, "", "", ""}, {"strikethrough", 8, 1, "", "", ""}}},
		{in: `<span class="tg-spoiler">x</span><tg-spoiler>y</tg-spoiler>`, text: "xy",
			ents: []TelegramEntity{{Type: "spoiler", Offset: 0, Length: 1}, {Type: "spoiler", Offset: 1, Length: 1}}},
		{in: `<a href="https://e.com/?a=1&amp;b=2">link</a>`, text: "link",
			ents: []TelegramEntity{{Type: "text_link", Offset: 0, Length: 4, URL: "https://e.com/?a=1&b=2"}}},
		{in: "<pre><code class=\"language-go\">x := 1</code></pre>", text: "x := 1",
			ents: []TelegramEntity{{Type: "pre", Offset: 0, Length: 6, Language: "go"}}},
		{in: "<code>a &lt; b</code>", text: "a < b", ents: []TelegramEntity{{Type: "code", Offset: 0, Length: 5}}},
		{in: "<blockquote expandable>q</blockquote><blockquote>r</blockquote>", text: "qr",
			ents: []TelegramEntity{{Type: "expandable_blockquote", Offset: 0, Length: 1}, {Type: "blockquote", Offset: 1, Length: 1}}},
		{in: "😀<b>é</b>", text: "😀é", ents: []TelegramEntity{{Type: "bold", Offset: 2, Length: 1}}},
		{in: "&#128512;&#x41;&amp&nbsp;&unknown; >", text: "😀A&&nbsp;&unknown; >"},
		{in: "<B>x</B >", text: "x", ents: []TelegramEntity{{Type: "bold", Offset: 0, Length: 1}}},
		{in: "<b>x</>", text: "x", ents: []TelegramEntity{{Type: "bold", Offset: 0, Length: 1}}},
		{in: "<br>", err: `Unsupported start tag "br" at byte offset 0`},
		{in: "a<b", err: "Unclosed start tag at byte offset 1"},
		{in: "</b>", err: "Unexpected end tag at byte offset 0"},
		{in: "<b>x</i>", err: `Unmatched end tag at byte offset 4, expected "</b>", found "</i>"`},
		{in: "<b>x</b", err: "Unclosed end tag at byte offset 4"},
		{in: "<span>x</span>", err: `Tag "span" must have class "tg-spoiler" at byte offset 0`},
		{in: `<a href=x"y">z</a>`, err: "Unexpected end of name token at byte offset 8"},
		{in: `<a href>z</a>`, err: `Expected equal sign in declaration of an attribute of the tag "a" at byte offset 0`},
		{in: `<a href="x>z</a>`, err: "Unclosed start tag at byte offset 0"},
		{in: "\xff", err: "Text must be encoded in UTF-8"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			text, ents, err := ParseTelegramHTML(tc.in)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Errorf("ParseTelegramHTML(%q) error = %v, want %q", tc.in, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Errorf("ParseTelegramHTML(%q): %v", tc.in, err)
				return
			}
			if text != tc.text || !cmp.Equal(ents, tc.ents) {
				t.Errorf("ParseTelegramHTML(%q) = %q, %v; want %q, %v", tc.in, text, ents, tc.text, tc.ents)
			}
		})
	}
}

func TestParseTelegramMarkdownV2(t *testing.T) {
	for _, tc := range []struct {
		in, text string
		ents     []TelegramEntity
		err      string
	}{
		{in: `*b* _i_ __u__ ~s~ ||p||`, text: "b i u s p", ents: []TelegramEntity{{Type: "bold", Length: 1}, {Type: "italic", Offset: 2, Length: 1},
			{Type: "underline", Offset: 4, Length: 1}, {Type: "strikethrough", Offset: 6, Length: 1}, {Type: "spoiler", Offset: 8, Length: 1}}},
		{in: "`a.b` end\\.", text: "a.b end.", ents: []TelegramEntity{{Type: "code", Length: 3}}},
		{in: "```go\nx := 1\n```", text: "x := 1\n", ents: []TelegramEntity{{Type: "pre", Length: 7, Language: "go"}}},
		{in: `[site](https://e.com/a\)b)`, text: "site", ents: []TelegramEntity{{Type: "text_link", Length: 4, URL: "https://e.com/a)b"}}},
		{in: ">quoted\n>more\nafter", text: "quoted\nmore\nafter", ents: []TelegramEntity{{Type: "blockquote", Length: 11}}},
		{in: "a\n>q", text: "a\nq", ents: []TelegramEntity{{Type: "blockquote", Offset: 2, Length: 1}}},
		{in: "a > b", err: `Character '>' is reserved and must be escaped with the preceding '\'`},
		{in: "1.5", err: `Character '.' is reserved and must be escaped with the preceding '\'`},
		{in: "a - b", err: `Character '-' is reserved and must be escaped with the preceding '\'`},
		{in: "*bold", err: "Can't find end of Bold entity at byte offset 0"},
		{in: "`code", err: "Can't find end of Code entity at byte offset 0"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			text, ents, err := ParseTelegramMarkdownV2(tc.in)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Errorf("ParseTelegramMarkdownV2(%q) error = %v, want %q", tc.in, err, tc.err)
				}
				return
			}
			if err != nil || text != tc.text || !cmp.Equal(ents, tc.ents) {
				t.Errorf("ParseTelegramMarkdownV2(%q) = %q, %v, %v; want %q, %v", tc.in, text, ents, err, tc.text, tc.ents)
			}
		})
	}
}

func TestTelegramGetUpdatesBlocks(t *testing.T) {
	f := NewTelegram(t)
	type answer struct {
		ids []int64
		err error
	}
	poll := func(ctx context.Context, body string) <-chan answer {
		ch := make(chan answer, 1)
		go func() {
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, f.URL()+"/bot"+f.Token()+"/getUpdates", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				ch <- answer{err: err}
				return
			}
			defer resp.Body.Close()
			var b struct {
				Result []struct {
					ID int64 `json:"update_id"`
				}
			}
			err = json.NewDecoder(resp.Body).Decode(&b)
			var a answer
			for _, r := range b.Result {
				a.ids = append(a.ids, r.ID)
			}
			a.err = err
			ch <- a
		}()
		return ch
	}
	// The poll is waiting before the update exists; the update ends it.
	got := poll(t.Context(), `{"timeout":50}`)
	f.WaitUntil(t, "a waiting getUpdates", f.Polling)
	sent := f.SendText(PrivateChat(alice), alice, "wake up")
	if a := <-got; a.err != nil || !cmp.Equal(a.ids, []int64{sent.UpdateID}) {
		t.Errorf("long poll = %+v, want [%d]", a, sent.UpdateID)
	}
	// A client that goes away ends its poll; the next one is not a
	// conflict.
	ctx, cancel := context.WithCancel(t.Context())
	got = poll(ctx, `{"timeout":50,"offset":`+itoa(sent.UpdateID+1)+`}`)
	f.WaitUntil(t, "a waiting getUpdates", f.Polling)
	cancel()
	if a := <-got; a.err == nil {
		t.Errorf("cancelled poll answered %+v", a)
	}
	f.WaitUntil(t, "the poll to end", func() bool { return !f.Polling() })
	f.SetShortPoll(0)
	if a := <-poll(t.Context(), `{}`); a.err != nil || len(a.ids) != 0 {
		t.Errorf("short poll after the confirmed update = %+v", a)
	}
	for _, c := range f.Calls("getUpdates") {
		if c.Status == 409 {
			t.Errorf("a conflict: %+v", c)
		}
	}
}

// BenchmarkTelegramSendMessage measures the fake serving sendMessage from
// the real client, spread over 1,000 chats: the fake's own cost in the
// gateway's benchmarks.
func BenchmarkTelegramSendMessage(b *testing.B) {
	f := NewTelegram(b)
	client, err := bot.New(f.Token(), bot.WithServerURL(f.URL()), bot.WithSkipGetMe(),
		bot.WithHTTPClient(2*time.Second, &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}))
	if err != nil {
		b.Fatal(err)
	}
	const chats = 1000
	for i := range chats {
		f.AddChat(TelegramChat{ID: int64(i + 1), Type: "private"})
	}
	var n atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := n.Add(1)%chats + 1
			if _, err := client.SendMessage(context.Background(), &bot.SendMessageParams{ChatID: id, Text: "<b>hello</b> there", ParseMode: models.ParseModeHTML}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkParseTelegramHTML(b *testing.B) {
	text := strings.Repeat("<b>bold</b> and <i>italic &amp; more</i> with <code>code</code>\n", 60)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if _, _, err := ParseTelegramHTML(text); err != nil {
			b.Fatal(err)
		}
	}
}

func TestParseTelegramMarkdown(t *testing.T) {
	for _, tc := range []struct {
		in, text string
		ents     []TelegramEntity
		err      string
	}{
		{in: "*b* _i_ `c` 1.5 - ok!", text: "b i c 1.5 - ok!", ents: []TelegramEntity{{Type: "bold", Length: 1},
			{Type: "italic", Offset: 2, Length: 1}, {Type: "code", Offset: 4, Length: 1}}},
		{in: "```py\nx\n```", text: "x\n", ents: []TelegramEntity{{Type: "pre", Length: 2, Language: "py"}}},
		{in: "[site](https://e.com)", text: "site", ents: []TelegramEntity{{Type: "text_link", Length: 4, URL: "https://e.com"}}},
		{in: `snake\_case`, text: "snake_case"},
		{in: "snake_case", err: "Can't find end of the entity starting at byte offset 5"},
		{in: "a *b", err: "Can't find end of the entity starting at byte offset 2"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			text, ents, err := ParseTelegramMarkdown(tc.in)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Errorf("ParseTelegramMarkdown(%q) error = %v, want %q", tc.in, err, tc.err)
				}
				return
			}
			if err != nil || text != tc.text || !cmp.Equal(ents, tc.ents) {
				t.Errorf("ParseTelegramMarkdown(%q) = %q, %v, %v; want %q, %v", tc.in, text, ents, err, tc.text, tc.ents)
			}
		})
	}
}

// failRecorder is a Failer that records instead of stopping the test.
type failRecorder struct{ msg string }

func (r *failRecorder) Helper() {}
func (r *failRecorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
}

func TestTelegramVerify(t *testing.T) {
	f := NewTelegram(t)
	b := newTGBot(t, f, bot.WithSkipGetMe())
	f.AddChat(PrivateChat(alice))
	m, err := b.SendMessage(t.Context(), &bot.SendMessageParams{ChatID: alice.ID, Text: "pick",
		ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "a", CallbackData: "a"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	f.Verify(t) // nothing left behind yet
	q, err := f.Press(alice, alice.ID, m.ID, "a")
	if err != nil {
		t.Fatal(err)
	}
	f.FailNext("sendMessage", 2, TelegramFlood(1))
	if _, err := b.GetChat(t.Context(), &bot.GetChatParams{ChatID: alice.ID}); !errors.Is(err, bot.ErrorNotFound) {
		t.Errorf("unserved method: %v, want ErrorNotFound", err)
	}
	var r failRecorder
	f.Verify(&r)
	for _, want := range []string{"2 scripted 429 for sendMessage unused", `unserved method "getChat"`, "callback query " + q.ID + " never answered"} {
		if !strings.Contains(r.msg, want) {
			t.Errorf("Verify said %q, want it to mention %q", r.msg, want)
		}
	}
}

func TestTrimText(t *testing.T) {
	for _, tc := range []struct {
		name, html, text string
		ents             []TelegramEntity
	}{
		{"spaces around", "  <b> hi </b> \n", "hi", []TelegramEntity{{Type: "bold", Length: 2}}},
		{"nothing to trim", "<i>a</i> b", "a b", []TelegramEntity{{Type: "italic", Length: 1}}},
		{"pre keeps its new line", "intro\n<pre>code\n</pre>\n\n", "intro\ncode\n", []TelegramEntity{{Type: "pre", Offset: 6, Length: 5}}},
		{"entity only in the trimmed part", "x<b>\n</b>", "x", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plain, ents, err := ParseTelegramHTML(tc.html)
			if err != nil {
				t.Fatal(err)
			}
			text, got := trimText(plain, ents)
			if text != tc.text || !cmp.Equal(got, tc.ents) {
				t.Errorf("trimText = %q, %v; want %q, %v", text, got, tc.text, tc.ents)
			}
		})
	}
}

func TestTelegramAllowedUpdates(t *testing.T) {
	f := NewTelegram(t)
	b, ch := pollTo(t, f, bot.WithAllowedUpdates(bot.AllowedUpdates{"message"}))
	f.WaitUntil(t, "a poll with allowed_updates", func() bool { return len(f.AllowedUpdates()) > 0 })
	if diff := cmp.Diff([]string{"message"}, f.AllowedUpdates()); diff != "" {
		t.Errorf("AllowedUpdates (-want +got):\n%s", diff)
	}
	f.AddChat(PrivateChat(alice))
	m, err := b.SendMessage(t.Context(), &bot.SendMessageParams{ChatID: alice.ID, Text: "x",
		ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "a", CallbackData: "a"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if q, _ := f.Press(alice, alice.ID, m.ID, "a"); q.UpdateID != 0 {
		t.Errorf("a callback query was queued (update %d) though not allowed", q.UpdateID)
	}
	sent := f.SendText(PrivateChat(alice), alice, "allowed")
	if u := next(t, ch); u.ID != sent.UpdateID {
		t.Errorf("update %d, want %d", u.ID, sent.UpdateID)
	}
	f.Verify(t) // the filtered press is not owed an answer
}

func TestTelegramDelay(t *testing.T) {
	f := NewTelegram(t)
	b := newTGBot(t, f, bot.WithSkipGetMe())
	f.AddChat(PrivateChat(alice))
	f.Delay("sendMessage", time.Hour)
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() {
		_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, Text: "slow"})
		errc <- err
	}()
	// The call is held back (in flight: Status 0); cancelling it ends it,
	// and nothing was sent.
	f.WaitUntil(t, "the held call", func() bool { return len(f.Calls("sendMessage")) == 1 })
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled slow call: %v", err)
	}
	f.WaitUntil(t, "the call to end", func() bool { return f.Calls("sendMessage")[0].Description == "client went away" })
	if got := f.BotMessages(alice.ID); len(got) != 0 {
		t.Errorf("a held call sent %+v", got)
	}
	f.Delay("sendMessage", 0)
	if _, err := b.SendMessage(t.Context(), &bot.SendMessageParams{ChatID: alice.ID, Text: "fast"}); err != nil {
		t.Fatal(err)
	}
}

// Edits find every message of a long chat by its id, the bot's own only;
// ids that were never given are not found.
func TestTelegramMessageLookup(t *testing.T) {
	ctx := t.Context()
	f := NewTelegram(t)
	b := newTGBot(t, f)
	chat := PrivateChat(alice)
	var bots []int
	for i := range 50 {
		f.SendText(chat, alice, "q"+strconv.Itoa(i))
		m, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, Text: "a" + strconv.Itoa(i)})
		if err != nil {
			t.Fatal(err)
		}
		bots = append(bots, m.ID)
	}
	tests := []struct {
		name string
		id   int
		want string // "" for success, else the error's ending
	}{
		{"first bot message", bots[0], ""},
		{"middle", bots[25], ""},
		{"last", bots[49], ""},
		{"a user's message", bots[49] - 1, "message can't be edited"},
		{"id 0", 0, TelegramEditNotFound},
		{"past the last", bots[49] + 1, TelegramEditNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: alice.ID, MessageID: tt.id, Text: "edited " + tt.name})
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("edit of %d: %v", tt.id, err)
			case tt.want != "" && (err == nil || !strings.HasSuffix(err.Error(), tt.want)):
				t.Fatalf("edit of %d: %v, want an error ending %q", tt.id, err, tt.want)
			}
		})
	}
	for _, m := range f.BotMessages(alice.ID) {
		edited := strings.HasPrefix(m.Text, "edited ")
		if want := m.ID == bots[0] || m.ID == bots[25] || m.ID == bots[49]; edited != want {
			t.Errorf("message %d reads %q", m.ID, m.Text)
		}
	}
}
