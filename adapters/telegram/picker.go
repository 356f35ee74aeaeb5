package telegram

import (
	"context"
	"strconv"
	"strings"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/adapters/internal/pickstore"
	"github.com/botgateway/bot/internal/logkeys"
)

// picker is one inline keyboard sent: the chat it is in, who may press it
// and the commands its buttons run.
type picker struct {
	chat     int64
	topic    int
	direct   bool // a private chat
	opener   string
	commands []string
}

func (p *picker) OpenedBy() string { return p.opener }
func (p *picker) Entries() int     { return len(p.commands) }

// pickers maps the short tokens of buttons' callback data ("p<id>.<n>")
// to their pickers (pickstore): Telegram carries at most 64 bytes of
// callback data, less than a command may need.
type pickers struct{ *pickstore.Store[*picker] }

func newPickers(max int) *pickers { return &pickers{pickstore.New[*picker](max)} }

// add remembers p and returns its id.
func (ps *pickers) add(p *picker) uint64 { return ps.Add(p) }

// take returns the picker and the entry of callback data pressed by by
// (pickstore.Store.Take).
func (ps *pickers) take(data, by string) (p *picker, entry int, ok, mine bool) {
	id, n, valid := parseToken(data)
	if !valid {
		return nil, 0, false, false
	}
	p, ok, mine = ps.Take(id, n, by)
	if !ok {
		return nil, 0, false, false
	}
	return p, n, true, mine
}

// token is the callback data of entry n of picker id.
func token(id uint64, n int) string {
	return "p" + strconv.FormatUint(id, 36) + "." + strconv.FormatInt(int64(n), 36)
}

// parseToken is the inverse of token.
func parseToken(data string) (id uint64, n int, ok bool) {
	rest, found := strings.CutPrefix(data, "p")
	if !found {
		return 0, 0, false
	}
	a, b, found := strings.Cut(rest, ".")
	if !found {
		return 0, 0, false
	}
	id, err := strconv.ParseUint(a, 36, 64)
	if err != nil {
		return 0, 0, false
	}
	n64, err := strconv.ParseInt(b, 36, 32)
	if err != nil || n64 < 0 {
		return 0, 0, false
	}
	return id, int(n64), true
}

// maxButtons is the most buttons Telegram takes in one inline keyboard.
const maxButtons = 100

// keyboard remembers a picker of choices for opener in chat and returns
// its inline keyboard, one button a row; past maxButtons the choices are
// left out (the reply's text lists them).
func (a *Adapter) keyboard(chat int64, topic int, direct bool, opener string, choices []adapters.Choice) *models.InlineKeyboardMarkup {
	if len(choices) > maxButtons {
		a.log.Warn("telegram picker cut to Telegram's limit of buttons", "choices", len(choices), "shown", maxButtons)
		choices = choices[:maxButtons]
	}
	p := &picker{chat: chat, topic: topic, direct: direct, opener: opener, commands: make([]string, len(choices))}
	for i, c := range choices {
		p.commands[i] = c.Command
	}
	id := a.pickers.add(p)
	rows := make([][]models.InlineKeyboardButton, len(choices))
	for i, c := range choices {
		rows[i] = []models.InlineKeyboardButton{{Text: c.Label, CallbackData: token(id, i)}}
	}
	return &models.InlineKeyboardMarkup{InlineKeyboard: rows}
}

// handleCallback answers a button press (always first, as Telegram wants)
// and delivers the pressed choice's command from the presser, with a
// Reply that edits the picker in place.
func (a *Adapter) handleCallback(ctx context.Context, in adapters.Inbox, u *models.Update) {
	cq := u.CallbackQuery
	if cq.From.IsBot {
		return
	}
	by := strconv.FormatInt(cq.From.ID, 10)
	p, n, ok, mine := a.pickers.take(cq.Data, by)
	answer := ""
	switch {
	case !ok:
		answer = pickstore.ExpiredText
	case !mine:
		answer = pickstore.NotYoursText
	}
	if _, err := a.bot.AnswerCallbackQuery(ctx, &tg.AnswerCallbackQueryParams{CallbackQueryID: cq.ID, Text: answer}); err != nil && ctx.Err() == nil {
		a.log.Debug("telegram answerCallbackQuery failed", logkeys.Err, a.redact(err))
	}
	if !ok || !mine {
		return
	}
	msgID := 0
	switch {
	case cq.Message.Message != nil:
		msgID = cq.Message.Message.ID
	case cq.Message.InaccessibleMessage != nil:
		msgID = cq.Message.InaccessibleMessage.MessageID
	}
	r := &replier{a: a, chat: p.chat, topic: p.topic, direct: p.direct, user: by, edit: msgID}
	botName := ""
	if me := a.me.Load(); me != nil {
		botName = me.Username
	}
	in.Deliver(ctx, adapters.Message{
		Channel: Name,
		Chat:    chatRef(p.chat, p.topic),
		Sender:  adapters.Sender{ID: by, Name: displayName(&cq.From)},
		Text:    p.commands[n],
		Direct:  p.direct,
		BotName: botName,
		Reply:   r,
		Done:    a.doneFunc(u.ID),
	})
}
