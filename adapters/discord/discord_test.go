package discord

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/adapters/adaptertest"
	"github.com/botgateway/bot/adapters/internal/pickstore"
	"github.com/botgateway/bot/internal/fakes"
	"github.com/botgateway/bot/internal/secret"
)

// specs are the chat commands as the gateway declares them.
var specs = []adapters.CommandSpec{
	{Name: "model", Description: "Show or set the model", Args: []adapters.ArgSpec{
		{Name: "model", Type: adapters.ArgString, Description: "list, status, default, <model>[@profile] or @<profile>", Autocomplete: true, Words: 2},
	}},
	{Name: "models", Description: "List the models", Args: []adapters.ArgSpec{
		{Name: "provider", Type: adapters.ArgString, Description: "Only this provider's"},
	}},
	{Name: "new", Description: "Start a new conversation"},
	{Name: "help", Description: "What the bot understands"},
}

// world is a fake Discord with a guild, a text channel, a thread in it,
// two users and Ada's DM.
type world struct {
	f                   *fakes.Discord
	guild               fakes.DiscordGuild
	general, thread, dm fakes.DiscordChannel
	ada, bob            fakes.DiscordUser
}

func newWorld(t *testing.T) *world {
	f := fakes.NewDiscord(t)
	w := &world{f: f, guild: f.AddGuild("team"), ada: f.AddUser("ada"), bob: f.AddUser("bob")}
	w.general = f.AddTextChannel(w.guild, "general")
	w.thread = f.AddThread(w.general, "ideas")
	w.dm = f.DM(w.ada)
	return w
}

// start makes the adapter for w with cfg's changes, registers the
// commands (as the gateway does before Run) and runs it until the test
// ends, connected.
func (w *world) start(t *testing.T, in adapters.Inbox, change func(*Config)) *Adapter {
	t.Helper()
	cfg := config(t, w.f)
	cfg.Guilds = []string{w.guild.ID}
	if change != nil {
		change(&cfg)
	}
	a := mustNew(t, cfg)
	if err := a.SetCommands(t.Context(), specs); err != nil {
		t.Fatalf("SetCommands: %v", err)
	}
	adaptertest.Running(t, a, in)
	w.f.WaitConnected(t)
	return a
}

// botSeen returns the bot's messages in channel as user sees them.
func (w *world) botSeen(channel, user string) []fakes.DiscordMessage {
	var out []fakes.DiscordMessage
	for _, m := range w.f.SeenBy(channel, user) {
		if m.FromBot() {
			out = append(out, m)
		}
	}
	return out
}

func TestSetCommands(t *testing.T) {
	w := newWorld(t)
	a := mustNew(t, func() Config { c := config(t, w.f); c.Guilds = []string{w.guild.ID}; return c }())
	for range 2 { // a second registration overwrites the first
		if err := a.SetCommands(t.Context(), specs); err != nil {
			t.Fatalf("SetCommands: %v", err)
		}
	}
	for _, scope := range []string{"", w.guild.ID} {
		cmds := w.f.Commands(scope)
		var names []string
		for _, c := range cmds {
			names = append(names, c.Name)
			if c.Name == "model" {
				want := []fakes.DiscordCommandOption{{Type: fakes.DiscordOptionString, Name: "model", Description: specs[0].Args[0].Description, Autocomplete: true}}
				if diff := cmp.Diff(want, c.Options); diff != "" {
					t.Errorf("scope %q: /model's options (-want +got):\n%s", scope, diff)
				}
			}
		}
		if diff := cmp.Diff([]string{"model", "models", "new", "help"}, names); diff != "" {
			t.Errorf("scope %q: commands (-want +got):\n%s", scope, diff)
		}
	}
	puts := w.f.Calls(fakes.DiscordRoutePutCommands, fakes.DiscordRoutePutGuildCmds)
	if len(puts) != 4 {
		t.Errorf("%d bulk overwrites, want 4 (global and guild, twice)", len(puts))
	}
	// discordgo aims at https://discord.com: the calls reached the fake
	// through the adapter's rewriting of APIURL.
}

