//go:build linux || darwin

package termread

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/botgateway/bot/internal/ptytest"
)

const prompt = "Paste token for anthropic: "

func TestSecret(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		want    string
		wantErr error
	}{
		{name: "bracketed paste with line breaks", input: "\x1b[200~sk-ant-oat01-part1\r\npart2\npart3\n\x1b[201~", want: "sk-ant-oat01-part1\n\npart2\npart3\n"},
		{name: "bracketed paste, then typing the shell must not get", input: "\x1b[200~sk-ant-part1\npart2\x1b[201~\rrm -rf ~\r", want: "sk-ant-part1\npart2"},
		{name: "unbracketed burst with line breaks", input: "sk-ant-oat01-part1\npart2\r\npart3\n", want: "sk-ant-oat01-part1\npart2\n\npart3\n"},
		{name: "typed, with backspace and arrows", input: "sk-abx\x7f\x1b[Dc\x1bOA\r", want: "sk-abc\n"},
		{name: "Ctrl-U clears", input: "wrong\x15right\r", want: "right\n"},
		{name: "Ctrl-D ends", input: "sk-typed\x04", want: "sk-typed"},
		{name: "controls dropped", input: "a\x00b\x07c\x1b\x1fd\r", want: "abcd\n"},
		{name: "Ctrl-C", input: "sk-part\x03", wantErr: ErrInterrupted},
		{name: "Ctrl-C inside a paste", input: "\x1b[200~sk-\x03", wantErr: ErrInterrupted},
		{name: "too long", input: "\x1b[200~" + strings.Repeat("x", 65) + "\x1b[201~", wantErr: ErrTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			term := ptytest.New(t)
			before := term.Termios()
			type result struct {
				b   []byte
				err error
			}
			done := make(chan result, 1)
			go func() {
				b, err := Secret(t.Context(), term.Slave, term.Slave, prompt, 64)
				done <- result{b, err}
			}()
			term.WaitScreen(prompt)
			term.Type(tt.input)
			r := <-done
			if !errors.Is(r.err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", r.err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, string(r.b)); diff != "" {
				t.Errorf("secret (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(before, term.Termios()); diff != "" {
				t.Errorf("terminal mode not restored (-before +after):\n%s", diff)
			}
			if n := term.Pending(); n != 0 {
				t.Errorf("%d bytes left for the shell to read", n)
			}
			// Nothing echoed: the screen shows the mode switches, the
			// prompt and the final line break only.
			term.WaitScreen(pasteOff + "\r\n")
			if diff := cmp.Diff(pasteOn+prompt+pasteOff+"\r\n", term.Screen()); diff != "" {
				t.Errorf("screen (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSecretEndsWithContext(t *testing.T) {
	term := ptytest.New(t)
	before := term.Termios()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := Secret(ctx, term.Slave, term.Slave, prompt, 64)
		done <- err
	}()
	term.WaitScreen(prompt)
	cancel()
	if err := <-done; !errors.Is(err, ErrInterrupted) {
		t.Fatalf("err = %v, want ErrInterrupted", err)
	}
	if diff := cmp.Diff(before, term.Termios()); diff != "" {
		t.Errorf("terminal mode not restored (-before +after):\n%s", diff)
	}
}

func TestLine(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		cancel  bool
		want    string
		wantErr error
	}{
		{name: "answer", input: "2\n", want: "2"},
		{name: "edited by the terminal", input: "13\x7f\n", want: "1"},
		{name: "Ctrl-D", input: "\x04", wantErr: io.EOF},
		{name: "interrupted", cancel: true, wantErr: ErrInterrupted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			term := ptytest.New(t)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			type result struct {
				s   string
				err error
			}
			done := make(chan result, 1)
			go func() {
				s, err := Line(ctx, term.Slave, term.Slave, "Choice: [1] ")
				done <- result{s, err}
			}()
			term.WaitScreen("Choice: [1] ")
			if tt.cancel {
				cancel()
			}
			term.Type(tt.input)
			r := <-done
			if !errors.Is(r.err, tt.wantErr) || r.s != tt.want {
				t.Errorf("Line = %q, %v; want %q, %v", r.s, r.err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestReaderStopsAtCtrlC(t *testing.T) {
	term := ptytest.New(t)
	if err := unix.IoctlSetTermios(int(term.Slave.Fd()), ioctlSetTermios, rawMode(term.Termios())); err != nil {
		t.Fatal(err)
	}
	r, err := Reader(t.Context(), term.Slave)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	term.Type("hello\x03world")
	got, err := io.ReadAll(r)
	if !errors.Is(err, ErrInterrupted) || string(got) != "hello" {
		t.Errorf("read %q, %v; want \"hello\", ErrInterrupted", got, err)
	}
}

func TestReaderEndsWithContext(t *testing.T) {
	term := ptytest.New(t)
	ctx, cancel := context.WithCancel(t.Context())
	r, err := Reader(ctx, term.Slave)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cancel()
	if _, err := r.Read(make([]byte, 8)); !errors.Is(err, ErrInterrupted) {
		t.Errorf("Read after ctx ended: %v, want ErrInterrupted", err)
	}
}

func rawMode(st unix.Termios) *unix.Termios {
	st.Lflag &^= unix.ECHO | unix.ICANON | unix.ISIG
	st.Cc[unix.VMIN], st.Cc[unix.VTIME] = 1, 0
	return &st
}
