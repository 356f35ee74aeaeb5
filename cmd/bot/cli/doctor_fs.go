package cli

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/botgateway/bot/internal/doctor"
)

// filesystem reports a state dir on a network file system: SQLite's
// locks and write-ahead log are not reliable there (sessions.db may be
// damaged by two hosts, or by one), nor is the credential store's lock.
// A state dir that does not exist yet is judged by the directory it will
// be made in.
func (d *doctorRun) filesystem(_ context.Context, r *doctor.Report) {
	dir := d.paths.StateDir
	for {
		if _, err := os.Stat(dir); err == nil || !errors.Is(err, fs.ErrNotExist) {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return
		}
		dir = parent
	}
	if name, ok := networkFS(dir); ok {
		show := d.paths.Display(d.paths.StateDir)
		r.Problem(show+" is on a network file system ("+name+"): SQLite's locking and write-ahead log do not work reliably there, so sessions.db may be damaged. Set BOT_STATE_DIR to a directory on a local disk (and move the files there).",
			"set BOT_STATE_DIR to a local directory", nil)
	}
}
