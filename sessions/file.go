package sessions

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// FileError is a database file bot cannot use: empty, not a database,
// damaged, unreadable, or written by a newer or an older bot. It matches
// ErrCorrupt, ErrNewerSchema or ErrOlderSchema with errors.Is, and the
// cause (for example fs.ErrPermission) when there is one.
type FileError struct {
	Path    string // absolute
	Problem string // what is wrong, without the path: "is empty (0 bytes)"
	Fix     string // what to do
	Kind    error  // ErrCorrupt, ErrNewerSchema, ErrOlderSchema, or nil
	Err     error  // the cause, or nil
}

// Error is the one-line message, naming the file, the problem and the fix.
func (e *FileError) Error() string { return "sessions: " + e.Line(e.Path) }

// Line is the message with the file named as shown: "~/.bot/sessions.db is
// empty (0 bytes); move it aside ...".
func (e *FileError) Line(shown string) string { return shown + " " + e.Problem + "; " + e.Fix }

// Unwrap returns the kind and the cause.
func (e *FileError) Unwrap() []error {
	var out []error
	for _, err := range []error{e.Kind, e.Err} {
		if err != nil {
			out = append(out, err)
		}
	}
	return out
}

// The fixes. A damaged file is never repaired in place: moving it aside
// keeps it for a later look (or sqlite3's .recover) and lets bot start a
// new one.
const (
	fixReplace = "move it aside (rename it, with any -wal and -shm file beside it) and bot creates a new one " +
		"without the old sessions, pins and history; or put back a backup"
	fixUpgrade  = "upgrade bot"
	fixMigrate  = "the next bot chat (or gateway start) upgrades it"
	fixPerm     = "it must belong to the user bot runs as, with mode 0600 (chown, chmod 600)"
	fixRecover  = "a bot process was killed while writing it; run bot chat once to recover it"
	fixReadFile = "check the disk and the file's owner and mode"
)

// fileError classifies an error met while opening or reading the file at
// path. Errors that say nothing about the file (a cancelled context, a
// busy database) give nil.
func fileError(path string, err error) *FileError {
	if fe, ok := errors.AsType[*FileError](err); ok {
		return fe
	}
	if se, ok := errors.AsType[*sqlite.Error](err); ok {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_NOTADB:
			return &FileError{Path: path, Problem: "is not a SQLite database", Fix: fixReplace, Kind: ErrCorrupt, Err: err}
		case sqlite3.SQLITE_CORRUPT:
			return &FileError{Path: path, Problem: "is damaged (" + sqliteText(se) + ")", Fix: fixReplace, Kind: ErrCorrupt, Err: err}
		case sqlite3.SQLITE_READONLY:
			if se.Code() == sqlite3.SQLITE_READONLY_ROLLBACK {
				return &FileError{Path: path, Problem: "has an unfinished write", Fix: fixRecover, Err: err}
			}
		case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_PERM:
			// SQLite does not say why it could not open the file; a
			// permission error has a fix of its own (the chmod or chown
			// that internal/safefile.Denied names from the *fs.PathError).
			if f, oerr := os.OpenFile(path, os.O_RDWR, 0); errors.Is(oerr, fs.ErrPermission) {
				return &FileError{Path: path, Problem: "cannot be read (permission denied)", Fix: fixPerm, Err: oerr}
			} else if oerr == nil {
				f.Close()
			}
			return &FileError{Path: path, Problem: "cannot be read (" + sqliteText(se) + ")", Fix: fixReadFile, Err: err}
		}
		return nil
	}
	if errors.Is(err, fs.ErrPermission) {
		return &FileError{Path: path, Problem: "cannot be read (permission denied)", Fix: fixPerm, Err: err}
	}
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		return &FileError{Path: path, Problem: "cannot be read (" + pe.Err.Error() + ")", Fix: fixReadFile, Err: err}
	}
	return nil
}

// checkFileInfo refuses what must not be opened as the database: a
// directory or another non-regular file, and an empty file. bot creates
// the database whole (create), so an empty one was truncated: reading it
// would find no sessions, and writing would silently start a new history.
func checkFileInfo(path string, fi fs.FileInfo) error {
	switch {
	case fi.IsDir():
		return &FileError{Path: path, Problem: "is a directory, not a database", Fix: fixReplace, Kind: ErrCorrupt}
	case !fi.Mode().IsRegular():
		return &FileError{Path: path, Problem: "is not a regular file", Fix: fixReplace, Kind: ErrCorrupt}
	case fi.Size() == 0:
		return &FileError{Path: path, Problem: "is empty (0 bytes)", Fix: fixReplace, Kind: ErrCorrupt}
	}
	return nil
}

// damaged is the error for problems PRAGMA quick_check lists.
func damaged(path string, problems []string) *FileError {
	p := problems[0]
	if len(problems) > 1 {
		p += fmt.Sprintf(" and %d more", len(problems)-1)
	}
	return &FileError{Path: path, Problem: "is damaged (" + p + ")", Fix: fixReplace, Kind: ErrCorrupt}
}

// sqliteText is SQLite's message without the codes the driver appends:
// "database disk image is malformed", not "... (11)".
func sqliteText(se *sqlite.Error) string {
	msg, _, _ := strings.Cut(se.Error(), "\n")
	for strings.HasSuffix(msg, ")") {
		i := strings.LastIndex(msg, " (")
		if i <= 0 {
			break
		}
		msg = msg[:i]
	}
	return msg
}

// isBusy reports whether err is SQLite's SQLITE_BUSY (any extended code).
func isBusy(err error) bool {
	se, ok := errors.AsType[*sqlite.Error](err)
	return ok && se.Code()&0xff == sqlite3.SQLITE_BUSY
}
