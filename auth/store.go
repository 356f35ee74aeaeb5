package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/botgateway/bot/internal/atomicfile"
	"github.com/botgateway/bot/internal/safefile"
)

// StoreFile is the name of an agent's credential store in its agent dir.
const StoreFile = "auth-profiles.json"

// Modes of the store file and of the directories UpdateStore creates.
const (
	storeFileMode fs.FileMode = 0o600
	storeDirMode  fs.FileMode = 0o700
)

// StorePath returns the credential store of the agent whose agent dir is
// agentDir: <agentDir>/auth-profiles.json.
func StorePath(agentDir string) string { return filepath.Join(agentDir, StoreFile) }

// StoreError reports a store file bot cannot use: unreadable, empty, not a
// store, or written by a newer version. Its message is one line naming the
// file, the problem and the fix:
//
//	auth: <path>: <problem>; <fix>
//
// Such a file is never overwritten. Err is the problem; a newer version
// matches ErrNewerStore with errors.Is.
type StoreError struct {
	Path string
	Err  error
	Fix  string
}

// Error returns "auth: <path>: <problem>; <fix>", or, for a file others
// could have written, the *safefile.Error's own line, which names the file
// and the command that fixes it.
func (e *StoreError) Error() string {
	if se, ok := errors.AsType[*safefile.Error](e.Err); ok {
		return se.Error()
	}
	msg := e.Err.Error()
	var pe *fs.PathError
	if errors.As(e.Err, &pe) {
		// The path is already in front; say only what failed.
		msg = "cannot " + pe.Op + ": " + pe.Err.Error()
	}
	if e.Fix == "" {
		return "auth: " + e.Path + ": " + msg
	}
	return "auth: " + e.Path + ": " + msg + "; " + e.Fix
}

// Unwrap returns Err.
func (e *StoreError) Unwrap() error { return e.Err }

// The fixes StoreError suggests.
const (
	fixCorrupt = "fix the file or restore it from a backup (it was not changed)"
	fixEmpty   = "delete it or restore it from a backup"
	fixNewer   = "upgrade bot"
	fixPerm    = "make it readable and writable by this user (chmod 600)"
	fixRead    = "check that it is a readable file"
)

// storeProblem is a StoreError's Err: a message of its own over a cause that
// errors.Is and errors.As can reach.
type storeProblem struct {
	msg   string
	cause error
}

func (p *storeProblem) Error() string { return p.msg }
func (p *storeProblem) Unwrap() error { return p.cause }

// errEmptyStore is the cause of the error for an empty store file.
var errEmptyStore = errors.New("file is empty")

// LoadStore reads the credential store at path. A missing file is an empty
// store (NewStore) with exists false and no error. Any other problem is a
// *StoreError and the store is nil; exists is then true when the file was
// read but is not a store bot can use (empty, corrupt, newer version).
//
// A store that another user owns, or that group or others may write (the
// file, or a directory above it: see internal/safefile), is refused
// unread, with a *StoreError whose Err is the *safefile.Error: someone else
// could have put a credential of theirs in it.
//
// LoadStore takes no lock: the file is only ever replaced atomically, so it
// always reads a whole store. Read-modify-write goes through UpdateStore.
func LoadStore(path string) (s *Store, exists bool, err error) {
	b, err := safefile.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return NewStore(), false, nil
	}
	if _, ok := errors.AsType[*safefile.Error](err); ok {
		return nil, true, &StoreError{Path: path, Err: err}
	}
	if err != nil {
		fix := fixRead
		if errors.Is(err, fs.ErrPermission) {
			fix = fixPerm
		}
		return nil, false, &StoreError{Path: path, Err: err, Fix: fix}
	}
	s, err = decodeStoreFile(b)
	if err != nil {
		return nil, true, storeError(path, err)
	}
	return s, true, nil
}

// storeError turns an error of decodeStoreFile into a *StoreError with the
// fix that fits.
func storeError(path string, err error) *StoreError {
	fix := fixCorrupt
	switch {
	case errors.Is(err, errEmptyStore):
		fix = fixEmpty
	case errors.Is(err, ErrNewerStore):
		fix = fixNewer
	}
	return &StoreError{Path: path, Err: err, Fix: fix}
}

// decodeStoreFile is DecodeStore with errors fit for a message about a file:
// an empty file matches errEmptyStore, a JSON syntax error names its line
// ("invalid JSON at line 3: ...") and a newer version reads "written by a
// newer version of bot (version 2)" and matches ErrNewerStore.
func decodeStoreFile(b []byte) (*Store, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, errEmptyStore
	}
	// Validate the whole document first: json.Unmarshal reports syntax
	// errors with an offset from the start of b, which DecodeStore's
	// streaming decoder does not.
	var se *json.SyntaxError
	if err := json.Unmarshal(b, new(json.RawMessage)); errors.As(err, &se) {
		return nil, &storeProblem{
			msg:   fmt.Sprintf("invalid JSON at line %d: %s", lineOf(b, se.Offset), se.Error()),
			cause: se,
		}
	}
	s, err := DecodeStore(b)
	if errors.Is(err, ErrNewerStore) {
		var doc struct{ Version float64 }
		if json.Unmarshal(b, &doc) == nil {
			err = &storeProblem{
				msg:   "written by a newer version of bot (version " + strconv.FormatFloat(doc.Version, 'f', -1, 64) + ")",
				cause: err,
			}
		}
	}
	return s, err
}

