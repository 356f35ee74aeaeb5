package auth

import "github.com/botgateway/bot/internal/secret"

// Secret holds a credential value and never prints itself; see
// internal/secret. Only Reveal returns the value.
type Secret = secret.Secret

// NewSecret wraps s as a Secret.
func NewSecret(s string) Secret { return secret.New(s) }
