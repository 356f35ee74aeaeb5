package atomicfile

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.json")
	for _, content := range []string{"first\n", "second, longer\n", ""} {
		if err := WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != content {
			t.Errorf("content = %q, want %q", got, content)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("mode = %v, want 0600", fi.Mode().Perm())
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want 1 (temp files left behind?)", len(entries))
	}
}

func TestWriteFileMissingDir(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope", "f.json")
	if err := WriteFile(path, []byte("x"), 0o600); err == nil {
		t.Fatal("WriteFile into a missing directory succeeded")
	}
}

// TestWriteFileKeepsSymlink: a link at path stays a link; the file it names
// gets the content, and the temporary file is made in that file's directory
// (a rename across directories could cross filesystems).
func TestWriteFileKeepsSymlink(t *testing.T) {
	tests := []struct {
		name string
		// setup makes path (in dir) a link and returns the file it names.
		setup func(t *testing.T, dir, path string) string
	}{
		{"absolute", func(t *testing.T, dir, path string) string {
			target := filepath.Join(dir, "shared", "store.json")
			mustWrite(t, target, "old")
			mustSymlink(t, target, path)
			return target
		}},
		{"relative", func(t *testing.T, dir, path string) string {
			target := filepath.Join(dir, "shared", "store.json")
			mustWrite(t, target, "old")
			mustSymlink(t, filepath.Join("..", "shared", "store.json"), path)
			return target
		}},
		{"chain", func(t *testing.T, dir, path string) string {
			target := filepath.Join(dir, "shared", "store.json")
			mustWrite(t, target, "old")
			mid := filepath.Join(dir, "shared", "link.json")
			mustSymlink(t, "store.json", mid)
			mustSymlink(t, mid, path)
			return target
		}},
		{"dangling", func(t *testing.T, dir, path string) string {
			target := filepath.Join(dir, "shared", "new.json")
			if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
				t.Fatal(err)
			}
			mustSymlink(t, filepath.Join("..", "shared", "new.json"), path)
			return target
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "agent", "f.json")
			if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
				t.Fatal(err)
			}
			target := tt.setup(t, dir, path)
			got, err := Target(path)
			if err != nil || got != target {
				t.Fatalf("Target = %q, %v; want %q", got, err, target)
			}
			if err := WriteFile(path, []byte("new"), 0o600); err != nil {
				t.Fatal(err)
			}
			fi, err := os.Lstat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode()&os.ModeSymlink == 0 {
				t.Errorf("%s is no longer a symlink (mode %v)", path, fi.Mode())
			}
			if b, err := os.ReadFile(target); err != nil || string(b) != "new" {
				t.Errorf("target holds %q, %v; want the new content", b, err)
			}
			if fi, err := os.Stat(target); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("target mode = %v, %v; want 0600", fi.Mode(), err)
			}
			entries, err := os.ReadDir(filepath.Dir(path))
			if err != nil || len(entries) != 1 {
				t.Errorf("the link's directory holds %d entries (%v), want the link alone", len(entries), err)
			}
		})
	}
}

// TestTargetLoop: a link cycle is an error, not a hang.
func TestTargetLoop(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	mustSymlink(t, b, a)
	mustSymlink(t, a, b)
	if _, err := Target(a); err == nil {
		t.Fatal("Target of a link cycle succeeded")
	}
	if err := WriteFile(a, []byte("x"), 0o600); err == nil {
		t.Fatal("WriteFile through a link cycle succeeded")
	}
}

// TestRemoveTemps removes the orphans of the file (through its link) and
// nothing else.
func TestRemoveTemps(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "store.json")
	link := filepath.Join(dir, "link.json")
	mustWrite(t, target, "{}")
	mustSymlink(t, target, link)
	orphan := filepath.Join(dir, ".store.json.tmp-123")
	keep := []string{
		filepath.Join(dir, ".bot.json.tmp-123"),   // another file's
		filepath.Join(dir, ".store.json.txn-123"), // not WriteFile's
		filepath.Join(dir, "store.json.tmp-123"),  // not hidden
	}
	for _, p := range append([]string{orphan}, keep...) {
		mustWrite(t, p, "x")
	}
	if err := os.Mkdir(filepath.Join(dir, ".store.json.tmp-dir"), 0o700); err != nil {
		t.Fatal(err)
	}
	keep = append(keep, filepath.Join(dir, ".store.json.tmp-dir")) // not a file
	RemoveTemps(link)
	if _, err := os.Lstat(orphan); !os.IsNotExist(err) {
		t.Errorf("orphan still there: %v", err)
	}
	for _, p := range keep {
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("%s was removed: %v", filepath.Base(p), err)
		}
	}
}

// TestAcquireSharedTarget: two links to one file take one lock.
func TestAcquireSharedTarget(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "store.json")
	mustWrite(t, target, "{}")
	a, b := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json")
	mustSymlink(t, target, a)
	mustSymlink(t, "store.json", b)
	lk, err := Acquire(t.Context(), a)
	if err != nil {
		t.Fatal(err)
	}
	if lk.Target() != target {
		t.Errorf("Target = %q, want %q", lk.Target(), target)
	}
	// The lock is held for the whole wait, so the outcome does not depend
	// on the deadline's length.
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if other, err := Acquire(ctx, b); !errors.Is(err, context.DeadlineExceeded) {
		if other != nil {
			other.Unlock()
		}
		t.Errorf("second link's Acquire = %v, want the lock busy", err)
	}
	if err := lk.Unlock(); err != nil {
		t.Fatal(err)
	}
	other, err := Acquire(t.Context(), b)
	if err != nil {
		t.Fatal(err)
	}
	other.Unlock()
}

func mustWrite(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func mustSymlink(t *testing.T, oldname, newname string) {
	t.Helper()
	if err := os.Symlink(oldname, newname); err != nil {
		t.Fatal(err)
	}
}
