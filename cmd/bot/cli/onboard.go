package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"

	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/config"
	"github.com/botgateway/bot/internal/atomicfile"
	"github.com/botgateway/bot/internal/providers"
	"github.com/botgateway/bot/internal/termread"
)

// OnboardCmd is "bot onboard": from nothing to a running bot. It asks (or
// takes from the flags) how to authenticate Anthropic and other
// providers, sets up Telegram and Discord, writes it all at the end as one
// change, checks the default model's credential with a live call, and says
// how to start the gateway. Secrets come from a hidden prompt, stdin or
// the environment, never from the command line.
type OnboardCmd struct {
	NonInteractive bool     `name:"non-interactive" help:"Never prompt: every choice from the flags, every secret from stdin or the environment."`
	Accessible     bool     `help:"Ask in plain prompts, one answer a line, from stdin (screen readers, scripts; also ACCESSIBLE=1 or TERM=dumb)."`
	Provider       string   `default:"anthropic" help:"Provider of --auth-choice: anthropic, openai or openrouter."`
	AuthChoice     string   `name:"auth-choice" enum:"api-key,token,claude-cli,skip," default:"" help:"api-key (recommended), token (a pasted setup-token), claude-cli (reuse Claude Code's login), skip."`
	ProfileID      string   `name:"profile-id" help:"Profile id (default: <provider>:default)." placeholder:"ID"`
	AddProvider    []string `name:"add-provider" help:"Also store an API key of this provider (openai, openrouter), from its variable (OPENAI_API_KEY, ...) in the environment or on stdin; repeatable." placeholder:"P"`
	Telegram       bool     `help:"Set up Telegram: the token from TELEGRAM_BOT_TOKEN (environment or stdin), kept in ~/.bot/.env."`
	Discord        bool     `help:"Set up Discord: the token from DISCORD_BOT_TOKEN (environment or stdin), kept in ~/.bot/.env."`
	AllowFrom      []string `name:"allow-from" help:"A user id allowed to use the bot: telegram:ID or discord:ID (a bare ID when one channel is set up); repeatable." placeholder:"ID"`
	Guild          []string `help:"A Discord server (guild) id whose slash commands appear at once; repeatable." placeholder:"ID"`
	DMPolicy       string   `name:"dm-policy" enum:"pairing,allowlist," default:"" help:"What a stranger's DM gets: pairing (a code the owner approves; the default) or allowlist (nothing)."`
	NoProbe        bool     `name:"no-probe" help:"Skip the live check of the default model's credential at the end."`
}

// onboardPlan is everything onboarding will write, collected before
// anything is: the wizard's answers or the flags.
type onboardPlan struct {
	agent string
	// choice is the auth choice of the first provider; skip writes no
	// profile.
	choice string
	// profiles are the credentials to store, the chosen provider's first.
	profiles []planProfile
	// claudeCLI declares anthropic:claude-cli (the store entry comes from
	// Claude Code's file) and turns its sync back on.
	claudeCLI bool
	channels  []planChannel
}

// planProfile is one credential to store and declare.
type planProfile struct {
	id   auth.ProfileID
	mode auth.Kind
	cred *auth.Credential
}

// planChannel is one channel to set up.
type planChannel struct {
	name string // "telegram" or "discord"
	// token is written to ~/.bot/.env as tokenVar; zero when the token
	// already is where the gateway finds it.
	token     auth.Secret
	allowFrom []string
	guilds    []string
	dmPolicy  string // "" leaves it as it is
}

// empty reports whether the plan writes nothing.
func (p *onboardPlan) empty() bool {
	return len(p.profiles) == 0 && !p.claudeCLI && len(p.channels) == 0
}

// channelTokenVar is the variable of a channel's bot token.
func channelTokenVar(channel string) string {
	return strings.ToUpper(channel) + "_BOT_TOKEN"
}

// channelTitle is a channel's name in prose.
func channelTitle(channel string) string {
	return map[string]string{"telegram": "Telegram", "discord": "Discord"}[channel]
}

