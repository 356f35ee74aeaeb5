package fakes

// The test's side of the Telegram fake: users acting, and what the chats
// show.

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// TelegramIncoming is a message a user sends (Send).
type TelegramIncoming struct {
	Chat TelegramChat
	From TelegramUser
	// Text is the message text (the caption of a photo); bot commands and
	// mentions in it are marked as entities as Telegram does.
	Text string
	// ThreadID puts the message in a forum topic (CreateTopic).
	ThreadID int
	// ReplyTo is the id of the message in Chat this one answers.
	ReplyTo int
	// Sticker makes the message a sticker with this emoji, without text.
	Sticker string
	// Photo makes the message a photo; Text becomes its caption.
	Photo bool
}

// Send queues the update of a user's message and returns the message (its
// UpdateID is 0 when allowed_updates excludes messages). The chat is
// created when new.
func (f *Telegram) Send(in TelegramIncoming) TelegramMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.chat(in.Chat)
	from := in.From
	m := &TelegramMessage{From: &from, Date: f.now().Unix()}
	switch {
	case in.Sticker != "":
		m.Sticker = &TelegramSticker{FileID: "sticker-file", FileUniqueID: "sticker-unique", Type: "regular",
			Width: 512, Height: 512, Emoji: in.Sticker}
	case in.Photo:
		m.Photo = []TelegramPhoto{{FileID: "photo-s", FileUniqueID: "photo-s-u", Width: 90, Height: 90},
			{FileID: "photo-m", FileUniqueID: "photo-m-u", Width: 800, Height: 800}}
		m.Caption, m.CaptionEntities = in.Text, userEntities(in.Text)
	default:
		m.Text = in.Text
		m.Entities = userEntities(in.Text)
	}
	if in.ThreadID != 0 {
		m.ThreadID, m.IsTopicMessage = in.ThreadID, true
		if topic := c.topics[in.ThreadID]; topic != nil {
			m.ReplyTo = topic.quoted()
		}
	}
	if in.ReplyTo != 0 {
		if to := c.message(in.ReplyTo); to != nil {
			m.ReplyTo = to.quoted()
		}
	}
	c.add(m)
	if f.privacy && c.chat.Type != "private" && !f.seenInPrivacyMode(m) {
		return m.clone() // in the chat, but not sent to the bot
	}
	m.UpdateID = f.enqueue("message", m)
	return m.clone()
}

// seenInPrivacyMode reports whether a bot in privacy mode receives a
// group message: a command, a mention of the bot, or a reply to one of
// its messages; f.mu is held.
func (f *Telegram) seenInPrivacyMode(m *TelegramMessage) bool {
	if strings.HasPrefix(m.Text, "/") || (m.ReplyTo != nil && m.ReplyTo.FromBot()) {
		return true
	}
	for _, e := range m.Entities {
		if e.Type == "mention" && strings.EqualFold(utf16Slice(m.Text, e.Offset, e.Length), "@"+f.me.Username) {
			return true
		}
	}
	return false
}

// SetPrivacyMode switches the bot's group privacy mode (BotFather
// /setprivacy; off by default here, on for a new real bot). In privacy
// mode a group message reaches the bot only when it is a command,
// mentions the bot or replies to the bot; the others stay in the chat
// (Messages) with UpdateID 0.
func (f *Telegram) SetPrivacyMode(on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.privacy = on
}

// SendText queues a text message from a user in chat.
func (f *Telegram) SendText(chat TelegramChat, from TelegramUser, text string) TelegramMessage {
	return f.Send(TelegramIncoming{Chat: chat, From: from, Text: text})
}

// Edit makes the author of a user's message edit its text (a photo's
// caption), and queues the edited_message update. It returns false when there is no such message.
func (f *Telegram) Edit(chatID int64, messageID int, text string) (TelegramMessage, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.chats[chatID]
	if c == nil {
		return TelegramMessage{}, false
	}
	m := c.message(messageID)
	if m == nil || m.FromBot() {
		return TelegramMessage{}, false
	}
	if m.Photo != nil {
		m.Caption, m.CaptionEntities = text, userEntities(text)
	} else {
		m.Text, m.Entities = text, userEntities(text)
	}
	m.EditDate = f.now().Unix()
	m.Edits++
	m.UpdateID = f.enqueue("edited_message", m)
	return m.clone(), true
}

// CreateTopic opens a forum topic in a forum supergroup and queues its
// forum_topic_created service message; it returns the topic's thread id.
// Messages in the topic carry that service message as reply_to_message,
// as Telegram sends them.
func (f *Telegram) CreateTopic(chat TelegramChat, from TelegramUser, name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.chat(chat)
	u := from
	m := c.add(&TelegramMessage{From: &u, Date: f.now().Unix(), ForumTopicCreated: &TelegramTopic{Name: name, IconColor: 7322096}})
	m.ThreadID, m.IsTopicMessage = m.ID, true
	c.topics[m.ID] = m
	m.UpdateID = f.enqueue("message", m)
	return m.ID
}

