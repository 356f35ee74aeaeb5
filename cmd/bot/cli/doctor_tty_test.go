//go:build linux || darwin

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDoctorOffersRepairsAtTerminal checks that at a terminal doctor
// offers each repair it knows, applies it on yes and leaves it on no, and
// that --non-interactive never asks; Ctrl-C at the prompt ends doctor
// with 130, repairing nothing.
func TestDoctorOffersRepairsAtTerminal(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		answer string // "" asks for no prompt at all
		exit   int
		mode   os.FileMode
	}{
		{"yes", []string{"doctor"}, "y\r", 0, 0o600},
		{"no", []string{"doctor"}, "n\r", 1, 0o700},
		{"ctrl-c", []string{"doctor"}, "\x03", exitInterrupted, 0o700},
		{"non-interactive", []string{"doctor", "--non-interactive"}, "", 1, 0o700},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := startOnTTY(t, ttySetup{
				env:   map[string]string{"ANTHROPIC_API_KEY": "sk-ant-api03-doctor-tty-0123456789abcdef"},
				files: map[string]string{".bot/bot.json": `{"gateway": {"listen": "127.0.0.1:1"}}`}, // written 0700
			}, tt.args...)
			if tt.answer != "" {
				b.WaitScreen("~/.bot/bot.json is mode 700, readable by group or others")
				b.WaitScreen("Fix it now? [y/N]")
				b.Type(tt.answer)
			}
			if code := b.wait(t); code != tt.exit {
				t.Errorf("exit %d, want %d; screen:\n%s", code, tt.exit, b.Screen())
			}
			if tt.answer == "" && strings.Contains(b.Screen(), "Fix it now?") {
				t.Errorf("--non-interactive asked:\n%s", b.Screen())
			}
			fi, err := os.Stat(filepath.Join(b.home, ".bot/bot.json"))
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != tt.mode {
				t.Errorf("bot.json mode %o, want %o", fi.Mode().Perm(), tt.mode)
			}
		})
	}
}
