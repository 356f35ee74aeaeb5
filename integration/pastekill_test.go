//go:build unix

package integration

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The SIGKILL loop of auth/crash_test.go, extended to paste-token, the
// command that changes two files (the store and bot.json): the bot binary
// is killed at random moments of its run, many times over, and after each
// kill the pair must be consistent — both changed or neither — once the
// next command has started; a run that reported success must never be
// lost. With a config that cannot be written, the store must never change
// at all.

// pasteRun is one paste-token process of the loop.
type pasteRun struct {
	id     string // the profile it stores and declares
	token  string
	killed bool
	ok     bool // exited 0: the user was told it worked
}

// startPaste starts paste-token for id as the home's user.
func (h *ownedHome) startPaste(id, token string) (*exec.Cmd, *strings.Builder) {
	h.t.Helper()
	cmd := exec.Command(h.bin, "models", "auth", "paste-token", "--provider", "anthropic", "--profile-id", id)
	cmd.Dir = h.Home
	cmd.Env = []string{"HOME=" + h.Home, "PATH=" + os.Getenv("PATH")}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: h.u.cred}
	cmd.Stdin = strings.NewReader(token)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		h.t.Fatal(err)
	}
	return cmd, &out
}

// runPaste runs paste-token for id, killing it with SIGKILL after delay
// unless it ends first (a zero delay never kills).
func (h *ownedHome) runPaste(id, token string, delay time.Duration) pasteRun {
	h.t.Helper()
	cmd, out := h.startPaste(id, token)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	if delay > 0 {
		select {
		case err = <-done:
		case <-time.After(delay):
			cmd.Process.Kill()
			err = <-done
		}
	} else {
		err = <-done
	}
	r := pasteRun{id: id, token: token, ok: err == nil}
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == -1 {
		r.killed = true
	} else if err != nil && !strings.Contains(out.String(), "nothing was changed") {
		h.t.Fatalf("paste-token %s: %v\n%s", id, err, out)
	}
	return r
}

// pasteDuration measures one whole paste-token run, to spread the kills
// over it.
func (h *ownedHome) pasteDuration(id, token string) time.Duration {
	h.t.Helper()
	start := time.Now()
	h.runPaste(id, token, 0)
	return time.Since(start)
}

// leftovers lists the journals and temporary files in the state tree.
func (h *ownedHome) leftovers() []string {
	h.t.Helper()
	var out []string
	for _, dir := range []string{".bot", ".bot/agents/main/agent"} {
		entries, err := os.ReadDir(h.Path(dir))
		if err != nil {
			h.t.Fatal(err)
		}
		for _, e := range entries {
			if strings.Contains(e.Name(), ".txn") || strings.Contains(e.Name(), ".tmp-") {
				out = append(out, filepath.Join(dir, e.Name()))
			}
		}
	}
	return out
}

// pasteKillRounds is the number of kills of each loop.
const pasteKillRounds = 60

