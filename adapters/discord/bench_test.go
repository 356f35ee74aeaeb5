package discord

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/adapters/adaptertest"
	"github.com/botgateway/bot/internal/fakes"
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

// The time from INTERACTION_CREATE to the deferral with 200 commands in
// flight at once, p50 and p99 over all of them (goal: p99 ≤ 100 ms): as
// the fake measures it (the interaction's creation to its callback: the
// socket, discordgo's read loop and the request included), and the
// adapter's own part (from discordgo handing over the event to the
// callback answered).
func BenchmarkDeferral(b *testing.B) {
	const concurrent = 200
	f := fakes.NewDiscord(b)
	g := f.AddGuild("team")
	ch := f.AddTextChannel(g, "general")
	var users []fakes.DiscordUser
	for i := range concurrent {
		users = append(users, f.AddUser(fmt.Sprintf("user%d", i)))
	}
	cfg := config(b, f)
	cfg.Log = nil
	cfg.HTTPClient = nil // the adapter's own client, as in production
	a := mustNew(b, cfg)
	if err := a.SetCommands(b.Context(), []adapters.CommandSpec{{Name: "new", Description: "Start a new conversation"}}); err != nil {
		b.Fatal(err)
	}
	var mu sync.Mutex
	var own []time.Duration
	a.acked = func(d time.Duration) {
		mu.Lock()
		own = append(own, d)
		mu.Unlock()
	}
	adaptertest.Running(b, a, discard{})
	f.WaitConnected(b)
	var lat []time.Duration
	round := func() {
		ids := make([]string, concurrent)
		var wg sync.WaitGroup
		for i := range concurrent {
			wg.Go(func() {
				ix, err := f.RunCommand(fakes.DiscordCommandRun{Channel: ch, From: users[i], Name: "new"})
				if err != nil {
					b.Error(err)
					return
				}
				ids[i] = ix.ID
			})
		}
		wg.Wait()
		for _, id := range ids {
			ix := f.WaitResponse(b, id)
			if ix.Rejected != 0 {
				b.Fatalf("interaction %s: %d responses rejected", id, ix.Rejected)
			}
			lat = append(lat, ix.Latency())
		}
	}
	round() // warm-up: the first round dials the connections
	lat = lat[:0]
	mu.Lock()
	own = own[:0]
	mu.Unlock()
	for b.Loop() {
		round()
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	slices.Sort(lat)
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
	mu.Lock()
	defer mu.Unlock()
	slices.Sort(own)
	b.ReportMetric(ms(own[len(own)/2]), "own-p50-ms")
	b.ReportMetric(ms(own[len(own)*99/100]), "own-p99-ms")
}
