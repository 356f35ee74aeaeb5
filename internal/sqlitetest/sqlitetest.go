// Package sqlitetest damages SQLite files on purpose, for the tests of
// what bot says about a broken sessions.db. Only tests import it.
package sqlitetest

import (
	"database/sql"
	"os"
	"testing"

	_ "modernc.org/sqlite" // the "sqlite" driver
)

// Overwrite sets the bytes [from, to) of the file at path to c; span
// computes the range from the file's size.
func Overwrite(t testing.TB, path string, span func(size int) (from, to int), c byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	from, to := span(len(b))
	for i := from; i < to; i++ {
		b[i] = c
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// DamageTable overwrites the root page of table in the database at path,
// which no connection may have open, leaving page 1 and the other tables
// intact: the file still opens, and only a check of table finds it.
func DamageTable(t testing.TB, path, table string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	var root, size int
	err = db.QueryRowContext(t.Context(), "SELECT rootpage FROM sqlite_schema WHERE name = ?", table).Scan(&root)
	if err == nil {
		err = db.QueryRowContext(t.Context(), "PRAGMA page_size").Scan(&size)
	}
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if root < 2 {
		t.Fatalf("table %s has root page %d", table, root)
	}
	Overwrite(t, path, func(int) (int, int) { return (root - 1) * size, root * size }, 0xa5)
}

// Exec runs stmts on the database at path, which no connection may have
// open: for a file as an older bot left it.
func Exec(t testing.TB, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range stmts {
		if _, err := db.ExecContext(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}
