//go:build unix

package safefile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"syscall"
	"testing"
)

// TestDeniedMessage pins the wording of a permission error: the operation,
// the file, what stops it when that is a directory above, and the command
// that fixes it. (Denied itself needs a user who is not root; see
// integration/denied_test.go.)
func TestDeniedMessage(t *testing.T) {
	home := func(p string) string { return strings.Replace(p, "/home/alice", "~", 1) }
	const me = 1000
	tests := []struct {
		e    DeniedError
		want string
	}{
		{DeniedError{Op: "open", Path: "/home/alice/.bot/sessions.db", At: "/home/alice/.bot/sessions.db", Owner: me, Want: me},
			"cannot open ~/.bot/sessions.db: permission denied; run: chmod 600 ~/.bot/sessions.db"},
		{DeniedError{Op: "open", Path: "/home/alice/.bot/sessions.db", At: "/home/alice/.bot", Dir: true, Owner: me, Want: me},
			"cannot open ~/.bot/sessions.db: permission denied on ~/.bot; run: chmod 700 ~/.bot"},
		{DeniedError{Op: "open", Path: "/home/alice/.bot/bot.json", At: "/home/alice/.bot/bot.json", Owner: 0, Want: me},
			fmt.Sprintf("cannot open ~/.bot/bot.json: permission denied; run: sudo chown %s ~/.bot/bot.json", userName(me))},
		{DeniedError{Op: "create", Path: "/home/alice/.bot/agents", At: "/home/alice/.bot", Dir: true, Owner: me, Want: 0},
			"cannot create ~/.bot/agents: permission denied on ~/.bot; run: chown root ~/.bot"},
		{DeniedError{Op: "open", Path: "/home/alice/.bot/.sessions.db.tmp-42", At: "/home/alice/.bot", Dir: true, Create: true, Owner: me, Want: me},
			"cannot create a file in ~/.bot: permission denied; run: chmod 700 ~/.bot"},
	}
	for _, tt := range tests {
		if got := tt.e.Message(home); got != tt.want {
			t.Errorf("Message() = %q, want %q", got, tt.want)
		}
	}
}

// TestDeniedOnlyPermission: Denied explains permission errors on paths and
// nothing else.
func TestDeniedOnlyPermission(t *testing.T) {
	dir := t.TempDir()
	for _, err := range []error{
		nil,
		errors.New("permission denied"),
		&fs.PathError{Op: "open", Path: dir + "/x", Err: syscall.ENOENT},
		fmt.Errorf("wrapped: %w", &fs.PathError{Op: "read", Path: dir, Err: syscall.EISDIR}),
	} {
		if d := Denied(err); d != nil {
			t.Errorf("Denied(%v) = %v, want nil", err, d)
		}
	}
	path := dir + "/sessions.db"
	d := Denied(fmt.Errorf("sessions: %w", &fs.PathError{Op: "open", Path: path, Err: syscall.EACCES}))
	if d == nil {
		t.Fatal("Denied of a wrapped EACCES = nil")
	}
	// The file does not exist: what stops its creation is the directory.
	if d.Path != path || d.At != dir || !d.Dir || !d.Create || d.Owner != os.Geteuid() {
		t.Errorf("Denied = %+v, want the directory %s, owned by us, to stop it", d, dir)
	}
	if !errors.Is(d, fs.ErrPermission) {
		t.Error("a DeniedError does not match fs.ErrPermission")
	}
}
