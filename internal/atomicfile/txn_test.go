package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// The Txn crash tests run a committer process (this test binary,
// re-executed into TestHelperCommitter) that kills itself with SIGKILL
// after the nth step of Commit, then check that Recover leaves both files
// old or both new, whichever step the kill landed after.

// Environment of a committer process.
const (
	committerDirEnv  = "BOT_TXN_TEST_DIR"     // holds anchor.json and other.json
	committerKillEnv = "BOT_TXN_TEST_KILL_AT" // the step after which to die; 0: none
)

// The files of a crash test and their contents before and after.
const (
	anchorOld, anchorNew = `{"auth":{}}`, `{"auth":{"profiles":{"anthropic:x":{}}}}`
	otherOld, otherNew   = `{"profiles":{}}`, `{"profiles":{"anthropic:x":"token"}}`
)

// commitSteps are the steps of a two-file Commit, in order.
var commitSteps = []string{"prepared", "temp", "temp", "committed", "renamed", "renamed", "done"}

// TestHelperCommitter is the committer process of the crash tests.
func TestHelperCommitter(t *testing.T) {
	dir := os.Getenv(committerDirEnv)
	if dir == "" {
		t.Skip("the committer process of TestTxnSurvivesKillAtEveryStep")
	}
	killAt, _ := strconv.Atoi(os.Getenv(committerKillEnv))
	n := 0
	testHookStep = func(string) {
		if n++; n == killAt {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {} // the signal is on its way
		}
	}
	if err := commitPair(t, dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	os.Exit(0)
}

// commitPair commits the new contents of the two files of dir, under their
// locks, the anchor's first.
func commitPair(t *testing.T, dir string) error {
	anchor, other := filepath.Join(dir, "anchor.json"), filepath.Join(dir, "other.json")
	for _, p := range []string{anchor, other} {
		lk, err := Acquire(t.Context(), p)
		if err != nil {
			return err
		}
		defer lk.Unlock()
	}
	txn, err := NewTxn(anchor)
	if err != nil {
		return err
	}
	if err := txn.Add(anchor, []byte(anchorNew), 0o600); err != nil {
		return err
	}
	if err := txn.Add(other, []byte(otherNew), 0o600); err != nil {
		return err
	}
	return txn.Commit()
}

// newPair writes the old contents in a fresh directory and returns it.
func newPair(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "anchor.json"), anchorOld)
	mustWrite(t, filepath.Join(dir, "other.json"), otherOld)
	return dir
}

// runCommitter runs a committer on dir that dies after step killAt (0:
// never) and reports whether it was killed.
func runCommitter(t *testing.T, dir string, killAt int) bool {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperCommitter$", "-test.count=1")
	cmd.Env = append(os.Environ(), committerDirEnv+"="+dir, committerKillEnv+"="+strconv.Itoa(killAt))
	out, err := cmd.CombinedOutput()
	if ee, ok := errors.AsType[*exec.ExitError](err); ok && ee.ExitCode() == -1 {
		return true
	}
	if err != nil {
		t.Fatalf("committer: %v\n%s", err, out)
	}
	return false
}

// recoverPair runs Recover under the anchor's lock, as config.Edit does.
func recoverPair(t *testing.T, dir string) (bool, error) {
	t.Helper()
	anchor := filepath.Join(dir, "anchor.json")
	lk, err := Acquire(t.Context(), anchor)
	if err != nil {
		t.Fatal(err)
	}
	defer lk.Unlock()
	return Recover(t.Context(), anchor)
}

// pairState reads the two files.
func pairState(t *testing.T, dir string) (anchor, other string) {
	t.Helper()
	a, err := os.ReadFile(filepath.Join(dir, "anchor.json"))
	if err != nil {
		t.Fatal(err)
	}
	o, err := os.ReadFile(filepath.Join(dir, "other.json"))
	if err != nil {
		t.Fatal(err)
	}
	return string(a), string(o)
}

// leftovers lists the temporary and journal files in dir.
func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if strings.Contains(e.Name(), ".txn") || strings.Contains(e.Name(), ".tmp-") {
			out = append(out, e.Name())
		}
	}
	return out
}

func skipUnlessKillable(t *testing.T) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL is Unix's")
	}
	if os.Getenv(committerDirEnv) != "" {
		t.Skip("inside a committer process")
	}
}

// TestTxnSurvivesKillAtEveryStep kills a committer after each step of
// Commit in turn: after Recover both files are old (killed before the
// commit point) or both new (after it), and nothing is left behind.
func TestTxnSurvivesKillAtEveryStep(t *testing.T) {
	skipUnlessKillable(t)
	for killAt := 1; killAt <= len(commitSteps)+1; killAt++ {
		name := "no kill"
		if killAt <= len(commitSteps) {
			name = fmt.Sprintf("after %d %s", killAt, commitSteps[killAt-1])
		}
		t.Run(name, func(t *testing.T) {
			dir := newPair(t)
			killed := runCommitter(t, dir, killAt)
			if killed != (killAt <= len(commitSteps)) {
				t.Fatalf("killed = %v at step %d of %d", killed, killAt, len(commitSteps))
			}
			if _, err := recoverPair(t, dir); err != nil {
				t.Fatal(err)
			}
			a, o := pairState(t, dir)
			wantNew := killAt >= 4 // "committed" is the commit point
			switch {
			case wantNew && (a != anchorNew || o != otherNew):
				t.Errorf("after recovery: anchor %s, other %s; want both new", a, o)
			case !wantNew && (a != anchorOld || o != otherOld):
				t.Errorf("after recovery: anchor %s, other %s; want both old", a, o)
			}
			if left := leftovers(t, dir); len(left) > 0 {
				t.Errorf("left behind: %v", left)
			}
			if Pending(filepath.Join(dir, "anchor.json")) {
				t.Error("Pending after Recover")
			}
		})
	}
}

