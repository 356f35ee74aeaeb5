package sessions

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// openerEnv names the database a child process of TestOpenManyProcesses
// opens; set only in the children.
const openerEnv = "BOT_SESSIONS_TEST_OPENER"

// TestOpenerProcess is the body of a child process started by
// TestOpenManyProcesses: it opens the database named by openerEnv, writes
// one session, closes it and exits. It does nothing in a normal test run.
func TestOpenerProcess(t *testing.T) {
	path := os.Getenv(openerEnv)
	if path == "" {
		t.Skip("runs only as a child of TestOpenManyProcesses")
	}
	ctx := context.Background()
	// Wait for the parent's start signal (stdin closed), so that every
	// child opens at the same moment.
	if _, err := io.Copy(io.Discard, os.Stdin); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	err := func() error {
		s, err := Open(ctx, path, Options{Recheck: -1})
		if err != nil {
			return err
		}
		if err := s.SetModel(ctx, "main", Key("console:"+os.Getenv("BOT_SESSIONS_TEST_NAME")), "anthropic/a"); err != nil {
			s.Close()
			return err
		}
		return s.Close()
	}()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	os.Exit(0)
}

// TestOpenManyProcesses starts 16 processes at once on a fresh state
// directory, with every CPU kept busy, for 10 rounds (4 under the race
// detector; BOT_SESSIONS_TEST_ROUNDS sets another number): every process
// must create or open the database (the switch to WAL, the schema version,
// the migrations), write and close without "database is locked" (issue 8,
// item 10). The children wait for one signal, so that they open at the
// same moment.
func TestOpenManyProcesses(t *testing.T) {
	if os.Getenv(openerEnv) != "" {
		t.Skip("in a child")
	}
	if testing.Short() {
		t.Skip("starts 160 processes")
	}
	procs, rounds := 16, 10
	if raceEnabled {
		rounds = 4
	}
	if v, err := strconv.Atoi(os.Getenv("BOT_SESSIONS_TEST_ROUNDS")); err == nil {
		rounds = v
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}

	// Load every CPU while the processes start.
	var stop atomic.Bool
	var spin sync.WaitGroup
	for range runtime.NumCPU() {
		spin.Go(func() {
			for x := 0; !stop.Load(); x++ {
				_ = x * x
			}
		})
	}
	defer func() { stop.Store(true); spin.Wait() }()

	failures := 0
	for r := range rounds {
		path := filepath.Join(t.TempDir(), "state", "sessions.db")
		outs := make([]strings.Builder, procs)
		errs := make([]error, procs)
		cmds := make([]*exec.Cmd, procs)
		gos := make([]io.Closer, procs)
		for i := range procs {
			cmd := exec.Command(exe, "-test.run=^TestOpenerProcess$")
			cmd.Env = append(os.Environ(), openerEnv+"="+path, fmt.Sprintf("BOT_SESSIONS_TEST_NAME=%d", i))
			cmd.Stdout, cmd.Stderr = &outs[i], &outs[i]
			if gos[i], err = cmd.StdinPipe(); err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			cmds[i] = cmd
		}
		for _, g := range gos {
			g.Close()
		}
		for i, cmd := range cmds {
			errs[i] = cmd.Wait()
		}
		for i := range procs {
			if errs[i] != nil {
				failures++
				t.Errorf("round %d, process %d: %v: %s", r, i, errs[i], strings.TrimSpace(outs[i].String()))
			}
		}
		s := openAt(t, path, nil, Options{})
		list, err := s.List(t.Context(), "")
		if err != nil || len(list) != procs {
			t.Errorf("round %d: %d sessions (%v), want %d", r, len(list), err, procs)
		}
	}
	t.Logf("%d rounds × %d processes, %d failures", rounds, procs, failures)
}
