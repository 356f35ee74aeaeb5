package discord

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/botgateway/bot/adapters"
)

// The checks bot doctor runs against Discord. Each makes its requests
// once, without retrying: doctor reports what it finds.

// ErrCommandsOutdated is in the chain of CheckCommands' error when the
// application commands Discord holds are not the ones bot generates
// (missing, changed, or others in their place).
var ErrCommandsOutdated = errors.New("the slash commands Discord holds are not bot's")

// CheckToken asks Discord who the bot is (GET /users/@me), once. A token
// Discord rejects is an error wrapping ErrTokenRejected that names where
// the token came from; any other failure is returned wrapped.
func (a *Adapter) CheckToken(ctx context.Context) (username string, err error) {
	me, err := a.self(ctx)
	if err != nil {
		return "", err
	}
	return me.Username, nil
}

// CheckCommands reads the application commands registered globally and
// in each of Config.Guilds and compares them with the ones SetCommands
// registers from specs (names, descriptions and options). Every place is
// read; the error joins one line per place that differs (wrapping
// ErrCommandsOutdated) or refuses (403 / 50001 Missing Access: wrapping
// ErrCommandsScope, with the invite URL that adds the scope).
// SetCommands repairs both once the scope is granted.
func (a *Adapter) CheckCommands(ctx context.Context, specs []adapters.CommandSpec) error {
	me, err := a.self(ctx)
	if err != nil {
		return err
	}
	want := appCommands(specs)
	var errs []error
	for _, g := range append([]string{""}, a.cfg.Guilds...) {
		where := "globally"
		if g != "" {
			where = "in guild " + g
		}
		got, err := a.s.ApplicationCommands(me.ID, g, discordgo.WithContext(ctx))
		if err != nil {
			re, ok := errors.AsType[*discordgo.RESTError](err)
			if ok && re.Response != nil && (re.Response.StatusCode == http.StatusForbidden || apiCode(err) == discordgo.ErrCodeMissingAccess) {
				errs = append(errs, fmt.Errorf("discord: reading the commands %s was refused (Missing Access): %w; invite the bot again with https://discord.com/oauth2/authorize?client_id=%s&scope=bot+applications.commands",
					where, ErrCommandsScope, me.ID))
				continue
			}
			errs = append(errs, a.wrap("reading the commands "+where, err))
			continue
		}
		if diff := commandsDiff(want, got); diff != "" {
			errs = append(errs, fmt.Errorf("discord: %w %s: %s", ErrCommandsOutdated, where, diff))
		}
	}
	return errors.Join(errs...)
}

// commandsDiff says how got differs from want ("" when it does not):
// the commands missing, changed and not ours, by name.
func commandsDiff(want, got []*discordgo.ApplicationCommand) string {
	byName := map[string]*discordgo.ApplicationCommand{}
	for _, c := range got {
		byName[c.Name] = c
	}
	var missing, changed, extra []string
	for _, w := range want {
		g, ok := byName[w.Name]
		delete(byName, w.Name)
		switch {
		case !ok:
			missing = append(missing, "/"+w.Name)
		case !sameCommand(w, g):
			changed = append(changed, "/"+w.Name)
		}
	}
	for name := range byName {
		extra = append(extra, "/"+name)
	}
	slices.Sort(extra)
	var parts []string
	for _, p := range []struct {
		what  string
		names []string
	}{{"missing", missing}, {"changed", changed}, {"not bot's", extra}} {
		if len(p.names) > 0 {
			parts = append(parts, p.what+" "+strings.Join(p.names, ", "))
		}
	}
	return strings.Join(parts, "; ")
}

// sameCommand reports whether g, as Discord holds it, is w.
func sameCommand(w, g *discordgo.ApplicationCommand) bool {
	if w.Description != g.Description || len(w.Options) != len(g.Options) {
		return false
	}
	for i, wo := range w.Options {
		gopt := g.Options[i]
		if wo.Name != gopt.Name || wo.Type != gopt.Type || wo.Description != gopt.Description ||
			wo.Required != gopt.Required || wo.Autocomplete != gopt.Autocomplete {
			return false
		}
	}
	return true
}