func TestSetCommandsScopeRefused(t *testing.T) {
	w := newWorld(t)
	a := mustNew(t, func() Config { c := config(t, w.f); c.Guilds = []string{w.guild.ID}; return c }())
	w.f.FailNext(fakes.DiscordRoutePutGuildCmds, 1, fakes.DiscordFault{Status: 403, Code: 50001, Message: "Missing Access"})
	err := a.SetCommands(t.Context(), specs)
	if !errors.Is(err, ErrCommandsScope) || !strings.Contains(err.Error(), "applications.commands") || !strings.Contains(err.Error(), w.guild.ID) {
		t.Errorf("SetCommands = %v, want the missing scope named, with the guild", err)
	}
	if n := len(w.f.Commands("")); n != len(specs) {
		t.Errorf("%d global commands after a guild refused, want %d", n, len(specs))
	}
}

// A native command is deferred, ephemeral, before any other request; its
// text form is delivered; a long reply edits the original response and
// continues in ephemeral follow-ups, each within 2,000 characters.
func TestNativeCommand(t *testing.T) {
	w := newWorld(t)
	in := adaptertest.NewInbox()
	w.start(t, in, nil)
	before := len(w.f.Calls())
	ix, err := w.f.RunCommand(fakes.DiscordCommandRun{Channel: w.dm, From: w.ada, Name: "model",
		Options: []fakes.DiscordOptionInput{{Name: "model", Value: "list anthropic"}}})
	if err != nil {
		t.Fatal(err)
	}
	m := in.Next(t)
	if m.Text != "/model list anthropic" || m.Chat != adapters.ChatRef("dm:"+w.ada.ID) || !m.Direct || m.Sender.ID != w.ada.ID {
		t.Fatalf("delivered %q in %q (direct %v) from %q", m.Text, m.Chat, m.Direct, m.Sender.ID)
	}
	got := w.f.WaitResponse(t, ix.ID)
	if got.ResponseType != fakes.DiscordRespondDeferred || !got.Ephemeral || got.Rejected != 0 {
		t.Errorf("initial response type %d, ephemeral %v, rejected %d; want a deferred ephemeral one", got.ResponseType, got.Ephemeral, got.Rejected)
	}
	if calls := w.f.Calls()[before:]; len(calls) == 0 || calls[0].Route != fakes.DiscordRouteCallback {
		t.Errorf("the first request after the interaction: %+v, want its callback", calls)
	}
	text := strings.Repeat(strings.Repeat("credential line ", 10)+"\n", 40) // 6,440 characters
	if err := m.Reply.Reply(t.Context(), adapters.Reply{Text: text, Private: true}); err != nil {
		t.Fatalf("Reply: %v", err)
	}
	seen := w.botSeen(w.dm.ID, w.ada.ID)
	if len(seen) < 4 {
		t.Fatalf("the reply is %d messages, want at least 4", len(seen))
	}
	var joined []string
	for i, s := range seen {
		if !s.Ephemeral() {
			t.Errorf("part %d is not ephemeral", i+1)
		}
		if n := utf8.RuneCountInString(s.Content); n > 2000 {
			t.Errorf("part %d: %d characters", i+1, n)
		}
		joined = append(joined, s.Content)
	}
	if strings.Join(joined, "\n") != strings.TrimRight(text, "\n") {
		t.Error("the parts do not add up to the reply")
	}
	if ix, _ := w.f.Interaction(ix.ID); seen[0].ID != ix.Original {
		t.Errorf("the first part is message %s, not the original response %s", seen[0].ID, ix.Original)
	}
}

// An interaction and a message in the same thread share its ChatRef.
func TestThreadSession(t *testing.T) {
	w := newWorld(t)
	in := adaptertest.NewInbox()
	w.start(t, in, nil)
	want := adapters.ChatRef(w.general.ID + ":thread:" + w.thread.ID)
	w.f.Send(fakes.DiscordIncoming{Channel: w.thread, From: w.bob, Content: "hi", MentionBot: true})
	if m := in.Next(t); m.Chat != want || m.Direct || m.Text != "hi" {
		t.Errorf("a thread message: chat %q, direct %v, text %q; want %q", m.Chat, m.Direct, m.Text, want)
	}
	if _, err := w.f.RunCommand(fakes.DiscordCommandRun{Channel: w.thread, From: w.bob, Name: "new"}); err != nil {
		t.Fatal(err)
	}
	if m := in.Next(t); m.Chat != want || m.Text != "/new" {
		t.Errorf("a thread command: chat %q, text %q; want %q", m.Chat, m.Text, want)
	}
	w.f.Send(fakes.DiscordIncoming{Channel: w.general, From: w.bob, Content: "hello", MentionBot: true})
	if m := in.Next(t); m.Chat != adapters.ChatRef(w.general.ID) {
		t.Errorf("a channel message: chat %q, want %q", m.Chat, w.general.ID)
	}
}

