package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/config"
	"github.com/botgateway/bot/models/catalog"
)

// ModelsListCmd is "bot models list": the catalog as users may pick from
// it (config aliases and allowlist applied), by provider, with how many
// credentials the router could use for each.
type ModelsListCmd struct {
	JSON  bool   `help:"Print JSON."`
	Agent string `help:"Count this agent's credentials (default: the default agent)." placeholder:"ID"`
}

// modelsListJSON is the stable --json shape.
type modelsListJSON struct {
	Default   string             `json:"default"`
	Providers []modelsListByProv `json:"providers"`
}

type modelsListByProv struct {
	Provider string `json:"provider"`
	// Credentials is how many candidates the router would try now.
	Credentials int              `json:"credentials"`
	Models      []modelsListItem `json:"models"`
}

type modelsListItem struct {
	ID      string   `json:"id"` // provider/model
	Name    string   `json:"name"`
	Aliases []string `json:"aliases"`
	Default bool     `json:"default"`
}

// Run prints the list.
func (c *ModelsListCmd) Run(ctx context.Context, app *App) error {
	cf, err := app.Config()
	if err != nil {
		return err
	}
	cat, err := modelCatalog(cf)
	if err != nil && onlyDefaultWrong(err) {
		// The list is where that line sends the user: show it anyway,
		// with the line, as if models.default were not set.
		app.warn(explain(app, err).Error())
		c := *cf.Config
		c.Models.Default = ""
		cat, err = modelCatalog(&config.File{Path: cf.Path, Exists: cf.Exists, Config: &c})
	}
	if err != nil {
		return err
	}
	agent, err := app.Agent(c.Agent)
	if err != nil {
		return err
	}
	env, err := app.Env(ctx)
	if err != nil {
		return err
	}
	opened, err := app.Credentials(ctx, agent) // what the router sees, inherited ones included
	if err != nil {
		return err
	}
	usage, closeUsage, err := app.openUsage(ctx)
	if err != nil {
		return err
	}
	defer closeUsage()
	now := app.Now()
	res := &auth.Resolver{Store: opened.Store, Config: cf.Config, Env: env, Usage: usage, Now: func() time.Time { return now }}

	def := cat.Default()
	out := modelsListJSON{Default: def.String(), Providers: []modelsListByProv{}}
	for _, p := range cat.Providers() {
		byProv := modelsListByProv{Provider: p, Models: []modelsListItem{}}
		for _, m := range cat.Models(p) {
			if !cat.Allowed(m.Ref) {
				continue
			}
			aliases := cat.AliasesFor(m.Ref)
			if aliases == nil {
				aliases = []string{}
			}
			byProv.Models = append(byProv.Models, modelsListItem{ID: m.Ref.String(), Name: m.Name, Aliases: aliases, Default: m.Ref == def})
		}
		if len(byProv.Models) == 0 {
			continue
		}
		byProv.Credentials = len(res.Resolve(auth.Query{Provider: p}).Candidates)
		out.Providers = append(out.Providers, byProv)
	}

	if c.JSON {
		enc := json.NewEncoder(app.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	w := app.Stdout
	fmt.Fprintf(w, "Default: %s\n", out.Default)
	for _, p := range out.Providers {
		creds := "no credential"
		switch {
		case p.Credentials == 1:
			creds = "1 credential"
		case p.Credentials > 1:
			creds = fmt.Sprintf("%d credentials", p.Credentials)
		}
		fmt.Fprintf(w, "\n%s — %s\n", p.Provider, creds)
		for _, m := range p.Models {
			mark := "  "
			if m.Default {
				mark = "* "
			}
			line := mark + m.ID
			if len(m.Aliases) > 0 {
				line += " (" + strings.Join(m.Aliases, ", ") + ")"
			}
			if m.Name != "" && !strings.EqualFold(m.Name, strings.TrimPrefix(m.ID, p.Provider+"/")) {
				line += "  " + m.Name
			}
			fmt.Fprintln(w, line)
		}
	}
	return nil
}

// modelCatalog builds the model catalog of cf's config, as every command
// that resolves a model does. A problem with the models block comes back
// as a *config.Error per problem: one line naming the file (as ~/… once
// printed), the key, the value and the fix.
func modelCatalog(cf *config.File) (*catalog.Catalog, error) {
	cat, err := catalog.New(cf.Config)
	if err == nil {
		return cat, nil
	}
	var errs []error
	for _, e := range joined(err) {
		ce := &config.Error{Path: cf.Path, Msg: e.Error()}
		if k, ok := errors.AsType[*catalog.ConfigError](e); ok {
			ce.Key = k.Key
		}
		errs = append(errs, ce)
	}
	return nil, errors.Join(errs...)
}

// joined returns the errors err joins (errors.Join), or err alone.
func joined(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// onlyDefaultWrong reports whether every problem of err (from
// modelCatalog) is about models.default.
func onlyDefaultWrong(err error) bool {
	for _, e := range joined(err) {
		ce, ok := errors.AsType[*config.Error](e)
		if !ok || ce.Key != "models.default" {
			return false
		}
	}
	return true
}
