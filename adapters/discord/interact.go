package discord

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/adapters/internal/pickstore"
	"github.com/botgateway/bot/internal/logkeys"
)

// respondWithin bounds an interaction's initial response: Discord forgets
// an interaction not answered within 3 s (10062 Unknown interaction).
const respondWithin = 2500 * time.Millisecond

// interaction handles INTERACTION_CREATE: its initial response is the
// first I/O, always.
func (h *handler) interaction(i *discordgo.Interaction, received time.Time) {
	switch i.Type {
	case discordgo.InteractionApplicationCommand:
		h.command(i, received)
	case discordgo.InteractionApplicationCommandAutocomplete:
		h.autocomplete(i)
	case discordgo.InteractionMessageComponent:
		h.component(i, received)
	}
}

// interactionUser is who caused i: its member's user in a guild, its user
// in a DM.
func interactionUser(i *discordgo.Interaction) *discordgo.User {
	if i.Member != nil && i.Member.User != nil {
		return i.Member.User
	}
	return i.User
}

// respond sends i's initial response: never waiting on a rate limit or
// retrying (the library would sleep through the 3-second window), and
// given up when the window is gone.
func (a *Adapter) respond(ctx context.Context, i *discordgo.Interaction, resp *discordgo.InteractionResponse) error {
	ctx, cancel := context.WithTimeout(ctx, respondWithin)
	defer cancel()
	return a.respondRaw(ctx, i, resp)
}

// command handles a native command: a deferred, ephemeral response at
// once, then the command's text form delivered, whose Reply edits that
// response.
func (h *handler) command(i *discordgo.Interaction, received time.Time) {
	a := h.a
	user := interactionUser(i)
	if user == nil || user.Bot || !a.seen.add("i"+i.ID) {
		return
	}
	err := a.respond(h.ctx, i, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral},
	})
	if a.acked != nil {
		a.acked(a.cfg.Now().Sub(received))
	}
	if err != nil {
		if h.ctx.Err() == nil {
			a.log.Warn("discord could not acknowledge a command; the user sees \"This interaction failed\"", logkeys.Err, a.redact(err))
		}
		return
	}
	data := i.ApplicationCommandData()
	direct := i.GuildID == ""
	ref := a.chatRef(h.ctx, i.GuildID, i.ChannelID, user.ID)
	r := &replier{a: a, channel: i.ChannelID, chat: ref, user: user.ID, direct: direct, ix: i, ixUntil: received.Add(tokenValid), ephemeral: true, original: true}
	h.in.Deliver(h.ctx, adapters.Message{
		Channel: Name,
		Chat:    ref,
		Sender:  adapters.Sender{ID: user.ID, Name: displayName(user)},
		Text:    a.commandText(data),
		Direct:  direct,
		BotName: a.BotName(),
		Reply:   r,
	})
}

// commandText is the text form of a native invocation: "/<name>" and each
// given option's value as the user typed it, in the order of the
// command's ArgSpecs (CommandSpec's contract).
func (a *Adapter) commandText(data discordgo.ApplicationCommandInteractionData) string {
	values := map[string]string{}
	var order []string
	for _, o := range data.Options {
		if o == nil {
			continue
		}
		values[o.Name] = optionText(o)
		order = append(order, o.Name)
	}
	a.specMu.RLock()
	spec, ok := a.specs[data.Name]
	a.specMu.RUnlock()
	if ok {
		order = order[:0]
		for _, arg := range spec.Args {
			order = append(order, arg.Name)
		}
	}
	var b strings.Builder
	b.WriteString("/" + data.Name)
	for _, name := range order {
		if v := strings.TrimSpace(values[name]); v != "" {
			b.WriteString(" " + v)
		}
	}
	return b.String()
}

// optionText is an option's value as text.
func optionText(o *discordgo.ApplicationCommandInteractionDataOption) string {
	if s, ok := o.Value.(string); ok {
		return s
	}
	if o.Value == nil {
		return ""
	}
	return fmt.Sprint(o.Value)
}

