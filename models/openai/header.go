package openai

import (
	"strings"

	"github.com/openai/openai-go/v3/option"

	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/models"
)

// credential returns the per-call request options that carry cred as
// "Authorization: Bearer <key>", and a function that replaces the
// credential's value in a text (for error messages).
//
// This is the only function of the package that reveals a secret
// (internal/archtest allows Reveal in this file only).
func (c *Client) credential(cred *auth.Credential) ([]option.RequestOption, func(string) string, *models.CallError) {
	if cred == nil || cred.Secret().IsZero() {
		return nil, nil, c.noCredential()
	}
	v := cred.Secret().Reveal()
	redact := func(s string) string { return strings.ReplaceAll(s, v, "[REDACTED]") }
	return []option.RequestOption{option.WithAPIKey(v)}, redact, nil
}
