package fakes

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// AddUser adds a (human) user named username and returns it.
func (f *Discord) AddUser(username string) DiscordUser {
	f.mu.Lock()
	defer f.mu.Unlock()
	u := DiscordUser{ID: f.snowflake(), Username: username, GlobalName: username, Discriminator: "0"}
	f.users[u.ID] = u
	return u
}

// AddBotUser adds another bot (its messages carry author.bot).
func (f *Discord) AddBotUser(username string) DiscordUser {
	f.mu.Lock()
	defer f.mu.Unlock()
	u := DiscordUser{ID: f.snowflake(), Username: username, Discriminator: "0", Bot: true}
	f.users[u.ID] = u
	return u
}

// AddGuild adds a guild the bot is in; a live session with the GUILDS
// intent gets GUILD_CREATE.
func (f *Discord) AddGuild(name string) DiscordGuild {
	f.mu.Lock()
	defer f.mu.Unlock()
	g := &DiscordGuild{ID: f.snowflake(), Name: name}
	g.BotRole = f.snowflake()
	f.guilds[g.ID] = g
	for _, s := range f.live() {
		if s.intents&DiscordIntentGuilds != 0 {
			f.dispatchTo(s, "GUILD_CREATE", f.guildCreate(g))
		}
	}
	return *g
}

// AddTextChannel adds a text channel to guild g.
func (f *Discord) AddTextChannel(g DiscordGuild, name string) DiscordChannel {
	return f.addChannel(DiscordChannel{Type: DiscordGuildText, GuildID: g.ID, Name: name}, "CHANNEL_CREATE")
}

// AddThread adds a public thread under the text channel parent.
func (f *Discord) AddThread(parent DiscordChannel, name string) DiscordChannel {
	return f.addChannel(DiscordChannel{Type: DiscordPublicThread, GuildID: parent.GuildID, ParentID: parent.ID, Name: name}, "THREAD_CREATE")
}

func (f *Discord) addChannel(ch DiscordChannel, event string) DiscordChannel {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch.ID = f.snowflake()
	f.channels[ch.ID] = &dcChannel{ch: ch}
	for _, s := range f.live() {
		if s.intents&DiscordIntentGuilds != 0 {
			f.dispatchTo(s, event, ch)
		}
	}
	f.notify()
	return ch
}

// DM returns the DM channel between u and the bot (the one POST
// /users/@me/channels opens).
func (f *Discord) DM(u DiscordUser) DiscordChannel {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.users[u.ID] = u
	return f.dmChannel(u).ch
}

// Channel returns the channel id.
func (f *Discord) Channel(id string) (DiscordChannel, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.channels[id]
	if !ok {
		return DiscordChannel{}, false
	}
	return c.ch, true
}

// DiscordIncoming is a message a user sends (Send).
type DiscordIncoming struct {
	Channel DiscordChannel
	From    DiscordUser
	Content string
	// MentionBot puts "<@bot>" before the content and the bot in mentions.
	MentionBot bool
	// ReplyTo is the id of the message replied to (in the same channel);
	// the reply pings its author unless NoReplyPing, as Discord's client
	// does by default.
	ReplyTo     string
	NoReplyPing bool
	// Attachments are files (Filename, ContentType, Size); the fake fills
	// ids and URLs.
	Attachments []DiscordAttachment
}

