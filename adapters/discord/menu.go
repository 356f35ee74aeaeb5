package discord

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/botgateway/bot/adapters"
)

// ErrCommandsScope is in the chain of SetCommands' error when a guild
// refuses the commands because the bot was invited without the
// applications.commands scope.
var ErrCommandsScope = errors.New("the bot lacks the applications.commands scope")

// Discord's limits on application commands.
const (
	maxCommands    = 100
	maxArgs        = 25
	maxDescription = 100
)

// SetCommands implements adapters.CommandMenu: one bulk overwrite of the
// global commands and one of each guild's in Config.Guilds (guild commands
// appear at once, global ones may take a while). Every registration is
// tried; the error joins the failures, a guild that refuses for want of
// the applications.commands scope saying so.
func (a *Adapter) SetCommands(ctx context.Context, specs []adapters.CommandSpec) error {
	me, err := a.self(ctx)
	if err != nil {
		return err
	}
	cmds := appCommands(specs)
	a.specMu.Lock()
	clear(a.specs)
	for _, s := range specs {
		a.specs[s.Name] = s
	}
	a.specMu.Unlock()
	var errs []error
	if _, err := a.s.ApplicationCommandBulkOverwrite(me.ID, "", cmds, discordgo.WithContext(ctx)); err != nil {
		errs = append(errs, a.registerError(me.ID, "", err))
	}
	for _, g := range a.cfg.Guilds {
		if _, err := a.s.ApplicationCommandBulkOverwrite(me.ID, g, cmds, discordgo.WithContext(ctx)); err != nil {
			errs = append(errs, a.registerError(me.ID, g, err))
		}
	}
	return errors.Join(errs...)
}

// registerError explains a refused registration (guild "" is global).
func (a *Adapter) registerError(appID, guild string, err error) error {
	where := "globally"
	if guild != "" {
		where = "in guild " + guild
	}
	re, ok := errors.AsType[*discordgo.RESTError](err)
	if ok && re.Response != nil && (re.Response.StatusCode == http.StatusForbidden || apiCode(err) == discordgo.ErrCodeMissingAccess) {
		return fmt.Errorf("discord: registering the commands %s was refused (Missing Access): %w; invite the bot again with https://discord.com/oauth2/authorize?client_id=%s&scope=bot+applications.commands",
			where, ErrCommandsScope, appID)
	}
	return a.wrap("registering the commands "+where, err)
}

// appCommands turns the specs into chat input commands within Discord's
// limits: one string option per argument (an argument of several words is
// still one option, its value taken as typed).
func appCommands(specs []adapters.CommandSpec) []*discordgo.ApplicationCommand {
	out := []*discordgo.ApplicationCommand{}
	for _, s := range specs {
		if len(out) == maxCommands {
			break
		}
		c := &discordgo.ApplicationCommand{
			Type:        discordgo.ChatApplicationCommand,
			Name:        strings.ToLower(s.Name),
			Description: describe(s.Description, s.Name),
		}
		for _, arg := range s.Args {
			if len(c.Options) == maxArgs {
				break
			}
			c.Options = append(c.Options, &discordgo.ApplicationCommandOption{
				Type:         discordgo.ApplicationCommandOptionString,
				Name:         strings.ToLower(arg.Name),
				Description:  describe(arg.Description, arg.Name),
				Required:     arg.Required,
				Autocomplete: arg.Autocomplete,
			})
		}
		out = append(out, c)
	}
	return out
}

// describe is a description within 1–100 characters.
func describe(d, name string) string {
	if strings.TrimSpace(d) == "" {
		d = name
	}
	return cut(d, maxDescription)
}
