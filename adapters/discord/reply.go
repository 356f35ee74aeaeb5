package discord

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/adapters/internal/textsplit"
)

// maxText is Discord's limit on a message's content: 2,000 characters,
// counted here in UTF-16 units (never fewer than characters).
const maxText = 2000

// original is the id standing for an interaction's original response.
const original = "@original"

// replier answers one message or interaction. A message's replies are new
// messages in its channel (in a guild, the first quotes it); an
// interaction's first reply edits its original response (the deferred
// one, or the picker's message for a choice) and the rest are follow-ups.
type replier struct {
	a       *Adapter
	channel string
	chat    adapters.ChatRef
	user    string // the sender: who may use the reply's pickers
	direct  bool
	replyTo *discordgo.MessageReference // the message answered, in guilds (nil: none)

	ix        *discordgo.Interaction // set for an interaction's replies
	ixUntil   time.Time              // when ix's token expires (less a margin), on the adapter's clock
	ephemeral bool                   // the interaction's replies are ephemeral

	mu       sync.Mutex
	original bool   // the original response is not yet used by a reply
	fellBack bool   // ix's token expired: replies are channel messages (fallBack)
	dm       string // the user's DM channel, for a private reply that fell back
}

// tokenValid is how long the replies to an interaction go through its
// token: Discord accepts it for 15 minutes after the interaction was made
// (then answers 401, 50027 Invalid Webhook Token), less a margin for the
// time the event took to arrive.
const tokenValid = 15*time.Minute - 30*time.Second

// interaction returns the interaction the replies go through: nil for a
// message's replies, and once the interaction's token has expired.
func (r *replier) interaction() *discordgo.Interaction {
	if r.ix == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fellBack {
		return nil
	}
	return r.ix
}

// fallBack makes the replies channel messages: the interaction's token
// has expired (or Discord no longer knows it), so its response can be
// neither edited nor followed up. It reports whether this call did it.
func (r *replier) fallBack() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ix == nil || r.fellBack {
		return false
	}
	r.fellBack = true
	r.a.log.Info("discord interaction token expired; the reply is sent as a message")
	return true
}

// channelID is where a reply that is not an interaction's goes: the
// channel, or, for a private (ephemeral) reply to an interaction in a
// guild that fell back, the user's DM, so it stays private.
func (r *replier) channelID(ctx context.Context) (string, error) {
	if r.ix == nil || !r.ephemeral || r.direct {
		return r.channel, nil
	}
	r.mu.Lock()
	dm := r.dm
	r.mu.Unlock()
	if dm != "" {
		return dm, nil
	}
	c, err := r.a.s.UserChannelCreate(r.user, discordgo.WithContext(ctx))
	if err != nil {
		return "", fmt.Errorf("discord: opening the DM for a private reply: %w", r.a.redact(err))
	}
	r.mu.Lock()
	r.dm = c.ID
	r.mu.Unlock()
	return c.ID, nil
}

// tokenGone reports whether err is Discord refusing an interaction's
// token: expired (50027 Invalid Webhook Token) or unknown (10015).
func tokenGone(err error) bool {
	switch apiCode(err) {
	case 50027, 10015:
		return true
	}
	return false
}

// noMentions is the allowed_mentions of every message: none, so a model's
// "@everyone" or a pasted user mention never pings anyone.
func noMentions() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
}

// Reply implements adapters.Replier. An interaction's reply is ephemeral
// (every reply to a native command is); a message's Private reply is sent
// in the channel like any other: Discord has no ephemeral message outside
// interactions (secrets are masked by the gateway anyway).
func (r *replier) Reply(ctx context.Context, rep adapters.Reply) error {
	_, _, err := r.showParts(ctx, nil, nil, rep.Text, rep.Choices, true)
	return err
}

// Typing implements adapters.Typer: the typing endpoint for a message; an
// interaction already shows "… is thinking" until its first reply.
func (r *replier) Typing(ctx context.Context) error {
	if r.ix != nil { // even after a fall back: the interaction's own indicator
		return nil
	}
	if err := r.a.s.ChannelTyping(r.channel, discordgo.WithContext(ctx)); err != nil {
		return fmt.Errorf("discord: typing: %w", r.a.redact(err))
	}
	return nil
}

// StartStream implements adapters.Streamer. Nothing is sent before the
// first Update.
func (r *replier) StartStream(context.Context, bool) (adapters.Stream, error) {
	return &stream{r: r}, nil
}

// showParts sends text in parts of at most maxText, the last with the
// picker of choices, reusing the messages ids holds (editing those whose
// part changed from shown). It returns the ids and parts now shown. With
// must false, an edit Discord rate-limits is skipped, not waited for (a
// stream's intermediate update). An interaction's replies whose token has
// expired are sent anew as messages (fallBack): the ones shown through
// the token can no longer be edited.
func (r *replier) showParts(ctx context.Context, ids, shown []string, text string, choices []adapters.Choice, must bool) ([]string, []string, error) {
	if r.ix != nil && !r.a.cfg.Now().Before(r.ixUntil) && r.fallBack() {
		ids, shown = nil, nil
	}
	ids2, shown2, err := r.showPartsOnce(ctx, ids, shown, text, choices, must)
	if err != nil && tokenGone(err) && r.fallBack() {
		return r.showPartsOnce(ctx, nil, nil, text, choices, must)
	}
	return ids2, shown2, err
}

