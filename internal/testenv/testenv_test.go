package testenv

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The writers put each file where bot reads it, 0600 in 0700 directories,
// whatever the umask.
func TestWriters(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	e := New(t)
	got := map[string]string{
		e.Store("work", `{"version":1}`):     ".bot/agents/work/agent/auth-profiles.json",
		e.Config(`{}`):                       ".bot/bot.json",
		e.ClaudeCode(`{"claudeAiOauth":{}}`): ".claude/.credentials.json",
		e.Write("a/b/c.txt", "x"):            "a/b/c.txt",
	}
	for p, rel := range got {
		if want := filepath.Join(e.Home, rel); p != want {
			t.Errorf("path %s, want %s", p, want)
		}
		checkMode(t, p, 0o600)
		for d := filepath.Dir(p); d != e.Home; d = filepath.Dir(d) {
			checkMode(t, d, fs.ModeDir|0o700)
		}
	}
	if b, err := os.ReadFile(e.StorePath("work")); err != nil || string(b) != `{"version":1}` {
		t.Errorf("store holds %q, %v", b, err)
	}
	checkMode(t, e.WriteMode("bin/tool", "#!/bin/sh\n", 0o755), 0o755)
	// Rewriting an existing file sets the mode asked for.
	p := e.WriteMode(".bot/bot.json", "{}", 0o644)
	checkMode(t, p, 0o644)
	e.Config("{}")
	checkMode(t, p, 0o600)
}

func checkMode(t *testing.T, p string, want fs.FileMode) {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode() != want {
		t.Errorf("%s: mode %v, want %v", p, fi.Mode(), want)
	}
}

func TestEnviron(t *testing.T) {
	t.Setenv("PATH", "/usr/bin")
	e := New(t)
	e.Set("BOT_STATE_DIR", "/state")
	want := []string{"BOT_STATE_DIR=/state", "HOME=" + e.Home, "PATH=/usr/bin"}
	if diff := cmp.Diff(want, e.Environ()); diff != "" {
		t.Errorf("Environ (-want +got):\n%s", diff)
	}
	if e.Getenv("HOME") != e.Home || e.Getenv("NOPE") != "" {
		t.Errorf("Getenv: HOME=%q NOPE=%q", e.Getenv("HOME"), e.Getenv("NOPE"))
	}
}

func TestFiles(t *testing.T) {
	e := New(t)
	e.Files(map[string]string{".bot/.env": "A=1\n", ".bot/bot.json": "{}"})
	for rel, want := range map[string]string{".bot/.env": "A=1\n", ".bot/bot.json": "{}"} {
		b, err := os.ReadFile(e.Path(rel))
		if err != nil || string(b) != want {
			t.Errorf("%s holds %q, %v", rel, b, err)
		}
		checkMode(t, e.Path(rel), 0o600)
	}
}
