package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// session runs the program with a pipe as stdin; lines reads its stdout.
type session struct {
	in    *io.PipeWriter
	lines chan string
	done  chan error
}

func start(t *testing.T) *session {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	s := &session{in: inW, lines: make(chan string, 100), done: make(chan error, 1)}
	go func() {
		s.done <- run(t.Context(), nil, inR, outW, io.Discard)
		outW.Close()
	}()
	go func() {
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
		close(s.lines)
	}()
	t.Cleanup(func() {
		inW.Close()
		if err := <-s.done; err != nil {
			t.Errorf("run: %v", err)
		}
		for range s.lines {
		}
	})
	return s
}

// expect reads lines until one contains want.
func (s *session) expect(t *testing.T, want string) string {
	t.Helper()
	timeout := time.NewTimer(10 * time.Second)
	defer timeout.Stop()
	for {
		select {
		case line, ok := <-s.lines:
			if !ok {
				t.Fatalf("output ended before %q", want)
			}
			if strings.Contains(line, want) {
				return line
			}
		case <-timeout.C:
			t.Fatalf("no line with %q", want)
		}
	}
}

func TestFakeTelegramPlaysTheUsers(t *testing.T) {
	s := start(t)
	url := strings.TrimPrefix(s.expect(t, "export BOT_TELEGRAM_API_URL="), "export BOT_TELEGRAM_API_URL=")
	token := strings.TrimPrefix(s.expect(t, "export TELEGRAM_BOT_TOKEN="), "export TELEGRAM_BOT_TOKEN=")

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

	io.WriteString(s.in, "/model\n")
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
	if line := s.expect(t, "bot → chat 1001 #2"); !strings.Contains(line, `"pick \x1b[31m"`) || !strings.Contains(line, `"Sonnet"→"m:sonnet"`) {
		t.Errorf("printed %q", line)
	}
	io.WriteString(s.in, ":press 2 m:sonnet\n")
	u = next()
	if u.CallbackQuery == nil || u.CallbackQuery.Data != "m:sonnet" {
		t.Fatalf("update = %+v", u)
	}
	if _, err := b.AnswerCallbackQuery(t.Context(), &bot.AnswerCallbackQueryParams{CallbackQueryID: u.CallbackQuery.ID, Text: "pinned"}); err != nil {
		t.Fatal(err)
	}
	s.expect(t, `"pinned"`)
	if _, err := b.EditMessageText(t.Context(), &bot.EditMessageTextParams{ChatID: ada.ID, MessageID: m.ID, Text: "Sonnet it is"}); err != nil {
		t.Fatal(err)
	}
	s.expect(t, `bot ✎ chat 1001 #2: "Sonnet it is"`)
	io.WriteString(s.in, ":group hello all\n")
	if u := next(); u.Message == nil || u.Message.Chat.ID != group.ID {
		t.Fatalf("group update = %+v", u)
	}
	io.WriteString(s.in, ":nonsense\n")
	s.expect(t, `! unknown ":nonsense"`)
}
