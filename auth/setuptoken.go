package auth

import "fmt"

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
