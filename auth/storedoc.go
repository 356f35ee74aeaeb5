package auth

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/botgateway/bot/internal/jsonobj"
)

// StoreVersion is the auth-profiles.json format version bot reads and writes.
const StoreVersion = 1

// ErrNewerStore is returned for a store whose version is newer than
// StoreVersion; such a file is never rewritten.
var ErrNewerStore = errors.New("store written by a newer version")

// Store is the in-memory form of one agent's auth-profiles.json:
// {"version":1,"profiles":{...},"order":{...}} plus whatever else the file
// holds (OpenClaw's lastGood and usageStats, future keys), kept raw.
//
// A Store is a plain value: it is not safe for concurrent mutation. Reads of
// the file and writes to it go through the file functions of this package,
// which lock and write atomically.
type Store struct {
	Version  int
	Profiles map[ProfileID]*Credential
	// Order is the per-agent candidate order per provider
	// ("bot models auth order set"). Keys are normalized provider ids.
	Order map[string][]ProfileID
	// ClaudeSyncOff stops the sync of Claude Code's login into
	// ClaudeCLIProfile for this agent: "bot models auth remove
	// anthropic:claude-cli" sets it, so the next load does not bring the
	// profile straight back while Claude Code stays logged in; "bot models
	// auth setup-token" and "bot onboard --auth-choice claude-cli" clear it.
	// It is the file's top-level "syncClaudeCode": false.
	ClaudeSyncOff bool

	// ids keeps the profiles' order of appearance in the file, so a rewrite
	// keeps the user's layout; new profiles are appended.
	ids []ProfileID
	// foreign holds profile entries that are not credentials of a known
	// kind, raw; they are written back in place and never used.
	foreign map[ProfileID]json.RawMessage
	// unusable says, per foreign entry, why bot cannot use it.
	unusable map[ProfileID]Unusable
	// inherited marks, in a view made by Inherit, the profiles taken from
	// another agent's store, with that agent's id.
	inherited map[ProfileID]string
	// extra holds unknown top-level keys, raw, in their order of
	// appearance.
	extra jsonobj.Object
}

// claudeSyncKey is the top-level key of Store.ClaudeSyncOff.
const claudeSyncKey = "syncClaudeCode"

// NewStore returns an empty store of the current version.
func NewStore() *Store {
	return &Store{Version: StoreVersion, Profiles: map[ProfileID]*Credential{}}
}

