package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/botgateway/bot/internal/testenv"
)

// fakeClaude writes an executable "claude" into ~/bin that, for
// "setup-token", writes Claude Code's credentials file the way the real one
// leaves it (or exits with code when code is not 0).
func fakeClaude(e *testenv.Env, creds string, code int) {
	script := "#!/bin/sh\n[ \"$1\" = setup-token ] || exit 64\n"
	if code != 0 {
		script += "exit " + string(rune('0'+code)) + "\n"
	} else if creds != "" {
		p := e.ClaudeCodePath()
		script += "mkdir -p '" + filepath.Dir(p) + "'\ncat > '" + p + "' <<'EOF'\n" + creds + "\nEOF\n"
	}
	e.WriteMode("bin/claude", script, 0o755)
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
			e := testenv.New(t)
			if err := os.Mkdir(e.Path("bin"), 0o700); err != nil {
				t.Fatal(err)
			}
			if !tt.noClaude {
				fakeClaude(e, tt.creds, tt.code)
			}
			env := map[string]string{"HOME": e.Home, "PATH": e.Path("bin")}
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
			cfg, err := os.ReadFile(e.ConfigPath())
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(cfg), `"anthropic:claude-cli": {"provider": "anthropic", "mode": "oauth"}`) {
				t.Errorf("config does not declare the profile with mode oauth:\n%s", cfg)
			}
			store, err := os.ReadFile(e.StorePath("main"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(store), `"refresh": "sk-ant-ort01-setup-0123456789"`) {
				t.Errorf("store lacks the synced OAuth profile:\n%s", store)
			}
		})
	}
}
