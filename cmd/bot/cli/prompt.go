package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"

	"golang.org/x/term"

	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/internal/termread"
)

// exitInterrupted is the exit code of a command ended by Ctrl-C at a
// prompt (128 + SIGINT, as a shell reports it).
const exitInterrupted = 130

// terminal returns f as a terminal file when it is one.
func terminal(f any) (*os.File, bool) {
	file, ok := f.(*os.File)
	return file, ok && term.IsTerminal(int(file.Fd()))
}

// ask prints question to stderr and reads one line of answer: at the
// terminal through termread (Ctrl-C ends the command with exit 130),
// otherwise from stdin, a byte at a time so that nothing after the line
// is consumed. The answer is trimmed; the end of input is an empty answer.
func (a *App) ask(ctx context.Context, question string) (string, error) {
	s, err := a.readLine(ctx, question)
	if errors.Is(err, io.EOF) {
		err = nil
	}
	return strings.TrimSpace(s), err
}

// readLine is ask without the trimming: it returns the line without its
// end, and io.EOF when the input ended before anything was typed.
func (a *App) readLine(ctx context.Context, question string) (string, error) {
	if tty, ok := terminal(a.Stdin); ok {
		return termread.Line(ctx, tty, a.Stderr, question)
	}
	fmt.Fprint(a.Stderr, question)
	var line []byte
	b := make([]byte, 1)
	for {
		n, err := a.Stdin.Read(b)
		if n == 1 && b[0] == '\n' {
			return strings.TrimSuffix(string(line), "\r"), nil
		}
		line = append(line, b[:n]...)
		if err != nil {
			if len(line) == 0 {
				return "", io.EOF
			}
			return string(line), nil
		}
	}
}

// readSecret reads a secret from a hidden prompt on a terminal (a paste
// arrives whole, line breaks included; Ctrl-C ends the command with exit
// 130), or from all of stdin otherwise, and strips every white space
// character, line breaks inside the value included.
func readSecret(ctx context.Context, app *App, prompt string) (auth.Secret, error) {
	var raw []byte
	if tty, ok := terminal(app.Stdin); ok {
		b, err := termread.Secret(ctx, tty, app.Stderr, prompt, maxTokenBytes)
		switch {
		case errors.Is(err, termread.ErrTooLong):
			return auth.Secret{}, userError{"the pasted token is longer than 64 KiB; paste only the token"}
		case err != nil:
			return auth.Secret{}, fmt.Errorf("read token from the terminal: %w", err)
		}
		raw = b
	} else {
		b, err := io.ReadAll(io.LimitReader(app.Stdin, maxTokenBytes+1))
		if err != nil {
			return auth.Secret{}, fmt.Errorf("read token from stdin: %w", err)
		}
		if len(b) > maxTokenBytes {
			return auth.Secret{}, userError{"the token on stdin is longer than 64 KiB; paste only the token"}
		}
		raw = b
	}
	clean := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, string(raw))
	if clean == "" {
		return auth.Secret{}, userError{"no token given: paste it at the prompt or pipe it on stdin (the token is never taken from the command line)"}
	}
	return auth.NewSecret(clean), nil
}
