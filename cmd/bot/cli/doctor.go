package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/botgateway/bot/adapters/console"
	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/config"
	"github.com/botgateway/bot/internal/doctor"
	"github.com/botgateway/bot/internal/providers"
	"github.com/botgateway/bot/internal/safefile"
	"github.com/botgateway/bot/internal/termread"
	"github.com/botgateway/bot/models/catalog"
	"github.com/botgateway/bot/sessions"
)

// DoctorCmd is "bot doctor": a list of checks (internal/doctor), each
// reported as ok, notes or problems with their fix, in a stable order;
// with --fix the repairs doctor knows are applied (at a terminal each is
// offered instead). It exits 1 while a problem remains.
type DoctorCmd struct {
	Fix            bool `help:"Apply the repairs doctor knows (file modes, config migrations, stale pins, command menus) without asking."`
	NonInteractive bool `name:"non-interactive" help:"Never prompt: only report (and apply --fix repairs)."`
	JSON           bool `name:"json" help:"Print the checks and their findings as JSON."`
}

// doctorJSON is the output of bot doctor --json: stable field names.
type doctorJSON struct {
	Checks   []doctor.Result `json:"checks"`
	Problems int             `json:"problems"`
}

// doctorRun is the state the checks of one doctor run share: what the
// Files check flagged, and the config once the Config check read it.
type doctorRun struct {
	app     *App
	paths   config.Paths
	workDir string
	flagged map[string]bool
	cf      *config.File // set by the Config check
}

