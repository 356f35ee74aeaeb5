package auth

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/botgateway/bot/internal/fakes"
)

// TestRefreshAcrossProcesses runs refresher processes (this test binary,
// re-executed into TestHelperRefreshProcess) that each Acquire the same
// expired profile of one store at the same moment, against one fake token
// endpoint run here: the file lock must make exactly one of them refresh,
// and all must end up with its token.

// Environment of a refresher process.
const (
	refreshProcDirEnv = "BOT_AUTH_TEST_REFRESH_DIR" // the agent dir
	refreshProcURLEnv = "BOT_AUTH_TEST_REFRESH_URL" // the token endpoint
)

// refreshProcProfile is the profile the processes acquire.
const refreshProcProfile ProfileID = "anthropic:claude-cli"

// TestHelperRefreshProcess is a refresher process of
// TestRefreshAcrossProcesses; it does nothing unless started by it. It waits
// for a line on stdin (the start signal), acquires the profile and prints
// "access=<token>".
func TestHelperRefreshProcess(t *testing.T) {
	dir := os.Getenv(refreshProcDirEnv)
	if dir == "" {
		t.Skip("a refresher process of TestRefreshAcrossProcesses")
	}
	endpoint := os.Getenv(refreshProcURLEnv)
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		t.Fatalf("no start signal: %v", err)
	}
	// A bound in case the parent goes away.
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	r := &Refresher{TokenURL: func(string) string { return endpoint }}
	c, err := r.Acquire(ctx, dir, refreshProcProfile, false)
	if err != nil {
		t.Fatalf("Acquire: %v", err)
	}
	fmt.Printf("access=%s\n", c.Access.Reveal())
}

func TestRefreshAcrossProcesses(t *testing.T) {
	const procs = 8
	fake := fakes.NewOAuth(t)
	fake.Seed("proc-refresh-0")
	// Keep the one refresh in flight while the others queue on the lock.
	fake.Delay(100 * time.Millisecond)
	dir := t.TempDir()
	s := NewStore()
	s.Set(refreshProcProfile, &Credential{Provider: "anthropic", Type: KindOAuth,
		Access: NewSecret("proc-access-0"), Refresh: NewSecret("proc-refresh-0"),
		Expires: time.Now().Add(-time.Hour)})
	writeStore(t, StorePath(dir), s)

	type proc struct {
		cmd            *exec.Cmd
		stdout, stderr bytes.Buffer
		start          *os.File
	}
	ps := make([]*proc, procs)
	for i := range ps {
		p := &proc{}
		p.cmd = exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestHelperRefreshProcess$", "-test.count=1")
		p.cmd.Env = append(os.Environ(), refreshProcDirEnv+"="+dir, refreshProcURLEnv+"="+fake.URL())
		p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		p.cmd.Stdin, p.start = r, w
		if err := p.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		r.Close()
		ps[i] = p
	}
	// All started: let them go together.
	for _, p := range ps {
		fmt.Fprintln(p.start, "go")
		p.start.Close()
	}
	var tokens []string
	for i, p := range ps {
		if err := p.cmd.Wait(); err != nil {
			t.Errorf("process %d: %v\n%s%s", i, err, p.stdout.String(), p.stderr.String())
			continue
		}
		var got string
		for line := range strings.Lines(p.stdout.String()) {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "access="); ok {
				got = v
			}
		}
		tokens = append(tokens, got)
	}
	if t.Failed() {
		return
	}
	for i, tok := range tokens {
		if tok != fakeAccess1 {
			t.Errorf("process %d got access %q, want %q", i, tok, fakeAccess1)
		}
	}
	if fake.Refreshes() != 1 || fake.Requests() != 1 {
		t.Errorf("Refreshes, Requests = %d, %d; want exactly one refresh", fake.Refreshes(), fake.Requests())
	}
	c := storedProfile(t, StorePath(dir), refreshProcProfile)
	if !c.Access.Equal(NewSecret(fakeAccess1)) || !c.Refresh.Equal(NewSecret(fakeRefresh1)) {
		t.Errorf("stored %v / %v, want the refreshed tokens", c.Access, c.Refresh)
	}
}
