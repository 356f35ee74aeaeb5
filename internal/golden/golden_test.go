package golden_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/botgateway/bot/internal/golden"
)

func TestRead(t *testing.T) {
	known := []string{"input", "replies", "home/"}
	tests := []struct {
		name, archive string
		wantErr       string // "" = accepted
	}{
		{"known sections", "comment\n-- input --\n/help\n-- replies --\nok\n-- home/.bot/bot.json --\n{}\n-- home/.env --\n", ""},
		{"no sections", "only a comment\n", ""},
		{"unknown section", "-- input --\n/help\n-- reply --\nok\n", `section "reply" is not one this runner reads (input, replies, home/)`},
		{"duplicate section", "-- input --\n/help\n-- replies --\nok\n-- input --\n/model\n", `section "input" appears twice`},
		{"duplicate prefixed section", "-- home/.env --\nA=1\n-- home/.env --\nA=2\n", `section "home/.env" appears twice`},
		{"bare prefix", "-- home/ --\nx\n", `section "home/" is not one this runner reads`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "case.txtar")
			if err := os.WriteFile(path, []byte(tt.archive), 0o644); err != nil {
				t.Fatal(err)
			}
			a, err := golden.Read(path, known...)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Read: %v", err)
			case tt.wantErr == "" && a == nil:
				t.Fatal("Read returned no archive")
			case tt.wantErr != "" && err == nil:
				t.Fatalf("Read accepted the file, want an error containing %q", tt.wantErr)
			case tt.wantErr != "" && (!strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), path)):
				t.Fatalf("Read: %v, want the file's path and %q", err, tt.wantErr)
			}
		})
	}
}

func TestReadMissing(t *testing.T) {
	if _, err := golden.Read(filepath.Join(t.TempDir(), "none.txtar"), "input"); err == nil {
		t.Fatal("Read of a missing file: no error")
	}
}
