package sessions

import (
	"database/sql"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/botgateway/bot/internal/logtest"
	"github.com/botgateway/bot/internal/sqlitetest"
)

// TestRestart checks that a pin, the model and the history survive Close
// and a new Open, as across a restart of bot.
func TestRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sessions.db")
	s, err := Open(t.Context(), path, Options{Now: newClock().Now, Logger: logtest.New(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if err := s.SetModelAndPin(ctx, agent, key, "anthropic/a", "anthropic:work", SourceUser); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendTurn(ctx, agent, key, RoleUser, "hello"); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordFailure(ctx, "anthropic:work", "rate_limit", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}

	s2 := openAt(t, path, nil, Options{})
	got, ok := mustGet(t, s2, agent, key)
	want := sess("anthropic/a", "anthropic:work", SourceUser)
	if diff := cmp.Diff(want, got); !ok || diff != "" {
		t.Errorf("after restart, ok=%v (-want +got):\n%s", ok, diff)
	}
	if h, err := s2.History(ctx, agent, key, 0); err != nil || len(h) != 1 {
		t.Errorf("history after restart = %v, %v", h, err)
	}
	if u := s2.ProfileUsage("anthropic:work"); u.ErrorCount != 1 || !u.CooldownUntil.Equal(t0.Add(time.Minute)) {
		t.Errorf("usage after restart = %+v", u)
	}
}

// TestTwoStores opens two Stores on one file, as two processes would: a
// write through one is visible to a fresh Open, and to the other Store once
// its Recheck interval has passed.
func TestTwoStores(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sessions.db")
	ca, cb := newClock(), newClock()
	a := openAt(t, path, ca, Options{})
	b := openAt(t, path, cb, Options{Recheck: time.Second})
	ctx := t.Context()

	if _, ok := mustGet(t, b, agent, key); ok {
		t.Fatal("session exists before any write")
	}
	if err := a.SetModelAndPin(ctx, agent, key, "anthropic/a", "anthropic:work", SourceUser); err != nil {
		t.Fatal(err)
	}
	if err := a.RecordSuccess(ctx, "anthropic", "anthropic:work"); err != nil {
		t.Fatal(err)
	}

	fresh := openAt(t, path, nil, Options{})
	if got, ok := mustGet(t, fresh, agent, key); !ok || got.Profile != "anthropic:work" {
		t.Errorf("fresh Open sees %+v, %v", got, ok)
	}
	if got := fresh.LastGood("anthropic"); got != "anthropic:work" {
		t.Errorf("fresh Open: LastGood = %q", got)
	}

	// b cached "absent" and has not rechecked yet.
	if _, ok := mustGet(t, b, agent, key); ok {
		t.Error("b saw a's write before its recheck interval passed (the test's assumption is wrong)")
	}
	cb.Advance(time.Second)
	if got, ok := mustGet(t, b, agent, key); !ok || got.Profile != "anthropic:work" {
		t.Errorf("b after recheck sees %+v, %v", got, ok)
	}
	if got := b.LastGood("anthropic"); got != "anthropic:work" {
		t.Errorf("b after recheck: LastGood = %q", got)
	}

	// A write through b is built on the disk state, not on b's memory.
	if _, err := a.Delete(ctx, agent, key); err != nil {
		t.Fatal(err)
	}
	if err := b.SetPin(ctx, agent, key, "anthropic:home", SourceAuto); err != nil {
		t.Fatal(err)
	}
	if got, _ := mustGet(t, b, agent, key); got.Model != "" || got.Profile != "anthropic:home" {
		t.Errorf("b after SetPin over a's Delete = %+v, want no model", got)
	}
}

// TestRecheckOff checks that a negative Recheck never looks at disk again.
func TestRecheckOff(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sessions.db")
	c := newClock()
	a := openAt(t, path, nil, Options{})
	b := openAt(t, path, c, Options{Recheck: -1})
	mustGet(t, b, agent, key)
	if err := a.SetModel(t.Context(), agent, key, "anthropic/a"); err != nil {
		t.Fatal(err)
	}
	c.Advance(time.Hour)
	if _, ok := mustGet(t, b, agent, key); ok {
		t.Error("b rechecked with Recheck < 0")
	}
}

// TestPermissions checks the modes of the directory and the files.
func TestPermissions(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	path := filepath.Join(dir, "sessions.db")
	s := openAt(t, path, nil, Options{})
	if err := s.SetModel(t.Context(), agent, key, "anthropic/a"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		want fs.FileMode
	}{
		{dir, 0o700 | fs.ModeDir},
		{path, 0o600},
		{path + "-wal", 0o600},
		{path + "-shm", 0o600},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.path), func(t *testing.T) {
			fi, err := os.Stat(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			if got := fi.Mode() & (fs.ModeDir | fs.ModePerm); got != tt.want {
				t.Errorf("mode = %v, want %v", fi.Mode(), tt.want)
			}
		})
	}
}

// TestAwkwardPath checks a path with the characters a SQLite URI escapes.
func TestAwkwardPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a?b#c%20d e", "sessions.db")
	s := openAt(t, path, nil, Options{})
	if err := s.SetModel(t.Context(), agent, key, "anthropic/a"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database not at the given path: %v", err)
	}
	if got, ok := mustGet(t, openAt(t, path, nil, Options{}), agent, key); !ok || got.Model != "anthropic/a" {
		t.Errorf("reopened: %+v, %v", got, ok)
	}
}

