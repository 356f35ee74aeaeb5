package auth

import (
	"encoding/json"
	"fmt"
	"maps"
	"strconv"
	"time"
)

// An Anthropic setup-token, printed by "claude setup-token", is a
// long-lived OAuth token of a Claude subscription (reference §5.2).
const (
	// SetupTokenPrefix starts every setup-token.
	SetupTokenPrefix = "sk-ant-oat01-"
	// MinSetupTokenLen is the shortest whole setup-token: a shorter one was
	// cut while being copied.
	MinSetupTokenLen = 80
	// anthropicKeyPrefix starts every Anthropic API key.
	anthropicKeyPrefix = "sk-ant-api"
)

// CheckSetupToken validates tok as a setup-token the way OpenClaw's
// validateAnthropicSetupToken does: it must start with SetupTokenPrefix and
// be at least MinSetupTokenLen characters long (tok is already stripped of
// white space). The error is one line for the user with the fix, and never
// holds the token.
func CheckSetupToken(tok Secret) error {
	switch {
	case tok.IsBlank():
		return fmt.Errorf("no token given: run \"claude setup-token\" and paste the token it prints")
	case !tok.HasPrefix(SetupTokenPrefix):
		return fmt.Errorf("Expected token starting with %s (run \"claude setup-token\" to get one)", SetupTokenPrefix)
	case tok.Len() < MinSetupTokenLen:
		return fmt.Errorf("Token looks too short (%d characters; a setup-token has at least %d): paste the whole token \"claude setup-token\" printed", tok.Len(), MinSetupTokenLen)
	}
	return nil
}

// CheckAnthropicToken validates what "paste-token --provider anthropic"
// stores as a token: a setup-token (CheckSetupToken), or an Anthropic API
// key pasted there, which goes out as an API key (models/anthropic).
func CheckAnthropicToken(tok Secret) error {
	if tok.HasPrefix(anthropicKeyPrefix) {
		return nil
	}
	return CheckSetupToken(tok)
}

// Setup-tokens carry no expiry, but Anthropic issues them for a year. bot
// records when it stored one (StoredAtField) and warns before the year is
// up: a note SetupTokenNotice before, a warning (models status --check
// exits 2) SetupTokenUrgent before.
const (
	SetupTokenLifetime = 365 * 24 * time.Hour
	SetupTokenNotice   = 30 * 24 * time.Hour
	SetupTokenUrgent   = 7 * 24 * time.Hour
	// StoredAtField is the profile field, in milliseconds since the epoch,
	// that records when bot stored a setup-token. OpenClaw reads past
	// unknown fields, and bot keeps them on every rewrite, so the store
	// stays OpenClaw's format.
	StoredAtField = "storedAt"
)

// IsSetupToken reports whether c is a token credential holding an
// Anthropic setup-token with no expiry of its own.
func (c *Credential) IsSetupToken() bool {
	return c != nil && c.Type == KindToken && c.Expires.IsZero() && c.Token.HasPrefix(SetupTokenPrefix)
}

// StoredAt returns when bot stored c (StoredAtField), zero when unknown.
func (c *Credential) StoredAt() time.Time {
	raw, ok := c.Extra[StoredAtField]
	if !ok {
		return time.Time{}
	}
	var ms int64
	if err := json.Unmarshal(raw, &ms); err != nil || ms <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

// SetStoredAt records t as when c was stored.
func (c *Credential) SetStoredAt(t time.Time) {
	if c.Extra == nil {
		c.Extra = map[string]json.RawMessage{}
	} else {
		c.Extra = maps.Clone(c.Extra)
	}
	c.Extra[StoredAtField] = json.RawMessage(strconv.FormatInt(t.UnixMilli(), 10))
}

// MarkStored records now as when c was stored when c is a setup-token,
// the one credential whose lifetime only its storing time tells (it lasts
// SetupTokenLifetime); other credentials are left as they are. Every
// writer of a new credential (paste-token, onboard) calls it.
func (c *Credential) MarkStored(now time.Time) {
	if c.IsSetupToken() {
		c.SetStoredAt(now)
	}
}

// SetupTokenRenewBy returns when the setup-token c is expected to stop
// working (stored + SetupTokenLifetime); ok is false when c is no
// setup-token or its storing time is unknown.
func SetupTokenRenewBy(c *Credential) (time.Time, bool) {
	if !c.IsSetupToken() {
		return time.Time{}, false
	}
	at := c.StoredAt()
	if at.IsZero() {
		return time.Time{}, false
	}
	return at.Add(SetupTokenLifetime), true
}