// Run collects the answers (the wizard, or the flags), writes them as one
// change, probes the default model's credential and prints what to do next.
func (c *OnboardCmd) Run(ctx context.Context, app *App) error {
	provider, err := knownProvider(c.Provider)
	if err != nil {
		return err
	}
	if c.ProfileID != "" {
		if err := checkProfileID(c.profileID(provider, ""), provider); err != nil {
			return err
		}
	}
	cf, err := app.Config()
	if err != nil {
		return err
	}
	agent, err := app.Agent("")
	if err != nil {
		return err
	}
	var plan *onboardPlan
	if c.NonInteractive || (!app.stdinIsTerminal() && !c.accessibleAsked(app)) {
		plan, err = c.planFromFlags(ctx, app, agent, provider)
	} else {
		plan, err = c.wizard(ctx, app, newPrompter(ctx, app, c.accessible(app)), agent, provider)
		switch {
		case errors.Is(err, termread.ErrInterrupted):
			fmt.Fprintln(app.Stderr, "Interrupted; nothing was written.")
		case errors.Is(err, errInputEnded):
			return userError{"bot onboard: the input ended before the last answer; nothing was written. Run bot onboard again."}
		}
	}
	if err != nil {
		return err
	}
	if plan == nil {
		fmt.Fprintln(app.Stdout, "Nothing was written.")
		return nil
	}
	if plan.choice == "skip" && plan.empty() {
		fmt.Fprintln(app.Stdout, "Skipped model auth. Check later with: bot models status")
		return nil
	}
	if err := applyOnboard(ctx, app, cf.Path, plan); err != nil {
		return err
	}
	if plan.choice == "skip" {
		fmt.Fprintln(app.Stdout, "Skipped model auth. Check later with: bot models status")
	} else {
		fmt.Fprintln(app.Stdout, "Check it with: bot models status")
	}
	var probeErr error
	if !c.NoProbe {
		probeErr = onboardProbe(ctx, app, agent)
	}
	onboardNext(app, plan)
	return probeErr
}

// accessible reports whether the wizard asks in plain prompts (huh's
// accessible mode): on request (--accessible, ACCESSIBLE=1: screen
// readers, scripts), on a dumb terminal, or when stdin is not a terminal.
func (c *OnboardCmd) accessible(app *App) bool {
	return c.accessibleAsked(app) || app.Getenv("TERM") == "dumb" || !app.stdinIsTerminal()
}

// accessibleAsked reports whether plain prompts were asked for. Without
// that, a stdin that is not a terminal means --non-interactive, as before
// the wizard: "printenv KEY | bot onboard" stores the key.
func (c *OnboardCmd) accessibleAsked(app *App) bool {
	return c.Accessible || app.Getenv("ACCESSIBLE") != ""
}

