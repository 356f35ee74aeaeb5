package config

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/botgateway/bot/internal/atomicfile"
)

func TestEditCreatesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "bot.json")
	err := Edit(t.Context(), path, func(d *Doc) error {
		return d.SetAuthProfile("anthropic:claude-cli", "Anthropic", ModeOAuth)
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "auth": {
    "profiles": {
      "anthropic:claude-cli": {"provider": "anthropic", "mode": "oauth"}
    }
  }
}
`
	if diff := cmp.Diff(want, readFile(t, path)); diff != "" {
		t.Errorf("file (-want +got):\n%s", diff)
	}
	for p, perm := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != perm {
			t.Errorf("%s: mode %o, want %o", p, got, perm)
		}
	}
	if _, err := Load(path); err != nil {
		t.Errorf("the created file does not load: %v", err)
	}
}

func TestEditKeepsCommentsAndLayout(t *testing.T) {
	content := `// bot config, edited by hand
{
    // which model
    "models": {"default": "anthropic/claude-opus-4"}, // big
    "auth": {
        "profiles": {
            /* work account */
            "anthropic:work": {"provider": "anthropic", "mode": "api_key", "email": "me@work"}, // keep
        },
    },
}
`
	path := writeConfig(t, content)
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	err := Edit(t.Context(), path, func(d *Doc) error {
		if err := d.SetAuthProfile("anthropic:work", "anthropic", ModeToken); err != nil {
			return err
		}
		if err := d.SetAuthProfile("openai:default", "openai", ModeAPIKey); err != nil {
			return err
		}
		return d.Set([]string{"sessions", "historyTurns"}, 40)
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `// bot config, edited by hand
{
    // which model
    "models": {"default": "anthropic/claude-opus-4"}, // big
    "auth": {
        "profiles": {
            /* work account */
            "anthropic:work": {"provider": "anthropic", "mode": "token", "email": "me@work"}, // keep
            "openai:default": {"provider": "openai", "mode": "api_key"},
        },
    },
    "sessions": {
        "historyTurns": 40
    },
}
`
	if diff := cmp.Diff(want, readFile(t, path)); diff != "" {
		t.Errorf("file (-want +got):\n%s", diff)
	}
	fi, _ := os.Stat(path)
	if got := fi.Mode().Perm(); got != 0o644 {
		t.Errorf("mode = %o, want the file's 644 kept", got)
	}
}

func TestSetAuthProfileOrder(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    string
	}{
		{
			name:    "no auth.order: none created",
			content: `{"auth": {"profiles": {}}}`,
			want:    `{"auth": {"profiles": {"anthropic:me": {"provider": "anthropic", "mode": "oauth"}}}}`,
		},
		{
			name:    "order of another provider: untouched",
			content: `{"auth": {"order": {"openai": ["openai:a"]}}}`,
			want:    `{"auth": {"order": {"openai": ["openai:a"]}, "profiles": {"anthropic:me": {"provider": "anthropic", "mode": "oauth"}}}}`,
		},
		{
			name:    "inserted at the front",
			content: `{"auth": {"order": {"anthropic": ["anthropic:a", "anthropic:b"]}}}`,
			want:    `{"auth": {"order": {"anthropic": ["anthropic:me", "anthropic:a", "anthropic:b"]}, "profiles": {"anthropic:me": {"provider": "anthropic", "mode": "oauth"}}}}`,
		},
		{
			name:    "moved to the front, duplicates dropped, provider key matched ignoring case",
			content: `{"auth": {"order": {"Anthropic": ["anthropic:a", "anthropic:me", "anthropic:b", "anthropic:me"]}}}`,
			want:    `{"auth": {"order": {"Anthropic": ["anthropic:me", "anthropic:a", "anthropic:b"]}, "profiles": {"anthropic:me": {"provider": "anthropic", "mode": "oauth"}}}}`,
		},
		{
			name:    "already first",
			content: `{"auth": {"order": {"anthropic": ["anthropic:me", "anthropic:a"]}}}`,
			want:    `{"auth": {"order": {"anthropic": ["anthropic:me", "anthropic:a"]}, "profiles": {"anthropic:me": {"provider": "anthropic", "mode": "oauth"}}}}`,
		},
		{
			name: "multi-line list with comments",
			content: `{
  "auth": {
    "order": {
      "anthropic": [
        "anthropic:a", // first
        "anthropic:me",
      ],
    },
  },
}`,
			want: `{
  "auth": {
    "order": {
      "anthropic": [
        "anthropic:me",
        "anthropic:a", // first
      ],
    },
    "profiles": {
      "anthropic:me": {"provider": "anthropic", "mode": "oauth"}
    },
  },
}`,
		},
		{
			name:    "existing entry keeps its email",
			content: `{"auth": {"profiles": {"anthropic:me": {"email": "me@example.com", "provider": "openai", "mode": "api_key"}}}}`,
			want:    `{"auth": {"profiles": {"anthropic:me": {"email": "me@example.com", "provider": "anthropic", "mode": "oauth"}}}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.content)
			err := Edit(t.Context(), path, func(d *Doc) error { return d.SetAuthProfile("anthropic:me", "anthropic", ModeOAuth) })
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, readFile(t, path)); diff != "" {
				t.Errorf("file (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEditRefusesInvalidFile(t *testing.T) {
	tests := []struct {
		name, content, problem string
	}{
		{
			name:    "unknown key",
			content: "{\n  \"models\": {\"defualt\": \"x\"}\n}",
			problem: `line 2: unknown key "models.defualt" (did you mean "models.default"?)`,
		},
		{
			name:    "syntax",
			content: "{\n  \"models\": {\n}",
			problem: `line 3, column 2: invalid JSON: unexpected end of file inside an object (a closing } is missing)`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.content)
			called := false
			err := Edit(t.Context(), path, func(d *Doc) error { called = true; return nil })
			want := "config: invalid config at " + path + ": " + tt.problem + "; fix it before changing it"
			if err == nil || err.Error() != want {
				t.Fatalf("Edit error = %v\nwant %s", err, want)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Errorf("Edit error does not wrap an *Error")
			}
			if called {
				t.Errorf("fn was called on an invalid file")
			}
			if got := readFile(t, path); got != tt.content {
				t.Errorf("file changed:\n%s", got)
			}
		})
	}
}

