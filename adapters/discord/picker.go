package discord

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/adapters/internal/pickstore"
)

// Discord's limits on select menus: options per menu, and action rows
// (one menu each) per message.
const (
	maxOptions = 25
	maxMenus   = 5
)

// picker is one set of select menus sent: where it is, who may use it and
// the commands its options run.
type picker struct {
	channel   string
	chat      adapters.ChatRef
	direct    bool
	ephemeral bool // on an ephemeral reply: the replies to a choice are too
	opener    string
	commands  []string
}

func (p *picker) OpenedBy() string { return p.opener }
func (p *picker) Entries() int     { return len(p.commands) }

// pickers maps the custom ids of select menus ("p<picker>.<menu>", with
// option values "<entry>", base 36) to their pickers (pickstore): a custom
// id holds at most 100 characters and an option's value 100, less than a
// command may need.
type pickers struct{ *pickstore.Store[*picker] }

func newPickers(max int) *pickers { return &pickers{pickstore.New[*picker](max)} }

// add remembers p and returns its id.
func (ps *pickers) add(p *picker) uint64 { return ps.Add(p) }

// take returns the picker of customID and the entry chosen (values holds
// one option value) by by (pickstore.Store.Take).
func (ps *pickers) take(customID string, values []string, by string) (p *picker, entry int, ok, mine bool) {
	id, valid := parseMenuID(customID)
	if !valid || len(values) != 1 {
		return nil, 0, false, false
	}
	n, err := strconv.ParseUint(values[0], 36, 31)
	if err != nil {
		return nil, 0, false, false
	}
	p, ok, mine = ps.Take(id, int(n), by)
	if !ok {
		return nil, 0, false, false
	}
	return p, int(n), true, mine
}

// menuID is the custom id of menu m of picker id.
func menuID(id uint64, m int) string {
	return "p" + strconv.FormatUint(id, 36) + "." + strconv.Itoa(m)
}

// parseMenuID returns the picker id of a menu's custom id.
func parseMenuID(s string) (uint64, bool) {
	rest, found := strings.CutPrefix(s, "p")
	if !found {
		return 0, false
	}
	a, _, found := strings.Cut(rest, ".")
	if !found {
		return 0, false
	}
	id, err := strconv.ParseUint(a, 36, 64)
	return id, err == nil
}

// menus remembers a picker of choices and returns its select menus, 25
// options each, at most 5 (125 choices; more are left out, with a Warn:
// the reply's text lists them).
func (a *Adapter) menus(p *picker, choices []adapters.Choice) []discordgo.MessageComponent {
	if len(choices) > maxOptions*maxMenus {
		a.log.Warn("discord picker cut to Discord's limit of select options", "choices", len(choices), "shown", maxOptions*maxMenus)
		choices = choices[:maxOptions*maxMenus]
	}
	p.commands = make([]string, len(choices))
	for i, c := range choices {
		p.commands[i] = c.Command
	}
	id := a.pickers.add(p)
	var rows []discordgo.MessageComponent
	for m := 0; m*maxOptions < len(choices); m++ {
		page := choices[m*maxOptions : min((m+1)*maxOptions, len(choices))]
		opts := make([]discordgo.SelectMenuOption, len(page))
		for j, c := range page {
			label := cut(c.Label, maxChoice)
			if label == "" {
				label = cut(c.Command, maxChoice)
			}
			opts[j] = discordgo.SelectMenuOption{Label: label, Value: strconv.FormatUint(uint64(m*maxOptions+j), 36)}
		}
		placeholder := "Choose…"
		if len(choices) > maxOptions {
			placeholder = fmt.Sprintf("Choose… (%d–%d of %d)", m*maxOptions+1, m*maxOptions+len(page), len(choices))
		}
		one := 1
		rows = append(rows, discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.SelectMenu{MenuType: discordgo.StringSelectMenu, CustomID: menuID(id, m), Placeholder: placeholder, MinValues: &one, MaxValues: 1, Options: opts},
		}})
	}
	return rows
}