// completing is an Inbox with a Completer, as the gateway's is.
type completing struct {
	*adaptertest.Inbox
	complete func(adapters.Completion) []adapters.Suggestion
	asked    chan adapters.Completion
}

func (c completing) Complete(_ context.Context, q adapters.Completion) []adapters.Suggestion {
	c.asked <- q
	return c.complete(q)
}

func TestAutocomplete(t *testing.T) {
	w := newWorld(t)
	in := completing{Inbox: adaptertest.NewInbox(), asked: make(chan adapters.Completion, 8), complete: func(q adapters.Completion) []adapters.Suggestion {
		if q.Sender.ID != w.ada.ID { // a stranger: nothing
			return nil
		}
		var out []adapters.Suggestion
		for i := range 40 {
			out = append(out, adapters.Suggestion{Value: fmt.Sprintf("sonnet@anthropic:p%d", i), Label: fmt.Sprintf("claude-sonnet-4-5 · p%d", i)})
		}
		return out
	}}
	w.start(t, in, nil)
	run := fakes.DiscordCommandRun{Channel: w.dm, From: w.ada, Name: "model", Options: []fakes.DiscordOptionInput{{Name: "model", Value: "son"}}}
	got := w.f.Autocomplete(t, run, "model")
	if got.ResponseType != fakes.DiscordRespondAutocomplete || len(got.Choices) != 25 || got.Rejected != 0 {
		t.Errorf("answer type %d with %d choices (rejected %d); want 8 with 25", got.ResponseType, len(got.Choices), got.Rejected)
	}
	q := <-in.asked
	want := adapters.Completion{Channel: Name, Chat: adapters.ChatRef("dm:" + w.ada.ID), Sender: adapters.Sender{ID: w.ada.ID, Name: "ada"}, Command: "model", Arg: "model", Text: "son"}
	if diff := cmp.Diff(want, q); diff != "" {
		t.Errorf("completion asked (-want +got):\n%s", diff)
	}
	run = fakes.DiscordCommandRun{Channel: w.general, From: w.bob, Name: "model", Options: []fakes.DiscordOptionInput{{Name: "model", Value: "son"}}}
	if got := w.f.Autocomplete(t, run, "model"); !got.Responded || len(got.Choices) != 0 || got.Rejected != 0 {
		t.Errorf("a stranger's autocomplete: responded %v with %d choices (rejected %d); want none", got.Responded, len(got.Choices), got.Rejected)
	}
	if m, ok := in.Poll(); ok {
		t.Errorf("autocomplete delivered %q", m.Text)
	}
}

// choices are n picker entries.
func choices(n int) []adapters.Choice {
	var out []adapters.Choice
	for i := range n {
		out = append(out, adapters.Choice{Label: fmt.Sprintf("model %d · work", i+1), Command: fmt.Sprintf("/model provider/model-%d@provider:work", i+1)})
	}
	return out
}

