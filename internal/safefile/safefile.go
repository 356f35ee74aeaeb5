// Package safefile reads the files bot takes secrets from (credential
// stores, bot.json, .env files) only when nobody else could have written
// them, by the rule OpenSSH applies to its keys and authorized_keys:
//
//   - the file must belong to the user bot runs as (the effective uid; a
//     file of root's is fine for a process running as root only), and must
//     not be writable by group or others;
//   - every directory above it that belongs to that user must not be
//     writable by group or others either (a sticky directory, like /tmp, is
//     fine: others cannot replace an entry of ours in it). The walk stops at
//     the first directory that belongs to someone else (/home, or / for a
//     user), which the user cannot fix and which guards nothing of theirs.
//
// Group-writable counts as writable, as for OpenSSH: group members could
// replace a credential or point a provider's base URL at themselves. A file
// readable by others is not refused (nobody could have tampered with it);
// bot doctor reports it.
//
// A refusal is an *Error, whose message is one line naming the file and the
// exact command that fixes it. On systems without Unix owners and modes
// (Windows) nothing is checked.
package safefile

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// Error reports a file or directory that bot refuses to read secrets
// from. Its message names the path, the problem and the command that fixes
// it:
//
//	~/.bot/bot.json is writable by group or others; run: chmod 600 ~/.bot/bot.json
//	~/.bot/.env is owned by bob, not by alice, the user bot runs as; run: sudo chown alice ~/.bot/.env
//	~/.bot/agents is writable by group or others; run: chmod go-w ~/.bot/agents
type Error struct {
	// Path is the file or directory with the problem: for a symbolic
	// link, the file it names.
	Path string
	// Dir reports that Path is a directory above the file being read.
	Dir bool
	// Owner is the uid Path belongs to; it differs from Want when that is
	// the problem.
	Owner, Want int
	// Writable reports that Path is writable by group or others.
	Writable bool
}

// Error returns the message with paths as they are.
func (e *Error) Error() string { return e.Message(nil) }

// Message returns the one-line message, with each path passed through
// display when it is not nil (to print paths under $HOME as "~/…").
func (e *Error) Message(display func(string) string) string {
	return e.Problem(display) + "; run: " + e.Fix(display)
}

// Problem says what is wrong, without the fix: "~/.bot/.env is writable by
// group or others".
func (e *Error) Problem(display func(string) string) string {
	p := show(display, e.Path)
	var what string
	if e.Owner != e.Want {
		what = fmt.Sprintf("is owned by %s, not by %s, the user bot runs as", userName(e.Owner), userName(e.Want))
		if e.Writable {
			what += ", and is writable by group or others"
		}
	} else {
		what = "is writable by group or others"
	}
	return p + " " + what
}

// Fix returns the command that fixes the problem: "chmod 600 ~/.bot/.env",
// "sudo chown alice ~/.bot/.env" (only root may give a file away), or both
// joined with "&&". For a process running as root it says "chown root …
// (or run bot as bob)".
func (e *Error) Fix(display func(string) string) string {
	p := show(display, e.Path)
	mode := "chmod 600 " + p
	if e.Dir {
		mode = "chmod go-w " + p
	}
	if e.Owner == e.Want {
		return mode
	}
	chown := "chown " + userName(e.Want) + " " + p
	if e.Want != 0 {
		chown = "sudo " + chown
	}
	if e.Want == 0 {
		// Root reading a user's files (sudo with that user's HOME): giving
		// them to root is one fix, running bot as their owner the other.
		chown += " (or run bot as " + userName(e.Owner) + ")"
		if e.Writable {
			return mode + " && " + chown
		}
		return chown
	}
	if e.Writable {
		return chown + " && " + mode
	}
	return chown
}

// show passes p through display when there is one.
func show(display func(string) string, p string) string {
	if display == nil {
		return p
	}
	return display(p)
}

// userName returns the login name of uid, or the number when it has none.
func userName(uid int) string {
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil && u.Username != "" {
		return u.Username
	}
	return strconv.Itoa(uid)
}