// lineOf returns the 1-based line of the byte at offset-1 of b, the byte a
// json.SyntaxError with that Offset complains about.
func lineOf(b []byte, offset int64) int {
	end := min(max(offset-1, 0), int64(len(b)))
	return 1 + bytes.Count(b[:end], []byte{'\n'})
}

// UpdateStore changes the credential store at path under the store's
// cross-process lock:
//
//  1. it creates the missing directories of path, mode 0700;
//  2. it takes the lock on "<path>.lock" (see WithFileLock: it waits until
//     ctx is done, or 10 s without a deadline);
//  3. it reads the file again, inside the lock, so a change another process
//     made since the caller last read it is not lost;
//  4. it calls fn with that fresh store (an empty one when the file is
//     missing);
//  5. when fn reports a change, it writes the store atomically (temporary
//     file, fsync, rename), mode 0600, and removes the temporary files a
//     writer killed mid-write left behind.
//
// A store that is a symbolic link (agents sharing one store) stays one: the
// lock, the read and the write are those of the file it names, and the
// temporary file is made in that file's directory.
//
// A file LoadStore rejects (corrupt, empty, newer version) is never
// overwritten: UpdateStore returns LoadStore's *StoreError without calling
// fn. When fn returns an error nothing is written and that error is
// returned unchanged.
//
// UpdateStore returns the store as written, or as read when fn reports no
// change. fn runs while the lock is held, so it must be quick, must not take
// the lock again (no UpdateStore or WithFileLock on the same path) and must
// not keep s after it returns.
func UpdateStore(ctx context.Context, path string, fn func(s *Store) (changed bool, err error)) (*Store, error) {
	return updateStore(ctx, path, nil, fn)
}

// UpdateStoreIn is UpdateStore for a change that touches another file too
// (paste-token declares the credential in bot.json): instead of writing
// the store, it adds the store's new content to txn and commits txn, under
// the store's lock, so the store and the other files change together or
// not at all (see atomicfile.Txn). The caller holds the locks of the
// txn's other files (config.EditWith does for bot.json), taken before the
// store's. txn is committed even when fn reports no change.
func UpdateStoreIn(ctx context.Context, path string, txn *atomicfile.Txn, fn func(s *Store) (changed bool, err error)) (*Store, error) {
	return updateStore(ctx, path, txn, fn)
}

// updateStore is UpdateStore, or UpdateStoreIn when txn is not nil.
func updateStore(ctx context.Context, path string, txn *atomicfile.Txn, fn func(s *Store) (changed bool, err error)) (*Store, error) {
	if err := mkdirPrivate(filepath.Dir(path)); err != nil {
		return nil, err
	}
	var out *Store
	err := withTargetLock(ctx, path, func(target string) error {
		s, _, err := LoadStore(target)
		if err != nil {
			return err
		}
		read := s.Clone()
		changed, err := fn(s)
		if err != nil {
			return err
		}
		if !changed {
			out = read
			if txn != nil {
				return txn.Commit()
			}
			return nil
		}
		b, err := s.Encode()
		if err != nil {
			return err // "auth: encode store: ..."
		}
		// The temporary files a writer killed mid-write left hold
		// credentials, possibly ones since removed from the store.
		atomicfile.RemoveTemps(target)
		if txn != nil {
			if err := txn.Add(target, b, storeFileMode); err != nil {
				return err
			}
			if err := txn.Commit(); err != nil {
				return err
			}
		} else if err := atomicfile.WriteFile(target, b, storeFileMode); err != nil {
			return fmt.Errorf("auth: write %s: %w", path, err)
		}
		out = s
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// mkdirPrivate creates dir and its missing parents with mode 0700. It sets
// the mode of the directories it created explicitly, so the umask cannot
// change it, and leaves existing directories alone.
func mkdirPrivate(dir string) error {
	var created []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("auth: create %s: %w", dir, err)
		}
		created = append(created, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	if len(created) == 0 {
		return nil
	}
	if err := os.MkdirAll(dir, storeDirMode); err != nil {
		return fmt.Errorf("auth: create %s: %w", dir, err)
	}
	for _, d := range created {
		if err := os.Chmod(d, storeDirMode); err != nil {
			return fmt.Errorf("auth: create %s: %w", dir, err)
		}
	}
	return nil
}
