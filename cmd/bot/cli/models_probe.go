package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/gateway"
	"github.com/botgateway/bot/internal/secret"
	"github.com/botgateway/bot/models"
)

// probeReport is one probe in models status --json: a stable interface
// for scripts. No field ever holds a secret or the provider's own text.
type probeReport struct {
	Provider   string `json:"provider"`
	ProfileID  string `json:"profileId,omitempty"`
	EnvSource  string `json:"envSource,omitempty"`
	Label      string `json:"label"`
	Model      string `json:"model"`
	Status     string `json:"status"` // a models.ProbeOutcome
	LatencyMs  int64  `json:"latencyMs"`
	HTTPStatus int    `json:"httpStatus,omitempty"`
	Until      *int64 `json:"until,omitempty"` // ms since the epoch
	Detail     string `json:"detail,omitempty"`
}

// checkProbeFlags refuses the flag combinations that make no sense.
func (c *ModelsStatusCmd) checkProbeFlags() error {
	switch {
	case c.Probe && c.Plain:
		return userError{"--probe cannot be used with --plain output."}
	case !c.Probe && (len(c.Provider) > 0 || len(c.Profile) > 0):
		return userError{"--provider and --profile choose what --probe calls; add --probe (see \"bot models status --help\")"}
	case c.ProbeTimeout <= 0:
		return userError{"--probe-timeout must be positive, e.g. 8s (see \"bot models status --help\")"}
	}
	for _, id := range c.Profile {
		if id = strings.TrimSpace(id); !auth.ProfileID(id).Valid() {
			return userErrorf("--profile %s is not a profile id; use <provider>:<name> as bot models status lists it", secret.MaskText(id))
		}
	}
	for i, p := range c.Provider {
		n, err := knownProvider(p)
		if err != nil {
			return err
		}
		c.Provider[i] = n
	}
	return nil
}

// probe runs Router.Probe over the credentials the report lists (or the
// ones --provider and --profile name) through the chat stack's own router,
// which records each outcome in sessions.db like any call, and adds the
// results and their --check verdict to rep. Probing writes sessions.db:
// it is created if it does not exist yet.
func (c *ModelsStatusCmd) probe(ctx context.Context, app *App, rep *statusReport) error {
	opts := models.ProbeOptions{Agent: rep.AgentID, Timeout: c.ProbeTimeout}
	for _, id := range c.Profile {
		if id := auth.ProfileID(strings.TrimSpace(id)); !slices.Contains(opts.Profiles, id) {
			opts.Profiles = append(opts.Profiles, id)
		}
	}
	opts.Providers = c.Provider
	if len(opts.Providers) == 0 && len(opts.Profiles) == 0 {
		for _, p := range rep.Auth.Providers {
			opts.Providers = append(opts.Providers, p.Provider)
		}
	}
	results, err := app.probe(ctx, opts)
	if err != nil {
		return err
	}
	stored := map[string]bool{}
	for _, pr := range rep.Auth.Profiles {
		stored[pr.ProfileID] = true
	}
	rep.Probes = []probeReport{}
	for _, r := range results {
		if r.Profile != "" && !stored[string(r.Profile)] {
			// Only --profile names one the store lacks: typed by the user,
			// perhaps a key pasted in the wrong place. Never echo it whole.
			r.Profile, r.Label = auth.ProfileID(secret.MaskText(string(r.Profile))), secret.MaskText(r.Label)
		}
		pr := probeReport{
			Provider: r.Provider, ProfileID: string(r.Profile), EnvSource: r.EnvSource, Label: r.Label,
			Model: r.Model, Status: string(r.Outcome), LatencyMs: r.Latency.Milliseconds(), HTTPStatus: r.Status, Detail: r.Detail,
		}
		if !r.Until.IsZero() {
			ms := r.Until.UnixMilli()
			pr.Until = &ms
		}
		rep.Probes = append(rep.Probes, pr)
		switch {
		case r.Outcome == models.ProbeRateLimit:
			rep.fail(2, fmt.Sprintf("probe of %s: rate limited", r.Label))
		case r.Outcome.Failed():
			rep.fail(1, fmt.Sprintf("probe of %s: %s", r.Label, r.Outcome))
		}
	}
	return nil
}

