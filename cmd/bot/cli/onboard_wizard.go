package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/charmbracelet/huh"

	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/config"
	"github.com/botgateway/bot/internal/providers"
	"github.com/botgateway/bot/internal/termread"
	"github.com/botgateway/bot/internal/termstyle"
)

// errInputEnded reports that stdin ended before the wizard's last answer.
var errInputEnded = errors.New("input ended")

// prompter asks the wizard's questions with huh: full-screen forms on a
// terminal, or huh's accessible mode (plain numbered prompts, one answer
// a line) for screen readers, dumb terminals and piped input. Secrets are
// read by readSecret, hidden (termread) on a terminal. Ctrl-C at any
// question is termread.ErrInterrupted, the end of input errInputEnded.
type prompter struct {
	ctx        context.Context
	app        *App
	accessible bool
	tty        *os.File // stdin, when it is a terminal
	lines      *lineReader
	out        io.Writer
}

// newPrompter returns the wizard's prompter on app's streams.
func newPrompter(ctx context.Context, app *App, accessible bool) *prompter {
	p := &prompter{ctx: ctx, app: app, accessible: accessible, out: app.Stderr}
	if tty, ok := terminal(app.Stdin); ok {
		p.tty = tty
	}
	if !accessible {
		termstyle.Detect(app.Stderr)
	}
	p.lines = &lineReader{read: func() (string, error) { return app.readLine(ctx, "") }}
	return p
}

// lineReader gives huh's accessible mode one line per Read, read with
// App.readLine (termread at a terminal: Ctrl-C ends it), so a prompt
// never consumes input meant for the next one, and remembers why input
// ended: huh's accessible mode takes the end of input for the default
// answer, and the wizard must not.
type lineReader struct {
	read func() (string, error)
	buf  []byte
	err  error
}

