// Package providers is the one table of the model providers bot has clients
// for: each provider's id, the environment variables that may hold its
// credential, the variable and the default of its API's base URL, and its
// OAuth token endpoint. Every package that names a provider's variable or
// URL asks it (config's base URL and environment, auth's resolver,
// refresher and provider list, the catalog, the provider clients, the CLI,
// the loopback fakes), so adding a provider is one entry here.
//
// It imports only the standard library, so every package may import it.
package providers

import (
	"slices"
	"strings"
)

// Spec describes one provider.
type Spec struct {
	// ID is the provider id, lower case: "anthropic".
	ID string
	// KeyVars are the variables that may hold a credential, first set
	// wins (DESIGN §3); the last is the API key's, any before it hold a
	// token (sent as a bearer token).
	KeyVars []string
	// BaseURLVar points the provider's client at another API root:
	// "ANTHROPIC_BASE_URL".
	BaseURLVar string
	// DefaultURL is the API root the client talks to when nothing else
	// is configured (for OpenAI-compatible APIs, /v1 included).
	DefaultURL string
	// TokenURLVar points OAuth refreshes at another token endpoint:
	// "BOT_OAUTH_TOKEN_URL_ANTHROPIC".
	TokenURLVar string
	// TokenURL is the OAuth token endpoint, "" when the provider issues
	// no OAuth credentials bot can refresh.
	TokenURL string
}

// APIKeyVar returns the variable of the provider's API key: the last of
// KeyVars ("" for the zero Spec).
func (s Spec) APIKeyVar() string {
	if len(s.KeyVars) == 0 {
		return ""
	}
	return s.KeyVars[len(s.KeyVars)-1]
}

// all is the table, sorted by id.
var all = []Spec{
	spec("anthropic", "https://api.anthropic.com", "https://console.anthropic.com/v1/oauth/token", "ANTHROPIC_OAUTH_TOKEN", "ANTHROPIC_API_KEY"),
	spec("openai", "https://api.openai.com/v1", "", "OPENAI_API_KEY"),
	spec("openrouter", "https://openrouter.ai/api/v1", "", "OPENROUTER_API_KEY"),
}

// The parts of the endpoint variables' names (DESIGN §3).
const (
	baseURLSuffix  = "_BASE_URL"
	tokenURLPrefix = "BOT_OAUTH_TOKEN_URL_"
)

// envName is id as the variables' names spell it: "ANTHROPIC".
func envName(id string) string {
	return strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(id))
}

// spec builds an entry, deriving the variables' names from the id.
func spec(id, defaultURL, tokenURL string, keyVars ...string) Spec {
	env := envName(id)
	return Spec{
		ID:          id,
		KeyVars:     keyVars,
		BaseURLVar:  env + baseURLSuffix,
		DefaultURL:  defaultURL,
		TokenURLVar: tokenURLPrefix + env,
		TokenURL:    tokenURL,
	}
}

// All returns every provider's Spec, sorted by id. The slice is a copy.
func All() []Spec {
	out := slices.Clone(all)
	for i := range out {
		out[i].KeyVars = slices.Clone(out[i].KeyVars)
	}
	return out
}

// IDs returns the providers' ids, sorted: anthropic, openai, openrouter.
func IDs() []string {
	ids := make([]string, len(all))
	for i, s := range all {
		ids[i] = s.ID
	}
	return ids
}

// Lookup returns the Spec of the provider id (already normalized: lower
// case, trimmed), and whether bot knows it.
func Lookup(id string) (Spec, bool) {
	i := slices.IndexFunc(all, func(s Spec) bool { return s.ID == id })
	if i < 0 {
		return Spec{}, false
	}
	s := all[i]
	s.KeyVars = slices.Clone(s.KeyVars)
	return s, true
}

// KeyVars returns the variables that may hold id's credential, first set
// wins; none for a provider bot does not know.
func KeyVars(id string) []string {
	s, _ := Lookup(id)
	return s.KeyVars
}

// BaseURLVar returns the variable that points id's client at another API
// root. For a provider bot does not know it is still "<ID>_BASE_URL".
func BaseURLVar(id string) string {
	if s, ok := Lookup(id); ok {
		return s.BaseURLVar
	}
	return spec(id, "", "").BaseURLVar
}

// APIKeyVar returns the variable of id's API key. For a provider bot does
// not know it is still "<ID>_API_KEY".
func APIKeyVar(id string) string {
	if s, ok := Lookup(id); ok {
		return s.APIKeyVar()
	}
	return envName(id) + "_API_KEY"
}

// IsEndpointVar reports whether key is named as the variables that point
// a provider at another endpoint are (BaseURLVar, TokenURLVar), known
// provider or not: such a variable holds a URL, never a secret.
func IsEndpointVar(key string) bool {
	return strings.HasSuffix(key, baseURLSuffix) || strings.HasPrefix(key, tokenURLPrefix)
}

// TokenURLVar returns the variable that points id's OAuth refreshes at
// another token endpoint: "BOT_OAUTH_TOKEN_URL_<ID>".
func TokenURLVar(id string) string {
	if s, ok := Lookup(id); ok {
		return s.TokenURLVar
	}
	return spec(id, "", "").TokenURLVar
}

// DefaultURL returns id's default API root; "" for a provider bot does not
// know.
func DefaultURL(id string) string {
	s, _ := Lookup(id)
	return s.DefaultURL
}

// EndpointVars returns every variable that points bot at a provider's
// endpoint: each provider's BaseURLVar, and TokenURLVar where it has a
// token endpoint. Tests set them all to a closed port so that no call
// leaves the machine.
func EndpointVars() []string {
	var vars []string
	for _, s := range all {
		vars = append(vars, s.BaseURLVar)
		if s.TokenURL != "" {
			vars = append(vars, s.TokenURLVar)
		}
	}
	return vars
}

// CredentialVars returns every provider's KeyVars, in table order.
func CredentialVars() []string {
	var vars []string
	for _, s := range all {
		vars = append(vars, s.KeyVars...)
	}
	return vars
}
