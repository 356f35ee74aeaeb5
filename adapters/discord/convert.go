package discord

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/bwmarrin/discordgo"

	"github.com/botgateway/bot/adapters"
)

// handler turns one Run's gateway events into Messages for its Inbox.
type handler struct {
	a        *Adapter
	in       adapters.Inbox
	complete adapters.Completer // nil: autocomplete answers nothing
	ctx      context.Context    // Run's: ends when Run does
}

// message handles MESSAGE_CREATE, in the gateway's read loop: the checks
// are in memory, and the rest (the thread lookup, the delivery) goes to the
// channel's lane. A DM always, a guild message when it is
// for the bot (see forBot); bots' messages, webhooks, system messages and
// messages without text are dropped.
func (h *handler) message(m *discordgo.Message) {
	a := h.a
	if m == nil || m.Author == nil || m.Author.Bot || m.WebhookID != "" {
		return
	}
	if m.Type != discordgo.MessageTypeDefault && m.Type != discordgo.MessageTypeReply {
		return
	}
	me := a.me.Load()
	if me == nil || m.Author.ID == me.ID {
		return
	}
	direct := m.GuildID == ""
	var roles []string
	if !direct {
		roles = a.roles.in(m.GuildID)
	}
	text, ok := forBot(m, me.ID, roles, direct, a.cfg.RequireMention)
	if !ok {
		return
	}
	if !a.seen.add("m" + m.ID) { // delivered again after a resume
		return
	}
	deliver := func(ref adapters.ChatRef) {
		r := &replier{a: a, channel: m.ChannelID, chat: ref, user: m.Author.ID, direct: direct}
		if !direct {
			r.replyTo = &discordgo.MessageReference{MessageID: m.ID, ChannelID: m.ChannelID, GuildID: m.GuildID, FailIfNotExists: new(bool)}
		}
		h.in.Deliver(h.ctx, adapters.Message{
			Channel: Name,
			Chat:    ref,
			Sender:  adapters.Sender{ID: m.Author.ID, Name: displayName(m.Author)},
			Text:    text,
			Direct:  direct,
			BotName: me.Username,
			Reply:   r,
		})
	}
	// The common case (a DM, a channel or thread already known) is
	// delivered here, in the read loop (Deliver does not block): no hand-off
	// to another goroutine on the way to the gateway. Only when the place
	// needs a lookup at Discord, or earlier messages of its channel still
	// wait in its lane, does the message go to the lane, so a chat's
	// messages keep their order.
	if ref, ok := a.chatRefKnown(m.GuildID, m.ChannelID, m.Author.ID); ok && a.laneIdle(m.ChannelID) {
		deliver(ref)
		return
	}
	a.inLane(m.ChannelID, func() { deliver(a.chatRef(h.ctx, m.GuildID, m.ChannelID, m.Author.ID)) })
}

// forBot returns the text of m to deliver, with the bot's mentions
// stripped, and whether to deliver it: in a DM always; in a guild a text
// command, a message mentioning the bot (or one of its roles, botRoles)
// or replying to it, or any message when requireMention is off. A message
// with no text (an attachment only, or a guild message Discord blanked for
// want of the message-content intent) is not delivered.
func forBot(m *discordgo.Message, botID string, botRoles []string, direct, requireMention bool) (string, bool) {
	mentioned := false
	for _, u := range m.Mentions {
		if u != nil && u.ID == botID {
			mentioned = true
		}
	}
	for _, r := range m.MentionRoles {
		if slices.Contains(botRoles, r) {
			mentioned = true
		}
	}
	replied := m.ReferencedMessage != nil && m.ReferencedMessage.Author != nil && m.ReferencedMessage.Author.ID == botID
	text := stripMention(m.Content, botID, botRoles)
	if strings.TrimSpace(text) == "" {
		return "", false
	}
	if direct || !requireMention || mentioned || replied || strings.HasPrefix(text, "/") {
		return text, true
	}
	return "", false
}

// stripMention removes the bot's mentions (<@id>, <@!id> and <@&role> of
// its roles) from text and trims it.
func stripMention(text, botID string, botRoles []string) string {
	if botID != "" {
		text = strings.ReplaceAll(text, "<@"+botID+">", "")
		text = strings.ReplaceAll(text, "<@!"+botID+">", "")
	}
	for _, r := range botRoles {
		text = strings.ReplaceAll(text, "<@&"+r+">", "")
	}
	return strings.TrimSpace(text)
}

