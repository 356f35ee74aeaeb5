package discord

import (
	"context"
	"strconv"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/internal/secret"
)

// discard is an Inbox that drops what it is given.
type discard struct{}

func (discard) Deliver(context.Context, adapters.Message) {}

// The adapter's own time per message: MESSAGE_CREATE as discordgo decoded
// it, to the Message delivered (a DM, and a guild message mentioning the
// bot; no I/O on either path).
func BenchmarkMessage(b *testing.B) {
	a, err := New(Config{Token: secret.New("bench"), RequireMention: true})
	if err != nil {
		b.Fatal(err)
	}
	a.me.Store(&discordgo.User{ID: botID, Username: "bot"})
	if err := a.s.State.GuildAdd(&discordgo.Guild{ID: "g1", Channels: []*discordgo.Channel{{ID: "c1", GuildID: "g1", Type: discordgo.ChannelTypeGuildText}}}); err != nil {
		b.Fatal(err)
	}
	h := &handler{a: a, in: discard{}, ctx: context.Background()}
	user := &discordgo.User{ID: "42", Username: "ada"}
	for _, tt := range []struct {
		name    string
		guild   string
		channel string
		content string
	}{
		{"dm", "", "d1", "what is the capital of France?"},
		{"guild mention", "g1", "c1", "<@" + botID + "> what is the capital of France?"},
	} {
		b.Run(tt.name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				i++
				h.message(&discordgo.Message{
					ID: strconv.Itoa(i), ChannelID: tt.channel, GuildID: tt.guild, Author: user,
					Content: tt.content, Mentions: []*discordgo.User{{ID: botID}},
				})
			}
		})
	}
}
