package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/config"
	"github.com/botgateway/bot/internal/errline"
	"github.com/botgateway/bot/internal/providers"
	"github.com/botgateway/bot/sessions"
)

// ModelsStatusCmd is "bot models status": the configured model, every
// credential with its health, and under --check an exit code for monitoring
// (0 fine, 1 expired or missing, 2 expiring within 24 h).
type ModelsStatusCmd struct {
	Check bool   `help:"Exit 1 when a credential is expired or missing, 2 when one expires within 24h."`
	JSON  bool   `name:"json" help:"Print JSON."`
	Plain bool   `help:"Print only the default model."`
	Agent string `help:"Agent id (default: the configured default agent)." placeholder:"ID"`
	// Probe and its flags: models_probe.go.
	Probe        bool          `help:"Make one minimal real call with each credential and show how it went (costs a few tokens)."`
	Provider     []string      `help:"With --probe: only this provider's credentials (repeatable)." placeholder:"P"`
	Profile      []string      `help:"With --probe: only this profile (repeatable)." placeholder:"ID"`
	ProbeTimeout time.Duration `default:"8s" help:"With --probe: how long each probe may take."`
}

// statusReport is the --json form of models status. Its field names are a
// stable interface for scripts.
type statusReport struct {
	ConfigPath    string            `json:"configPath"`
	AgentID       string            `json:"agentId"`
	AgentDir      string            `json:"agentDir"`
	DefaultModel  string            `json:"defaultModel"`
	Aliases       map[string]string `json:"aliases"`
	Allowed       []string          `json:"allowed"`
	Auth          authReport        `json:"auth"`
	Check         int               `json:"check"`
	CheckProblems []string          `json:"checkProblems"`
	// Probes are the results of --probe, absent without it.
	Probes []probeReport `json:"probes,omitempty"`

	// sessionsProblem is what is wrong with the sessions database, one
	// line, or "" (noteSessions).
	sessionsProblem string

	// ResolvedDefault is DefaultModel as chat resolves it (an alias
	// replaced by its provider/model), by the same function.
	ResolvedDefault string `json:"resolvedDefault"`
}

type authReport struct {
	StorePath             string            `json:"storePath"`
	StoreExists           bool              `json:"storeExists"`
	ShellEnv              shellEnvReport    `json:"shellEnvFallback"`
	ProvidersInUse        []string          `json:"providersInUse"`
	MissingProvidersInUse []string          `json:"missingProvidersInUse"`
	Providers             []providerReport  `json:"providers"`
	Profiles              []profileReport   `json:"profiles"`
	ClaudeCode            *claudeCodeReport `json:"claudeCode,omitempty"`
	// Unusable lists the store entries bot keeps but cannot use.
	Unusable []unusableReport `json:"unusable"`
	// StoredElsewhere lists the profiles the config declares that this
	// agent lacks but another agent's store holds: not missing, not used.
	StoredElsewhere []storedElsewhereReport `json:"storedElsewhere"`
	Warnings        []string                `json:"warnings"`
}

// storedElsewhereReport is a declared profile held by another agent.
type storedElsewhereReport struct {
	ProfileID string `json:"profileId"`
	Agent     string `json:"agent"`
}

// unusableReport is a store entry bot cannot use, with what is wrong and
// the fix.
type unusableReport struct {
	ProfileID string `json:"profileId"`
	Provider  string `json:"provider"`
	File      string `json:"file"`
	Problem   string `json:"problem"`
	Fix       string `json:"fix"`
	// Malformed: a credential of a kind bot uses that it cannot read (a
	// problem: --check exits 1); otherwise an entry of a type bot does not
	// use (a note).
	Malformed bool `json:"malformed"`
}

type shellEnvReport struct {
	Enabled     bool     `json:"enabled"`
	AppliedKeys []string `json:"appliedKeys"`
}

type claudeCodeReport struct {
	Path  string `json:"path"`
	Error string `json:"error,omitempty"`
}

