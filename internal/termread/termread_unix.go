//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package termread

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Secret prints prompt to out and reads a secret typed or pasted at the
// terminal tty, echoing nothing. It returns what was read, line breaks
// included (the caller strips white space), once a bracketed paste ends,
// Ctrl-D is pressed, or a line break was typed and QuietWindow passed with
// no more input. Ctrl-C, SIGINT, SIGTERM, SIGHUP or the end of ctx end it
// with ErrInterrupted; more than limit bytes with ErrTooLong.
//
// The terminal's mode is restored before Secret returns, whatever ends it,
// and input that arrived but was not read is discarded. A newline is
// written to out at the end, since the Enter key was not echoed.
func Secret(ctx context.Context, tty *os.File, out io.Writer, prompt string, limit int) ([]byte, error) {
	fd := int(tty.Fd())
	old, err := unix.IoctlGetTermios(fd, ioctlGetTermios)
	if err != nil {
		return nil, fmt.Errorf("termread: %s is not a terminal: %w", tty.Name(), err)
	}
	raw := *old
	raw.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	raw.Iflag &^= unix.ICRNL | unix.INLCR | unix.IGNCR | unix.IXON | unix.ISTRIP
	raw.Cc[unix.VMIN], raw.Cc[unix.VTIME] = 1, 0
	w, err := newWaiter(ctx, fd, true)
	if err != nil {
		return nil, err
	}
	defer w.close()
	if err := unix.IoctlSetTermios(fd, ioctlSetTermios, &raw); err != nil {
		return nil, fmt.Errorf("termread: turn echo off: %w", err)
	}
	defer func() {
		_, _ = io.WriteString(tty, pasteOff)
		_ = unix.IoctlSetTermios(fd, ioctlSetTermiosFlush, old)
		_, _ = io.WriteString(out, "\n")
	}()
	// A terminal that does not know the mode ignores it; one opened
	// read-only cannot be told: then a paste is read as one burst.
	_, _ = io.WriteString(tty, pasteOn)
	if _, err := io.WriteString(out, prompt); err != nil {
		return nil, fmt.Errorf("termread: write prompt: %w", err)
	}
	d := secretDecoder{limit: limit}
	chunk := make([]byte, 4096)
	for !d.done() {
		timeout := time.Duration(-1)
		if d.waitQuiet() {
			timeout = QuietWindow
		}
		ready, err := w.wait(timeout)
		if err != nil {
			return nil, err
		}
		if !ready {
			break // quiet after a line break: the burst is over
		}
		n, err := read(fd, chunk)
		if err != nil || n == 0 {
			break // the terminal hung up: keep what arrived
		}
		if err := d.feed(chunk[:n]); err != nil {
			return nil, err
		}
	}
	return d.buf, nil
}

// Line prints prompt to out and reads one line typed at the terminal tty
// in its usual (canonical) mode: echo and the terminal's own line editing
// stay on. It returns the line without its line break, io.EOF on Ctrl-D at
// an empty line, and ErrInterrupted on Ctrl-C (which the terminal turns
// into SIGINT), SIGTERM, SIGHUP or the end of ctx; then it writes a
// newline to out so that what follows starts on a line of its own.
func Line(ctx context.Context, tty *os.File, out io.Writer, prompt string) (string, error) {
	fd := int(tty.Fd())
	w, err := newWaiter(ctx, fd, true)
	if err != nil {
		return "", err
	}
	defer w.close()
	if _, err := io.WriteString(out, prompt); err != nil {
		return "", fmt.Errorf("termread: write prompt: %w", err)
	}
	var line []byte
	chunk := make([]byte, 1024)
	for {
		if _, err := w.wait(-1); err != nil {
			_, _ = io.WriteString(out, "\n")
			return "", err
		}
		n, err := read(fd, chunk)
		if err != nil || n == 0 {
			if len(line) > 0 {
				return string(line), nil
			}
			return "", io.EOF
		}
		line = append(line, chunk[:n]...)
		if bytes.IndexByte(line, ctrlC) >= 0 { // a terminal with signals off
			_, _ = io.WriteString(out, "\n")
			return "", ErrInterrupted
		}
		if i := bytes.IndexByte(line, '\n'); i >= 0 {
			return string(bytes.TrimSuffix(line[:i], []byte("\r"))), nil
		}
	}
}

