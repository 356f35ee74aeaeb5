package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeClaude writes an executable "claude" into dir that, for
// "setup-token", writes Claude Code's credentials file the way the real one
// leaves it (or exits with code when code is not 0).
func fakeClaude(t *testing.T, dir, home, creds string, code int) {
	t.Helper()
	script := "#!/bin/sh\n[ \"$1\" = setup-token ] || exit 64\n"
	if code != 0 {
		script += "exit " + string(rune('0'+code)) + "\n"
	} else if creds != "" {
		script += "mkdir -p '" + home + "/.claude'\ncat > '" + home + "/.claude/.credentials.json' <<'EOF'\n" + creds + "\nEOF\n"
	}
	if err := os.WriteFile(filepath.Join(dir, "claude"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
}

func TestSetupToken(t *testing.T) {
	const creds = `{"claudeAiOauth":{"accessToken":"sk-ant-oat01-setup-0123456789abcdef","refreshToken":"sk-ant-ort01-setup-0123456789","expiresAt":4102444800000}}`
	tests := []struct {
		name       string
		creds      string
		code       int
		noClaude   bool
		wantErr    string
		wantStdout string
	}{
		{name: "synced", creds: creds, wantStdout: "Auth profile: anthropic:claude-cli (anthropic/oauth)\n"},
		{name: "nothing written", wantErr: "No Claude Code CLI credentials found after setup-token. Expected auth profile anthropic:claude-cli."},
		{name: "claude fails", code: 3, wantErr: "claude setup-token failed (exit 3)"},
		{name: "no claude", noClaude: true, wantErr: "claude command not found on PATH"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home, bin := t.TempDir(), t.TempDir()
			if !tt.noClaude {
				fakeClaude(t, bin, home, tt.creds, tt.code)
			}
			env := map[string]string{"HOME": home, "PATH": bin}
			var stdout, stderr bytes.Buffer
			app := newApp(&Globals{}, strings.NewReader(""), &stdout, &stderr, func(k string) string { return env[k] })
			app.isTerminal = func() bool { return true }
			err := (&SetupTokenCmd{Provider: "anthropic", Yes: true}).Run(context.Background(), app)
			if tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(stdout.String(), tt.wantStdout) {
				t.Errorf("stdout = %q, want suffix %q", stdout.String(), tt.wantStdout)
			}
			cfg, err := os.ReadFile(filepath.Join(home, ".bot", "bot.json"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(cfg), `"anthropic:claude-cli": {"provider": "anthropic", "mode": "oauth"}`) {
				t.Errorf("config does not declare the profile with mode oauth:\n%s", cfg)
			}
			store, err := os.ReadFile(filepath.Join(home, ".bot", "agents", "main", "agent", "auth-profiles.json"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(store), `"refresh": "sk-ant-ort01-setup-0123456789"`) {
				t.Errorf("store lacks the synced OAuth profile:\n%s", store)
			}
		})
	}
}
