package telegram

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/botgateway/bot/adapters"
)

// replier answers one message: in its chat (and forum topic); in a group,
// as a reply to it. A replier made for a picker press edits the picker's
// message instead of sending a new one.
type replier struct {
	a       *Adapter
	chat    int64
	topic   int
	direct  bool   // a private chat
	user    string // the sender: who may press the reply's pickers
	replyTo int    // the message answered, in groups (0: not a reply)
	edit    int    // the picker message the first reply edits in place (0: send)
}

// replierFor returns the replier of message m from user.
func (a *Adapter) replierFor(m *models.Message, user string) *replier {
	r := &replier{a: a, chat: m.Chat.ID, topic: topicOf(m), direct: m.Chat.Type == models.ChatTypePrivate, user: user}
	if isGroup(m.Chat.Type) {
		r.replyTo = m.ID
	}
	return r
}

// Reply implements adapters.Replier. The text is sent as it is, plain:
// the gateway's replies other than the model's (commands, errors) are
// plain text. Telegram has no private messages in a chat, so a Private
// reply is sent in the chat like any other (secrets are masked anyway).
func (r *replier) Reply(ctx context.Context, rep adapters.Reply) error {
	return r.show(ctx, nil, nil, rep.Text, rep.Choices, false)
}

// show sends text (Markdown when md, else plain) in parts, the last with
// the picker of choices, reusing the messages ids holds (editing those
// whose part changed from shown). It returns the ids and parts shown.
func (r *replier) show(ctx context.Context, ids []int, shown []string, text string, choices []adapters.Choice, md bool) error {
	_, _, err := r.showParts(ctx, ids, shown, text, choices, md, true)
	return err
}

// showParts is show, returning the message ids and texts now shown. With
// must false, an edit that finds no free turn under the rate limits is
// skipped (a stream's intermediate update).
func (r *replier) showParts(ctx context.Context, ids []int, shown []string, text string, choices []adapters.Choice, md, must bool) ([]int, []string, error) {
	if strings.TrimSpace(text) == "" {
		if len(choices) == 0 {
			return ids, shown, nil
		}
		text = "Choose:"
	}
	edit := 0 // the picker message this call turns into its reply
	if r.edit != 0 && len(ids) == 0 {
		// The first reply to a press edits the picker; any later one is
		// a message of its own.
		edit, r.edit = r.edit, 0
		ids, shown = []int{edit}, []string{""}
	}
	parts := split(text, maxText)
	for i, p := range parts {
		var markup models.ReplyMarkup
		lastPart := i == len(parts)-1
		if lastPart && len(choices) > 0 {
			markup = r.a.keyboard(r.chat, r.topic, r.direct, r.user, choices)
		} else if lastPart && edit != 0 && i < len(ids) && ids[i] == edit {
			markup = &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{}} // the picker's buttons go
		}
		if i < len(ids) {
			if shown[i] == p && markup == nil {
				continue
			}
			if !must && !r.a.limits.try(r.chat) {
				continue
			}
			if must {
				if err := r.a.limits.wait(ctx, r.chat); err != nil {
					return ids, shown, err
				}
			}
			if err := r.a.editText(ctx, r.chat, ids[i], p, md, markup); err != nil {
				return ids, shown, err
			}
			shown[i] = p
			continue
		}
		if err := r.a.limits.wait(ctx, r.chat); err != nil {
			return ids, shown, err
		}
		replyTo := 0
		if i == 0 {
			replyTo = r.replyTo
		}
		id, err := r.a.sendText(ctx, r.chat, r.topic, p, md, markup, replyTo)
		if err != nil {
			return ids, shown, err
		}
		ids, shown = append(ids, id), append(shown, p)
	}
	return ids, shown, nil
}

// Typing implements adapters.Typer with sendChatAction "typing".
func (r *replier) Typing(ctx context.Context) error {
	return r.a.call(ctx, r.chat, func(chat int64) error {
		_, err := r.a.bot.SendChatAction(ctx, &tg.SendChatActionParams{ChatID: chat, MessageThreadID: r.topic, Action: models.ChatActionTyping})
		return err
	})
}

// StartStream implements adapters.Streamer: the model's reply, as
// Markdown converted to Telegram HTML. Nothing is sent before the first
// Update.
func (r *replier) StartStream(context.Context, bool) (adapters.Stream, error) {
	return &stream{r: r}, nil
}

// editEvery is the least time between two edits of a streamed reply.
const editEvery = time.Second

