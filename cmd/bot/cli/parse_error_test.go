package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// A command line kong cannot parse never comes back with a secret in it;
// under a command that reads a secret, the line says to pipe it on stdin.
func TestParseErrorsNeverEchoSecrets(t *testing.T) {
	const key = "sk-ant-api03-CANARY-0123456789abcdef"
	tests := []struct {
		name string
		args []string
		want string // the whole stderr line
	}{
		{"paste-token with the token as argument", []string{"models", "auth", "paste-token", "--provider", "anthropic", key},
			`bot: unexpected argument sk-a...cdef (see "bot models auth paste-token --help"); the token is read from stdin, never from the command line: printf %s "$TOKEN" | bot models auth paste-token --provider anthropic`},
		{"paste-token with a short argument", []string{"models", "auth", "paste-token", "--provider=openai", "hunter2"},
			`bot: unexpected argument **** (see "bot models auth paste-token --help"); the token is read from stdin, never from the command line: printf %s "$TOKEN" | bot models auth paste-token --provider openai`},
		{"onboard with a key as a flag value", []string{"onboard", "--auth-choice", key},
			`bot: --auth-choice must be one of "api-key","token","claude-cli","skip" but got "sk-a...cdef" (see "bot onboard --help"); the key is read from stdin or a hidden prompt, never from the command line: printf %s "$KEY" | bot onboard --non-interactive --provider anthropic`},
		{"onboard with a wrong choice", []string{"onboard", "--auth-choice", "nope"},
			`bot: --auth-choice must be one of "api-key","token","claude-cli","skip" but got "nope" (see "bot onboard --help")`},
		{"any command, a long word", []string{"chat", "--session", "x", key},
			`bot: unexpected argument sk-a...cdef (see "bot chat --help")`},
		{"a key glued to a flag", []string{"sessions", "list", "--json=" + key},
			`bot: --json: bool value must be true, 1, yes, false, 0 or no but got "sk-a...cdef" (see "bot sessions list --help")`},
		{"a key as a flag name", []string{"--" + key},
			`bot: unknown flag --sk...cdef (see "bot --help")`},
		{"a typo is still shown", []string{"modles", "status"},
			`bot: unexpected argument modles, did you mean "models"? (see "bot --help")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Main(context.Background(), tt.args, strings.NewReader(""), &stdout, &stderr, func(string) string { return "" })
			if code != 2 {
				t.Errorf("exit %d, want 2", code)
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