// ReadFile reads the file at path, following symbolic links, after checking
// the file it reads and the directories above it (see the package
// documentation). A missing file is the *fs.PathError of os.ReadFile
// (errors.Is fs.ErrNotExist); a directory is one whose Err is
// syscall.EISDIR, and another file that is not a regular one (a FIFO, a
// device) is refused without blocking on it. A file or directory others
// could have written is an *Error, and nothing is read from it.
//
// The file's owner and mode are taken from the open file, so the file
// checked is the file read.
func ReadFile(path string) ([]byte, error) {
	return readFile(path, true)
}

// ReadFileAlone is ReadFile without the directory checks, for a file that
// lives by design in a directory that is not bot's: ./.env in the working
// directory, which may well be a group-writable project directory.
func ReadFileAlone(path string) ([]byte, error) {
	return readFile(path, false)
}

// readFile is ReadFile; dirs says whether to check the directories.
func readFile(path string, dirs bool) ([]byte, error) {
	// O_NONBLOCK: opening a FIFO must not wait for a writer; it has no
	// effect on regular files.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	switch {
	case fi.IsDir():
		return nil, &fs.PathError{Op: "read", Path: path, Err: syscall.EISDIR}
	case !fi.Mode().IsRegular():
		return nil, &fs.PathError{Op: "open", Path: path, Err: errNotRegular}
	}
	target := path
	if t, err := filepath.EvalSymlinks(path); err == nil {
		target = t
	}
	if err := checkInfo(target, fi, false); err != nil {
		return nil, err
	}
	if dirs {
		if err := checkDirsAbove(path, target); err != nil {
			return nil, err
		}
	}
	return io.ReadAll(f)
}

// errNotRegular is the cause of the error for a FIFO, socket or device.
var errNotRegular = fmt.Errorf("not a regular file")

// CheckDir checks one directory: it must belong to the user bot runs as
// (root's is fine for root only) and not be writable by group or others
// unless it is sticky. It follows a symbolic link. A missing directory is
// not an error.
func CheckDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return err
	}
	return checkInfo(dir, fi, true)
}

// checkDirsAbove checks the directories above path, and above target when
// path is a link to it, up to the first directory of someone else's.
func checkDirsAbove(path, target string) error {
	seen := map[string]bool{}
	for _, p := range []string{path, target} {
		abs, err := filepath.Abs(p)
		if err != nil {
			return err
		}
		for d := filepath.Dir(abs); !seen[d]; d = filepath.Dir(d) {
			seen[d] = true
			fi, err := os.Stat(d)
			if err != nil {
				return err
			}
			if !ownedByUs(fi) {
				break
			}
			if err := checkInfo(d, fi, true); err != nil {
				return err
			}
			if d == filepath.Dir(d) {
				break
			}
		}
	}
	return nil
}

// Check applies the rule to the file (dir false) or directory at path that
// fi describes, as ReadFile and CheckDir do, without looking at anything
// else: nil, or an *Error. bot doctor uses it on what it Lstat-ed.
func Check(path string, fi fs.FileInfo, dir bool) error { return checkInfo(path, fi, dir) }

// Owner returns the uid fi belongs to; ok is false where files have no
// Unix owners.
func Owner(fi fs.FileInfo) (uid int, ok bool) { return ownerOf(fi) }

// checkInfo applies the rule to the file or directory at path described
// by fi.
func checkInfo(path string, fi fs.FileInfo, dir bool) error {
	owner, ok := ownerOf(fi)
	if !ok {
		return nil // no Unix owners here
	}
	want := os.Geteuid()
	writable := fi.Mode().Perm()&0o022 != 0
	if dir && fi.Mode()&fs.ModeSticky != 0 {
		writable = false
	}
	if owner == want && !writable {
		return nil
	}
	return &Error{Path: path, Dir: dir, Owner: owner, Want: want, Writable: writable}
}

// ownedByUs reports whether fi belongs to the user bot runs as (true where
// files have no Unix owner).
func ownedByUs(fi fs.FileInfo) bool {
	owner, ok := ownerOf(fi)
	return !ok || owner == os.Geteuid()
}
