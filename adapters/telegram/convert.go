package telegram

import (
	"context"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/go-telegram/bot/models"

	"github.com/botgateway/bot/adapters"
)

// handle turns one new update into a delivered Message, or drops it.
func (a *Adapter) handle(ctx context.Context, in adapters.Inbox, u *models.Update) {
	switch {
	case u.Message != nil:
		m := u.Message
		if m.MigrateToChatID != 0 {
			a.migrate(m.Chat.ID, m.MigrateToChatID)
			return
		}
		if m.MigrateFromChatID != 0 {
			a.migrate(m.MigrateFromChatID, m.Chat.ID)
			return
		}
		me := a.me.Load()
		msg, ok := normalize(m, me, a.cfg.RequireMention)
		if !ok {
			a.log.Debug("telegram message not for the gateway", "update", u.ID, "chat", m.Chat.ID)
			return
		}
		msg.Reply = a.replierFor(m, msg.Sender.ID)
		msg.Done = a.doneFunc(u.ID)
		in.Deliver(ctx, msg)
	case u.CallbackQuery != nil:
		a.handleCallback(ctx, in, u)
	}
	// Edited messages, channel posts and the rest are not asked for
	// (allowed_updates) and dropped when they come anyway.
}

// normalize makes m a Message without its Reply and Done, or reports that
// it is not for the gateway: a bot's message, one without text, or plain
// text in a group that is not addressed to the bot when requireMention.
func normalize(m *models.Message, me *models.User, requireMention bool) (adapters.Message, bool) {
	if m.From == nil || m.From.IsBot || m.Text == "" {
		return adapters.Message{}, false
	}
	var botName string
	var botID int64
	if me != nil {
		botName, botID = me.Username, me.ID
	}
	text := m.Text
	if isGroup(m.Chat.Type) && !isCommand(text) {
		start, end, mentioned := mention(m, botName, botID)
		replied := m.ReplyToMessage != nil && m.ReplyToMessage.From != nil && botID != 0 && m.ReplyToMessage.From.ID == botID
		if requireMention && !mentioned && !replied {
			return adapters.Message{}, false
		}
		if mentioned {
			text = strip(text, start, end)
			if text == "" {
				return adapters.Message{}, false
			}
		}
	}
	return adapters.Message{
		Channel: Name,
		Chat:    chatRef(m.Chat.ID, topicOf(m)),
		Sender: adapters.Sender{
			ID:   strconv.FormatInt(m.From.ID, 10),
			Name: displayName(m.From),
		},
		Text:    text,
		Direct:  m.Chat.Type == models.ChatTypePrivate,
		BotName: botName,
	}, true
}

// isGroup reports whether a chat of type typ has several members.
func isGroup(typ models.ChatType) bool {
	return typ == models.ChatTypeGroup || typ == models.ChatTypeSupergroup
}

// isCommand reports whether text is a slash command ("/model", "/model@Bot"):
// commands reach the gateway wherever Telegram delivers them, and its
// grammar ignores those addressed to another bot.
func isCommand(text string) bool {
	return len(text) > 1 && text[0] == '/' && text[1] != '/' && text[1] != ' '
}

// topicOf returns the forum topic of m, 0 for none. Replies in a group
// that is not a forum carry a thread id too, without IsTopicMessage.
func topicOf(m *models.Message) int {
	if m.IsTopicMessage && m.Chat.IsForum {
		return m.MessageThreadID
	}
	return 0
}

// chatRef is the ChatRef of a chat (and forum topic): "42", "-100:topic:7".
func chatRef(chat int64, topic int) adapters.ChatRef {
	ref := strconv.FormatInt(chat, 10)
	if topic != 0 {
		ref += ":topic:" + strconv.Itoa(topic)
	}
	return adapters.ChatRef(ref)
}

// parseChatRef is the inverse of chatRef.
func parseChatRef(ref adapters.ChatRef) (chat int64, topic int, ok bool) {
	c, t, hasTopic := strings.Cut(string(ref), ":topic:")
	chat, err := strconv.ParseInt(c, 10, 64)
	if err != nil {
		return 0, 0, false
	}
	if hasTopic {
		if topic, err = strconv.Atoi(t); err != nil || topic <= 0 {
			return 0, 0, false
		}
	}
	return chat, topic, true
}

// mention finds the bot's mention in m: an "@name" entity equal to the
// bot's user name (case-insensitive), or a text mention of its id. It
// returns the mention's byte span in m.Text.
func mention(m *models.Message, botName string, botID int64) (start, end int, ok bool) {
	for _, e := range m.Entities {
		switch e.Type {
		case models.MessageEntityTypeMention:
			s, t, valid := span(m.Text, e.Offset, e.Length)
			if valid && botName != "" && strings.EqualFold(m.Text[s:t], "@"+botName) {
				return s, t, true
			}
		case models.MessageEntityTypeTextMention:
			if e.User != nil && botID != 0 && e.User.ID == botID {
				if s, t, valid := span(m.Text, e.Offset, e.Length); valid {
					return s, t, true
				}
			}
		}
	}
	return 0, 0, false
}

// span converts an entity's offset and length, in UTF-16 code units, to
// byte offsets in text.
func span(text string, offset, length int) (start, end int, ok bool) {
	if offset < 0 || length <= 0 {
		return 0, 0, false
	}
	units := 0
	start, end = -1, -1
	for i, r := range text {
		if units == offset {
			start = i
		}
		if units == offset+length {
			end = i
			break
		}
		units += utf16.RuneLen(r)
	}
	if end < 0 && units == offset+length {
		end = len(text)
	}
	if start < 0 || end < 0 {
		return 0, 0, false
	}
	return start, end, true
}

// strip removes text[start:end] (a mention) and the space it leaves.
func strip(text string, start, end int) string {
	before, after := strings.TrimRight(text[:start], " "), strings.TrimLeft(text[end:], " ,:")
	if before != "" && after != "" {
		return strings.TrimSpace(before + " " + after)
	}
	return strings.TrimSpace(before + after)
}

// displayName is a user's name for logs at Debug.
func displayName(u *models.User) string {
	if u.Username != "" {
		return u.Username
	}
	return strings.TrimSpace(u.FirstName + " " + u.LastName)
}