// Run runs the checks in order and prints one section each, or the JSON.
func (c *DoctorCmd) Run(ctx context.Context, app *App) error {
	paths, err := app.Paths()
	if err != nil {
		return err
	}
	wd, _ := os.Getwd()
	d := &doctorRun{app: app, paths: paths, workDir: wd, flagged: map[string]bool{}}
	opts := doctor.Options{Fix: c.Fix}
	if !c.Fix && !c.NonInteractive && !c.JSON && app.stdinIsTerminal() {
		opts.Confirm = func(ctx context.Context, f doctor.Finding) (bool, error) {
			ans, err := app.ask(ctx, console.Sanitize(f.Text)+"\nFix it now? [y/N] ")
			return strings.EqualFold(ans, "y") || strings.EqualFold(ans, "yes"), err // Ctrl-C: exit 130
		}
	}
	w := app.Stdout
	if !c.JSON {
		opts.Done = func(res doctor.Result) { printResult(w, res) }
	}
	results, problems, err := doctor.Run(ctx, d.checks(), opts)
	if err != nil && ctx.Err() != nil && !errors.Is(err, termread.ErrInterrupted) {
		// A signal ended the run: exit 130 as at the prompt, never a
		// count a script could take for a clean bill.
		fmt.Fprintln(app.Stderr, "bot doctor: interrupted; the remaining checks did not run.")
		return termread.ErrInterrupted
	}
	if err != nil {
		return err
	}
	if c.JSON {
		// JSON escapes C0 controls but writes C1 ones (CSI, U+009B) as
		// they are: platform text is sanitized here as in the text report.
		for _, res := range results {
			for i, f := range res.Findings {
				res.Findings[i].Text, res.Findings[i].Fix = console.Sanitize(f.Text), console.Sanitize(f.Fix)
			}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(doctorJSON{Checks: results, Problems: problems}); err != nil {
			return err
		}
	} else if problems > 0 {
		fmt.Fprintf(w, "\nDoctor found %d problem(s).\n", problems)
	} else {
		fmt.Fprintln(w, "\nDoctor found no problems.")
	}
	if problems > 0 {
		return exitError{1}
	}
	return nil
}

// printResult prints one check's section: "Title: ok", or the title and
// one line per finding. A skipped check prints nothing. Every line goes
// through console.Sanitize: some hold text from a platform.
func printResult(w interface{ Write([]byte) (int, error) }, res doctor.Result) {
	switch {
	case res.Status == doctor.StatusSkipped:
		return
	case len(res.Findings) == 0:
		fmt.Fprintf(w, "%s: ok\n", res.Title)
		return
	}
	fmt.Fprintf(w, "%s:\n", res.Title)
	for _, f := range res.Findings {
		fmt.Fprintf(w, "- %s: %s\n", f.Level, console.Sanitize(f.Text))
	}
}

// networkTimeout bounds each check that asks a platform.
const networkTimeout = 10 * time.Second

// checks lists doctor's checks in the order they run and print. Files
// come first: a config or store bot refuses to read must not stop doctor
// from saying why, or --fix from repairing its mode before the config is
// read. Without a readable config nothing after it can run.
func (d *doctorRun) checks() []doctor.Check {
	return []doctor.Check{
		{Name: "files", Title: "Files", Run: d.files},
		{Name: "filesystem", Title: "State dir", Run: d.filesystem},
		{Name: "config", Title: "Config", Run: d.config},
		{Name: "environment", Title: "Environment", Run: d.environment},
		{Name: "sessions", Title: "Sessions", Run: d.sessions},
		{Name: "credentials", Title: "Model auth", Run: d.credentials},
		{Name: "cooldowns", Title: "Cooldowns", Run: d.cooldowns},
		{Name: "pins", Title: "Pins", Run: d.pins},
		{Name: "models", Title: "Models", Run: d.models},
		{Name: "channels", Title: "Channels", Run: d.channels},
		{Name: "telegram", Title: "Telegram", Timeout: networkTimeout, Run: d.telegram},
		{Name: "discord", Title: "Discord", Timeout: networkTimeout, Run: d.discord},
	}
}

// files checks the owner and mode of every state path (doctor_files.go).
func (d *doctorRun) files(_ context.Context, r *doctor.Report) {
	checkFilePerms(r, d.paths, d.workDir, d.flagged)
}

// unreadable is the finding for a config or store bot cannot read. When
// Files has reported what stops it, that line (with its fix) is not said
// again with another fix.
func (d *doctorRun) unreadable(r *doctor.Report, what string, err error) {
	if p := blockedAt(err); p != "" && d.flagged[p] {
		r.Note("not checked: bot cannot read %s until the problem with %s under Files is fixed", what, d.paths.Display(p))
		return
	}
	r.Problem(explain(d.app, err).Error(), "", nil)
}

// config reads the config without writing it (config.Inspect): a pending
// migration is a problem whose repair applies it (config.Migrate), where
// every other command applies it on load. A config that cannot be read
// stops the run: nothing after it can be checked.
func (d *doctorRun) config(_ context.Context, r *doctor.Report) {
	cf, err := config.Inspect(d.paths.ConfigPath)
	if err != nil {
		d.unreadable(r, "the config", err)
		r.Stop()
		return
	}
	for _, w := range cf.Warnings {
		r.Note("%s", d.paths.DisplayText(w))
	}
	d.cf = cf
	d.app.cfg = cf // the later checks read the config through the app
	if len(cf.Pending) > 0 {
		path := cf.Path
		r.Problem(fmt.Sprintf("%s needs a migration: %s Run: bot doctor --fix (any other bot command applies it too).", d.paths.Display(path), strings.Join(cf.Pending, " ")),
			"bot doctor --fix",
			func(context.Context) (string, error) {
				if err := config.Migrate(path); err != nil {
					return "", err
				}
				return "Migrated " + d.paths.Display(path) + ": " + strings.Join(cf.Pending, " "), nil
			})
	}
}

// environment reports the provider and channel variables that the
// process environment sets to another value than ~/.bot/.env: a daemon
// started without that environment (systemd, launchd) uses the file's,
// the shell the other. Names only, never values.
func (d *doctorRun) environment(ctx context.Context, r *doctor.Report) {
	env, err := d.app.Env(ctx)
	if err != nil {
		r.Problem(err.Error(), "", nil)
		return
	}
	watched := append(providers.CredentialVars(), "TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN")
	for _, k := range env.Shadowed() {
		if !slices.Contains(watched, k) {
			continue
		}
		file := d.paths.Display(d.paths.EnvFile())
		r.Problem(fmt.Sprintf("%s is set in this shell's environment and in %s with a different value: bot run from here uses the environment's, a service started without it uses the file's. Keep one: unset it in your shell profile, or edit %s.", k, file, file),
			"unset "+k+" or edit "+file, nil)
	}
}

// sessions runs SQLite's full integrity check of sessions.db, read-only:
// a missing database is fine (the first message creates it), an empty
// or damaged one is a problem with its fix, never replaced. One an older
// bot wrote is a note: the next bot chat upgrades it.
func (d *doctorRun) sessions(ctx context.Context, r *doctor.Report) {
	st, err := d.app.readSessions(ctx)
	if err == nil && st != nil {
		err = st.Integrity(ctx)
		st.Close()
	}
	if err == nil {
		return
	}
	line, ok := d.app.sessionsLine(err)
	if !ok {
		line = err.Error()
	}
	if errors.Is(err, sessions.ErrOlderSchema) {
		r.Note("%s", line)
		return
	}
	r.Problem(line, "", nil)
}

// credentials is the credential section: the same report as models
// status, after Claude Code's sync (which opening the store performs).
func (d *doctorRun) credentials(ctx context.Context, r *doctor.Report) {
	rep, err := buildStatus(ctx, d.app, "")
	if err != nil {
		d.unreadable(r, "the credential store", err)
		return
	}
	agent := d.cf.Config.DefaultAgent()
	app, paths := d.app, d.paths
	if o, err := app.Store(ctx, agent); err == nil && o.Synced {
		r.Note("synced Claude Code's credentials into %s", auth.ClaudeCLIProfile)
	}
	if o, err := app.Store(ctx, agent); err == nil && o.ClaudeErr != nil {
		r.Problem(claudeProblem(paths, o.ClaudeErr), "claude setup-token", nil)
	}
	for _, p := range rep.Auth.MissingProvidersInUse {
		r.Problem(fmt.Sprintf("no credential for %s, the provider of the default model. %s", p, missingHint(p)), doctorMissingFix(p), nil)
	}
	for _, u := range rep.Auth.Unusable {
		text := fmt.Sprintf("%s in %s: %s; %s", u.ProfileID, paths.Display(u.File), u.Problem, u.Fix)
		if u.Malformed && auth.KnownProvider(u.Provider) {
			r.Problem(text, u.Fix, nil)
		} else {
			r.Note("%s", text)
		}
	}
	reported := map[string]bool{} // profiles said to be expired or missing
	for _, pr := range rep.Auth.Profiles {
		if !auth.KnownProvider(pr.Provider) || pr.Problem != "" {
			continue // a Claude Code problem is reported above
		}
		// A setup-token's year, as models status reports it: a note 30
		// days before it ends, a problem from 7 days before (where
		// --check exits 2).
		switch st := pr.SetupToken; {
		case st == nil || st.Warn == "":
		case st.Warn == "urgent":
			r.Problem(st.Fix, "claude setup-token", nil)
		default:
			r.Note("%s", st.Fix)
		}
		switch pr.Status {
		case auth.StatusExpired, auth.StatusMissing:
			reported[pr.ProfileID] = true
		case auth.StatusExpiring:
		default:
			continue
		}
		id := auth.ProfileID(pr.ProfileID)
		text := fmt.Sprintf("%s: %s", pr.ProfileID, pr.Status)
		if pr.RemainingMs != nil && *pr.RemainingMs > 0 {
			text += " (" + auth.FormatRemaining(time.Duration(*pr.RemainingMs)*time.Millisecond) + ")"
		}
		text += " — " + reauthHint(id, pr.Provider)
		if pr.Status == auth.StatusExpiring {
			r.Note("%s", text)
			continue
		}
		var repair doctor.Repair
		if pr.Type == auth.KindOAuth && pr.Status == auth.StatusExpired && pr.From == "" {
			repair = d.refresh(agent, id)
		}
		r.Problem(text, reauthFix(id, pr.Provider), repair)
	}
	for _, p := range rep.Auth.Providers {
		for _, e := range p.Excluded {
			if e.Reason == auth.ExcludedNotStored || strings.HasPrefix(e.Reason, auth.ExcludedUnusable) || reported[string(e.ProfileID)] || rep.Auth.storedElsewhere(e.ProfileID) {
				continue // reported as missing, expired or unusable above, or below
			}
			r.Note("%s is skipped for %s: %s", e.ProfileID, p.Provider, e.Reason)
		}
	}
	for _, o := range rep.Auth.StoredElsewhere {
		r.Note("%s: %s, not used by agent %s", o.ProfileID, storedFor(o.Agent), rep.AgentID)
	}
}

// refresh is the repair of an expired OAuth login: one refresh now,
// through the refresher the router uses (under the store's lock, written
// back to Claude Code's file for anthropic:claude-cli).
func (d *doctorRun) refresh(agent string, id auth.ProfileID) doctor.Repair {
	return func(ctx context.Context) (string, error) {
		env, err := d.app.Env(ctx)
		if err != nil {
			return "", err
		}
		ref := &auth.Refresher{
			HTTPClient: &http.Client{Timeout: 30 * time.Second},
			TokenURL:   func(provider string) string { return config.TokenURL(env, d.cf.Config, provider) },
			Claude:     auth.ClaudeCode{Home: d.paths.Home, UseKeychain: true},
			Now:        d.app.Now,
			Log:        d.app.Log(),
		}
		if _, err := ref.Acquire(ctx, d.paths.AgentDir(agent), id, true); err != nil {
			if re, ok := errors.AsType[*auth.RefreshError](err); ok {
				return "", fmt.Errorf("%v; %s", re, re.Fix())
			}
			return "", err
		}
		// The router's record of the failed refresh goes too, as after
		// a refresh of its own.
		if st, err := d.app.readSessions(ctx); err == nil && st != nil {
			st.Close()
			if st, err := d.app.openSessions(ctx); err == nil {
				st.SetRefreshFailed(ctx, string(id), false)
				st.Close()
			}
		}
		return fmt.Sprintf("%s: refreshed the OAuth login", id), nil
	}
}

// cooldowns lists the profiles the router has set aside and until when:
// the router's own state, which ends by itself, so a note; a disabled
// profile (billing, a refused credential) wants a look.
func (d *doctorRun) cooldowns(ctx context.Context, r *doctor.Report) {
	rep, err := buildStatus(ctx, d.app, "")
	if err != nil {
		return // Model auth says why
	}
	for _, pr := range rep.Auth.Profiles {
		if sa := pr.SetAside; sa != nil {
			until := time.UnixMilli(sa.Until).In(d.app.Now().Location()).Format("2006-01-02 15:04")
			r.Note("%s is %s until %s (%s); the router tries it last", pr.ProfileID, setAsideWord(sa.Kind), until, sa.Reason)
		}
	}
}

// pins finds sessions pinned to a profile that no longer exists in the
// credentials their agent sees (removed from the store by hand, or by
// another tool). The router then refuses the session's calls until the
// pin is cleared; the repair clears those pins (one transaction per
// profile, sessions.ClearPinsTo), keeping the sessions' models.
func (d *doctorRun) pins(ctx context.Context, r *doctor.Report) {
	st, err := d.app.readSessions(ctx)
	if err != nil || st == nil {
		return // none yet, or Sessions says why
	}
	list, err := st.List(ctx, "")
	st.Close()
	if err != nil {
		r.Problem(err.Error(), "", nil)
		return
	}
	type stale struct{ agent, profile string }
	count := map[stale]int{}
	var order []stale
	for _, s := range list {
		if s.Profile == "" {
			continue
		}
		o, err := d.app.Credentials(ctx, s.Agent)
		if err != nil {
			continue // Model auth says why
		}
		id := auth.ProfileID(s.Profile)
		if _, ok := o.Store.Profiles[id]; ok {
			continue
		}
		if _, bad := o.Store.UnusableEntry(id); bad {
			continue // it exists; Model auth says what is wrong with it
		}
		k := stale{s.Agent, s.Profile}
		if count[k] == 0 {
			order = append(order, k)
		}
		count[k]++
	}
	slices.SortFunc(order, func(a, b stale) int { return strings.Compare(a.agent+"\x00"+a.profile, b.agent+"\x00"+b.profile) })
	for _, k := range order {
		n := count[k]
		r.Problem(fmt.Sprintf("%d session(s) of agent %s are pinned to %s, which is no longer stored: their calls fail until the pin is cleared. Run: bot doctor --fix (clears the pins, keeps the sessions).", n, k.agent, k.profile),
			"bot doctor --fix",
			func(ctx context.Context) (string, error) {
				st, err := d.app.openSessions(ctx)
				if err != nil {
					return "", err
				}
				defer st.Close()
				n, err := st.ClearPinsTo(ctx, k.agent, k.profile)
				if err != nil {
					return "", err
				}
				return fmt.Sprintf("cleared the pin to %s of %d session(s) of agent %s", k.profile, n, k.agent), nil
			})
	}
}

// models checks models.default and models.aliases: what the catalog
// refuses is a problem; a model bot's catalog does not know is a note
// (bot sends it to the provider as written: a new model works, a typo
// fails every call).
func (d *doctorRun) models(_ context.Context, r *doctor.Report) {
	cat, err := modelCatalog(d.cf)
	if err != nil {
		for _, e := range joined(err) {
			r.Problem(e.Error(), "edit "+d.paths.Display(d.cf.Path), nil)
		}
		return
	}
	builtin, err := catalog.New(nil)
	if err != nil {
		return
	}
	known := func(ref catalog.Ref) bool { _, ok := builtin.Lookup(ref); return ok }
	if ref := cat.Default(); !known(ref) {
		r.Note("models.default %s is not in bot's model catalog: bot sends it to %s as written; check the spelling with: bot models list", ref, ref.Provider)
	}
	for _, a := range cat.Aliases() {
		if !a.Builtin && !known(a.Ref) {
			r.Note("alias %s stands for %s, which is not in bot's model catalog; check the spelling with: bot models list", a.Name, a.Ref)
		}
	}
}

// channels checks each channel's switch, token and allowFrom.
func (d *doctorRun) channels(ctx context.Context, r *doctor.Report) {
	env, err := d.app.Env(ctx)
	if err != nil {
		r.Problem(err.Error(), "", nil)
		return
	}
	cfgPath := d.paths.Display(d.cf.Path)
	enabled := false
	for _, ch := range channelSpecs(d.cf.Config) {
		if ch.cfg.Enabled != nil && *ch.cfg.Enabled && !ch.enabled(env) {
			r.Problem(fmt.Sprintf("channels.%s is enabled but has no token: set %s in %s (or channels.%s.token in %s)", ch.name, ch.tokenVar, d.paths.Display(d.paths.EnvFile()), ch.name, cfgPath),
				"set "+ch.tokenVar, nil)
			continue
		}
		if !ch.enabled(env) {
			continue
		}
		enabled = true
		if len(ch.cfg.AllowFrom) == 0 {
			r.Note("channels.%s.allowFrom is empty: nobody on %s may change pins or spend credits. Add user ids to channels.%s.allowFrom in %s, or \"*\" for everyone (or approve users with bot pairing approve).",
				ch.name, ch.name, ch.name, cfgPath)
		} else if slices.Contains(ch.cfg.AllowFrom, "*") {
			r.Note("channels.%s.allowFrom is \"*\": everyone on %s may change pins and spend credits.", ch.name, ch.name)
		}
	}
	if !enabled {
		r.Note("no chat channel is enabled: bot gateway needs TELEGRAM_BOT_TOKEN or DISCORD_BOT_TOKEN (bot chat works without)")
	}
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

// doctorMissingFix is missingHint's first fix alone, for --json.
func doctorMissingFix(p string) string {
	return "set " + providers.APIKeyVar(p)
}

// reauthHint says how to renew a profile's credential.
func reauthHint(id auth.ProfileID, provider string) string {
	if id == auth.ClaudeCLIProfile {
		return "Run `claude setup-token` on the gateway host."
	}
	return fmt.Sprintf("Paste a new token: bot models auth paste-token --provider %s --profile-id %s (or run bot onboard).", provider, id)
}

// reauthFix is reauthHint's command alone, for --json.
func reauthFix(id auth.ProfileID, provider string) string {
	if id == auth.ClaudeCLIProfile {
		return "claude setup-token"
	}
	return fmt.Sprintf("bot models auth paste-token --provider %s --profile-id %s", provider, id)
}

// setAsideWord turns a set-aside kind into the word doctor uses.
func setAsideWord(kind string) string {
	if kind == "disabled" {
		return "disabled"
	}
	return "cooling down"
}
