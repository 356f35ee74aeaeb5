package fakes

import (
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"
	"github.com/gorilla/websocket"
)

// newDGSession returns a discordgo session of the fake with intents, not
// yet open; it is closed when the test ends (discordgo's Close takes a
// second, so the tests run in parallel).
func newDGSession(t *testing.T, f *Discord, intents discordgo.Intent) *discordgo.Session {
	t.Helper()
	s, err := discordgo.New("Bot " + f.Token())
	if err != nil {
		t.Fatal(err)
	}
	s.Client = f.Client()
	s.Identify.Intents = intents
	s.LogLevel = -1 // discordgo logs reconnects at error level; the tests check them
	// discordgo runs each handler in its own goroutine unless SyncEvents:
	// the tests check the order events arrive in.
	s.SyncEvents = true
	return s
}

// openDG opens s and closes it at the end of the test.
func openDG(t *testing.T, s *discordgo.Session) {
	t.Helper()
	if err := s.Open(); err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
}

// recv takes the next value of ch, failing the test if none comes (a
// safety net, not a timing assertion).
func recv[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("nothing received after 10 s")
	}
	var zero T
	return zero
}

// restCode returns Discord's JSON error code of a discordgo error.
func restCode(err error) int {
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Message != nil {
		return re.Message.Code
	}
	return -1
}

const dgDefault = discordgo.IntentsAllWithoutPrivileged

func TestDiscordReadyAndHeartbeat(t *testing.T) {
	t.Parallel()
	f := NewDiscord(t)
	s := newDGSession(t, f, dgDefault)
	ready := make(chan *discordgo.Ready, 1)
	s.AddHandler(func(_ *discordgo.Session, r *discordgo.Ready) { ready <- r })
	openDG(t, s)
	r := recv(t, ready)
	if r.User.ID != f.Me().ID || !r.User.Bot || r.Application.ID != f.AppID() || r.SessionID == "" {
		t.Errorf("READY = user %+v application %+v session %q", r.User, r.Application, r.SessionID)
	}
	ids := f.Identifies()
	if len(ids) != 1 || ids[0].Op != 2 || ids[0].Intents != int(dgDefault) || !ids[0].Accepted {
		t.Errorf("identifies = %+v", ids)
	}
	// discordgo heartbeats as soon as it is connected; the fake acks it.
	f.WaitUntil(t, "a heartbeat", func() bool { return f.Heartbeats() >= 1 })
	gw := f.Calls(DiscordRouteGateway)
	if len(gw) != 1 || gw[0].Host != "discord.com" || gw[0].Status != 200 {
		t.Errorf("GET /gateway calls = %+v", gw)
	}
}

func TestDiscordUnauthorized(t *testing.T) {
	t.Parallel()
	f := NewDiscord(t)
	s, _ := discordgo.New("Bot wrong-token")
	s.Client = f.Client()
	_, err := s.User("@me")
	var re *discordgo.RESTError
	if !errors.As(err, &re) || re.Response.StatusCode != 401 || string(re.ResponseBody) != `{"code":0,"message":"401: Unauthorized"}` {
		t.Errorf("User(@me) with a wrong token: %v", err)
	}
	if err := s.Open(); err == nil {
		s.Close()
		t.Error("Open with a wrong token succeeded")
	}
	// A token the gateway refuses closes the socket with 4004.
	s2 := newDGSession(t, f, dgDefault)
	s2.Identify.Token = "Bot wrong-token"
	s2.ShouldReconnectOnError = false
	err = s2.Open()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != DiscordCloseAuthenticationFailed {
		t.Errorf("Open with a token the gateway refuses: %v, want close 4004", err)
	}
	if ids := f.Identifies(); len(ids) != 1 || ids[0].Accepted {
		t.Errorf("identifies = %+v", ids)
	}
	for _, c := range f.Calls() {
		if strings.Contains(c.Body+c.Path, "wrong-token") {
			t.Errorf("call %+v records the token", c)
		}
	}
}

