package config

import "github.com/tailscale/hujson"

// claudeCLIModePointer is the JSON pointer of
// auth.profiles["anthropic:claude-cli"].mode (":" needs no escaping).
const claudeCLIModePointer = "/auth/profiles/anthropic:claude-cli/mode"

// migrate applies the config migrations to val in place and returns one
// change line per migration applied. There is one: the Claude Code profile
// declared with mode "token" becomes "oauth", because the credential synced
// from Claude Code is an OAuth one and a "token" mode would exclude it.
// Other profiles with mode "token" are left alone.
func migrate(val *hujson.Value) []string {
	mode := val.Find(claudeCLIModePointer)
	if mode == nil {
		return nil
	}
	lit, ok := mode.Value.(hujson.Literal)
	if !ok || lit.Kind() != '"' || lit.String() != ModeToken {
		return nil
	}
	// A replace op swaps the literal only, so comments and layout stay.
	if err := val.Patch([]byte(`[{"op":"replace","path":"` + claudeCLIModePointer + `","value":"oauth"}]`)); err != nil {
		return nil
	}
	return []string{`Updated auth.profiles["anthropic:claude-cli"].mode → "oauth".`}
}
