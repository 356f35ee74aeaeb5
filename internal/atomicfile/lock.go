package atomicfile

import (
	"context"
	"fmt"
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
