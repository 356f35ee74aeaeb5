package fakecli

import (
	"bufio"
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

// Session runs a fake's command (its run function, as Main gets it) in a
// test, with a pipe as its stdin, and reads its stdout line by line: what
// the fakediscord and faketelegram tests drive the fakes' commands with.
type Session struct {
	in    *io.PipeWriter
	lines chan string
}

// Start runs run until the test ends (its stdin is then closed, and run
// must return nil).
func Start(t *testing.T, run func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error) *Session {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	s := &Session{in: inW, lines: make(chan string, 100)}
	done := make(chan error, 1)
	go func() {
		done <- run(t.Context(), nil, inR, outW, io.Discard)
		outW.Close()
	}()
	go func() {
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
		close(s.lines)
	}()
	t.Cleanup(func() {
		inW.Close()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
		for range s.lines {
		}
	})
	return s
}

// lineWait bounds each wait for output.
const lineWait = 10 * time.Second

// Expect reads lines until one contains want, and returns it.
func (s *Session) Expect(t *testing.T, want string) string {
	t.Helper()
	return s.ExpectAll(t, want)[0]
}

// ExpectAll reads lines until, for each of wants, one contains it, in any
// order, and returns those lines in the order of wants.
func (s *Session) ExpectAll(t *testing.T, wants ...string) []string {
	t.Helper()
	got := make([]string, len(wants))
	left := len(wants)
	timeout := time.NewTimer(lineWait)
	defer timeout.Stop()
	for left > 0 {
		select {
		case line, ok := <-s.lines:
			if !ok {
				t.Fatalf("output ended before %q", wants)
			}
			for i, w := range wants {
				if got[i] == "" && strings.Contains(line, w) {
					got[i] = line
					left--
					break
				}
			}
		case <-timeout.C:
			t.Fatalf("no lines with all of %q (got %q)", wants, got)
		}
	}
	return got
}

// Send writes line (and a newline) to the command's stdin.
func (s *Session) Send(t *testing.T, line string) {
	t.Helper()
	if _, err := io.WriteString(s.in, line+"\n"); err != nil {
		t.Fatal(err)
	}
}
