//go:build !darwin

package auth

// defaultSecurity returns nil: there is no Keychain off macOS, so
// ClaudeCode.UseKeychain has no effect and only the file is used.
func defaultSecurity() securityFunc { return nil }
