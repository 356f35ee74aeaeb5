package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/botgateway/bot/internal/fakes/fakecli"
)

// rewrite sends every request to base, as BOT_DISCORD_API_URL makes the
// adapter do.
type rewrite struct{ base *url.URL }

func (r rewrite) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.URL.Scheme, req.URL.Host, req.Host = r.base.Scheme, r.base.Host, r.base.Host
	return http.DefaultTransport.RoundTrip(req)
}

func TestFakeDiscordPlaysTheUsers(t *testing.T) {
	s := fakecli.Start(t, run)
	base, err := url.Parse(strings.TrimPrefix(s.Expect(t, "export BOT_DISCORD_API_URL="), "export BOT_DISCORD_API_URL="))
	if err != nil {
		t.Fatal(err)
	}
	token := strings.TrimPrefix(s.Expect(t, "export DISCORD_BOT_TOKEN="), "export DISCORD_BOT_TOKEN=")

	dg, err := discordgo.New("Bot " + token)
	if err != nil {
		t.Fatal(err)
	}
	dg.Client = &http.Client{Transport: rewrite{base}, Timeout: 5 * time.Second}
	dg.SyncEvents = true
	dg.LogLevel = -1
	dg.AddHandler(func(s *discordgo.Session, m *discordgo.MessageCreate) {
		if m.Author.ID != s.State.User.ID {
			s.ChannelMessageSend(m.ChannelID, "echo: "+m.Content+"\x1b[2J")
		}
	})
	dg.AddHandler(func(s *discordgo.Session, ic *discordgo.InteractionCreate) {
		if ic.Type == discordgo.InteractionApplicationCommandAutocomplete {
			s.InteractionRespond(ic.Interaction, &discordgo.InteractionResponse{
				Type: discordgo.InteractionApplicationCommandAutocompleteResult,
				Data: &discordgo.InteractionResponseData{Choices: []*discordgo.ApplicationCommandOptionChoice{{Name: "opus", Value: "opus"}}},
			})
			return
		}
		s.InteractionRespond(ic.Interaction, &discordgo.InteractionResponse{
			Type: discordgo.InteractionResponseChannelMessageWithSource,
			Data: &discordgo.InteractionResponseData{Content: "done", Flags: discordgo.MessageFlagsEphemeral},
		})
	})
	if err := dg.Open(); err != nil {
		t.Fatal(err)
	}
	defer dg.Close()
	_, err = dg.ApplicationCommandBulkOverwrite(dg.State.User.ID, "", []*discordgo.ApplicationCommand{{
		Name: "model", Description: "Pick a model", Options: []*discordgo.ApplicationCommandOption{
			{Type: discordgo.ApplicationCommandOptionString, Name: "model", Description: "Model", Autocomplete: true}},
	}})
	if err != nil {
		t.Fatal(err)
	}

	s.Send(t, "hello")
	if line := s.Expect(t, "bot → DM"); !strings.Contains(line, `"echo: hello\x1b[2J"`) {
		t.Errorf("line = %q, want the text quoted", line)
	}
	s.Send(t, ":commands")
	s.Expect(t, "command global: /model")
	s.Send(t, ":auto model model op")
	if line := s.Expect(t, "bot answers autocomplete of /model model"); !strings.Contains(line, `"opus"=opus`) {
		t.Errorf("line = %q", line)
	}
	s.Send(t, ":cmd model model=opus")
	// The answer and the message it makes are watched separately: their
	// lines come in either order.
	lines := s.ExpectAll(t, "(ephemeral)", "bot answers interaction")
	if line := lines[0]; !strings.Contains(line, `bot → DM`) || !strings.Contains(line, `"done"`) {
		t.Errorf("line = %q", line)
	}
	s.Send(t, ":nope")
	s.Expect(t, `! unknown ":nope"`)
}
