package integration

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/botgateway/bot/internal/fakes"
)

// addDiscord enables Discord beside Telegram in r's HOME: a Discord fake,
// one allowed user and a guild channel; call it before start.
func (r *tgRig) addDiscord() (*fakes.Discord, fakes.DiscordUser, fakes.DiscordChannel) {
	r.t.Helper()
	dc := fakes.NewDiscord(r.t)
	dc.SetWaitTimeout(30 * time.Second)
	alice := dc.AddUser("alice")
	ch := dc.AddTextChannel(dc.AddGuild("home"), "general")
	r.e.Config(fmt.Sprintf(`{"channels": {"telegram": {"allowFrom": [%d]}, "discord": {"allowFrom": [%q]}}, "gateway": {"listen": %q}}`,
		owner.ID, alice.ID, r.listen))
	r.e.Set("DISCORD_BOT_TOKEN", dc.Token())
	r.e.Set("BOT_DISCORD_API_URL", dc.URL())
	return dc, alice, ch
}

// TestDiscordGateway: bot gateway serves Discord beside Telegram. The
// commands are registered once with /model autocompleting; an allowed user
// pins sonnet@anthropic:work with /model (deferred, ephemeral) and chats in
// a DM, and the provider sees the work key; autocomplete answers; the
// picker pins; /model status is ephemeral and masked; a stranger is
// refused; an unmentioned guild message is ignored; a 10,000-character
// reply arrives as valid messages; a dropped socket is resumed and the
// next message answered; the pin survives a restart; Telegram answers in
// the same process; SIGTERM exits 0.
func TestDiscordGateway(t *testing.T) {
	r := newTGRig(t)
	dc, alice, guildCh := r.addDiscord()
	r.start()
	dc.WaitConnected(t)

	dc.WaitUntil(t, "the commands registered", func() bool { return len(dc.Commands("")) > 0 })
	var model *fakes.DiscordCommand
	var names []string
	for _, c := range dc.Commands("") {
		names = append(names, c.Name)
		if c.Name == "model" {
			model = &c
		}
	}
	if got := strings.Join(names, " "); got != "model models new help" {
		t.Errorf("commands = %q", got)
	}
	if model == nil || len(model.Options) != 1 || !model.Options[0].Autocomplete {
		t.Errorf("/model = %+v, want one autocompleting option", model)
	}
	if n := len(dc.Calls(fakes.DiscordRoutePutCommands)); n != 1 {
		t.Errorf("%d global bulk overwrites, want 1", n)
	}

	dm := dc.DM(alice)
	command := func(from fakes.DiscordUser, ch fakes.DiscordChannel, value string) (fakes.DiscordInteraction, fakes.DiscordMessage) {
		t.Helper()
		var opts []fakes.DiscordOptionInput
		if value != "" {
			opts = []fakes.DiscordOptionInput{{Name: "model", Value: value}}
		}
		in, err := dc.RunCommand(fakes.DiscordCommandRun{Channel: ch, From: from, Name: "model", Options: opts})
		if err != nil {
			t.Fatal(err)
		}
		var msg fakes.DiscordMessage
		dc.WaitUntil(t, "the reply to /model "+value, func() bool {
			i, _ := dc.Interaction(in.ID)
			if i.Original == "" {
				return false
			}
			m, ok := dc.Message(ch.ID, i.Original)
			msg, in = m, i
			return ok && m.Content != "" && !strings.Contains(m.Content, "thinking")
		})
		return in, msg
	}

	in, msg := command(alice, dm, "sonnet@anthropic:work")
	if in.ResponseType != 5 || !in.Ephemeral || msg.Content != "Model set to sonnet (anthropic/claude-sonnet-4-5).\nAuth profile set to anthropic:work." {
		t.Errorf("/model sonnet@anthropic:work: response type %d, ephemeral %v, %q", in.ResponseType, in.Ephemeral, msg.Content)
	}
	calls := len(r.ai.Calls())
	n := len(dc.BotMessages(dm.ID))
	dc.SendText(dm, alice, "hello discord")
	dc.WaitUntil(t, "the DM answered", func() bool {
		for _, m := range dc.BotMessages(dm.ID)[n:] {
			if m.Content == "echo: hello discord" {
				return true
			}
		}
		return false
	})
	if c := r.ai.Calls(); len(c) != calls+1 || c[len(c)-1].Credential != keyWork {
		t.Errorf("provider calls %d → %d; want one more, with the work key", calls, len(c))
	}

	// Autocomplete answers, within 25 choices.
	ac := dc.Autocomplete(t, fakes.DiscordCommandRun{Channel: dm, From: alice, Name: "model",
		Options: []fakes.DiscordOptionInput{{Name: "model", Value: "sonnet@"}}}, "model")
	if ac.Rejected != 0 || len(ac.Choices) == 0 || len(ac.Choices) > 25 {
		t.Errorf("autocomplete of sonnet@: %d choices, %d rejected", len(ac.Choices), ac.Rejected)
	}

	// /model status is ephemeral and masked.
	in, msg = command(alice, dm, "status")
	if !in.Ephemeral || !strings.Contains(msg.Content, "Pin: anthropic:work (user)") || strings.Contains(msg.Content, keyWork) {
		t.Errorf("/model status: ephemeral %v, %q", in.Ephemeral, msg.Content)
	}

	// The picker: provider, model, credential.
	in, msg = command(alice, dm, "list")
	choose := func(label string) {
		t.Helper()
		for _, row := range msg.Components {
			for _, c := range row.Components {
				for _, o := range c.Options {
					if strings.HasPrefix(o.Label, label) {
						edits := msg.Edits
						if _, err := dc.Choose(alice, dm.ID, msg.ID, c.CustomID, o.Value); err != nil {
							t.Fatal(err)
						}
						dc.WaitUntil(t, "the picker after choosing "+label, func() bool {
							m, _ := dc.Message(dm.ID, msg.ID)
							if m.Edits > edits {
								msg = m
								return true
							}
							return false
						})
						return
					}
				}
			}
		}
		t.Fatalf("no option %q in %+v", label, msg.Components)
	}
	choose("anthropic")
	choose("anthropic/claude-opus-4-5")
	choose("anthropic:home")
	if msg.Content != "Model set to opus (anthropic/claude-opus-4-5).\nAuth profile set to anthropic:home." {
		t.Errorf("the picker's last step = %q", msg.Content)
	}
	command(alice, dm, "sonnet@anthropic:work") // back to the work pin

	// A stranger is refused; an unmentioned guild message is ignored.
	bob := dc.AddUser("bob")
	if _, msg := command(bob, guildCh, "opus"); msg.Content != "You are not authorized to use this command." {
		t.Errorf("a stranger's /model = %q", msg.Content)
	}
	before := len(r.ai.Calls())
	dc.SendText(guildCh, alice, "not for the bot")

	// A 10,000-character reply, in the guild channel, mentioned.
	long := strings.Repeat(strings.Repeat("word ", 19)+"end.\n\n", 100)
	r.ai.Handle(func(fakes.Call) fakes.Response { return fakes.OK(long) })
	n = len(dc.BotMessages(guildCh.ID))
	dc.Send(fakes.DiscordIncoming{Channel: guildCh, From: alice, Content: "a long one", MentionBot: true})
	dc.WaitUntil(t, "the long reply, whole", func() bool {
		var b strings.Builder
		for _, m := range dc.BotMessages(guildCh.ID)[n:] {
			b.WriteString(m.Content)
		}
		return strings.Count(b.String(), "end.") == 100
	})
	r.ai.Handle(nil)
	for _, m := range dc.BotMessages(guildCh.ID)[n:] {
		if len([]rune(m.Content)) > 2000 {
			t.Errorf("a message of %d characters", len([]rune(m.Content)))
		}
	}
	if got := len(r.ai.Calls()); got != before+1 {
		t.Errorf("%d provider calls since the unmentioned message, want 1 (the long one)", got-before)
	}

	// A dropped socket is resumed, and the next message answered.
	dc.DropSocket()
	dc.SendText(dm, alice, "after the drop")
	dc.WaitUntil(t, "the answer after a dropped socket", func() bool {
		for _, m := range dc.BotMessages(dm.ID) {
			if m.Content == "echo: after the drop" {
				return true
			}
		}
		return false
	})

	// Telegram answers in the same process.
	r.tg.SendText(fakes.PrivateChat(owner), owner, "hello telegram")
	r.waitText(fakes.PrivateChat(owner), "Telegram's answer", func(s string) bool { return s == "echo: hello telegram" })

	// The pin survives a restart.
	if code := r.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("SIGTERM: exit %d, want 0", code)
	}
	r.start()
	dc.WaitConnected(t)
	if _, msg := command(alice, dm, "status"); !strings.Contains(msg.Content, "Pin: anthropic:work (user)") {
		t.Errorf("after the restart /model status = %q", msg.Content)
	}
	if code := r.stop(syscall.SIGTERM); code != 0 {
		t.Errorf("SIGTERM: exit %d, want 0", code)
	}
	r.mu.Lock()
	logs := r.logs.String()
	r.mu.Unlock()
	for _, s := range []string{keyWork, keyHome, dc.Token(), "hello discord"} {
		if strings.Contains(logs, s) {
			t.Errorf("the gateway's logs hold %q", s)
		}
	}
}