func TestDiscordMessageCreate(t *testing.T) {
	t.Parallel()
	f := NewDiscord(t)
	alice := f.AddUser("alice")
	g := f.AddGuild("home")
	general := f.AddTextChannel(g, "general")
	dm := f.DM(alice)
	s := newDGSession(t, f, dgDefault) // no MESSAGE_CONTENT
	got := make(chan *discordgo.MessageCreate, 10)
	s.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageCreate) { got <- m })
	openDG(t, s)

	f.SendText(dm, alice, "hello in a DM")
	m := recv(t, got)
	if m.Content != "hello in a DM" || m.ChannelID != dm.ID || m.GuildID != "" || m.Author.ID != alice.ID {
		t.Errorf("DM = %+v", m.Message)
	}

	// Without the MESSAGE_CONTENT intent, Discord blanks guild messages
	// that do not mention the bot.
	f.Send(DiscordIncoming{Channel: general, From: alice, Content: "chatter",
		Attachments: []DiscordAttachment{{Filename: "a.png", ContentType: "image/png", Size: 3}}})
	m = recv(t, got)
	if m.Content != "" || len(m.Attachments) != 0 || m.GuildID != g.ID || m.Member == nil {
		t.Errorf("unmentioned guild message = %+v, want content and attachments blanked", m.Message)
	}
	f.Send(DiscordIncoming{Channel: general, From: alice, Content: "hi bot", MentionBot: true})
	m = recv(t, got)
	if want := "<@" + f.Me().ID + "> hi bot"; m.Content != want || len(m.Mentions) != 1 || m.Mentions[0].ID != f.Me().ID {
		t.Errorf("mention = %q mentions %+v, want %q", m.Content, m.Mentions, want)
	}

	// A reply to the bot pings it (the client's default) and keeps content;
	// an attachment-only message in a DM keeps its attachment.
	bot, err := s.ChannelMessageSend(general.ID, "I am here")
	if err != nil {
		t.Fatal(err)
	}
	// Discord sends the bot its own messages too (content kept).
	if m = recv(t, got); m.ID != bot.ID || m.Author.ID != f.Me().ID || m.Content != "I am here" {
		t.Errorf("own message = %+v", m.Message)
	}
	f.Send(DiscordIncoming{Channel: general, From: alice, Content: "thanks", ReplyTo: bot.ID})
	m = recv(t, got)
	if m.Content != "thanks" || m.MessageReference == nil || m.MessageReference.MessageID != bot.ID ||
		m.ReferencedMessage == nil || m.ReferencedMessage.Content != "I am here" {
		t.Errorf("reply = %+v", m.Message)
	}
	f.Send(DiscordIncoming{Channel: general, From: alice, Content: "quiet", ReplyTo: bot.ID, NoReplyPing: true})
	if m = recv(t, got); m.Content != "" {
		t.Errorf("reply without ping = %q, want blanked", m.Content)
	}
	// Replying (with a mention) to someone else's message: the quoted
	// message stays blanked.
	bob := f.AddUser("bob")
	other := f.SendText(general, bob, "secret chatter")
	if m = recv(t, got); m.Content != "" {
		t.Errorf("bob's message = %q, want blanked", m.Content)
	}
	f.Send(DiscordIncoming{Channel: general, From: alice, Content: "what he said", MentionBot: true, ReplyTo: other.ID})
	if m = recv(t, got); m.Content == "" || m.ReferencedMessage == nil || m.ReferencedMessage.Content != "" || len(m.Mentions) != 2 {
		t.Errorf("reply to bob mentioning the bot = %+v, quoting %+v", m.Message, m.ReferencedMessage)
	}
	f.Send(DiscordIncoming{Channel: dm, From: alice, Attachments: []DiscordAttachment{{Filename: "cat.jpg", ContentType: "image/jpeg", Size: 10}}})
	m = recv(t, got)
	if m.Content != "" || len(m.Attachments) != 1 || m.Attachments[0].Filename != "cat.jpg" || m.Attachments[0].URL == "" {
		t.Errorf("attachment-only DM = %+v", m.Message)
	}
}

func TestDiscordMessageContentIntent(t *testing.T) {
	t.Parallel()
	f := NewDiscord(t)
	alice := f.AddUser("alice")
	general := f.AddTextChannel(f.AddGuild("home"), "general")
	s := newDGSession(t, f, dgDefault|discordgo.IntentsMessageContent)
	got := make(chan *discordgo.MessageCreate, 1)
	s.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageCreate) { got <- m })
	openDG(t, s)
	f.SendText(general, alice, "chatter")
	if m := recv(t, got); m.Content != "chatter" {
		t.Errorf("content with the intent = %q", m.Content)
	}

	// With the privileged switch off, asking for the intent is refused.
	f2 := NewDiscord(t)
	f2.SetPrivilegedIntents(false)
	s2 := newDGSession(t, f2, dgDefault|discordgo.IntentsMessageContent)
	s2.ShouldReconnectOnError = false
	if err := s2.Open(); err == nil {
		t.Cleanup(func() { s2.Close() })
	}
	f2.WaitUntil(t, "the identify", func() bool { return len(f2.Identifies()) == 1 })
	if id := f2.Identifies()[0]; id.Accepted {
		t.Errorf("identify with a disallowed intent accepted: %+v", id)
	}
}

