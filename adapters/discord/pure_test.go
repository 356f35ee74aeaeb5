package discord

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/internal/secret"
)

const botID = "900"

func TestForBot(t *testing.T) {
	bot := &discordgo.User{ID: botID}
	other := &discordgo.User{ID: "901"}
	tests := []struct {
		name            string
		m               *discordgo.Message
		direct, mention bool
		want            string
		ok              bool
	}{
		{"dm", &discordgo.Message{Content: "hello"}, true, true, "hello", true},
		{"dm command", &discordgo.Message{Content: "/model list"}, true, true, "/model list", true},
		{"guild unmentioned", &discordgo.Message{Content: "hello"}, false, true, "", false},
		{"guild unmentioned, mention not required", &discordgo.Message{Content: "hello"}, false, false, "hello", true},
		{"guild mention stripped", &discordgo.Message{Content: "<@900> what is 2+2?", Mentions: []*discordgo.User{bot}}, false, true, "what is 2+2?", true},
		{"guild nick mention stripped", &discordgo.Message{Content: "hi <@!900>", Mentions: []*discordgo.User{bot}}, false, true, "hi", true},
		{"guild other bot mentioned", &discordgo.Message{Content: "<@901> hi", Mentions: []*discordgo.User{other}}, false, true, "", false},
		{"guild reply to the bot", &discordgo.Message{Content: "and then?", ReferencedMessage: &discordgo.Message{Author: bot}}, false, true, "and then?", true},
		{"guild reply to another", &discordgo.Message{Content: "and then?", ReferencedMessage: &discordgo.Message{Author: other}}, false, true, "", false},
		{"guild text command", &discordgo.Message{Content: "/model status"}, false, true, "/model status", true},
		{"mention only", &discordgo.Message{Content: "<@900>", Mentions: []*discordgo.User{bot}}, false, true, "", false},
		{"attachment only", &discordgo.Message{Attachments: []*discordgo.MessageAttachment{{ID: "1"}}}, true, true, "", false},
		{"blanked without the intent", &discordgo.Message{Content: ""}, false, false, "", false},
		{"guild bot role mentioned", &discordgo.Message{Content: "<@&77> what is 2+2?", MentionRoles: []string{"77"}}, false, true, "what is 2+2?", true},
		{"guild other role mentioned", &discordgo.Message{Content: "<@&78> hi", MentionRoles: []string{"78"}}, false, true, "", false},
		{"bot role mention only", &discordgo.Message{Content: "<@&77>", MentionRoles: []string{"77"}}, false, true, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := forBot(tt.m, botID, []string{"77"}, tt.direct, tt.mention)
			if got != tt.want || ok != tt.ok {
				t.Errorf("forBot = %q, %v; want %q, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestBotRoles(t *testing.T) {
	raw := func(typ, data string) *discordgo.Event {
		return &discordgo.Event{Type: typ, RawData: json.RawMessage(data)}
	}
	var b botRoles
	steps := []struct {
		name string
		e    *discordgo.Event
		want []string // the bot's roles in guild g1 after e
	}{
		{"guild create", raw("GUILD_CREATE", `{"id":"g1","roles":[{"id":"1"},{"id":"2","managed":true,"tags":{"bot_id":"`+botID+`"}},{"id":"3","managed":true,"tags":{"bot_id":"901"}}]}`), []string{"2"}},
		{"another bot's role", raw("GUILD_ROLE_CREATE", `{"guild_id":"g1","role":{"id":"4","tags":{"bot_id":"902"}}}`), []string{"2"}},
		{"role created", raw("GUILD_ROLE_CREATE", `{"guild_id":"g1","role":{"id":"5","tags":{"bot_id":"`+botID+`"}}}`), []string{"2", "5"}},
		{"role updated, no longer the bot's", raw("GUILD_ROLE_UPDATE", `{"guild_id":"g1","role":{"id":"5"}}`), []string{"2"}},
		{"message ignored", raw("MESSAGE_CREATE", `{"guild_id":"g1","role":{"id":"6","tags":{"bot_id":"`+botID+`"}}}`), []string{"2"}},
		{"role deleted", raw("GUILD_ROLE_DELETE", `{"guild_id":"g1","role_id":"2"}`), nil},
		{"guild again", raw("GUILD_CREATE", `{"id":"g1","roles":[{"id":"2","tags":{"bot_id":"`+botID+`"}}]}`), []string{"2"}},
		{"guild left", raw("GUILD_DELETE", `{"id":"g1"}`), nil},
	}
	for _, s := range steps {
		b.event(s.e, botID)
		if diff := cmp.Diff(s.want, b.in("g1")); diff != "" {
			t.Errorf("after %s: roles (-want +got):\n%s", s.name, diff)
		}
	}
}

// newTest is an adapter for pure checks; New does no I/O.
func newTest(t *testing.T) *Adapter {
	t.Helper()
	a, err := New(Config{Token: secret.New("test-token"), APIURL: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestCommandText(t *testing.T) {
	a := newTest(t)
	a.specs["models"] = adapters.CommandSpec{Name: "models", Args: []adapters.ArgSpec{{Name: "provider"}, {Name: "filter"}}}
	opt := func(name, v string) *discordgo.ApplicationCommandInteractionDataOption {
		return &discordgo.ApplicationCommandInteractionDataOption{Name: name, Type: discordgo.ApplicationCommandOptionString, Value: v}
	}
	tests := []struct {
		name string
		data discordgo.ApplicationCommandInteractionData
		want string
	}{
		{"bare", discordgo.ApplicationCommandInteractionData{Name: "new"}, "/new"},
		{"value as typed, several words", discordgo.ApplicationCommandInteractionData{Name: "model", Options: []*discordgo.ApplicationCommandInteractionDataOption{opt("model", "list anthropic")}}, "/model list anthropic"},
		{"profile", discordgo.ApplicationCommandInteractionData{Name: "model", Options: []*discordgo.ApplicationCommandInteractionDataOption{opt("model", " sonnet@anthropic:work ")}}, "/model sonnet@anthropic:work"},
		{"spec order", discordgo.ApplicationCommandInteractionData{Name: "models", Options: []*discordgo.ApplicationCommandInteractionDataOption{opt("filter", "x"), opt("provider", "openai")}}, "/models openai x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := a.commandText(tt.data); got != tt.want {
				t.Errorf("commandText = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAutocompleteAnswer(t *testing.T) {
	var sugg []adapters.Suggestion
	for i := range 40 {
		sugg = append(sugg, adapters.Suggestion{Value: strings.Repeat("v", 120) + string(rune('a'+i%26)), Label: ""})
	}
	ans := autocompleteAnswer(sugg)
	if len(ans.Data.Choices) != adapters.MaxSuggestions {
		t.Fatalf("%d choices, want %d", len(ans.Data.Choices), adapters.MaxSuggestions)
	}
	for _, c := range ans.Data.Choices {
		if n := len([]rune(c.Value)); n > maxChoice || n == 0 {
			t.Errorf("value of %d characters", n)
		}
		if n := len([]rune(c.Name)); n > maxChoice || n == 0 {
			t.Errorf("name of %d characters", n)
		}
	}
	// None: the list is present and empty, as Discord wants it.
	b, err := json.Marshal(autocompleteAnswer(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"type":8,"data":{"choices":[]}}`; got != want {
		t.Errorf("empty answer = %s, want %s", got, want)
	}
}

func TestAppCommands(t *testing.T) {
	specs := []adapters.CommandSpec{
		{Name: "model", Description: "Show or set the model", Args: []adapters.ArgSpec{
			{Name: "model", Type: adapters.ArgString, Description: "list, status, default or <model>[@profile]", Autocomplete: true, Words: 2},
		}},
		{Name: "new", Description: strings.Repeat("d", 150)},
	}
	got := appCommands(specs)
	want := []*discordgo.ApplicationCommand{
		{Type: discordgo.ChatApplicationCommand, Name: "model", Description: "Show or set the model", Options: []*discordgo.ApplicationCommandOption{
			{Type: discordgo.ApplicationCommandOptionString, Name: "model", Description: "list, status, default or <model>[@profile]", Autocomplete: true},
		}},
		{Type: discordgo.ChatApplicationCommand, Name: "new", Description: strings.Repeat("d", 99) + "…"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("appCommands (-want +got):\n%s", diff)
	}
}

func TestPickerMenus(t *testing.T) {
	a := newTest(t)
	var choices []adapters.Choice
	for i := range 60 {
		choices = append(choices, adapters.Choice{
			Label:   strings.Repeat("label ", 30),
			Command: "/model anthropic/claude-sonnet-4-5@anthropic:" + strings.Repeat("w", 120) + string(rune('a'+i%26)),
		})
	}
	p := &picker{channel: "c1", chat: "c1", opener: "u1"}
	rows := a.menus(p, choices)
	if len(rows) != 3 {
		t.Fatalf("%d menus for 60 choices, want 3", len(rows))
	}
	var ids []string
	total := 0
	for _, row := range rows {
		menu := row.(discordgo.ActionsRow).Components[0].(discordgo.SelectMenu)
		if len(menu.CustomID) > 100 {
			t.Errorf("custom id of %d characters", len(menu.CustomID))
		}
		if len(menu.Options) > maxOptions {
			t.Errorf("menu of %d options", len(menu.Options))
		}
		for _, o := range menu.Options {
			if len([]rune(o.Label)) > maxChoice || len(o.Value) > maxChoice {
				t.Errorf("option over the limits: %q %q", o.Label, o.Value)
			}
		}
		total += len(menu.Options)
		ids = append(ids, menu.CustomID)
	}
	if total != 60 {
		t.Errorf("%d options in all, want 60", total)
	}
	// The last option of the third menu is choice 59; a stranger cannot
	// use it, the opener can, once.
	menu := rows[2].(discordgo.ActionsRow).Components[0].(discordgo.SelectMenu)
	value := menu.Options[len(menu.Options)-1].Value
	if _, _, ok, mine := a.pickers.take(ids[2], []string{value}, "u2"); !ok || mine {
		t.Errorf("a stranger's choice: ok %v, mine %v; want true, false", ok, mine)
	}
	got, n, ok, mine := a.pickers.take(ids[2], []string{value}, "u1")
	if !ok || !mine || n != 59 || got.commands[n] != choices[59].Command {
		t.Errorf("the opener's choice: entry %d, ok %v, mine %v", n, ok, mine)
	}
	if _, _, ok, _ := a.pickers.take(ids[0], []string{"0"}, "u1"); ok {
		t.Error("a picker used once was taken again")
	}
	if _, _, ok, _ := a.pickers.take("garbage", []string{"0"}, "u1"); ok {
		t.Error("a custom id of no picker was taken")
	}
}

func TestNoMentions(t *testing.T) {
	b, err := json.Marshal(&discordgo.MessageSend{Content: "@everyone hi", AllowedMentions: noMentions()})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"allowed_mentions":{"parse":[],"replied_user":false}`) {
		t.Errorf("allowed_mentions not empty: %s", b)
	}
}

func TestChatRefDM(t *testing.T) {
	a := newTest(t)
	if got := a.chatRefCached("", "c9", "u1"); got != "dm:u1" {
		t.Errorf("DM chat = %q, want dm:u1", got)
	}
	a.channels.put("t7", "c5")
	if got := a.chatRefCached("g1", "t7", "u1"); got != "c5:thread:t7" {
		t.Errorf("thread chat = %q, want c5:thread:t7", got)
	}
	if got := a.chatRefCached("g1", "c5", "u1"); got != "c5" {
		t.Errorf("channel chat = %q, want c5", got)
	}
}

func TestNewChecks(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no token", Config{}},
		{"token with spaces", Config{Token: secret.New("a b")}},
		{"bad API URL", Config{Token: secret.New("t"), APIURL: "ftp://x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.cfg); err == nil {
				t.Error("New accepted it")
			}
		})
	}
}