type providerReport struct {
	Provider  string          `json:"provider"`
	Status    auth.Status     `json:"status"`
	ExpiresAt *int64          `json:"expiresAt,omitempty"`
	Effective effectiveReport `json:"effective"`
	Endpoint  string          `json:"endpoint"`
	Order     []string        `json:"order"`
	Basis     string          `json:"basis,omitempty"`
	Env       *envReport      `json:"env,omitempty"`
	Excluded  []excludedEntry `json:"excluded"`
}

type effectiveReport struct {
	Kind   string `json:"kind"`   // profile, env, missing
	Detail string `json:"detail"` // profile id, env source, or ""
}

type envReport struct {
	Value  string `json:"value"` // masked
	Source string `json:"source"`
}

type excludedEntry struct {
	ProfileID string `json:"profileId"`
	Reason    string `json:"reason"`
}

type profileReport struct {
	ProfileID   string      `json:"profileId"`
	Provider    string      `json:"provider"`
	Type        auth.Kind   `json:"type"`
	Status      auth.Status `json:"status"`
	ExpiresAt   *int64      `json:"expiresAt"`
	RemainingMs *int64      `json:"remainingMs"`
	Source      string      `json:"source"` // store, claude-cli, config
	Label       string      `json:"label"`
	Secret      string      `json:"secret"` // masked
	Email       string      `json:"email,omitempty"`
	// From is the agent whose store holds the credential when this agent
	// has none of its own for the provider and reads the main agent's.
	From string `json:"from,omitempty"`
	// Problem says why a missing credential is missing, when known (an
	// unreadable Claude Code file).
	Problem string `json:"problem,omitempty"`
	// SetAside is the router's cooldown or disable in force, if any.
	SetAside *setAsideReport `json:"setAside,omitempty"`
	// SetupToken is set for a setup-token whose storing time bot
	// recorded: it lasts about a year.
	SetupToken *setupTokenReport `json:"setupToken,omitempty"`
}

// setupTokenReport says when a setup-token was stored and when it is
// expected to stop working. Warn is "" while more than 30 days are left,
// "notice" within 30 days, "urgent" within 7 (--check exits 2) and after.
type setupTokenReport struct {
	StoredAt int64  `json:"storedAt"` // ms since the epoch
	RenewBy  int64  `json:"renewBy"`  // ms since the epoch
	Warn     string `json:"warn,omitempty"`
	// Fix is the line that says what to do, when Warn is set.
	Fix string `json:"fix,omitempty"`
}

// setupTokenOf reports the setup-token age of cred at now, or nil.
func setupTokenOf(id auth.ProfileID, cred *auth.Credential, now time.Time) *setupTokenReport {
	renew, ok := auth.SetupTokenRenewBy(cred)
	if !ok {
		return nil
	}
	r := &setupTokenReport{StoredAt: cred.StoredAt().UnixMilli(), RenewBy: renew.UnixMilli()}
	left := renew.Sub(now)
	switch {
	case left <= auth.SetupTokenUrgent:
		r.Warn = "urgent"
	case left <= auth.SetupTokenNotice:
		r.Warn = "notice"
	default:
		return r
	}
	when := "in " + auth.FormatRemaining(left)
	if left <= 0 {
		when = auth.FormatRemaining(-left) + " ago"
	}
	r.Fix = fmt.Sprintf("%s is a setup-token stored %s; setup-tokens last a year, which ends %s: run claude setup-token, then bot models auth paste-token --provider anthropic --profile-id %s",
		id, cred.StoredAt().Format("2006-01-02"), when, id)
	return r
}

// setAsideReport says until when the router skips a profile, and why.
type setAsideReport struct {
	Until  int64  `json:"until"`  // ms since the epoch
	Kind   string `json:"kind"`   // cooldown or disabled
	Reason string `json:"reason"` // rate_limit, billing, auth_permanent, ...
}

// setAsideOf reports u's cooldown or disable in force at now, or nil.
func setAsideOf(u auth.UsageState, now time.Time) *setAsideReport {
	until := u.UnusableUntil()
	if !until.After(now) {
		return nil
	}
	if u.DisabledUntil.Equal(until) {
		return &setAsideReport{Until: until.UnixMilli(), Kind: "disabled", Reason: u.DisabledReason}
	}
	return &setAsideReport{Until: until.UnixMilli(), Kind: "cooldown", Reason: u.CooldownReason}
}