// Send posts a message as a user and dispatches MESSAGE_CREATE to the
// live sessions that may see it (GUILD_MESSAGES for guild channels,
// DIRECT_MESSAGES for DMs), blanking content, embeds, attachments and
// components for a session without MESSAGE_CONTENT when the message is in
// a guild and neither mentions the bot nor replies to it with a ping.
// It panics on an unknown channel or reply (a mistake in the test).
func (f *Discord) Send(in DiscordIncoming) DiscordMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.channels[in.Channel.ID]
	if c == nil {
		panic("fakes: Discord.Send: unknown channel " + in.Channel.ID)
	}
	f.users[in.From.ID] = in.From
	m := f.newMessage(c, in.From)
	m.Content = in.Content
	if in.MentionBot {
		m.Content = "<@" + f.me.ID + "> " + in.Content
	}
	for _, a := range in.Attachments {
		a.ID = f.snowflake()
		if a.URL == "" {
			a.URL = f.srv.URL + "/attachments/" + c.ch.ID + "/" + a.ID + "/" + a.Filename
		}
		if a.ProxyURL == "" {
			a.ProxyURL = a.URL
		}
		m.Attachments = append(m.Attachments, a)
	}
	if in.ReplyTo != "" {
		orig := c.message(in.ReplyTo)
		if orig == nil {
			panic("fakes: Discord.Send: unknown message " + in.ReplyTo)
		}
		m.Type = 19
		m.MessageReference = &DiscordMessageRef{MessageID: orig.ID, ChannelID: c.ch.ID, GuildID: c.ch.GuildID}
		q := orig.clone()
		q.ReferencedMessage = nil
		m.ReferencedMessage = &q
		if in.NoReplyPing {
			m.AllowedMentions = &DiscordAllowedMentions{Parse: []string{"users", "roles", "everyone"}}
		}
	}
	f.pings(m)
	m.AllowedMentions = nil
	c.add(m)
	m.Seq = f.dispatchMessage(c, m, "MESSAGE_CREATE")
	return m.clone()
}

// dispatchMessage sends event (MESSAGE_CREATE, MESSAGE_UPDATE) of m to
// the live sessions that see it and returns the last sequence number
// used (0 when none); f.mu is held.
func (f *Discord) dispatchMessage(c *dcChannel, m *DiscordMessage, event string) int64 {
	var seq int64
	for _, s := range f.live() {
		need := DiscordIntentGuildMessages
		if c.ch.Type == DiscordDM {
			need = DiscordIntentDirectMessages
		}
		if s.intents&need == 0 {
			continue
		}
		seq = f.dispatchTo(s, event, f.asSeen(s, c, m))
	}
	return seq
}

// asSeen returns m as session s receives it; f.mu is held.
func (f *Discord) asSeen(s *dcSession, c *dcChannel, m *DiscordMessage) any {
	v := m.clone()
	if s.intents&DiscordIntentMessageContent == 0 && c.ch.Type != DiscordDM {
		f.blank(&v)
		if v.ReferencedMessage != nil {
			f.blank(v.ReferencedMessage)
		}
	}
	return withMember(v, c)
}

// blank empties what Discord hides from a bot without the
// MESSAGE_CONTENT intent, unless the bot wrote m or is mentioned in it.
func (f *Discord) blank(m *DiscordMessage) {
	if m.Author.ID == f.me.ID || slices.Contains(m.Pinged, f.me.ID) ||
		slices.ContainsFunc(m.Mentions, func(u DiscordUser) bool { return u.ID == f.me.ID }) {
		return
	}
	m.Content = ""
	m.Embeds = []json.RawMessage{}
	m.Attachments = []DiscordAttachment{}
	m.Components = []DiscordComponent{}
}

// withMember adds the member object Discord puts on guild messages.
func withMember(m DiscordMessage, c *dcChannel) any {
	if c.ch.GuildID == "" {
		return m
	}
	type out struct {
		DiscordMessage
		Member map[string]any `json:"member"`
	}
	return out{m, map[string]any{"roles": []string{}, "joined_at": "2024-01-01T00:00:00Z", "deaf": false, "mute": false}}
}

// EditByUser changes the content of a user's message, as its author
// would, and dispatches MESSAGE_UPDATE (blanked as Send blanks). It
// reports false for an unknown message.
func (f *Discord) EditByUser(channelID, messageID, content string) (DiscordMessage, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.channels[channelID]
	if c == nil {
		return DiscordMessage{}, false
	}
	m := c.message(messageID)
	if m == nil || m.Author.ID == f.me.ID {
		return DiscordMessage{}, false
	}
	m.Content = content
	f.pings(m)
	f.edited(m) // dispatches MESSAGE_UPDATE
	return m.clone(), true
}

