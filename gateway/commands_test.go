package gateway_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/gateway"
	"github.com/botgateway/bot/gateway/gatewaytest"
)

// menu is an adapter with a native command menu (adapters.CommandMenu).
// Its Run asks the inbox for completions as a Discord adapter answering
// autocomplete would, for an allowed user, a stranger and a bot; all of it
// happens on the gateway's goroutine for the adapter, in order.
type menu struct {
	failSet error // SetCommands' answer

	set         []adapters.CommandSpec // what SetCommands got
	setBeforeRn bool                   // SetCommands had been called when Run began
	completer   bool                   // the inbox is an adapters.Completer
	answers     map[string][]string    // sender id → suggested values
}

func (m *menu) Name() string { return "discord" }

func (m *menu) SetCommands(_ context.Context, cmds []adapters.CommandSpec) error {
	m.set = cmds
	return m.failSet
}

func (m *menu) Run(ctx context.Context, in adapters.Inbox) error {
	m.setBeforeRn = m.set != nil
	c, ok := in.(adapters.Completer)
	m.completer = ok
	if !ok {
		return nil
	}
	m.answers = map[string][]string{}
	for _, s := range []adapters.Sender{{ID: "42"}, {ID: "666"}, {ID: "42", IsBot: true}} {
		key := s.ID
		if s.IsBot {
			key = "bot " + s.ID
		}
		var values []string
		for _, sg := range c.Complete(ctx, adapters.Completion{Channel: "discord", Chat: "dm:" + adapters.ChatRef(s.ID), Sender: s,
			Command: "model", Arg: "model", Text: "sonnet@"}) {
			values = append(values, sg.Value)
		}
		m.answers[key] = values
	}
	return nil
}

var _ adapters.CommandMenu = (*menu)(nil)

// wantSpecs are the specs generated from the command table: what Discord
// registers (/model with one optional, autocompleted string option
// "model", /models with "provider", /new, /help) and Telegram's menu.
var wantSpecs = []adapters.CommandSpec{
	{Name: "model", Description: "Show or set the model and the credential of this chat", Args: []adapters.ArgSpec{{
		Name: "model", Type: adapters.ArgString, Autocomplete: true, Words: 2,
		Description: "list, status, default, <model>[@profile] or @<profile>; empty shows the current one",
	}}},
	{Name: "models", Description: "List model providers, or a provider's models", Args: []adapters.ArgSpec{{
		Name: "provider", Type: adapters.ArgString, Autocomplete: true, Words: 1,
		Description: "A provider whose models to list; empty lists the providers",
	}}},
	{Name: "new", Description: "Start a new conversation (keeps your credential pin)"},
	{Name: "help", Description: "List the commands"},
}

// TestCommandMenuAndCompletion runs a gateway over the whole stack with an
// adapter that has a command menu: SetCommands gets the generated specs
// before Run, also when the platform refuses them (the channel runs
// anyway), and the inbox Run gets completes for an allowed sender and
// for nobody else.
func TestCommandMenuAndCompletion(t *testing.T) {
	for _, tt := range []struct {
		name    string
		failSet error
	}{
		{name: "menu set"},
		{name: "menu refused", failSet: errors.New("discord: 500")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := gatewaytest.New(t, gatewaytest.Options{Files: map[string]string{
				".bot/agents/main/agent/auth-profiles.json": `{"version":1,"profiles":{
  "anthropic:work":{"type":"api_key","provider":"anthropic","key":"sk-ant-api03-work-0123456789work"},
  "openai:main":{"type":"api_key","provider":"openai","key":"sk-proj-main-0123456789main0123"}}}`,
			}})
			m := &menu{failSet: tt.failSet}
			g, err := gateway.New(gateway.Config{
				Adapters:  []adapters.Adapter{m},
				Engine:    h.Stack.Engine,
				Agent:     "main",
				AllowFrom: map[string][]string{"discord": {"42"}},
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := g.Run(t.Context()); err != nil {
				t.Fatalf("Run: %v", err)
			}
			if diff := cmp.Diff(wantSpecs, m.set); diff != "" {
				t.Errorf("SetCommands got (-want +got):\n%s", diff)
			}
			if !m.setBeforeRn {
				t.Error("SetCommands was not called before Run")
			}
			if !m.completer {
				t.Fatal("the inbox given to Run is not an adapters.Completer")
			}
			want := map[string][]string{"42": {"sonnet@anthropic:work"}, "666": nil, "bot 42": nil}
			if diff := cmp.Diff(want, m.answers); diff != "" {
				t.Errorf("completions by sender (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCommandSpecsFollowTheTable checks that the specs are the command
// table's, in its order: nothing is written twice by hand.
func TestCommandSpecsFollowTheTable(t *testing.T) {
	h := gatewaytest.New(t, gatewaytest.Options{})
	specs := h.Gateway.CommandSpecs()
	table := h.Stack.Engine.Registry().Specs()
	if len(specs) != len(table) {
		t.Fatalf("%d specs for %d commands", len(specs), len(table))
	}
	for i, s := range table {
		if specs[i].Name != s.Name || specs[i].Description != s.Summary || len(specs[i].Args) != len(s.Args) {
			t.Errorf("spec %d = %+v, want the table's /%s", i, specs[i], s.Name)
		}
	}
	// bot doctor compares the platforms' menus with MenuSpecs: the same.
	if diff := cmp.Diff(specs, gateway.MenuSpecs()); diff != "" {
		t.Errorf("MenuSpecs differs from a gateway's CommandSpecs (-gateway +MenuSpecs):\n%s", diff)
	}
}
