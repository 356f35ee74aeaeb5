package safefile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// DeniedError explains a permission error on one of bot's files with the
// command that fixes it, in one line:
//
//	cannot open ~/.bot/sessions.db: permission denied; run: chmod 600 ~/.bot/sessions.db
//	cannot open ~/.bot/sessions.db: permission denied on ~/.bot; run: chmod 700 ~/.bot
//	cannot create a file in ~/.bot: permission denied; run: chmod 700 ~/.bot
//	cannot open ~/.bot/bot.json: permission denied; run: sudo chown alice ~/.bot/bot.json
//
// What stops the operation is the file itself, or a directory above it
// that bot may not search (or, to create a file, write).
type DeniedError struct {
	// Op is what failed: "open", "read", "create", …
	Op string
	// Path is the file the operation was on.
	Path string
	// At is the file or directory whose owner or mode stops it: Path, or a
	// directory above it.
	At string
	// Dir reports that At is a directory.
	Dir bool
	// Create reports that Path does not exist: the operation would have
	// created it in the directory At, which bot may not write.
	Create bool
	// Owner is At's uid, Want the uid bot runs as; they differ when the
	// owner is the problem. Both are -1 when unknown.
	Owner, Want int
	// Err is the permission error itself.
	Err error
}

// Denied returns the *DeniedError that explains err when err is a
// permission error on a path (an *fs.PathError matching fs.ErrPermission),
// else nil. It looks at the file and the directories above it to find what
// stops the operation.
func Denied(err error) *DeniedError {
	pe, ok := errors.AsType[*fs.PathError](err)
	if !ok || !errors.Is(pe.Err, fs.ErrPermission) {
		return nil
	}
	e := &DeniedError{Op: pe.Op, Path: pe.Path, At: pe.Path, Owner: -1, Want: os.Geteuid(), Err: err}
	if e.Op == "mkdir" {
		e.Op = "create"
	}
	// The first of the path and the directories above it that can be
	// looked at is what stops us: a file we may not read or write, or a
	// directory we may not search (the path below it cannot be looked at)
	// or write (the file does not exist yet).
	for p := pe.Path; ; p = filepath.Dir(p) {
		fi, serr := os.Stat(p)
		if p == pe.Path && errors.Is(serr, fs.ErrNotExist) {
			e.Create = true
		}
		if serr == nil {
			e.At, e.Dir = p, fi.IsDir()
			if uid, ok := ownerOf(fi); ok {
				e.Owner = uid
			}
			break
		}
		if filepath.Dir(p) == p {
			break
		}
	}
	if e.Owner < 0 {
		e.Want = -1
	}
	return e
}

// Error returns the message with paths as they are.
func (e *DeniedError) Error() string { return e.Message(nil) }

// Unwrap returns the permission error.
func (e *DeniedError) Unwrap() error { return e.Err }

// Message returns the one-line message, with each path passed through
// display when it is not nil (to print paths under $HOME as "~/…").
func (e *DeniedError) Message(display func(string) string) string {
	return e.Problem(display) + "; run: " + e.Fix(display)
}

// Problem says what failed, without the fix: "cannot open ~/.bot/.env:
// permission denied", and " on <dir>" when a directory above stops it; for
// a file to be created (often a temporary one), "cannot create a file in
// ~/.bot: permission denied".
func (e *DeniedError) Problem(display func(string) string) string {
	if e.Create && e.Dir {
		return "cannot create a file in " + show(display, e.At) + ": permission denied"
	}
	msg := "cannot " + e.Op + " " + show(display, e.Path) + ": permission denied"
	if e.At != e.Path {
		msg += " on " + show(display, e.At)
	}
	return msg
}

// Fix returns the command that fixes it: a chown to the user bot runs as
// when At belongs to someone else (only root may give a file away), else a
// chmod that gives bot back its own file (600) or directory (700).
func (e *DeniedError) Fix(display func(string) string) string {
	at := show(display, e.At)
	if e.Owner != e.Want {
		chown := "chown " + userName(e.Want) + " " + at
		if e.Want != 0 {
			chown = "sudo " + chown
		}
		return chown
	}
	if e.Dir {
		return "chmod 700 " + at
	}
	return "chmod 600 " + at
}