// setupPad makes the pasted tokens as long as a whole setup-token (at
// least 80 characters), which paste-token checks for Anthropic.
const setupPad = "-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// TestPasteTokenSurvivesKill: paste-token killed at random moments, with a
// config that can be written and with one that cannot.
func TestPasteTokenSurvivesKill(t *testing.T) {
	u := newAsUser(t)

	t.Run("config writable", func(t *testing.T) {
		h := newStateHome(t, u)
		h.write(".bot/bot.json", `{"auth": {"profiles": {"anthropic:work": {"provider": "anthropic", "mode": "api_key"}}}}`+"\n", 0o600)
		d := h.pasteDuration("anthropic:warmup", "sk-ant-oat01-warmup-0123456789"+setupPad)
		var runs []pasteRun
		kills, midCommit := 0, 0
		for i := range pasteKillRounds {
			id := fmt.Sprintf("anthropic:k%02d", i)
			r := h.runPaste(id, fmt.Sprintf("sk-ant-oat01-kill-%02d-0123456789"+setupPad, i), 1+rand.N(d+d/4))
			runs = append(runs, r)
			if r.killed {
				kills++
				if len(h.leftovers()) > 0 {
					midCommit++
				}
			}
			// The next command finishes or undoes what the kill left.
			if _, stderr, code := h.bot("", "models", "status"); code != 0 {
				t.Fatalf("models status after round %d: exit %d\n%s", i, code, stderr)
			}
			checkPairs(t, h, runs)
			if t.Failed() {
				t.Fatalf("round %d (killed %v)", i, r.killed)
			}
		}
		// A kill inside the first journal write leaves only that write's
		// temporary file, which no reader looks for: the next writer
		// removes it, as it removes any write's (atomicfile.RemoveTemps).
		h.runPaste("anthropic:last", "sk-ant-oat01-last-0123456789"+setupPad, 0)
		if left := h.leftovers(); len(left) > 0 {
			t.Errorf("left behind after the next writer: %v", left)
		}
		succeeded := 0
		for _, r := range runs {
			if r.ok {
				succeeded++
			}
		}
		t.Logf("%d runs, %d killed (%d mid-commit, recovered by the next command), %d completed; 0 lost, 0 half-written pairs", len(runs), kills, midCommit, succeeded)
		if kills == 0 {
			t.Error("no run was killed: the loop checked nothing")
		}
	})

	t.Run("config not writable", func(t *testing.T) {
		h := newStateHome(t, u)
		h.write(".bot/bot.json", "{}\n", 0o600)
		h.write(".bot/bot.json.lock", "", 0o600)
		d := h.pasteDuration("anthropic:warmup", "sk-ant-oat01-warmup-0123456789"+setupPad)
		h.own(".bot", u.me, 0o500) // the config's directory: read-only
		store, cfg := h.pair()
		kills, refused, changed := 0, 0, 0
		for i := range pasteKillRounds {
			r := h.runPaste(fmt.Sprintf("anthropic:k%02d", i), fmt.Sprintf("sk-ant-oat01-kill-%02d-0123456789"+setupPad, i), 1+rand.N(d+d/4))
			switch {
			case r.killed:
				kills++
			case r.ok:
				t.Fatalf("round %d: paste-token succeeded with a read-only config", i)
			default:
				refused++
			}
			if s, c := h.pair(); s != store || c != cfg {
				changed++
				t.Errorf("round %d (killed %v): the store or the config changed", i, r.killed)
			}
			if left := h.leftovers(); len(left) > 0 {
				t.Errorf("round %d: left behind: %v", i, left)
			}
		}
		h.own(".bot", u.me, 0o700)
		t.Logf("%d runs: %d killed, %d refused whole; store or config changed: %d", pasteKillRounds, kills, refused, changed)
		if kills == 0 || refused == 0 {
			t.Errorf("%d kills, %d refusals: the loop did not cover both", kills, refused)
		}
	})
}

// checkPairs checks every run so far against the store and the config:
// each profile is in both (with its own token) or in neither, and a run
// that succeeded is in both.
func checkPairs(t *testing.T, h *ownedHome, runs []pasteRun) {
	t.Helper()
	store, cfg := h.pair()
	for _, r := range runs {
		inStore := strings.Contains(store, `"`+r.id+`"`)
		inConfig := strings.Contains(cfg, `"`+r.id+`"`)
		if inStore && !strings.Contains(store, r.token) {
			t.Errorf("%s is in the store without its token", r.id)
		}
		switch {
		case inStore != inConfig:
			t.Errorf("%s: in the store %v, declared in the config %v (killed %v)", r.id, inStore, inConfig, r.killed)
		case r.ok && !inStore:
			t.Errorf("%s: paste-token succeeded but the profile is lost", r.id)
		}
	}
}

// pair returns the content of the store and of the config.
func (h *ownedHome) pair() (store, cfg string) {
	h.t.Helper()
	s, err := os.ReadFile(h.Path(nobodyStoreAt))
	if err != nil {
		h.t.Fatal(err)
	}
	c, err := os.ReadFile(h.Path(".bot/bot.json"))
	if err != nil {
		h.t.Fatal(err)
	}
	return string(s), string(c)
}