// applyOnboard writes plan as one change (atomicfile.Txn anchored at the
// config): bot.json, ~/.bot/.env and the agent's auth-profiles.json are
// either all old or all new, whenever the process is killed; a file that
// cannot be written stops the change before anything is.
func applyOnboard(ctx context.Context, app *App, configPath string, plan *onboardPlan) error {
	paths, err := app.Paths()
	if err != nil {
		return err
	}
	storePath := auth.StorePath(paths.AgentDir(plan.agent))
	var vars []config.DotenvVar
	for _, ch := range plan.channels {
		if !ch.token.IsZero() {
			vars = append(vars, config.DotenvVar{Key: channelTokenVar(ch.name), Value: ch.token})
		}
	}
	err = config.EditWith(ctx, configPath, func(d *config.Doc) error {
		for _, p := range plan.profiles {
			if err := d.SetAuthProfile(string(p.id), p.cred.Provider, string(p.mode)); err != nil {
				return err
			}
		}
		if plan.claudeCLI {
			if err := d.SetAuthProfile(string(auth.ClaudeCLIProfile), "anthropic", string(auth.KindOAuth)); err != nil {
				return err
			}
		}
		cur, err := d.Config()
		if err != nil {
			return err
		}
		for _, ch := range plan.channels {
			if err := setChannel(d, cur, ch); err != nil {
				return err
			}
		}
		return nil
	}, func(txn *atomicfile.Txn) error {
		commitStore := func() error {
			_, err := auth.UpdateStoreIn(ctx, storePath, txn, func(s *auth.Store) (bool, error) {
				changed := false
				for _, p := range plan.profiles {
					p.cred.MarkStored(app.Now()) // a setup-token lasts a year: status warns before
					s.Set(p.id, p.cred)
					changed = true
				}
				if plan.claudeCLI && s.ClaudeSyncOff {
					// Choosing Claude Code again undoes "bot models auth
					// remove anthropic:claude-cli", which stopped the sync.
					s.ClaudeSyncOff, changed = false, true
				}
				return changed, nil
			})
			return err
		}
		if len(vars) == 0 {
			return commitStore()
		}
		return config.SetDotenvIn(ctx, paths.EnvFile(), txn, vars, commitStore)
	})
	if err != nil {
		return err
	}
	if len(plan.profiles) > 0 || plan.claudeCLI {
		fmt.Fprintf(app.Stdout, "Updated %s\n", paths.Display(storePath))
	}
	if len(vars) > 0 {
		fmt.Fprintf(app.Stdout, "Updated %s\n", paths.Display(paths.EnvFile()))
	}
	fmt.Fprintf(app.Stdout, "Updated %s\n", paths.Display(configPath))
	if plan.claudeCLI {
		// The store entry comes from Claude Code's file: sync it now.
		o, err := app.Store(ctx, plan.agent)
		if err != nil {
			return err
		}
		if _, ok := o.Store.Profiles[auth.ClaudeCLIProfile]; !ok {
			return errNoClaudeCode(paths)
		}
		fmt.Fprintf(app.Stdout, "Auth profile: %s (anthropic/%s)\n", auth.ClaudeCLIProfile, auth.KindOAuth)
	}
	for _, p := range plan.profiles {
		fmt.Fprintf(app.Stdout, "Auth profile: %s (%s/%s)\n", p.id, p.cred.Provider, p.mode)
	}
	for _, ch := range plan.channels {
		fmt.Fprintf(app.Stdout, "Channel: %s\n", channelSummary(ch))
	}
	return nil
}

// setChannel writes one channel's keys: allowFrom and guilds gain the new
// ids (the ones there stay), dmPolicy is set when chosen, a channel turned
// off is turned on, and a token in bot.json is dropped when the new one
// goes to ~/.bot/.env (one place for it; the file keeps no secret).
func setChannel(d *config.Doc, cur *config.Config, ch planChannel) error {
	cc := cur.Channels.Telegram
	if ch.name == "discord" {
		cc = cur.Channels.Discord
	}
	key := func(k string) []string { return []string{"channels", ch.name, k} }
	if merged := mergeIDs(cc.AllowFrom, ch.allowFrom); len(merged) != len(cc.AllowFrom) {
		if err := d.Set(key("allowFrom"), merged); err != nil {
			return err
		}
	}
	if merged := mergeIDs(cc.Guilds, ch.guilds); len(merged) != len(cc.Guilds) {
		if err := d.Set(key("guilds"), merged); err != nil {
			return err
		}
	}
	if ch.dmPolicy != "" && ch.dmPolicy != cc.DMPolicy {
		if err := d.Set(key("dmPolicy"), ch.dmPolicy); err != nil {
			return err
		}
	}
	if cc.Enabled != nil && !*cc.Enabled {
		if err := d.Set(key("enabled"), true); err != nil {
			return err
		}
	}
	if !ch.token.IsZero() {
		if _, err := d.Delete(key("token")); err != nil {
			return err
		}
	}
	// The channel's object exists even when nothing else changed, so the
	// file says the channel was set up.
	if cc.Enabled == nil && len(cc.AllowFrom) == 0 && len(ch.allowFrom) == 0 && ch.dmPolicy == "" && cc.DMPolicy == "" {
		return d.Set(key("dmPolicy"), config.DefaultDMPolicy)
	}
	return nil
}

