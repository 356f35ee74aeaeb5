package auth

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Unusable is an entry of the store's "profiles" that bot keeps (it is
// written back unchanged on every rewrite) but cannot use: a credential of
// a kind bot knows whose fields have the wrong types ("key": 42, "expires":
// "soon", "key": null), or an entry of a type bot does not use (OpenClaw's
// store may hold others). Status and doctor name such entries rather than
// skip them in silence, and /model @<id> says the profile is malformed.
type Unusable struct {
	ID ProfileID
	// Provider is the entry's provider as far as it can be read: its
	// "provider" string, else the part of the id before ':'; normalized.
	Provider string
	// Type is the entry's "type" when it is a string, else "".
	Type string
	// Problem says what is wrong, without the file and without any value
	// of the entry: `"key" is a number, want a string`.
	Problem string
	// Malformed reports an entry meant as a credential bot uses (type
	// api_key, token or oauth, or no type at all) that it cannot read: a
	// credential the user stored and cannot use, so a problem. Otherwise
	// the entry is of a type bot does not use and is only noted.
	Malformed bool
}

// Fix says what to do about u, as a clause without a final period.
func (u Unusable) Fix() string {
	switch {
	case !u.Malformed:
		return fmt.Sprintf("bot never uses it; if nothing else needs it, remove it: bot models auth remove %s", u.ID)
	case u.ID == ClaudeCLIProfile:
		return fmt.Sprintf("remove it (bot models auth remove %s), then sync Claude Code's login again: bot models auth setup-token", u.ID)
	case !KnownProvider(u.Provider):
		return fmt.Sprintf("fix the entry in the file, or remove it: bot models auth remove %s", u.ID)
	}
	return fmt.Sprintf("store it again (bot models auth paste-token --provider %s --profile-id %s) or remove it (bot models auth remove %s)", u.Provider, u.ID, u.ID)
}

// Unusable returns the entries of the store bot cannot use, in file order.
func (s *Store) Unusable() []Unusable {
	var out []Unusable
	for _, id := range s.ids {
		if u, ok := s.unusable[id]; ok {
			if _, kept := s.foreign[id]; kept {
				out = append(out, u)
			}
		}
	}
	return out
}

// UnusableEntry returns the unusable entry of id, if the store holds one.
func (s *Store) UnusableEntry(id ProfileID) (Unusable, bool) {
	if _, ok := s.foreign[id]; !ok {
		return Unusable{}, false
	}
	u, ok := s.unusable[id]
	return u, ok
}

// unusableEntry describes the raw profile entry id that did not decode as a
// credential; decodeErr is the error of Credential.UnmarshalJSON, if any.
func unusableEntry(id ProfileID, raw json.RawMessage, decodeErr error) Unusable {
	u := Unusable{ID: id, Provider: id.Provider()}
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil || obj == nil {
		u.Problem, u.Malformed = fmt.Sprintf("the entry is %s, want an object", jsonKind(raw)), true
		return u
	}
	var p string
	if json.Unmarshal(obj["provider"], &p) == nil && strings.TrimSpace(p) != "" {
		u.Provider = NormalizeProvider(p)
	}
	var typ string
	typed := json.Unmarshal(obj["type"], &typ) == nil
	u.Type = typ
	switch {
	case decodeErr != nil:
		u.Problem = decodeErr.Error()
		u.Malformed = !typed || typ == "" || Kind(typ).Valid()
	case strings.TrimSpace(typ) == "":
		u.Problem, u.Malformed = `no "type" (want api_key, token or oauth)`, true
	case !Kind(typ).Valid():
		u.Problem = fmt.Sprintf("type %q is not one bot uses (api_key, token, oauth)", typ)
	default:
		u.Problem, u.Malformed = `no "provider"`, true
	}
	return u
}
