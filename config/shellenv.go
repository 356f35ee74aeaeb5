package config

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"time"
)

// maxShellOutput bounds what the login shell may print.
const maxShellOutput = 2 << 20

// runLoginShell runs `shell -l -c 'env -0'` and returns its output. It
// kills the shell (and, on Unix, its process group) after timeout, and
// fails when the shell exits non-zero or prints more than 2 MiB. env is the
// shell's environment; nil inherits the process's. Stdin is empty and
// stderr is discarded (a login script may print anything there).
func runLoginShell(ctx context.Context, shell string, timeout time.Duration, env []string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, shell, "-l", "-c", "env -0")
	cmd.Env = env
	out := &capWriter{max: maxShellOutput}
	cmd.Stdout = out
	// A login script may leave a background process holding stdout open;
	// stop waiting for it shortly after the shell is gone.
	cmd.WaitDelay = 200 * time.Millisecond
	killProcessGroup(cmd)
	err := cmd.Run()
	if errors.Is(err, exec.ErrWaitDelay) && cmd.ProcessState != nil && cmd.ProcessState.Success() {
		err = nil // the shell finished; a leftover child kept the pipe open
	}
	what := shell + " -l -c 'env -0'"
	switch {
	case err == nil && !out.overflow:
		return out.buf, nil
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return nil, fmt.Errorf("%s timed out after %s; set env.shellEnv.timeoutMs or BOT_SHELL_ENV_TIMEOUT_MS to wait longer", what, timeout)
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case out.overflow:
		return nil, fmt.Errorf("%s printed more than 2 MiB", what)
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return nil, fmt.Errorf("%s exited with status %d", what, exitErr.ExitCode())
	}
	return nil, fmt.Errorf("%s: %w", what, err)
}

// capWriter keeps the first max bytes written to it and drops the rest, so
// a chatty shell never blocks on a full pipe.
type capWriter struct {
	buf      []byte
	max      int
	overflow bool
}

// Write keeps what fits and always reports success.
func (w *capWriter) Write(p []byte) (int, error) {
	if room := w.max - len(w.buf); len(p) > room {
		w.buf = append(w.buf, p[:max(room, 0)]...)
		w.overflow = true
		return len(p), nil
	}
	w.buf = append(w.buf, p...)
	return len(p), nil
}