// A picker on a native command's ephemeral reply: 30 choices in two
// menus; the opener's choice is deferred (type 6), delivers its command,
// and its reply replaces the picker in place.
func TestPickerNative(t *testing.T) {
	w := newWorld(t)
	in := adaptertest.NewInbox()
	w.start(t, in, nil)
	ix, err := w.f.RunCommand(fakes.DiscordCommandRun{Channel: w.general, From: w.bob, Name: "model", Options: []fakes.DiscordOptionInput{{Name: "model", Value: "list"}}})
	if err != nil {
		t.Fatal(err)
	}
	m := in.Next(t)
	cs := choices(30)
	if err := m.Reply.Reply(t.Context(), adapters.Reply{Text: "Pick a model:", Choices: cs}); err != nil {
		t.Fatalf("Reply: %v", err)
	}
	ix, _ = w.f.Interaction(ix.ID)
	pick, ok := w.f.Message(w.general.ID, ix.Original)
	if !ok || !pick.Ephemeral() || pick.Content != "Pick a model:" || len(pick.Components) != 2 {
		t.Fatalf("the picker: %+v, want an ephemeral message with 2 menus", pick)
	}
	menu := pick.Components[1].Components[0]
	if len(menu.Options) != 5 {
		t.Fatalf("the second menu has %d options, want 5", len(menu.Options))
	}
	choice, err := w.f.Choose(w.bob, w.general.ID, pick.ID, menu.CustomID, menu.Options[1].Value)
	if err != nil {
		t.Fatal(err)
	}
	m = in.Next(t)
	if m.Text != cs[26].Command || m.Sender.ID != w.bob.ID || m.Chat != adapters.ChatRef(w.general.ID) {
		t.Errorf("the choice delivered %q from %q in %q; want %q", m.Text, m.Sender.ID, m.Chat, cs[26].Command)
	}
	if got := w.f.WaitResponse(t, choice.ID); got.ResponseType != fakes.DiscordRespondDeferredUpdate || got.Rejected != 0 {
		t.Errorf("the choice's response: type %d (rejected %d), want 6", got.ResponseType, got.Rejected)
	}
	if err := m.Reply.Reply(t.Context(), adapters.Reply{Text: "Model set to model-27."}); err != nil {
		t.Fatalf("Reply: %v", err)
	}
	after, _ := w.f.Message(w.general.ID, pick.ID)
	if after.Content != "Model set to model-27." || len(after.Components) != 0 {
		t.Errorf("the picker after the choice: %q with %d menus; want the reply, no menus", after.Content, len(after.Components))
	}
}

// A picker in a channel: another user's choice is answered with an
// ephemeral line only, and delivers nothing.
func TestPickerStranger(t *testing.T) {
	w := newWorld(t)
	in := adaptertest.NewInbox()
	w.start(t, in, nil)
	w.f.Send(fakes.DiscordIncoming{Channel: w.general, From: w.bob, Content: "/model list", MentionBot: true})
	m := in.Next(t)
	if err := m.Reply.Reply(t.Context(), adapters.Reply{Text: "Pick:", Choices: choices(3)}); err != nil {
		t.Fatalf("Reply: %v", err)
	}
	pick := w.f.BotMessages(w.general.ID)[0]
	menu := pick.Components[0].Components[0]
	carol := w.f.AddUser("carol")
	ix, err := w.f.Choose(carol, w.general.ID, pick.ID, menu.CustomID, menu.Options[0].Value)
	if err != nil {
		t.Fatal(err)
	}
	got := w.f.WaitResponse(t, ix.ID)
	if got.ResponseType != fakes.DiscordRespondMessage || !got.Ephemeral {
		t.Errorf("a stranger's choice: response type %d, ephemeral %v; want an ephemeral message", got.ResponseType, got.Ephemeral)
	}
	line, _ := w.f.Message(w.general.ID, got.Original)
	if line.Content != pickstore.NotYoursText || line.EphemeralTo != carol.ID {
		t.Errorf("the stranger sees %q (to %q), want %q to them only", line.Content, line.EphemeralTo, pickstore.NotYoursText)
	}
	if m, ok := in.Poll(); ok {
		t.Errorf("a stranger's choice delivered %q", m.Text)
	}
}

