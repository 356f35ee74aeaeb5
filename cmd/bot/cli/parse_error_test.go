package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// A command line kong cannot parse never comes back with a secret in it;
// under a command that reads a secret, the line says to pipe it on stdin.
// Nor does a flag's value that kong accepts and bot then refuses (exit 1).
func TestParseErrorsNeverEchoSecrets(t *testing.T) {
	const key = "sk-ant-api03-CANARY-0123456789abcdef"
	tests := []struct {
		name string
		args []string
		want string // the whole stderr line
		code int    // the exit code: 2 for a usage error
	}{
		{"paste-token with the token as argument", []string{"models", "auth", "paste-token", "--provider", "anthropic", key},
			`bot: unexpected argument sk-a...cdef (see "bot models auth paste-token --help"); the token is read from stdin, never from the command line: printf %s "$TOKEN" | bot models auth paste-token --provider anthropic`, 2},
		{"paste-token with a short argument", []string{"models", "auth", "paste-token", "--provider=openai", "hunter2"},
			`bot: unexpected argument **** (see "bot models auth paste-token --help"); the token is read from stdin, never from the command line: printf %s "$TOKEN" | bot models auth paste-token --provider openai`, 2},
		{"onboard with a key as a flag value", []string{"onboard", "--auth-choice", key},
			`bot: --auth-choice must be one of "api-key","token","claude-cli","skip" but got "sk-a...cdef" (see "bot onboard --help"); the key is read from stdin or a hidden prompt, never from the command line: printf %s "$KEY" | bot onboard --non-interactive --provider anthropic`, 2},
		{"onboard with a wrong choice", []string{"onboard", "--auth-choice", "nope"},
			`bot: --auth-choice must be one of "api-key","token","claude-cli","skip" but got "nope" (see "bot onboard --help")`, 2},
		{"any command, a long word", []string{"chat", "--session", "x", key},
			`bot: unexpected argument sk-a...cdef (see "bot chat --help")`, 2},
		{"a key glued to a flag", []string{"sessions", "list", "--json=" + key},
			`bot: --json: bool value must be true, 1, yes, false, 0 or no but got "sk-a...cdef" (see "bot sessions list --help")`, 2},
		{"a key as a flag name", []string{"--" + key},
			`bot: unknown flag --sk...cdef (see "bot --help")`, 2},
		{"a typo is still shown", []string{"modles", "status"},
			`bot: unexpected argument modles, did you mean "models"? (see "bot --help")`, 2},
		{"the token as --profile-id", []string{"models", "auth", "paste-token", "--provider", "anthropic", "--profile-id", key},
			`invalid profile id "sk-a...cdef"; use <provider>:<name>, for example anthropic:work`, 1},
		{"the token as --provider", []string{"models", "auth", "paste-token", "--provider", key},
			`unknown provider "sk-a...cdef"; use one of: anthropic, openai, openrouter`, 1},
		{"the token as --expires-in", []string{"models", "auth", "paste-token", "--provider", "anthropic", "--expires-in", key},
			`invalid duration "sk-a...cdef" for --expires-in; use for example 365d, 12h or 30m`, 1},
		{"a wrong provider is still shown", []string{"models", "auth", "paste-token", "--provider", "antropic"},
			`unknown provider "antropic"; use one of: anthropic, openai, openrouter`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := t.TempDir()
			getenv := func(k string) string {
				if k == "HOME" {
					return home
				}
				return ""
			}
			var stdout, stderr bytes.Buffer
			code := Main(context.Background(), tt.args, strings.NewReader("sk-ant-api03-pasted-0123456789abcdef"), &stdout, &stderr, getenv)
			if code != tt.code {
				t.Errorf("exit %d, want %d", code, tt.code)
			}
			if got := strings.TrimSuffix(stderr.String(), "\n"); got != tt.want {
				t.Errorf("stderr:\n got %s\nwant %s", got, tt.want)
			}
			if strings.Contains(strings.ToLower(stdout.String()+stderr.String()), "canary") {
				t.Errorf("the key was printed")
			}
		})
	}
}
