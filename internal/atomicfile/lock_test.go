package atomicfile

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestWithLock: the one lock wrapper every file of bot's is changed under
// names the file and the fix in each way the lock can fail, and hands fn
// the target with a bounded context.
func TestWithLock(t *testing.T) {
	t.Run("busy", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "bot.json")
		held, err := Acquire(t.Context(), path)
		if err != nil {
			t.Fatal(err)
		}
		defer held.Unlock()
		// The lock is held for the whole wait, so the outcome does not
		// depend on the deadline's length.
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
		defer cancel()
		ran := false
		err = WithLock(ctx, path, func(context.Context, string) error { ran = true; return nil })
		if ran {
			t.Error("fn ran without the lock")
		}
		if want := path + " is being changed by another bot process; try again"; err == nil || err.Error() != want {
			t.Errorf("err = %v, want %s", err, want)
		}
		if !errors.Is(err, ErrLocked) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err %v does not match ErrLocked and context.DeadlineExceeded", err)
		}
	})
	t.Run("directory", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "auth-profiles.json")
		if err := os.Mkdir(path+".lock", 0o700); err != nil {
			t.Fatal(err)
		}
		err := WithLock(t.Context(), path, func(context.Context, string) error { return nil })
		want := "cannot lock " + path + ": " + path + ".lock is a directory, probably an OpenClaw lock; if no OpenClaw process is running, remove it and try again"
		if err == nil || err.Error() != want {
			t.Errorf("err = %v, want %s", err, want)
		}
		if errors.Is(err, ErrLocked) {
			t.Errorf("err %v matches ErrLocked", err)
		}
	})
	t.Run("missing directory", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "nope", "bot.json")
		err := WithLock(t.Context(), path, func(context.Context, string) error { return nil })
		want := "cannot lock " + path + ": no such file or directory; check that its directory is writable"
		if err == nil || err.Error() != want {
			t.Errorf("err = %v, want %s", err, want)
		}
	})
	t.Run("canceled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		err := WithLock(ctx, filepath.Join(t.TempDir(), "bot.json"), func(context.Context, string) error { return nil })
		if !errors.Is(err, context.Canceled) || errors.Is(err, ErrLocked) {
			t.Errorf("err = %v, want context.Canceled and not ErrLocked", err)
		}
	})
	t.Run("fn", func(t *testing.T) {
		dir := t.TempDir()
		target := filepath.Join(dir, "store.json")
		link := filepath.Join(dir, "link.json")
		mustSymlink(t, target, link)
		errBoom := errors.New("boom")
		err := WithLock(t.Context(), link, func(ctx context.Context, got string) error {
			if got != target {
				t.Errorf("target = %q, want %q", got, target)
			}
			if _, ok := ctx.Deadline(); !ok {
				t.Error("fn's context has no deadline; the locks fn takes could wait forever")
			}
			return errBoom
		})
		if err != errBoom {
			t.Errorf("err = %v, want fn's error unchanged", err)
		}
		// Released: taken again at once.
		if err := WithLock(t.Context(), link, func(context.Context, string) error { return nil }); err != nil {
			t.Errorf("second WithLock: %v", err)
		}
	})
}
