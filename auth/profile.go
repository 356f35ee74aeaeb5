package auth

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/botgateway/bot/internal/jsonobj"
	"github.com/botgateway/bot/internal/providers"
)

// Providers known to bot, in display order. Profiles of other providers (an
// OpenClaw store may hold google-antigravity or openai-codex ones) are kept
// in the store untouched but never used.
var Providers = providers.IDs()

// NormalizeProvider trims and lower-cases a provider id.
func NormalizeProvider(p string) string { return strings.ToLower(strings.TrimSpace(p)) }

// KnownProvider reports whether p (normalized) is one of Providers.
func KnownProvider(p string) bool { return slices.Contains(Providers, NormalizeProvider(p)) }

// ProfileID names a credential in the store: "<provider>:<name>", for example
// "anthropic:work" or "anthropic:claude-cli".
type ProfileID string

// ClaudeCLIProfile is the profile Claude Code's credentials are synced into.
const ClaudeCLIProfile ProfileID = "anthropic:claude-cli"

// Provider returns the normalized provider part of the id (before the first
// ':'), or "" when the id has no ':'.
func (id ProfileID) Provider() string {
	p, _, ok := strings.Cut(string(id), ":")
	if !ok {
		return ""
	}
	return NormalizeProvider(p)
}

// Name returns the part after the first ':'.
func (id ProfileID) Name() string {
	_, n, _ := strings.Cut(string(id), ":")
	return n
}

// Valid reports whether id has a non-empty provider and name and no spaces.
func (id ProfileID) Valid() bool {
	p, n, ok := strings.Cut(string(id), ":")
	return ok && strings.TrimSpace(p) != "" && strings.TrimSpace(n) != "" &&
		!strings.ContainsAny(string(id), " \t\r\n")
}

// Kind is a credential type as written in the store's "type" field.
type Kind string

// The credential kinds of the store format.
const (
	KindAPIKey Kind = "api_key" // a static API key ("key")
	KindToken  Kind = "token"   // a bearer token, never refreshed ("token", optional "expires")
	KindOAuth  Kind = "oauth"   // access + refresh + expiry, refreshed on use
)

// Valid reports whether k is one of the three store kinds.
func (k Kind) Valid() bool { return k == KindAPIKey || k == KindToken || k == KindOAuth }

// rank orders kinds for round-robin selection: OAuth before token before API
// key (DESIGN §6 step 5).
func (k Kind) rank() int {
	switch k {
	case KindOAuth:
		return 0
	case KindToken:
		return 1
	default:
		return 2
	}
}

// Credential is one profile of the store. Fields the store format defines are
// typed; any other field of the profile object is kept in Extra and written
// back unchanged.
type Credential struct {
	Provider string
	Type     Kind
	Key      Secret    // api_key
	Token    Secret    // token
	Access   Secret    // oauth
	Refresh  Secret    // oauth
	Expires  time.Time // token (optional) and oauth; zero when absent
	Email    string

	// Extra holds the profile's unknown fields, raw, keyed by name.
	Extra map[string]json.RawMessage
}

// Secret returns the value sent to the provider: the key, the token or the
// access token, by kind.
func (c *Credential) Secret() Secret {
	switch c.Type {
	case KindAPIKey:
		return c.Key
	case KindToken:
		return c.Token
	default:
		return c.Access
	}
}

// Refreshable reports whether c is an OAuth credential with a refresh token.
func (c *Credential) Refreshable() bool { return c.Type == KindOAuth && !c.Refresh.IsBlank() }

// Usable reports whether c could be handed to a provider at now: a key, an
// unexpired token, or an OAuth credential with an access or a refresh token
// (an expired access token is refreshed on use). A secret that is empty or
// only white space is no secret (DESIGN §6).
func (c *Credential) Usable(now time.Time) bool {
	switch c.Type {
	case KindAPIKey:
		return !c.Key.IsBlank()
	case KindToken:
		return !c.Token.IsBlank() && (c.Expires.IsZero() || now.Before(c.Expires))
	case KindOAuth:
		return !c.Access.IsBlank() || !c.Refresh.IsBlank()
	}
	return false
}

