package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/config"
	"github.com/botgateway/bot/internal/safefile"
	"github.com/botgateway/bot/sessions"
)

// DoctorCmd is "bot doctor": check the config, the state files, the
// credentials (syncing Claude Code's on the way) and the channels' access
// lists; with --fix, repair what can be repaired safely.
type DoctorCmd struct {
	Fix            bool `help:"Apply safe repairs (file permissions) without asking."`
	NonInteractive bool `name:"non-interactive" help:"Never prompt; only report (and apply --fix repairs)."`
}

// finding is one line of the doctor's report.
type finding struct {
	problem bool   // a problem (exit 1) rather than a note
	text    string // what is wrong, and the fix
}

// Run runs the checks in order and prints one section each.
func (c *DoctorCmd) Run(ctx context.Context, app *App) error {
	paths, err := app.Paths()
	if err != nil {
		return err
	}
	w := app.Stdout
	problems := 0
	section := func(title string, fs []finding) {
		if len(fs) == 0 {
			fmt.Fprintf(w, "%s: ok\n", title)
			return
		}
		fmt.Fprintf(w, "%s:\n", title)
		for _, f := range fs {
			mark := "note"
			if f.problem {
				mark = "problem"
				problems++
			}
			fmt.Fprintf(w, "- %s: %s\n", mark, f.text)
		}
	}

	// Files first: a config or store bot refuses to read must not stop
	// doctor from saying why, or --fix from repairing its mode.
	wd, _ := os.Getwd()
	files, flagged := checkFilePerms(paths, wd, c.Fix)
	section("Files", files)
	// unreadable is the finding for a config or store bot cannot read. When
	// Files has reported what stops it, that line (with its fix) is not
	// said again with another fix.
	unreadable := func(what string, err error) finding {
		if p := blockedAt(err); p != "" && flagged[p] {
			return finding{false, fmt.Sprintf("not checked: bot cannot read %s until the problem with %s under Files is fixed", what, paths.Display(p))}
		}
		return finding{true, explain(app, err).Error()}
	}
	summary := func() error {
		if problems > 0 {
			fmt.Fprintf(w, "\nDoctor found %d problem(s).\n", problems)
			return exitError{1}
		}
		fmt.Fprintln(w, "\nDoctor found no problems.")
		return nil
	}

	// Config: loading it runs the migrations and prints their lines.
	// Without it nothing else can be checked.
	cf, err := app.Config()
	if err != nil {
		section("Config", []finding{unreadable("the config", err)})
		return summary()
	}
	section("Config", nil)
	agent := cf.Config.DefaultAgent()
	section("Sessions", sessionsFindings(ctx, app))

	// Credentials: the same report as models status.
	if rep, err := buildStatus(ctx, app, ""); err != nil {
		section("Model auth", []finding{unreadable("the credential store", err)})
	} else {
		section("Model auth", authFindings(ctx, app, paths, agent, rep))
	}

	// Channels: who may run commands.
	env, err := app.Env(ctx)
	if err != nil {
		return err
	}
	var chans []finding
	for _, ch := range []struct {
		name, tokenVar string
		cfg            config.ChannelConfig
	}{
		{"discord", "DISCORD_BOT_TOKEN", cf.Config.Channels.Discord},
		{"telegram", "TELEGRAM_BOT_TOKEN", cf.Config.Channels.Telegram},
	} {
		_, _, hasEnv := env.Lookup(ch.tokenVar)
		enabled := (hasEnv || !ch.cfg.Token.IsZero()) && (ch.cfg.Enabled == nil || *ch.cfg.Enabled)
		if !enabled {
			continue
		}
		if len(ch.cfg.AllowFrom) == 0 {
			chans = append(chans, finding{false, fmt.Sprintf("channels.%s.allowFrom is empty: nobody on %s may change pins or spend credits. Add user ids to channels.%s.allowFrom in %s, or \"*\" for everyone.",
				ch.name, ch.name, ch.name, paths.Display(cf.Path))})
		} else if slices.Contains(ch.cfg.AllowFrom, "*") {
			chans = append(chans, finding{false, fmt.Sprintf("channels.%s.allowFrom is \"*\": everyone on %s may change pins and spend credits.", ch.name, ch.name)})
		}
	}
	section("Channels", chans)
	return summary()
}

