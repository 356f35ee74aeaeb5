package config

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const migrationWarning = `Auto-migrated config: Updated auth.profiles["anthropic:claude-cli"].mode → "oauth".`

func TestMigrateClaudeCLIMode(t *testing.T) {
	tests := []struct {
		name     string
		content  string
		want     string // file content after Load
		warnings []string
		modes    map[string]string // profile id → mode in the loaded Config
	}{
		{
			name: "token becomes oauth, comments and layout kept",
			content: `// my bot
{
  "auth": {
    "profiles": {
      /* reused from Claude Code */
      "anthropic:claude-cli": { "provider": "anthropic",   "mode": "token" }, // old
      "anthropic:manual": {"provider": "anthropic", "mode": "token"},
    },
    "order": {"anthropic": ["anthropic:claude-cli", "anthropic:manual"]},
  },
}
`,
			want: `// my bot
{
  "auth": {
    "profiles": {
      /* reused from Claude Code */
      "anthropic:claude-cli": { "provider": "anthropic",   "mode": "oauth" }, // old
      "anthropic:manual": {"provider": "anthropic", "mode": "token"},
    },
    "order": {"anthropic": ["anthropic:claude-cli", "anthropic:manual"]},
  },
}
`,
			warnings: []string{migrationWarning},
			modes:    map[string]string{"anthropic:claude-cli": "oauth", "anthropic:manual": "token"},
		},
		{
			name:    "already oauth",
			content: `{"auth": {"profiles": {"anthropic:claude-cli": {"provider": "anthropic", "mode": "oauth"}}}}`,
			want:    `{"auth": {"profiles": {"anthropic:claude-cli": {"provider": "anthropic", "mode": "oauth"}}}}`,
			modes:   map[string]string{"anthropic:claude-cli": "oauth"},
		},
		{
			name:    "other profiles with mode token stay",
			content: `{"auth": {"profiles": {"anthropic:work": {"provider": "anthropic", "mode": "token"}, "openai:claude-cli": {"provider": "openai", "mode": "token"}}}}`,
			want:    `{"auth": {"profiles": {"anthropic:work": {"provider": "anthropic", "mode": "token"}, "openai:claude-cli": {"provider": "openai", "mode": "token"}}}}`,
			modes:   map[string]string{"anthropic:work": "token", "openai:claude-cli": "token"},
		},
		{
			name:    "no profiles",
			content: `{}`,
			want:    `{}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.content)
			f, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, readFile(t, path)); diff != "" {
				t.Errorf("file (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.warnings, f.Warnings); diff != "" {
				t.Errorf("Warnings (-want +got):\n%s", diff)
			}
			modes := map[string]string{}
			for id, p := range f.Config.Auth.Profiles {
				modes[id] = p.Mode
			}
			if tt.modes == nil {
				tt.modes = map[string]string{}
			}
			if diff := cmp.Diff(tt.modes, modes); diff != "" {
				t.Errorf("modes (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMigrateKeepsFileMode(t *testing.T) {
	path := writeConfig(t, `{"auth": {"profiles": {"anthropic:claude-cli": {"provider": "anthropic", "mode": "token"}}}}`)
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o640 {
		t.Errorf("mode after migration = %o, want 640", got)
	}
	f, err := Load(path) // a second load has nothing left to migrate
	if err != nil || len(f.Warnings) != 0 {
		t.Errorf("second Load = %v, %q; want no error, no warnings", err, f.Warnings)
	}
}

func TestMigrateRewriteFails(t *testing.T) {
	orig := saveMigrated
	t.Cleanup(func() { saveMigrated = orig })
	saveMigrated = func(string) error { return errors.New("read-only file system") }

	content := `{"auth": {"profiles": {"anthropic:claude-cli": {"provider": "anthropic", "mode": "token"}}}}`
	path := writeConfig(t, content)
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Config.Auth.Profiles["anthropic:claude-cli"].Mode; got != ModeOAuth {
		t.Errorf("mode = %q, want the migrated oauth", got)
	}
	if len(f.Warnings) != 2 || f.Warnings[0] != migrationWarning ||
		!strings.Contains(f.Warnings[1], path) || !strings.Contains(f.Warnings[1], "read-only file system") {
		t.Errorf("Warnings = %q, want the migration line and one naming the failure", f.Warnings)
	}
	if got := readFile(t, path); got != content {
		t.Errorf("file changed although the write failed:\n%s", got)
	}
}

func TestMigrateSkipsInvalidFile(t *testing.T) {
	content := `{"auth": {"profiles": {"anthropic:claude-cli": {"provider": "anthropic", "mode": "token"}}}, "bogus": 1}`
	path := writeConfig(t, content)
	if _, err := Load(path); err == nil {
		t.Fatal("Load accepted an unknown key")
	}
	if got := readFile(t, path); got != content {
		t.Errorf("an invalid file was rewritten:\n%s", got)
	}
}

// TestInspectWritesNothing checks that Inspect applies a pending
// migration in memory only, listing it, and that Migrate then writes it
// (after which Inspect finds none).
func TestInspectWritesNothing(t *testing.T) {
	path := writeConfig(t, `{"auth": {"profiles": {"anthropic:claude-cli": {"provider": "anthropic", "mode": "token"}}}} // mine`)
	before, _ := os.ReadFile(path)
	f, err := Inspect(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{`Updated auth.profiles["anthropic:claude-cli"].mode → "oauth".`}, f.Pending); diff != "" {
		t.Errorf("Pending (-want +got):\n%s", diff)
	}
	if len(f.Warnings) != 0 || f.Config.Auth.Profiles["anthropic:claude-cli"].Mode != ModeOAuth {
		t.Errorf("Warnings %q, mode %q", f.Warnings, f.Config.Auth.Profiles["anthropic:claude-cli"].Mode)
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Errorf("Inspect wrote the file:\n%s", after)
	}
	if err := Migrate(path); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.ReadFile(path); !strings.Contains(string(after), `"oauth"`) || !strings.Contains(string(after), "// mine") {
		t.Errorf("after Migrate:\n%s", after)
	}
	if f, err := Inspect(path); err != nil || len(f.Pending) != 0 {
		t.Errorf("Inspect after Migrate: %v, pending %q", err, f.Pending)
	}
}