func (r *replier) showPartsOnce(ctx context.Context, ids, shown []string, text string, choices []adapters.Choice, must bool) ([]string, []string, error) {
	if strings.TrimSpace(text) == "" {
		if len(choices) == 0 {
			return ids, shown, nil
		}
		text = "Choose:"
	}
	parts := textsplit.Split(text, maxText)
	for i, p := range parts {
		var comps []discordgo.MessageComponent
		if i == len(parts)-1 && len(choices) > 0 {
			comps = r.a.menus(&picker{channel: r.channel, chat: r.chat, direct: r.direct, ephemeral: r.ephemeral, opener: r.user}, choices)
		}
		if i < len(ids) {
			if shown[i] == p && comps == nil {
				continue
			}
			err := r.edit(ctx, ids[i], p, comps, must)
			if !must && isRateLimited(err) {
				continue
			}
			if err != nil {
				return ids, shown, err
			}
			shown[i] = p
			continue
		}
		id, err := r.post(ctx, p, comps, len(ids) == 0)
		if err != nil {
			return ids, shown, err
		}
		ids, shown = append(ids, id), append(shown, p)
	}
	return ids, shown, nil
}

// post shows one new part and returns its id: the original response when
// not yet used, else a follow-up (interactions) or a new message.
func (r *replier) post(ctx context.Context, text string, comps []discordgo.MessageComponent, first bool) (string, error) {
	if ix := r.interaction(); ix != nil {
		r.mu.Lock()
		useOriginal := r.original
		r.original = false
		r.mu.Unlock()
		if useOriginal {
			return original, r.edit(ctx, original, text, comps, true)
		}
		params := &discordgo.WebhookParams{Content: text, Components: comps, AllowedMentions: noMentions()}
		if r.ephemeral {
			params.Flags = discordgo.MessageFlagsEphemeral
		}
		id, err := r.a.followUp(ctx, ix, params)
		if err != nil {
			return "", fmt.Errorf("discord: follow-up: %w", r.a.redact(err))
		}
		return id, nil
	}
	send := &discordgo.MessageSend{Content: text, Components: comps, AllowedMentions: noMentions()}
	if first && r.replyTo != nil {
		send.Reference = r.replyTo
	}
	channel, err := r.channelID(ctx)
	if err != nil {
		return "", err
	}
	m, err := r.a.s.ChannelMessageSendComplex(channel, send, discordgo.WithContext(ctx))
	if err != nil {
		return "", fmt.Errorf("discord: send: %w", r.a.redact(err))
	}
	return m.ID, nil
}

// edit replaces the part shown by message id. The original response's
// components are always set (none: a picker answered loses its menus).
func (r *replier) edit(ctx context.Context, id, text string, comps []discordgo.MessageComponent, must bool) error {
	opts := []discordgo.RequestOption{discordgo.WithContext(ctx)}
	if !must {
		opts = append(opts, discordgo.WithRetryOnRatelimit(false))
	}
	var err error
	switch ix := r.interaction(); {
	case ix != nil:
		we := &discordgo.WebhookEdit{Content: &text, AllowedMentions: noMentions()}
		if comps != nil || id == original {
			if comps == nil {
				comps = []discordgo.MessageComponent{}
			}
			we.Components = &comps
		}
		err = r.a.editResponse(ctx, ix, id, we, must)
	default:
		var channel string
		if channel, err = r.channelID(ctx); err != nil {
			return err
		}
		me := &discordgo.MessageEdit{ID: id, Channel: channel, Content: &text, AllowedMentions: noMentions()}
		if comps != nil {
			me.Components = &comps
		}
		_, err = r.a.s.ChannelMessageEditComplex(me, opts...)
	}
	if err != nil {
		return fmt.Errorf("discord: edit: %w", r.a.redact(err))
	}
	return nil
}

// isRateLimited reports whether err is a 429 the library did not wait
// out.
func isRateLimited(err error) bool {
	if _, ok := errors.AsType[*discordgo.RateLimitError](err); ok {
		return true
	}
	re, ok := errors.AsType[*discordgo.RESTError](err)
	return ok && re.Response != nil && re.Response.StatusCode == http.StatusTooManyRequests
}

// editEvery is the least time between two edits of a streamed reply.
const editEvery = time.Second

// stream shows a reply while it grows: the first Update sends it, later
// ones edit it at most once every editEvery, and Finish always shows the
// whole text. A text longer than a message continues in new messages.
type stream struct {
	r     *replier
	ids   []string // the messages of the reply, in order
	shown []string // the part each shows
	last  time.Time
}

// Update implements adapters.Stream.
func (s *stream) Update(ctx context.Context, text string) error {
	now := time.Now()
	if len(s.ids) > 0 && now.Sub(s.last) < editEvery && textsplit.Len16(text) <= maxText*len(s.ids) {
		return nil
	}
	ids, shown, err := s.r.showParts(ctx, s.ids, s.shown, text, nil, false)
	s.ids, s.shown, s.last = ids, shown, now
	return err
}

// Finish implements adapters.Stream.
func (s *stream) Finish(ctx context.Context, rep adapters.Reply) error {
	ids, shown, err := s.r.showParts(ctx, s.ids, s.shown, rep.Text, rep.Choices, true)
	s.ids, s.shown = ids, shown
	return err
}

var (
	_ adapters.Replier  = (*replier)(nil)
	_ adapters.Typer    = (*replier)(nil)
	_ adapters.Streamer = (*replier)(nil)
	_ adapters.Stream   = (*stream)(nil)
)
