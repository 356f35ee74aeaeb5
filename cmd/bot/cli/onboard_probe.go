package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/internal/providers"
	"github.com/botgateway/bot/models"
)

// onboardProbe checks the credential a message to the default model would
// use with one minimal real call (models.Router.Probe, the router's own
// clients, recorded like any call) and prints the outcome. What was
// written stays whatever the probe finds. A credential the provider
// rejects is an error (exit 1) naming the fix; a provider that cannot be
// reached, is slow or rate-limits is a note, since the credential may
// well be fine.
func onboardProbe(ctx context.Context, app *App, agent string) error {
	// The files changed under the app's feet: read them again.
	app.cfg, app.env, app.stores = nil, nil, map[string]*auth.Opened{}
	cf, err := app.Config()
	if err != nil {
		return err
	}
	cat, err := modelCatalog(cf)
	if err != nil {
		return err
	}
	def := cat.Default()
	results, err := app.probe(ctx, models.ProbeOptions{Agent: agent, Providers: []string{def.Provider}})
	if err != nil {
		return err
	}
	fmt.Fprintln(app.Stdout, "")
	if len(results) == 0 {
		fmt.Fprintf(app.Stdout, "Probe: no credential for %s, the provider of the default model %s; add one with bot onboard or set %s.\n",
			def.Provider, def, providers.APIKeyVar(def.Provider))
		return nil
	}
	// The first candidate is the one the next message uses.
	r := results[0]
	switch {
	case r.Outcome == models.ProbeOK:
		fmt.Fprintf(app.Stdout, "Probe: %s answered through %s in %s.\n", r.Model, r.Label, r.Latency.Round(time.Millisecond))
		return nil
	case r.Outcome.Failed() && r.Outcome != models.ProbeUnreachable && r.Outcome != models.ProbeTimeout && r.Outcome != models.ProbeUnknown:
		return userErrorf("Probe: %s through %s failed (%s): %s", r.Model, r.Label, r.Outcome, r.Detail)
	}
	fmt.Fprintf(app.Stdout, "Probe: %s through %s: %s (%s); the setup is saved, check again with: bot models status --probe\n",
		r.Model, r.Label, r.Outcome, r.Detail)
	return nil
}
