//go:build linux || darwin

package ptytest

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// hangGuard bounds a wait for the screen, so a broken program fails the
// test instead of hanging it; no test asserts on how long anything takes.
const hangGuard = 30 * time.Second

// PTY is a pseudo-terminal pair, closed with the test.
type PTY struct {
	t testing.TB
	// Master is the person's side: what is written to it is typed, what
	// is read from it is the screen.
	Master *os.File
	// Slave is the program's side, the terminal it sees.
	Slave  *os.File
	screen chan []byte
	seen   []byte
}

// New opens a pseudo-terminal of 80×24 and starts reading its screen; the
// test is skipped where none can be opened.
func New(t testing.TB) *PTY {
	t.Helper()
	m, s, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	if err := pty.Setsize(m, &pty.Winsize{Rows: 24, Cols: 80}); err != nil {
		t.Fatal(err)
	}
	p := &PTY{t: t, Master: m, Slave: s, screen: make(chan []byte, 256)}
	go func() {
		defer close(p.screen)
		for {
			b := make([]byte, 4096)
			n, err := m.Read(b)
			if n > 0 {
				p.screen <- b[:n]
			}
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		s.Close()
		m.Close()
	})
	return p
}

// Start starts cmd on the terminal as its controlling terminal, in a
// session of its own (so Ctrl-C typed at the terminal sends it SIGINT).
func (p *PTY) Start(cmd *exec.Cmd) {
	p.t.Helper()
	cmd.Stdin, cmd.Stdout, cmd.Stderr = p.Slave, p.Slave, p.Slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
}

// Wait waits for cmd, started with Start, and returns its exit code; a
// process still running after the hang guard is killed and fails the test.
func (p *PTY) Wait(cmd *exec.Cmd) int {
	p.t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	guard := time.NewTimer(hangGuard)
	defer guard.Stop()
	select {
	case err := <-done:
		if ee, ok := errors.AsType[*exec.ExitError](err); ok {
			return ee.ExitCode()
		}
		if err != nil {
			p.t.Fatal(err)
		}
		return 0
	case <-guard.C:
		_ = cmd.Process.Kill()
		<-done
		p.t.Fatalf("%s still running; screen:\n%q", cmd, p.Screen())
		return -1
	}
}

// Type writes what the person types or pastes.
func (p *PTY) Type(s string) {
	p.t.Helper()
	if _, err := p.Master.WriteString(s); err != nil {
		p.t.Fatal(err)
	}
}

// WaitScreen waits until the screen has shown want since the start.
func (p *PTY) WaitScreen(want string) {
	p.t.Helper()
	guard := time.NewTimer(hangGuard)
	defer guard.Stop()
	for !bytes.Contains(p.seen, []byte(want)) {
		select {
		case b, ok := <-p.screen:
			if !ok {
				p.t.Fatalf("terminal closed; screen %q never showed %q", p.seen, want)
			}
			p.seen = append(p.seen, b...)
		case <-guard.C:
			p.t.Fatalf("screen %q never showed %q", p.seen, want)
		}
	}
}

// Screen returns everything the screen has shown so far, after taking in
// what is already waiting.
func (p *PTY) Screen() string {
	for {
		select {
		case b, ok := <-p.screen:
			if !ok {
				return string(p.seen)
			}
			p.seen = append(p.seen, b...)
		default:
			return string(p.seen)
		}
	}
}

// Termios returns the terminal's attributes.
func (p *PTY) Termios() unix.Termios {
	p.t.Helper()
	st, err := unix.IoctlGetTermios(int(p.Slave.Fd()), ioctlGetTermios)
	if err != nil {
		p.t.Fatal(err)
	}
	return *st
}

// Pending returns how many bytes typed at the terminal are still unread:
// what a shell would read once the program has exited.
func (p *PTY) Pending() int {
	p.t.Helper()
	n, err := unix.IoctlGetInt(int(p.Slave.Fd()), ioctlInputQueue)
	if err != nil {
		p.t.Fatal(err)
	}
	return n
}
