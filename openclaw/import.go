package openclaw

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/config"
	"github.com/botgateway/bot/internal/atomicfile"
	"github.com/botgateway/bot/internal/secret"
)

// Item is one line of an import's report: something taken, with where it
// went, or something skipped, with why. It never holds a secret whole.
type Item struct {
	Taken bool
	What  string
	Why   string
}

// Import brings s across into bot's files at paths: each agent's profiles
// into its store, the auth declarations and order, the default model,
// aliases and allowFrom into the config, and the tokens and keys into the
// state dir's .env. It never replaces what bot already has: a profile, an
// order, a declaration, a default model, an alias or a variable already
// there is kept, and allowFrom only gains ids.
//
// Before writing anything it reads bot's files and works out every item
// (the dry run stops there): a store or a config bot cannot use stops the
// import with nothing written. The files are then written one by one,
// each through its own writer (lock, re-read, atomic write), deciding
// again inside the lock, so a concurrent change is never lost: the stores
// first, then bot.json and .env together (config.EditWith with
// config.SetDotenvIn in its Txn). Should a write fail midway, what was
// written stays and running the import again finishes the job: it is
// idempotent.
func Import(ctx context.Context, s *Setup, paths config.Paths, dryRun bool) ([]Item, error) {
	items, err := plan(s, paths)
	if err != nil || dryRun {
		return items, err
	}
	return apply(ctx, s, paths)
}

// plan works out the items against bot's files as they are, writing
// nothing.
func plan(s *Setup, paths config.Paths) ([]Item, error) {
	var items []Item
	own := ownProfiles{}
	for _, a := range s.Agents {
		dst, _, err := auth.LoadStore(auth.StorePath(paths.AgentDir(a.ID)))
		if err != nil {
			return nil, err
		}
		own.add(dst)
		got, _ := mergeStore(dst, a, paths)
		items = append(items, got...)
	}
	cf, err := config.Inspect(paths.ConfigPath) // planning writes nothing, not even a migration
	if err != nil {
		return nil, err
	}
	got, _ := mergeConfig(cf.Config, own, s, paths)
	items = append(items, got...)
	cur, err := config.ReadDotenv(paths.EnvFile())
	if err != nil {
		return nil, err
	}
	got, _ = mergeEnv(cur, cf.Config, s, paths)
	items = append(items, got...)
	return append(items, s.Notes...), nil
}

// apply writes, file by file, deciding again under each file's lock.
func apply(ctx context.Context, s *Setup, paths config.Paths) ([]Item, error) {
	var items []Item
	own := ownProfiles{}
	for _, a := range s.Agents {
		path := auth.StorePath(paths.AgentDir(a.ID))
		var got []Item
		if _, err := auth.UpdateStore(ctx, path, func(dst *auth.Store) (bool, error) {
			own.add(dst)
			var changed bool
			got, changed = mergeStore(dst, a, paths)
			return changed, nil
		}); err != nil {
			return items, err
		}
		items = append(items, got...)
	}
	// bot.json and .env change together (one atomicfile.Txn anchored at
	// the config, which the next reader of the config finishes or undoes
	// should this process die midway); both are decided again under the
	// config's lock, which every writer of either takes first.
	var cfgItems, envItems []Item
	var cfg *config.Config // as it was before the edits (which set no token)
	err := config.EditWith(ctx, paths.ConfigPath, func(d *config.Doc) error {
		cur, err := d.Config()
		if err != nil {
			return err
		}
		cfg = cur
		var edits []edit
		cfgItems, edits = mergeConfig(cur, own, s, paths)
		for _, e := range edits {
			if err := d.Set(e.path, e.value); err != nil {
				return err
			}
		}
		return nil
	}, func(txn *atomicfile.Txn) error {
		cur, err := config.ReadDotenv(paths.EnvFile())
		if err != nil {
			return err
		}
		var add []config.DotenvVar
		envItems, add = mergeEnv(cur, cfg, s, paths)
		if len(add) == 0 {
			return txn.Commit()
		}
		return config.SetDotenvIn(ctx, paths.EnvFile(), txn, add, txn.Commit)
	})
	if err != nil {
		return items, err
	}
	items = append(items, cfgItems...)
	items = append(items, envItems...)
	return append(items, s.Notes...), nil
}