// In a guild, only what is for the bot is delivered; bots' messages and
// messages without text never are.
func TestMentionGating(t *testing.T) {
	w := newWorld(t)
	in := adaptertest.NewInbox()
	a := w.start(t, in, nil)
	other := w.f.AddBotUser("otherbot")
	w.f.SendText(w.general, w.bob, "just chatting")
	w.f.SendText(w.general, w.bob, "<@"+other.ID+"> hi other bot")
	w.f.SendText(w.general, other, "<@"+w.f.Me().ID+"> from a bot")
	w.f.Send(fakes.DiscordIncoming{Channel: w.dm, From: w.ada, Attachments: []fakes.DiscordAttachment{{Filename: "cat.png", Size: 10}}})
	w.f.SendText(w.dm, other, "a bot in a DM")
	w.f.Send(fakes.DiscordIncoming{Channel: w.general, From: w.bob, Content: "for you", MentionBot: true})
	w.f.SendText(w.dm, w.ada, "in my DM")
	got := byChat(t, in, 2)
	want := map[string]string{w.general.ID: "for you", "dm:" + w.ada.ID: "in my DM"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
	if a.BotName() != w.f.Me().Username {
		t.Errorf("BotName = %q, want %q", a.BotName(), w.f.Me().Username)
	}
}

// byChat returns the texts of the next n messages delivered, by chat.
func byChat(t *testing.T, in *adaptertest.Inbox, n int) map[string]string {
	t.Helper()
	got := map[string]string{}
	for range n {
		m := in.Next(t)
		got[string(m.Chat)] = m.Text
	}
	return got
}

// A mention of the bot's own role (the one Discord made for it in the
// guild, which users pick as @BotName) counts as a mention of the bot; a
// mention of another role does not.
func TestRoleMention(t *testing.T) {
	w := newWorld(t)
	in := adaptertest.NewInbox()
	w.start(t, in, func(c *Config) { c.MessageContent = true })
	w.f.SendText(w.general, w.bob, "<@&"+w.guild.ID+"1> not for the bot")
	w.f.SendText(w.general, w.bob, "<@&"+w.guild.BotRole+"> what now?")
	w.f.SendText(w.dm, w.ada, "in my DM")
	got := byChat(t, in, 2)
	want := map[string]string{w.general.ID: "what now?", "dm:" + w.ada.ID: "in my DM"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
}

// With the message-content intent and requireMention off, every message
// in a channel is delivered.
func TestMessageContent(t *testing.T) {
	w := newWorld(t)
	in := adaptertest.NewInbox()
	w.start(t, in, func(c *Config) { c.MessageContent, c.RequireMention = true, false })
	w.f.SendText(w.general, w.bob, "just chatting")
	if m := in.Next(t); m.Text != "just chatting" {
		t.Errorf("delivered %q", m.Text)
	}
	ids := w.f.Identifies()
	if len(ids) == 0 || !ids[0].HasIntent(fakes.DiscordIntentMessageContent) {
		t.Errorf("identify %+v without the message-content intent", ids)
	}
}

// A model's "@everyone" pings no one, and a reply quotes without a ping.
func TestNoPings(t *testing.T) {
	w := newWorld(t)
	in := adaptertest.NewInbox()
	w.start(t, in, nil)
	w.f.Send(fakes.DiscordIncoming{Channel: w.general, From: w.bob, Content: "say it", MentionBot: true})
	m := in.Next(t)
	if err := m.Reply.Reply(t.Context(), adapters.Reply{Text: "@everyone <@" + w.ada.ID + "> hello"}); err != nil {
		t.Fatal(err)
	}
	sent := w.f.BotMessages(w.general.ID)[0]
	if sent.PingedEveryone || len(sent.Pinged) != 0 {
		t.Errorf("the reply pinged everyone %v, users %v", sent.PingedEveryone, sent.Pinged)
	}
	if sent.MessageReference == nil {
		t.Error("the reply in a guild does not quote the message it answers")
	}
}

// A 10,000-character reply with code blocks arrives as valid messages
// (the fake refuses content over 2,000), fences balanced in each.
func TestLongReply(t *testing.T) {
	w := newWorld(t)
	in := adaptertest.NewInbox()
	w.start(t, in, nil)
	w.f.SendText(w.dm, w.ada, "write a lot")
	m := in.Next(t)
	var b strings.Builder
	for i := 0; b.Len() < 10000; i++ {
		b.WriteString(strings.Repeat("A sentence of the answer. ", 6) + "\n")
		if i%9 == 0 {
			b.WriteString("\n```go\n" + strings.Repeat("fmt.Println(\"hello\")\n", 25) + "```\n\n")
		}
	}
	if err := m.Reply.Reply(t.Context(), adapters.Reply{Text: b.String()}); err != nil {
		t.Fatalf("Reply: %v", err)
	}
	seen := w.f.BotMessages(w.dm.ID)
	if len(seen) < 5 {
		t.Fatalf("%d messages", len(seen))
	}
	for i, s := range seen {
		if strings.Count(s.Content, "```")%2 != 0 {
			t.Errorf("message %d has unbalanced fences", i+1)
		}
	}
}

// A dropped socket is resumed, the message sent meanwhile is handled
// once, and the next one too.
func TestResume(t *testing.T) {
	w := newWorld(t)
	in := adaptertest.NewInbox()
	w.start(t, in, nil)
	w.f.SendText(w.dm, w.ada, "before")
	if m := in.Next(t); m.Text != "before" {
		t.Fatalf("delivered %q", m.Text)
	}
	w.f.DropSocket()
	w.f.SendText(w.dm, w.ada, "during")
	w.f.WaitUntil(t, "a resume", func() bool { return w.f.Resumes() >= 1 && w.f.Connected() })
	w.f.SendText(w.dm, w.ada, "after")
	for _, want := range []string{"during", "after"} {
		if m := in.Next(t); m.Text != want {
			t.Errorf("delivered %q, want %q", m.Text, want)
		}
	}
	w.f.SendText(w.dm, w.ada, "last")
	if m := in.Next(t); m.Text != "last" {
		t.Errorf("delivered %q, want \"last\" (a message handled twice?)", m.Text)
	}
}

// A token Discord rejects ends Run with one fatal line naming its source
// and the fix, and never the token.
func TestTokenRejected(t *testing.T) {
	w := newWorld(t)
	cfg := config(t, w.f)
	cfg.Token = secret.New("not-the-token")
	a := mustNew(t, cfg)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second) // a hang guard only
	defer cancel()
	err := a.Run(ctx, adaptertest.NewInbox())
	if !errors.Is(err, adapters.ErrFatal) || !errors.Is(err, ErrTokenRejected) {
		t.Fatalf("Run = %v, want a fatal ErrTokenRejected", err)
	}
	if !strings.Contains(err.Error(), cfg.TokenSource) || strings.Contains(err.Error(), "not-the-token") || strings.Contains(err.Error(), "\n") {
		t.Errorf("Run's error %q: want one line naming %q, without the token", err, cfg.TokenSource)
	}
}

// panicky is an Inbox whose Deliver panics on "boom".
type panicky struct{ *adaptertest.Inbox }

func (p panicky) Deliver(ctx context.Context, m adapters.Message) {
	if m.Text == "boom" {
		panic("boom")
	}
	p.Inbox.Deliver(ctx, m)
}

// A handler's panic is recovered: the next message is handled.
func TestPanicRecovered(t *testing.T) {
	w := newWorld(t)
	in := panicky{adaptertest.NewInbox()}
	w.start(t, in, nil)
	w.f.SendText(w.dm, w.ada, "boom")
	w.f.SendText(w.dm, w.ada, "still here?")
	if m := in.Next(t); m.Text != "still here?" {
		t.Errorf("delivered %q", m.Text)
	}
}

// The message-content intent refused by the portal is one fatal line
// naming the fix.
func TestIntentDisallowed(t *testing.T) {
	w := newWorld(t)
	w.f.SetPrivilegedIntents(false)
	cfg := config(t, w.f)
	cfg.MessageContent = true
	a := mustNew(t, cfg)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second) // a hang guard only
	defer cancel()
	err := a.Run(ctx, adaptertest.NewInbox())
	if !errors.Is(err, adapters.ErrFatal) || !errors.Is(err, ErrIntentDisallowed) {
		t.Errorf("Run = %v, want a fatal ErrIntentDisallowed", err)
	}
}