// DeleteByUser deletes a user's message, as its author would, and
// dispatches MESSAGE_DELETE. It reports false for an unknown message.
func (f *Discord) DeleteByUser(channelID, messageID string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.channels[channelID]
	if c == nil {
		return false
	}
	m := c.message(messageID)
	if m == nil || m.Author.ID == f.me.ID {
		return false
	}
	m.Deleted = true
	d := map[string]any{"id": m.ID, "channel_id": c.ch.ID}
	if c.ch.GuildID != "" {
		d["guild_id"] = c.ch.GuildID
	}
	for _, s := range f.live() {
		need := DiscordIntentGuildMessages
		if c.ch.Type == DiscordDM {
			need = DiscordIntentDirectMessages
		}
		if s.intents&need != 0 {
			f.dispatchTo(s, "MESSAGE_DELETE", d)
		}
	}
	return true
}

// SendText sends text as from in ch.
func (f *Discord) SendText(ch DiscordChannel, from DiscordUser, text string) DiscordMessage {
	return f.Send(DiscordIncoming{Channel: ch, From: from, Content: text})
}

// DiscordCommandRun is a slash command as a user runs it: Name is the
// command, with its subcommand (group) after spaces ("model set"); Options
// are typed as text and converted to the registered types.
type DiscordCommandRun struct {
	Channel DiscordChannel
	From    DiscordUser
	Name    string
	Options []DiscordOptionInput
}

// ErrDiscordNoCommand is what RunCommand and Autocomplete return for a
// command the user cannot see (not registered for the channel's guild
// nor globally).
var ErrDiscordNoCommand = errors.New("fakes: Discord: no such command")

// RunCommand runs a slash command as a user: it checks the command and
// its options against the registered ones (as Discord's client would
// not let the user send otherwise) and dispatches INTERACTION_CREATE.
func (f *Discord) RunCommand(run DiscordCommandRun) (DiscordInteraction, error) {
	return f.command(run, "")
}

// StartAutocomplete dispatches an autocomplete interaction for the
// option focused, whose partial text is its value in run.Options, and
// returns it at once; Autocomplete also waits for the answer.
func (f *Discord) StartAutocomplete(run DiscordCommandRun, focused string) (DiscordInteraction, error) {
	return f.command(run, focused)
}

// Autocomplete types into the option focused of a slash command (its
// partial text is its value in run.Options) and waits for the bot's
// answer: the interaction has the Choices and the Latency, on the fake's
// clock. It fails the test when the command or option is unknown.
func (f *Discord) Autocomplete(t Failer, run DiscordCommandRun, focused string) DiscordInteraction {
	t.Helper()
	in, err := f.command(run, focused)
	if err != nil {
		t.Fatalf("fakes: Discord: autocomplete /%s %s: %v", run.Name, focused, err)
		return in
	}
	return f.WaitResponse(t, in.ID)
}

func (f *Discord) command(run DiscordCommandRun, focused string) (DiscordInteraction, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.channels[run.Channel.ID]
	if c == nil {
		return DiscordInteraction{}, fmt.Errorf("fakes: Discord: unknown channel %s", run.Channel.ID)
	}
	path := strings.Fields(run.Name)
	if len(path) == 0 {
		return DiscordInteraction{}, ErrDiscordNoCommand
	}
	var cmd *DiscordCommand
	for _, scope := range []string{c.ch.GuildID, ""} {
		for i := range f.commands[scope] {
			x := &f.commands[scope][i]
			if x.Name == path[0] && x.Type == 1 && cmd == nil {
				if scope == "" && c.ch.Type == DiscordDM && x.DMPermission != nil && !*x.DMPermission {
					continue
				}
				cmd = x
			}
		}
		if c.ch.GuildID == "" {
			break
		}
	}
	if cmd == nil {
		return DiscordInteraction{}, fmt.Errorf("%w /%s", ErrDiscordNoCommand, path[0])
	}
	opts, err := buildOptions(cmd.Options, path[1:], run.Options, focused)
	if err != nil {
		return DiscordInteraction{}, fmt.Errorf("fakes: Discord: /%s: %w", run.Name, err)
	}
	typ := DiscordInteractionCommand
	if focused != "" {
		typ = DiscordInteractionAutocomplete
	}
	in := f.newInteraction(typ, c, run.From)
	in.Command, in.Options, in.Focused = run.Name, slices.Clone(run.Options), focused
	data := map[string]any{"id": cmd.ID, "name": cmd.Name, "type": 1, "options": opts}
	if cmd.GuildID != "" {
		data["guild_id"] = cmd.GuildID
	}
	f.dispatchInteraction(in, c, data, nil)
	return *in, nil
}

