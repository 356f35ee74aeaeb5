package catalog

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/botgateway/bot/config"
	"github.com/botgateway/bot/internal/secret"
)

// Ref names one model of one provider. Provider is a normalized provider id
// ("anthropic"); Model is the provider's own model id, which may hold '/'
// ("moonshotai/kimi-k2" under openrouter). Refs from a Catalog are in lower
// case, so they compare with ==.
type Ref struct {
	Provider string
	Model    string
}

// String returns "provider/model", or "" for the zero Ref.
func (r Ref) String() string {
	if r == (Ref{}) {
		return ""
	}
	return r.Provider + "/" + r.Model
}

// Model is one entry of the catalog.
type Model struct {
	// Ref identifies the model.
	Ref Ref
	// Name is the name to show people ("Claude Sonnet 4.5"). A model that
	// only the config names has its model id as Name.
	Name string
}

// Alias is a short name for a model.
type Alias struct {
	// Name is the alias, in lower case.
	Name string
	// Ref is the model it stands for.
	Ref Ref
	// Builtin is true for an alias bot ships and the config did not replace.
	Builtin bool
}

// ConfigError is a problem with the models block of the config, located by
// its dotted key ("models.aliases.fast", "models.allow[1]"). New returns
// one, or several joined with errors.Join.
type ConfigError struct {
	// Key is the dotted key of the offending value.
	Key string
	// Msg says what is wrong and what is expected.
	Msg string
}

// Error returns "<key>: <msg>".
func (e *ConfigError) Error() string { return e.Key + ": " + e.Msg }

// entry is a catalog model with what New precomputes about it.
type entry struct {
	Model
	rank    int  // position for tie-breaking suggestions: built-ins first
	allowed bool // Allowed(Ref), precomputed
}

// aliasEntry is the value of the alias map.
type aliasEntry struct {
	ref     Ref
	allowed bool
	builtin bool
}

// pattern is a models.allow entry ending in "/*": every model of provider
// whose id starts with prefix.
type pattern struct {
	provider, prefix string
}

// Catalog is the set of known models, aliases, the default model and the
// allowlist. Build one with New; it is immutable and safe for concurrent use.
type Catalog struct {
	def        Ref
	models     map[Ref]*entry        // keyed by lower-case Ref
	byProvider map[string][]*entry   // sorted by model id
	aliases    map[string]aliasEntry // keyed by lower-case name
	aliasList  []Alias               // sorted by name
	aliasesFor map[Ref][]string      // config aliases first, then built-in, each sorted

	hasAllow   bool         // models.allow is set
	allowAll   bool         // models.allow holds "*"
	allowExact map[Ref]bool // exact entries
	patterns   []pattern    // "p/*" and "p/prefix/*" entries
}

