package sessions

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/botgateway/bot/internal/logkeys"
)

// schemaFS holds the migrations, schema/NNNN_name.sql, applied in order.
//
//go:embed schema/*.sql
var schemaFS embed.FS

// migration is one schema file: applying it brings the database to version.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations in order. Versions must run
// 1, 2, 3 … without gaps; TestMigrationsWellFormed holds the files to it.
func migrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "schema/*.sql")
	if err != nil {
		return nil, fmt.Errorf("sessions: list migrations: %w", err)
	}
	ms := make([]migration, 0, len(names))
	for _, n := range names { // fs.Glob sorts, and the names are zero-padded
		base := path.Base(n)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || len(num) != 4 {
			return nil, fmt.Errorf("sessions: migration %s: name must be NNNN_name.sql", base)
		}
		if v != len(ms)+1 {
			return nil, fmt.Errorf("sessions: migration %s: version %d, want %d", base, v, len(ms)+1)
		}
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, fmt.Errorf("sessions: read migration %s: %w", base, err)
		}
		ms = append(ms, migration{version: v, name: base, sql: string(b)})
	}
	return ms, nil
}

// schemaVersion is the schema version this binary writes: the number of the
// last embedded migration, stored in the database as PRAGMA user_version.
var schemaVersion = func() int {
	ms, err := migrations(schemaFS)
	if err != nil {
		panic(err) // a broken embedded file set is a build error
	}
	return len(ms)
}()

// migrate brings the database up to schemaVersion, one write transaction
// per migration. Each transaction re-reads user_version after taking the
// write lock, so two processes opening a fresh file at once apply every
// migration exactly once. A database newer than this binary is refused
// before anything is written.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := migrations(schemaFS)
	if err != nil {
		return err
	}
	v, err := userVersion(ctx, s.wdb)
	if err != nil {
		return s.openError("read schema version", err)
	}
	if v > len(ms) {
		return s.tooNew(v, len(ms))
	}
	for _, m := range ms[v:] {
		if err := s.applyMigration(ctx, m, len(ms)); err != nil {
			return err
		}
	}
	return nil
}

// applyMigration runs m in its own immediate transaction unless another
// process applied it first.
func (s *Store) applyMigration(ctx context.Context, m migration, latest int) error {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return s.openError("begin migration "+m.name, err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	v, err := userVersion(ctx, tx)
	if err != nil {
		return s.openError("read schema version", err)
	}
	switch {
	case v > latest:
		return s.tooNew(v, latest)
	case v >= m.version:
		return nil // another process got there first
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return s.openError("apply migration "+m.name, err)
	}
	// PRAGMA takes no bound parameters; the version is an int we own.
	if _, err := tx.ExecContext(ctx, "PRAGMA user_version = "+strconv.Itoa(m.version)); err != nil {
		return s.openError("apply migration "+m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return s.openError("commit migration "+m.name, err)
	}
	s.log.Info("sessions: applied migration", logkeys.File, s.path, logkeys.Migration, m.name, logkeys.Version, m.version)
	return nil
}

// queryRower is a *sql.DB, *sql.Tx or *sql.Conn.
type queryRower interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// userVersion reads PRAGMA user_version.
func userVersion(ctx context.Context, q queryRower) (int, error) {
	var v int
	err := q.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}

// tooNew is the error for a database written by a newer bot.
func (s *Store) tooNew(have, know int) error {
	return &FileError{Path: s.path, Problem: fmt.Sprintf("has schema version %d but this bot knows only up to %d", have, know),
		Fix: fixUpgrade, Kind: ErrNewerSchema}
}
