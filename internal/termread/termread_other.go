//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package termread

import (
	"context"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"
)

// Secret prints prompt to out and reads a secret at the terminal tty with
// echo off. On this system it reads one line (golang.org/x/term).
func Secret(_ context.Context, tty *os.File, out io.Writer, prompt string, limit int) ([]byte, error) {
	_, _ = io.WriteString(out, prompt)
	b, err := term.ReadPassword(int(tty.Fd()))
	_, _ = io.WriteString(out, "\n")
	if err != nil {
		return nil, fmt.Errorf("termread: %w", err)
	}
	for _, c := range b {
		if c == ctrlC {
			return nil, ErrInterrupted
		}
	}
	if len(b) > limit {
		return nil, ErrTooLong
	}
	return b, nil
}

// Line prints prompt to out and reads one line typed at the terminal tty.
func Line(ctx context.Context, tty *os.File, out io.Writer, prompt string) (string, error) {
	_, _ = io.WriteString(out, prompt)
	var line []byte
	b := make([]byte, 1)
	for {
		if ctx.Err() != nil {
			return "", ErrInterrupted
		}
		n, err := tty.Read(b)
		if n == 1 && b[0] == '\n' {
			return string(line), nil
		}
		if n == 1 && b[0] != '\r' {
			line = append(line, b[0])
		}
		if err != nil {
			if len(line) > 0 {
				return string(line), nil
			}
			return "", io.EOF
		}
	}
}

// Reader returns tty itself on this system.
func Reader(_ context.Context, tty *os.File) (io.ReadCloser, error) {
	return io.NopCloser(tty), nil
}