// TestTxnRecoverNeverLosesAConcurrentWrite: another writer changes the
// non-anchor file between the kill and the recovery. A change that renamed
// nothing yet is undone (the writer's content stays); one whose first file
// was renamed is finished for the anchor (the writer built on the new
// content).
func TestTxnRecoverNeverLosesAConcurrentWrite(t *testing.T) {
	skipUnlessKillable(t)
	const written = `{"profiles":{"openai:refreshed":"new"}}`
	for _, tt := range []struct {
		killAt     int
		wantAnchor string
	}{
		{4, anchorOld}, // committed, nothing renamed
		{5, anchorNew}, // the other file renamed
	} {
		t.Run(commitSteps[tt.killAt-1], func(t *testing.T) {
			dir := newPair(t)
			if !runCommitter(t, dir, tt.killAt) {
				t.Fatal("not killed")
			}
			mustWrite(t, filepath.Join(dir, "other.json"), written)
			if ok, err := recoverPair(t, dir); !ok || err != nil {
				t.Fatalf("Recover = %v, %v", ok, err)
			}
			if a, o := pairState(t, dir); a != tt.wantAnchor || o != written {
				t.Errorf("anchor %s, other %s; want anchor %s and the writer's %s", a, o, tt.wantAnchor, written)
			}
			if left := leftovers(t, dir); len(left) > 0 {
				t.Errorf("left behind: %v", left)
			}
		})
	}
	t.Run("anchor edited by hand", func(t *testing.T) {
		dir := newPair(t)
		if !runCommitter(t, dir, 5) {
			t.Fatal("not killed")
		}
		mustWrite(t, filepath.Join(dir, "anchor.json"), `{"by":"hand"}`)
		_, err := recoverPair(t, dir)
		if err == nil || !strings.Contains(err.Error(), "anchor.json was changed since") {
			t.Errorf("Recover = %v, want an error naming the anchor", err)
		}
		if a, _ := pairState(t, dir); a != `{"by":"hand"}` {
			t.Errorf("the hand edit was overwritten: %s", a)
		}
	})
}

// TestTxnCommitFailsCleanly: a file that cannot be written stops the
// change before its commit point: nothing changed, nothing left.
func TestTxnCommitFailsCleanly(t *testing.T) {
	dir := newPair(t)
	anchor, other := filepath.Join(dir, "anchor.json"), filepath.Join(dir, "other.json")
	txn, err := NewTxn(anchor)
	if err != nil {
		t.Fatal(err)
	}
	for p, c := range map[string]string{anchor: anchorNew, other: otherNew, filepath.Join(dir, "gone", "x.json"): "x"} {
		if err := txn.Add(p, []byte(c), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	err = txn.Commit()
	if err == nil || !strings.Contains(err.Error(), "nothing was changed") {
		t.Fatalf("Commit = %v, want a failure saying nothing changed", err)
	}
	if a, o := pairState(t, dir); a != anchorOld || o != otherOld {
		t.Errorf("anchor %s, other %s; want both old", a, o)
	}
	if left := leftovers(t, dir); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}

// TestRecoverDistrustsJournal: a journal that names a file other than a
// target's own temporary file is refused, and so is one others may write.
func TestRecoverDistrustsJournal(t *testing.T) {
	dir := newPair(t)
	anchor := filepath.Join(dir, "anchor.json")
	victim := filepath.Join(dir, "victim")
	mustWrite(t, victim, "mine")
	evil := filepath.Join(dir, "evil")
	mustWrite(t, evil, "theirs")
	j := fmt.Sprintf(`{"state":"committed","files":[{"target":%q,"temp":%q,"old":"absent"}]}`, victim, evil)
	jpath, _ := JournalPath(anchor)
	mustWrite(t, jpath, j)
	if _, err := Recover(t.Context(), anchor); err == nil {
		t.Error("Recover followed a journal naming a foreign temporary file")
	}
	if b, _ := os.ReadFile(victim); string(b) != "mine" {
		t.Errorf("victim = %q", b)
	}
	mustWrite(t, jpath, `{"state":"prepared","files":[]}`)
	if err := os.Chmod(jpath, 0o622); err != nil {
		t.Fatal(err)
	}
	if _, err := Recover(t.Context(), anchor); err == nil || !strings.Contains(err.Error(), "writable by group or others") {
		t.Errorf("Recover of a journal others may write = %v, want the refusal", err)
	}
}
