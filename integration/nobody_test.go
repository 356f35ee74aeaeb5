//go:build unix

package integration

import (
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/botgateway/bot/internal/testenv"
)

// The OpenSSH-style refusals of files another user owns, seen as a user
// who is not root: the suite runs as root in CI, and root's own checks would
// prove nothing about a user's, so the bot binary runs as uid/gid 65534
// (nobody) on files prepared for it. A test run by a user who is not root
// runs the binary as itself instead and gives files away with chown (which
// needs CAP_CHOWN); without either, it skips.

// nobodyUID is the unprivileged uid (and gid) the binary runs as under root.
const nobodyUID = 65534

// asUser is how the refusal tests run the binary: as whom, and who the
// "other" owner of the files it must refuse is.
type asUser struct {
	cred  *syscall.Credential // nil: as the test's own user
	me    int                 // the uid the binary runs as
	other int                 // another user's uid, for files it must refuse
}

// newAsUser picks the user the binary runs as, or skips the test.
func newAsUser(t *testing.T) asUser {
	t.Helper()
	if os.Geteuid() == 0 {
		return asUser{cred: &syscall.Credential{Uid: nobodyUID, Gid: nobodyUID, NoSetGroups: true}, me: nobodyUID, other: 0}
	}
	probe := filepath.Join(t.TempDir(), "probe")
	if err := os.WriteFile(probe, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(probe, nobodyUID, nobodyUID); err != nil {
		t.Skipf("not root and cannot chown (%v): the owner refusals need files of another user; run the tests as root to check them", err)
	}
	return asUser{me: os.Geteuid(), other: nobodyUID}
}

// ownedLine is bot's refusal of rel (under HOME) when it belongs to the
// other user, with tail before the fix (", so its variables are ignored").
// The binary never runs as root here, so the fix is sudo's.
func (u asUser) ownedLine(rel, tail string) string {
	return "~/" + rel + " is owned by " + name(u.other) + ", not by " + name(u.me) + ", the user bot runs as" + tail +
		"; run: sudo chown " + name(u.me) + " ~/" + rel
}

// name returns the login name of uid, as bot prints it.
func name(uid int) string {
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
		return u.Username
	}
	return strconv.Itoa(uid)
}

// ownedHome is a HOME for the binary's user: every file and directory
// under it is theirs unless a test gives it away.
type ownedHome struct {
	*testenv.Env
	t   *testing.T
	u   asUser
	bin string
}

// newOwnedHome builds the binary where the user can run it and prepares an
// empty HOME owned by them, in directories they can traverse.
func newOwnedHome(t *testing.T, u asUser) *ownedHome {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin, err := buildBot()
	if err != nil {
		t.Fatal(err)
	}
	// os.MkdirTemp makes 0700 directories: let the user reach the binary.
	if err := os.Chmod(filepath.Dir(bin), 0o755); err != nil {
		t.Fatal(err)
	}
	env := testenv.New(t)
	// The test's temp root is 0700 too: let the user reach HOME in it.
	if err := os.Chmod(filepath.Dir(env.Home), 0o755); err != nil {
		t.Fatal(err)
	}
	h := &ownedHome{Env: env, t: t, u: u, bin: bin}
	h.mkdir("", 0o700)
	return h
}

// mkdir creates the directory rel (and its parents) with mode, owned by the
// binary's user.
func (h *ownedHome) mkdir(rel string, mode os.FileMode) {
	h.t.Helper()
	p := h.Path(rel)
	if err := os.MkdirAll(p, 0o700); err != nil {
		h.t.Fatal(err)
	}
	h.own(rel, h.u.me, mode)
}

// write creates the file rel with content and mode, owned by the binary's
// user; its directory must exist.
func (h *ownedHome) write(rel, content string, mode os.FileMode) {
	h.t.Helper()
	h.Write(rel, content)
	h.own(rel, h.u.me, mode)
}

// own gives rel to uid (and its gid) with mode.
func (h *ownedHome) own(rel string, uid int, mode os.FileMode) {
	h.t.Helper()
	p := h.Path(rel)
	if err := os.Lchown(p, uid, uid); err != nil {
		h.t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		h.t.Fatal(err)
	}
}