// mergeIDs returns have with the ids of add it lacks appended.
func mergeIDs(have, add []string) []string {
	out := slices.Clone(have)
	for _, id := range add {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// channelSummary describes a channel's setup in one line.
func channelSummary(ch planChannel) string {
	var b strings.Builder
	b.WriteString(ch.name)
	if !ch.token.IsZero() {
		fmt.Fprintf(&b, ", token %s in ~/.bot/.env", channelTokenVar(ch.name))
	}
	if len(ch.allowFrom) > 0 {
		fmt.Fprintf(&b, ", allowFrom += %s", strings.Join(ch.allowFrom, " "))
	}
	if len(ch.guilds) > 0 {
		fmt.Fprintf(&b, ", guilds += %s", strings.Join(ch.guilds, " "))
	}
	if ch.dmPolicy != "" {
		fmt.Fprintf(&b, ", dmPolicy %s", ch.dmPolicy)
	}
	return b.String()
}

// onboardNext prints how to start the bot, run it as a service, and let
// oneself in through pairing.
func onboardNext(app *App, plan *onboardPlan) {
	w := app.Stdout
	fmt.Fprintln(w, "")
	fmt.Fprintln(w, "Next:")
	fmt.Fprintln(w, "  Start the bot:  bot gateway")
	fmt.Fprintln(w, "  As a service:   contrib/bot-gateway.service (systemd) or contrib/com.botgateway.bot.plist (launchd); see the README")
	for _, ch := range plan.channels {
		if ch.dmPolicy == "allowlist" {
			continue
		}
		fmt.Fprintf(w, "  Let yourself in: send your bot a direct message on %s; it answers with a code; then run: bot pairing approve %s <code>\n",
			channelTitle(ch.name), ch.name)
	}
	fmt.Fprintln(w, "  Check anything: bot doctor")
}

// errNoClaudeCode is the line for a claude-cli choice without Claude
// Code's credentials.
func errNoClaudeCode(paths config.Paths) error {
	return userErrorf("No Claude Code CLI credentials found at %s. Run `claude setup-token` on this host first.",
		paths.Display(auth.ClaudeCode{Home: paths.Home}.Path()))
}

// haveClaudeCode reports whether Claude Code's login can be reused: the
// store holds anthropic:claude-cli already, or Claude Code's file (or the
// macOS Keychain item) holds a credential. It reads only.
func haveClaudeCode(ctx context.Context, app *App, agent string) (bool, error) {
	paths, err := app.Paths()
	if err != nil {
		return false, err
	}
	if s, _, err := auth.LoadStore(auth.StorePath(paths.AgentDir(agent))); err == nil {
		if _, ok := s.Profiles[auth.ClaudeCLIProfile]; ok && !s.ClaudeSyncOff {
			return true, nil
		}
	}
	c, err := auth.ClaudeCode{Home: paths.Home, UseKeychain: true}.Read(ctx)
	if err != nil {
		return false, explain(app, err)
	}
	return c != nil, nil
}

// profileID returns the --profile-id flag or <provider>:<name>.
func (c *OnboardCmd) profileID(provider, name string) auth.ProfileID {
	if c.ProfileID != "" {
		return auth.ProfileID(strings.TrimSpace(c.ProfileID))
	}
	return auth.ProfileID(provider + ":" + name)
}

// tokenVar is the variable of a provider's token (ANTHROPIC_OAUTH_TOKEN),
// "" when it has none.
func tokenVar(provider string) string {
	spec, _ := providers.Lookup(provider)
	if len(spec.KeyVars) < 2 {
		return ""
	}
	return spec.KeyVars[0]
}

// stripSpace removes every white space character, line breaks inside a
// pasted secret included.
func stripSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// parseIDs splits a list of platform user or guild ids (commas or spaces
// between them) and checks each is a number ("*", everyone, only where
// star allows it).
func parseIDs(s string, star bool) ([]string, error) {
	var ids []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || unicode.IsSpace(r) }) {
		if !(star && f == "*") && strings.Trim(f, "0123456789") != "" {
			return nil, fmt.Errorf("%q is not an id: ids are numbers, like 123456789", f)
		}
		if !slices.Contains(ids, f) {
			ids = append(ids, f)
		}
	}
	return ids, nil
}

// readAllStdin reads all of stdin, up to the secret limit.
func readAllStdin(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxTokenBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read stdin: %w", err)
	}
	if len(b) > maxTokenBytes {
		return nil, userError{"stdin holds more than 64 KiB; give only the secrets"}
	}
	return b, nil
}