// buildOptions converts the typed options into the interaction's
// options, following the subcommand path.
func buildOptions(defs []DiscordCommandOption, path []string, typed []DiscordOptionInput, focused string) ([]map[string]any, error) {
	if len(path) > 0 {
		for _, d := range defs {
			if d.Name == path[0] && (d.Type == DiscordOptionSubCommand || d.Type == DiscordOptionSubCommandGroup) {
				inner, err := buildOptions(d.Options, path[1:], typed, focused)
				if err != nil {
					return nil, err
				}
				return []map[string]any{{"type": d.Type, "name": d.Name, "options": inner}}, nil
			}
		}
		return nil, fmt.Errorf("no subcommand %q", path[0])
	}
	for _, d := range defs {
		if d.Type == DiscordOptionSubCommand || d.Type == DiscordOptionSubCommandGroup {
			return nil, errors.New("a subcommand is required")
		}
	}
	out := []map[string]any{}
	for _, in := range typed {
		i := slices.IndexFunc(defs, func(d DiscordCommandOption) bool { return d.Name == in.Name })
		if i < 0 {
			return nil, fmt.Errorf("no option %q", in.Name)
		}
		d := defs[i]
		o := map[string]any{"type": d.Type, "name": d.Name}
		if in.Name == focused {
			if !d.Autocomplete {
				return nil, fmt.Errorf("option %q has no autocomplete", in.Name)
			}
			o["value"], o["focused"] = in.Value, true
			out = append(out, o)
			continue
		}
		v, err := convertOption(d, in.Value)
		if err != nil {
			return nil, fmt.Errorf("option %q: %w", in.Name, err)
		}
		o["value"] = v
		out = append(out, o)
	}
	if focused != "" && !slices.ContainsFunc(typed, func(in DiscordOptionInput) bool { return in.Name == focused }) {
		return nil, fmt.Errorf("focused option %q not typed", focused)
	}
	if focused == "" {
		for _, d := range defs {
			if d.Required && !slices.ContainsFunc(typed, func(in DiscordOptionInput) bool { return in.Name == d.Name }) {
				return nil, fmt.Errorf("required option %q missing", d.Name)
			}
		}
	}
	return out, nil
}

// convertOption converts typed text to an option's type and checks it
// against the option's choices and limits, as Discord's client does.
func convertOption(d DiscordCommandOption, text string) (any, error) {
	var v any
	switch d.Type {
	case DiscordOptionString:
		v = text
		n := len([]rune(text))
		if d.MinLength != nil && n < *d.MinLength || d.MaxLength != nil && n > *d.MaxLength || n > 6000 {
			return nil, errors.New("length out of range")
		}
	case DiscordOptionInteger:
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return nil, err
		}
		if d.MinValue != nil && float64(n) < *d.MinValue || d.MaxValue != nil && float64(n) > *d.MaxValue {
			return nil, errors.New("out of range")
		}
		v = n
	case DiscordOptionNumber:
		n, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return nil, err
		}
		if d.MinValue != nil && n < *d.MinValue || d.MaxValue != nil && n > *d.MaxValue {
			return nil, errors.New("out of range")
		}
		v = n
	case DiscordOptionBoolean:
		b, err := strconv.ParseBool(text)
		if err != nil {
			return nil, err
		}
		v = b
	default: // user, channel, role, mentionable, attachment: a snowflake
		v = text
	}
	if len(d.Choices) > 0 && !slices.ContainsFunc(d.Choices, func(c DiscordCommandOptionChoice) bool {
		return fmt.Sprint(c.Value) == fmt.Sprint(v)
	}) {
		return nil, fmt.Errorf("%q is not one of the choices", text)
	}
	return v, nil
}

