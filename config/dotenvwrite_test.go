package config

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/botgateway/bot/internal/atomicfile"
	"github.com/botgateway/bot/internal/secret"
)

func TestSetDotenv(t *testing.T) {
	tests := []struct {
		name, in, key, value, want string
	}{
		{"new file", "", "TELEGRAM_BOT_TOKEN", "123:abc", "TELEGRAM_BOT_TOKEN=123:abc\n"},
		{"appended after the rest", "# mine\nA=1", "B", "2", "# mine\nA=1\nB=2\n"},
		{"replaced in place, export kept", "A=1\nexport B=old # c\nC=3\n", "B", "new", "A=1\nexport B=new\nC=3\n"},
		{"later duplicates removed", "B=1\nA=x\nB=\"two\nlines\"\nC=3\n", "B", "9", "B=9\nA=x\nC=3\n"},
		{"a multi-line value replaced whole", "B='a\nb'\nC=3\n", "B", "z", "B=z\nC=3\n"},
		{"a value that needs quotes", "", "K", `a b"#\`, `K="a b\"#\\"` + "\n"},
		{"malformed lines kept", "not a line\n", "K", "v", "not a line\nK=v\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := setDotenv(tt.in, tt.key, secret.New(tt.value))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("setDotenv (-want +got):\n%s", diff)
			}
			entries, _ := parseDotenv(got)
			var v string
			for _, e := range entries {
				if e.key == tt.key {
					v = e.value
				}
			}
			if v != tt.value {
				t.Errorf("reads back %q, want %q", v, tt.value)
			}
		})
	}
}

func TestSetDotenvInWritesPrivateFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	path := filepath.Join(dir, ".env")
	anchor := filepath.Join(dir, "bot.json")
	txn, err := atomicfile.NewTxn(anchor)
	if err != nil {
		t.Fatal(err)
	}
	err = SetDotenvIn(context.Background(), path, txn, []DotenvVar{{"DISCORD_BOT_TOKEN", secret.New("x.y.z")}}, txn.Commit)
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{dir: 0o700 | os.ModeDir, path: 0o600} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", p, fi.Mode(), want)
		}
	}
	b, _ := os.ReadFile(path)
	if string(b) != "DISCORD_BOT_TOKEN=x.y.z\n" {
		t.Errorf(".env = %q", b)
	}
}

func TestDotenvSecrets(t *testing.T) {
	tests := []struct {
		name, in string
		want     map[string]string // nil: not .env lines
	}{
		{"a bare key", "sk-ant-api03-0123456789abcdef\n", nil},
		{"a setup-token over lines", "sk-ant-oat01-abc\ndef\n", nil},
		{"variables", "# c\nA=1\nexport B=\"two\"\n\n", map[string]string{"A": "1", "B": "two"}},
		{"one malformed line spoils it", "A=1\nsk-ant-api03\n", nil},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars, ok := DotenvSecrets(tt.in)
			if ok != (tt.want != nil) {
				t.Fatalf("ok = %v", ok)
			}
			got := map[string]string{}
			for k, v := range vars {
				got[k] = v.Reveal()
			}
			if tt.want != nil {
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			}
		})
	}
}