func TestEditErrorsLeaveFileAlone(t *testing.T) {
	content := "{\n  // note\n  \"models\": {}\n}\n"
	tests := []struct {
		name    string
		fn      func(d *Doc) error
		wantErr string
	}{
		{
			name:    "fn fails",
			fn:      func(d *Doc) error { d.Set([]string{"log", "level"}, "debug"); return errors.New("boom") },
			wantErr: "boom",
		},
		{
			name:    "bad mode",
			fn:      func(d *Doc) error { return d.SetAuthProfile("anthropic:x", "anthropic", "bearer") },
			wantErr: `config: auth profile anthropic:x: mode "bearer" is not one of "api_key", "oauth", "token"`,
		},
		{
			name:    "result invalid",
			fn:      func(d *Doc) error { return d.Set([]string{"sessions", "historyTurns"}, "many") },
			wantErr: `config: the change would leave $F invalid: "sessions.historyTurns" must be a number`,
		},
		{
			name:    "parent not an object",
			fn:      func(d *Doc) error { d.Set([]string{"log"}, 1); return d.Set([]string{"log", "level"}, "info") },
			wantErr: `config: $F: "log" is not an object`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, content)
			err := Edit(t.Context(), path, tt.fn)
			want := strings.ReplaceAll(tt.wantErr, "$F", path)
			if err == nil || err.Error() != want {
				t.Fatalf("Edit error = %v\nwant %s", err, want)
			}
			if got := readFile(t, path); got != content {
				t.Errorf("file changed:\n%s", got)
			}
		})
	}
}

func TestEditNoChangeWritesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bot.json")
	if err := Edit(t.Context(), path, func(d *Doc) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Edit without changes created the file (stat: %v)", err)
	}
}

func TestEditMigratesToo(t *testing.T) {
	path := writeConfig(t, `{"auth": {"profiles": {"anthropic:claude-cli": {"provider": "anthropic", "mode": "token"}}}}`)
	if err := Edit(t.Context(), path, func(d *Doc) error { return nil }); err != nil {
		t.Fatal(err)
	}
	want := `{"auth": {"profiles": {"anthropic:claude-cli": {"provider": "anthropic", "mode": "oauth"}}}}`
	if got := readFile(t, path); got != want {
		t.Errorf("file = %s\nwant %s", got, want)
	}
}