// New builds the catalog from the built-in models and aliases and from the
// models block of cfg (which may be nil: the defaults). It validates
// models.default, models.aliases and models.allow, and reports every problem
// as a *ConfigError (several joined with errors.Join). It does no I/O.
func New(cfg *config.Config) (*Catalog, error) {
	if cfg == nil {
		cfg = &config.Config{}
	}
	c := &Catalog{
		models:     make(map[Ref]*entry),
		byProvider: make(map[string][]*entry),
		aliases:    make(map[string]aliasEntry),
		aliasesFor: make(map[Ref][]string),
		allowExact: make(map[Ref]bool),
	}
	for _, m := range builtinModels {
		c.add(m.Ref, m.Name)
	}
	for name, ref := range builtinAliases {
		c.aliases[name] = aliasEntry{ref: ref, builtin: true}
	}

	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, &ConfigError{Key: key, Msg: fmt.Sprintf(format, args...)})
	}

	// models.aliases, in a stable order so errors are too.
	names := make([]string, 0, len(cfg.Models.Aliases))
	for name := range cfg.Models.Aliases {
		names = append(names, name)
	}
	slices.Sort(names)
	fromConfig := make(map[string]string) // normalized name → config key
	for _, raw := range names {
		key := childKey("models.aliases", raw)
		name := strings.ToLower(strings.TrimSpace(raw))
		switch {
		case name == "":
			bad(key, "an alias name must not be empty")
			continue
		case !validAliasName(name):
			bad(key, "an alias name may hold only letters, digits, '.', '_', ':' and '-'")
			continue
		case slices.Contains(reserved, name):
			bad(key, "%q is reserved (a /model subcommand); choose another alias name", name)
			continue
		}
		if other, dup := fromConfig[name]; dup {
			bad(key, "same alias as %s (alias names ignore case)", other)
			continue
		}
		fromConfig[name] = key
		ref, msg := c.configRef(cfg.Models.Aliases[raw])
		if msg != "" {
			bad(key, "%s", msg)
			continue
		}
		c.aliases[name] = aliasEntry{ref: ref}
	}

	// models.default: provider/model, or an alias.
	if d := cfg.DefaultModel(); strings.Contains(d, "/") {
		ref, msg := c.configRef(d)
		if msg != "" {
			bad("models.default", "%s", msg)
		}
		c.def = ref
	} else if a, ok := c.aliases[strings.ToLower(d)]; ok {
		c.def = a.ref
	} else {
		// The value is named (masked if it is a secret put there by
		// mistake), with where to find what it may be.
		bad("models.default", "%q is neither <provider>/<model> nor an alias; run bot models list to see the models and aliases", secret.MaskText(d))
	}

	// models.allow.
	c.hasAllow = len(cfg.Models.Allow) > 0
	for i, raw := range cfg.Models.Allow {
		key := "models.allow[" + strconv.Itoa(i) + "]"
		s := strings.ToLower(strings.TrimSpace(raw))
		switch {
		case s == "*":
			c.allowAll = true
		case strings.HasSuffix(s, "/*"):
			p, prefix, _ := strings.Cut(strings.TrimSuffix(s, "*"), "/")
			switch {
			case strings.Contains(prefix, "*"):
				bad(key, "'*' may only end an entry, as in anthropic/*")
			case !slices.Contains(knownProviders, p):
				bad(key, "%s", unknownProviderMsg(p))
			default:
				c.patterns = append(c.patterns, pattern{provider: p, prefix: prefix})
			}
		case strings.Contains(s, "*"):
			bad(key, "'*' may only end an entry, as in anthropic/*")
		default:
			ref, msg := c.configRef(s)
			if msg != "" {
				bad(key, "%s (or <provider>/*, or *)", msg)
				continue
			}
			c.allowExact[ref] = true
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}

	// Precompute what Resolve, Allowed, Label and the texts need.
	for _, e := range c.models {
		e.allowed = c.allowedSlow(e.Ref)
		c.byProvider[e.Ref.Provider] = append(c.byProvider[e.Ref.Provider], e)
	}
	for _, es := range c.byProvider {
		slices.SortFunc(es, func(a, b *entry) int { return strings.Compare(a.Ref.Model, b.Ref.Model) })
	}
	for name, a := range c.aliases {
		a.allowed = c.models[a.ref].allowed
		c.aliases[name] = a
		c.aliasList = append(c.aliasList, Alias{Name: name, Ref: a.ref, Builtin: a.builtin})
	}
	slices.SortFunc(c.aliasList, func(a, b Alias) int { return strings.Compare(a.Name, b.Name) })
	for _, builtin := range []bool{false, true} {
		for _, a := range c.aliasList {
			if a.Builtin == builtin {
				c.aliasesFor[a.Ref] = append(c.aliasesFor[a.Ref], a.Name)
			}
		}
	}
	return c, nil
}

// add puts ref in the catalog unless it is there, and returns its entry.
func (c *Catalog) add(ref Ref, name string) *entry {
	if e := c.models[ref]; e != nil {
		return e
	}
	e := &entry{Model: Model{Ref: ref, Name: name}, rank: len(c.models)}
	c.models[ref] = e
	return e
}

// configRef parses a provider/model id from the config, adds it to the
// catalog when it is new, and returns its canonical Ref. On failure it
// returns a message instead.
func (c *Catalog) configRef(s string) (Ref, string) {
	p, m, ok := strings.Cut(strings.TrimSpace(s), "/")
	p = normalizeProvider(p)
	m = strings.ToLower(strings.TrimSpace(m))
	switch {
	case !ok || p == "" || m == "":
		return Ref{}, "must be <provider>/<model>"
	case !slices.Contains(knownProviders, p):
		return Ref{}, unknownProviderMsg(p)
	case !validModelID(m):
		return Ref{}, "the model id may hold only letters, digits, '.', '_', ':', '-' and '/' between non-empty parts"
	}
	if e := c.lookup(p, m); e != nil {
		return e.Ref, ""
	}
	return c.add(Ref{p, m}, m).Ref, ""
}

// unknownProviderMsg is the config message for an unknown provider.
func unknownProviderMsg(p string) string {
	msg := fmt.Sprintf("unknown provider %s", quote(p))
	if s := providerSuggestions(p); len(s) > 0 {
		msg += " (did you mean " + s[0] + "?)"
	}
	return msg + "; providers: " + strings.Join(knownProviders, ", ")
}

// childKey returns the dotted key of member name of the object at parent,
// written as ["name"] when name is not a plain word (as package config does).
func childKey(parent, name string) string {
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return parent + "[" + strconv.Quote(name) + "]"
		}
	}
	return parent + "." + name
}

// validAliasName reports whether a lower-case alias name can be typed as a
// /model argument.
func validAliasName(s string) bool {
	for i := 0; i < len(s); i++ {
		if !idByte(s[i]) {
			return false
		}
	}
	return true
}

// validModelID reports whether a lower-case model id is made of non-empty
// '/'-separated parts of id bytes.
func validModelID(s string) bool {
	for part := range strings.SplitSeq(s, "/") {
		if part == "" || !validAliasName(part) {
			return false
		}
	}
	return true
}