// Run prints the status and applies --check.
func (c *ModelsStatusCmd) Run(ctx context.Context, app *App) error {
	if c.JSON && c.Plain {
		return userError{"Choose either --json or --plain, not both."}
	}
	if err := c.checkProbeFlags(); err != nil {
		return err
	}
	rep, err := buildStatus(ctx, app, c.Agent)
	if err != nil {
		return err
	}
	if c.Probe {
		if err := c.probe(ctx, app, rep); err != nil {
			return err
		}
	}
	if c.Check && rep.sessionsProblem == "" {
		rep.checkSessions(ctx, app)
	}
	if rep.sessionsProblem != "" {
		app.warn(rep.sessionsProblem)
	}
	switch {
	case c.JSON:
		enc := json.NewEncoder(app.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return fmt.Errorf("models status: %w", err)
		}
	case c.Plain:
		fmt.Fprintln(app.Stdout, rep.ResolvedDefault)
	default:
		printStatus(app.Stdout, app, rep)
	}
	if c.Check && rep.Check != 0 {
		return exitError{rep.Check}
	}
	if rep.Auth.ClaudeCode != nil && rep.Auth.ClaudeCode.Error != "" {
		// The problem line went to stderr when the store was opened.
		return exitError{1}
	}
	return nil
}

// noteSessions records what is wrong with the sessions database. The
// router records every call in it, so a database that does not open means
// the bot cannot run (--check 1). One an older bot wrote only leaves the
// cooldowns out of the report: the next bot chat upgrades it.
func (r *statusReport) noteSessions(app *App, err error) {
	line, ok := app.sessionsLine(err)
	if !ok {
		line = err.Error()
	}
	if errors.Is(err, sessions.ErrOlderSchema) {
		r.Auth.Warnings = append(r.Auth.Warnings, "cooldowns not shown: "+line)
		return
	}
	r.sessionsProblem = line
	r.Auth.Warnings = append(r.Auth.Warnings, line)
	r.CheckProblems = append(r.CheckProblems, line)
	r.Check = 1
}

// checkSessions is the sessions database part of --check: SQLite's quick
// check of the sessions and the profile usage, read-only. The history is
// left to bot doctor: checking it costs time in proportion to its size
// (about 80 ms for 50 MiB), and --check is held to 20 ms.
func (r *statusReport) checkSessions(ctx context.Context, app *App) {
	st, err := app.readSessions(ctx)
	if err == nil && st != nil {
		err = st.CheckState(ctx)
		st.Close()
	}
	if err != nil {
		r.noteSessions(app, err)
	}
}

