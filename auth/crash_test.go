package auth

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The crash tests run writer processes (this test binary, re-executed into
// TestHelperWriter) that loop over UpdateStore, kill them with SIGKILL at
// random points, and check that the store is always whole and holds every
// change a writer saw completed.

// Environment of a writer process.
const (
	writerStoreEnv = "BOT_AUTH_TEST_WRITER_STORE" // the store file
	writerLogEnv   = "BOT_AUTH_TEST_WRITER_LOG"   // the side log of durable writes
	writerNameEnv  = "BOT_AUTH_TEST_WRITER_NAME"  // unique per process: names its profiles
)

// writerMark is the line a writer prints on stdout at points of its loop;
// the parent kills it after a random number of them.
const writerMark = "mark"

// TestHelperWriter is the writer process of the crash tests; it does
// nothing unless started by them.
//
// Each round i adds the profile openai:<name>-<i> and rotates (re-keys)
// openai:<name>-<i/2>, both to key "k-<i>". After UpdateStore returns it
// appends "<id> <i>" for both to the side log and fsyncs it: whatever the
// log holds was durably written to the store.
func TestHelperWriter(t *testing.T) {
	path := os.Getenv(writerStoreEnv)
	if path == "" {
		t.Skip("the writer process of TestStoreSurvivesKill")
	}
	logPath, name := os.Getenv(writerLogEnv), os.Getenv(writerNameEnv)
	// A bound in case the parent dies without killing us.
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	log, err := os.OpenFile(logPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	mark := func() { fmt.Println(writerMark) }
	for i := 0; ctx.Err() == nil; i++ {
		added := ProfileID(fmt.Sprintf("openai:%s-%d", name, i))
		rotated := ProfileID(fmt.Sprintf("openai:%s-%d", name, i/2))
		key := fmt.Sprintf("k-%d", i)
		_, err := UpdateStore(ctx, path, func(s *Store) (bool, error) {
			s.Set(added, apiKey("openai", key))
			s.Set(rotated, apiKey("openai", key))
			mark() // the kill may land in the write that follows
			return true, nil
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, "writer:", err)
			os.Exit(2)
		}
		mark() // written, not yet logged
		if _, err := fmt.Fprintf(log, "%s %d\n%s %d\n", added, i, rotated, i); err != nil {
			fmt.Fprintln(os.Stderr, "writer: log:", err)
			os.Exit(2)
		}
		if err := log.Sync(); err != nil {
			fmt.Fprintln(os.Stderr, "writer: log:", err)
			os.Exit(2)
		}
		mark()
	}
	os.Exit(0)
}

// writerProc is a running writer process.
type writerProc struct {
	name   string
	cmd    *exec.Cmd
	stdout io.ReadCloser
	stderr bytes.Buffer
}

// startWriter starts a writer process on the store at path, logging to
// logPath.
func startWriter(t *testing.T, path, logPath, name string) *writerProc {
	t.Helper()
	w := &writerProc{name: name}
	w.cmd = exec.Command(os.Args[0], "-test.run=^TestHelperWriter$", "-test.count=1")
	w.cmd.Env = append(os.Environ(),
		writerStoreEnv+"="+path, writerLogEnv+"="+logPath, writerNameEnv+"="+name)
	w.cmd.Stderr = &w.stderr
	var err error
	if w.stdout, err = w.cmd.StdoutPipe(); err != nil {
		t.Fatal(err)
	}
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return w
}

// killAfter waits until the writer has printed marks marks, then for a
// random jitter of up to a millisecond, kills it with SIGKILL and reaps it.
// It reports an error if the writer ended by itself.
//
// The jitter synchronizes nothing: it only spreads the kills over the
// writer's loop (the marks alone put most of them at the same few points),
// and the checks hold wherever a kill lands.
func (w *writerProc) killAfter(marks int) error {
	sc := bufio.NewScanner(w.stdout)
	for n := 0; n < marks && sc.Scan(); {
		if sc.Text() == writerMark {
			n++
		}
	}
	<-time.After(rand.N(time.Millisecond))
	w.cmd.Process.Kill() // SIGKILL on Unix
	io.Copy(io.Discard, w.stdout)
	w.cmd.Wait()
	if code := w.cmd.ProcessState.ExitCode(); code != -1 {
		return fmt.Errorf("writer %s exited by itself (code %d) before it was killed: %s", w.name, code, w.stderr.String())
	}
	return nil
}

// checkStoreAgainstLogs loads the store at path and checks that every write
// the side logs record is in it: each logged profile is present with a key
// at least as new as the logged one. It also checks that the OpenClaw
// fixture's unknown entries survived. It returns the number of logged
// writes checked.
func checkStoreAgainstLogs(t *testing.T, path string, logs []string) int {
	t.Helper()
	s, exists, err := LoadStore(path)
	if err != nil || !exists {
		t.Fatalf("after a kill: LoadStore = _, %v, %v", exists, err)
	}
	if _, ok := s.foreign["anthropic:old-session"]; !ok {
		t.Error("the unknown entry of the fixture was lost")
	}
	if diff := cmp.Diff([]string{"lastGood", "usageStats", "x-migrated-from"}, s.extra.Keys()); diff != "" {
		t.Errorf("unknown top-level keys (-want +got):\n%s", diff)
	}
	checked := 0
	for _, lp := range logs {
		b, err := os.ReadFile(lp)
		if err != nil {
			if os.IsNotExist(err) {
				continue // killed before its first write
			}
			t.Fatal(err)
		}
		// A line cut short by the kill was not durably logged: skip it.
		complete := b[:bytes.LastIndexByte(b, '\n')+1]
		for line := range strings.Lines(string(complete)) {
			id, genStr, ok := strings.Cut(strings.TrimSpace(line), " ")
			gen, err := strconv.Atoi(genStr)
			if !ok || err != nil {
				t.Fatalf("%s: bad line %q", lp, line)
			}
			c := s.Profiles[ProfileID(id)]
			if c == nil {
				t.Errorf("profile %s is in %s but not in the store", id, filepath.Base(lp))
				continue
			}
			got, err := strconv.Atoi(strings.TrimPrefix(c.Key.Reveal(), "k-"))
			if err != nil || got < gen {
				t.Errorf("profile %s has key %q, older than the logged k-%d", id, c.Key.Reveal(), gen)
			}
			checked++
		}
	}
	return checked
}

// newCrashStore writes the OpenClaw fixture as the store of a fresh agent
// dir and returns its path.
func newCrashStore(t *testing.T) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL and flock semantics are Unix ones")
	}
	if testing.Short() {
		t.Skip("starts processes")
	}
	if os.Getenv(writerStoreEnv) != "" {
		t.Skip("inside a writer process")
	}
	return writeStoreFile(t, storeFixture(t, "openclaw.json"))
}

