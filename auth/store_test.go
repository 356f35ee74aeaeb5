package auth

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofrs/flock"
	"github.com/google/go-cmp/cmp"
)

func TestStorePath(t *testing.T) {
	got := StorePath(filepath.Join("home", ".bot", "agents", "main", "agent"))
	want := filepath.Join("home", ".bot", "agents", "main", "agent", "auth-profiles.json")
	if got != want {
		t.Errorf("StorePath = %q, want %q", got, want)
	}
}

// writeStoreFile writes b as the store file in a fresh agent dir and returns
// its path.
func writeStoreFile(t testing.TB, b []byte) string {
	t.Helper()
	path := StorePath(t.TempDir())
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// apiKey returns an API key credential of provider p.
func apiKey(p, key string) *Credential {
	return &Credential{Provider: p, Type: KindAPIKey, Key: NewSecret(key)}
}

func TestLoadStore(t *testing.T) {
	t.Run("missing", func(t *testing.T) {
		s, exists, err := LoadStore(StorePath(t.TempDir()))
		if err != nil || exists {
			t.Fatalf("LoadStore = _, %v, %v; want exists false and no error", exists, err)
		}
		if diff := cmp.Diff(NewStore(), s, storeOpts); diff != "" {
			t.Errorf("store (-want +got):\n%s", diff)
		}
	})
	t.Run("missing dir", func(t *testing.T) {
		s, exists, err := LoadStore(StorePath(filepath.Join(t.TempDir(), "agents", "main", "agent")))
		if err != nil || exists || s == nil {
			t.Fatalf("LoadStore = %v, %v, %v; want an empty store", s, exists, err)
		}
	})
	t.Run("openclaw", func(t *testing.T) {
		b := storeFixture(t, "openclaw.json")
		s, exists, err := LoadStore(writeStoreFile(t, b))
		if err != nil || !exists {
			t.Fatalf("LoadStore = _, %v, %v; want exists and no error", exists, err)
		}
		if diff := cmp.Diff(mustDecodeStore(t, b), s, storeOpts); diff != "" {
			t.Errorf("store (-DecodeStore +LoadStore):\n%s", diff)
		}
	})

	// The messages name the file, the problem and the fix, on one line.
	tests := []struct {
		name      string
		content   string
		wantMsg   string // with PATH for the file's path
		wantNewer bool
	}{
		{
			name:    "empty",
			content: "",
			wantMsg: "auth: PATH: file is empty; delete it or restore it from a backup",
		},
		{
			name:    "blank",
			content: "\n  \n",
			wantMsg: "auth: PATH: file is empty; delete it or restore it from a backup",
		},
		{
			name:    "syntax error",
			content: string(storeFixture(t, "corrupt.json")),
			wantMsg: "auth: PATH: invalid JSON at line 4: invalid character ',' looking for beginning of object key string; " +
				"fix the file or restore it from a backup (it was not changed)",
		},
		{
			name:    "truncated",
			content: "{\n  \"version\": 1,\n  \"profiles\": {\n",
			wantMsg: "auth: PATH: invalid JSON at line 3: unexpected end of JSON input; " +
				"fix the file or restore it from a backup (it was not changed)",
		},
		{
			name:    "trailing garbage",
			content: "{\"version\": 1, \"profiles\": {}}\n\nx\n",
			wantMsg: "auth: PATH: invalid JSON at line 3: invalid character 'x' after top-level value; " +
				"fix the file or restore it from a backup (it was not changed)",
		},
		{
			name:    "not an object",
			content: "[]\n",
			wantMsg: "auth: PATH: want a JSON object; fix the file or restore it from a backup (it was not changed)",
		},
		{
			name:    "no profiles",
			content: `{"version": 1}`,
			wantMsg: `auth: PATH: no "profiles" object; fix the file or restore it from a backup (it was not changed)`,
		},
		{
			name:      "newer",
			content:   string(storeFixture(t, "newer.json")),
			wantMsg:   "auth: PATH: written by a newer version of bot (version 2); upgrade bot",
			wantNewer: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeStoreFile(t, []byte(tt.content))
			s, exists, err := LoadStore(path)
			if err == nil {
				t.Fatalf("LoadStore = %+v, want an error", s)
			}
			if s != nil || !exists {
				t.Errorf("LoadStore = %v, %v, _; want nil, true", s, exists)
			}
			if got, want := err.Error(), strings.ReplaceAll(tt.wantMsg, "PATH", path); got != want {
				t.Errorf("error:\n got %s\nwant %s", got, want)
			}
			var se *StoreError
			if !errors.As(err, &se) || se.Path != path || se.Fix == "" {
				t.Errorf("error %#v is not a *StoreError for %s with a fix", err, path)
			}
			if got := errors.Is(err, ErrNewerStore); got != tt.wantNewer {
				t.Errorf("errors.Is(err, ErrNewerStore) = %v, want %v", got, tt.wantNewer)
			}
		})
	}

	t.Run("unreadable", func(t *testing.T) {
		path := StorePath(t.TempDir())
		if err := os.Mkdir(path, 0o700); err != nil {
			t.Fatal(err)
		}
		_, _, err := LoadStore(path)
		var se *StoreError
		if !errors.As(err, &se) || se.Path != path {
			t.Fatalf("LoadStore of a directory = %v, want a *StoreError", err)
		}
		if msg := err.Error(); !strings.HasPrefix(msg, "auth: "+path+": cannot read: ") || strings.Count(msg, path) != 1 {
			t.Errorf("error %q: want one mention of the path, then what failed", msg)
		}
	})
}

