//go:build unix

package safefile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// nobody is the uid and gid the owner tests give files: not the test's.
const nobody = 65534

// write creates path with content and mode (set after creation, so the
// umask does not change it), creating its directory 0700.
func write(t *testing.T, path string, mode fs.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("KEY=value\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

// chmod sets the mode of path.
func chmod(t *testing.T, path string, mode fs.FileMode) {
	t.Helper()
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

// tilde shows paths under dir as "~/…", as the CLI's display does.
func tilde(dir string) func(string) string {
	return func(p string) string {
		if rel, err := filepath.Rel(dir, p); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
			return "~/" + rel
		}
		return p
	}
}

// TestReadFileModes: a file or a directory above it that group or others
// may write is refused with one line naming it and the chmod that fixes it;
// readable is fine, and so is a sticky directory.
func TestReadFileModes(t *testing.T) {
	tests := []struct {
		name     string
		fileMode fs.FileMode
		dirMode  fs.FileMode // of the directory holding the file
		upMode   fs.FileMode // of the directory above that
		want     string      // the message, "" for a read
	}{
		{"private", 0o600, 0o700, 0o700, ""},
		{"read-only", 0o400, 0o700, 0o700, ""},
		{"readable by all", 0o644, 0o755, 0o755, ""},
		{"group-writable", 0o620, 0o700, 0o700, "~/.bot/x/f is writable by group or others; run: chmod 600 ~/.bot/x/f"},
		{"other-writable", 0o602, 0o700, 0o700, "~/.bot/x/f is writable by group or others; run: chmod 600 ~/.bot/x/f"},
		{"0666", 0o666, 0o700, 0o700, "~/.bot/x/f is writable by group or others; run: chmod 600 ~/.bot/x/f"},
		{"group-writable dir", 0o600, 0o770, 0o700, "~/.bot/x is writable by group or others; run: chmod go-w ~/.bot/x"},
		{"other-writable dir above", 0o600, 0o700, 0o757, "~/.bot is writable by group or others; run: chmod go-w ~/.bot"},
		{"sticky dir", 0o600, fs.ModeSticky | 0o777, 0o700, ""},
		{"file first", 0o660, 0o777, 0o700, "~/.bot/x/f is writable by group or others; run: chmod 600 ~/.bot/x/f"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := t.TempDir()
			path := filepath.Join(home, ".bot", "x", "f")
			write(t, path, tt.fileMode)
			chmod(t, filepath.Dir(path), tt.dirMode)
			chmod(t, filepath.Join(home, ".bot"), tt.upMode)
			b, err := ReadFile(path)
			if tt.want == "" {
				if err != nil || string(b) != "KEY=value\n" {
					t.Fatalf("ReadFile = %q, %v; want the content", b, err)
				}
				return
			}
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("ReadFile = %q, %v; want an *Error", b, err)
			}
			if b != nil {
				t.Errorf("ReadFile returned content with its refusal")
			}
			if got := se.Message(tilde(home)); got != tt.want {
				t.Errorf("message:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestReadFileAloneSkipsDirs: ./.env's directory is not bot's to judge,
// but the file itself still is.
func TestReadFileAloneSkipsDirs(t *testing.T) {
	dir := t.TempDir()
	chmod(t, dir, 0o777)
	path := filepath.Join(dir, ".env")
	write(t, path, 0o600)
	if _, err := ReadFileAlone(path); err != nil {
		t.Errorf("ReadFileAlone in a writable directory: %v", err)
	}
	if _, err := ReadFile(path); err == nil {
		t.Errorf("ReadFile in a writable directory succeeded")
	}
	chmod(t, path, 0o664)
	if _, err := ReadFileAlone(path); !errors.As(err, new(*Error)) {
		t.Errorf("ReadFileAlone of a group-writable file = %v, want an *Error", err)
	}
}

// TestReadFileSymlink: a link is followed; the file it names is judged and
// named in the message.
func TestReadFileSymlink(t *testing.T) {
	home := t.TempDir()
	target := filepath.Join(home, "shared", "store.json")
	write(t, target, 0o660)
	link := filepath.Join(home, "agent", "store.json")
	if err := os.MkdirAll(filepath.Dir(link), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../shared/store.json", link); err != nil {
		t.Fatal(err)
	}
	_, err := ReadFile(link)
	var se *Error
	if !errors.As(err, &se) {
		t.Fatalf("ReadFile = %v, want an *Error", err)
	}
	if want := "~/shared/store.json is writable by group or others; run: chmod 600 ~/shared/store.json"; se.Message(tilde(home)) != want {
		t.Errorf("message %q, want %q", se.Message(tilde(home)), want)
	}
	// The link's own directory is judged too.
	chmod(t, target, 0o600)
	chmod(t, filepath.Dir(link), 0o770)
	if _, err := ReadFile(link); !errors.As(err, &se) || se.Path != filepath.Dir(link) {
		t.Errorf("ReadFile through a link in a group-writable directory = %v, want an *Error naming it", err)
	}
}

// TestReadFileNotRegular: missing, directory, FIFO.
func TestReadFileNotRegular(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadFile(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v, want fs.ErrNotExist", err)
	}
	if _, err := ReadFile(dir); !errors.Is(err, syscall.EISDIR) {
		t.Errorf("directory: %v, want EISDIR", err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	// Without O_NONBLOCK the open would wait for a writer forever.
	if _, err := ReadFile(fifo); !errors.Is(err, errNotRegular) {
		t.Errorf("FIFO: %v, want a not-a-regular-file error", err)
	}
}

// chownOrSkip gives path to uid and gid nobody, or skips the test when the
// test may not (not root and without CAP_CHOWN).
func chownOrSkip(t *testing.T, path string) {
	t.Helper()
	if err := os.Lchown(path, nobody, nobody); err != nil {
		t.Skipf("cannot give a file to uid %d (run the tests as root to check owners): %v", nobody, err)
	}
}

// TestReadFileOwner: a file of another user is refused with the chown that
// fixes it, even when its mode is right; a directory of another user ends
// the walk up.
func TestReadFileOwner(t *testing.T) {
	home := t.TempDir()
	path := filepath.Join(home, ".bot", "bot.json")
	write(t, path, 0o600)
	chownOrSkip(t, path)
	me := os.Geteuid()
	_, err := ReadFile(path)
	var se *Error
	if !errors.As(err, &se) {
		t.Fatalf("ReadFile of another user's file = %v, want an *Error", err)
	}
	wantFix := "sudo chown " + userName(me) + " ~/.bot/bot.json"
	if me == 0 {
		wantFix = "chown root ~/.bot/bot.json (or run bot as " + userName(nobody) + ")"
	}
	want := "~/.bot/bot.json is owned by " + userName(nobody) + ", not by " + userName(me) + ", the user bot runs as; run: " + wantFix
	if got := se.Message(tilde(home)); got != want {
		t.Errorf("message:\n got %s\nwant %s", got, want)
	}
	chmod(t, path, 0o666)
	_, err = ReadFile(path)
	wantBoth := "sudo chown " + userName(me) + " " + path + " && chmod 600 " + path
	if me == 0 {
		wantBoth = "chmod 600 " + path + " && chown root " + path + " (or run bot as " + userName(nobody) + ")"
	}
	if !errors.As(err, &se) || !se.Writable || se.Fix(nil) != wantBoth {
		t.Errorf("both wrong: %v, want the fix %s", err, wantBoth)
	}

	// Someone else's directory above ends the walk: the user cannot fix it
	// and it guards nothing of theirs.
	outer := t.TempDir()
	chmod(t, outer, 0o777)
	chownOrSkip(t, outer)
	inner := filepath.Join(outer, "mine", "f")
	write(t, inner, 0o600)
	if _, err := ReadFile(inner); err != nil {
		t.Errorf("a file under someone else's writable directory: %v", err)
	}
	if err := CheckDir(outer); !errors.As(err, &se) || se.Owner != nobody || !se.Dir {
		t.Errorf("CheckDir of someone else's directory = %v, want an *Error", err)
	}
}

func TestCheckDir(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		mode fs.FileMode
		ok   bool
	}{{0o700, true}, {0o755, true}, {0o775, false}, {0o707, false}, {fs.ModeSticky | 0o777, true}} {
		chmod(t, dir, tt.mode)
		err := CheckDir(dir)
		if (err == nil) != tt.ok {
			t.Errorf("CheckDir of mode %o = %v, want ok %v", tt.mode, err, tt.ok)
		}
	}
	if err := CheckDir(filepath.Join(dir, "missing")); err != nil {
		t.Errorf("CheckDir of a missing directory = %v, want nil", err)
	}
}

func TestErrorFields(t *testing.T) {
	e := &Error{Path: "/h/.bot", Dir: true, Owner: 0, Want: 0, Writable: true}
	if diff := cmp.Diff("/h/.bot is writable by group or others; run: chmod go-w /h/.bot", e.Error()); diff != "" {
		t.Errorf("Error() (-want +got):\n%s", diff)
	}
}