// displayName is a user's name for logs.
func displayName(u *discordgo.User) string {
	if u.GlobalName != "" {
		return u.GlobalName
	}
	return u.Username
}

// chatRef is the ChatRef of a place (DESIGN §3 session keys): "dm:<user>"
// in a DM, "<parent>:thread:<thread>" in a thread, else "<channel>". A
// message and an interaction in the same place get the same one.
func (a *Adapter) chatRef(ctx context.Context, guildID, channelID, userID string) adapters.ChatRef {
	if guildID == "" {
		return adapters.ChatRef("dm:" + userID)
	}
	if parent := a.threadParent(ctx, channelID); parent != "" {
		return adapters.ChatRef(parent + ":thread:" + channelID)
	}
	return adapters.ChatRef(channelID)
}

// chatRefCached is chatRef from memory only (autocomplete must not wait
// for Discord): a thread not yet seen counts as its own channel.
func (a *Adapter) chatRefCached(guildID, channelID, userID string) adapters.ChatRef {
	ref, _ := a.chatRefKnown(guildID, channelID, userID)
	return ref
}

// chatRefKnown is chatRef from memory only, and whether the place was
// known there (a DM always is; otherwise the ref returned takes the
// channel for no thread).
func (a *Adapter) chatRefKnown(guildID, channelID, userID string) (adapters.ChatRef, bool) {
	if guildID == "" {
		return adapters.ChatRef("dm:" + userID), true
	}
	parent, known := a.threadParentCached(channelID)
	if parent != "" {
		return adapters.ChatRef(parent + ":thread:" + channelID), true
	}
	return adapters.ChatRef(channelID), known
}

// threadParent returns the parent channel of channelID when it is a
// thread, else "": from memory (threadParentCached), else from Discord.
func (a *Adapter) threadParent(ctx context.Context, channelID string) string {
	if parent, ok := a.threadParentCached(channelID); ok {
		return parent
	}
	c, err := a.s.Channel(channelID, discordgo.WithContext(ctx))
	if err != nil {
		a.log.Debug("discord channel lookup failed; taken as a channel", "channel", channelID, "err", a.redact(err))
		return ""
	}
	parent := ""
	if c.IsThread() {
		parent = c.ParentID
	}
	a.channels.put(channelID, parent)
	return parent
}

// threadParentCached returns the parent channel of channelID when it is a
// thread, else "", and whether channelID is known: from the session's
// state (GUILD_CREATE and THREAD_* events fill it), then from the
// channels looked up before.
func (a *Adapter) threadParentCached(channelID string) (string, bool) {
	if c, err := a.s.State.Channel(channelID); err == nil && c != nil {
		if c.IsThread() {
			return c.ParentID, true
		}
		return "", true
	}
	return a.channels.get(channelID)
}

// maxChannels bounds the channels remembered outside the state.
const maxChannels = 4096

// channelCache remembers, for channels not in the state, the parent of
// those that are threads ("" for the others). It is safe for concurrent
// use.
type channelCache struct {
	mu     sync.Mutex
	max    int
	parent map[string]string
}

func newChannelCache(max int) *channelCache {
	return &channelCache{max: max, parent: map[string]string{}}
}

func (c *channelCache) get(id string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.parent[id]
	return p, ok
}

func (c *channelCache) put(id, parent string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.parent) >= c.max {
		clear(c.parent)
	}
	c.parent[id] = parent
}

// maxSeen bounds the ids remembered as handled.
const maxSeen = 4096

// seenSet remembers the last ids handled, so an event Discord delivers
// again (a resume replays what the old socket may have delivered) is
// handled once. It is safe for concurrent use.
type seenSet struct {
	mu    sync.Mutex
	max   int
	ids   map[string]struct{}
	order []string
}

func newSeenSet(max int) *seenSet {
	return &seenSet{max: max, ids: map[string]struct{}{}}
}

// add records id and reports whether it is new.
func (s *seenSet) add(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.ids[id]; ok {
		return false
	}
	s.ids[id] = struct{}{}
	s.order = append(s.order, id)
	if len(s.order) > s.max {
		delete(s.ids, s.order[0])
		s.order = s.order[1:]
	}
	return true
}