// Typing calls the typing endpoint and sends no message.
func TestTyping(t *testing.T) {
	w := newWorld(t)
	in := adaptertest.NewInbox()
	w.start(t, in, nil)
	w.f.SendText(w.dm, w.ada, "are you there?")
	m := in.Next(t)
	if err := m.Reply.(adapters.Typer).Typing(t.Context()); err != nil {
		t.Fatalf("Typing: %v", err)
	}
	if n := len(w.f.Typing(w.dm.ID)); n != 1 {
		t.Errorf("%d typing calls, want 1", n)
	}
}

// An edit of an interaction's response that Discord rate-limits or
// answers 5xx is tried again; the reply arrives once.
func TestInteractionEditRetried(t *testing.T) {
	w := newWorld(t)
	in := adaptertest.NewInbox()
	w.start(t, in, nil)
	ix, err := w.f.RunCommand(fakes.DiscordCommandRun{Channel: w.dm, From: w.ada, Name: "help"})
	if err != nil {
		t.Fatal(err)
	}
	m := in.Next(t)
	w.f.WaitResponse(t, ix.ID)
	w.f.FailNext(fakes.DiscordRouteEditOriginal, 1, fakes.DiscordRateLimited(0.05, false))
	w.f.FailNext(fakes.DiscordRouteEditOriginal, 1, fakes.DiscordServerError(502))
	if err := m.Reply.Reply(t.Context(), adapters.Reply{Text: "Commands: /model, /new, /help"}); err != nil {
		t.Fatalf("Reply: %v", err)
	}
	seen := w.botSeen(w.dm.ID, w.ada.ID)
	if len(seen) != 1 || seen[0].Content != "Commands: /model, /new, /help" {
		t.Errorf("seen %+v, want the reply once", seen)
	}
	if n := len(w.f.Calls(fakes.DiscordRouteEditOriginal)); n != 3 {
		t.Errorf("%d edits, want 3 (a 429, a 502, then the edit)", n)
	}
}