// authFindings is the doctor's credential section: rep, the same report
// as models status, and Claude Code's sync.
func authFindings(ctx context.Context, app *App, paths config.Paths, agent string, rep *statusReport) []finding {
	var creds []finding
	if o, err := app.Store(ctx, agent); err == nil && o.Synced {
		creds = append(creds, finding{false, "synced Claude Code's credentials into " + string(auth.ClaudeCLIProfile)})
	}
	if o, err := app.Store(ctx, agent); err == nil && o.ClaudeErr != nil {
		creds = append(creds, finding{true, claudeProblem(paths, o.ClaudeErr)})
	}
	for _, p := range rep.Auth.MissingProvidersInUse {
		creds = append(creds, finding{true, fmt.Sprintf("no credential for %s, the provider of the default model. %s", p, missingHint(p))})
	}
	for _, u := range rep.Auth.Unusable {
		text := fmt.Sprintf("%s in %s: %s; %s", u.ProfileID, paths.Display(u.File), u.Problem, u.Fix)
		creds = append(creds, finding{u.Malformed && auth.KnownProvider(u.Provider), text})
	}
	reported := map[string]bool{} // profiles said to be expired or missing
	for _, pr := range rep.Auth.Profiles {
		if !auth.KnownProvider(pr.Provider) || pr.Problem != "" {
			continue // a Claude Code problem is reported above
		}
		switch pr.Status {
		case auth.StatusExpired, auth.StatusMissing:
			reported[pr.ProfileID] = true
		case auth.StatusExpiring:
		default:
			continue
		}
		text := fmt.Sprintf("%s: %s", pr.ProfileID, pr.Status)
		if pr.RemainingMs != nil && *pr.RemainingMs > 0 {
			text += " (" + auth.FormatRemaining(time.Duration(*pr.RemainingMs)*time.Millisecond) + ")"
		}
		text += " — " + reauthHint(auth.ProfileID(pr.ProfileID), pr.Provider)
		creds = append(creds, finding{pr.Status != auth.StatusExpiring, text})
	}
	for _, pr := range rep.Auth.Profiles {
		if sa := pr.SetAside; sa != nil {
			// The router's own state: it ends by itself, so a note. A
			// disabled profile (billing, a refused credential) wants a look.
			until := time.UnixMilli(sa.Until).In(app.Now().Location()).Format("2006-01-02 15:04")
			creds = append(creds, finding{false, fmt.Sprintf("%s is %s until %s (%s); the router tries it last", pr.ProfileID, setAsideWord(sa.Kind), until, sa.Reason)})
		}
	}
	for _, p := range rep.Auth.Providers {
		for _, e := range p.Excluded {
			if e.Reason == auth.ExcludedNotStored || strings.HasPrefix(e.Reason, auth.ExcludedUnusable) || reported[string(e.ProfileID)] || rep.Auth.storedElsewhere(e.ProfileID) {
				continue // reported as missing, expired or unusable above, or below
			}
			creds = append(creds, finding{false, fmt.Sprintf("%s is skipped for %s: %s", e.ProfileID, p.Provider, e.Reason)})
		}
	}
	for _, o := range rep.Auth.StoredElsewhere {
		creds = append(creds, finding{false, fmt.Sprintf("%s: %s, not used by agent %s", o.ProfileID, storedFor(o.Agent), rep.AgentID)})
	}
	return creds
}

// blockedAt is the path that stops bot reading a file, when err is a
// refusal (internal/safefile), a permission error or a config that is not
// a file bot can read; else "".
func blockedAt(err error) string {
	if se, ok := errors.AsType[*safefile.Error](err); ok {
		return se.Path
	}
	if d := safefile.Denied(err); d != nil {
		return d.At
	}
	if ce, ok := errors.AsType[*config.Error](err); ok && ce.Unreadable {
		return ce.Path // a device or a directory where the config belongs
	}
	return ""
}

// sessionsFindings checks the sessions database as the bot will use it: it
// must open and pass SQLite's quick check (PRAGMA quick_check), or the bot
// cannot run. It only reads: a missing database is fine (the first message
// creates it), an empty one is reported, never initialized. One an older
// bot wrote is a note: the next bot chat upgrades it.
func sessionsFindings(ctx context.Context, app *App) []finding {
	st, err := app.readSessions(ctx)
	if err == nil && st != nil {
		err = st.Check(ctx)
		st.Close()
	}
	if err == nil {
		return nil
	}
	line, ok := app.sessionsLine(err)
	if !ok {
		line = err.Error()
	}
	return []finding{{!errors.Is(err, sessions.ErrOlderSchema), line}}
}

// reauthHint says how to renew a profile's credential.
func reauthHint(id auth.ProfileID, provider string) string {
	if id == auth.ClaudeCLIProfile {
		return "Run `claude setup-token` on the gateway host."
	}
	return fmt.Sprintf("Paste a new token: bot models auth paste-token --provider %s --profile-id %s (or run bot onboard).", provider, id)
}

// setAsideWord turns a set-aside kind into the word doctor uses.
func setAsideWord(kind string) string {
	if kind == "disabled" {
		return "disabled"
	}
	return "cooling down"
}