// mergeStore adds a's profiles and order to dst where dst has none of that
// id or provider, and reports whether it changed dst.
func mergeStore(dst *auth.Store, a Agent, paths config.Paths) ([]Item, bool) {
	var items []Item
	changed := false
	file := paths.Display(auth.StorePath(paths.AgentDir(a.ID)))
	own := dst.IDs() // bot's own profiles, before the import adds any
	for _, id := range a.Store.IDs() {
		c := a.Store.Profiles[id]
		what := fmt.Sprintf("profile %s (%s) of agent %s", id, c.Type, a.ID)
		_, have := dst.Profiles[id]
		if _, bad := dst.UnusableEntry(id); have || bad {
			items = append(items, Item{What: what, Why: file + " already has it; kept"})
			continue
		}
		dst.Set(id, c.Clone())
		changed = true
		items = append(items, Item{Taken: true, What: what, Why: "into " + file})
	}
	for _, p := range sortedKeys(a.Store.Order) {
		ids := a.Store.Order[p]
		what := fmt.Sprintf("order of agent %s for %s (%s)", a.ID, p, joinIDs(ids))
		if _, have := dst.Order[p]; have {
			items = append(items, Item{What: what, Why: file + " already has an order for " + p + "; kept"})
			continue
		}
		var left []string
		for _, id := range own {
			if auth.NormalizeProvider(id.Provider()) == p && !slices.Contains(ids, id) {
				left = append(left, string(id))
			}
		}
		if len(left) > 0 {
			items = append(items, Item{What: what, Why: leftOut(left, p)})
			continue
		}
		if dst.Order == nil {
			dst.Order = map[string][]auth.ProfileID{}
		}
		dst.Order[p] = slices.Clone(ids)
		changed = true
		items = append(items, Item{Taken: true, What: what, Why: "into " + file})
	}
	return items, changed
}

// leftOut is why an order is not imported: bot has profiles of provider
// p (left) that it does not list, and an order is the whole list the
// router tries, so they would never be tried again.
func leftOut(left []string, p string) string {
	return "bot has " + strings.Join(left, ", ") + ", which this order leaves out (never tried again); not taken; set one with bot models auth order set --provider " + p
}

func joinIDs(ids []auth.ProfileID) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = string(id)
	}
	return strings.Join(s, ", ")
}

// edit is one change to bot.json.
type edit struct {
	path  []string
	value any
}

// declaration is the value of an auth.profiles entry, its keys in the
// order bot writes them.
type declaration struct {
	Provider string `json:"provider"`
	Mode     string `json:"mode"`
	Email    string `json:"email,omitempty"`
}

// ownProfiles are the ids of the profiles bot's stores held before the
// import added any, by provider.
type ownProfiles map[string][]string

// add records the profiles of dst, a store as bot had it.
func (o ownProfiles) add(dst *auth.Store) {
	for _, id := range dst.IDs() {
		p := auth.NormalizeProvider(id.Provider())
		if !slices.Contains(o[p], string(id)) {
			o[p] = append(o[p], string(id))
		}
	}
}

// mergeConfig works out the config's items and edits against cur. A
// declaration or an order for a provider is the whole list the router
// tries (DESIGN §6), so one that would leave out a profile bot already
// stores or declares for that provider (own, cur) is not taken.
func mergeConfig(cur *config.Config, own ownProfiles, s *Setup, paths config.Paths) ([]Item, []edit) {
	var items []Item
	var edits []edit
	file := paths.Display(paths.ConfigPath)
	take := func(what string, e edit) {
		items = append(items, Item{Taken: true, What: what, Why: "into " + file})
		edits = append(edits, e)
	}
	keep := func(what, why string) { items = append(items, Item{What: what, Why: why}) }
	// Bot's own profiles of provider p that ids leave out.
	leftOf := func(p string, ids []string) []string {
		var left []string
		for _, id := range sortedKeys(cur.Auth.Profiles) {
			if auth.NormalizeProvider(cur.Auth.Profiles[id].Provider) == p && !slices.Contains(ids, id) {
				left = append(left, id)
			}
		}
		for _, id := range own[p] {
			if !slices.Contains(ids, id) && !slices.Contains(left, id) {
				left = append(left, id)
			}
		}
		return left
	}
	// Declaring profiles of a provider bot declares none of (and has no
	// order for) turns its router from every stored profile to the
	// declared ones.
	declared := map[string][]string{}
	for _, p := range s.profiles {
		declared[p.value.Provider] = append(declared[p.value.Provider], p.id)
	}
	undeclared := func(p string) []string {
		if _, ok := cur.Auth.Order[p]; ok {
			return nil
		}
		for _, ap := range cur.Auth.Profiles {
			if auth.NormalizeProvider(ap.Provider) == p {
				return nil
			}
		}
		return leftOf(p, declared[p])
	}
	for _, p := range s.profiles {
		what := fmt.Sprintf("auth.profiles.%s (%s, %s)", p.id, p.value.Provider, p.value.Mode)
		if _, have := cur.Auth.Profiles[p.id]; have {
			keep(what, file+" already declares it; kept")
			continue
		}
		if left := undeclared(p.value.Provider); len(left) > 0 {
			keep(what, file+" declares no "+p.value.Provider+" profile, so every stored one is tried; declaring this would leave out "+
				strings.Join(left, ", ")+" (never tried again); not declared (the profile itself is imported)")
			continue
		}
		take(what, edit{[]string{"auth", "profiles", p.id}, declaration{p.value.Provider, p.value.Mode, p.value.Email}})
	}
	for _, p := range sortedKeys(s.order) {
		what := fmt.Sprintf("auth.order.%s (%s)", p, strings.Join(s.order[p], ", "))
		if _, have := cur.Auth.Order[p]; have {
			keep(what, file+" already has an order for "+p+"; kept")
			continue
		}
		if left := leftOf(p, s.order[p]); len(left) > 0 {
			keep(what, leftOut(left, p))
			continue
		}
		take(what, edit{[]string{"auth", "order", p}, s.order[p]})
	}
	if s.model != "" {
		what := "models.default (" + s.model + ")"
		switch cur.Models.Default {
		case "":
			take(what, edit{[]string{"models", "default"}, s.model})
		case s.model:
			keep(what, file+" already has it")
		default:
			keep(what, file+" sets "+cur.Models.Default+"; kept")
		}
	}
	for _, a := range s.aliases {
		what := fmt.Sprintf("alias %s (%s)", a.name, a.model)
		switch have, ok := lookupAlias(cur.Models.Aliases, a.name); {
		case !ok:
			take(what, edit{[]string{"models", "aliases", a.name}, a.model})
		case have == a.model:
			keep(what, file+" already has it")
		default:
			keep(what, file+" maps it to "+have+"; kept")
		}
	}
	// addIDs adds to channels.<ch>.<list> the ids it does not hold yet.
	addIDs := func(ch, list string, have, ids []string) {
		if len(ids) == 0 {
			return
		}
		var added []string
		for _, id := range ids {
			if !slices.Contains(have, id) {
				added = append(added, id)
			}
		}
		key := "channels." + ch + "." + list
		if len(added) == 0 {
			keep(key+" ("+strings.Join(ids, ", ")+")", file+" already has them")
			return
		}
		take(key+" (+"+strings.Join(added, ", ")+")", edit{[]string{"channels", ch, list}, slices.Concat(have, added)})
	}
	for _, ch := range s.channels {
		cfg := cur.Channels.Named(ch.name)
		addIDs(ch.name, "allowFrom", cfg.AllowFrom, ch.allowFrom)
		addIDs(ch.name, "guilds", cfg.Guilds, ch.guilds)
	}
	return items, edits
}