// registerAsk registers /ask (a prompt, and a model with autocomplete)
// globally.
func registerAsk(t *testing.T, f *Discord, s *discordgo.Session) {
	t.Helper()
	_, err := s.ApplicationCommandBulkOverwrite(f.AppID(), "", []*discordgo.ApplicationCommand{{
		Name: "ask", Description: "Ask the model",
		Options: []*discordgo.ApplicationCommandOption{
			{Type: discordgo.ApplicationCommandOptionString, Name: "prompt", Description: "What to ask", Required: true},
			{Type: discordgo.ApplicationCommandOptionString, Name: "model", Description: "Which model", Autocomplete: true},
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDiscordDeferredEditAndFollowup(t *testing.T) {
	t.Parallel()
	f := NewDiscord(t)
	alice, bob := f.AddUser("alice"), f.AddUser("bob")
	general := f.AddTextChannel(f.AddGuild("home"), "general")
	s := newDGSession(t, f, dgDefault)
	errs := make(chan error, 4)
	s.AddHandler(func(s *discordgo.Session, ic *discordgo.InteractionCreate) {
		data := ic.ApplicationCommandData()
		if data.Name != "ask" || data.Options[0].StringValue() != "why?" || ic.Member.User.ID != alice.ID {
			errs <- errors.New("unexpected interaction")
			return
		}
		errs <- s.InteractionRespond(ic.Interaction, &discordgo.InteractionResponse{
			Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
			Data: &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral},
		})
		content := "because <@" + bob.ID + ">"
		_, err := s.InteractionResponseEdit(ic.Interaction, &discordgo.WebhookEdit{Content: &content,
			AllowedMentions: &discordgo.MessageAllowedMentions{}})
		errs <- err
		_, err = s.FollowupMessageCreate(ic.Interaction, true, &discordgo.WebhookParams{Content: "and more"})
		errs <- err
		// A second initial response is refused.
		errs <- s.InteractionRespond(ic.Interaction, &discordgo.InteractionResponse{
			Type: discordgo.InteractionResponseChannelMessageWithSource,
			Data: &discordgo.InteractionResponseData{Content: "again"},
		})
	})
	openDG(t, s)
	registerAsk(t, f, s)
	in, err := f.RunCommand(DiscordCommandRun{Channel: general, From: alice, Name: "ask",
		Options: []DiscordOptionInput{{Name: "prompt", Value: "why?"}}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := recv(t, errs); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	if err := recv(t, errs); restCode(err) != DiscordCodeAlreadyAcked {
		t.Errorf("second response: %v, want 40060", err)
	}
	in, _ = f.Interaction(in.ID)
	if !in.Responded || in.ResponseType != DiscordRespondDeferred || !in.Ephemeral || len(in.Followups) != 1 || in.Rejected != 1 {
		t.Errorf("interaction = %+v", in)
	}
	msgs := f.BotMessages(general.ID)
	type seen struct {
		Content     string
		EphemeralTo string
		Pinged      []string
		Edits       int
	}
	var got []seen
	for _, m := range msgs {
		got = append(got, seen{m.Content, m.EphemeralTo, m.Pinged, m.Edits})
	}
	want := []seen{
		{Content: "because <@" + bob.ID + ">", EphemeralTo: alice.ID, Edits: 1},
		{Content: "and more"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("bot messages (-want +got):\n%s", d)
	}
	if n := len(f.SeenBy(general.ID, bob.ID)); n != 1 {
		t.Errorf("bob sees %d messages, want 1 (the ephemeral one is alice's)", n)
	}
	for _, c := range f.Calls(DiscordRouteCallback, DiscordRouteEditOriginal, DiscordRouteFollowup) {
		if strings.Contains(c.Path, in.Token) {
			t.Errorf("call %s records the interaction token", c.Path)
		}
	}
}

func TestDiscordInteractionTooLate(t *testing.T) {
	t.Parallel()
	f := NewDiscord(t)
	clock := NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	f.SetClock(clock.Now)
	alice := f.AddUser("alice")
	dm := f.DM(alice)
	s := newDGSession(t, f, dgDefault)
	got := make(chan *discordgo.InteractionCreate, 1)
	s.AddHandler(func(_ *discordgo.Session, ic *discordgo.InteractionCreate) { got <- ic })
	openDG(t, s)
	registerAsk(t, f, s)
	if _, err := f.RunCommand(DiscordCommandRun{Channel: dm, From: alice, Name: "ask"}); err == nil {
		t.Error("RunCommand without the required option succeeded")
	}
	if _, err := f.RunCommand(DiscordCommandRun{Channel: dm, From: alice, Name: "nope"}); !errors.Is(err, ErrDiscordNoCommand) {
		t.Errorf("RunCommand of an unknown command: %v", err)
	}
	if _, err := f.RunCommand(DiscordCommandRun{Channel: dm, From: alice, Name: "ask",
		Options: []DiscordOptionInput{{Name: "prompt", Value: "slow"}}}); err != nil {
		t.Fatal(err)
	}
	ic := recv(t, got)
	if ic.User == nil || ic.User.ID != alice.ID || ic.Member != nil {
		t.Errorf("DM interaction user %+v member %+v", ic.User, ic.Member)
	}
	clock.Advance(DiscordInteractionDeadline + time.Millisecond)
	err := s.InteractionRespond(ic.Interaction, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Content: "late"},
	})
	if restCode(err) != DiscordCodeUnknownInteraction {
		t.Errorf("response after 3 s: %v, want 10062", err)
	}
	if n := len(f.BotMessages(dm.ID)); n != 0 {
		t.Errorf("%d bot messages after a refused response", n)
	}
}

func TestDiscordContentTooLong(t *testing.T) {
	t.Parallel()
	f := NewDiscord(t)
	general := f.AddTextChannel(f.AddGuild("home"), "general")
	s := newDGSession(t, f, dgDefault)
	s.Client = f.Client()
	if _, err := s.ChannelMessageSend(general.ID, strings.Repeat("é", DiscordMaxContent)); err != nil {
		t.Fatalf("2,000 characters: %v", err)
	}
	_, err := s.ChannelMessageSend(general.ID, strings.Repeat("a", DiscordMaxContent+1))
	var re *discordgo.RESTError
	if !errors.As(err, &re) || re.Message == nil || re.Message.Code != DiscordCodeInvalidFormBody {
		t.Fatalf("2,001 characters: %v, want 50035", err)
	}
	want := `{"code":50035,"errors":{"content":{"_errors":[{"code":"BASE_TYPE_MAX_LENGTH","message":"Must be 2000 or fewer in length."}]}},"message":"Invalid Form Body"}`
	if string(re.ResponseBody) != want {
		t.Errorf("body = %s\nwant %s", re.ResponseBody, want)
	}
	if n := len(f.BotMessages(general.ID)); n != 1 {
		t.Errorf("%d bot messages, want 1", n)
	}
}

func TestDiscordAutocomplete(t *testing.T) {
	t.Parallel()
	f := NewDiscord(t)
	alice := f.AddUser("alice")
	general := f.AddTextChannel(f.AddGuild("home"), "general")
	s := newDGSession(t, f, dgDefault)
	errs := make(chan error, 2)
	s.AddHandler(func(s *discordgo.Session, ic *discordgo.InteractionCreate) {
		if ic.Type != discordgo.InteractionApplicationCommandAutocomplete {
			return
		}
		var typed string
		for _, o := range ic.ApplicationCommandData().Options {
			if o.Focused {
				typed = o.StringValue()
			}
		}
		n := 3
		if typed == "many" {
			n = DiscordMaxChoices + 1
		}
		var choices []*discordgo.ApplicationCommandOptionChoice
		for i := range n {
			choices = append(choices, &discordgo.ApplicationCommandOptionChoice{Name: typed + string(rune('a'+i)), Value: typed + string(rune('a'+i))})
		}
		errs <- s.InteractionRespond(ic.Interaction, &discordgo.InteractionResponse{
			Type: discordgo.InteractionApplicationCommandAutocompleteResult,
			Data: &discordgo.InteractionResponseData{Choices: choices},
		})
	})
	openDG(t, s)
	registerAsk(t, f, s)
	run := DiscordCommandRun{Channel: general, From: alice, Name: "ask",
		Options: []DiscordOptionInput{{Name: "model", Value: "op"}}}
	in := f.Autocomplete(t, run, "model")
	if err := recv(t, errs); err != nil {
		t.Fatal(err)
	}
	want := []DiscordCommandOptionChoice{{"opa", "opa"}, {"opb", "opb"}, {"opc", "opc"}}
	if d := cmp.Diff(want, in.Choices); d != "" || in.ResponseType != DiscordRespondAutocomplete {
		t.Errorf("choices (-want +got):\n%s", d)
	}
	run.Options[0].Value = "many"
	in, err := f.StartAutocomplete(run, "model")
	if err != nil {
		t.Fatal(err)
	}
	if err := recv(t, errs); restCode(err) != DiscordCodeInvalidFormBody {
		t.Errorf("26 choices: %v, want 50035", err)
	}
	if in, _ = f.Interaction(in.ID); in.Responded || in.Rejected != 1 {
		t.Errorf("after 26 choices: %+v", in)
	}
	if _, err := f.StartAutocomplete(run, "prompt"); err == nil {
		t.Error("autocomplete of an option without autocomplete succeeded")
	}
}

func TestDiscordBulkOverwrite(t *testing.T) {
	t.Parallel()
	f := NewDiscord(t)
	g := f.AddGuild("home")
	s := newDGSession(t, f, dgDefault)
	global := []*discordgo.ApplicationCommand{
		{Name: "ask", Description: "Ask"},
		{Name: "model", Description: "Pick a model", Options: []*discordgo.ApplicationCommandOption{
			{Type: discordgo.ApplicationCommandOptionString, Name: "name", Description: "Model", Required: true,
				Choices: []*discordgo.ApplicationCommandOptionChoice{{Name: "Opus", Value: "opus"}}},
		}},
	}
	created, err := s.ApplicationCommandBulkOverwrite(f.AppID(), "", global)
	if err != nil {
		t.Fatal(err)
	}
	if len(created) != 2 || created[0].ID == "" || created[0].ApplicationID != f.AppID() {
		t.Errorf("created = %+v", created)
	}
	if _, err := s.ApplicationCommandBulkOverwrite(f.AppID(), g.ID, []*discordgo.ApplicationCommand{{Name: "admin", Description: "Admin"}}); err != nil {
		t.Fatal(err)
	}
	back, err := s.ApplicationCommands(f.AppID(), "")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range back {
		names = append(names, c.Name)
	}
	if d := cmp.Diff([]string{"ask", "model"}, names); d != "" {
		t.Errorf("global commands read back (-want +got):\n%s", d)
	}
	if gc := f.Commands(g.ID); len(gc) != 1 || gc[0].Name != "admin" || gc[0].GuildID != g.ID {
		t.Errorf("guild commands = %+v", gc)
	}
	// Overwriting keeps the id of a command of the same name.
	again, err := s.ApplicationCommandBulkOverwrite(f.AppID(), "", global[:1])
	if err != nil || len(again) != 1 || again[0].ID != created[0].ID {
		t.Errorf("overwrite = %+v, %v; want ask with id %s", again, err, created[0].ID)
	}
	bad := []*discordgo.ApplicationCommand{{Name: "Bad Name", Description: strings.Repeat("d", 101)}}
	_, err = s.ApplicationCommandBulkOverwrite(f.AppID(), "", bad)
	var re *discordgo.RESTError
	if !errors.As(err, &re) || re.Message == nil || re.Message.Code != DiscordCodeInvalidFormBody ||
		!strings.Contains(string(re.ResponseBody), `"0":{"description":{"_errors":[{"code":"BASE_TYPE_BAD_LENGTH"`) ||
		!strings.Contains(string(re.ResponseBody), `"name":{"_errors":[{"code":"APPLICATION_COMMAND_INVALID_NAME"`) {
		t.Errorf("invalid command: %v", err)
	}
	if c := f.Commands(""); len(c) != 1 {
		t.Errorf("a refused overwrite changed the commands: %+v", c)
	}
	// Choices are enforced when a user runs the command.
	alice := f.AddUser("alice")
	dm := f.DM(alice)
	if _, err := s.ApplicationCommandBulkOverwrite(f.AppID(), "", global); err != nil {
		t.Fatal(err)
	}
	if _, err := f.RunCommand(DiscordCommandRun{Channel: dm, From: alice, Name: "model",
		Options: []DiscordOptionInput{{Name: "name", Value: "gpt"}}}); err == nil {
		t.Error("a value outside the choices was accepted")
	}
	if _, err := f.RunCommand(DiscordCommandRun{Channel: dm, From: alice, Name: "admin"}); !errors.Is(err, ErrDiscordNoCommand) {
		t.Errorf("a guild command in a DM: %v", err)
	}
}

func TestDiscordResumeReplaysMissedEvents(t *testing.T) {
	t.Parallel()
	f := NewDiscord(t)
	alice := f.AddUser("alice")
	dm := f.DM(alice)
	s := newDGSession(t, f, dgDefault)
	got := make(chan string, 10)
	resumed := make(chan struct{}, 1)
	s.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageCreate) { got <- m.Content })
	s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Resumed) { resumed <- struct{}{} })
	openDG(t, s)
	f.SendText(dm, alice, "one")
	if c := recv(t, got); c != "one" {
		t.Fatalf("first = %q", c)
	}
	f.DropSocket()
	f.SendText(dm, alice, "two")
	f.SendText(dm, alice, "three")
	recv(t, resumed)
	for _, want := range []string{"two", "three"} {
		if c := recv(t, got); c != want {
			t.Errorf("after resume got %q, want %q", c, want)
		}
	}
	ids := f.Identifies()
	last := ids[len(ids)-1]
	if f.Resumes() != 1 || last.Op != 6 || !last.Accepted || last.Seq != 2 || last.SessionID != ids[0].SessionID {
		t.Errorf("identifies = %+v, resumes %d", ids, f.Resumes())
	}
	f.SendText(dm, alice, "four")
	if c := recv(t, got); c != "four" {
		t.Errorf("after resume, live = %q", c)
	}
}

func TestDiscordReconnectAndInvalidSession(t *testing.T) {
	t.Parallel()
	f := NewDiscord(t)
	alice := f.AddUser("alice")
	dm := f.DM(alice)
	s := newDGSession(t, f, dgDefault)
	got := make(chan string, 10)
	ready := make(chan string, 4)
	s.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageCreate) { got <- m.Content })
	s.AddHandler(func(_ *discordgo.Session, r *discordgo.Ready) { ready <- r.SessionID })
	openDG(t, s)
	first := recv(t, ready)
	f.Reconnect() // op 7: discordgo resumes on a new connection
	f.SendText(dm, alice, "after op 7")
	if c := recv(t, got); c != "after op 7" {
		t.Errorf("got %q", c)
	}
	f.WaitUntil(t, "the resume", func() bool { return f.Resumes() == 1 })
	f.InvalidateSession(false) // op 9: discordgo identifies again
	second := recv(t, ready)
	if second == first {
		t.Errorf("session id %q kept after op 9", second)
	}
	f.SendText(dm, alice, "new session")
	if c := recv(t, got); c != "new session" {
		t.Errorf("got %q", c)
	}
}