// buildStatus gathers everything models status shows. The provider rows
// come from the same auth.Resolver the router uses (DESIGN §6), over the
// same credentials (App.Credentials), and the default model is resolved by
// the catalog that chat uses.
func buildStatus(ctx context.Context, app *App, agentFlag string) (*statusReport, error) {
	paths, err := app.Paths()
	if err != nil {
		return nil, err
	}
	cf, err := app.Config()
	if err != nil {
		return nil, err
	}
	cfg := cf.Config
	// A models.default chat cannot use is the same error here as there.
	cat, err := modelCatalog(cf)
	if err != nil {
		return nil, err
	}
	agent, err := app.Agent(agentFlag)
	if err != nil {
		return nil, err
	}
	env, err := app.Env(ctx)
	if err != nil {
		return nil, err
	}
	opened, err := app.Credentials(ctx, agent)
	if err != nil {
		return nil, err
	}
	now := app.Now()
	store := opened.Store

	rep := &statusReport{
		ConfigPath:      paths.ConfigPath,
		AgentID:         agent,
		AgentDir:        paths.AgentDir(agent),
		DefaultModel:    cfg.DefaultModel(),
		ResolvedDefault: cat.Default().String(),
		Aliases:         cfg.Models.Aliases,
		Allowed:         cfg.Models.Allow,
	}
	if rep.Aliases == nil {
		rep.Aliases = map[string]string{}
	}
	if rep.Allowed == nil {
		rep.Allowed = []string{}
	}
	rep.Auth = authReport{
		StorePath:   opened.Path,
		StoreExists: opened.Exists,
		ShellEnv:    shellEnvReport{Enabled: env.ShellEnabled(), AppliedKeys: env.ShellApplied()},
		Unusable:    []unusableReport{},
		Warnings:    []string{},
	}
	if rep.Auth.ShellEnv.AppliedKeys == nil {
		rep.Auth.ShellEnv.AppliedKeys = []string{}
	}
	claudePath := auth.ClaudeCode{Home: paths.Home}.Path()
	if opened.ClaudeErr != nil {
		line := explain(app, opened.ClaudeErr).Error()
		rep.Auth.ClaudeCode = &claudeCodeReport{Path: claudePath, Error: line}
		rep.Auth.Warnings = append(rep.Auth.Warnings, line)
		rep.fail(1, "Claude Code credentials unreadable")
	}

	// The router's records: with them the order below is the one the
	// next call follows (cooldowns last, least recently used first).
	usage, closeUsage, err := app.openUsage(ctx)
	if err != nil {
		rep.noteSessions(app, err)
	}
	defer closeUsage()
	state := func(id auth.ProfileID) auth.UsageState {
		if usage == nil {
			return auth.UsageState{}
		}
		return usage.ProfileUsage(id)
	}

	inUse := cat.Default().Provider
	rep.Auth.ProvidersInUse = []string{inUse}
	resolver := &auth.Resolver{Store: store, Config: cfg, Env: env, Usage: usage, Now: func() time.Time { return now }}

	// Every profile of the store, by provider then id.
	ids := store.IDs()
	slices.SortFunc(ids, func(a, b auth.ProfileID) int {
		if c := strings.Compare(a.Provider(), b.Provider()); c != 0 {
			return c
		}
		return strings.Compare(string(a), string(b))
	})
	for _, id := range ids {
		cred := store.Profiles[id]
		u := state(id)
		h := auth.CredentialHealth(cred, now, u.LastRefreshFailed)
		pr := profileReport{
			ProfileID: string(id),
			Provider:  auth.NormalizeProvider(cred.Provider),
			Type:      cred.Type,
			Status:    h.Status,
			Source:    "store",
			Label:     auth.MaskedLabel(id, cred),
			Secret:    cred.Secret().Mask(),
			Email:     cred.Email,
			From:      store.InheritedFrom(id),
		}
		if id == auth.ClaudeCLIProfile {
			pr.Source = "claude-cli"
		}
		setExpiry(&pr.ExpiresAt, &pr.RemainingMs, h.ExpiresAt, now)
		pr.SetAside = setAsideOf(u, now)
		pr.SetupToken = setupTokenOf(id, cred, now)
		rep.Auth.Profiles = append(rep.Auth.Profiles, pr)
		if !auth.KnownProvider(cred.Provider) {
			continue
		}
		if st := pr.SetupToken; st != nil && st.Warn != "" {
			rep.Auth.Warnings = append(rep.Auth.Warnings, st.Fix)
			if st.Warn == "urgent" {
				rep.fail(2, fmt.Sprintf("%s: setup-token's year ends within 7 days", id))
			}
		}
		switch h.Status {
		case auth.StatusExpired, auth.StatusMissing:
			rep.fail(1, fmt.Sprintf("%s is %s", id, h.Status))
		case auth.StatusExpiring:
			rep.fail(2, fmt.Sprintf("%s expires in %s", id, auth.FormatRemaining(h.Remaining)))
		}
	}
	// Entries of the store bot keeps but cannot use: named, with the fix.
	for _, u := range store.Unusable() {
		rep.Auth.Unusable = append(rep.Auth.Unusable, unusableReport{
			ProfileID: string(u.ID), Provider: u.Provider, File: opened.Path,
			Problem: u.Problem, Fix: u.Fix(), Malformed: u.Malformed,
		})
		if u.Malformed && auth.KnownProvider(u.Provider) {
			rep.fail(1, fmt.Sprintf("%s is malformed in the auth store", u.ID))
		}
	}
	// Claude Code's login that cannot be read is a missing credential.
	if opened.ClaudeErr != nil {
		if _, ok := store.Profiles[auth.ClaudeCLIProfile]; !ok {
			problem := claudeProblem(paths, opened.ClaudeErr)
			rep.Auth.Profiles = append(rep.Auth.Profiles, profileReport{
				ProfileID: string(auth.ClaudeCLIProfile), Provider: "anthropic",
				Status: auth.StatusMissing, Source: "claude-cli",
				Label: string(auth.ClaudeCLIProfile) + "=missing", Problem: problem,
			})
		}
	}
	// Profiles the config declares but the store lacks are missing, unless
	// another agent's store holds them: the config (bot.json) is shared by
	// every agent, so a profile pasted for agent work is declared there too.
	// It is no candidate for this agent, and not missing: a note.
	cfgIDs := make([]string, 0, len(cfg.Auth.Profiles))
	for id := range cfg.Auth.Profiles {
		cfgIDs = append(cfgIDs, id)
	}
	slices.Sort(cfgIDs)
	var others map[auth.ProfileID]string // read once, when needed
	for _, id := range cfgIDs {
		if _, ok := store.Profiles[auth.ProfileID(id)]; ok {
			continue
		}
		if _, bad := store.UnusableEntry(auth.ProfileID(id)); bad {
			continue // reported with its problem above
		}
		if others == nil {
			others = storedByOtherAgents(paths, agent, now)
		}
		if holder, ok := others[auth.ProfileID(id)]; ok {
			rep.Auth.StoredElsewhere = append(rep.Auth.StoredElsewhere, storedElsewhereReport{ProfileID: id, Agent: holder})
			continue
		}
		ap := cfg.Auth.Profiles[id]
		provider := auth.NormalizeProvider(ap.Provider)
		if provider == "" {
			provider = auth.ProfileID(id).Provider()
		}
		rep.Auth.Profiles = append(rep.Auth.Profiles, profileReport{
			ProfileID: id, Provider: provider, Type: auth.Kind(ap.Mode),
			Status: auth.StatusMissing, Source: "config", Label: id + "=missing", Secret: "",
		})
		rep.fail(1, fmt.Sprintf("%s is configured but not in the auth store", id))
	}
	if rep.Auth.Profiles == nil {
		rep.Auth.Profiles = []profileReport{}
	}
	if rep.Auth.StoredElsewhere == nil {
		rep.Auth.StoredElsewhere = []storedElsewhereReport{}
	}

	for _, p := range consideredProviders(store, cfg, env, inUse) {
		plan := resolver.Resolve(auth.Query{Provider: p})
		pr := providerReport{Provider: p, Endpoint: config.Endpoint(env, cfg, p), Order: []string{}, Excluded: []excludedEntry{}}
		for _, c := range plan.Candidates {
			pr.Order = append(pr.Order, c.Label())
			if c.ProfileID != "" && pr.Basis == "" {
				pr.Basis = string(c.Basis)
			}
		}
		for _, c := range plan.Excluded {
			reason := c.Excluded
			if holder, ok := others[c.ProfileID]; ok && reason == auth.ExcludedNotStored {
				reason = storedFor(holder)
			}
			pr.Excluded = append(pr.Excluded, excludedEntry{ProfileID: string(c.ProfileID), Reason: reason})
		}
		// The roll-up covers every profile of the provider, used or not, so
		// an expiring credential is never hidden by another one.
		var hs []auth.ProfileHealth
		for _, id := range store.ForProvider(p) {
			hs = append(hs, auth.CredentialHealth(store.Profiles[id], now, state(id).LastRefreshFailed))
		}
		roll := auth.RollUp(hs)
		pr.Status = roll.Status
		var remaining *int64
		setExpiry(&pr.ExpiresAt, &remaining, roll.ExpiresAt, now)
		if next, ok := plan.Next(); ok {
			if next.ProfileID != "" {
				pr.Effective = effectiveReport{Kind: "profile", Detail: string(next.ProfileID)}
			} else {
				pr.Effective = effectiveReport{Kind: "env", Detail: next.Credential.Secret().Mask()}
			}
		} else {
			pr.Effective = effectiveReport{Kind: "missing"}
			if p == inUse {
				rep.Auth.MissingProvidersInUse = append(rep.Auth.MissingProvidersInUse, p)
				rep.fail(1, fmt.Sprintf("no credential for %s, the provider in use", p))
			}
		}
		for _, name := range providers.KeyVars(p) {
			if v, src, ok := env.Lookup(name); ok {
				pr.Env = &envReport{Value: v.Mask(), Source: src.String()}
				break
			}
		}
		rep.Auth.Providers = append(rep.Auth.Providers, pr)
	}
	if rep.Auth.MissingProvidersInUse == nil {
		rep.Auth.MissingProvidersInUse = []string{}
	}
	if rep.CheckProblems == nil {
		rep.CheckProblems = []string{}
	}
	return rep, nil
}

