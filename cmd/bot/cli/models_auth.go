package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/config"
	"github.com/botgateway/bot/internal/atomicfile"
	"github.com/botgateway/bot/internal/secret"
)

// PasteTokenCmd is "bot models auth paste-token": store a token that arrives
// on stdin (or at a hidden prompt), never on the command line.
type PasteTokenCmd struct {
	Provider  string `required:"" help:"Provider: anthropic, openai or openrouter."`
	ProfileID string `name:"profile-id" help:"Profile id (default: <provider>:manual)." placeholder:"ID"`
	ExpiresIn string `name:"expires-in" help:"Token lifetime: 365d, 12h, 30m; a bare number means days." placeholder:"DUR"`
	Agent     string `help:"Agent id (default: the configured default agent)." placeholder:"ID"`
	Validate  bool   `help:"Make one minimal real call with the token first, and store it only if the provider accepts it."`
}

// maxTokenBytes bounds what paste-token reads from stdin.
const maxTokenBytes = 64 << 10

// Run reads the token, stores it, and declares the profile in the config.
func (c *PasteTokenCmd) Run(ctx context.Context, app *App) error {
	provider, err := knownProvider(c.Provider)
	if err != nil {
		return err
	}
	id := auth.ProfileID(strings.TrimSpace(c.ProfileID))
	if id == "" {
		id = auth.ProfileID(provider + ":manual")
	}
	if err := checkProfileID(id, provider); err != nil {
		return err
	}
	var expires time.Time
	if c.ExpiresIn != "" {
		d, err := parseExpiresIn(c.ExpiresIn)
		if err != nil {
			return err
		}
		expires = app.Now().Add(d)
	}
	// Load the config first: an invalid config refuses the whole command
	// before anything is written.
	cf, err := app.Config()
	if err != nil {
		return err
	}
	agent, err := app.Agent(c.Agent)
	if err != nil {
		return err
	}
	token, err := readSecret(ctx, app, fmt.Sprintf("Paste token for %s: ", provider))
	if err != nil {
		return err
	}
	if provider == "anthropic" {
		if err := auth.CheckAnthropicToken(token); err != nil {
			return userError{err.Error()}
		}
	}
	paths, err := app.Paths()
	if err != nil {
		return err
	}
	cred := &auth.Credential{Provider: provider, Type: auth.KindToken, Token: token, Expires: expires}
	if c.Validate {
		if err := validateCredential(ctx, app, provider, cred); err != nil {
			return err
		}
	}
	if err := storeAndDeclare(ctx, cf.Path, auth.StorePath(paths.AgentDir(agent)), id, provider, auth.KindToken, func(s *auth.Store) (bool, error) {
		if old, ok := s.Profiles[id]; ok {
			cred.Email, cred.Extra = old.Email, old.Extra
		}
		cred.MarkStored(app.Now()) // a setup-token lasts a year: status warns before
		s.Set(id, cred)
		return true, nil
	}); err != nil {
		return err
	}
	fmt.Fprintf(app.Stdout, "Updated %s\n", paths.Display(cf.Path))
	fmt.Fprintf(app.Stdout, "Auth profile: %s (%s/token)\n", id, provider)
	return nil
}

var durationRE = regexp.MustCompile(`^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$`)

