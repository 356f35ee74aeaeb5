package cli

import (
	"context"
	"strings"

	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/config"
	"github.com/botgateway/bot/internal/providers"
)

// stdinSecrets holds what --non-interactive found on stdin, read once and
// only when a secret is not in the environment: either KEY=value lines
// (several secrets: ANTHROPIC_API_KEY=…, TELEGRAM_BOT_TOKEN=…) or one
// bare secret, the credential of --auth-choice.
type stdinSecrets struct {
	app  *App
	read bool
	vars map[string]auth.Secret
	bare auth.Secret
}

// load reads stdin the first time; a terminal gives nothing.
func (s *stdinSecrets) load() error {
	if s.read {
		return nil
	}
	s.read = true
	if s.app.stdinIsTerminal() {
		return nil
	}
	b, err := readAllStdin(s.app.Stdin)
	if err != nil {
		return err
	}
	if vars, ok := config.DotenvSecrets(string(b)); ok {
		s.vars = vars
		return nil
	}
	s.bare = auth.NewSecret(stripSpace(string(b)))
	return nil
}

// variable returns the secret of a KEY=value line on stdin.
func (s *stdinSecrets) variable(key string) (auth.Secret, error) {
	if err := s.load(); err != nil {
		return auth.Secret{}, err
	}
	return s.vars[key], nil
}

// main returns the bare secret on stdin, or the value of key when stdin
// holds KEY=value lines.
func (s *stdinSecrets) main(key string) (auth.Secret, error) {
	if err := s.load(); err != nil {
		return auth.Secret{}, err
	}
	if s.vars != nil {
		return s.vars[key], nil
	}
	return s.bare, nil
}

// planFromFlags builds the plan of --non-interactive (or of a run whose
// stdin is not a terminal): every choice from the flags, every secret from
// the environment or stdin.
func (c *OnboardCmd) planFromFlags(ctx context.Context, app *App, agent, provider string) (*onboardPlan, error) {
	paths, err := app.Paths()
	if err != nil {
		return nil, err
	}
	env, err := app.Env(ctx)
	if err != nil {
		return nil, err
	}
	in := &stdinSecrets{app: app}
	plan := &onboardPlan{agent: agent, choice: c.AuthChoice}
	if plan.choice == "" {
		plan.choice = "api-key"
	}
	// The environment first, then stdin (as before: a key from the
	// environment, a token pasted on stdin).
	fromEnv := func(key string) auth.Secret {
		if v, _, ok := env.Lookup(key); ok {
			return v
		}
		return auth.Secret{}
	}
	switch plan.choice {
	case "claude-cli":
		if provider != "anthropic" {
			return nil, userError{"--auth-choice claude-cli works only with --provider anthropic"}
		}
		ok, err := haveClaudeCode(ctx, app, agent)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, errNoClaudeCode(paths)
		}
		plan.claudeCLI = true
	case "token":
		tokVar := tokenVar(provider)
		tok, err := in.main(tokVar)
		if err != nil {
			return nil, err
		}
		if tok.IsZero() && tokVar != "" {
			tok = fromEnv(tokVar)
		}
		if tok.IsZero() {
			return nil, userError{"no token given: pipe it on stdin (the token is never taken from the command line)"}
		}
		if provider == "anthropic" {
			if err := auth.CheckSetupToken(tok); err != nil {
				return nil, userError{err.Error()}
			}
		}
		plan.profiles = append(plan.profiles, planProfile{id: c.profileID(provider, "default"), mode: auth.KindToken,
			cred: &auth.Credential{Provider: provider, Type: auth.KindToken, Token: tok}})
	case "api-key":
		keyVar := providers.APIKeyVar(provider)
		key, err := envOr(fromEnv(keyVar), keyVar, in.main)
		if err != nil {
			return nil, err
		}
		if key.IsZero() {
			return nil, userErrorf("Missing API key: pipe it on stdin or set %s (keys are never taken from the command line).", keyVar)
		}
		plan.profiles = append(plan.profiles, apiKeyProfile(c.profileID(provider, "default"), provider, key))
	}
	for _, p := range c.AddProvider {
		p, err := knownProvider(p)
		if err != nil {
			return nil, err
		}
		if hasProvider(plan.profiles, p) {
			continue
		}
		keyVar := providers.APIKeyVar(p)
		key, err := envOr(fromEnv(keyVar), keyVar, in.variable)
		if err != nil {
			return nil, err
		}
		if key.IsZero() {
			return nil, userErrorf("Missing %s for --add-provider %s: set it in the environment or give %s=... on stdin (keys are never taken from the command line).", keyVar, p, keyVar)
		}
		plan.profiles = append(plan.profiles, apiKeyProfile(auth.ProfileID(p+":default"), p, key))
	}
	chans, err := c.channelsFromFlags(ctx, app, env, in)
	if err != nil {
		return nil, err
	}
	plan.channels = chans
	return plan, nil
}