// storedByOtherAgents returns the profiles held by the stores of the
// agents other than agent under <StateDir>/agents, each with the first
// agent (by id) that holds it with a secret (a blank one is no
// credential, DESIGN §6). It only reads: a store is read
// as LoadStore reads it (internal/safefile's rules: one that is refused,
// unreadable or corrupt holds nothing here; its own agent reports it), and
// no file or directory is created.
func storedByOtherAgents(paths config.Paths, agent string, now time.Time) map[auth.ProfileID]string {
	held := map[auth.ProfileID]string{}
	entries, _ := os.ReadDir(filepath.Join(paths.StateDir, "agents")) // sorted by name
	for _, e := range entries {
		id := e.Name()
		if id == agent || !config.ValidAgent(id) || id != strings.ToLower(id) {
			continue // not a directory bot would use as an agent's
		}
		s, _, err := auth.LoadStore(auth.StorePath(paths.AgentDir(id)))
		if err != nil {
			continue
		}
		for pid, cred := range s.Profiles {
			if _, seen := held[pid]; !seen && auth.CredentialHealth(cred, now, false).Status != auth.StatusMissing {
				held[pid] = id
			}
		}
	}
	return held
}

// storedElsewhere reports whether id is in StoredElsewhere.
func (a authReport) storedElsewhere(id string) bool {
	return slices.ContainsFunc(a.StoredElsewhere, func(o storedElsewhereReport) bool { return o.ProfileID == id })
}