// newInteraction makes an interaction of from in c; f.mu is held.
func (f *Discord) newInteraction(typ int, c *dcChannel, from DiscordUser) *DiscordInteraction {
	f.users[from.ID] = from
	id := f.snowflake()
	in := &DiscordInteraction{ID: id, Token: "fake-interaction-token." + id, Type: typ, User: from,
		ChannelID: c.ch.ID, GuildID: c.ch.GuildID, Created: f.now()}
	f.inters[id] = in
	f.byToken[in.Token] = id
	return in
}

// dispatchInteraction sends INTERACTION_CREATE to the live sessions;
// f.mu is held.
func (f *Discord) dispatchInteraction(in *DiscordInteraction, c *dcChannel, data map[string]any, msg any) {
	p := map[string]any{
		"id": in.ID, "application_id": f.appID, "type": in.Type, "token": in.Token, "version": 1,
		"channel_id": c.ch.ID, "channel": c.ch, "data": data, "locale": "en-US", "entitlements": []any{},
		"app_permissions": "2248473465835073",
	}
	if c.ch.GuildID != "" {
		p["guild_id"] = c.ch.GuildID
		p["guild_locale"] = "en-US"
		p["member"] = map[string]any{"user": in.User, "roles": []string{}, "joined_at": "2024-01-01T00:00:00Z",
			"permissions": "2248473465835073", "deaf": false, "mute": false}
		p["context"] = 0
	} else {
		p["user"] = in.User
		p["context"] = 1
	}
	if msg != nil {
		p["message"] = msg
	}
	for _, s := range f.live() {
		in.Seq = f.dispatchTo(s, "INTERACTION_CREATE", p)
	}
	f.notify()
}

// Choose picks values in the select menu customID of the message
// messageID in channel channelID, as user from, and dispatches the
// component interaction. It fails as Discord's client would not let the
// user: an unknown or invisible message, no such select, a disabled one,
// a value not among its options, too few or too many values.
func (f *Discord) Choose(from DiscordUser, channelID, messageID, customID string, values ...string) (DiscordInteraction, error) {
	return f.component(from, channelID, messageID, customID, values, true)
}

// Press presses the button customID of a message, as user from.
func (f *Discord) Press(from DiscordUser, channelID, messageID, customID string) (DiscordInteraction, error) {
	return f.component(from, channelID, messageID, customID, nil, false)
}

