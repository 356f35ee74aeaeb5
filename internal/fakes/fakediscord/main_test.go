package main

import (
	"bufio"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// session runs the program with a pipe as stdin; lines reads its stdout.
type session struct {
	in    *io.PipeWriter
	lines chan string
	done  chan error
}

func start(t *testing.T) *session {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	s := &session{in: inW, lines: make(chan string, 100), done: make(chan error, 1)}
	go func() {
		s.done <- run(t.Context(), nil, inR, outW, io.Discard)
		outW.Close()
	}()
	go func() {
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
		close(s.lines)
	}()
	t.Cleanup(func() {
		inW.Close()
		if err := <-s.done; err != nil {
			t.Errorf("run: %v", err)
		}
		for range s.lines {
		}
	})
	return s
}

// expectAll reads lines until, for each of wants, one contains it, in
// any order, and returns those lines in the order of wants.
func (s *session) expectAll(t *testing.T, wants ...string) []string {
	t.Helper()
	got := make([]string, len(wants))
	left := len(wants)
	timeout := time.NewTimer(10 * time.Second)
	defer timeout.Stop()
	for left > 0 {
		select {
		case line, ok := <-s.lines:
			if !ok {
				t.Fatalf("output ended before %q", wants)
			}
			for i, w := range wants {
				if got[i] == "" && strings.Contains(line, w) {
					got[i] = line
					left--
					break
				}
			}
		case <-timeout.C:
			t.Fatalf("no lines with all of %q (got %q)", wants, got)
		}
	}
	return got
}

// expect reads lines until one contains want.
func (s *session) expect(t *testing.T, want string) string {
	t.Helper()
	timeout := time.NewTimer(10 * time.Second)
	defer timeout.Stop()
	for {
		select {
		case line, ok := <-s.lines:
			if !ok {
				t.Fatalf("output ended before %q", want)
			}
			if strings.Contains(line, want) {
				return line
			}
		case <-timeout.C:
			t.Fatalf("no line with %q", want)
		}
	}
}

func (s *session) send(t *testing.T, line string) {
	t.Helper()
	if _, err := io.WriteString(s.in, line+"\n"); err != nil {
		t.Fatal(err)
	}
}

// rewrite sends every request to base, as BOT_DISCORD_API_URL makes the
// adapter do.
type rewrite struct{ base *url.URL }

func (r rewrite) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.URL.Scheme, req.URL.Host, req.Host = r.base.Scheme, r.base.Host, r.base.Host
	return http.DefaultTransport.RoundTrip(req)
}

func TestFakeDiscordPlaysTheUsers(t *testing.T) {
	s := start(t)
	base, err := url.Parse(strings.TrimPrefix(s.expect(t, "export BOT_DISCORD_API_URL="), "export BOT_DISCORD_API_URL="))
	if err != nil {
		t.Fatal(err)
	}
	token := strings.TrimPrefix(s.expect(t, "export DISCORD_BOT_TOKEN="), "export DISCORD_BOT_TOKEN=")

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

	s.send(t, "hello")
	if line := s.expect(t, "bot → DM"); !strings.Contains(line, `"echo: hello\x1b[2J"`) {
		t.Errorf("line = %q, want the text quoted", line)
	}
	s.send(t, ":commands")
	s.expect(t, "command global: /model")
	s.send(t, ":auto model model op")
	if line := s.expect(t, "bot answers autocomplete of /model model"); !strings.Contains(line, `"opus"=opus`) {
		t.Errorf("line = %q", line)
	}
	s.send(t, ":cmd model model=opus")
	// The answer and the message it makes are watched separately: their
	// lines come in either order.
	lines := s.expectAll(t, "(ephemeral)", "bot answers interaction")
	if line := lines[0]; !strings.Contains(line, `bot → DM`) || !strings.Contains(line, `"done"`) {
		t.Errorf("line = %q", line)
	}
	s.send(t, ":nope")
	s.expect(t, `! unknown ":nope"`)
}