// A reply more than 15 minutes after a native command cannot go through
// the interaction's token (Discord answers 50027 Invalid Webhook Token):
// it is sent as a message instead — in the DM for a command run there, in
// the user's DM for a private reply to a command run in a guild channel.
// When the adapter's clock says the token has expired, no request is
// wasted on it; when Discord refuses it first (the clocks disagree), the
// reply falls back all the same.
func TestInteractionTokenExpired(t *testing.T) {
	for _, tt := range []struct {
		name        string
		adapterToo  bool // the adapter's clock moves too (else only Discord's)
		inGuild     bool
		wantRefused int // interaction requests Discord refused with 50027
	}{
		{"dm, adapter knows", true, false, 0},
		{"guild, adapter knows", true, true, 0},
		{"dm, Discord refuses", false, false, 1},
		{"guild, Discord refuses", false, true, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			fakeClock := fakes.NewClock(time.Now())
			adapterClock := fakes.NewClock(fakeClock.Now())
			w.f.SetClock(fakeClock.Now)
			in := adaptertest.NewInbox()
			w.start(t, in, func(c *Config) { c.Now = adapterClock.Now })
			where := w.dm
			if tt.inGuild {
				where = w.general
			}
			ix, err := w.f.RunCommand(fakes.DiscordCommandRun{Channel: where, From: w.ada, Name: "model",
				Options: []fakes.DiscordOptionInput{{Name: "model", Value: "status"}}})
			if err != nil {
				t.Fatal(err)
			}
			m := in.Next(t)
			w.f.WaitResponse(t, ix.ID)
			fakeClock.Advance(16 * time.Minute)
			if tt.adapterToo {
				adapterClock.Advance(16 * time.Minute)
			}
			s, err := m.Reply.(adapters.Streamer).StartStream(t.Context(), true)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Update(t.Context(), "Model: sonnet"); err != nil {
				t.Fatalf("Update: %v", err)
			}
			if err := s.Finish(t.Context(), adapters.Reply{Text: "Model: sonnet (pinned)", Private: true}); err != nil {
				t.Fatalf("Finish: %v", err)
			}
			// The deferred response ("thinking…", ephemeral) stays as it
			// was; the reply is a new message.
			orig, _ := w.f.Interaction(ix.ID)
			var got []string
			for _, msg := range w.botSeen(w.dm.ID, w.ada.ID) {
				if msg.ID == orig.Original {
					if msg.Content != "" {
						t.Errorf("the expired original response was edited to %q", msg.Content)
					}
					continue
				}
				if msg.Ephemeral() {
					t.Errorf("message %q is ephemeral, want a plain message", msg.Content)
				}
				got = append(got, msg.Content)
			}
			if diff := cmp.Diff([]string{"Model: sonnet (pinned)"}, got); diff != "" {
				t.Errorf("the user's DM (-want +got):\n%s", diff)
			}
			if tt.inGuild {
				if seen := w.botSeen(w.general.ID, w.bob.ID); len(seen) != 0 {
					t.Errorf("the private reply reached the guild channel: %+v", seen)
				}
			}
			refused := 0
			for _, c := range w.f.Calls() {
				if c.Code == fakes.DiscordCodeInvalidWebhook {
					refused++
				}
			}
			if refused != tt.wantRefused {
				t.Errorf("%d interaction requests refused with 50027, want %d", refused, tt.wantRefused)
			}
		})
	}
}