func (f *Discord) component(from DiscordUser, channelID, messageID, customID string, values []string, sel bool) (DiscordInteraction, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.channels[channelID]
	if c == nil {
		return DiscordInteraction{}, fmt.Errorf("fakes: Discord: unknown channel %s", channelID)
	}
	m := c.message(messageID)
	if m == nil || (m.EphemeralTo != "" && m.EphemeralTo != from.ID) {
		return DiscordInteraction{}, fmt.Errorf("fakes: Discord: %s cannot see message %s", from.Username, messageID)
	}
	var comp *DiscordComponent
	for i := range m.Components {
		for j := range m.Components[i].Components {
			x := &m.Components[i].Components[j]
			if x.CustomID == customID {
				comp = x
			}
		}
	}
	if comp == nil {
		return DiscordInteraction{}, fmt.Errorf("fakes: Discord: message %s has no component %q", messageID, customID)
	}
	if comp.Disabled {
		return DiscordInteraction{}, fmt.Errorf("fakes: Discord: component %q is disabled", customID)
	}
	data := map[string]any{"custom_id": customID, "component_type": comp.Type}
	if sel {
		if comp.Type == 2 {
			return DiscordInteraction{}, fmt.Errorf("fakes: Discord: %q is a button", customID)
		}
		minV, maxV := 1, comp.MaxValues
		if comp.MinValues != nil {
			minV = *comp.MinValues
		}
		if maxV == 0 {
			maxV = 1
		}
		if len(values) < minV || len(values) > maxV {
			return DiscordInteraction{}, fmt.Errorf("fakes: Discord: %d values for a select of %d to %d", len(values), minV, maxV)
		}
		if comp.Type == 3 {
			for _, v := range values {
				if !slices.ContainsFunc(comp.Options, func(o DiscordSelectOption) bool { return o.Value == v }) {
					return DiscordInteraction{}, fmt.Errorf("fakes: Discord: %q is not an option of %q", v, customID)
				}
			}
		}
		data["values"] = slices.Clone(values)
	} else if comp.Type != 2 {
		return DiscordInteraction{}, fmt.Errorf("fakes: Discord: %q is not a button", customID)
	}
	in := f.newInteraction(DiscordInteractionComponent, c, from)
	in.CustomID, in.Values, in.MessageID = customID, slices.Clone(values), messageID
	f.dispatchInteraction(in, c, data, withMember(m.clone(), c))
	return *in, nil
}

// Messages returns the messages of a channel, oldest first, as they are
// now (after edits; deleted ones left out), ephemeral ones included (see
// EphemeralTo).
func (f *Discord) Messages(channelID string) []DiscordMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []DiscordMessage
	if c := f.channels[channelID]; c != nil {
		for _, m := range c.msgs {
			if !m.Deleted {
				out = append(out, m.clone())
			}
		}
	}
	return out
}

// SeenBy returns the messages of a channel that user sees: all but
// deleted ones and ephemeral ones meant for someone else.
func (f *Discord) SeenBy(channelID, userID string) []DiscordMessage {
	var out []DiscordMessage
	for _, m := range f.Messages(channelID) {
		if m.EphemeralTo == "" || m.EphemeralTo == userID {
			out = append(out, m)
		}
	}
	return out
}

// BotMessages returns the bot's messages in a channel (responses and
// follow-ups included).
func (f *Discord) BotMessages(channelID string) []DiscordMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []DiscordMessage
	if c := f.channels[channelID]; c != nil {
		for _, m := range c.msgs {
			if !m.Deleted && m.Author.ID == f.me.ID {
				out = append(out, m.clone())
			}
		}
	}
	return out
}

// botCount counts the bot's messages (not deleted) in a channel.
func (f *Discord) botCount(channelID string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	if c := f.channels[channelID]; c != nil {
		for _, m := range c.msgs {
			if !m.Deleted && m.Author.ID == f.me.ID {
				n++
			}
		}
	}
	return n
}

// Message returns a message of a channel by id.
func (f *Discord) Message(channelID, id string) (DiscordMessage, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c := f.channels[channelID]; c != nil {
		if m := c.message(id); m != nil {
			return m.clone(), true
		}
	}
	return DiscordMessage{}, false
}

// Typing returns when the bot triggered the typing indicator in a
// channel (on the fake's clock).
func (f *Discord) Typing(channelID string) []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c := f.channels[channelID]; c != nil {
		return slices.Clone(c.typing)
	}
	return nil
}

// Interaction returns an interaction by id, with what the bot answered.
func (f *Discord) Interaction(id string) (DiscordInteraction, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	in, ok := f.inters[id]
	if !ok {
		return DiscordInteraction{}, false
	}
	return in.clone(), true
}

// Interactions returns every interaction users made, oldest first.
func (f *Discord) Interactions() []DiscordInteraction {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]DiscordInteraction, 0, len(f.inters))
	for _, in := range f.inters {
		out = append(out, in.clone())
	}
	slices.SortFunc(out, func(a, b DiscordInteraction) int {
		return cmpSnowflake(a.ID, b.ID)
	})
	return out
}

