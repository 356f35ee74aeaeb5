package atomicfile

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/gofrs/flock"
)

// lockRetry is the delay between two attempts to take a busy lock.
const lockRetry = 5 * time.Millisecond

// Lock is a held cross-process lock on a file; see Acquire.
type Lock struct {
	target string
	fl     *flock.Flock
}

// LockPath returns the lock file of path: "<target>.lock", next to path's
// Target, so that writers reaching one file through different symbolic
// links take the same lock.
func LockPath(path string) (string, error) {
	target, err := Target(path)
	if err != nil {
		return "", err
	}
	return target + ".lock", nil
}

// Acquire takes the exclusive cross-process lock of path, an flock(2) on
// LockPath(path), waiting until ctx is done. The kernel releases an flock
// when its holder dies, however it dies, so a lock is never left behind; the
// lock file itself (empty, mode 0600) is never removed, as removing it would
// let two processes lock two different files of one name. An flock belongs
// to an open file, so two Acquire calls in one process exclude each other
// too; Acquire is not reentrant.
//
// When path is a link that is changed to name another file while Acquire
// waits, the lock taken is released and the new target's is taken instead,
// so the returned Lock's Target is the file path names while it is held.
//
// The error is ctx's error when the lock stayed busy, else the failure to
// open or lock the lock file (a *fs.PathError naming it).
func Acquire(ctx context.Context, path string) (*Lock, error) {
	for {
		lockPath, err := LockPath(path)
		if err != nil {
			return nil, err
		}
		fl := flock.New(lockPath, flock.SetPermissions(0o600))
		ok, err := fl.TryLockContext(ctx, lockRetry)
		if err != nil {
			return nil, err
		}
		if !ok {
			// TryLockContext returns false only with an error; be safe.
			return nil, fmt.Errorf("atomicfile: lock %s: not acquired", lockPath)
		}
		again, err := LockPath(path)
		if err == nil && again == lockPath {
			return &Lock{target: lockPath[:len(lockPath)-len(".lock")], fl: fl}, nil
		}
		fl.Unlock()
		if err != nil {
			return nil, err
		}
	}
}

// Target returns the file the lock protects: the Target of the path given
// to Acquire, as it was once the lock was held.
func (l *Lock) Target() string { return l.target }

// Unlock releases the lock.
func (l *Lock) Unlock() error { return l.fl.Unlock() }

// LockWait bounds WithLock's wait for a lock when the caller's context has
// no deadline.
const LockWait = 10 * time.Second

// ErrLocked is matched (with errors.Is) by WithLock's error when another
// holder kept the lock for the whole wait.
var ErrLocked = errors.New("locked by another bot process")

// LockError is WithLock's error when the lock could not be taken. Its
// message is the one line a user sees, naming the file and what to do.
type LockError struct {
	// Path is the file whose lock was wanted, as given to WithLock.
	Path string
	// Busy says another holder kept the lock until ctx was done.
	Busy bool
	// Err is the cause: ctx's error when Busy, else the failure to open
	// or lock the lock file.
	Err error

	msg string
}

// Error returns the line for the user.
func (e *LockError) Error() string { return e.msg }

// Unwrap returns the cause, and ErrLocked when the lock was busy.
func (e *LockError) Unwrap() []error {
	if e.Busy {
		return []error{ErrLocked, e.Err}
	}
	return []error{e.Err}
}

// WithLock runs fn while holding path's cross-process lock (see Acquire),
// passing it the file the lock protects: path's Target as it was once the
// lock was held, to be read and written while fn runs. It waits until ctx
// is done, or at most LockWait when ctx has no deadline; fn's ctx is the
// one with that bound, for the other locks it may take. fn's error is
// returned unchanged.
//
// When the lock cannot be taken the error is a *LockError whose message
// reads, for a lock still busy at the deadline (matching ErrLocked and
// ctx's error), "<path> is being changed by another bot process; try
// again"; for a directory where the lock file belongs (OpenClaw locks
// with one), "cannot lock <path>: <lock> is a directory, probably an
// OpenClaw lock; if no OpenClaw process is running, remove it and try
// again"; else "cannot lock <path>: <cause>; check that its directory is
// writable". A canceled ctx is returned as ctx's error, unwrapped.
//
// WithLock is not reentrant: fn must not take the same lock again.
func WithLock(ctx context.Context, path string, fn func(ctx context.Context, target string) error) (err error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, LockWait)
		defer cancel()
	}
	lk, err := Acquire(ctx, path)
	if err != nil {
		return lockError(path, err)
	}
	defer func() {
		if uerr := lk.Unlock(); uerr != nil && err == nil {
			err = fmt.Errorf("unlock %s.lock: %w", lk.Target(), uerr)
		}
	}()
	return fn(ctx, lk.Target())
}

// lockError describes Acquire's error for path.
func lockError(path string, err error) error {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return &LockError{Path: path, Busy: true, Err: err,
			msg: path + " is being changed by another bot process; try again"}
	case errors.Is(err, context.Canceled):
		return err
	}
	if lockPath, lerr := LockPath(path); lerr == nil {
		if fi, serr := os.Stat(lockPath); serr == nil && fi.IsDir() {
			return &LockError{Path: path, Err: err,
				msg: fmt.Sprintf("cannot lock %s: %s is a directory, probably an OpenClaw lock; if no OpenClaw process is running, remove it and try again", path, lockPath)}
		}
	}
	cause := err
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		cause = pe.Err // the lock file's name says nothing more than path
	}
	return &LockError{Path: path, Err: err,
		msg: fmt.Sprintf("cannot lock %s: %v; check that its directory is writable", path, cause)}
}
