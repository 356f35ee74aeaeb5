package auth

import (
	"slices"
	"time"

	"github.com/botgateway/bot/config"
	"github.com/botgateway/bot/internal/providers"
)

// UsageState is the runtime state of one profile that the router records
// after provider calls. It lives in SQLite (sessions), not in the store file,
// so a provider call never rewrites auth-profiles.json.
type UsageState struct {
	LastUsed       time.Time
	CooldownUntil  time.Time // transient failures (rate limit, timeout, ...)
	DisabledUntil  time.Time // billing and permanent auth failures
	DisabledReason string
	// CooldownReason is the most frequent reason of the recent failures
	// ("rate_limit", "timeout", ...), for messages.
	CooldownReason    string
	LastRefreshFailed bool
}

// UnusableUntil returns the later of CooldownUntil and DisabledUntil.
func (u UsageState) UnusableUntil() time.Time {
	if u.DisabledUntil.After(u.CooldownUntil) {
		return u.DisabledUntil
	}
	return u.CooldownUntil
}

// Usage reports runtime state per profile. Implementations must be safe for
// concurrent use and must not do I/O per call (the router asks before every
// provider call); the sessions store serves it from memory.
type Usage interface {
	// ProfileUsage returns the state of id, or the zero state.
	ProfileUsage(id ProfileID) UsageState
	// LastGood returns the profile of provider that last completed a call,
	// or "".
	LastGood(provider string) ProfileID
}

// EnvLookup finds a variable in the layered environment (config.Env).
type EnvLookup interface {
	Lookup(key string) (value Secret, src config.Source, ok bool)
}

// Basis says why a candidate is where it is in the order.
type Basis string

// The bases of a candidate, in the order DESIGN §6 tries them.
const (
	BasisPinned     Basis = "pinned"     // the session's user pin
	BasisAuto       Basis = "auto"       // the session's automatic pin
	BasisStoreOrder Basis = "order"      // the agent's order in auth-profiles.json
	BasisConfig     Basis = "config"     // config auth.order
	BasisConfigured Basis = "configured" // config auth.profiles
	BasisStored     Basis = "stored"     // stored profiles, round-robin
	BasisEnv        Basis = "env"        // an environment variable
)

// List names the list a basis draws its candidates from.
func (b Basis) List() string {
	switch b {
	case BasisStoreOrder:
		return "the agent's order (bot models auth order)"
	case BasisConfig:
		return "config auth.order"
	case BasisConfigured:
		return "config auth.profiles"
	}
	return "the auth store"
}

// Candidate is one credential the router may try for a provider.
type Candidate struct {
	// ProfileID is the profile, or "" for an environment variable.
	ProfileID  ProfileID
	Provider   string
	Credential *Credential // for env candidates, a synthesized credential
	// EnvSource labels an environment candidate ("env: ANTHROPIC_API_KEY").
	EnvSource string
	Basis     Basis
	Health    ProfileHealth
	Usage     UsageState
	// InCooldown reports whether the profile is cooling down or disabled
	// at the time of resolution.
	InCooldown bool
	LastGood   bool
	// Excluded, when not empty, says why the profile can not be used; such
	// candidates appear only in Plan.Excluded.
	Excluded string
	// From is the agent whose store holds the profile when the agent asked
	// for has none of its own for the provider and uses the main agent's
	// (Inherit); "" for the agent's own profiles and the environment.
	// Such a credential is read-only: it is never refreshed or written.
	From string
}

// Refreshable reports whether the candidate's credential goes through the
// refresher: an OAuth profile of the agent's own store. Keys and tokens are
// used as found, and an OAuth credential inherited from the main agent is
// read-only here (the resolver offers it only while its access token is
// valid).
func (c Candidate) Refreshable() bool {
	return c.ProfileID != "" && c.Credential != nil && c.Credential.Type == KindOAuth && c.From == ""
}

// Label returns how status output names the candidate: the profile id, or
// the environment source.
func (c Candidate) Label() string {
	if c.ProfileID != "" {
		return string(c.ProfileID)
	}
	return c.EnvSource
}

// Reasons of Candidate.Excluded that callers tell apart: a profile named
// in a list but absent from the store, and one whose entry the store holds
// but bot cannot use (ExcludedUnusable is followed by the problem).
const (
	ExcludedNotStored = "not in the auth store"
	ExcludedUnusable  = "unusable in the auth store: "
)

// Plan is the resolved candidate order for one provider.
type Plan struct {
	Provider   string
	Candidates []Candidate // in the order the router tries them
	Excluded   []Candidate // named somewhere but unusable, with the reason
}