func TestRemoveAuthProfile(t *testing.T) {
	content := `{
  "auth": {
    "profiles": {
      "anthropic:claude-cli": {"provider": "anthropic", "mode": "oauth"},
      "anthropic:work": {"provider": "anthropic", "mode": "api_key"}
    },
    "order": {
      "anthropic": ["anthropic:claude-cli", "anthropic:work"],
      "openrouter": ["anthropic:claude-cli"]
    }
  }
}
`
	path := writeConfig(t, content)
	var removed bool
	err := Edit(t.Context(), path, func(d *Doc) error {
		var err error
		removed, err = d.RemoveAuthProfile("anthropic:claude-cli")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "auth": {
    "profiles": {
      "anthropic:work": {"provider": "anthropic", "mode": "api_key"}
    },
    "order": {
      "anthropic": ["anthropic:work"]
    }
  }
}
`
	if diff := cmp.Diff(want, readFile(t, path)); diff != "" {
		t.Errorf("file (-want +got):\n%s", diff)
	}
	if !removed {
		t.Errorf("removed = false, want true")
	}
}

func TestDocConfigAndPointers(t *testing.T) {
	path := writeConfig(t, `{"models": {"aliases": {"a/b~c": "x"}}}`)
	err := Edit(t.Context(), path, func(d *Doc) error {
		if err := d.Set([]string{"models", "aliases", "a/b~c"}, "anthropic/claude-haiku-4-5"); err != nil {
			return err
		}
		cfg, err := d.Config()
		if err != nil {
			return err
		}
		if got := cfg.Models.Aliases["a/b~c"]; got != "anthropic/claude-haiku-4-5" {
			t.Errorf("Doc.Config alias = %q", got)
		}
		ok, err := d.Delete([]string{"models", "nothing"})
		if ok || err != nil {
			t.Errorf("Delete(missing) = %v, %v; want false, nil", ok, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"models": {"aliases": {"a/b~c": "anthropic/claude-haiku-4-5"}}}`
	if got := readFile(t, path); got != want {
		t.Errorf("file = %s\nwant %s", got, want)
	}
}

func TestEditCommentOnlyFile(t *testing.T) {
	path := writeConfig(t, "// my bot, configured later")
	if err := Edit(t.Context(), path, func(d *Doc) error { return d.Set([]string{"log", "level"}, "debug") }); err != nil {
		t.Fatal(err)
	}
	want := "// my bot, configured later\n{\n  \"log\": {\n    \"level\": \"debug\"\n  }\n}\n"
	if diff := cmp.Diff(want, readFile(t, path)); diff != "" {
		t.Errorf("file (-want +got):\n%s", diff)
	}
}

func TestEditSameContentWritesNothing(t *testing.T) {
	content := `{"auth": {"profiles": {"anthropic:me": {"provider": "anthropic", "mode": "oauth"}}}}`
	path := writeConfig(t, content)
	before, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := Edit(t.Context(), path, func(d *Doc) error { return d.SetAuthProfile("anthropic:me", "anthropic", ModeOAuth) }); err != nil {
		t.Fatal(err)
	}
	after, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(before, after) { // an atomic write replaces the inode
		t.Errorf("Edit rewrote a file whose content did not change")
	}
}

// TestEditConcurrent: edits from many goroutines at once (each its own
// lock holder, as separate processes would be) never lose a change.
func TestEditConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bot.json")
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			id := fmt.Sprintf("anthropic:p%d", i)
			if err := Edit(t.Context(), path, func(d *Doc) error { return d.SetAuthProfile(id, "anthropic", "api_key") }); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(f.Config.Auth.Profiles); n != 20 {
		t.Errorf("%d profiles after 20 concurrent edits, want 20", n)
	}
}

// TestEditRemovesOrphanTemps: the temporary files of a config write killed
// midway are removed by the next edit, as the store's are; those of other
// files stay.
func TestEditRemovesOrphanTemps(t *testing.T) {
	path := writeConfig(t, "{}\n")
	dir := filepath.Dir(path)
	orphan := filepath.Join(dir, ".bot.json.tmp-4242")
	other := filepath.Join(dir, ".auth-profiles.json.tmp-4242")
	for _, p := range []string{orphan, other} {
		if err := os.WriteFile(p, []byte(`{"channels": {"telegram": {"token": "123:secret"}}}`), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := Edit(t.Context(), path, func(d *Doc) error { return d.SetAuthProfile("openai:x", "openai", ModeAPIKey) }); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(orphan); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the config's orphan temporary file is still there: %v", err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("another file's temporary file was touched: %v", err)
	}
}

// TestEditContext: Edit waits for the config's lock only as long as its
// context allows, and then changes nothing.
func TestEditContext(t *testing.T) {
	path := writeConfig(t, "{}\n")
	held, err := atomicfile.Acquire(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Unlock()
	set := func(d *Doc) error { return d.SetAuthProfile("openai:x", "openai", ModeAPIKey) }

	// The lock is held for the whole wait, so the outcome does not
	// depend on the deadline's length.
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	err = Edit(ctx, path, set)
	if want := "config: " + path + " is being changed by another bot process; try again"; err == nil || err.Error() != want {
		t.Errorf("Edit under a held lock = %v, want %s", err, want)
	}
	if !errors.Is(err, atomicfile.ErrLocked) {
		t.Errorf("Edit under a held lock = %v, want atomicfile.ErrLocked", err)
	}

	canceled, cancel := context.WithCancel(t.Context())
	cancel()
	if err := Edit(canceled, path, set); !errors.Is(err, context.Canceled) {
		t.Errorf("Edit with a canceled context = %v, want context.Canceled", err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "{}\n" {
		t.Errorf("file after refused edits = %q, %v; want unchanged", b, err)
	}
}