// autocomplete answers what the user is typing from the gateway's
// Completer (from memory), with at most 25 choices; the Completer answers
// nothing for strangers.
func (h *handler) autocomplete(i *discordgo.Interaction) {
	a := h.a
	user := interactionUser(i)
	if user == nil || user.Bot {
		return
	}
	data := i.ApplicationCommandData()
	var focused *discordgo.ApplicationCommandInteractionDataOption
	for _, o := range data.Options {
		if o != nil && o.Focused {
			focused = o
		}
	}
	var sugg []adapters.Suggestion
	if h.complete != nil && focused != nil {
		sugg = h.complete.Complete(h.ctx, adapters.Completion{
			Channel: Name,
			Chat:    a.chatRefCached(i.GuildID, i.ChannelID, user.ID),
			Sender:  adapters.Sender{ID: user.ID, Name: displayName(user)},
			Command: data.Name,
			Arg:     focused.Name,
			Text:    optionText(focused),
		})
	}
	ctx, cancel := context.WithTimeout(h.ctx, respondWithin)
	defer cancel()
	err := a.respondRaw(ctx, i, autocompleteAnswer(sugg))
	if err != nil && h.ctx.Err() == nil {
		a.log.Debug("discord autocomplete answer failed", logkeys.Err, a.redact(err))
	}
}

// choice is one choice of an autocomplete answer.
type choice struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// answer is an autocomplete answer (type 8). It is written out here
// because discordgo's omits an empty list of choices, which Discord wants
// present.
type answer struct {
	Type int `json:"type"`
	Data struct {
		Choices []choice `json:"choices"`
	} `json:"data"`
}

// autocompleteAnswer turns suggestions into an answer within Discord's
// limits: at most 25 choices, names and values of 1–100 characters.
func autocompleteAnswer(sugg []adapters.Suggestion) answer {
	var ans answer
	ans.Type = int(discordgo.InteractionApplicationCommandAutocompleteResult)
	ans.Data.Choices = []choice{}
	for _, s := range sugg {
		if len(ans.Data.Choices) == adapters.MaxSuggestions {
			break
		}
		value := cut(s.Value, maxChoice)
		if value == "" {
			continue
		}
		name := cut(s.Label, maxChoice)
		if name == "" {
			name = value
		}
		ans.Data.Choices = append(ans.Data.Choices, choice{Name: name, Value: value})
	}
	return ans
}

// maxChoice is Discord's limit on an autocomplete choice's name and value,
// and on a select option's label, in characters.
const maxChoice = 100

// cut shortens s to at most n characters (runes), ending it with "…" when
// cut.
func cut(s string, n int) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// component handles a choice from a picker's select menu: a stranger's or
// a stale one is answered with an ephemeral line; the opener's is
// acknowledged with a deferred update, and the choice's command is
// delivered with a Reply that edits the picker in place.
func (h *handler) component(i *discordgo.Interaction, received time.Time) {
	a := h.a
	user := interactionUser(i)
	if user == nil || user.Bot || !a.seen.add("i"+i.ID) {
		return
	}
	data := i.MessageComponentData()
	p, n, ok, mine := a.pickers.take(data.CustomID, data.Values, user.ID)
	if !ok || !mine {
		line := pickstore.ExpiredText
		if ok {
			line = pickstore.NotYoursText
		}
		err := a.respond(h.ctx, i, &discordgo.InteractionResponse{
			Type: discordgo.InteractionResponseChannelMessageWithSource,
			Data: &discordgo.InteractionResponseData{Content: line, Flags: discordgo.MessageFlagsEphemeral, AllowedMentions: noMentions()},
		})
		if err != nil && h.ctx.Err() == nil {
			a.log.Debug("discord could not answer a picker choice", logkeys.Err, a.redact(err))
		}
		return
	}
	err := a.respond(h.ctx, i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate})
	if err != nil {
		if h.ctx.Err() == nil {
			a.log.Warn("discord could not acknowledge a picker choice; the user sees \"This interaction failed\"", logkeys.Err, a.redact(err))
		}
		return
	}
	r := &replier{a: a, channel: p.channel, chat: p.chat, user: user.ID, direct: p.direct, ix: i, ixUntil: received.Add(tokenValid), ephemeral: p.ephemeral, original: true}
	h.in.Deliver(h.ctx, adapters.Message{
		Channel: Name,
		Chat:    p.chat,
		Sender:  adapters.Sender{ID: user.ID, Name: displayName(user)},
		Text:    p.commands[n],
		Direct:  p.direct,
		BotName: a.BotName(),
		Reply:   r,
	})
}