// Press makes from press the inline button with callback data on the
// bot's message, and queues the callback_query update. It fails when the
// message's current keyboard has no such button: a user cannot press a
// button that is not there.
func (f *Telegram) Press(from TelegramUser, chatID int64, messageID int, data string) (TelegramCallback, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.chats[chatID]
	if c == nil {
		return TelegramCallback{}, fmt.Errorf("fakes: no chat %d", chatID)
	}
	m := c.message(messageID)
	if m == nil || m.Deleted || !m.FromBot() {
		return TelegramCallback{}, fmt.Errorf("fakes: no bot message %d in chat %d", messageID, chatID)
	}
	found := false
	if m.ReplyMarkup != nil {
		for _, row := range m.ReplyMarkup.InlineKeyboard {
			for _, b := range row {
				found = found || b.CallbackData == data
			}
		}
	}
	if !found {
		return TelegramCallback{}, fmt.Errorf("fakes: message %d in chat %d has no button %q", messageID, chatID, data)
	}
	f.cbSeq++
	q := &TelegramCallback{ID: fmt.Sprintf("%d%06d", chatID&0xffff, f.cbSeq), From: from, ChatID: chatID, MessageID: messageID, Data: data}
	f.callbacks[q.ID] = q
	q.UpdateID = f.enqueue("callback_query", map[string]any{
		"id": q.ID, "from": from, "message": m.clone(), "chat_instance": strconv.FormatInt(chatID, 10), "data": data,
	})
	if q.UpdateID == 0 {
		delete(f.callbacks, q.ID) // allowed_updates kept it from the bot
	}
	return *q, nil
}

// ExpireCallbacks makes every callback query made so far too old to
// answer.
func (f *Telegram) ExpireCallbacks() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, q := range f.callbacks {
		q.Expired = true
	}
}

// Callback returns the callback query with id.
func (f *Telegram) Callback(id string) (TelegramCallback, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := f.callbacks[id]
	if q == nil {
		return TelegramCallback{}, false
	}
	return *q, true
}

// AddChat makes a chat known to the fake without a message in it.
func (f *Telegram) AddChat(chat TelegramChat) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.chat(chat)
	f.notify()
}

// Migrate upgrades the group chatID to the supergroup newID, as a group
// admin does, and queues the two service messages Telegram sends: one in
// the old group with migrate_to_chat_id, one in the supergroup with
// migrate_from_chat_id (both from the last user who wrote in the group).
// From now on sending to chatID is answered 400 with
// parameters.migrate_to_chat_id.
func (f *Telegram) Migrate(chatID, newID int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	old := f.chats[chatID]
	if old == nil {
		old = f.chat(GroupChat(chatID, ""))
	}
	u := TelegramUser{ID: 1, FirstName: "Admin"}
	for _, m := range old.msgs {
		if m.From != nil && !m.FromBot() {
			u = *m.From
		}
	}
	m := old.add(&TelegramMessage{From: &u, Date: f.now().Unix(), MigrateToChatID: newID})
	m.UpdateID = f.enqueue("message", m)
	old.migratedTo = newID
	c := f.chat(SupergroupChat(newID, old.chat.Title, false))
	m = c.add(&TelegramMessage{From: &u, Date: f.now().Unix(), MigrateFromChatID: chatID})
	m.UpdateID = f.enqueue("message", m)
}

// Queue queues an update of any kind ("my_chat_member", "message_reaction"
// …) with payload as its JSON object, for what the helpers above do not
// build. It returns the update id (0 when allowed_updates excludes kind).
func (f *Telegram) Queue(kind string, payload any) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.enqueue(kind, payload)
}

// Block makes the user block the bot: sending to their private chat is
// answered 403 "Forbidden: bot was blocked by the user"; unblock undoes
// it.
func (f *Telegram) Block(u TelegramUser, block bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.chat(PrivateChat(u)).blocked = block
	f.notify()
}

// Menu returns the command menu user sees in chat, resolved the way the
// Bot API documents ("Determining list of commands"): the first list set
// among the scopes that apply, narrowest first, each with the user's
// language_code before without it. admin says whether user administers
// the group.
func (f *Telegram) Menu(chat TelegramChat, user TelegramUser, admin bool) []TelegramCommand {
	f.mu.Lock()
	defer f.mu.Unlock()
	var scopes []string
	id := strconv.FormatInt(chat.ID, 10)
	if chat.Type == "private" {
		scopes = []string{"chat:" + id, "all_private_chats", "default"}
	} else {
		scopes = append(scopes, "chat_member:"+id+":"+strconv.FormatInt(user.ID, 10))
		if admin {
			scopes = append(scopes, "chat_administrators:"+id)
		}
		scopes = append(scopes, "chat:"+id)
		if admin {
			scopes = append(scopes, "all_chat_administrators")
		}
		scopes = append(scopes, "all_group_chats", "default")
	}
	for _, s := range scopes {
		for _, lang := range []string{user.LanguageCode, ""} {
			if cmds := f.commands[s+"|"+lang]; len(cmds) > 0 {
				return slices.Clone(cmds)
			}
			if lang == "" {
				break
			}
		}
	}
	return nil
}