// TestStoreSurvivesKill kills a writer at random points of its loop, many
// times over: the store must always load and keep every logged write.
func TestStoreSurvivesKill(t *testing.T) {
	path := newCrashStore(t)
	dir := filepath.Dir(path)
	const rounds = 30
	var logs []string
	checked, midWrite := 0, 0
	for round := range rounds {
		name := fmt.Sprintf("r%02d", round)
		logPath := filepath.Join(dir, name+".log")
		logs = append(logs, logPath)
		w := startWriter(t, path, logPath, name)
		if err := w.killAfter(1 + rand.IntN(12)); err != nil {
			t.Fatal(err)
		}
		checked += checkStoreAgainstLogs(t, path, logs)
		if t.Failed() {
			t.Fatalf("round %d failed", round)
		}
		// The next writer's first write removes this kill's temporary file.
		midWrite += len(storeTemps(t, path))
	}
	if checked == 0 {
		t.Error("no writer logged a write: the test checked nothing")
	}
	t.Logf("%d logged writes checked; %d of %d kills landed inside atomicfile.WriteFile", checked, midWrite, rounds)

	// The next write removes the temporary files the kills left.
	if _, err := UpdateStore(t.Context(), path, func(s *Store) (bool, error) {
		s.Delete("openai:r00-0")
		return true, nil
	}); err != nil {
		t.Fatal(err)
	}
	if left := storeTemps(t, path); len(left) > 0 {
		t.Errorf("temporary files left after a write: %v", left)
	}
}

// storeTemps lists the temporary files of atomicfile.WriteFile for path.
func storeTemps(t *testing.T, path string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "."+filepath.Base(path)+".tmp-") {
			out = append(out, e.Name())
		}
	}
	return out
}

// TestStoreKillConcurrentWriters runs three writer processes at once on the
// same store and kills them at random points: the lock must keep every
// logged write of every writer.
func TestStoreKillConcurrentWriters(t *testing.T) {
	path := newCrashStore(t)
	dir := filepath.Dir(path)
	const rounds, writers = 4, 3
	var logs []string
	checked := 0
	for round := range rounds {
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		for i := range writers {
			name := fmt.Sprintf("c%d-w%d", round, i)
			logPath := filepath.Join(dir, name+".log")
			logs = append(logs, logPath)
			w := startWriter(t, path, logPath, name)
			marks := 6 + rand.IntN(20)
			wg.Go(func() { errs <- w.killAfter(marks) })
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		checked += checkStoreAgainstLogs(t, path, logs)
		if t.Failed() {
			t.Fatalf("round %d failed", round)
		}
	}
	if checked == 0 {
		t.Error("no writer logged a write: the test checked nothing")
	}
	t.Logf("%d logged writes checked", checked)
}