// cmpSnowflake orders ids by time (length first: they are decimals).
func cmpSnowflake(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}

func (i *DiscordInteraction) clone() DiscordInteraction {
	c := *i
	c.Options = slices.Clone(i.Options)
	c.Values = slices.Clone(i.Values)
	c.Choices = slices.Clone(i.Choices)
	c.Followups = slices.Clone(i.Followups)
	return c
}

// Commands returns the commands registered for a guild ("" for the
// global ones).
func (f *Discord) Commands(guildID string) []DiscordCommand {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.commands[guildID])
}

// Calls returns the requests received, in order; with routes given
// (DiscordRoute…), only those.
func (f *Discord) Calls(routes ...string) []DiscordCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []DiscordCall
	for _, c := range f.calls {
		if len(routes) == 0 || slices.Contains(routes, c.Route) {
			out = append(out, c)
		}
	}
	return out
}

// Changed returns a channel closed at the fake's next change.
func (f *Discord) Changed() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.changed
}

// WaitUntil waits until cond holds, re-checking it at every change of the
// fake (a request served, an event dispatched, a connection made or
// lost). It fails the test when cond still does not hold after the wait
// timeout; what names the condition. cond must not block.
func (f *Discord) WaitUntil(t Failer, what string, cond func() bool) {
	t.Helper()
	f.mu.Lock()
	timeout := f.waitTimeout
	f.mu.Unlock()
	waitChanged(t, "Discord", what, timeout, f.Changed, f.done, cond)
}

// WaitConnected waits until a session is identified (or resumed) on a
// live connection.
func (f *Discord) WaitConnected(t Failer) {
	t.Helper()
	f.WaitUntil(t, "a gateway session", f.Connected)
}

// WaitBotMessages waits until the bot has at least n messages in the
// channel and returns them all.
func (f *Discord) WaitBotMessages(t Failer, channelID string, n int) []DiscordMessage {
	t.Helper()
	f.WaitUntil(t, fmt.Sprintf("%d bot messages in channel %s", n, channelID), func() bool {
		return f.botCount(channelID) >= n // counted, not copied: cheap at every change
	})
	return f.BotMessages(channelID)
}

// WaitResponse waits until the interaction has its initial response and
// returns it.
func (f *Discord) WaitResponse(t Failer, id string) DiscordInteraction {
	t.Helper()
	var in DiscordInteraction
	f.WaitUntil(t, "a response to interaction "+id, func() bool {
		in, _ = f.Interaction(id)
		return in.Responded
	})
	return in
}

// WaitCalls waits until at least n calls of route were answered (any
// status but 0) and returns them.
func (f *Discord) WaitCalls(t Failer, route string, n int) []DiscordCall {
	t.Helper()
	var out []DiscordCall
	f.WaitUntil(t, fmt.Sprintf("%d answered calls of %s", n, route), func() bool {
		out = out[:0]
		for _, c := range f.Calls(route) {
			if c.Status != 0 {
				out = append(out, c)
			}
		}
		return len(out) >= n
	})
	return out
}

// Verify fails the test for what a well-behaved bot leaves behind:
// scripted faults never used, calls of routes the fake does not serve,
// and interactions never answered (the user sees "This interaction
// failed").
func (f *Discord) Verify(t Failer) {
	t.Helper()
	f.mu.Lock()
	problems := f.script.unused(func(DiscordFault) string { return "faults" }, "any route")
	for _, c := range f.calls {
		if c.Route == discordRouteUnknown {
			problems = append(problems, fmt.Sprintf("call of unserved route %s %s", c.Method, c.Path))
		}
	}
	var ids []string
	for id, in := range f.inters {
		if !in.Responded {
			ids = append(ids, id)
		}
	}
	f.mu.Unlock()
	slices.Sort(ids)
	for _, id := range ids {
		problems = append(problems, "interaction "+id+" never answered")
	}
	if len(problems) > 0 {
		t.Fatalf("fakes: Discord: %s", strings.Join(problems, "; "))
	}
}