// Messages returns every message in the chat, the users' and the bot's,
// in order, as they are now (after edits).
func (f *Telegram) Messages(chatID int64) []TelegramMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []TelegramMessage
	if c := f.chats[chatID]; c != nil {
		for _, m := range c.msgs {
			out = append(out, m.clone())
		}
	}
	return out
}

// BotMessages returns the messages the bot sent in the chat (deleted ones
// included, marked), in order, as they are now.
func (f *Telegram) BotMessages(chatID int64) []TelegramMessage {
	var out []TelegramMessage
	for _, m := range f.Messages(chatID) {
		if m.FromBot() {
			out = append(out, m)
		}
	}
	return out
}

// Actions returns the chat actions the bot sent to the chat.
func (f *Telegram) Actions(chatID int64) []TelegramAction {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c := f.chats[chatID]; c != nil {
		return slices.Clone(c.actions)
	}
	return nil
}

// Commands returns the command menu set for scope and language code.
// scope is "default", "all_private_chats", "all_group_chats",
// "all_chat_administrators", "chat:<id>", "chat_administrators:<id>" or
// "chat_member:<chat>:<user>".
func (f *Telegram) Commands(scope, lang string) []TelegramCommand {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.commands[scope+"|"+lang])
}

// Webhook returns the webhook the bot set (zero when none).
func (f *Telegram) Webhook() TelegramWebhook {
	f.mu.Lock()
	defer f.mu.Unlock()
	w := f.webhook
	w.AllowedUpdates = slices.Clone(w.AllowedUpdates)
	return w
}

// AllowedUpdates returns the allowed_updates of the last getUpdates that
// gave one (nil: Telegram's default).
func (f *Telegram) AllowedUpdates() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.allowed)
}

// Polling reports whether a getUpdates is waiting now.
func (f *Telegram) Polling() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.poller != nil
}

// Confirmed returns the highest update id confirmed by a getUpdates
// offset (0 before any).
func (f *Telegram) Confirmed() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return max(f.offset-1, 0)
}

// Pending returns the ids of the queued updates not yet confirmed.
func (f *Telegram) Pending() []int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]int64, len(f.queue))
	for i, u := range f.queue {
		out[i] = u.id
	}
	return out
}

// Calls returns the requests received, in order; with methods given, only
// those of these methods.
func (f *Telegram) Calls(methods ...string) []TelegramCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []TelegramCall
	for _, c := range f.calls {
		if len(methods) == 0 || slices.ContainsFunc(methods, func(m string) bool { return strings.EqualFold(m, c.Method) }) {
			out = append(out, c)
		}
	}
	return out
}

// Changed returns a channel closed at the fake's next change (a request
// served, an update queued): a program watching the fake waits on it,
// reads what it wants, and calls Changed again.
func (f *Telegram) Changed() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.changed
}

// WaitUntil waits until cond holds, re-checking it at every change of the
// fake (a request served, an update queued). It fails the test when cond
// still does not hold after the wait timeout; what names the condition.
// cond must not block; it may call the fake's accessors.
func (f *Telegram) WaitUntil(t Failer, what string, cond func() bool) {
	t.Helper()
	f.mu.Lock()
	timeout := f.waitTimeout
	f.mu.Unlock()
	waitChanged(t, "Telegram", what, timeout, f.Changed, f.done, cond)
}

// WaitBotMessages waits until the bot has sent at least n messages to the
// chat and returns them all.
func (f *Telegram) WaitBotMessages(t Failer, chatID int64, n int) []TelegramMessage {
	t.Helper()
	var out []TelegramMessage
	f.WaitUntil(t, fmt.Sprintf("%d bot messages in chat %d", n, chatID), func() bool {
		out = f.BotMessages(chatID)
		return len(out) >= n
	})
	return out
}

// WaitConfirmed waits until getUpdates confirmed the update id.
func (f *Telegram) WaitConfirmed(t Failer, id int64) {
	t.Helper()
	f.WaitUntil(t, fmt.Sprintf("update %d confirmed", id), func() bool { return f.Confirmed() >= id })
}

// Verify fails the test for what a well-behaved bot leaves behind:
// scripted faults (FailNext) that were never used, calls of methods the
// fake does not serve (answered 404), and callback queries never answered
// (Telegram's client shows a spinner until answerCallbackQuery; expired
// ones are excused).
func (f *Telegram) Verify(t Failer) {
	t.Helper()
	f.mu.Lock()
	problems := f.script.unused(faultName, "any method")
	for _, c := range f.calls {
		if c.Status == 404 {
			problems = append(problems, fmt.Sprintf("call of unserved method %q", c.Method))
		}
	}
	ids := make([]string, 0, len(f.callbacks))
	for id, q := range f.callbacks {
		if !q.Answered && !q.Expired {
			ids = append(ids, id)
		}
	}
	f.mu.Unlock()
	slices.Sort(ids)
	for _, id := range ids {
		problems = append(problems, fmt.Sprintf("callback query %s never answered", id))
	}
	if len(problems) > 0 {
		t.Fatalf("fakes: Telegram: %s", strings.Join(problems, "; "))
	}
}

func faultName(f TelegramFault) string {
	if f.Drop {
		return "dropped connection"
	}
	return strconv.Itoa(f.Status)
}
