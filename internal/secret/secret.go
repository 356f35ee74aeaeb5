// Package secret provides Secret, a string that never prints itself. The auth
// package re-exports it as auth.Secret; config uses it for channel tokens and
// env values, which sit below auth in the import graph.
package secret

import (
	"crypto/subtle"
	"fmt"
	"log/slog"
	"strings"
)

// Secret holds a credential value (an API key, a token, an OAuth access or
// refresh token). It never prints itself: String, GoString, Format, LogValue
// and MarshalJSON all yield the mask of DESIGN §4. The only way to the value
// is Reveal, which a test confines to the provider header functions and the
// store writer.
//
// The zero Secret is empty.
type Secret struct {
	v string
}

// New wraps s. It does not trim or otherwise change it.
func New(s string) Secret { return Secret{v: s} }

// Reveal returns the secret value. Call it only where the value must leave
// the process: a request header, or the store file.
func (s Secret) Reveal() string { return s.v }

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.v == "" }

// Len returns the length of the secret in bytes.
func (s Secret) Len() int { return len(s.v) }

// HasPrefix reports whether the secret starts with prefix, so a format
// check needs no Reveal.
func (s Secret) HasPrefix(prefix string) bool { return strings.HasPrefix(s.v, prefix) }

// Equal reports whether s and o hold the same value, in constant time.
func (s Secret) Equal(o Secret) bool {
	return subtle.ConstantTimeCompare([]byte(s.v), []byte(o.v)) == 1
}

// Mask returns the printable form of the secret: the first 4 and last 4
// characters when the secret is 20 or more bytes long, otherwise "****".
// An empty secret, or one of white space only, masks as "(empty)".
func (s Secret) Mask() string {
	switch {
	case s.IsBlank():
		return "(empty)"
	case len(s.v) >= 20:
		return s.v[:4] + "..." + s.v[len(s.v)-4:]
	default:
		return "****"
	}
}

// String returns the mask.
func (s Secret) String() string { return s.Mask() }

// GoString returns the mask, so %#v never shows the value.
func (s Secret) GoString() string { return "secret.Secret(" + s.Mask() + ")" }

// Format prints the mask for every verb.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprint(f, s.GoString())
		return
	}
	fmt.Fprint(f, s.Mask())
}

// LogValue makes slog print the mask.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.Mask()) }

// MarshalJSON encodes the mask, so a Secret inside a status struct can be
// encoded safely. The store writer encodes the revealed value explicitly.
func (s Secret) MarshalJSON() ([]byte, error) {
	return []byte(`"` + s.Mask() + `"`), nil
}

// MarshalText encodes the mask.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.Mask()), nil }

// IsBlank reports whether the secret is empty or only white space: such a
// value is no credential at all (DESIGN §6), wherever it is stored.
func (s Secret) IsBlank() bool { return strings.TrimSpace(s.v) == "" }