// storedFor says which agent's store holds a profile this agent lacks.
func storedFor(agent string) string { return "stored for agent " + agent }

// claudeProblem is a problem with Claude Code's credentials as one line
// for people: the file as ~/…, what is wrong, and the fix.
func claudeProblem(paths config.Paths, err error) string {
	line, _ := errline.Line(err, paths)
	return line
}

// fail records a problem for --check with its exit code: 1 (expired,
// missing, unusable) beats 2 (expiring soon), which beats 0, whatever the
// order they are found in.
func (r *statusReport) fail(code int, problem string) {
	r.CheckProblems = append(r.CheckProblems, problem)
	if r.Check != 1 && code != 0 {
		r.Check = code
	}
}

// consideredProviders lists the providers status shows: the one in use,
// those with stored or configured profiles, configured endpoints, or an
// environment credential. Only providers bot knows are listed.
func consideredProviders(store *auth.Store, cfg *config.Config, env auth.EnvLookup, inUse string) []string {
	var out []string
	add := func(p string) {
		p = auth.NormalizeProvider(p)
		if auth.KnownProvider(p) && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	add(inUse)
	for _, id := range store.IDs() {
		add(store.Profiles[id].Provider)
	}
	for id, ap := range cfg.Auth.Profiles {
		if ap.Provider != "" {
			add(ap.Provider)
		} else {
			add(auth.ProfileID(id).Provider())
		}
	}
	for p := range cfg.Models.Providers {
		add(p)
	}
	for _, p := range auth.Providers {
		for _, name := range providers.KeyVars(p) {
			if _, _, ok := env.Lookup(name); ok {
				add(p)
			}
		}
	}
	slices.Sort(out)
	return out
}

// setExpiry fills the expiresAt and remainingMs fields when t is set.
func setExpiry(at, remaining **int64, t time.Time, now time.Time) {
	if t.IsZero() {
		return
	}
	ms := t.UnixMilli()
	rem := t.Sub(now).Milliseconds()
	*at = &ms
	if remaining != nil {
		*remaining = &rem
	}
}

// missingHint says how to give a provider without credentials one, the
// API key first (the seed recommends it: a Claude subscription's token is
// for personal use and may be refused for other API requests). models
// status and doctor both print it.
func missingHint(p string) string {
	v := providers.APIKeyVar(p)
	if p == "anthropic" {
		return fmt.Sprintf("Set %s (recommended; in ~/.bot/.env for a daemon) or run `bot models auth paste-token --provider anthropic`, or run `claude setup-token` on the gateway host to use a Claude subscription.", v)
	}
	return fmt.Sprintf("Set %s (in ~/.bot/.env for a daemon) or run `bot models auth paste-token --provider %s`.", v, p)
}

// printStatus renders the human form (reference §5.1).
func printStatus(w io.Writer, app *App, r *statusReport) {
	paths, _ := app.Paths()
	d := paths.Display
	line := func(label, value string) { fmt.Fprintf(w, "%-14s: %s\n", label, value) }
	line("Config", d(r.ConfigPath))
	line("Agent", r.AgentID)
	line("Agent dir", d(r.AgentDir))
	def := r.ResolvedDefault
	if !strings.EqualFold(r.DefaultModel, def) {
		def += " (from " + r.DefaultModel + ")"
	}
	line("Default", def)
	if len(r.Aliases) > 0 {
		keys := make([]string, 0, len(r.Aliases))
		for k := range r.Aliases {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + " -> " + r.Aliases[k]
		}
		line(fmt.Sprintf("Aliases (%d)", len(keys)), strings.Join(parts, ", "))
	}
	if len(r.Allowed) > 0 {
		line(fmt.Sprintf("Allowed (%d)", len(r.Allowed)), strings.Join(r.Allowed, ", "))
	}

	fmt.Fprintln(w)
	fmt.Fprintln(w, "Auth overview")
	store := d(r.Auth.StorePath)
	if !r.Auth.StoreExists {
		store += " (not created yet)"
	}
	line("Auth store", store)
	shell := "off"
	if r.Auth.ShellEnv.Enabled {
		shell = "on"
		if len(r.Auth.ShellEnv.AppliedKeys) > 0 {
			shell += " (applied: " + strings.Join(r.Auth.ShellEnv.AppliedKeys, ", ") + ")"
		}
	}
	line("Shell env", shell)
	for _, p := range r.Auth.Providers {
		var parts []string
		eff := p.Effective.Kind
		if p.Effective.Detail != "" {
			eff += ":" + p.Effective.Detail
		}
		parts = append(parts, fmt.Sprintf("- %s effective=%s", p.Provider, eff))
		var labels []string
		count := map[auth.Kind]int{}
		n := 0
		for _, pr := range r.Auth.Profiles {
			if pr.Provider != p.Provider || pr.Source == "config" || pr.Problem != "" {
				continue // not in the store
			}
			n++
			count[pr.Type]++
			labels = append(labels, pr.Label+fromAgent(pr.From))
		}
		parts = append(parts, fmt.Sprintf("profiles=%d (oauth=%d, token=%d, api_key=%d)", n, count[auth.KindOAuth], count[auth.KindToken], count[auth.KindAPIKey]))
		if len(labels) > 0 {
			parts = append(parts, strings.Join(labels, ", "))
		}
		if p.Env != nil {
			parts = append(parts, "env="+p.Env.Value, "source="+p.Env.Source)
		}
		if p.Endpoint != "default" {
			parts = append(parts, "endpoint="+p.Endpoint)
		}
		fmt.Fprintln(w, strings.Join(parts, " | "))
		if len(p.Order) > 0 {
			fmt.Fprintf(w, "  order (%s): %s\n", orderBasis(p), strings.Join(p.Order, ", "))
		}
		for _, e := range p.Excluded {
			if strings.HasPrefix(e.Reason, auth.ExcludedUnusable) || r.Auth.storedElsewhere(e.ProfileID) {
				continue // listed under "Unusable entries" with the fix, or below
			}
			fmt.Fprintf(w, "  skipped %s: %s\n", e.ProfileID, e.Reason)
		}
		for _, pr := range r.Auth.Profiles {
			if pr.Provider == p.Provider && pr.SetAside != nil {
				until := time.UnixMilli(pr.SetAside.Until).In(app.Now().Location()).Format("15:04")
				fmt.Fprintf(w, "  %s %s until %s (%s): tried last\n", pr.SetAside.Kind, pr.ProfileID, until, pr.SetAside.Reason)
			}
		}
	}

	if len(r.Auth.StoredElsewhere) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Other agents' profiles (configured, not used by this agent)")
		for _, o := range r.Auth.StoredElsewhere {
			fmt.Fprintf(w, "- %s: %s\n", o.ProfileID, storedFor(o.Agent))
		}
	}

	if len(r.Auth.Unusable) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Unusable entries")
		for _, u := range r.Auth.Unusable {
			fmt.Fprintf(w, "- %s in %s: %s; %s\n", u.ProfileID, d(u.File), u.Problem, u.Fix)
		}
	}

	if len(r.Auth.MissingProvidersInUse) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Missing auth")
		for _, p := range r.Auth.MissingProvidersInUse {
			fmt.Fprintf(w, "- %s %s\n", p, missingHint(p))
		}
	}

	fmt.Fprintln(w)
	fmt.Fprintln(w, "OAuth/token status")
	any := false
	for _, p := range r.Auth.Providers {
		var rows []string
		for _, pr := range r.Auth.Profiles {
			if pr.Provider != p.Provider || pr.Type == auth.KindAPIKey {
				continue
			}
			row := fmt.Sprintf("  - %s %s", pr.ProfileID, pr.Status)
			switch {
			case pr.RemainingMs != nil && *pr.RemainingMs > 0:
				row += " expires in " + auth.FormatRemaining(time.Duration(*pr.RemainingMs)*time.Millisecond)
			case pr.RemainingMs != nil:
				row += " expired " + auth.FormatRemaining(-time.Duration(*pr.RemainingMs)*time.Millisecond) + " ago"
			}
			if pr.Source == "claude-cli" {
				row += " (claude-cli) — Claude subscription (personal use)"
			}
			if pr.Source == "config" {
				row += " (configured in " + d(r.ConfigPath) + ", not in the auth store)"
			}
			row += fromAgent(pr.From)
			if st := pr.SetupToken; st != nil {
				row += " setup-token stored " + time.UnixMilli(st.StoredAt).In(app.Now().Location()).Format("2006-01-02")
				if st.Warn != "" {
					row += "\n    " + map[string]string{"notice": "note", "urgent": "warning"}[st.Warn] + ": " + st.Fix
				}
			}
			if pr.Problem != "" {
				row += ": " + pr.Problem
			}
			rows = append(rows, row)
		}
		if len(rows) == 0 {
			continue
		}
		any = true
		fmt.Fprintf(w, "- %s %s\n", p.Provider, p.Status)
		for _, row := range rows {
			fmt.Fprintln(w, row)
		}
	}
	if !any {
		fmt.Fprintln(w, "- none")
	}
	printProbes(w, app, r.Probes)
}

// fromAgent is the suffix that says a credential is the main agent's,
// read by this one: " (from agent main)"; "" for the agent's own.
func fromAgent(agent string) string {
	if agent == "" {
		return ""
	}
	return " (from agent " + agent + ")"
}

// orderBasis names where a provider's order comes from.
func orderBasis(p providerReport) string {
	switch auth.Basis(p.Basis) {
	case auth.BasisStoreOrder:
		return "agent order in auth-profiles.json"
	case auth.BasisConfig:
		return "config auth.order"
	case auth.BasisConfigured:
		return "config auth.profiles"
	case auth.BasisStored:
		return "stored profiles, round-robin"
	}
	return "environment"
}
