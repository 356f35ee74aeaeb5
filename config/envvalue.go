package config

import (
	"strings"

	"github.com/botgateway/bot/internal/providers"
)

// plainVar reports whether key names a variable that is not a secret and
// may be read in clear: endpoints (*_BASE_URL, BOT_OAUTH_TOKEN_URL_*) and bot's own
// settings (BOT_LOG_LEVEL, ...). Anything that could hold a credential is
// refused, so Value can never hand one out.
func plainVar(key string) bool {
	if providers.IsEndpointVar(key) {
		return true
	}
	if strings.Contains(key, "TOKEN") || strings.Contains(key, "KEY") || strings.Contains(key, "SECRET") || strings.Contains(key, "PASSWORD") {
		return false
	}
	return strings.HasPrefix(key, "BOT_")
}

// Value returns the value of a variable that is not a secret (a base URL
// such as ANTHROPIC_BASE_URL, or a BOT_ setting) from the same layers as
// Lookup. For any variable that could hold a credential it reports false:
// those are only handed out as secrets, through Lookup.
func (e *Env) Value(key string) (string, Source, bool) {
	if !plainVar(key) {
		return "", Source{}, false
	}
	v, src, ok := e.Lookup(key)
	if !ok {
		return "", Source{}, false
	}
	return v.Reveal(), src, true
}