// lookupAlias finds name among aliases, case-insensitively (as /model
// resolves aliases).
func lookupAlias(aliases map[string]string, name string) (string, bool) {
	for k, v := range aliases {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

// mergeEnv works out the .env items against cur (the variables the file
// sets) and cfg (bot.json), and the variables to add. A channel whose token
// bot.json holds gets no variable: it would win over that token. An item's
// What starts with the key.
func mergeEnv(cur map[string]secret.Secret, cfg *config.Config, s *Setup, paths config.Paths) ([]Item, []config.DotenvVar) {
	var items []Item
	var add []config.DotenvVar
	file := paths.Display(paths.EnvFile())
	var vars []config.DotenvVar
	source := map[string]string{}
	for _, ch := range s.channels {
		if ch.token.IsZero() {
			continue
		}
		key := strings.ToUpper(ch.name) + "_BOT_TOKEN"
		if have := cfg.Channels.Named(ch.name).Token; !have.IsBlank() {
			why := paths.Display(paths.ConfigPath) + " sets channels." + ch.name + ".token, which a variable in " + file + " would override; kept"
			if have.Equal(ch.token) {
				why = paths.Display(paths.ConfigPath) + " already has it as channels." + ch.name + ".token"
			}
			items = append(items, Item{What: fmt.Sprintf("%s %s (from %s)", key, ch.token.Mask(), ch.tokenKey), Why: why})
			source[key] = ch.tokenKey
			continue
		}
		vars = append(vars, config.DotenvVar{Key: key, Value: ch.token})
		source[key] = ch.tokenKey
	}
	for _, v := range s.env {
		if _, ok := source[v.Key]; ok {
			items = append(items, Item{What: fmt.Sprintf("%s %s (from %s)", v.Key, v.Value.Mask(), paths.Display(s.envSource[v.Key])),
				Why: source[v.Key] + " wins, as it does in OpenClaw"})
			continue
		}
		vars = append(vars, v)
		source[v.Key] = paths.Display(s.envSource[v.Key])
	}
	for _, v := range vars {
		what := fmt.Sprintf("%s %s (from %s)", v.Key, v.Value.Mask(), source[v.Key])
		switch have, ok := cur[v.Key]; {
		case !ok:
			add = append(add, v)
			items = append(items, Item{Taken: true, What: what, Why: "into " + file})
		case have.Equal(v.Value):
			items = append(items, Item{What: what, Why: file + " already has it"})
		default:
			items = append(items, Item{What: what, Why: file + " sets another value; kept"})
		}
	}
	return items, add
}
