package commands

import (
	"context"
	"fmt"
	"strings"
)

// builtins returns the chat commands of DESIGN §5.
func builtins() []Command {
	return []Command{
		{
			Name:    "model",
			Usage:   modelUsage,
			Summary: "Show or set the model and the credential of this chat",
			Args: []Arg{{
				Name:        "model",
				Type:        ArgString,
				Description: "list, status, default, <model>[@profile] or @<profile>; empty shows the current one",
				Complete:    true,
				// "list <provider|model>"; runModel refuses a second
				// word after anything else.
				Words: 2,
			}},
			Run: runModel,
		},
		{
			Name:    "models",
			Usage:   "/models [provider]",
			Summary: "List model providers, or a provider's models",
			Args: []Arg{{
				Name:        "provider",
				Type:        ArgString,
				Description: "A provider whose models to list; empty lists the providers",
				Complete:    true,
			}},
			Run: runModels,
		},
		{
			Name:    "new",
			Aliases: []string{"reset"},
			Usage:   "/new",
			Summary: "Start a new conversation (keeps your credential pin)",
			Run:     runNew,
		},
		{
			Name:    "help",
			Usage:   "/help",
			Summary: "List the commands",
			Open:    true,
			Run:     runHelp,
		},
		{
			Name:    "start",
			Usage:   "/start",
			Summary: "Say hello, with your user id",
			Open:    true,
			Hidden:  true,
			Run:     runStart,
		},
	}
}

// runStart answers /start, the first message Telegram sends for a user who
// opens the bot: a greeting, the sender's own user id — what the owner
// puts in allowFrom — and the commands, or, for a sender not allowed yet,
// what to do about it.
func runStart(ctx context.Context, e *Engine, r *Request) (Reply, error) {
	id := fmt.Sprintf("Your %s user id is %s.", r.Caller.Channel, r.Caller.SenderID)
	if !r.Caller.Allowed {
		return text(fmt.Sprintf("Hello! This bot answers the people its owner allows. %s Send it to the owner, who adds it to channels.%s.allowFrom in %s on the gateway host.",
			id, r.Caller.Channel, e.cfg.Paths.Display(e.cfg.Paths.ConfigPath))), nil
	}
	help, err := runHelp(ctx, e, r)
	if err != nil {
		return Reply{}, err
	}
	return text("Hello! Write to me and a model answers; commands start with /. " + id + "\n\n" + help.Text), nil
}

// runHelp lists the commands, one line each.
func runHelp(ctx context.Context, e *Engine, r *Request) (Reply, error) {
	var b strings.Builder
	b.WriteString("Commands:\n")
	for _, s := range e.registry.Specs() {
		fmt.Fprintf(&b, "%s — %s", s.Usage, s.Summary)
		for _, a := range s.Aliases {
			fmt.Fprintf(&b, " (also /%s)", a)
		}
		b.WriteByte('\n')
	}
	return text(strings.TrimRight(b.String(), "\n")), nil
}

// runNew starts a new conversation: history and an automatic pin cleared,
// the user's pin and model kept.
func runNew(ctx context.Context, e *Engine, r *Request) (Reply, error) {
	if err := e.cfg.Sessions.NewConversation(ctx, r.Agent, r.Session); err != nil {
		return Reply{}, err
	}
	msg := "New conversation started."
	if s, ok, err := e.cfg.Sessions.Get(ctx, r.Agent, r.Session); err == nil && ok && s.Profile != "" && s.PinSource == "user" {
		msg += fmt.Sprintf(" Your auth profile %s stays pinned (/model default to unpin).", s.Profile)
	}
	return text(msg), nil
}

// runModels lists providers, or one provider's models.
func runModels(ctx context.Context, e *Engine, r *Request) (Reply, error) {
	if len(r.Cmd.Args) == 0 {
		return text(e.cfg.Catalog.ProvidersText()), nil
	}
	list, err := e.cfg.Catalog.ModelsText(r.Cmd.Args[0].Value)
	if err != nil {
		return Reply{}, atColumn(r.Cmd.Args[0].Pos.Col, err.Error())
	}
	return text(list), nil
}