// printProbes renders the probes of models status: one row each, then a
// summary line. Nothing when there were none.
func printProbes(w io.Writer, app *App, probes []probeReport) {
	if probes == nil {
		return
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Auth probes")
	if len(probes) == 0 {
		fmt.Fprintln(w, "- none (no credential to probe)")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	count := map[string]int{}
	for _, p := range probes {
		count[p.Status]++
		fmt.Fprintf(tw, "- %s\t%s\t%s\n", p.Label, p.Model, probeText(app, p))
	}
	tw.Flush()
	var parts []string
	for _, o := range []models.ProbeOutcome{models.ProbeOK, models.ProbeRateLimit, models.ProbeAuth, models.ProbeBilling,
		models.ProbeTimeout, models.ProbeUnreachable, models.ProbeFormat, models.ProbeUnusable, models.ProbeNoModel, models.ProbeUnknown} {
		if n := count[string(o)]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, o))
		}
	}
	fmt.Fprintf(w, "%d probed: %s\n", len(probes), strings.Join(parts, ", "))
}

// probeText is the outcome column of one probe: "ok 412ms", "rate limited
// until 14:05 (HTTP 429)", "auth: the provider rejected …".
func probeText(app *App, p probeReport) string {
	latency := (time.Duration(p.LatencyMs) * time.Millisecond).String()
	switch models.ProbeOutcome(p.Status) {
	case models.ProbeOK:
		return "ok " + latency
	case models.ProbeRateLimit:
		s := "rate limited"
		if p.Until != nil {
			s += " until " + time.UnixMilli(*p.Until).In(app.Now().Location()).Format("15:04")
		}
		if p.HTTPStatus != 0 {
			s += fmt.Sprintf(" (HTTP %d)", p.HTTPStatus)
		}
		return s
	}
	return p.Status + ": " + p.Detail
}

// validateCredential probes cred, not stored yet, with the router's own
// provider clients (paste-token --validate). A credential the provider
// does not accept is one line naming the problem and the fix, and the
// caller stores nothing. A rate-limited answer passes: the provider knew
// the credential.
func validateCredential(ctx context.Context, app *App, provider string, cred *auth.Credential) error {
	sc, err := app.stackConfig(ctx)
	if err != nil {
		return err
	}
	p := gateway.Providers(sc.Env, sc.Config)[provider]
	res := models.ProbeCredential(ctx, p, models.ProbeOptions{Catalog: sc.Catalog}, cred)
	switch res.Outcome {
	case models.ProbeOK, models.ProbeRateLimit:
	case models.ProbeTimeout, models.ProbeUnreachable, models.ProbeUnknown:
		return userErrorf("the token was not stored: probing %s with it failed: %s; try again later, or store it without --validate", provider, res.Detail)
	default:
		return userErrorf("the token was not stored: probing %s with it failed: %s", provider, res.Detail)
	}
	fmt.Fprintf(app.Stdout, "Validated: %s answered with this token (%s).\n", provider, probeText(app, probeReport{Status: string(res.Outcome), LatencyMs: res.Latency.Milliseconds(), HTTPStatus: res.Status}))
	return nil
}

// probe runs Router.Probe with opts (its Catalog filled in) through the
// chat stack bot chat and bot gateway open, so a probe calls and records
// exactly as a message would. Probing writes
// sessions.db: it is created if it does not exist yet.
func (a *App) probe(ctx context.Context, opts models.ProbeOptions) ([]models.ProbeResult, error) {
	sc, err := a.stackConfig(ctx)
	if err != nil {
		return nil, err
	}
	stack, err := gateway.OpenStack(ctx, sc)
	if err != nil {
		return nil, a.sessionsError(err)
	}
	defer stack.Close()
	opts.Catalog = stack.Catalog
	return stack.Router.Probe(ctx, opts)
}
