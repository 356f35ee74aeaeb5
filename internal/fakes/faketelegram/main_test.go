package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/botgateway/bot/internal/fakes/fakecli"
)

func TestFakeTelegramPlaysTheUsers(t *testing.T) {
	s := fakecli.Start(t, run)
	url := strings.TrimPrefix(s.Expect(t, "export BOT_TELEGRAM_API_URL="), "export BOT_TELEGRAM_API_URL=")
	token := strings.TrimPrefix(s.Expect(t, "export TELEGRAM_BOT_TOKEN="), "export TELEGRAM_BOT_TOKEN=")

	updates := make(chan *models.Update, 10)
	b, err := bot.New(token, bot.WithServerURL(url), bot.WithHTTPClient(2*time.Second, &http.Client{Timeout: 5 * time.Second}),
		bot.WithDefaultHandler(func(_ context.Context, _ *bot.Bot, u *models.Update) { updates <- u }), bot.WithNotAsyncHandlers())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	polled := make(chan struct{})
	go func() { b.Start(ctx); close(polled) }()
	defer func() { cancel(); <-polled }()
	next := func() *models.Update {
		t.Helper()
		select {
		case u := <-updates:
			return u
		case <-time.After(10 * time.Second):
			t.Fatal("no update")
			return nil
		}
	}

	s.Send(t, "/model")
	u := next()
	if u.Message == nil || u.Message.Text != "/model" || u.Message.Chat.ID != ada.ID {
		t.Fatalf("update = %+v", u)
	}
	m, err := b.SendMessage(t.Context(), &bot.SendMessageParams{ChatID: ada.ID, Text: "pick \x1b[31m",
		ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "Sonnet", CallbackData: "m:sonnet"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	// The escape character is shown quoted, never raw.
	if line := s.Expect(t, "bot → chat 1001 #2"); !strings.Contains(line, `"pick \x1b[31m"`) || !strings.Contains(line, `"Sonnet"→"m:sonnet"`) {
		t.Errorf("printed %q", line)
	}
	s.Send(t, ":press 2 m:sonnet")
	u = next()
	if u.CallbackQuery == nil || u.CallbackQuery.Data != "m:sonnet" {
		t.Fatalf("update = %+v", u)
	}
	if _, err := b.AnswerCallbackQuery(t.Context(), &bot.AnswerCallbackQueryParams{CallbackQueryID: u.CallbackQuery.ID, Text: "pinned"}); err != nil {
		t.Fatal(err)
	}
	s.Expect(t, `"pinned"`)
	if _, err := b.EditMessageText(t.Context(), &bot.EditMessageTextParams{ChatID: ada.ID, MessageID: m.ID, Text: "Sonnet it is"}); err != nil {
		t.Fatal(err)
	}
	s.Expect(t, `bot ✎ chat 1001 #2: "Sonnet it is"`)
	s.Send(t, ":group hello all")
	if u := next(); u.Message == nil || u.Message.Chat.ID != group.ID {
		t.Fatalf("group update = %+v", u)
	}
	s.Send(t, ":nonsense")
	s.Expect(t, `! unknown ":nonsense"`)
}