// bot runs the binary as the user with stdin, in HOME, and returns its
// stdout, stderr and exit code.
func (h *ownedHome) bot(stdin string, args ...string) (string, string, int) {
	h.t.Helper()
	cmd := exec.Command(h.bin, args...)
	cmd.Dir = h.Home
	cmd.Env = []string{"HOME=" + h.Home, "PATH=" + os.Getenv("PATH"),
		"ANTHROPIC_BASE_URL=http://127.0.0.1:1", "OPENAI_BASE_URL=http://127.0.0.1:1"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: h.u.cred}
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		h.t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code
}

const (
	nobodyStore   = `{"version":1,"profiles":{"anthropic:work":{"type":"api_key","provider":"anthropic","key":"sk-ant-api03-work-0123456789abcdef"}}}`
	nobodyStoreAt = ".bot/agents/main/agent/auth-profiles.json"
)

// newStateHome is an ownedHome with ~/.bot, the main agent's store and an
// empty bot.json, all private and the user's.
func newStateHome(t *testing.T, u asUser) *ownedHome {
	h := newOwnedHome(t, u)
	h.mkdir(".bot/agents/main/agent", 0o700)
	h.mkdir(".bot/agents/main", 0o700)
	h.mkdir(".bot/agents", 0o700)
	h.mkdir(".bot", 0o700)
	h.write(nobodyStoreAt, nobodyStore, 0o600)
	h.write(".bot/bot.json", "{}\n", 0o600)
	return h
}

// TestRefusesFilesOfAnotherUser: as a user who is not root, a store, a
// config or a .env that another user owns is refused (even when its mode
// is right and the user can read it), with one line naming the file and the
// chown that fixes it; files the user owns but group or others may write
// are refused with the chmod. Each case starts from a HOME that works.
func TestRefusesFilesOfAnotherUser(t *testing.T) {
	u := newAsUser(t)
	tests := []struct {
		name    string
		spoil   func(h *ownedHome)
		args    []string
		stdin   string
		code    int
		stderr  string // the whole of stderr
		stdout  string // a part of stdout
		storeIs string // the store's content afterwards ("" = as planted)
	}{
		{
			name:   "all mine",
			spoil:  func(*ownedHome) {},
			args:   []string{"models", "status"},
			stdout: "anthropic:work",
		},
		{
			name:   "store of another user",
			spoil:  func(h *ownedHome) { h.own(nobodyStoreAt, u.other, 0o644) },
			args:   []string{"models", "status"},
			code:   1,
			stderr: u.ownedLine(nobodyStoreAt, "") + "\n",
		},
		{
			name:   "store of another user, paste-token",
			spoil:  func(h *ownedHome) { h.own(nobodyStoreAt, u.other, 0o644) },
			args:   []string{"models", "auth", "paste-token", "--provider", "anthropic", "--profile-id", "anthropic:work"},
			stdin:  "sk-ant-oat01-new-0123456789abcdef-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ",
			code:   1,
			stderr: u.ownedLine(nobodyStoreAt, "") + "\n",
		},
		{
			name:   "config of another user",
			spoil:  func(h *ownedHome) { h.own(".bot/bot.json", u.other, 0o644) },
			args:   []string{"models", "status"},
			code:   1,
			stderr: u.ownedLine(".bot/bot.json", "") + "\n",
		},
		{
			name: "state .env of another user",
			spoil: func(h *ownedHome) {
				h.write(".bot/.env", "OPENAI_API_KEY=sk-openai-planted-0123456789\n", 0o644)
				h.own(".bot/.env", u.other, 0o644)
			},
			args:   []string{"models", "status"},
			stderr: u.ownedLine(".bot/.env", ", so its variables are ignored") + "\n",
			stdout: "anthropic:work",
		},
		{
			name:   "store writable by group",
			spoil:  func(h *ownedHome) { h.own(nobodyStoreAt, u.me, 0o660) },
			args:   []string{"models", "status"},
			code:   1,
			stderr: "~/" + nobodyStoreAt + " is writable by group or others; run: chmod 600 ~/" + nobodyStoreAt + "\n",
		},
		{
			name:   "agent dir writable by others",
			spoil:  func(h *ownedHome) { h.own(".bot/agents/main/agent", u.me, 0o707) },
			args:   []string{"models", "auth", "order", "get", "--provider", "anthropic"},
			code:   1,
			stderr: "~/.bot/agents/main/agent is writable by group or others; run: chmod go-w ~/.bot/agents/main/agent\n",
		},
		{
			name:   "state dir writable by group",
			spoil:  func(h *ownedHome) { h.own(".bot", u.me, 0o770) },
			args:   []string{"models", "status"},
			code:   1,
			stderr: "~/.bot is writable by group or others; run: chmod go-w ~/.bot\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newStateHome(t, u)
			tt.spoil(h)
			stdout, stderr, code := h.bot(tt.stdin, tt.args...)
			if code != tt.code || stderr != tt.stderr || !strings.Contains(stdout, tt.stdout) {
				t.Errorf("bot %s: exit %d, want %d\nstderr:\n%s\nwant:\n%s\nstdout:\n%s",
					strings.Join(tt.args, " "), code, tt.code, stderr, tt.stderr, stdout)
			}
			if strings.Contains(stdout, "planted") || strings.Contains(stdout, "OPENAI_API_KEY") {
				t.Errorf("a variable of the refused .env was used:\n%s", stdout)
			}
			if b, err := os.ReadFile(h.Path(nobodyStoreAt)); err != nil || string(b) != nobodyStore {
				t.Errorf("the store changed: %q, %v", b, err)
			}
		})
	}
}