func TestDiscordSelectMenu(t *testing.T) {
	t.Parallel()
	f := NewDiscord(t)
	alice := f.AddUser("alice")
	general := f.AddTextChannel(f.AddGuild("home"), "general")
	s := newDGSession(t, f, dgDefault)
	errs := make(chan error, 1)
	var values []string
	s.AddHandler(func(s *discordgo.Session, ic *discordgo.InteractionCreate) {
		d := ic.MessageComponentData()
		values = d.Values
		errs <- s.InteractionRespond(ic.Interaction, &discordgo.InteractionResponse{
			Type: discordgo.InteractionResponseUpdateMessage,
			Data: &discordgo.InteractionResponseData{Content: "picked " + d.Values[0], Components: []discordgo.MessageComponent{}},
		})
	})
	openDG(t, s)
	m, err := s.ChannelMessageSendComplex(general.ID, &discordgo.MessageSend{
		Content: "pick a model",
		Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.SelectMenu{CustomID: "model", Options: []discordgo.SelectMenuOption{
				{Label: "Opus", Value: "opus"}, {Label: "Sonnet", Value: "sonnet"}}},
		}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Choose(alice, general.ID, m.ID, "model", "gpt"); err == nil {
		t.Error("a value outside the options was accepted")
	}
	in, err := f.Choose(alice, general.ID, m.ID, "model", "sonnet")
	if err != nil {
		t.Fatal(err)
	}
	if err := recv(t, errs); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"sonnet"}, values); d != "" {
		t.Errorf("values (-want +got):\n%s", d)
	}
	after, _ := f.Message(general.ID, m.ID)
	if after.Content != "picked sonnet" || len(after.Components) != 0 || after.Edits != 1 {
		t.Errorf("message after the update = %+v", after)
	}
	if in, _ = f.Interaction(in.ID); in.ResponseType != DiscordRespondUpdate || in.Original != m.ID {
		t.Errorf("interaction = %+v", in)
	}
}

