package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/botgateway/bot/adapters/console"
	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/config"
	"github.com/botgateway/bot/internal/secret"
	"github.com/botgateway/bot/sessions"
)

// PairingCmd groups "bot pairing list|approve|deny": letting in a stranger
// who wrote to the bot in a DM and got a code (DESIGN §5.1), or not.
type PairingCmd struct {
	List    PairingListCmd    `cmd:"" help:"List the pending pairing requests (codes are valid for an hour)."`
	Approve PairingApproveCmd `cmd:"" help:"Let a user in: add them to channels.<channel>.allowFrom."`
	Deny    PairingDenyCmd    `cmd:"" help:"Refuse a pairing request: its code can no longer be approved."`
}

// PairingListCmd is "bot pairing list".
type PairingListCmd struct {
	JSON bool `name:"json" help:"Print JSON."`
}

// pairingJSON is the --json form of a pairing request.
type pairingJSON struct {
	Channel     string `json:"channel"`
	UserID      string `json:"userId"`
	DisplayName string `json:"displayName"` // sanitized
	Code        string `json:"code"`
	CreatedAt   string `json:"createdAt"`
	ExpiresAt   string `json:"expiresAt"`
}

// Run lists the pending requests, reading sessions.db without changing it.
func (c *PairingListCmd) Run(ctx context.Context, app *App) error {
	st, err := app.readSessions(ctx)
	if err != nil {
		return err
	}
	var ps []sessions.Pairing
	if st != nil {
		defer st.Close()
		if ps, err = st.Pairings(ctx); err != nil {
			return err
		}
	}
	if c.JSON {
		out := make([]pairingJSON, 0, len(ps))
		for _, p := range ps {
			out = append(out, pairingJSON{p.Channel, p.UserID, console.Sanitize(p.DisplayName), p.Code,
				p.CreatedAt.UTC().Format(time.RFC3339), p.Expires().UTC().Format(time.RFC3339)})
		}
		enc := json.NewEncoder(app.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	if len(ps) == 0 {
		fmt.Fprintln(app.Stdout, "No pending pairing requests.")
		return nil
	}
	tw := tabwriter.NewWriter(app.Stdout, 0, 4, 2, ' ', 0)
	now := app.Now()
	fmt.Fprintln(tw, "CHANNEL\tUSER ID\tNAME\tCODE\tAGE\tEXPIRES")
	for _, p := range ps {
		name := pairingName(p.DisplayName)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.Channel, p.UserID, name, p.Code,
			pairingAge(now.Sub(p.CreatedAt)), p.Expires().In(now.Location()).Format("15:04"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(app.Stdout, "Approve one with: bot pairing approve <channel> <code> (or refuse it: bot pairing deny <channel> <code>)")
	return nil
}

// PairingApproveCmd is "bot pairing approve CHANNEL CODE".
type PairingApproveCmd struct {
	Channel string `arg:"" enum:"telegram,discord" help:"The channel the request came from: telegram or discord."`
	Code    string `arg:"" help:"The code the user was given."`
}

// Run adds the user of the request to the channel's allowFrom in bot.json,
// then forgets the request. The config is written first: if that fails,
// the request stays pending and approving again finishes the job.
func (c *PairingApproveCmd) Run(ctx context.Context, app *App) error {
	cf, err := app.Config()
	if err != nil {
		return err
	}
	paths, err := app.Paths()
	if err != nil {
		return err
	}
	st, err := app.openSessions(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	ps, err := st.Pairings(ctx)
	if err != nil {
		return err
	}
	code := strings.ToUpper(strings.TrimSpace(c.Code))
	i := slices.IndexFunc(ps, func(p sessions.Pairing) bool { return p.Channel == c.Channel && p.Code == code })
	if i < 0 {
		return userErrorf("no pending %s pairing request with code %q (codes are valid for an hour); list them with: bot pairing list", c.Channel, c.Code)
	}
	p := ps[i]
	added := false
	if err := config.Edit(ctx, cf.Path, func(d *config.Doc) error {
		cur, err := d.Config()
		if err != nil {
			return err
		}
		ids := cur.Channels.Named(c.Channel).AllowFrom
		if slices.Contains(ids, p.UserID) {
			return nil
		}
		added = true
		return d.Set([]string{"channels", c.Channel, "allowFrom"}, append(slices.Clone(ids), p.UserID))
	}); err != nil {
		return err
	}
	if _, err := st.TakePairing(ctx, c.Channel, code); err != nil {
		return err
	}
	file := paths.Display(cf.Path)
	if !added {
		fmt.Fprintf(app.Stdout, "%s user %s was already in channels.%s.allowFrom in %s.\n", c.Channel, p.UserID, c.Channel, file)
		return nil
	}
	fmt.Fprintf(app.Stdout, "Approved %s user %s: added to channels.%s.allowFrom in %s. A running bot gateway picks it up without a restart.\n",
		c.Channel, p.UserID, c.Channel, file)
	return nil
}

// PairingDenyCmd is "bot pairing deny CHANNEL CODE".
type PairingDenyCmd struct {
	Channel string `arg:"" enum:"telegram,discord" help:"The channel the request came from: telegram or discord."`
	Code    string `arg:"" help:"The code the user was given."`
}

// Run refuses the request: its code can no longer be approved, and the
// user gets no new code until the request's hour is up.
func (c *PairingDenyCmd) Run(ctx context.Context, app *App) error {
	st, err := app.openSessions(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	p, err := st.DenyPairing(ctx, c.Channel, c.Code)
	if errors.Is(err, sessions.ErrNoPairing) {
		return userErrorf("no pending %s pairing request with code %q (codes are valid for an hour); list them with: bot pairing list", c.Channel, secret.MaskText(c.Code))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(app.Stdout, "Denied %s user %s%s: the code no longer works, and they get no new one before %s.\n",
		c.Channel, p.UserID, nameSuffix(p.DisplayName), p.Expires().In(app.Now().Location()).Format("15:04"))
	return nil
}

// pairingName is a display name as the terminal shows it: sanitized (it
// is platform text), "-" when there is none.
func pairingName(name string) string {
	if name = strings.TrimSpace(console.Sanitize(name)); name == "" {
		return "-"
	}
	return name
}

// nameSuffix is " (Name)" for a display name, "" for none.
func nameSuffix(name string) string {
	if n := pairingName(name); n != "-" {
		return " (" + n + ")"
	}
	return ""
}

// pairingAge is how long ago a request came: "<1m" in its first minute
// (auth.FormatRemaining's rounding up to 1m suits a time left, not an age).
func pairingAge(d time.Duration) string {
	if d < time.Minute {
		return "<1m"
	}
	return auth.FormatRemaining(d)
}
