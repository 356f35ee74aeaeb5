package sessions

import (
	"context"
	"database/sql"
	"fmt"
)

// The SQL of the hot paths. Each is prepared once at Open (parsing costs
// about a third of a write, measured), on the write connection or the read
// pool; anything else runs unprepared.

// sessionRow is the tail of the statements that hand back a session row,
// read by scanSession.
const sessionRow = `model, profile, pin_source, created_at, updated_at`

// Reads, prepared on the read pool.
const (
	qLoadSession = `SELECT ` + sessionRow + ` FROM sessions WHERE agent = ?1 AND key = ?2`
	// qHistory reads the newest ?3 turns of a session, newest first.
	qHistory = `SELECT id, role, text, at FROM turns
		WHERE session_id = (SELECT id FROM sessions WHERE agent = ?1 AND key = ?2)
		ORDER BY id DESC LIMIT ?3`
)

// Writes, prepared on the write connection. Session statements take ?1
// agent, ?2 key, ?3 now.
const (
	qSetModelAndPin = `INSERT INTO sessions (agent, key, model, profile, pin_source, created_at, updated_at)
		VALUES (?1, ?2, ?4, ?5, ?6, ?3, ?3)
		ON CONFLICT (agent, key) DO UPDATE SET
			model = excluded.model, profile = excluded.profile,
			pin_source = excluded.pin_source, updated_at = excluded.updated_at
		RETURNING ` + sessionRow
	qSetPin = `INSERT INTO sessions (agent, key, profile, pin_source, created_at, updated_at)
		VALUES (?1, ?2, ?4, ?5, ?3, ?3)
		ON CONFLICT (agent, key) DO UPDATE SET
			profile = excluded.profile, pin_source = excluded.pin_source,
			updated_at = excluded.updated_at
		RETURNING ` + sessionRow
	qClearPin = `UPDATE sessions SET profile = '', pin_source = '', updated_at = ?3
		WHERE agent = ?1 AND key = ?2
		RETURNING ` + sessionRow
	qResetModel = `UPDATE sessions SET model = '', profile = '', pin_source = '', updated_at = ?3
		WHERE agent = ?1 AND key = ?2
		RETURNING ` + sessionRow
	qNewConversation = `UPDATE sessions SET
			profile = CASE pin_source WHEN 'auto' THEN '' ELSE profile END,
			pin_source = CASE pin_source WHEN 'auto' THEN '' ELSE pin_source END,
			updated_at = ?3
		WHERE agent = ?1 AND key = ?2
		RETURNING id, ` + sessionRow
	// qTouchSession also returns the id of the session's newest turn (0
	// for none), which the history cache checks before it appends.
	qTouchSession = `INSERT INTO sessions (agent, key, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)
		ON CONFLICT (agent, key) DO UPDATE SET updated_at = excluded.updated_at
		RETURNING id, (SELECT coalesce(max(t.id), 0) FROM turns t WHERE t.session_id = sessions.id), ` + sessionRow
	qSessionID = `SELECT id FROM sessions WHERE agent = ?1 AND key = ?2`
	// History goes with the row: turns.session_id is ON DELETE CASCADE.
	qDeleteSession = `DELETE FROM sessions WHERE key = ?1 AND (?2 = '' OR agent = ?2) RETURNING agent`
	qInsertTurn    = `INSERT INTO turns (session_id, role, text, at) VALUES (?1, ?2, ?3, ?4)`
	qDeleteTurns   = `DELETE FROM turns WHERE session_id = ?1`
	// qTrim keeps the newest ?2 turns of session ?1.
	qTrim = `DELETE FROM turns WHERE session_id = ?1 AND id <= (
			SELECT id FROM turns WHERE session_id = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)`

	qUsage    = `SELECT ` + usageCols + ` FROM profile_usage WHERE profile_id = ?1`
	qPutUsage = `INSERT INTO profile_usage (profile_id, ` + usageCols + `)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
		ON CONFLICT (profile_id) DO UPDATE SET
			last_used = excluded.last_used, cooldown_until = excluded.cooldown_until,
			disabled_until = excluded.disabled_until, disabled_reason = excluded.disabled_reason,
			error_count = excluded.error_count, failure_counts = excluded.failure_counts,
			last_failure_at = excluded.last_failure_at, last_refresh_failed = excluded.last_refresh_failed`
	qPutLastGood = `INSERT INTO last_good (provider, profile_id, at) VALUES (?1, ?2, ?3)
		ON CONFLICT (provider) DO UPDATE SET profile_id = excluded.profile_id, at = excluded.at`
	qDeleteUsage    = `DELETE FROM profile_usage WHERE profile_id = ?1`
	qDeleteLastGood = `DELETE FROM last_good WHERE profile_id = ?1`
)

