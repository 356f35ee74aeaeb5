package discord

import (
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/botgateway/bot/adapters"
)

// TestCommandsDiff checks how doctor compares the commands Discord holds
// with the generated ones.
func TestCommandsDiff(t *testing.T) {
	specs := []adapters.CommandSpec{
		{Name: "model", Description: "Show or set the model", Args: []adapters.ArgSpec{{Name: "model", Description: "a model", Autocomplete: true}}},
		{Name: "new", Description: "New conversation"},
	}
	want := appCommands(specs)
	changed := appCommands(specs)
	changed[0].Options[0].Autocomplete = false
	tests := []struct {
		name string
		got  []*discordgo.ApplicationCommand
		diff string
	}{
		{"same", appCommands(specs), ""},
		{"none", nil, "missing /model, /new"},
		{"changed option", changed, "changed /model"},
		{"extra", append(appCommands(specs), &discordgo.ApplicationCommand{Name: "ping", Description: "x"}), "not bot's /ping"},
		{"all", []*discordgo.ApplicationCommand{changed[0], {Name: "zz"}, {Name: "aa"}}, "missing /new; changed /model; not bot's /aa, /zz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := commandsDiff(want, tt.got); got != tt.diff {
				t.Errorf("commandsDiff = %q, want %q", got, tt.diff)
			}
		})
	}
}