// Next returns the first candidate, the one the next call uses, or false.
func (p Plan) Next() (Candidate, bool) {
	if len(p.Candidates) == 0 {
		return Candidate{}, false
	}
	return p.Candidates[0], true
}

// Query asks for the candidates of one provider, optionally for a session
// with a pin.
type Query struct {
	Provider  string
	Pin       ProfileID
	PinIsUser bool // a user pin is used alone and never rotated away
}

// Resolver orders the credentials of a provider. It is the single place that
// does: the router, /model status and bot models status all ask it, so they
// cannot disagree (DESIGN §6). It does no I/O; its inputs are snapshots.
type Resolver struct {
	Store  *Store
	Config *config.Config
	Env    EnvLookup // may be nil
	Usage  Usage     // may be nil
	Now    func() time.Time
}

// Resolve returns the candidate order for q.
//
// Order (DESIGN §6): a user pin alone, used even in cooldown; otherwise the
// agent's store order, else config auth.order, else the profiles declared in
// config auth.profiles, else the stored profiles of the provider sorted OAuth
// before token before API key and least recently used first. Profiles in
// cooldown go last, soonest available first. Environment variables come
// after every profile. An automatic pin moves to the front unless it is
// cooling down.
func (r *Resolver) Resolve(q Query) Plan {
	now := time.Now()
	if r.Now != nil {
		now = r.Now()
	}
	provider := NormalizeProvider(q.Provider)
	plan := Plan{Provider: provider}
	var lastGood ProfileID
	if r.Usage != nil {
		lastGood = r.Usage.LastGood(provider)
	}

	if q.Pin != "" && q.PinIsUser {
		c := r.candidate(q.Pin, provider, BasisPinned, now, lastGood)
		if c.Excluded != "" {
			plan.Excluded = append(plan.Excluded, c)
		} else {
			plan.Candidates = append(plan.Candidates, c)
		}
		return plan
	}

	ids, basis := r.baseOrder(provider)
	var ready, cooling []Candidate
	seen := map[ProfileID]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		c := r.candidate(id, provider, basis, now, lastGood)
		switch {
		case c.Excluded != "":
			plan.Excluded = append(plan.Excluded, c)
		case c.InCooldown:
			cooling = append(cooling, c)
		default:
			ready = append(ready, c)
		}
	}
	if basis == BasisConfigured || basis == BasisStored {
		slices.SortStableFunc(ready, func(a, b Candidate) int {
			if d := a.Credential.Type.rank() - b.Credential.Type.rank(); d != 0 {
				return d
			}
			return a.Usage.LastUsed.Compare(b.Usage.LastUsed)
		})
	}
	slices.SortStableFunc(cooling, func(a, b Candidate) int {
		return a.Usage.UnusableUntil().Compare(b.Usage.UnusableUntil())
	})
	if q.Pin != "" {
		if i := slices.IndexFunc(ready, func(c Candidate) bool { return c.ProfileID == q.Pin }); i > 0 {
			c := ready[i]
			c.Basis = BasisAuto
			ready = append([]Candidate{c}, slices.Delete(ready, i, i+1)...)
		} else if i == 0 {
			ready[0].Basis = BasisAuto
		}
	}
	if basis != BasisStored {
		// Stored profiles outside an explicit list are not tried; say so,
		// so status can explain why a stored credential is never used.
		for _, id := range r.Store.ForProvider(provider) {
			if !seen[id] {
				c := r.candidate(id, provider, basis, now, lastGood)
				c.Excluded = "not listed in " + basis.List()
				plan.Excluded = append(plan.Excluded, c)
			}
		}
	}
	plan.Candidates = append(ready, cooling...)
	if env, ok := r.envCandidate(provider, now); ok {
		plan.Candidates = append(plan.Candidates, env)
	}
	return plan
}

// baseOrder returns the profile ids to consider and where they come from.
func (r *Resolver) baseOrder(provider string) ([]ProfileID, Basis) {
	if list, ok := r.Store.Order[provider]; ok {
		return list, BasisStoreOrder
	}
	if r.Config != nil {
		for p, list := range r.Config.Auth.Order {
			if NormalizeProvider(p) == provider {
				ids := make([]ProfileID, 0, len(list))
				for _, s := range list {
					ids = append(ids, ProfileID(s))
				}
				return ids, BasisConfig
			}
		}
		var ids []ProfileID
		for id, ap := range r.Config.Auth.Profiles {
			if NormalizeProvider(ap.Provider) == provider || (ap.Provider == "" && ProfileID(id).Provider() == provider) {
				ids = append(ids, ProfileID(id))
			}
		}
		if len(ids) > 0 {
			slices.Sort(ids)
			return ids, BasisConfigured
		}
	}
	return r.Store.ForProvider(provider), BasisStored
}

