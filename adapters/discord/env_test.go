package discord

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/adapters/adaptertest"
	"github.com/botgateway/bot/internal/fakes"
	"github.com/botgateway/bot/internal/logtest"
	"github.com/botgateway/bot/internal/secret"
)

// config returns the adapter's Config for the fake f: REST through the
// adapter's own rewriting of APIURL, with a transport whose connections
// close with the test.
func config(t testing.TB, f *fakes.Discord) Config {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return Config{
		Token:          secret.New(f.Token()),
		TokenSource:    "DISCORD_BOT_TOKEN (test)",
		APIURL:         f.URL(),
		HTTPClient:     &http.Client{Transport: tr, Timeout: 20 * time.Second},
		RequireMention: true,
		Log:            logtest.New(t),
	}
}

// mustNew returns the adapter of cfg.
func mustNew(t testing.TB, cfg Config) *Adapter {
	t.Helper()
	a, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return a
}

// --- the conformance suite ---

func TestConformance(t *testing.T) {
	adaptertest.Run(t, harness{})
}

type harness struct{}

// Start runs the adapter against a fresh fake with two seats: Ada in her
// DM with the bot, and Bob in a guild text channel, where what he writes
// mentions the bot.
func (harness) Start(t *testing.T) (adapters.Adapter, adaptertest.Platform) {
	f := fakes.NewDiscord(t)
	g := f.AddGuild("team")
	p := &platform{t: t, f: f, ada: f.AddUser("ada"), bob: f.AddUser("bob"), general: f.AddTextChannel(g, "general")}
	p.dm = f.DM(p.ada)
	return mustNew(t, config(t, f)), p
}

type platform struct {
	t        *testing.T
	f        *fakes.Discord
	ada, bob fakes.DiscordUser
	dm       fakes.DiscordChannel
	general  fakes.DiscordChannel
}

func (p *platform) Seats() []adaptertest.Seat {
	return []adaptertest.Seat{
		{UserID: p.ada.ID, Chat: adapters.ChatRef("dm:" + p.ada.ID)},
		{UserID: p.bob.ID, Chat: adapters.ChatRef(p.general.ID)},
	}
}

func (p *platform) who(s adaptertest.Seat) (fakes.DiscordUser, fakes.DiscordChannel) {
	if s.UserID == p.ada.ID {
		return p.ada, p.dm
	}
	return p.bob, p.general
}

// Send waits for the adapter's gateway session first: Discord delivers
// a message only to the sessions connected when it is sent.
func (p *platform) Send(_ context.Context, s adaptertest.Seat, text string) error {
	p.f.WaitConnected(p.t)
	u, c := p.who(s)
	p.f.Send(fakes.DiscordIncoming{Channel: c, From: u, Content: text, MentionBot: !c.IsDM()})
	return nil
}

func (p *platform) Choose(_ context.Context, s adaptertest.Seat, n int) (string, error) {
	u, c := p.who(s)
	msgs := p.f.SeenBy(c.ID, u.ID)
	for i := len(msgs) - 1; i >= 0; i-- {
		m := msgs[i]
		if !m.FromBot() || len(m.Components) == 0 {
			continue
		}
		k := 0
		for _, row := range m.Components {
			for _, menu := range row.Components {
				for _, o := range menu.Options {
					k++
					if k == n {
						_, err := p.f.Choose(u, c.ID, m.ID, menu.CustomID, o.Value)
						return "", err
					}
				}
			}
		}
		return "", fmt.Errorf("no option %d of %d", n, k)
	}
	return "", errors.New("no picker shown")
}

func (p *platform) Seen(_ context.Context, s adaptertest.Seat) ([]adaptertest.Shown, error) {
	u, c := p.who(s)
	var shown []adaptertest.Shown
	for _, m := range p.f.SeenBy(c.ID, u.ID) {
		if !m.FromBot() {
			continue
		}
		sh := adaptertest.Shown{Text: m.Content}
		for _, row := range m.Components {
			for _, menu := range row.Components {
				for _, o := range menu.Options {
					sh.Choices = append(sh.Choices, o.Label)
				}
			}
		}
		shown = append(shown, sh)
	}
	return shown, nil
}