// TestNewerSchema checks that a database from a newer bot is refused with
// an error naming the file and the fix, and left untouched.
func TestNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sessions.db")
	s := openAt(t, path, nil, Options{})
	if _, err := s.wdb.ExecContext(t.Context(), "PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	_, err := Open(t.Context(), path, Options{})
	if !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("Open = %v, want ErrNewerSchema", err)
	}
	for _, want := range []string{path, "upgrade bot", "99"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

// TestCorrupt checks that a file that is not a database gets a one-line
// error naming the file and the fix.
func TestCorrupt(t *testing.T) {
	tests := []struct {
		name  string
		write func(t *testing.T, path string)
	}{
		{"text", func(t *testing.T, path string) {
			if err := os.WriteFile(path, []byte(strings.Repeat("not a database\n", 300)), 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{"bad schema page", func(t *testing.T, path string) {
			s, err := Open(t.Context(), path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			sqlitetest.Overwrite(t, path, func(size int) (int, int) { return 100, min(size, 4096) }, 0xa5) // page 1 after the header: sqlite_schema
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "sessions.db")
			tt.write(t, path)
			_, err := Open(t.Context(), path, Options{})
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Open = %v, want ErrCorrupt", err)
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("error is not one line: %q", msg)
			}
			for _, want := range []string{path, "move it aside"} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not mention %q", msg, want)
				}
			}
		})
	}
}

// TestCheck checks the integrity check meant for bot doctor.
func TestCheck(t *testing.T) {
	s := newStore(t, nil, Options{})
	if err := s.Check(t.Context()); err != nil {
		t.Errorf("Check of a new database: %v", err)
	}
}

// TestMigrationsWellFormed checks the embedded files and the loader's
// rules.
func TestMigrationsWellFormed(t *testing.T) {
	ms, err := migrations(schemaFS)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 || schemaVersion != len(ms) {
		t.Fatalf("schemaVersion = %d with %d migrations", schemaVersion, len(ms))
	}
	bad := []struct {
		name string
		fsys fstest.MapFS
	}{
		{"gap", fstest.MapFS{"schema/0001_a.sql": {}, "schema/0003_c.sql": {}}},
		{"not numbered", fstest.MapFS{"schema/init.sql": {}}},
		{"short number", fstest.MapFS{"schema/1_init.sql": {}}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := migrations(tt.fsys); err == nil {
				t.Error("migrations accepted a bad file set")
			}
		})
	}
}

// TestMigrateIdempotent checks that opening an up-to-date file applies
// nothing, and the version stored.
func TestMigrateIdempotent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sessions.db")
	openAt(t, path, nil, Options{})
	openAt(t, path, nil, Options{})
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	v, err := userVersion(t.Context(), db)
	if err != nil || v != schemaVersion {
		t.Errorf("user_version = %d, %v; want %d", v, err, schemaVersion)
	}
}

// TestAllWritesPrepared runs every method once and checks that no hot
// statement ran unprepared (queries.go lists them).
func TestAllWritesPrepared(t *testing.T) {
	s := newStore(t, nil, Options{})
	ctx := t.Context()
	calls := []error{
		s.SetModel(ctx, agent, key, "anthropic/a"),
		s.SetModelAndPin(ctx, agent, key, "anthropic/a", "anthropic:work", SourceUser),
		s.SetPin(ctx, agent, key, "anthropic:work", SourceAuto),
		s.ClearPin(ctx, agent, key),
		s.ResetModel(ctx, agent, key),
		s.AppendTurn(ctx, agent, key, RoleUser, "hi"),
		s.TrimHistory(ctx, agent, key, 1),
		s.NewConversation(ctx, agent, key),
		s.RecordSuccess(ctx, "anthropic", "anthropic:work"),
		s.RecordFailure(ctx, "anthropic:work", "timeout", t0),
		s.ClearCooldown(ctx, "anthropic:work"),
		s.SetRefreshFailed(ctx, "anthropic:work", true),
		s.ResetUsage(ctx, "anthropic:work"),
	}
	_, _, err := s.Get(ctx, agent, "console:other")
	_, herr := s.History(ctx, agent, key, 5)
	_, derr := s.Delete(ctx, agent, key)
	calls = append(calls, err, herr, derr)
	for i, err := range calls {
		if err != nil {
			t.Errorf("call %d: %v", i, err)
		}
	}
	if n := s.unprepared.Load(); n != 0 {
		t.Errorf("%d statements ran unprepared; add them to queries.go", n)
	}
}