// parseExpiresIn parses 365d, 12h, 30m, 45s, 500ms; a bare number means
// days.
func parseExpiresIn(s string) (time.Duration, error) {
	m := durationRE.FindStringSubmatch(strings.ToLower(strings.TrimSpace(s)))
	if m == nil {
		return 0, userErrorf("invalid duration %q for --expires-in; use for example 365d, 12h or 30m", secret.MaskText(s))
	}
	n, _ := strconv.ParseFloat(m[1], 64)
	unit := map[string]time.Duration{"ms": time.Millisecond, "s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour, "": 24 * time.Hour}[m[2]]
	d := time.Duration(n * float64(unit))
	if d <= 0 {
		return 0, userErrorf("invalid duration %q for --expires-in: it must be more than zero", secret.MaskText(s))
	}
	return d, nil
}

// knownProvider normalizes p and checks that bot knows it.
func knownProvider(p string) (string, error) {
	n := auth.NormalizeProvider(p)
	if !auth.KnownProvider(n) {
		return "", userErrorf("unknown provider %q; use one of: %s", secret.MaskText(p), strings.Join(auth.Providers, ", "))
	}
	return n, nil
}

// SetupTokenCmd is "bot models auth setup-token": run Claude Code's
// "claude setup-token" on this host, then sync its credentials into the
// anthropic:claude-cli profile.
type SetupTokenCmd struct {
	Provider string `default:"anthropic" help:"Provider (only anthropic)."`
	Yes      bool   `help:"Do not ask for confirmation."`
}

// Run runs claude setup-token and syncs.
func (c *SetupTokenCmd) Run(ctx context.Context, app *App) error {
	if auth.NormalizeProvider(c.Provider) != "anthropic" {
		return userError{"Only --provider anthropic is supported for setup-token (uses `claude setup-token`)."}
	}
	if !app.stdinIsTerminal() {
		return userError{"setup-token requires an interactive terminal: run it in one, or paste a token with: bot models auth paste-token --provider anthropic"}
	}
	claude, err := lookPath("claude", app.Getenv("PATH"))
	if err != nil {
		return userError{"claude command not found on PATH; install Claude Code (npm install -g @anthropic-ai/claude-code), or paste a token with: bot models auth paste-token --provider anthropic"}
	}
	cf, err := app.Config()
	if err != nil {
		return err
	}
	if !c.Yes {
		answer, err := app.ask(ctx, "Run `claude setup-token` now? [Y/n] ")
		if err != nil {
			return err
		}
		if a := strings.ToLower(answer); a != "" && a != "y" && a != "yes" {
			return nil
		}
	}
	cmd := exec.CommandContext(ctx, claude, "setup-token")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = app.Stdin, app.Stdout, app.Stderr
	if err := cmd.Run(); err != nil {
		if ee, ok := errors.AsType[*exec.ExitError](err); ok {
			return userErrorf("claude setup-token failed (exit %d)", ee.ExitCode())
		}
		return fmt.Errorf("run claude setup-token: %w", err)
	}
	paths, err := app.Paths()
	if err != nil {
		return err
	}
	agent, err := app.Agent("")
	if err != nil {
		return err
	}
	cc := auth.ClaudeCode{Home: paths.Home, UseKeychain: true}
	cred, err := cc.Read(ctx)
	if err != nil {
		return err
	}
	if cred == nil {
		return userError{"No Claude Code CLI credentials found after setup-token. Expected auth profile anthropic:claude-cli."}
	}
	if err := storeAndDeclare(ctx, cf.Path, auth.StorePath(paths.AgentDir(agent)), auth.ClaudeCLIProfile, "anthropic", auth.KindOAuth, func(s *auth.Store) (bool, error) {
		// A new login undoes "bot models auth remove anthropic:claude-cli".
		wasOff := s.ClaudeSyncOff
		s.ClaudeSyncOff = false
		return auth.MergeClaudeCode(s, cred, app.Now()) || wasOff, nil
	}); err != nil {
		return err
	}
	fmt.Fprintf(app.Stdout, "Updated %s\n", paths.Display(cf.Path))
	fmt.Fprintf(app.Stdout, "Auth profile: %s (anthropic/oauth)\n", auth.ClaudeCLIProfile)
	return nil
}

// lookPath finds an executable in the given PATH value (the injected
// environment, not the process's).
func lookPath(name, path string) (string, error) {
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", exec.ErrNotFound
}

// OrderCmd is "bot models auth order": the agent's per-provider credential
// order, stored in its auth-profiles.json.
type OrderCmd struct {
	Get   OrderGetCmd   `cmd:"" help:"Show the agent's order override for a provider."`
	Set   OrderSetCmd   `cmd:"" help:"Set the agent's order override for a provider."`
	Clear OrderClearCmd `cmd:"" help:"Remove the agent's order override for a provider."`
}

// orderFlags are the flags every order subcommand takes.
type orderFlags struct {
	Provider string `required:"" help:"Provider: anthropic, openai or openrouter."`
	Agent    string `help:"Agent id (default: the configured default agent)." placeholder:"ID"`
}

// resolve returns the normalized provider, the agent and its store path.
func (f orderFlags) resolve(app *App) (provider, agent, agentDir, storePath string, err error) {
	if provider, err = knownProvider(f.Provider); err != nil {
		return
	}
	if agent, err = app.Agent(f.Agent); err != nil {
		return
	}
	paths, err := app.Paths()
	if err != nil {
		return
	}
	agentDir = paths.AgentDir(agent)
	return provider, agent, agentDir, auth.StorePath(agentDir), nil
}

// OrderGetCmd is "bot models auth order get".
type OrderGetCmd struct {
	orderFlags
	JSON bool `name:"json" help:"Print JSON."`
}

// Run prints the order.
func (c *OrderGetCmd) Run(ctx context.Context, app *App) error {
	provider, agent, agentDir, path, err := c.resolve(app)
	if err != nil {
		return err
	}
	o, err := app.Store(ctx, agent)
	if err != nil {
		return err
	}
	order := o.Store.Order[provider]
	if c.JSON {
		out := struct {
			AgentID       string   `json:"agentId"`
			AgentDir      string   `json:"agentDir"`
			Provider      string   `json:"provider"`
			AuthStorePath string   `json:"authStorePath"`
			Order         []string `json:"order"`
		}{agent, agentDir, provider, path, nil}
		for _, id := range order {
			out.Order = append(out.Order, string(id))
		}
		enc := json.NewEncoder(app.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	paths, _ := app.Paths()
	fmt.Fprintf(app.Stdout, "Agent: %s\nProvider: %s\nAuth file: %s\n", agent, provider, paths.Display(path))
	printOrder(app.Stdout, order)
	return nil
}

func printOrder(w io.Writer, order []auth.ProfileID) {
	if len(order) == 0 {
		fmt.Fprintln(w, "Order override: (none)")
		return
	}
	s := make([]string, len(order))
	for i, id := range order {
		s[i] = string(id)
	}
	fmt.Fprintf(w, "Order override: %s\n", strings.Join(s, ", "))
}

// OrderSetCmd is "bot models auth order set".
type OrderSetCmd struct {
	orderFlags
	Profiles []string `arg:"" optional:"" name:"PROFILE" help:"Profile ids, first tried first."`
}

// Run validates the ids against the store and writes the order under the
// store lock.
func (c *OrderSetCmd) Run(ctx context.Context, app *App) error {
	provider, agent, agentDir, path, err := c.resolve(app)
	if err != nil {
		return err
	}
	var ids []auth.ProfileID
	for _, s := range c.Profiles {
		id := auth.ProfileID(strings.TrimSpace(s))
		if id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return userError{"Missing profile ids. Provide one or more profile ids."}
	}
	// Open once so Claude Code's profile is synced before it is checked.
	if _, err := app.Store(ctx, agent); err != nil {
		return err
	}
	if _, err := auth.UpdateStore(ctx, path, func(s *auth.Store) (bool, error) {
		for _, id := range ids {
			cred, ok := s.Profiles[id]
			if !ok {
				var have []string
				for x, c := range s.Profiles {
					if auth.NormalizeProvider(c.Provider) == provider {
						have = append(have, string(x))
					}
				}
				if len(have) == 0 {
					return false, userErrorf("Auth profile %q not found in %s; it holds no %s profile: store one with bot models auth paste-token --provider %s", id, agentDir, provider, provider)
				}
				slices.Sort(have)
				return false, userErrorf("Auth profile %q not found in %s; its %s profiles: %s", id, agentDir, provider, strings.Join(have, ", "))
			}
			if p := auth.NormalizeProvider(cred.Provider); p != provider {
				return false, userErrorf("Auth profile %q is for %s, not %s.", id, p, provider)
			}
		}
		if s.Order == nil {
			s.Order = map[string][]auth.ProfileID{}
		}
		s.Order[provider] = ids
		return true, nil
	}); err != nil {
		return err
	}
	fmt.Fprintf(app.Stdout, "Agent: %s\nProvider: %s\n", agent, provider)
	printOrder(app.Stdout, ids)
	return nil
}

// OrderClearCmd is "bot models auth order clear".
type OrderClearCmd struct {
	orderFlags
}

// Run removes the provider's order; a missing order is not an error.
func (c *OrderClearCmd) Run(ctx context.Context, app *App) error {
	provider, _, _, path, err := c.resolve(app)
	if err != nil {
		return err
	}
	if _, err := auth.UpdateStore(ctx, path, func(s *auth.Store) (bool, error) {
		if _, ok := s.Order[provider]; !ok {
			return false, nil
		}
		delete(s.Order, provider)
		return true, nil
	}); err != nil {
		return err
	}
	fmt.Fprintln(app.Stdout, "Cleared per-agent order override.")
	return nil
}

// storeAndDeclare changes the credential store at storePath with change
// and declares profile id in the config at configPath (auth.profiles[id] =
// {provider, mode}) as one change: both files or neither. It holds the
// config's lock, then the store's, while it builds both and commits them
// through one atomicfile.Txn, so a config that cannot be written leaves the
// store untouched, and a process killed at any moment leaves both old or
// both new once the next command has started (config.Load finishes or
// undoes the change it finds).
func storeAndDeclare(ctx context.Context, configPath, storePath string, id auth.ProfileID, provider string, mode auth.Kind, change func(*auth.Store) (bool, error)) error {
	return config.EditWith(ctx, configPath, func(d *config.Doc) error {
		return d.SetAuthProfile(string(id), provider, string(mode))
	}, func(txn *atomicfile.Txn) error {
		_, err := auth.UpdateStoreIn(ctx, storePath, txn, change)
		return err
	})
}

// checkProfileID refuses a --profile-id that is not <provider>:<name> of
// provider, masking it (a secret pasted in the wrong place).
func checkProfileID(id auth.ProfileID, provider string) error {
	if !id.Valid() {
		return userErrorf("invalid profile id %q; use <provider>:<name>, for example %s:work", secret.MaskText(string(id)), provider)
	}
	if id.Provider() != provider {
		return userErrorf("profile id %q does not belong to provider %s; use %s:<name>", secret.MaskText(string(id)), provider, provider)
	}
	return nil
}
