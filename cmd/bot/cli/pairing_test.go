package cli

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/botgateway/bot/config"
	"github.com/botgateway/bot/internal/sqlitetest"
	"github.com/botgateway/bot/internal/testenv"
	"github.com/botgateway/bot/sessions"
)

// TestPairingApprove: a stranger's pending request is listed; approving
// its code (any case) adds the user to the channel's allowFrom in bot.json,
// keeping the rest of the file, and forgets the request; a second approval
// or an unknown code is one line with the way to list them, exit 1.
func TestPairingApprove(t *testing.T) {
	e := testenv.New(t)
	e.Config(`{
  // the owner's own id
  "channels": {"telegram": {"allowFrom": [42]}}
}`)
	paths, err := config.ResolvePaths(e.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	code := pendingPairing(t, e, "telegram", "555", "Ada\x1b[31m Lovelace")
	bot := func(args ...string) (string, string, int) { return botRun(e.Getenv, args...) }
	if out, errOut, n := bot("pairing", "list"); n != 0 || !strings.Contains(out, "telegram  555      Ada Lovelace  "+code+"  <1m ") {
		t.Fatalf("pairing list = %d\n%s%s", n, out, errOut)
	}
	out, errOut, n := bot("pairing", "approve", "telegram", strings.ToLower(code))
	if n != 0 || out != "Approved telegram user 555: added to channels.telegram.allowFrom in ~/.bot/bot.json. A running bot gateway picks it up without a restart.\n" {
		t.Fatalf("approve = %d\n%s%s", n, out, errOut)
	}
	f, err := config.Load(paths.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Config.Channels.Telegram.AllowFrom; strings.Join(got, ",") != "42,555" {
		t.Errorf("allowFrom = %q, want 42 and 555", got)
	}
	if b, _ := os.ReadFile(e.ConfigPath()); !strings.Contains(string(b), "// the owner's own id") {
		t.Errorf("bot.json lost its comment:\n%s", b)
	}
	_, errOut, n = bot("pairing", "approve", "telegram", code)
	if want := `no pending telegram pairing request with code "` + code + `" (codes are valid for an hour); list them with: bot pairing list`; n != 1 || !strings.Contains(errOut, want) {
		t.Errorf("second approve = %d, %q; want 1 and %q", n, errOut, want)
	}
	if out, _, n := bot("pairing", "list"); n != 0 || out != "No pending pairing requests.\n" {
		t.Errorf("pairing list after approve = %d %q", n, out)
	}
}

// TestPairingDeny: a denied code is refused by approve and by a second
// deny, and the request leaves the list.
func TestPairingDeny(t *testing.T) {
	e := testenv.New(t)
	code := pendingPairing(t, e, "discord", "123456789012345678", "Mallory")
	bot := func(args ...string) (string, string, int) { return botRun(e.Getenv, args...) }
	out, errOut, n := bot("pairing", "deny", "discord", code)
	if n != 0 || !strings.HasPrefix(out, "Denied discord user 123456789012345678 (Mallory): the code no longer works, and they get no new one before ") {
		t.Fatalf("deny = %d\n%s%s", n, out, errOut)
	}
	for _, args := range [][]string{{"pairing", "approve", "discord", code}, {"pairing", "deny", "discord", code}} {
		if _, errOut, n := bot(args...); n != 1 || !strings.Contains(errOut, "no pending discord pairing request with code") {
			t.Errorf("%v after deny = %d, %q", args, n, errOut)
		}
	}
	if out, _, _ := bot("pairing", "list"); out != "No pending pairing requests.\n" {
		t.Errorf("list after deny = %q", out)
	}
	if b, err := os.ReadFile(e.ConfigPath()); err == nil && strings.Contains(string(b), "123456789012345678") {
		t.Errorf("a denied user reached bot.json:\n%s", b)
	}
}

// pendingPairing records a stranger's pairing request in e's sessions.db,
// as a gateway does on their DM, and returns its code.
func pendingPairing(t *testing.T, e *testenv.Env, channel, user, name string) string {
	t.Helper()
	paths, err := config.ResolvePaths(e.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	st, err := sessions.Open(context.Background(), paths.SessionsDB(), sessions.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	code, _, err := st.RequestPairing(context.Background(), channel, user, name)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// botRun runs bot in-process with args, no stdin and getenv, and returns
// its stdout, stderr and exit code.
func botRun(getenv func(string) string, args ...string) (stdout, stderr string, code int) {
	var o, e bytes.Buffer
	code = Main(context.Background(), args, strings.NewReader(""), &o, &e, getenv)
	return o.String(), e.String(), code
}

// TestPairingListOlderDatabase: a sessions.db of schema 3 (pairing without
// names, as a gateway of the previous release leaves it while it still
// runs) may hold pending requests: pairing list says it cannot read it
// and what upgrades it, never that there are none.
func TestPairingListOlderDatabase(t *testing.T) {
	e := testenv.New(t)
	pendingPairing(t, e, "telegram", "555", "")
	sqlitetest.Exec(t, e.Path(".bot/sessions.db"),
		"ALTER TABLE pairing_requests DROP COLUMN display_name",
		"ALTER TABLE pairing_requests DROP COLUMN denied",
		"PRAGMA user_version = 3")
	out, errOut, n := botRun(e.Getenv, "pairing", "list")
	if n != 1 || strings.Contains(out, "No pending") || !strings.Contains(errOut, "older") || !strings.Contains(errOut, "the next bot chat (or gateway start) upgrades it") {
		t.Errorf("pairing list on an older sessions.db = %d\n%s%s", n, out, errOut)
	}
}