func TestLineOf(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"{,}", 1},
		{"{\n,}", 2},
		{"{\n\n  \"a\" 1}", 3},
		{"{\n", 1}, // the end of input is reported on the last line
		{"{\n  \"a\": [\n", 2},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.in), func(t *testing.T) {
			_, err := decodeStoreFile([]byte(tt.in))
			want := fmt.Sprintf("invalid JSON at line %d:", tt.want)
			if err == nil || !strings.HasPrefix(err.Error(), want) {
				t.Errorf("decodeStoreFile(%q) = %v, want %q…", tt.in, err, want)
			}
		})
	}
}

// TestUpdateStoreKeepsBadFile checks that UpdateStore never overwrites a
// file LoadStore rejects, and does not call fn then.
func TestUpdateStoreKeepsBadFile(t *testing.T) {
	for _, tt := range []struct{ name, content string }{
		{"empty", ""},
		{"corrupt", string(storeFixture(t, "corrupt.json"))},
		{"newer", string(storeFixture(t, "newer.json"))},
		{"no profiles", `{"version":1}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := writeStoreFile(t, []byte(tt.content))
			called := false
			s, err := UpdateStore(t.Context(), path, func(s *Store) (bool, error) {
				called = true
				s.Set("openai:x", apiKey("openai", "k"))
				return true, nil
			})
			var se *StoreError
			if !errors.As(err, &se) || s != nil {
				t.Fatalf("UpdateStore = %v, %v; want a *StoreError", s, err)
			}
			if called {
				t.Error("fn was called on a store that could not be read")
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.content {
				t.Errorf("the file changed to %q", got)
			}
		})
	}
}

func TestUpdateStoreModes(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix modes on Windows")
	}
	t.Run("fresh state dir", func(t *testing.T) {
		base := t.TempDir()
		if err := os.Chmod(base, 0o755); err != nil {
			t.Fatal(err)
		}
		state := filepath.Join(base, ".bot")
		path := StorePath(filepath.Join(state, "agents", "main", "agent"))
		if _, err := UpdateStore(t.Context(), path, func(s *Store) (bool, error) {
			s.Set("anthropic:work", apiKey("anthropic", "sk-ant-x"))
			return true, nil
		}); err != nil {
			t.Fatal(err)
		}
		wantModes := map[string]fs.FileMode{
			base:                                   0o755, // existed: left alone
			state:                                  0o700,
			filepath.Join(state, "agents"):         0o700,
			filepath.Join(state, "agents", "main"): 0o700,
			filepath.Dir(path):                     0o700,
			path:                                   0o600,
		}
		for p, want := range wantModes {
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if got := fi.Mode().Perm(); got != want {
				t.Errorf("mode of %s = %v, want %v", p, got, want)
			}
		}
	})
	t.Run("existing file and dir", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.Chmod(dir, 0o750); err != nil {
			t.Fatal(err)
		}
		path := StorePath(dir)
		if err := os.WriteFile(path, storeFixture(t, "minimal.json"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := UpdateStore(t.Context(), path, func(s *Store) (bool, error) {
			s.Set("anthropic:work", apiKey("anthropic", "sk-ant-x"))
			return true, nil
		}); err != nil {
			t.Fatal(err)
		}
		for p, want := range map[string]fs.FileMode{dir: 0o750, path: 0o600} {
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if got := fi.Mode().Perm(); got != want {
				t.Errorf("mode of %s = %v, want %v", p, got, want)
			}
		}
	})
}

func TestUpdateStore(t *testing.T) {
	errBoom := errors.New("boom")
	orig := storeFixture(t, "openclaw.json")
	tests := []struct {
		name string
		fn   func(s *Store) (bool, error)
		// wantErr is the error UpdateStore must return (errors.Is).
		wantErr error
		// wantWritten reports whether the file must have changed.
		wantWritten bool
		// wantIDs are the profile ids of the returned store and of the file.
		wantIDs []ProfileID
	}{
		{
			name: "add",
			fn: func(s *Store) (bool, error) {
				s.Set("openai:work", apiKey("openai", "sk-proj-x"))
				return true, nil
			},
			wantWritten: true,
			wantIDs: []ProfileID{"anthropic:default", "anthropic:manual", "anthropic:claude-cli",
				"openai-codex:default", "google-antigravity:me@x.com", "github-copilot:default", "openai:work"},
		},
		{
			name: "unchanged",
			fn: func(s *Store) (bool, error) {
				// A change fn does not report is neither written nor returned.
				s.Delete("anthropic:default")
				return false, nil
			},
			wantIDs: []ProfileID{"anthropic:default", "anthropic:manual", "anthropic:claude-cli",
				"openai-codex:default", "google-antigravity:me@x.com", "github-copilot:default"},
		},
		{
			name: "fn fails",
			fn: func(s *Store) (bool, error) {
				s.Delete("anthropic:default")
				return true, errBoom
			},
			wantErr: errBoom,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeStoreFile(t, orig)
			s, err := UpdateStore(t.Context(), path, tt.fn)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("UpdateStore error = %v, want %v", err, tt.wantErr)
			}
			got, rerr := os.ReadFile(path)
			if rerr != nil {
				t.Fatal(rerr)
			}
			if written := string(got) != string(orig); written != tt.wantWritten {
				t.Errorf("file written = %v, want %v", written, tt.wantWritten)
			}
			if err != nil {
				if s != nil {
					t.Errorf("UpdateStore returned a store with its error")
				}
				return
			}
			if diff := cmp.Diff(tt.wantIDs, s.IDs()); diff != "" {
				t.Errorf("returned store IDs (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantIDs, mustDecodeStore(t, got).IDs()); diff != "" {
				t.Errorf("file IDs (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("removes orphan temporary files", func(t *testing.T) {
		path := writeStoreFile(t, orig)
		dir := filepath.Dir(path)
		orphan := filepath.Join(dir, ".auth-profiles.json.tmp-4242")
		other := filepath.Join(dir, ".bot.json.tmp-4242")
		for _, p := range []string{orphan, other} {
			if err := os.WriteFile(p, []byte("{"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := UpdateStore(t.Context(), path, func(s *Store) (bool, error) {
			s.Delete("anthropic:default")
			return true, nil
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(orphan); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("the store's orphan temporary file is still there: %v", err)
		}
		if _, err := os.Stat(other); err != nil {
			t.Errorf("another file's temporary file was touched: %v", err)
		}
	})
	t.Run("missing file, unchanged", func(t *testing.T) {
		path := StorePath(filepath.Join(t.TempDir(), "agent"))
		s, err := UpdateStore(t.Context(), path, func(s *Store) (bool, error) { return false, nil })
		if err != nil || s == nil || len(s.Profiles) != 0 {
			t.Fatalf("UpdateStore = %v, %v; want an empty store", s, err)
		}
		if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("an unchanged store was written: %v", err)
		}
	})
}

// TestUpdateStoreConcurrent has 50 goroutines each add a profile: none may
// be lost.
func TestUpdateStoreConcurrent(t *testing.T) {
	path := StorePath(filepath.Join(t.TempDir(), "agents", "main", "agent"))
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			id := ProfileID(fmt.Sprintf("openai:g%02d", i))
			_, err := UpdateStore(t.Context(), path, func(s *Store) (bool, error) {
				s.Set(id, apiKey("openai", string(id)))
				return true, nil
			})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	s, _, err := LoadStore(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if id := ProfileID(fmt.Sprintf("openai:g%02d", i)); s.Profiles[id] == nil {
			t.Errorf("profile %s is missing", id)
		}
	}
	if len(s.Profiles) != n {
		t.Errorf("%d profiles, want %d", len(s.Profiles), n)
	}
}

// TestUpdateStoreRereads checks that UpdateStore works on the file as it is
// inside the lock, not on what the caller read before.
func TestUpdateStoreRereads(t *testing.T) {
	path := writeStoreFile(t, storeFixture(t, "minimal.json"))
	stale, _, err := LoadStore(path)
	if err != nil {
		t.Fatal(err)
	}
	// Another process adds a profile after our read.
	if _, err := UpdateStore(t.Context(), path, func(s *Store) (bool, error) {
		s.Set("anthropic:other", apiKey("anthropic", "sk-ant-other"))
		return true, nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(stale.Profiles) != 0 {
		t.Fatal("the stale copy changed")
	}
	s, err := UpdateStore(t.Context(), path, func(s *Store) (bool, error) {
		s.Set("anthropic:mine", apiKey("anthropic", "sk-ant-mine"))
		return true, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []ProfileID{"anthropic:other", "anthropic:mine"}
	if diff := cmp.Diff(want, s.IDs()); diff != "" {
		t.Errorf("returned store (-want +got):\n%s", diff)
	}
	onDisk, _, err := LoadStore(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, onDisk.IDs()); diff != "" {
		t.Errorf("file (-want +got):\n%s", diff)
	}
}

func TestWithFileLock(t *testing.T) {
	t.Run("busy", func(t *testing.T) {
		path := StorePath(t.TempDir())
		// Another holder: a separate open file, as another process would
		// have.
		other := flock.New(path + ".lock")
		if err := other.Lock(); err != nil {
			t.Fatal(err)
		}
		defer other.Unlock()

		// The lock is held for the whole wait, so the outcome does not
		// depend on the deadline's length.
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Millisecond)
		defer cancel()
		called := false
		err := WithFileLock(ctx, path, func() error { called = true; return nil })
		if called {
			t.Error("fn ran without the lock")
		}
		if want := "auth: " + path + " is being changed by another bot process; try again"; err == nil || err.Error() != want {
			t.Errorf("error = %v, want %s", err, want)
		}
		if !errors.Is(err, ErrLocked) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error %v does not match ErrLocked and context.DeadlineExceeded", err)
		}

		// UpdateStore waits for the same lock.
		ctx, cancel = context.WithTimeout(t.Context(), 30*time.Millisecond)
		defer cancel()
		if _, err := UpdateStore(ctx, path, func(*Store) (bool, error) { return true, nil }); !errors.Is(err, ErrLocked) {
			t.Errorf("UpdateStore under a held lock: %v, want ErrLocked", err)
		}
		if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("UpdateStore wrote without the lock: %v", err)
		}

		// Once released, the lock is taken.
		if err := other.Unlock(); err != nil {
			t.Fatal(err)
		}
		if err := WithFileLock(t.Context(), path, func() error { called = true; return nil }); err != nil || !called {
			t.Errorf("WithFileLock after release = %v, called %v", err, called)
		}
	})
	t.Run("fn error", func(t *testing.T) {
		errBoom := errors.New("boom")
		if err := WithFileLock(t.Context(), StorePath(t.TempDir()), func() error { return errBoom }); err != errBoom {
			t.Errorf("err = %v, want fn's error unchanged", err)
		}
	})
	t.Run("canceled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		err := WithFileLock(ctx, StorePath(t.TempDir()), func() error { return nil })
		if !errors.Is(err, context.Canceled) || errors.Is(err, ErrLocked) {
			t.Errorf("err = %v, want context.Canceled and not ErrLocked", err)
		}
	})
	t.Run("missing dir", func(t *testing.T) {
		path := StorePath(filepath.Join(t.TempDir(), "nope"))
		err := WithFileLock(t.Context(), path, func() error { return nil })
		if err == nil || !strings.HasPrefix(err.Error(), "auth: cannot lock "+path+": ") {
			t.Errorf("err = %v, want a lock error naming the file", err)
		}
	})
	t.Run("openclaw lock dir", func(t *testing.T) {
		path := StorePath(t.TempDir())
		if err := os.Mkdir(path+".lock", 0o700); err != nil {
			t.Fatal(err)
		}
		err := WithFileLock(t.Context(), path, func() error { return nil })
		if err == nil || !strings.Contains(err.Error(), "OpenClaw") {
			t.Errorf("err = %v, want one naming OpenClaw's lock", err)
		}
	})
	t.Run("same process", func(t *testing.T) {
		// Two holders in one process exclude each other: the second
		// starts only after the first has returned.
		path := StorePath(t.TempDir())
		entered, release := make(chan struct{}), make(chan struct{})
		var mu sync.Mutex
		var events []string
		var wg sync.WaitGroup
		wg.Go(func() {
			WithFileLock(t.Context(), path, func() error {
				close(entered)
				<-release
				mu.Lock()
				events = append(events, "first done")
				mu.Unlock()
				return nil
			})
		})
		<-entered
		wg.Go(func() {
			WithFileLock(t.Context(), path, func() error {
				mu.Lock()
				events = append(events, "second")
				mu.Unlock()
				return nil
			})
		})
		close(release)
		wg.Wait()
		if diff := cmp.Diff([]string{"first done", "second"}, events); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
	})
}

// TestUpdateStoreSharedThroughSymlinks: two agents whose auth-profiles.json
// are links to one shared store (an absolute and a relative link) keep
// their links, write to the shared file, and lock the same file.
func TestUpdateStoreSharedThroughSymlinks(t *testing.T) {
	root := t.TempDir()
	shared := filepath.Join(root, "shared", StoreFile)
	if err := os.MkdirAll(filepath.Dir(shared), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(shared, []byte(`{"version":1,"profiles":{}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	a := StorePath(filepath.Join(root, "agents", "a", "agent"))
	b := StorePath(filepath.Join(root, "agents", "b", "agent"))
	for link, to := range map[string]string{a: shared, b: filepath.Join("..", "..", "..", "shared", StoreFile)} {
		if err := os.MkdirAll(filepath.Dir(link), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(to, link); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{a, b} {
		id := ProfileID("openai:" + filepath.Base(filepath.Dir(filepath.Dir(p))))
		if _, err := UpdateStore(t.Context(), p, func(s *Store) (bool, error) {
			s.Set(id, apiKey("openai", "k-"+string(id)))
			return true, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{a, b} {
		fi, err := os.Lstat(p)
		if err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Errorf("%s is no longer a symlink: %v, %v", p, fi.Mode(), err)
		}
		entries, _ := os.ReadDir(filepath.Dir(p))
		if len(entries) != 1 {
			t.Errorf("%s holds %d entries, want the link alone (a lock or temporary file went there)", filepath.Dir(p), len(entries))
		}
	}
	s, _, err := LoadStore(shared)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]ProfileID{"openai:a", "openai:b"}, s.IDs()); diff != "" {
		t.Errorf("shared store IDs (-want +got):\n%s", diff)
	}

	// While agent a's lock is held, agent b cannot write: the lock is the
	// shared file's. (The lock is held for the whole wait, so the outcome
	// does not depend on the deadline's length.)
	entered, release := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		done <- WithFileLock(t.Context(), a, func() error { close(entered); <-release; return nil })
	}()
	<-entered
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Millisecond)
	defer cancel()
	_, err = UpdateStore(ctx, b, func(*Store) (bool, error) { return true, nil })
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !errors.Is(err, ErrLocked) {
		t.Errorf("UpdateStore through the other link while the lock is held = %v, want ErrLocked", err)
	}
}