// Clone returns a deep copy of c.
func (c *Credential) Clone() *Credential {
	n := *c
	if c.Extra != nil {
		n.Extra = make(map[string]json.RawMessage, len(c.Extra))
		for k, v := range c.Extra {
			n.Extra[k] = slices.Clone(v)
		}
	}
	return &n
}

// known fields of a profile object, in the order they are written.
var credentialFields = []string{"type", "provider", "key", "token", "access", "refresh", "expires", "email"}

// UnmarshalJSON decodes a profile object of the store format, keeping
// unknown fields. A known field of the wrong JSON type, and a null where
// the credential's secret belongs ("key" of an api_key, "token" of a token,
// "access" of an oauth credential), is an error that names the field and
// what it should be, never its value: `"key" is a number, want a string`.
// Other nulls count as absent.
func (c *Credential) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil || raw == nil {
		return fmt.Errorf("the entry is %s, want an object", jsonKind(b))
	}
	var n Credential
	str := func(name string) (string, error) {
		v, ok := raw[name]
		if !ok || string(v) == "null" {
			return "", nil
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return "", fmt.Errorf("%q is %s, want a string", name, jsonKind(v))
		}
		return s, nil
	}
	var err error
	var typ string
	if typ, err = str("type"); err != nil {
		return err
	}
	n.Type = Kind(typ)
	if n.Provider, err = str("provider"); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		dst  *Secret
	}{{"key", &n.Key}, {"token", &n.Token}, {"access", &n.Access}, {"refresh", &n.Refresh}} {
		s, err := str(f.name)
		if err != nil {
			return err
		}
		*f.dst = NewSecret(s)
	}
	if name := secretField(n.Type); name != "" && string(raw[name]) == "null" {
		return fmt.Errorf("%q is null, want a string", name)
	}
	if n.Email, err = str("email"); err != nil {
		return err
	}
	if v, ok := raw["expires"]; ok && string(v) != "null" {
		var ms float64
		if err := json.Unmarshal(v, &ms); err != nil {
			return fmt.Errorf("%q is %s, want milliseconds since the epoch", "expires", jsonKind(v))
		}
		if ms > 0 && ms < 1e16 {
			n.Expires = time.UnixMilli(max(int64(ms), 1)) // 0 < ms < 1 is expired, not "no expiry"
		}
	}
	for k, v := range raw {
		if !slices.Contains(credentialFields, k) {
			if n.Extra == nil {
				n.Extra = map[string]json.RawMessage{}
			}
			n.Extra[k] = v
		}
	}
	*c = n
	return nil
}

// secretField is the field that holds the secret of a credential of kind
// k, or "" for a kind bot does not know.
func secretField(k Kind) string {
	switch k {
	case KindAPIKey:
		return "key"
	case KindToken:
		return "token"
	case KindOAuth:
		return "access"
	}
	return ""
}

// jsonKind names the JSON type of the value v for messages: "a string",
// "a number", "null", ... It never quotes the value.
func jsonKind(v []byte) string {
	t := bytes.TrimSpace(v)
	if len(t) == 0 {
		return "empty"
	}
	switch t[0] {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "a list"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// encodeStored encodes c with its secrets revealed, known fields first in
// the store format's order, then unknown fields sorted by name.
func (c *Credential) encodeStored() ([]byte, error) {
	var o jsonobj.Object
	field := func(name string, v any) {
		if err := o.SetValue(name, v); err != nil {
			panic(err) // only strings and integers are marshalled here
		}
	}
	field("type", string(c.Type))
	field("provider", c.Provider)
	secret := func(name string, s Secret) {
		if !s.IsZero() {
			field(name, s.Reveal())
		}
	}
	switch c.Type {
	case KindAPIKey:
		secret("key", c.Key)
	case KindToken:
		secret("token", c.Token)
	case KindOAuth:
		field("access", c.Access.Reveal())
		secret("refresh", c.Refresh)
	default:
		secret("key", c.Key)
		secret("token", c.Token)
		secret("access", c.Access)
		secret("refresh", c.Refresh)
	}
	if !c.Expires.IsZero() {
		field("expires", c.Expires.UnixMilli())
	}
	if c.Email != "" {
		field("email", c.Email)
	}
	for _, k := range slices.Sorted(maps.Keys(c.Extra)) {
		if _, known := o.Get(k); !known {
			o.Set(k, c.Extra[k])
		}
	}
	return o.Encode(), nil
}
