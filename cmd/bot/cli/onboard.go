package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/config"
	"github.com/botgateway/bot/internal/providers"
	"github.com/botgateway/bot/internal/termread"
)

// OnboardCmd is "bot onboard": store a provider credential for daemon use
// (in the agent's auth-profiles.json) and declare it in the config.
// Secrets come from a hidden prompt, stdin or the environment, never from
// the command line.
type OnboardCmd struct {
	NonInteractive bool   `name:"non-interactive" help:"Never prompt: take the key from stdin or the provider's environment variable."`
	Provider       string `default:"anthropic" help:"Provider: anthropic, openai or openrouter."`
	AuthChoice     string `name:"auth-choice" enum:"api-key,token,claude-cli,skip," default:"" help:"api-key (recommended), token (a pasted setup-token), claude-cli (reuse Claude Code's login), skip."`
	ProfileID      string `name:"profile-id" help:"Profile id (default: <provider>:default)." placeholder:"ID"`
}

// Run asks (or takes from the flags) how to authenticate and stores it.
func (c *OnboardCmd) Run(ctx context.Context, app *App) error {
	provider, err := knownProvider(c.Provider)
	if err != nil {
		return err
	}
	cf, err := app.Config()
	if err != nil {
		return err
	}
	paths, err := app.Paths()
	if err != nil {
		return err
	}
	interactive := !c.NonInteractive && app.stdinIsTerminal()
	ask := func(q, def string) (string, error) {
		s, err := app.ask(ctx, fmt.Sprintf("%s [%s] ", q, def))
		if s == "" {
			s = def
		}
		return s, err
	}

	choice := c.AuthChoice
	if choice == "" {
		if !interactive {
			choice = "api-key"
		} else {
			fmt.Fprintf(app.Stderr, "How should bot authenticate to %s?\n", provider)
			fmt.Fprintln(app.Stderr, "  1) API key (recommended)")
			if provider == "anthropic" {
				fmt.Fprintln(app.Stderr, "  2) Claude Code credentials (reuse this host's `claude` login)")
				fmt.Fprintln(app.Stderr, "  3) Paste a token (for example from `claude setup-token`)")
			} else {
				fmt.Fprintln(app.Stderr, "  3) Paste a token")
			}
			fmt.Fprintln(app.Stderr, "  4) Skip")
			answer, err := ask("Choice:", "1")
			if err != nil {
				return err
			}
			choice = map[string]string{"1": "api-key", "2": "claude-cli", "3": "token", "4": "skip"}[answer]
			if choice == "" || (choice == "claude-cli" && provider != "anthropic") {
				return userError{"unknown choice; run bot onboard again and answer 1, 2, 3 or 4"}
			}
		}
	}
	if choice == "skip" {
		fmt.Fprintln(app.Stdout, "Skipped model auth. Check later with: bot models status")
		return nil
	}
	agent, err := app.Agent("")
	if err != nil {
		return err
	}
	storePath := auth.StorePath(paths.AgentDir(agent))

	var id auth.ProfileID
	var cred *auth.Credential
	var mode auth.Kind
	switch choice {
	case "claude-cli":
		if provider != "anthropic" {
			return userError{"--auth-choice claude-cli works only with --provider anthropic"}
		}
		// Choosing Claude Code again undoes "bot models auth remove
		// anthropic:claude-cli", which stopped the sync.
		if cur, _, err := auth.LoadStore(storePath); err == nil && cur.ClaudeSyncOff {
			if _, err := auth.UpdateStore(ctx, storePath, func(s *auth.Store) (bool, error) {
				off := s.ClaudeSyncOff
				s.ClaudeSyncOff = false
				return off, nil
			}); err != nil {
				return err
			}
		}
		o, err := app.Store(ctx, agent)
		if err != nil {
			return err
		}
		if o.ClaudeErr != nil {
			return o.ClaudeErr
		}
		if _, ok := o.Store.Profiles[auth.ClaudeCLIProfile]; !ok {
			return userErrorf("No Claude Code CLI credentials found at %s. Run `claude setup-token` on this host first.",
				paths.Display(auth.ClaudeCode{Home: paths.Home}.Path()))
		}
		id, mode = auth.ClaudeCLIProfile, auth.KindOAuth
	case "token":
		id = c.profileID(provider, "default") // as --profile-id's help says
		tok, err := readSecret(ctx, app, fmt.Sprintf("Paste token for %s: ", provider))
		if err != nil {
			return err
		}
		if provider == "anthropic" {
			if err := auth.CheckSetupToken(tok); err != nil {
				return userError{err.Error()}
			}
		}
		cred, mode = &auth.Credential{Provider: provider, Type: auth.KindToken, Token: tok}, auth.KindToken
	default: // api-key
		id = c.profileID(provider, "default")
		key, err := c.apiKey(ctx, app, provider, interactive, ask)
		if err != nil {
			return err
		}
		cred, mode = &auth.Credential{Provider: provider, Type: auth.KindAPIKey, Key: key}, auth.KindAPIKey
	}
	if cred != nil {
		// The store and the config change together or not at all.
		if err := storeAndDeclare(ctx, cf.Path, storePath, id, provider, mode, func(s *auth.Store) (bool, error) {
			s.Set(id, cred)
			return true, nil
		}); err != nil {
			return err
		}
		fmt.Fprintf(app.Stdout, "Updated %s\n", paths.Display(storePath))
	} else if err := config.Edit(ctx, cf.Path, func(d *config.Doc) error {
		return d.SetAuthProfile(string(id), provider, string(mode))
	}); err != nil {
		return err
	}
	fmt.Fprintf(app.Stdout, "Updated %s\n", paths.Display(cf.Path))
	fmt.Fprintf(app.Stdout, "Auth profile: %s (%s/%s)\n", id, provider, mode)
	fmt.Fprintln(app.Stdout, "Check it with: bot models status")
	return nil
}

// profileID returns the --profile-id flag or <provider>:<name>.
func (c *OnboardCmd) profileID(provider, name string) auth.ProfileID {
	if c.ProfileID != "" {
		return auth.ProfileID(strings.TrimSpace(c.ProfileID))
	}
	return auth.ProfileID(provider + ":" + name)
}

// apiKey finds the key: the provider's variable (after asking, when
// interactive), a hidden prompt, or stdin.
func (c *OnboardCmd) apiKey(ctx context.Context, app *App, provider string, interactive bool, ask func(q, def string) (string, error)) (auth.Secret, error) {
	spec, _ := providers.Lookup(provider)
	keyVar := spec.APIKeyVar()
	env, err := app.Env(ctx)
	if err != nil {
		return auth.Secret{}, err
	}
	if v, src, ok := env.Lookup(keyVar); ok {
		if !interactive {
			return v, nil
		}
		a, err := ask(fmt.Sprintf("Use existing %s (%s, %s)?", keyVar, src, v.Mask()), "Y")
		if err != nil {
			return auth.Secret{}, err
		}
		if a = strings.ToLower(a); a == "y" || a == "yes" {
			return v, nil
		}
	}
	if !interactive && app.stdinIsTerminal() {
		return auth.Secret{}, userErrorf("Missing API key: pipe it on stdin or set %s (keys are never taken from the command line).", keyVar)
	}
	key, err := readSecret(ctx, app, fmt.Sprintf("Enter %s API key: ", provider))
	if errors.Is(err, termread.ErrInterrupted) {
		return auth.Secret{}, err
	}
	if err != nil {
		return auth.Secret{}, userErrorf("Missing API key: pipe it on stdin or set %s (keys are never taken from the command line).", keyVar)
	}
	return key, nil
}