// idByte reports whether b may appear in an alias or in a part of a model
// id: the token characters of the /model grammar other than '/' and '@'.
func idByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' ||
		b == '.' || b == '_' || b == ':' || b == '-'
}

// normalizeProvider trims and lower-cases a provider id, as auth does.
func normalizeProvider(p string) string { return strings.ToLower(strings.TrimSpace(p)) }

// lookup finds model m (trimmed, any case) of normalized provider p in the
// catalog. For anthropic it also accepts the short forms "opus-4.5",
// "sonnet-4.5" and "claude-opus-4.5".
func (c *Catalog) lookup(p, m string) *entry {
	lm := strings.ToLower(m)
	if e := c.models[Ref{p, lm}]; e != nil {
		return e
	}
	if p == "anthropic" {
		n := strings.ReplaceAll(lm, ".", "-")
		if !strings.HasPrefix(n, "claude-") {
			n = "claude-" + n
		}
		return c.models[Ref{p, n}]
	}
	return nil
}

// allowedSlow is Allowed for a ref in canonical form, without the
// precomputed flags.
func (c *Catalog) allowedSlow(ref Ref) bool {
	if !slices.Contains(knownProviders, ref.Provider) {
		return false
	}
	if ref == c.def {
		return true
	}
	if !c.hasAllow {
		return c.models[ref] != nil
	}
	return c.allowExact[ref] || c.patternAllows(ref.Provider, ref.Model)
}

// patternAllows reports whether a "*" or ".../*" entry of models.allow
// covers model m (lower case) of provider p.
func (c *Catalog) patternAllows(p, m string) bool {
	if c.allowAll {
		return true
	}
	for _, pt := range c.patterns {
		if pt.provider == p && strings.HasPrefix(m, pt.prefix) {
			return true
		}
	}
	return false
}

// Default returns the default model: models.default, or
// config.DefaultModel when it is not set.
func (c *Catalog) Default() Ref { return c.def }

// Providers returns the providers of the catalog, sorted. All of them are
// listed, whether or not the allowlist leaves them any model.
func (c *Catalog) Providers() []string { return slices.Clone(knownProviders) }

// Models returns the catalog's models of provider (normalized here), sorted
// by id, allowed or not; nil for an unknown provider. Callers that show
// choices filter them with Allowed.
func (c *Catalog) Models(provider string) []Model {
	es := c.byProvider[normalizeProvider(provider)]
	if len(es) == 0 {
		return nil
	}
	out := make([]Model, len(es))
	for i, e := range es {
		out[i] = e.Model
	}
	return out
}

// Lookup returns the catalog entry of ref (either case).
func (c *Catalog) Lookup(ref Ref) (Model, bool) {
	e := c.models[Ref{strings.ToLower(ref.Provider), strings.ToLower(ref.Model)}]
	if e == nil {
		return Model{}, false
	}
	return e.Model, true
}

// Aliases returns every alias, built-in and configured, sorted by name.
func (c *Catalog) Aliases() []Alias { return slices.Clone(c.aliasList) }

// AliasesFor returns the aliases of ref: those from the config first, then
// the built-in ones, each group sorted by name. It returns nil when ref has
// none.
func (c *Catalog) AliasesFor(ref Ref) []string { return slices.Clone(c.aliasesFor[ref]) }

// Allowed reports whether users may select ref. The default model is always
// allowed. Without models.allow, the models of the catalog are; with it,
// the models it names exactly or covers with a pattern ("anthropic/*",
// "*"), including ids the catalog does not know. A ref of an unknown
// provider is never allowed.
func (c *Catalog) Allowed(ref Ref) bool {
	ref = Ref{strings.ToLower(ref.Provider), strings.ToLower(ref.Model)}
	if e := c.models[ref]; e != nil {
		return e.allowed
	}
	return c.hasAllow && slices.Contains(knownProviders, ref.Provider) && c.patternAllows(ref.Provider, ref.Model)
}

// Label names ref for replies: "sonnet (anthropic/claude-sonnet-4-5)" when
// it has an alias (the first of AliasesFor), else "anthropic/claude-sonnet-4-5".
func (c *Catalog) Label(ref Ref) string {
	if as := c.aliasesFor[ref]; len(as) > 0 {
		return as[0] + " (" + ref.String() + ")"
	}
	return ref.String()
}

// rankOf orders refs for suggestions: the default first, then the built-in
// order, then models the config added.
func (c *Catalog) rankOf(ref Ref) int {
	if ref == c.def {
		return -1
	}
	if e := c.models[ref]; e != nil {
		return e.rank
	}
	return len(c.models)
}

// compareRefs orders refs by rankOf, then by id.
func (c *Catalog) compareRefs(a, b Ref) int {
	return cmp.Or(cmp.Compare(c.rankOf(a), c.rankOf(b)), strings.Compare(a.String(), b.String()))
}