// stream shows a reply while it grows: the first Update sends it, later
// ones edit it at most once every editEvery, and Finish always shows the
// whole text. A text longer than a message continues in new messages.
type stream struct {
	r     *replier
	ids   []int    // the messages of the reply, in order
	shown []string // the part each shows
	last  time.Time
}

// Update implements adapters.Stream.
func (s *stream) Update(ctx context.Context, text string) error {
	now := time.Now()
	if len(s.ids) > 0 && now.Sub(s.last) < editEvery && len16(text) <= maxText*len(s.ids) {
		return nil
	}
	ids, shown, err := s.r.showParts(ctx, s.ids, s.shown, text, nil, true, false)
	s.ids, s.shown, s.last = ids, shown, now
	return err
}

// Finish implements adapters.Stream.
func (s *stream) Finish(ctx context.Context, rep adapters.Reply) error {
	ids, shown, err := s.r.showParts(ctx, s.ids, s.shown, rep.Text, rep.Choices, true, true)
	s.ids, s.shown = ids, shown
	return err
}

// sendText sends one part and returns its message id. Markdown goes as
// HTML, and again as plain text when Telegram cannot parse the markup.
func (a *Adapter) sendText(ctx context.Context, chat int64, topic int, text string, md bool, markup models.ReplyMarkup, replyTo int) (int, error) {
	var id int
	send := func(body string, mode models.ParseMode) error {
		return a.call(ctx, chat, func(chat int64) error {
			p := &tg.SendMessageParams{ChatID: chat, MessageThreadID: topic, Text: body, ParseMode: mode, ReplyMarkup: markup}
			if replyTo != 0 {
				p.ReplyParameters = &models.ReplyParameters{MessageID: replyTo, AllowSendingWithoutReply: true}
			}
			m, err := a.bot.SendMessage(ctx, p)
			if err == nil {
				id = m.ID
			}
			return err
		})
	}
	if !md {
		return id, send(text, "")
	}
	err := send(toHTML(text), models.ParseModeHTML)
	if isParseError(err) {
		a.log.Debug("telegram rejected the reply's markup; sent as plain text", "err", err)
		err = send(text, "")
	}
	return id, err
}

// editText edits one part in place; "message is not modified" is success.
func (a *Adapter) editText(ctx context.Context, chat int64, id int, text string, md bool, markup models.ReplyMarkup) error {
	edit := func(body string, mode models.ParseMode) error {
		return a.call(ctx, chat, func(chat int64) error {
			_, err := a.bot.EditMessageText(ctx, &tg.EditMessageTextParams{ChatID: chat, MessageID: id, Text: body, ParseMode: mode, ReplyMarkup: markup})
			return err
		})
	}
	var err error
	if md {
		err = edit(toHTML(text), models.ParseModeHTML)
		if isParseError(err) {
			err = edit(text, "")
		}
	} else {
		err = edit(text, "")
	}
	if isNotModified(err) {
		return nil
	}
	return err
}

// call runs one request to chat: it follows a group that became a
// supergroup, waits out a 429's retry_after, and retries a transient
// failure a few times.
func (a *Adapter) call(ctx context.Context, chat int64, f func(chat int64) error) error {
	var pause time.Duration
	for attempt := 1; ; attempt++ {
		err := f(a.chatID(chat))
		if err == nil {
			return nil
		}
		if me, ok := errors.AsType[*tg.MigrateError](err); ok && attempt < sendAttempts {
			a.migrate(a.chatID(chat), int64(me.MigrateToChatID))
			continue
		}
		v, wait := classify(err)
		if v == giveUp || attempt >= sendAttempts {
			return fmt.Errorf("telegram: %w", a.redact(err))
		}
		if v == backoff {
			pause = nextBackoff(pause)
			wait = pause
		}
		if !sleep(ctx, wait) {
			return fmt.Errorf("telegram: %w", ctx.Err())
		}
	}
}

// sendAttempts bounds the tries of one request.
const sendAttempts = 4

// isParseError reports whether Telegram refused a text's markup. Telegram
// gives no code for it, only the description ("Bad Request: can't parse
// entities: …"), so this is the one place that reads an error's text.
func isParseError(err error) bool {
	return errors.Is(err, tg.ErrorBadRequest) && strings.Contains(err.Error(), "parse entities")
}

// isNotModified reports whether an edit changed nothing, which Telegram
// answers with an error.
func isNotModified(err error) bool {
	return errors.Is(err, tg.ErrorBadRequest) && strings.Contains(err.Error(), "message is not modified")
}

var (
	_ adapters.Replier  = (*replier)(nil)
	_ adapters.Typer    = (*replier)(nil)
	_ adapters.Streamer = (*replier)(nil)
	_ adapters.Stream   = (*stream)(nil)
)