// Read implements io.Reader.
func (r *lineReader) Read(p []byte) (int, error) {
	if len(r.buf) == 0 {
		if r.err != nil {
			return 0, io.EOF
		}
		s, err := r.read()
		if err != nil {
			r.err = err
			return 0, io.EOF
		}
		r.buf = []byte(s + "\n")
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// failed returns why input ended, as the wizard's error.
func (r *lineReader) failed() error {
	switch {
	case r.err == nil:
		return nil
	case errors.Is(r.err, io.EOF):
		return errInputEnded
	}
	return r.err
}

// run asks one field.
func (p *prompter) run(field huh.Field) error {
	form := huh.NewForm(huh.NewGroup(field)).WithOutput(p.out)
	if p.accessible {
		err := form.WithAccessible(true).WithTheme(huh.ThemeBase()).WithInput(p.lines).RunWithContext(p.ctx)
		if ferr := p.lines.failed(); ferr != nil {
			return ferr
		}
		return err
	}
	// Base16 uses the terminal's own palette, so it needs no query of
	// the background colour (which a terminal that does not answer makes
	// wait 5 s), and suits light and dark terminals alike.
	form = form.WithInput(p.tty).WithShowHelp(true).WithTheme(huh.ThemeBase16())
	err := form.RunWithContext(p.ctx)
	if errors.Is(err, huh.ErrUserAborted) || p.ctx.Err() != nil {
		fmt.Fprintln(p.out)
		return termread.ErrInterrupted
	}
	if err != nil {
		return fmt.Errorf("onboard: %w", err)
	}
	return nil
}

// choose asks for one of options (label, value pairs); def is the answer
// preselected (and the default in accessible mode).
func (p *prompter) choose(title, description string, def string, options ...huh.Option[string]) (string, error) {
	v := def
	sel := huh.NewSelect[string]().Title(title).Description(description).Options(options...).Value(&v)
	if err := p.run(sel); err != nil {
		return "", err
	}
	p.echo(title, labelOf(options, v))
	return v, nil
}

// confirm asks a yes/no question.
func (p *prompter) confirm(title, description string, def bool) (bool, error) {
	v := def
	c := huh.NewConfirm().Title(title).Description(description).Affirmative("Yes").Negative("No").Value(&v)
	if err := p.run(c); err != nil {
		return false, err
	}
	p.echo(title, map[bool]string{true: "yes", false: "no"}[v])
	return v, nil
}

// input asks for a line of text (never a secret), checked by validate.
func (p *prompter) input(title, description string, validate func(string) error) (string, error) {
	var v string
	in := huh.NewInput().Title(title).Description(description).Value(&v).Validate(validate)
	if err := p.run(in); err != nil {
		return "", err
	}
	if p.accessible {
		// huh's accessible mode asks again until the answer passes; the
		// end of input leaves the last one, which must pass too.
		if err := validate(v); err != nil {
			return "", errInputEnded
		}
	}
	p.echo(title, v)
	return strings.TrimSpace(v), nil
}

// echo repeats a full-screen form's answer on a line of its own, since the
// form is gone once answered.
func (p *prompter) echo(title, answer string) {
	if !p.accessible {
		fmt.Fprintf(p.out, "%s %s\n", title, answer)
	}
}

// note prints a paragraph between questions.
func (p *prompter) note(text string) {
	fmt.Fprintln(p.out, text)
}

// secret reads a secret: hidden at a terminal (a paste arrives whole),
// else one line of stdin; white space is stripped. Nothing is echoed.
// It asks again after an empty answer.
func (p *prompter) secret(prompt string) (auth.Secret, error) {
	for {
		var s auth.Secret
		if p.tty != nil {
			v, err := readSecret(p.ctx, p.app, prompt)
			if errors.Is(err, termread.ErrInterrupted) {
				return auth.Secret{}, err
			}
			if ue, ok := errors.AsType[userError](err); ok {
				p.note(ue.msg)
				continue
			}
			if err != nil {
				return auth.Secret{}, err
			}
			s = v
		} else {
			fmt.Fprint(p.out, prompt)
			line, err := p.app.readLine(p.ctx, "")
			fmt.Fprintln(p.out)
			if err != nil {
				p.lines.err = err
				return auth.Secret{}, p.lines.failed()
			}
			s = auth.NewSecret(stripSpace(line))
		}
		if !s.IsZero() {
			return s, nil
		}
		p.note("Nothing was entered; paste it and press Enter (Ctrl-C to stop).")
	}
}

// labelOf returns the label of the option whose value is v.
func labelOf(options []huh.Option[string], v string) string {
	for _, o := range options {
		if o.Value == v {
			return o.Key
		}
	}
	return v
}

// providerTitle is a provider's name in prose.
func providerTitle(provider string) string {
	return map[string]string{"anthropic": "Anthropic", "openai": "OpenAI", "openrouter": "OpenRouter"}[provider]
}

// wizard asks every question and returns the plan; nothing is written
// here. A nil plan means the user declined to write it.
func (c *OnboardCmd) wizard(ctx context.Context, app *App, p *prompter, agent, provider string) (*onboardPlan, error) {
	env, err := app.Env(ctx)
	if err != nil {
		return nil, err
	}
	paths, err := app.Paths()
	if err != nil {
		return nil, err
	}
	cf, err := app.Config()
	if err != nil {
		return nil, err
	}
	plan := &onboardPlan{agent: agent}
	p.note("bot onboard: a few questions, then everything is written at once (Ctrl-C stops without writing anything).")

	// 1. The chosen provider (Anthropic unless --provider says otherwise).
	options := []huh.Option[string]{huh.NewOption("API key (recommended)", "api-key")}
	if provider == "anthropic" {
		options = append(options,
			huh.NewOption("Paste a setup-token (from `claude setup-token`, Claude Pro/Max)", "token"),
			huh.NewOption("Reuse Claude Code's login on this host", "claude-cli"))
	} else {
		options = append(options, huh.NewOption("Paste a token", "token"))
	}
	options = append(options, huh.NewOption("Skip for now", "skip"))
	def := c.AuthChoice
	if def == "" {
		def = "api-key"
	}
	for plan.choice == "" {
		choice, err := p.choose(fmt.Sprintf("How should bot authenticate to %s?", providerTitle(provider)),
			"An API key is the recommended way. Anthropic may refuse a subscription token for anything but Claude Code.",
			def, options...)
		if err != nil {
			return nil, err
		}
		switch choice {
		case "api-key":
			key, err := c.askAPIKey(p, env, provider)
			if err != nil {
				return nil, err
			}
			plan.profiles = append(plan.profiles, apiKeyProfile(c.profileID(provider, "default"), provider, key))
		case "token":
			tok, err := askToken(p, provider)
			if err != nil {
				return nil, err
			}
			plan.profiles = append(plan.profiles, planProfile{id: c.profileID(provider, "default"), mode: auth.KindToken,
				cred: &auth.Credential{Provider: provider, Type: auth.KindToken, Token: tok}})
		case "claude-cli":
			ok, err := haveClaudeCode(ctx, app, agent)
			if err != nil {
				p.note(err.Error())
			}
			if !ok {
				p.note(fmt.Sprintf("No Claude Code CLI credentials found at %s. Run `claude setup-token` on this host, or choose another way.",
					paths.Display(auth.ClaudeCode{Home: paths.Home}.Path())))
				def = "api-key"
				continue
			}
			plan.claudeCLI = true
		}
		plan.choice = choice
	}

	// 2. Other providers.
	for _, other := range auth.Providers {
		if other == provider || other == "anthropic" {
			continue
		}
		add, err := p.confirm(fmt.Sprintf("Add an %s API key too?", providerTitle(other)),
			fmt.Sprintf("For models like %s/...; you can add one later with bot onboard --provider %s.", other, other), false)
		if err != nil {
			return nil, err
		}
		if !add {
			continue
		}
		key, err := c.askAPIKey(p, env, other)
		if err != nil {
			return nil, err
		}
		plan.profiles = append(plan.profiles, apiKeyProfile(auth.ProfileID(other+":default"), other, key))
	}

	// 3. Channels.
	for _, name := range []string{"telegram", "discord"} {
		ch, err := askChannel(p, env, cf.Config, name)
		if err != nil {
			return nil, err
		}
		if ch != nil {
			plan.channels = append(plan.channels, *ch)
		}
	}

	// 4. What will be written, then write it or not.
	if plan.empty() {
		return plan, nil
	}
	p.note("")
	p.note("To be written:")
	for _, pr := range plan.profiles {
		p.note(fmt.Sprintf("  %s: %s (%s %s)", paths.Display(auth.StorePath(paths.AgentDir(agent))), pr.id, pr.cred.Provider, pr.mode))
	}
	if plan.claudeCLI {
		p.note(fmt.Sprintf("  %s: %s (reused from Claude Code)", paths.Display(cf.Path), auth.ClaudeCLIProfile))
	}
	for _, ch := range plan.channels {
		p.note("  " + paths.Display(cf.Path) + ": " + channelSummary(ch))
	}
	ok, err := p.confirm("Write these changes?", "", true)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, nil
	}
	return plan, nil
}

// askAPIKey offers the key already in the environment, or asks for one.
func (c *OnboardCmd) askAPIKey(p *prompter, env *config.Env, provider string) (auth.Secret, error) {
	keyVar := providers.APIKeyVar(provider)
	if v, src, ok := env.Lookup(keyVar); ok {
		use, err := p.confirm(fmt.Sprintf("Use the %s already set (%s, %s)?", keyVar, src, v.Mask()), "", true)
		if err != nil || use {
			return v, err
		}
	}
	return p.secret(fmt.Sprintf("%s API key (hidden; paste it and press Enter): ", providerTitle(provider)))
}

// askToken asks for a token until it passes the setup-token check
// (Anthropic's).
func askToken(p *prompter, provider string) (auth.Secret, error) {
	for {
		tok, err := p.secret(fmt.Sprintf("Paste the %s token (hidden; from `claude setup-token`): ", providerTitle(provider)))
		if err != nil {
			return auth.Secret{}, err
		}
		if provider != "anthropic" {
			return tok, nil
		}
		if err := auth.CheckSetupToken(tok); err != nil {
			p.note(err.Error())
			continue
		}
		return tok, nil
	}
}

// askChannel asks whether to set up a channel and how; nil when not.
func askChannel(p *prompter, env *config.Env, cfg *config.Config, name string) (*planChannel, error) {
	title := channelTitle(name)
	where := map[string]string{
		"telegram": "You need a bot token from @BotFather (/newbot).",
		"discord":  "You need an application's bot token (discord.com/developers → your app → Bot → Reset Token).",
	}[name]
	setUp, err := p.confirm(fmt.Sprintf("Set up %s?", title), where, false)
	if err != nil || !setUp {
		return nil, err
	}
	ch := &planChannel{name: name}
	tokenVar := channelTokenVar(name)
	cc := cfg.Channels.Telegram
	if name == "discord" {
		cc = cfg.Channels.Discord
	}
	keep := false
	if v, src, ok := env.Lookup(tokenVar); ok {
		if keep, err = p.confirm(fmt.Sprintf("Use the %s already set (%s, %s)?", tokenVar, src, v.Mask()), "", true); err != nil {
			return nil, err
		}
		if keep && src.Kind != config.SourceStateDotEnv {
			ch.token = v // for the daemon, which does not see this shell's variables
		}
	} else if !cc.Token.IsZero() {
		if keep, err = p.confirm(fmt.Sprintf("Keep the token in bot.json (%s)?", cc.Token.Mask()), "", true); err != nil {
			return nil, err
		}
	}
	if !keep {
		if ch.token, err = p.secret(fmt.Sprintf("%s bot token (hidden; stored in ~/.bot/.env as %s): ", title, tokenVar)); err != nil {
			return nil, err
		}
	}

	p.note(fmt.Sprintf("channels.%s.allowFrom lists the user ids that may talk to the model and run commands; nobody", name))
	p.note("may until someone is added. Pairing adds you without looking up your id: once the gateway runs,")
	p.note(fmt.Sprintf("send the bot a direct message; it answers with a code, and `bot pairing approve %s <code>` lets you in.", name))
	howID := map[string]string{
		"telegram": "Your Telegram user id is a number; the bot's /start reply shows it.",
		"discord":  "Discord: Settings → Advanced → Developer Mode, then right-click your name → Copy User ID.",
	}[name]
	access, err := p.choose(fmt.Sprintf("Who may use the bot on %s?", title), "",
		"pairing",
		huh.NewOption("Me, through pairing (recommended): DM the bot, approve the code", "pairing"),
		huh.NewOption("Ids I type now; strangers may still ask for a code", "ids+pairing"),
		huh.NewOption("Ids I type now, nobody else (dmPolicy allowlist)", "allowlist"))
	if err != nil {
		return nil, err
	}
	ch.dmPolicy = "pairing"
	if access != "pairing" {
		if access == "allowlist" {
			ch.dmPolicy = "allowlist"
		}
		s, err := p.input("User ids (comma-separated):", howID, func(s string) error {
			ids, err := parseIDs(s, false)
			if err == nil && len(ids) == 0 {
				err = errors.New("type at least one id")
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		ch.allowFrom, _ = parseIDs(s, false)
	}
	if name == "discord" {
		s, err := p.input("Server (guild) ids for instant slash commands (optional, comma-separated):",
			"Right-click the server → Copy Server ID (Developer Mode). Without one, global commands take up to an hour to appear.",
			func(s string) error { _, err := parseIDs(s, false); return err })
		if err != nil {
			return nil, err
		}
		ch.guilds, _ = parseIDs(s, false)
	}
	return ch, nil
}
