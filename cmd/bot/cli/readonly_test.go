package cli

import (
	"bytes"
	"context"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/botgateway/bot/internal/providers"
	"github.com/botgateway/bot/internal/sqlitetest"
	"github.com/botgateway/bot/internal/testenv"
)

// fileInfo is what TestReadOnlyCommandsChangeNothing compares of every file
// and directory under HOME.
type fileInfo struct {
	Size  int64
	Mode  fs.FileMode
	MTime int64 // ns
}

// snapshot walks root (without following links) and returns every entry
// below it by relative path; nil when root does not exist.
func snapshot(t *testing.T, root string) map[string]fileInfo {
	t.Helper()
	out := map[string]fileInfo{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		size := fi.Size()
		if fi.IsDir() {
			size = 0 // a directory's size says nothing about its entries
		}
		out[rel] = fileInfo{size, fi.Mode(), fi.ModTime().UnixNano()}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// readOnlyRuns are the commands that only read: none may create, change or
// remove a file or directory, whatever state they find. Exit codes do not
// matter here (a missing credential is exit 1).
var readOnlyRuns = [][]string{
	{"models", "status"},
	{"models", "status", "--check"},
	{"models", "status", "--json"},
	{"models", "status", "--plain"},
	{"models", "status", "--agent", "work"},
	{"models", "list"},
	{"models", "list", "--json"},
	{"models", "auth", "order", "get", "--provider", "anthropic"},
	{"sessions", "list"},
	{"pairing", "list"},
	{"pairing", "list", "--json"},
	{"sessions", "list", "--json", "--agent", "main"},
	{"sessions", "show", "console:local"},
	{"sessions", "show", "console:local", "--json"},
	{"sessions", "show", "console:none"},
	{"sessions", "reset", "console:none"},
	{"sessions", "list", "--agent", "../../etc"},
	{"doctor"},
	{"doctor", "--non-interactive"},
}

// TestReadOnlyCommandsChangeNothing runs every command that only reads
// against several states of HOME (nothing at all; a state directory with a
// config, a credential store and a sessions.db at rest; Claude Code's
// login already synced into the store; an empty sessions.db; one that is
// not a database) and fails on any difference in
// the names, sizes, modes or modification times under HOME: no
// sessions.db, -wal, -shm, .lock file or directory may appear (issue 8,
// item 9).
func TestReadOnlyCommandsChangeNothing(t *testing.T) {
	state := func(t *testing.T, e *testenv.Env) {
		e.Config(`{"auth": {"profiles": {"anthropic:work": {"provider": "anthropic", "mode": "api_key"}}}}`)
		e.Write(".bot/.env", "OPENAI_API_KEY=sk-proj-0123456789abcdef0123\n")
		e.Store("main", `{"version":1,"profiles":{
			"anthropic:work":{"type":"api_key","provider":"anthropic","key":"sk-ant-api03-work-0123456789work"}},
			"order":{"anthropic":["anthropic:work"]}}`)
		// A session and the router's records, written by the commands
		// that write.
		run(t, e.Home, "chat", "--message", "/model haiku@anthropic:work")
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, e *testenv.Env)
	}{
		{"nothing", func(t *testing.T, e *testenv.Env) {}},
		{"state", state},
		{"Claude Code synced", func(t *testing.T, e *testenv.Env) {
			state(t, e)
			e.ClaudeCode(`{"claudeAiOauth":{"accessToken":"sk-ant-oat01-access-0123456789abcdef","refreshToken":"sk-ant-ort01-refresh-0123456789","expiresAt":4102444800000}}`)
			// Loading a store syncs Claude Code's login into it when it
			// is missing there (DESIGN §3), a write: once per agent.
			run(t, e.Home, "models", "status")
			run(t, e.Home, "models", "status", "--agent", "work")
		}},
		{"empty sessions.db", func(t *testing.T, e *testenv.Env) {
			state(t, e)
			e.Write(".bot/sessions.db", "")
		}},
		{"sessions.db not a database", func(t *testing.T, e *testenv.Env) {
			state(t, e)
			e.Write(".bot/sessions.db", strings.Repeat("not a database\n", 300))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := testenv.New(t)
			home := e.Home
			tt.setup(t, e)
			before := snapshot(t, home)
			for _, args := range readOnlyRuns {
				run(t, home, args...)
				if diff := cmp.Diff(before, snapshot(t, home)); diff != "" {
					t.Fatalf("bot %s changed HOME (-before +after):\n%s", strings.Join(args, " "), diff)
				}
			}
		})
	}
}

// TestDamagedSessionsReported checks a sessions.db that opens but whose
// sessions table is damaged: models status --check and doctor say so, with
// the fix, and exit 1 (issue 8, item 9); plain status still exits 0.
func TestDamagedSessionsReported(t *testing.T) {
	e := testenv.New(t)
	home := e.Home
	e.Store("main", `{"version":1,"profiles":{
		"anthropic:work":{"type":"api_key","provider":"anthropic","key":"sk-ant-api03-work-0123456789work"}}}`)
	if code, out := runOut(t, home, "chat", "--message", "/model haiku"); code != 0 {
		t.Fatalf("bot chat: exit %d\n%s", code, out)
	}
	sqlitetest.DamageTable(t, filepath.Join(home, ".bot", "sessions.db"), "sessions")
	const want = "~/.bot/sessions.db is damaged ("
	for _, tt := range []struct {
		args []string
		code int
	}{
		{[]string{"models", "status", "--check"}, 1},
		{[]string{"doctor"}, 1},
		{[]string{"models", "status"}, 0},
	} {
		code, out := runOut(t, home, tt.args...)
		if code != tt.code || (tt.code != 0 && !strings.Contains(out, want)) || (tt.code != 0 && !strings.Contains(out, "move it aside")) {
			t.Errorf("bot %s: exit %d, want %d and %q\n%s", strings.Join(tt.args, " "), code, tt.code, want, out)
		}
	}
}

// run runs bot in-process with HOME as its home, every provider pointed at
// a closed port, and returns its exit code.
func run(t *testing.T, home string, args ...string) int {
	t.Helper()
	code, _ := runOut(t, home, args...)
	return code
}

// runOut is run that also returns stdout and stderr together.
func runOut(t *testing.T, home string, args ...string) (int, string) {
	t.Helper()
	env := map[string]string{"HOME": home}
	for _, k := range append(providers.EndpointVars(), "BOT_TELEGRAM_API_URL", "BOT_DISCORD_API_URL") {
		env[k] = "http://127.0.0.1:1" // no call leaves the machine
	}
	var out bytes.Buffer
	code := Main(context.Background(), args, strings.NewReader(""), &out, &out, func(k string) string { return env[k] })
	t.Logf("bot %s: exit %d\n%s", strings.Join(args, " "), code, out.String())
	return code, out.String()
}