// IDs returns the profile ids in file order.
func (s *Store) IDs() []ProfileID {
	out := make([]ProfileID, 0, len(s.Profiles))
	for _, id := range s.ids {
		if _, ok := s.Profiles[id]; ok {
			out = append(out, id)
		}
	}
	if len(out) == len(s.Profiles) {
		return out
	}
	// Profiles added to the map directly come after, sorted.
	var rest []ProfileID
	for id := range s.Profiles {
		if !slices.Contains(out, id) {
			rest = append(rest, id)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}

// fileIDs returns every id to write: known profiles and foreign entries, in
// file order, new profiles last.
func (s *Store) fileIDs() []ProfileID {
	out := slices.Clone(s.ids)
	for _, id := range s.IDs() {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// Set adds or replaces a profile.
func (s *Store) Set(id ProfileID, c *Credential) {
	if s.Profiles == nil {
		s.Profiles = map[ProfileID]*Credential{}
	}
	delete(s.foreign, id)
	if _, ok := s.Profiles[id]; !ok && !slices.Contains(s.ids, id) {
		s.ids = append(s.ids, id)
	}
	s.Profiles[id] = c
}

// Delete removes a profile and drops it from every order list.
func (s *Store) Delete(id ProfileID) {
	delete(s.Profiles, id)
	delete(s.foreign, id)
	for p, list := range s.Order {
		s.Order[p] = slices.DeleteFunc(list, func(x ProfileID) bool { return x == id })
		if len(s.Order[p]) == 0 {
			delete(s.Order, p)
		}
	}
}

// ForProvider returns the ids of profiles whose provider is p (normalized),
// in file order.
func (s *Store) ForProvider(p string) []ProfileID {
	p = NormalizeProvider(p)
	var out []ProfileID
	for _, id := range s.IDs() {
		if c := s.Profiles[id]; c.Provider == p || NormalizeProvider(c.Provider) == p {
			out = append(out, id)
		}
	}
	return out
}

// Clone returns a deep copy of s.
func (s *Store) Clone() *Store {
	n := &Store{Version: s.Version, Profiles: make(map[ProfileID]*Credential, len(s.Profiles)), ClaudeSyncOff: s.ClaudeSyncOff}
	for id, c := range s.Profiles {
		n.Profiles[id] = c.Clone()
	}
	if s.Order != nil {
		n.Order = make(map[string][]ProfileID, len(s.Order))
		for p, l := range s.Order {
			n.Order[p] = slices.Clone(l)
		}
	}
	n.ids = slices.Clone(s.ids)
	if s.foreign != nil {
		n.foreign = make(map[ProfileID]json.RawMessage, len(s.foreign))
		for k, v := range s.foreign {
			n.foreign[k] = slices.Clone(v)
		}
		n.unusable = maps.Clone(s.unusable)
	}
	n.inherited = maps.Clone(s.inherited)
	n.extra = *s.extra.Clone()
	return n
}

// DecodeStore parses the bytes of an auth-profiles.json file. It follows
// OpenClaw's tolerant reading of entries (a profile without a valid type or a
// provider is dropped, order lists are trimmed) but is strict about the
// document: invalid JSON, a missing "profiles" object or a newer version is
// an error.
func DecodeStore(b []byte) (*Store, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, errors.New("file is empty")
	}
	top, err := jsonobj.Parse(b)
	if err != nil {
		return nil, err
	}
	s := NewStore()
	if v, ok := top.Get("version"); ok {
		var n float64
		if err := json.Unmarshal(v, &n); err != nil || n != float64(int(n)) || n < 1 {
			return nil, errors.New(`"version" must be a positive whole number`)
		}
		if int(n) > StoreVersion {
			return nil, fmt.Errorf("%w (version %d; this bot reads version %d)", ErrNewerStore, int(n), StoreVersion)
		}
		s.Version = int(n)
	}
	pv, ok := top.Get("profiles")
	if !ok {
		return nil, errors.New(`no "profiles" object`)
	}
	profiles, err := jsonobj.Parse(pv)
	if err != nil {
		return nil, fmt.Errorf(`"profiles": %w`, err)
	}
	for _, k := range profiles.Keys() {
		raw, _ := profiles.Get(k)
		var c Credential
		err := json.Unmarshal(raw, &c)
		if err != nil || !c.Type.Valid() || strings.TrimSpace(c.Provider) == "" {
			// Not a credential bot can use (OpenClaw ignores such
			// entries too): never use it, write it back unchanged, and
			// say why, for status and doctor.
			if s.foreign == nil {
				s.foreign = map[ProfileID]json.RawMessage{}
				s.unusable = map[ProfileID]Unusable{}
			}
			s.foreign[ProfileID(k)] = raw
			s.unusable[ProfileID(k)] = unusableEntry(ProfileID(k), raw, err)
			s.ids = append(s.ids, ProfileID(k))
			continue
		}
		s.Set(ProfileID(k), &c)
	}
	if ov, ok := top.Get("order"); ok && string(ov) != "null" {
		order, err := jsonobj.Parse(ov)
		if err != nil {
			return nil, errors.New(`"order": want an object of provider → list of profile ids`)
		}
		for _, p := range order.Keys() {
			lv, _ := order.Get(p)
			var list []any
			if json.Unmarshal(lv, &list) != nil {
				continue
			}
			var ids []ProfileID
			for _, x := range list {
				if str, ok := x.(string); ok && strings.TrimSpace(str) != "" {
					ids = append(ids, ProfileID(strings.TrimSpace(str)))
				}
			}
			if len(ids) > 0 {
				if s.Order == nil {
					s.Order = map[string][]ProfileID{}
				}
				np := NormalizeProvider(p)
				s.Order[np] = append(s.Order[np], ids...)
			}
		}
	}
	if v, ok := top.Get(claudeSyncKey); ok {
		var on bool
		if json.Unmarshal(v, &on) == nil {
			s.ClaudeSyncOff = !on
			top.Delete(claudeSyncKey) // known: not kept raw
		}
	}
	for _, k := range top.Keys() {
		switch k {
		case "version", "profiles", "order":
		default:
			v, _ := top.Get(k)
			s.extra.Set(k, v)
		}
	}
	return s, nil
}

// Encode renders s in the store format: 2-space indent and a trailing
// newline, like OpenClaw, with secrets revealed.
func (s *Store) Encode() ([]byte, error) {
	if len(s.inherited) > 0 {
		// Another agent's credentials must never land in this file.
		return nil, errors.New("auth: encode store: a view with inherited profiles is not a store file")
	}
	var doc, profiles, order jsonobj.Object
	doc.SetValue("version", cmp.Or(s.Version, StoreVersion))
	for _, id := range s.fileIDs() {
		if c, ok := s.Profiles[id]; ok {
			b, err := c.encodeStored()
			if err != nil {
				return nil, err
			}
			profiles.Set(string(id), b)
		} else if raw, ok := s.foreign[id]; ok {
			profiles.Set(string(id), raw)
		}
	}
	doc.Set("profiles", profiles.Encode())
	if len(s.Order) > 0 {
		for _, p := range slices.Sorted(maps.Keys(s.Order)) {
			order.SetValue(p, s.Order[p])
		}
		doc.Set("order", order.Encode())
	}
	if s.ClaudeSyncOff {
		doc.SetValue(claudeSyncKey, false)
	}
	for _, k := range s.extra.Keys() {
		if _, known := doc.Get(k); !known { // a known key's value wins
			v, _ := s.extra.Get(k)
			doc.Set(k, v)
		}
	}
	var out bytes.Buffer
	if err := json.Indent(&out, doc.Encode(), "", "  "); err != nil {
		return nil, fmt.Errorf("auth: encode store: %w", err)
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}
