package anthropic

import (
	"strings"

	"github.com/anthropics/anthropic-sdk-go/option"

	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/models"
)

// oauthBeta is the anthropic-beta value Anthropic requires with a bearer
// (OAuth or setup) token.
const oauthBeta = "oauth-2025-04-20"

// setupTokenMarker marks a Claude subscription (setup/OAuth) token; such a
// token goes out as a bearer token even when it is stored as an API key
// (openclaw-behaviour §2.3).
const setupTokenMarker = "sk-ant-oat"

// apiKeyPrefix starts every Anthropic API key. paste-token stores what it
// is given as a token, so an API key pasted there still goes out as one:
// Anthropic answers an API key sent as a bearer token with 401.
const apiKeyPrefix = "sk-ant-api"

// credential returns the per-call request options that carry cred, and a
// function that replaces the credential's value in a text (for error
// messages). An API key, and a token that is one ("sk-ant-api…", pasted
// with paste-token), travel in x-api-key; a token, an OAuth access token,
// and any key containing "sk-ant-oat" travel as "Authorization: Bearer"
// together with "anthropic-beta: oauth-2025-04-20".
//
// This is the only function of the package that reveals a secret
// (internal/archtest allows Reveal in this file only).
func credential(cred *auth.Credential) ([]option.RequestOption, func(string) string, *models.CallError) {
	if cred == nil || cred.Secret().IsZero() {
		return nil, nil, noCredential()
	}
	v := cred.Secret().Reveal()
	redact := func(s string) string { return strings.ReplaceAll(s, v, "[REDACTED]") }
	isKey := cred.Type == auth.KindAPIKey && !strings.Contains(v, setupTokenMarker)
	if isKey || (cred.Type == auth.KindToken && strings.HasPrefix(v, apiKeyPrefix)) {
		return []option.RequestOption{
			option.WithAPIKey(v),
			option.WithHeaderDel("Authorization"),
		}, redact, nil
	}
	return []option.RequestOption{
		option.WithAuthToken(v),
		option.WithHeaderDel("X-Api-Key"),
		option.WithHeader("anthropic-beta", oauthBeta),
	}, redact, nil
}
