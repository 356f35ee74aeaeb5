package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/config"
	"github.com/botgateway/bot/internal/atomicfile"
	"github.com/botgateway/bot/internal/secret"
	"github.com/botgateway/bot/sessions"
)

// AuthRemoveCmd is "bot models auth remove PROFILE [--agent ID]": log out
// of one credential. It removes the profile from the agent's store and its
// declaration from the config (auth.profiles and every auth.order list) in
// one transaction under both files' locks (atomicfile.Txn), so both change
// or neither does, and clears the session pins that named it, so those
// sessions fall back to the order.
type AuthRemoveCmd struct {
	Profile string `arg:"" name:"PROFILE" help:"Profile id to remove, for example anthropic:work."`
	Agent   string `help:"Agent id (default: the configured default agent)." placeholder:"ID"`
}

// Run removes the profile.
func (c *AuthRemoveCmd) Run(ctx context.Context, app *App) error {
	id := auth.ProfileID(strings.TrimSpace(c.Profile))
	cf, err := app.Config()
	if err != nil {
		return err
	}
	agent, err := app.Agent(c.Agent)
	if err != nil {
		return err
	}
	paths, err := app.Paths()
	if err != nil {
		return err
	}
	storePath := auth.StorePath(paths.AgentDir(agent))

	// What is there before the change, for the messages (the change itself
	// re-reads the store inside its lock).
	own, _, err := auth.LoadStore(storePath)
	if err != nil {
		return err
	}
	_, inStore := own.Profiles[id]
	_, bad := own.UnusableEntry(id)
	inStore = inStore || bad
	inConfig := declared(cf.Config, id)
	if !inStore && !inConfig {
		return c.notFound(app, cf.Config, paths, agent, own, id)
	}
	// The config declares profiles for every agent: keep the declaration
	// while another agent still holds the credential.
	holders := otherHolders(paths, agent, id)
	dropDecl := inConfig && len(holders) == 0

	// The config first, then the store inside its lock, in one
	// transaction (the order every writer of both takes).
	var edited bool
	err = config.EditWith(ctx, cf.Path, func(d *config.Doc) error {
		if !dropDecl {
			return nil
		}
		changed, err := d.RemoveAuthProfile(string(id))
		edited = changed
		return err
	}, func(txn *atomicfile.Txn) error {
		_, err := auth.UpdateStoreIn(ctx, storePath, txn, func(s *auth.Store) (bool, error) {
			_, had := s.Profiles[id]
			_, hadBad := s.UnusableEntry(id)
			inOrder := false
			for _, list := range s.Order {
				inOrder = inOrder || slices.Contains(list, id)
			}
			s.Delete(id)
			changed := had || hadBad || inOrder
			if id == auth.ClaudeCLIProfile && !s.ClaudeSyncOff {
				// Otherwise the next load syncs Claude Code's login
				// straight back (DESIGN §3): the removal would not stick.
				s.ClaudeSyncOff, changed = true, true
			}
			return changed, nil
		})
		return err
	})
	if err != nil {
		return err
	}

	w := app.Stdout
	if inStore {
		fmt.Fprintf(w, "Removed %s from %s\n", id, paths.Display(storePath))
	}
	switch {
	case edited:
		fmt.Fprintf(w, "Removed its declaration from %s (auth.profiles, auth.order)\n", paths.Display(cf.Path))
	case inConfig:
		fmt.Fprintf(w, "Kept its declaration in %s: agent %s still holds %s\n", paths.Display(cf.Path), strings.Join(holders, ", "), id)
	}
	if id == auth.ClaudeCLIProfile {
		fmt.Fprintf(w, "Claude Code's own login (%s) is untouched; bot will not sync it into agent %s again until you run: bot models auth setup-token. To log Claude Code out as well, run claude and /logout.\n",
			paths.Display(auth.ClaudeCode{Home: paths.Home}.Path()), agent)
	}
	n, err := clearPins(ctx, app, paths, agent, id)
	switch {
	case err != nil:
		fmt.Fprintf(app.Stderr, "Session pins to %s were not cleared: %v; run bot doctor\n", id, err)
		return exitError{1}
	case n == 0:
		fmt.Fprintln(w, "No session was pinned to it.")
	case n == 1:
		fmt.Fprintln(w, "1 session was pinned to it; the pin is cleared and it uses the candidate order again.")
	default:
		fmt.Fprintf(w, "%d sessions were pinned to it; the pins are cleared and they use the candidate order again.\n", n)
	}
	return nil
}

// declared reports whether the config declares id in auth.profiles or
// names it in an auth.order list.
func declared(cfg *config.Config, id auth.ProfileID) bool {
	if _, ok := cfg.Auth.Profiles[string(id)]; ok {
		return true
	}
	for _, list := range cfg.Auth.Order {
		if slices.Contains(list, string(id)) {
			return true
		}
	}
	return false
}

// otherHolders returns the agents other than agent whose store holds id,
// sorted. Stores that cannot be read are skipped.
func otherHolders(paths config.Paths, agent string, id auth.ProfileID) []string {
	entries, err := os.ReadDir(filepath.Join(paths.StateDir, "agents"))
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() || name == agent || config.NormalizeAgent(name) != name {
			continue
		}
		s, _, err := auth.LoadStore(auth.StorePath(paths.AgentDir(name)))
		if err != nil {
			continue
		}
		_, ok := s.Profiles[id]
		_, bad := s.UnusableEntry(id)
		if ok || bad {
			out = append(out, name)
		}
	}
	return out
}

// notFound is the one line for a profile neither the store nor the config
// knows: the ids there are, or where an inherited one lives.
func (c *AuthRemoveCmd) notFound(app *App, cfg *config.Config, paths config.Paths, agent string, own *auth.Store, id auth.ProfileID) error {
	shown := secret.MaskText(string(id)) // a secret pasted here by mistake is not echoed
	if main := cfg.DefaultAgent(); main != agent {
		if ms, _, err := auth.LoadStore(auth.StorePath(paths.AgentDir(main))); err == nil {
			if _, ok := ms.Profiles[id]; ok {
				return userErrorf("%s belongs to agent %s (agent %s only reads it); remove it there: bot models auth remove %s --agent %s",
					id, main, agent, id, main)
			}
		}
	}
	var ids []string
	for _, x := range own.IDs() {
		ids = append(ids, string(x))
	}
	for _, u := range own.Unusable() {
		ids = append(ids, string(u.ID))
	}
	for x := range cfg.Auth.Profiles {
		ids = append(ids, x)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) == 0 {
		return userErrorf("Auth profile %q not found: agent %s has no profiles (see bot models status)", shown, agent)
	}
	return userErrorf("Auth profile %q not found for agent %s; its profiles: %s", shown, agent, strings.Join(ids, ", "))
}

// clearPins clears agent's session pins to id in sessions.db, when the
// file exists (it is never created here), and returns how many there were.
func clearPins(ctx context.Context, app *App, paths config.Paths, agent string, id auth.ProfileID) (int, error) {
	db := paths.SessionsDB()
	if _, err := os.Stat(db); errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	st, err := sessions.Open(ctx, db, sessions.Options{Now: app.Now, Logger: app.Log(), Recheck: -1, HistoryCache: -1})
	if err != nil {
		return 0, err
	}
	defer st.Close()
	return st.ClearPinsTo(ctx, agent, string(id))
}