func TestDiscordFaults(t *testing.T) {
	t.Parallel()
	f := NewDiscord(t)
	alice := f.AddUser("alice")
	dm := f.DM(alice)
	s := newDGSession(t, f, dgDefault)
	f.FailNext(DiscordRouteSend, 1, DiscordRateLimited(0.001, false))
	f.FailNext(DiscordRouteSend, 1, DiscordServerError(502))
	if _, err := s.ChannelMessageSend(dm.ID, "retried"); err != nil {
		t.Fatalf("discordgo retries a 429 and a 502: %v", err)
	}
	var statuses []int
	for _, c := range f.Calls(DiscordRouteSend) {
		statuses = append(statuses, c.Status)
	}
	if d := cmp.Diff([]int{429, 502, 200}, statuses); d != "" {
		t.Errorf("statuses (-want +got):\n%s", d)
	}
	s.ShouldRetryOnRateLimit = false
	f.FailNext(DiscordRouteTyping, 1, DiscordRateLimited(2.5, true))
	var rl *discordgo.RateLimitError
	if err := s.ChannelTyping(dm.ID); !errors.As(err, &rl) || rl.RetryAfter != 2500*time.Millisecond {
		t.Errorf("typing under a global limit: %v", err)
	}
	f.FailNext("", 1, DiscordDropped())
	if err := s.ChannelTyping(dm.ID); err == nil {
		t.Error("a dropped connection did not fail the call")
	}
	if err := s.ChannelTyping(dm.ID); err != nil {
		t.Fatal(err)
	}
	if n := len(f.Typing(dm.ID)); n != 1 {
		t.Errorf("%d typing calls served, want 1", n)
	}
	f.Verify(t)
}

func TestDiscordAllowedMentions(t *testing.T) {
	t.Parallel()
	f := NewDiscord(t)
	alice := f.AddUser("alice")
	general := f.AddTextChannel(f.AddGuild("home"), "general")
	s := newDGSession(t, f, dgDefault)
	text := "hi <@" + alice.ID + "> and @everyone"
	if _, err := s.ChannelMessageSend(general.ID, text); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ChannelMessageSendComplex(general.ID, &discordgo.MessageSend{Content: text,
		AllowedMentions: &discordgo.MessageAllowedMentions{}}); err != nil {
		t.Fatal(err)
	}
	msgs := f.BotMessages(general.ID)
	if !msgs[0].PingedEveryone || len(msgs[0].Pinged) != 1 || msgs[0].AllowedMentions != nil {
		t.Errorf("without allowed_mentions: pinged %v everyone %v", msgs[0].Pinged, msgs[0].PingedEveryone)
	}
	if msgs[1].PingedEveryone || len(msgs[1].Pinged) != 0 || msgs[1].AllowedMentions == nil || len(msgs[1].Mentions) != 1 {
		t.Errorf("with allowed_mentions {parse: []}: %+v", msgs[1])
	}
}

