package auth

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/botgateway/bot/internal/atomicfile"
)

// The store's cross-process lock is an flock(2) (LockFileEx on Windows) on
// "<path>.lock" (on the link's target when the store is a symbolic link),
// taken through atomicfile.Acquire (github.com/gofrs/flock).
//
// Why flock rather than OpenClaw's lock directory: the kernel releases an
// flock when the process holding it dies, however it dies (SIGKILL, OOM,
// power loss), so a lock can never be left behind and there is no stale-lock
// handling at all. OpenClaw's proper-lockfile creates a "<path>.lock"
// directory instead, which a crashed process leaves in place; it therefore
// has to treat a lock older than 30 s as stale and break it, which in turn
// lets a slow but live writer lose its lock. With flock, a holder keeps the
// lock exactly as long as it lives.
//
// The lock file itself is never removed: removing it would let two processes
// lock two different files of the same name. It is empty and mode 0600.
//
// flock locks belong to an open file, not to a process, so two goroutines of
// one process that each call WithFileLock exclude each other too.

// lockWait bounds the wait for the lock when the caller's context has no
// deadline.
const lockWait = 10 * time.Second

// ErrLocked is matched (with errors.Is) by the error of WithFileLock and
// UpdateStore when another process held the lock for the whole wait.
var ErrLocked = errors.New("locked by another bot process")

// lockError reports a lock that could not be taken before the context's
// deadline. Its message is the one line the user sees.
type lockError struct {
	path string
	err  error // the context's error
}

func (e *lockError) Error() string {
	return "auth: " + e.path + " is locked by another bot process; try again"
}

func (e *lockError) Unwrap() []error { return []error{ErrLocked, e.err} }

// WithFileLock runs fn while holding an exclusive cross-process lock on
// "<path>.lock", the same lock UpdateStore takes for a store at path. When
// path is a symbolic link the lock is its target's ("<target>.lock", see
// atomicfile.Acquire), so agents sharing one store through links lock the
// same file. It waits for the lock until ctx is done, or at most 10 s when
// ctx has no deadline; a lock still busy then is an error matching
// ErrLocked whose message reads "auth: <path> is locked by another bot
// process; try again". The directory of the lock file must exist. fn's
// error is returned unchanged.
//
// WithFileLock is safe for concurrent use; calls for the same path, from
// this process or another, run one at a time. It is not reentrant: fn must
// not take the same lock again.
func WithFileLock(ctx context.Context, path string, fn func() error) error {
	return withTargetLock(ctx, path, func(string) error { return fn() })
}

// withTargetLock is WithFileLock, passing fn the file the lock protects:
// path's target, to be read and written while the lock is held.
func withTargetLock(ctx context.Context, path string, fn func(target string) error) (err error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, lockWait)
		defer cancel()
	}
	lk, err := atomicfile.Acquire(ctx, path)
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return &lockError{path: path, err: err}
	case err != nil:
		lockPath, lerr := atomicfile.LockPath(path)
		if lerr != nil {
			return fmt.Errorf("auth: lock %s: %w", path, lerr)
		}
		if fi, serr := os.Stat(lockPath); serr == nil && fi.IsDir() {
			// OpenClaw's lock (proper-lockfile) is a directory of this name.
			return fmt.Errorf("auth: %s is a directory, probably an OpenClaw lock; if no OpenClaw process is running, remove it and try again", lockPath)
		}
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is already in the message
		}
		return fmt.Errorf("auth: lock %s: %w", lockPath, err)
	}
	defer func() {
		if uerr := lk.Unlock(); uerr != nil && err == nil {
			err = fmt.Errorf("auth: unlock %s.lock: %w", lk.Target(), uerr)
		}
	}()
	return fn(lk.Target())
}
