package auth

// An agent other than the main one (config agents.default) may have no
// credential of its own for a provider; it then uses the main agent's, read
// through and never copied (OpenClaw copied the main store into the agent's
// dir, so later changes to the main store never reached the agent). As soon
// as the agent holds a credential of its own for a provider, only its own
// are used for that provider.
//
// Inherited credentials are read-only for the agent: nothing the agent does
// writes the main agent's store. Keys and tokens are used as the main store
// holds them; an inherited OAuth credential is used while its access token
// is valid and is not refreshed by the agent (a refresh rotates the refresh
// token, which would have to be written to the main store), so once expired
// it is skipped until the main agent renews it on its own next use.

// Inherit returns the store agent sees: own, plus, for every provider of
// which own holds no credential (a profile with a secret that is not blank),
// parent's profiles of that provider and parent's order for it (unless own
// has an order for it). parent is the main agent's store and parentAgent
// its id; a nil parent, or parent == own, returns own.
//
// The result is a view for reading (the Resolver, status): its inherited
// profiles report InheritedFrom(id) == parentAgent. It must never be
// written to a file; writers go through UpdateStore, which reads the
// agent's own file. own and parent are not changed.
func Inherit(own, parent *Store, parentAgent string) *Store {
	if parent == nil || parent == own {
		return own
	}
	has := map[string]bool{}
	for _, c := range own.Profiles {
		if c.hasSecret() {
			has[NormalizeProvider(c.Provider)] = true
		}
	}
	var v *Store
	for _, id := range parent.IDs() {
		c := parent.Profiles[id]
		p := NormalizeProvider(c.Provider)
		if has[p] || !KnownProvider(p) {
			continue
		}
		if _, taken := own.Profiles[id]; taken {
			continue // the agent's own entry of that id wins
		}
		if _, taken := own.foreign[id]; taken {
			continue
		}
		if v == nil {
			v = own.Clone()
			v.inherited = map[ProfileID]string{}
		}
		v.Set(id, c) // shared, read-only: the view is never written
		v.inherited[id] = parentAgent
		if list, ok := parent.Order[p]; ok {
			if _, mine := own.Order[p]; !mine {
				if v.Order == nil {
					v.Order = map[string][]ProfileID{}
				}
				v.Order[p] = list
			}
		}
	}
	if v == nil {
		return own
	}
	return v
}

// InheritedFrom returns the agent whose credential id is, when the store is
// a view made by Inherit and id came from that agent's store; else "".
func (s *Store) InheritedFrom(id ProfileID) string { return s.inherited[id] }

// hasSecret reports whether c holds a secret that is not blank.
func (c *Credential) hasSecret() bool {
	return !c.Key.IsBlank() || !c.Token.IsBlank() || !c.Access.IsBlank() || !c.Refresh.IsBlank()
}

// Inheriting returns o with main's credentials added as Inherit does: the
// store an agent other than the main one sees. main is the main agent's
// opened store and mainAgent its id. o is not changed; when nothing is
// inherited, o itself is returned.
func (o *Opened) Inheriting(main *Opened, mainAgent string) *Opened {
	if main == nil || main == o {
		return o
	}
	v := Inherit(o.Store, main.Store, mainAgent)
	if v == o.Store {
		return o
	}
	n := *o
	n.Store = v
	return &n
}
