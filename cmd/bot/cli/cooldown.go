package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/gateway"
	"github.com/botgateway/bot/internal/secret"
)

// CooldownCmd groups "bot models cooldown list|clear": what the router has
// set aside after failures (DESIGN §6), and ending that early.
type CooldownCmd struct {
	List  CooldownListCmd  `cmd:"" help:"List the credentials cooling down or disabled, with why and until when."`
	Clear CooldownClearCmd `cmd:"" help:"Make a credential (or every one) usable again now."`
}

// CooldownListCmd is "bot models cooldown list".
type CooldownListCmd struct {
	Agent string `help:"Only the profiles of this agent's auth store." placeholder:"ID"`
	JSON  bool   `name:"json" help:"Print JSON."`
}

// cooldownJSON is one set-aside profile in --json.
type cooldownJSON struct {
	ProfileID  string `json:"profileId"`
	Kind       string `json:"kind"` // cooldown or disabled
	Reason     string `json:"reason"`
	Until      string `json:"until"` // RFC 3339, UTC
	ErrorCount int    `json:"errorCount"`
}

// Run lists the set-aside profiles, reading sessions.db without changing
// it.
func (c *CooldownListCmd) Run(ctx context.Context, app *App) error {
	st, err := app.readSessions(ctx)
	if err != nil {
		return err
	}
	var ids []string
	if st != nil {
		defer st.Close()
		if ids, err = agentFilter(ctx, app, c.Agent, st.SetAside()); err != nil {
			return err
		}
	}
	now := app.Now()
	out := make([]cooldownJSON, 0, len(ids))
	for _, id := range ids {
		u := gateway.Usage{S: st}.ProfileUsage(auth.ProfileID(id))
		sa := setAsideOf(u, now)
		if sa == nil {
			continue
		}
		out = append(out, cooldownJSON{ProfileID: id, Kind: sa.Kind, Reason: sa.Reason,
			Until: time.UnixMilli(sa.Until).UTC().Format(time.RFC3339), ErrorCount: st.ProfileUsage(id).ErrorCount})
	}
	if c.JSON {
		enc := json.NewEncoder(app.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	if len(out) == 0 {
		fmt.Fprintln(app.Stdout, "No credential is cooling down or disabled.")
		return nil
	}
	tw := tabwriter.NewWriter(app.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROFILE\tKIND\tREASON\tUNTIL\tERRORS")
	for _, r := range out {
		until, _ := time.Parse(time.RFC3339, r.Until)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s (in %s)\t%d\n", r.ProfileID, r.Kind, r.Reason,
			until.In(now.Location()).Format("2006-01-02 15:04"), auth.FormatRemaining(until.Sub(now)), r.ErrorCount)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(app.Stdout, "Make one usable again now with: bot models cooldown clear <profile>")
	return nil
}

// CooldownClearCmd is "bot models cooldown clear [PROFILE]".
type CooldownClearCmd struct {
	Profile string `arg:"" optional:"" help:"The profile to clear (default: every one set aside)."`
	Agent   string `help:"Only the profiles of this agent's auth store." placeholder:"ID"`
}

// Run ends the cooldown and disable of one profile, or of every profile
// set aside, in one transaction. A running gateway sees it at its next
// message (sessions.Store re-reads the usage when another process wrote).
func (c *CooldownClearCmd) Run(ctx context.Context, app *App) error {
	id := strings.TrimSpace(c.Profile)
	if id != "" && !auth.ProfileID(id).Valid() {
		return userErrorf("invalid profile id %q; use <provider>:<name> as bot models cooldown list shows it", secret.MaskText(id))
	}
	paths, err := app.Paths()
	if err != nil {
		return err
	}
	if _, err := os.Stat(paths.SessionsDB()); errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintln(app.Stdout, "No credential is cooling down or disabled.")
		return nil // nothing recorded yet: no database is created for this
	}
	st, err := app.openSessions(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	ids := st.SetAside()
	if id != "" {
		ids = []string{id}
	}
	if ids, err = agentFilter(ctx, app, c.Agent, ids); err != nil {
		return err
	}
	if id != "" && len(ids) == 0 {
		return userErrorf("%s is not a profile of agent %s; list them with: bot models cooldown list --agent %s", id, c.Agent, c.Agent)
	}
	cleared, err := st.ClearSetAside(ctx, ids...)
	if err != nil {
		return err
	}
	switch {
	case len(cleared) == 0 && id != "":
		fmt.Fprintf(app.Stdout, "%s is not cooling down or disabled; nothing to clear.\n", id)
	case len(cleared) == 0:
		fmt.Fprintln(app.Stdout, "No credential is cooling down or disabled.")
	default:
		fmt.Fprintf(app.Stdout, "Cleared %s: usable again now (a running bot gateway sees it at its next message).\n", strings.Join(cleared, ", "))
	}
	return nil
}

// agentFilter keeps the ids that the agent's credentials hold (its own and
// those it reads from the main agent); all of them when agent is "". The
// usage in sessions.db is per profile id, shared by every agent.
func agentFilter(ctx context.Context, app *App, agent string, ids []string) ([]string, error) {
	if agent == "" {
		return ids, nil
	}
	a, err := app.Agent(agent)
	if err != nil {
		return nil, err
	}
	opened, err := app.Credentials(ctx, a)
	if err != nil {
		return nil, err
	}
	held := opened.Store.IDs()
	return slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return !slices.Contains(held, auth.ProfileID(id)) }), nil
}
