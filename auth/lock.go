package auth

import (
	"context"
	"fmt"

	"github.com/botgateway/bot/internal/atomicfile"
)

// The store's cross-process lock is an flock(2) (LockFileEx on Windows) on
// "<path>.lock" (on the link's target when the store is a symbolic link),
// taken through atomicfile.WithLock (github.com/gofrs/flock), the one lock
// wrapper config and auth share.
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

// ErrLocked is matched (with errors.Is) by the error of WithFileLock and
// UpdateStore when another process held the lock for the whole wait.
var ErrLocked = atomicfile.ErrLocked

// WithFileLock runs fn while holding an exclusive cross-process lock on
// "<path>.lock", the same lock UpdateStore takes for a store at path. When
// path is a symbolic link the lock is its target's ("<target>.lock", see
// atomicfile.Acquire), so agents sharing one store through links lock the
// same file. It waits for the lock as atomicfile.WithLock does (until ctx
// is done, or at most 10 s when ctx has no deadline); a lock still busy
// then is an error matching ErrLocked whose message reads "auth: <path> is
// being changed by another bot process; try again". The directory of the
// lock file must exist. fn's error is returned unchanged.
//
// WithFileLock is safe for concurrent use; calls for the same path, from
// this process or another, run one at a time. It is not reentrant: fn must
// not take the same lock again.
func WithFileLock(ctx context.Context, path string, fn func() error) error {
	return withTargetLock(ctx, path, func(string) error { return fn() })
}

// withTargetLock is WithFileLock, passing fn the file the lock protects:
// path's target, to be read and written while the lock is held.
func withTargetLock(ctx context.Context, path string, fn func(target string) error) error {
	ran := false
	err := atomicfile.WithLock(ctx, path, func(_ context.Context, target string) error {
		ran = true
		return fn(target)
	})
	if err != nil && !ran {
		return fmt.Errorf("auth: %w", err)
	}
	return err
}