// envOr returns v, the value from the environment, or else what read
// finds for key on stdin.
func envOr(v auth.Secret, key string, read func(key string) (auth.Secret, error)) (auth.Secret, error) {
	if !v.IsZero() {
		return v, nil
	}
	return read(key)
}

// hasProvider reports whether profiles hold one of provider.
func hasProvider(profiles []planProfile, provider string) bool {
	for _, p := range profiles {
		if p.cred.Provider == provider {
			return true
		}
	}
	return false
}

// apiKeyProfile is the plan's entry for an API key.
func apiKeyProfile(id auth.ProfileID, provider string, key auth.Secret) planProfile {
	return planProfile{id: id, mode: auth.KindAPIKey, cred: &auth.Credential{Provider: provider, Type: auth.KindAPIKey, Key: key}}
}

// channelsFromFlags builds the channels of --telegram and --discord.
func (c *OnboardCmd) channelsFromFlags(ctx context.Context, app *App, env *config.Env, in *stdinSecrets) ([]planChannel, error) {
	var names []string
	if c.Telegram {
		names = append(names, "telegram")
	}
	if c.Discord {
		names = append(names, "discord")
	}
	if len(names) == 0 {
		switch {
		case len(c.AllowFrom) > 0:
			return nil, userError{"--allow-from needs --telegram or --discord (the channel it is for)"}
		case len(c.Guild) > 0:
			return nil, userError{"--guild needs --discord"}
		case c.DMPolicy != "":
			return nil, userError{"--dm-policy needs --telegram or --discord (the channel it is for)"}
		}
		return nil, nil
	}
	if len(c.Guild) > 0 && !c.Discord {
		return nil, userError{"--guild needs --discord"}
	}
	cf, err := app.Config()
	if err != nil {
		return nil, err
	}
	allow := map[string][]string{}
	for _, a := range c.AllowFrom {
		ch, id, ok := strings.Cut(a, ":")
		if !ok {
			if len(names) > 1 {
				return nil, userErrorf("--allow-from %s: say which channel it is for: --allow-from telegram:%s or discord:%s", a, a, a)
			}
			ch, id = names[0], a
		}
		ch = strings.ToLower(ch)
		if ch != "telegram" && ch != "discord" {
			return nil, userErrorf("--allow-from %s: unknown channel %q; use telegram:ID or discord:ID", a, ch)
		}
		if !c.setsUp(ch) {
			return nil, userErrorf("--allow-from %s is for %s: add --%s", a, ch, ch)
		}
		ids, err := parseIDs(id, true)
		if err != nil || len(ids) == 0 {
			return nil, userErrorf("--allow-from %s: a user id is a number, like 123456789 (or * for everyone)", a)
		}
		allow[ch] = mergeIDs(allow[ch], ids)
	}
	guilds, err := parseIDs(strings.Join(c.Guild, ","), false)
	if err != nil {
		return nil, userErrorf("--guild: %v", err)
	}
	var out []planChannel
	for _, name := range names {
		ch := planChannel{name: name, allowFrom: allow[name], dmPolicy: c.DMPolicy}
		if name == "discord" {
			ch.guilds = guilds
		}
		cc := cf.Config.Channels.Telegram
		if name == "discord" {
			cc = cf.Config.Channels.Discord
		}
		if ch.dmPolicy == "allowlist" && len(ch.allowFrom) == 0 && len(cc.AllowFrom) == 0 {
			return nil, userErrorf("--dm-policy allowlist with no --allow-from would let nobody use the bot on %s; give --allow-from %s:ID, or use pairing", name, name)
		}
		tokenVar := channelTokenVar(name)
		tok, src, inEnv := env.Lookup(tokenVar)
		switch {
		case inEnv && src.Kind == config.SourceStateDotEnv:
			// Already where the gateway finds it.
		case inEnv:
			ch.token = tok
		default:
			if ch.token, err = in.variable(tokenVar); err != nil {
				return nil, err
			}
			if ch.token.IsZero() && cc.Token.IsZero() {
				return nil, userErrorf("Missing %s for --%s: set it in the environment or give %s=... on stdin (tokens are never taken from the command line).",
					tokenVar, name, tokenVar)
			}
		}
		out = append(out, ch)
	}
	return out, nil
}

// setsUp reports whether the flags set up channel.
func (c *OnboardCmd) setsUp(channel string) bool {
	return channel == "telegram" && c.Telegram || channel == "discord" && c.Discord
}