// Reader returns a reader of the terminal tty for a line editor that has
// put it in raw mode (golang.org/x/term's Terminal): Read returns
// ErrInterrupted when Ctrl-C arrives (the bytes before it are returned
// first) or ctx ends, so a Read blocked on the terminal never outlives
// ctx. Close it to release what it holds.
func Reader(ctx context.Context, tty *os.File) (io.ReadCloser, error) {
	w, err := newWaiter(ctx, int(tty.Fd()), false)
	if err != nil {
		return nil, err
	}
	return &reader{w: w}, nil
}

type reader struct {
	w   *waiter
	err error
}

func (r *reader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	if _, err := r.w.wait(-1); err != nil {
		r.err = err
		return 0, err
	}
	n, err := read(r.w.fd, p)
	if err != nil {
		r.err = err
		return 0, err
	}
	if n == 0 {
		r.err = io.EOF
		return 0, io.EOF
	}
	if i := bytes.IndexByte(p[:n], ctrlC); i >= 0 {
		r.err = ErrInterrupted
		return i, ErrInterrupted
	}
	return n, nil
}

func (r *reader) Close() error {
	r.w.close()
	return nil
}

// read reads from fd, retrying when a signal interrupts it; a hung-up
// terminal (EIO) reads as the end of input.
func read(fd int, p []byte) (int, error) {
	for {
		n, err := unix.Read(fd, p)
		switch {
		case errors.Is(err, unix.EINTR) || errors.Is(err, unix.EAGAIN):
			continue
		case errors.Is(err, unix.EIO):
			return 0, nil
		case err != nil:
			return 0, fmt.Errorf("termread: read: %w", err)
		}
		return n, nil
	}
}

// waiter waits for input on a terminal while watching ctx (and, when
// asked, SIGINT, SIGTERM and SIGHUP) through a pipe that is closed when
// either fires, so that a wait never blocks past them.
type waiter struct {
	fd     int
	wake   *os.File // read end of the pipe; readable once it is closed
	sigs   chan os.Signal
	stop   chan struct{}
	exited sync.WaitGroup
}

func newWaiter(ctx context.Context, fd int, catchSignals bool) (*waiter, error) {
	r, wr, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("termread: %w", err)
	}
	w := &waiter{fd: fd, wake: r, stop: make(chan struct{})}
	if catchSignals {
		w.sigs = make(chan os.Signal, 1)
		signal.Notify(w.sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	}
	w.exited.Go(func() {
		defer wr.Close()
		select {
		case <-ctx.Done():
		case <-w.sigs: // nil, never ready, when signals are not caught
		case <-w.stop:
		}
	})
	return w, nil
}

// wait waits until the terminal has input (true), timeout passes (false;
// a negative timeout waits for ever), or the wait is interrupted
// (ErrInterrupted).
func (w *waiter) wait(timeout time.Duration) (bool, error) {
	ms := -1
	if timeout >= 0 {
		ms = int(timeout.Milliseconds())
	}
	fds := []unix.PollFd{
		{Fd: int32(w.fd), Events: unix.POLLIN},
		{Fd: int32(w.wake.Fd()), Events: unix.POLLIN},
	}
	for {
		n, err := unix.Poll(fds, ms)
		if errors.Is(err, unix.EINTR) {
			continue // a signal: the pipe says whether it was ours
		}
		if err != nil {
			return false, fmt.Errorf("termread: poll: %w", err)
		}
		switch {
		case fds[1].Revents != 0:
			return false, ErrInterrupted
		case n == 0:
			return false, nil
		}
		return true, nil // input, or a hang-up that read reports
	}
}

// close stops watching and releases the pipe and the signals.
func (w *waiter) close() {
	close(w.stop)
	w.exited.Wait()
	if w.sigs != nil {
		signal.Stop(w.sigs)
	}
	w.wake.Close()
}