// usageCols are the columns of profile_usage after profile_id, in the
// order scanUsage reads them.
const usageCols = `last_used, cooldown_until, disabled_until, disabled_reason,
	error_count, failure_counts, last_failure_at, last_refresh_failed`

var (
	readQueries  = []string{qLoadSession, qHistory}
	writeQueries = []string{
		qSetModelAndPin, qSetPin, qClearPin, qResetModel, qNewConversation, qTouchSession,
		qSessionID, qDeleteSession, qInsertTurn, qDeleteTurns, qTrim,
		qUsage, qPutUsage, qPutLastGood, qDeleteUsage, qDeleteLastGood,
	}
)

// prepare prepares readQueries on the read pool and, unless the store is
// read-only, writeQueries on the write connection. It runs in Open, before
// any transaction holds the write connection.
func (s *Store) prepare(ctx context.Context) error {
	s.stmts = make(map[string]*sql.Stmt, len(readQueries)+len(writeQueries))
	for _, q := range readQueries {
		st, err := s.rdb.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("prepare %q: %w", q, err)
		}
		s.stmts[q] = st
	}
	if s.readOnly {
		return nil
	}
	for _, q := range writeQueries {
		st, err := s.wdb.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("prepare %q: %w", q, err)
		}
		s.stmts[q] = st
	}
	return nil
}

// tx is a write transaction that runs the prepared statements.
type tx struct {
	*sql.Tx
	s *Store
}

// stmt returns q's prepared statement bound to t. A query that was not
// prepared is a programming error: it runs unprepared and is counted, and
// TestAllWritesPrepared fails.
func (t tx) stmt(ctx context.Context, q string) (*sql.Stmt, bool) {
	st, ok := t.s.stmts[q]
	if !ok {
		t.s.unprepared.Add(1)
		return nil, false
	}
	return t.StmtContext(ctx, st), true
}

// QueryRowContext runs q, prepared if it can.
func (t tx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if st, ok := t.stmt(ctx, q); ok {
		return st.QueryRowContext(ctx, args...)
	}
	return t.Tx.QueryRowContext(ctx, q, args...)
}

// QueryContext runs q, prepared if it can.
func (t tx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st, ok := t.stmt(ctx, q); ok {
		return st.QueryContext(ctx, args...)
	}
	return t.Tx.QueryContext(ctx, q, args...)
}

// ExecContext runs q, prepared if it can.
func (t tx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if st, ok := t.stmt(ctx, q); ok {
		return st.ExecContext(ctx, args...)
	}
	return t.Tx.ExecContext(ctx, q, args...)
}

// readRow runs a read on the pool, prepared if it can.
func (s *Store) readRow(ctx context.Context, q string, args ...any) *sql.Row {
	if st, ok := s.stmts[q]; ok {
		return st.QueryRowContext(ctx, args...)
	}
	s.unprepared.Add(1)
	return s.rdb.QueryRowContext(ctx, q, args...)
}

// read runs a read on the pool, prepared if it can.
func (s *Store) read(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st, ok := s.stmts[q]; ok {
		return st.QueryContext(ctx, args...)
	}
	s.unprepared.Add(1)
	return s.rdb.QueryContext(ctx, q, args...)
}