// TestDoctorOwnersAsUser: doctor, run as a user who is not root, names
// every file and directory of another user with the chown that fixes it,
// and --fix changes their owner or mode never; its own files' modes it
// fixes.
func TestDoctorOwnersAsUser(t *testing.T) {
	u := newAsUser(t)
	h := newStateHome(t, u)
	h.own(nobodyStoreAt, u.other, 0o644)
	h.own(".bot/agents/main", u.other, 0o755)
	h.own(".bot/bot.json", u.me, 0o640)
	for _, fix := range []bool{false, true} {
		args := []string{"doctor", "--non-interactive"}
		if fix {
			args = append(args, "--fix")
		}
		stdout, stderr, code := h.bot("", args...)
		if code != 1 {
			t.Errorf("bot %s: exit %d, want 1\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, stdout, stderr)
		}
		for _, want := range []string{
			"- problem: " + u.ownedLine(nobodyStoreAt, "") + "\n",
			"- problem: " + u.ownedLine(".bot/agents/main", "") + "\n",
		} {
			if !strings.Contains(stdout, want) {
				t.Errorf("bot %s: stdout lacks %q:\n%s", strings.Join(args, " "), want, stdout)
			}
		}
		wantConfig := "- problem: ~/.bot/bot.json is mode 640, readable by group or others; run: bot doctor --fix (sets 600)\n"
		if fix {
			wantConfig = "- note: ~/.bot/bot.json: mode 640 set to 600\n"
		}
		if !strings.Contains(stdout, wantConfig) {
			t.Errorf("bot %s: stdout lacks %q:\n%s", strings.Join(args, " "), wantConfig, stdout)
		}
	}
	for rel, want := range map[string]struct {
		uid  int
		mode os.FileMode
	}{
		nobodyStoreAt:      {u.other, 0o644},
		".bot/agents/main": {u.other, 0o755},
		".bot/bot.json":    {u.me, 0o600},
	} {
		fi, err := os.Lstat(h.Path(rel))
		if err != nil {
			t.Fatal(err)
		}
		if uid := int(fi.Sys().(*syscall.Stat_t).Uid); uid != want.uid || fi.Mode().Perm() != want.mode {
			t.Errorf("%s after doctor --fix: uid %d mode %o, want uid %d mode %o", rel, uid, fi.Mode().Perm(), want.uid, want.mode)
		}
	}
}