func TestDiscordFollowupReplacesDeferral(t *testing.T) {
	t.Parallel()
	f := NewDiscord(t)
	clock := NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	f.SetClock(clock.Now)
	alice := f.AddUser("alice")
	g := f.AddGuild("home")
	thread := f.AddThread(f.AddTextChannel(g, "general"), "topic")
	s := newDGSession(t, f, dgDefault)
	got := make(chan *discordgo.InteractionCreate, 1)
	s.AddHandler(func(_ *discordgo.Session, ic *discordgo.InteractionCreate) { got <- ic })
	openDG(t, s)
	registerAsk(t, f, s)
	if _, err := f.RunCommand(DiscordCommandRun{Channel: thread, From: alice, Name: "ask",
		Options: []DiscordOptionInput{{Name: "prompt", Value: "x"}}}); err != nil {
		t.Fatal(err)
	}
	ic := recv(t, got)
	if ic.ChannelID != thread.ID || ic.GuildID != g.ID {
		t.Errorf("interaction in a thread: channel %s guild %s", ic.ChannelID, ic.GuildID)
	}
	// Before the initial response the token is not usable.
	if _, err := s.FollowupMessageCreate(ic.Interaction, true, &discordgo.WebhookParams{Content: "early"}); restCode(err) != DiscordCodeUnknownWebhook {
		t.Errorf("follow-up before the response: %v, want 10015", err)
	}
	if err := s.InteractionRespond(ic.Interaction, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral},
	}); err != nil {
		t.Fatal(err)
	}
	// The first follow-up replaces "thinking…" and stays ephemeral, even
	// without the flag; the next one is a new, public message.
	first, err := s.FollowupMessageCreate(ic.Interaction, true, &discordgo.WebhookParams{Content: "part 1"})
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.FollowupMessageCreate(ic.Interaction, true, &discordgo.WebhookParams{Content: "part 2",
		Files: []*discordgo.File{{Name: "reply.md", ContentType: "text/markdown", Reader: strings.NewReader("# long")}}})
	if err != nil {
		t.Fatal(err)
	}
	in, _ := f.Interaction(ic.ID)
	if in.Original != first.ID || first.Flags&discordgo.MessageFlagsEphemeral == 0 || second.ID == first.ID {
		t.Errorf("original %s, first %s (flags %d), second %s", in.Original, first.ID, first.Flags, second.ID)
	}
	msgs := f.BotMessages(thread.ID)
	if len(msgs) != 2 || msgs[0].EphemeralTo != alice.ID || msgs[1].EphemeralTo != "" ||
		len(msgs[1].Attachments) != 1 || string(msgs[1].Attachments[0].Data) != "# long" {
		t.Errorf("thread messages = %+v", msgs)
	}
	// The token dies after 15 minutes.
	clock.Advance(DiscordTokenLifetime + time.Second)
	content := "too late"
	if _, err := s.InteractionResponseEdit(ic.Interaction, &discordgo.WebhookEdit{Content: &content}); restCode(err) != DiscordCodeInvalidWebhook {
		t.Errorf("edit after 15 min: %v, want 50027", err)
	}
}

func TestDiscordDeferredUpdateAndModal(t *testing.T) {
	t.Parallel()
	f := NewDiscord(t)
	alice, bob := f.AddUser("alice"), f.AddUser("bob")
	general := f.AddTextChannel(f.AddGuild("home"), "general")
	s := newDGSession(t, f, dgDefault)
	got := make(chan *discordgo.InteractionCreate, 2)
	s.AddHandler(func(_ *discordgo.Session, ic *discordgo.InteractionCreate) { got <- ic })
	openDG(t, s)
	m, err := s.ChannelMessageSendComplex(general.ID, &discordgo.MessageSend{
		Content: "streaming",
		Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.Button{CustomID: "stop", Label: "Stop", Style: discordgo.DangerButton},
			discordgo.Button{CustomID: "rename", Label: "Rename", Style: discordgo.SecondaryButton},
		}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	// A reply streamed by edits keeps its history.
	for _, text := range []string{"streaming.", "streaming.."} {
		if _, err := s.ChannelMessageEdit(general.ID, m.ID, text); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.Press(bob, general.ID, m.ID, "stop"); err != nil {
		t.Fatal(err)
	}
	ic := recv(t, got)
	if ic.Message == nil || ic.Message.ID != m.ID || ic.MessageComponentData().CustomID != "stop" {
		t.Errorf("component interaction = %+v", ic.Interaction)
	}
	if err := s.InteractionRespond(ic.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate}); err != nil {
		t.Fatal(err)
	}
	content := "stopped"
	if _, err := s.InteractionResponseEdit(ic.Interaction, &discordgo.WebhookEdit{Content: &content, Components: &[]discordgo.MessageComponent{}}); err != nil {
		t.Fatal(err)
	}
	after, _ := f.Message(general.ID, m.ID)
	if d := cmp.Diff([]string{"streaming", "streaming.", "streaming..", "stopped"}, after.History); d != "" || len(after.Components) != 0 {
		t.Errorf("history (-want +got):\n%s\ncomponents %+v", d, after.Components)
	}
	if _, err := f.Press(alice, general.ID, m.ID, "rename"); err == nil {
		t.Error("pressed a button that is gone")
	}

	registerAsk(t, f, s)
	if _, err := f.RunCommand(DiscordCommandRun{Channel: general, From: alice, Name: "ask",
		Options: []DiscordOptionInput{{Name: "prompt", Value: "x"}}}); err != nil {
		t.Fatal(err)
	}
	ic = recv(t, got)
	err = s.InteractionRespond(ic.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseModal,
		Data: &discordgo.InteractionResponseData{CustomID: "name", Title: "Name it", Components: []discordgo.MessageComponent{
			discordgo.ActionsRow{Components: []discordgo.MessageComponent{discordgo.TextInput{CustomID: "n", Label: "Name", Style: discordgo.TextInputShort}}},
		}}})
	if err != nil {
		t.Fatalf("modal: %v", err)
	}
	if in, _ := f.Interaction(ic.ID); in.ResponseType != DiscordRespondModal || in.Modal != "name" {
		t.Errorf("modal interaction = %+v", in)
	}
}