// candidate builds the candidate for id, with Excluded set when it can not
// be used for provider.
func (r *Resolver) candidate(id ProfileID, provider string, basis Basis, now time.Time, lastGood ProfileID) Candidate {
	c := Candidate{ProfileID: id, Provider: provider, Basis: basis, LastGood: id == lastGood && id != ""}
	if r.Usage != nil {
		c.Usage = r.Usage.ProfileUsage(id)
	}
	c.InCooldown = now.Before(c.Usage.UnusableUntil())
	cred, ok := r.Store.Profiles[id]
	if !ok {
		c.Excluded = ExcludedNotStored
		if u, bad := r.Store.UnusableEntry(id); bad {
			c.Excluded = ExcludedUnusable + u.Problem
		}
		c.Health = ProfileHealth{Status: StatusMissing}
		return c
	}
	c.Credential = cred
	c.From = r.Store.InheritedFrom(id)
	c.Health = CredentialHealth(cred, now, c.Usage.LastRefreshFailed)
	if p := NormalizeProvider(cred.Provider); p != provider {
		c.Excluded = "is for " + p + ", not " + provider
		return c
	}
	if r.Config != nil {
		if ap, ok := r.Config.Auth.Profiles[string(id)]; ok {
			if ap.Provider != "" && NormalizeProvider(ap.Provider) != provider {
				c.Excluded = "config says provider " + NormalizeProvider(ap.Provider)
				return c
			}
			if !ModeAccepts(ap.Mode, cred.Type) {
				c.Excluded = "config mode " + ap.Mode + " does not accept a stored " + string(cred.Type)
				return c
			}
		}
	}
	if !cred.Usable(now) {
		switch cred.Type {
		case KindToken:
			if !cred.Token.IsBlank() {
				c.Excluded = "token expired"
				return c
			}
		}
		c.Excluded = "no secret stored (empty or only white space)"
		return c
	}
	if c.From != "" && cred.Type == KindOAuth && !accessValid(cred, now, 0) {
		c.Excluded = "access token expired; inherited from agent " + c.From + ", which renews it on its next use (this agent never writes its store)"
		return c
	}
	return c
}

// ModeAccepts reports whether a config auth.profiles mode admits a stored
// credential kind: equal kinds, an empty mode, and "oauth" accepting a
// stored "token" (a Claude Code setup-token synced without refresh token).
func ModeAccepts(mode string, k Kind) bool {
	return mode == "" || Kind(mode) == k || (Kind(mode) == KindOAuth && k == KindToken)
}

// envCandidate returns the environment credential of provider, if any.
func (r *Resolver) envCandidate(provider string, now time.Time) (Candidate, bool) {
	if r.Env == nil {
		return Candidate{}, false
	}
	spec, _ := providers.Lookup(provider)
	for _, name := range spec.KeyVars {
		v, src, ok := r.Env.Lookup(name)
		if !ok || v.IsBlank() {
			continue
		}
		cred := &Credential{Provider: provider, Type: KindAPIKey, Key: v}
		if name != spec.APIKeyVar() {
			cred = &Credential{Provider: provider, Type: KindToken, Token: v}
		}
		return Candidate{
			Provider:   provider,
			Credential: cred,
			EnvSource:  src.String(),
			Basis:      BasisEnv,
			Health:     CredentialHealth(cred, now, false),
		}, true
	}
	return Candidate{}, false
}

// MaskedLabel names the candidate the way every status view does, its
// secret masked: "anthropic:work=sk-a…work", "anthropic:sub=token:sk-a…1234",
// "anthropic:claude-cli=OAuth (me@example.com)", or for an environment
// variable "ANTHROPIC_API_KEY=sk-a…abcd".
func (c Candidate) MaskedLabel() string {
	if c.ProfileID == "" {
		return c.EnvSource + "=" + c.Credential.Secret().Mask()
	}
	return MaskedLabel(c.ProfileID, c.Credential)
}

// MaskedLabel names profile id holding cred, its secret masked (see
// Candidate.MaskedLabel).
func MaskedLabel(id ProfileID, cred *Credential) string {
	switch cred.Type {
	case KindAPIKey:
		return string(id) + "=" + cred.Key.Mask()
	case KindToken:
		return string(id) + "=token:" + cred.Token.Mask()
	}
	if cred.Email != "" {
		return string(id) + "=OAuth (" + cred.Email + ")"
	}
	return string(id) + "=OAuth"
}
