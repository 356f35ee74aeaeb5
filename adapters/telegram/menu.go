package telegram

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/botgateway/bot/adapters"
)

// Telegram's limits on the command menu.
const (
	maxMenuCommands = 100
	minMenuDesc     = 3
	maxMenuDesc     = 256
)

// menuName is what Telegram accepts as a command's name.
var menuName = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)

// menu turns specs into Telegram's commands, within its limits: a name
// it would refuse is an error; a description is cut to 256 characters
// and, when shorter than 3, padded with the command's name.
func menu(specs []adapters.CommandSpec) ([]models.BotCommand, error) {
	if len(specs) > maxMenuCommands {
		return nil, fmt.Errorf("%d commands, Telegram takes at most %d", len(specs), maxMenuCommands)
	}
	cmds := make([]models.BotCommand, 0, len(specs))
	for _, s := range specs {
		if !menuName.MatchString(s.Name) {
			return nil, fmt.Errorf("command name %q: Telegram takes 1-32 of a-z, 0-9 and _", s.Name)
		}
		desc := strings.Join(strings.Fields(s.Description), " ")
		if utf8.RuneCountInString(desc) < minMenuDesc {
			desc = strings.TrimSpace("/" + s.Name + " " + desc)
		}
		if utf8.RuneCountInString(desc) > maxMenuDesc {
			desc = string([]rune(desc)[:maxMenuDesc-1]) + "…"
		}
		cmds = append(cmds, models.BotCommand{Command: s.Name, Description: desc})
	}
	return cmds, nil
}

// SetCommands implements adapters.CommandMenu: setMyCommands with the
// specs (never deleteMyCommands first: a failed set would leave the menu
// empty), then getMyCommands to check that Telegram holds them.
func (a *Adapter) SetCommands(ctx context.Context, specs []adapters.CommandSpec) error {
	cmds, err := menu(specs)
	if err != nil {
		return fmt.Errorf("telegram: command menu: %w", err)
	}
	err = a.retry(ctx, "setMyCommands", func() error {
		_, err := a.bot.SetMyCommands(ctx, &tg.SetMyCommandsParams{Commands: cmds})
		return err
	})
	if err != nil {
		return a.wrap("setMyCommands", err)
	}
	var got []models.BotCommand
	err = a.retry(ctx, "getMyCommands", func() error {
		var err error
		got, err = a.bot.GetMyCommands(ctx, &tg.GetMyCommandsParams{})
		return err
	})
	if err != nil {
		return a.wrap("getMyCommands", err)
	}
	if !slices.Equal(got, cmds) {
		return fmt.Errorf("telegram: command menu: Telegram holds %d commands after setMyCommands, not the %d set", len(got), len(cmds))
	}
	return nil
}