func TestDiscordCompressedReadyAndUserEdit(t *testing.T) {
	t.Parallel()
	f := NewDiscord(t)
	alice := f.AddUser("alice")
	g := f.AddGuild("home")
	general := f.AddTextChannel(g, "general")
	s := newDGSession(t, f, dgDefault|discordgo.IntentsMessageContent)
	s.Identify.Compress = true // discordgo's default: READY and GUILD_CREATE come zlib-compressed
	guilds := make(chan *discordgo.GuildCreate, 1)
	updates := make(chan *discordgo.MessageUpdate, 1)
	s.AddHandler(func(_ *discordgo.Session, gc *discordgo.GuildCreate) { guilds <- gc })
	s.AddHandler(func(_ *discordgo.Session, u *discordgo.MessageUpdate) { updates <- u })
	openDG(t, s)
	gc := recv(t, guilds)
	if gc.ID != g.ID || len(gc.Channels) != 1 || gc.Channels[0].ID != general.ID {
		t.Errorf("GUILD_CREATE = %+v", gc.Guild)
	}
	if ids := f.Identifies(); !ids[0].Compress {
		t.Errorf("identify = %+v", ids[0])
	}
	m := f.SendText(general, alice, "typo")
	if _, ok := f.EditByUser(general.ID, m.ID, "fixed"); !ok {
		t.Fatal("EditByUser failed")
	}
	if u := recv(t, updates); u.ID != m.ID || u.Content != "fixed" || u.EditedTimestamp == nil {
		t.Errorf("MESSAGE_UPDATE = %+v", u.Message)
	}
	deleted := make(chan *discordgo.MessageDelete, 1)
	s.AddHandler(func(_ *discordgo.Session, d *discordgo.MessageDelete) { deleted <- d })
	if !f.DeleteByUser(general.ID, m.ID) {
		t.Fatal("DeleteByUser failed")
	}
	if d := recv(t, deleted); d.ID != m.ID || d.ChannelID != general.ID {
		t.Errorf("MESSAGE_DELETE = %+v", d.Message)
	}
	if _, err := s.ChannelMessageSend(general.ID, "one"); err != nil {
		t.Fatal(err)
	}
	two, err := s.ChannelMessageSend(general.ID, "two")
	if err != nil {
		t.Fatal(err)
	}
	hist, err := s.ChannelMessages(general.ID, 1, "", "", "")
	if err != nil || len(hist) != 1 || hist[0].ID != two.ID {
		t.Errorf("history = %+v, %v; want the newest message only", hist, err)
	}
	// discordgo's state knows the channel from GUILD_CREATE.
	if ch, err := s.State.Channel(general.ID); err != nil || ch.GuildID != g.ID {
		t.Errorf("state channel: %+v, %v", ch, err)
	}
}

func TestDiscordManyConcurrentInteractions(t *testing.T) {
	t.Parallel()
	f := NewDiscord(t)
	general := f.AddTextChannel(f.AddGuild("home"), "general")
	s := newDGSession(t, f, dgDefault)
	s.SyncEvents = false // one goroutine per interaction, as a bot would run
	s.AddHandler(func(s *discordgo.Session, ic *discordgo.InteractionCreate) {
		s.InteractionRespond(ic.Interaction, &discordgo.InteractionResponse{
			Type: discordgo.InteractionResponseDeferredChannelMessageWithSource})
	})
	openDG(t, s)
	registerAsk(t, f, s)
	const n = 200
	users := make([]DiscordUser, n)
	for i := range users {
		users[i] = f.AddUser("user" + strconv.Itoa(i))
	}
	ids := make(chan string, n)
	var wg sync.WaitGroup
	for _, u := range users {
		wg.Go(func() {
			in, err := f.RunCommand(DiscordCommandRun{Channel: general, From: u, Name: "ask",
				Options: []DiscordOptionInput{{Name: "prompt", Value: "hi"}}})
			if err != nil {
				t.Error(err)
				return
			}
			ids <- in.ID
		})
	}
	wg.Wait()
	close(ids)
	for id := range ids {
		if in := f.WaitResponse(t, id); in.ResponseType != DiscordRespondDeferred {
			t.Errorf("interaction %s answered %d", id, in.ResponseType)
		}
	}
	if seq := f.Seq(); seq < n+1 {
		t.Errorf("last sequence %d, want at least %d", seq, n+1)
	}
	f.Verify(t)
}

func TestDiscordMissingAccess(t *testing.T) {
	t.Parallel()
	f := NewDiscord(t)
	s := newDGSession(t, f, dgDefault)
	app, err := s.Application("@me")
	if err != nil || app.ID != f.AppID() {
		t.Fatalf("Application(@me) = %+v, %v", app, err)
	}
	f.FailNext(DiscordRoutePutCommands, 1, DiscordMissingAccess())
	_, err = s.ApplicationCommandBulkOverwrite(f.AppID(), "", []*discordgo.ApplicationCommand{{Name: "ask", Description: "Ask"}})
	if restCode(err) != 50001 {
		t.Errorf("registration without the scope: %v, want 50001", err)
	}
	if _, err := s.ApplicationCommandBulkOverwrite(f.AppID(), "404", nil); restCode(err) != 50001 {
		t.Errorf("registration to a guild the bot is not in: %v, want 50001", err)
	}
	f.Verify(t)
}

