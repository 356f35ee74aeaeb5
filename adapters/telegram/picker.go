package telegram

import (
	"context"
	"strconv"
	"strings"
	"sync"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/internal/logkeys"
)

// What a press of a picker's button is answered with when it does not run
// its command (answerCallbackQuery's text, shown briefly to the presser).
const (
	expiredText  = "This picker has expired (the bot restarted or it was used). Send /model list again."
	notYoursText = "Only the user who opened this picker can use it."
)

// maxPickers bounds the pickers remembered; the oldest are forgotten
// first, and a press on a forgotten one is answered with expiredText.
const maxPickers = 1024

// picker is one inline keyboard sent: the chat it is in, who may press it
// and the commands its buttons run.
type picker struct {
	chat     int64
	topic    int
	direct   bool // a private chat
	opener   string
	commands []string
}

// pickers maps the short tokens of buttons' callback data ("p<id>.<n>")
// to their pickers: Telegram carries at most 64 bytes of callback data,
// less than a command may need. It is safe for concurrent use.
type pickers struct {
	mu    sync.Mutex
	max   int
	next  uint64
	byID  map[uint64]*picker
	order []uint64 // ids, oldest first
}

func newPickers(max int) *pickers {
	return &pickers{max: max, byID: map[uint64]*picker{}}
}

// add remembers p and returns its id, forgetting the oldest beyond max.
func (ps *pickers) add(p *picker) uint64 {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.next++
	id := ps.next
	ps.byID[id] = p
	ps.order = append(ps.order, id)
	for len(ps.order) > ps.max {
		delete(ps.byID, ps.order[0])
		ps.order = ps.order[1:]
	}
	return id
}

// take returns the picker and the entry of data, and forgets the picker
// when by is its opener (a picker is pressed once: its message is then
// edited into the command's reply). ok is false when data names no
// remembered picker; mine is false when by did not open it.
func (ps *pickers) take(data, by string) (p *picker, entry int, ok, mine bool) {
	id, n, valid := parseToken(data)
	if !valid {
		return nil, 0, false, false
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	p = ps.byID[id]
	if p == nil || n >= len(p.commands) {
		return nil, 0, false, false
	}
	if p.opener != by {
		return p, n, true, false
	}
	delete(ps.byID, id) // its id stays in order until it ages out
	return p, n, true, true
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
		answer = expiredText
	case !mine:
		answer = notYoursText
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
