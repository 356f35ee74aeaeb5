package gateway

import (
	"context"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/commands"
	"github.com/botgateway/bot/internal/logkeys"
)

// CommandSpecs returns the chat commands as adapters declare them natively
// (adapters.CommandMenu), generated from the engine's command table in its
// order. Aliases are text-only: /reset works as typed but is not in the
// menus, where it would be a second /new.
func (g *Gateway) CommandSpecs() []adapters.CommandSpec {
	return commandSpecs(g.engine().Registry())
}

// MenuSpecs returns the specs CommandSpecs returns for the built-in
// commands, without a gateway: what bot doctor compares the platforms'
// menus with.
func MenuSpecs() []adapters.CommandSpec {
	return commandSpecs(commands.New(commands.Config{}).Registry())
}

// commandSpecs turns reg's commands into the adapters' specs.
func commandSpecs(reg *commands.Registry) []adapters.CommandSpec {
	specs := reg.Specs()
	out := make([]adapters.CommandSpec, len(specs))
	for i, s := range specs {
		out[i] = adapters.CommandSpec{Name: s.Name, Description: s.Summary}
		for _, a := range s.Args {
			out[i].Args = append(out[i].Args, adapters.ArgSpec{
				Name:         a.Name,
				Type:         adapters.ArgType(a.Type),
				Description:  a.Description,
				Required:     a.Required,
				Autocomplete: a.Complete,
				Words:        max(a.Words, 1),
			})
		}
	}
	return out
}

// Complete suggests values for the argument an adapter's user is typing
// (adapters.Completer; the gateway is the Inbox every adapter's Run gets).
// Whether the sender may see any is the gateway's allowFrom rule, the same
// as for commands: a stranger, or a bot, gets nothing.
func (g *Gateway) Complete(ctx context.Context, q adapters.Completion) []adapters.Suggestion {
	m := adapters.Message{Channel: q.Channel, Chat: q.Chat, Sender: q.Sender}
	if q.Sender.IsBot || !g.allowed(m) {
		return nil
	}
	cs := g.engine().Complete(ctx, commands.CompletionQuery{
		Command: q.Command,
		Arg:     q.Arg,
		Text:    q.Text,
		Agent:   g.cfg.Agent,
		Session: sessionKey(m),
		Allowed: true,
	})
	if len(cs) == 0 {
		return nil
	}
	out := make([]adapters.Suggestion, min(len(cs), adapters.MaxSuggestions))
	for i := range out {
		out[i] = adapters.Suggestion{Value: cs[i].Value, Label: cs[i].Label}
	}
	return out
}

// setCommands hands a's platform the command specs when a has a native
// menu (adapters.CommandMenu), before a runs: the gateway pushes them
// rather than each adapter pulling them from its Inbox, so every adapter
// gets the same specs at the same point and the adapters stay
// translations. Before Run, so the menu is in place when the first
// message arrives; a slow platform delays its channel's start by at most
// the send timeout. A failure is logged, and the channel runs without a
// menu: the text commands work all the same.
func (g *Gateway) setCommands(ctx context.Context, a adapters.Adapter) {
	menu, ok := a.(adapters.CommandMenu)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, g.cfg.SendTimeout)
	defer cancel()
	if err := menu.SetCommands(ctx, g.CommandSpecs()); err != nil {
		g.log.Warn("command menu not set; text commands still work", logkeys.Channel, a.Name(), logkeys.Err, err)
		return
	}
	g.log.Debug("command menu set", logkeys.Channel, a.Name())
}

var _ adapters.Completer = (*Gateway)(nil)