// BenchmarkDiscordMessageRoundTrip measures a user's DM reaching a
// discordgo handler that answers it, through the fake: the floor under
// the adapter's own time per message.
func BenchmarkDiscordMessageRoundTrip(b *testing.B) {
	f := NewDiscord(b)
	alice := f.AddUser("alice")
	dm := f.DM(alice)
	s, err := discordgo.New("Bot " + f.Token())
	if err != nil {
		b.Fatal(err)
	}
	s.Client, s.SyncEvents, s.LogLevel = f.Client(), true, -1
	s.AddHandler(func(s *discordgo.Session, m *discordgo.MessageCreate) {
		if m.Author.ID != s.State.User.ID {
			s.ChannelMessageSend(m.ChannelID, "ok")
		}
	})
	if err := s.Open(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	b.ResetTimer()
	for i := range b.N {
		f.SendText(dm, alice, "hi")
		f.WaitBotMessages(b, dm.ID, i+1)
	}
}

// BenchmarkDiscordDeferral measures a slash command reaching a discordgo
// handler that defers it, through the fake.
func BenchmarkDiscordDeferral(b *testing.B) {
	f := NewDiscord(b)
	alice := f.AddUser("alice")
	dm := f.DM(alice)
	s, err := discordgo.New("Bot " + f.Token())
	if err != nil {
		b.Fatal(err)
	}
	s.Client, s.SyncEvents, s.LogLevel = f.Client(), true, -1
	s.AddHandler(func(s *discordgo.Session, ic *discordgo.InteractionCreate) {
		s.InteractionRespond(ic.Interaction, &discordgo.InteractionResponse{
			Type: discordgo.InteractionResponseDeferredChannelMessageWithSource})
	})
	if err := s.Open(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if _, err := s.ApplicationCommandBulkOverwrite(f.AppID(), "", []*discordgo.ApplicationCommand{{Name: "new", Description: "New chat"}}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		in, err := f.RunCommand(DiscordCommandRun{Channel: dm, From: alice, Name: "new"})
		if err != nil {
			b.Fatal(err)
		}
		f.WaitResponse(b, in.ID)
	}
}

func TestDiscordRateLimit(t *testing.T) {
	t.Parallel()
	f := NewDiscord(t)
	clock := NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	f.SetClock(clock.Now)
	alice := f.AddUser("alice")
	dm := f.DM(alice)
	general := f.AddTextChannel(f.AddGuild("home"), "general")
	f.SetRateLimit(DiscordRouteEdit, 2, 5*time.Second)
	s := newDGSession(t, f, dgDefault)
	s.ShouldRetryOnRateLimit = false
	m, err := s.ChannelMessageSend(dm.ID, "0")
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	for _, text := range []string{"1", "2"} {
		if _, err := s.ChannelMessageEdit(dm.ID, m.ID, text); err != nil {
			t.Fatal(err)
		}
	}
	// The headers said the bucket is empty for 5 s (on the fake's clock):
	// discordgo would now wait 5 s of real time before the next edit.
	calls := f.Calls(DiscordRouteEdit)
	if h := calls[len(calls)-1]; h.Status != 200 {
		t.Errorf("second edit = %+v", h)
	}
	s.Ratelimiter = discordgo.NewRatelimiter() // forget them, to reach the fake's 429
	// A third edit within the window is refused, with what is left of it.
	clock.Advance(time.Second)
	_, err = s.ChannelMessageEdit(dm.ID, m.ID, "3")
	var rl *discordgo.RateLimitError
	if !errors.As(err, &rl) || rl.RetryAfter != 4*time.Second {
		t.Fatalf("third edit: %v, want a 429 with retry_after 4 s", err)
	}
	// Other channels have their own bucket; the window ends on the clock.
	g, err := s.ChannelMessageSend(general.ID, "x")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ChannelMessageEdit(general.ID, g.ID, "y"); err != nil {
		t.Errorf("edit in another channel: %v", err)
	}
	clock.Advance(4 * time.Second)
	s.Ratelimiter = discordgo.NewRatelimiter() // the 429's headers too would make discordgo wait
	if _, err := s.ChannelMessageEdit(dm.ID, m.ID, "3"); err != nil {
		t.Errorf("edit after the window: %v", err)
	}
	got, _ := f.Message(dm.ID, m.ID)
	if d := cmp.Diff([]string{"0", "1", "2", "3"}, got.History); d != "" {
		t.Errorf("history (-want +got):\n%s", d)
	}
}

func TestDiscordZombieConnectionResumes(t *testing.T) {
	t.Parallel()
	f := NewDiscord(t)
	f.SetHeartbeatInterval(20 * time.Millisecond)
	alice := f.AddUser("alice")
	dm := f.DM(alice)
	s := newDGSession(t, f, dgDefault)
	got := make(chan string, 4)
	s.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageCreate) { got <- m.Content })
	openDG(t, s)
	f.SetHeartbeatAcks(false)
	// discordgo gives up on the silent connection and resumes.
	f.WaitUntil(t, "a resume", func() bool { return f.Resumes() >= 1 })
	f.SetHeartbeatAcks(true)
	f.SendText(dm, alice, "still here")
	if c := recv(t, got); c != "still here" {
		t.Errorf("got %q", c)
	}
}

func TestDiscordDelay(t *testing.T) {
	t.Parallel()
	f := NewDiscord(t)
	alice := f.AddUser("alice")
	dm := f.DM(alice)
	s := newDGSession(t, f, dgDefault)
	f.Delay(DiscordRouteTyping, time.Hour) // a typing call that never comes back
	typed := make(chan error, 1)
	go func() { typed <- s.ChannelTyping(dm.ID, discordgo.WithContext(t.Context())) }()
	f.WaitUntil(t, "the typing call in flight", func() bool { return len(f.Calls(DiscordRouteTyping)) == 1 })
	// Other routes are not held.
	if _, err := s.ChannelMessageSend(dm.ID, "not blocked"); err != nil {
		t.Fatal(err)
	}
	if c := f.Calls(DiscordRouteTyping); c[0].Status != 0 || len(f.Typing(dm.ID)) != 0 {
		t.Errorf("held typing call = %+v", c)
	}
	f.Delay(DiscordRouteTyping, 0)
}
