package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/botgateway/bot/config"
	"github.com/botgateway/bot/openclaw"
)

// ImportCmd groups the importers of other tools' setups.
type ImportCmd struct {
	OpenClaw ImportOpenClawCmd `cmd:"" name:"openclaw" help:"Bring an OpenClaw setup across: credentials, auth order, default model and aliases, allowFrom, channel tokens."`
}

// Help is "bot import"'s detailed help.
func (ImportCmd) Help() string {
	return `Examples:

	# See what would be brought across from ~/.openclaw, then do it
	bot import openclaw --dry-run
	bot import openclaw
`
}

// ImportOpenClawCmd is "bot import openclaw".
type ImportOpenClawCmd struct {
	Dir    string `name:"dir" help:"OpenClaw's state directory (default: ~/.openclaw, else ~/.clawdbot or ~/.moltbot)." placeholder:"DIR"`
	DryRun bool   `name:"dry-run" help:"Print what would be taken and skipped, and write nothing."`
}

// Help is "bot import openclaw"'s detailed help.
func (ImportOpenClawCmd) Help() string {
	return `Each agent's auth-profiles.json profiles and order go into bot's store of the
same agent; auth.profiles and auth.order, the default model and aliases
(agents.defaults) and channels' allowFrom into bot.json; the Telegram and
Discord tokens and the provider keys of OpenClaw's config and .env into
~/.bot/.env. Nothing bot already has is replaced. A directory that is
partial, newer or corrupt is reported and nothing is imported. Running it
again imports nothing twice.

Examples:

	# Show the plan, write nothing
	bot import openclaw --dry-run

	# Import from another directory
	bot import openclaw --dir /srv/openclaw/.openclaw
`
}

// Run reads and validates the OpenClaw directory, then imports it (or, with
// --dry-run, prints the plan).
func (c *ImportOpenClawCmd) Run(ctx context.Context, app *App) error {
	paths, err := app.Paths()
	if err != nil {
		return err
	}
	dir := c.openclawDir(paths)
	setup, err := openclaw.Read(dir, paths.Home)
	if oe, ok := errors.AsType[*openclaw.Error](err); ok {
		fmt.Fprintf(app.Stderr, "Cannot import %s:\n", paths.Display(dir))
		for _, p := range oe.Problems {
			fmt.Fprintf(app.Stderr, "  %s: %s (%s); %s\n", paths.Display(p.Path), paths.DisplayText(p.Msg), p.Kind, paths.DisplayText(p.Fix))
		}
		return exitError{1}
	}
	if err != nil {
		return err
	}
	from := paths.Display(setup.Dir)
	if setup.Version != "" {
		from += " (OpenClaw " + setup.Version + ")"
	}
	items, err := openclaw.Import(ctx, setup, paths, c.DryRun)
	if err != nil && len(items) == 0 {
		return err // bot's own files stopped it before anything was written
	}
	if c.DryRun {
		fmt.Fprintf(app.Stdout, "Dry run: would import %s into %s; nothing is written.\n", from, paths.Display(paths.StateDir))
	} else {
		fmt.Fprintf(app.Stdout, "Importing %s into %s.\n", from, paths.Display(paths.StateDir))
	}
	taken := printItems(app, paths, items)
	if err != nil {
		if !c.DryRun && taken > 0 {
			fmt.Fprintln(app.Stderr, "The import stopped midway; what is listed as taken was written. Fix the problem below and run it again: nothing is imported twice.")
		}
		return err
	}
	switch {
	case c.DryRun:
		fmt.Fprintf(app.Stdout, "Dry run: %d to take; run without --dry-run to import.\n", taken)
	case taken == 0:
		fmt.Fprintln(app.Stdout, "Nothing new to import.")
	default:
		fmt.Fprintf(app.Stdout, "Imported %d items. Check them with: bot models status\n", taken)
	}
	return nil
}

// printItems prints the taken items, then the skipped ones, and returns how
// many were taken.
func printItems(app *App, paths config.Paths, items []openclaw.Item) int {
	taken := 0
	for _, it := range items {
		if it.Taken {
			taken++
			fmt.Fprintf(app.Stdout, "  took     %s %s\n", paths.DisplayText(it.What), paths.DisplayText(it.Why))
		}
	}
	for _, it := range items {
		if !it.Taken {
			fmt.Fprintf(app.Stdout, "  skipped  %s: %s\n", paths.DisplayText(it.What), paths.DisplayText(it.Why))
		}
	}
	return taken
}

// openclawDir is --dir, else the first of ~/.openclaw, ~/.clawdbot and
// ~/.moltbot that exists (~/.openclaw when none does).
func (c *ImportOpenClawCmd) openclawDir(paths config.Paths) string {
	if c.Dir != "" {
		if rest, ok := cutHome(c.Dir); ok {
			return filepath.Join(paths.Home, rest)
		}
		return filepath.Clean(c.Dir)
	}
	for _, name := range openclaw.DirNames {
		d := filepath.Join(paths.Home, name)
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			return d
		}
	}
	return filepath.Join(paths.Home, openclaw.DirNames[0])
}

// cutHome cuts a leading "~/" (a quoted --dir reaches bot unexpanded).
func cutHome(p string) (string, bool) {
	if p == "~" {
		return "", true
	}
	if len(p) > 2 && p[:2] == "~/" {
		return p[2:], true
	}
	return "", false
}
