package sessions

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/botgateway/bot/internal/logkeys"
)

// Defaults for the zero Options.
const (
	// DefaultMaxTurns is how many turns of history a session keeps.
	DefaultMaxTurns = 200
	// DefaultCacheSize is how many sessions' model and pin state the
	// store keeps in memory.
	DefaultCacheSize = 65536
	// DefaultRecheck is how often reads look for commits made by other
	// processes.
	DefaultRecheck = time.Second
)

// readConns bounds the pool of read-only connections (cache misses,
// History, List). Each SQLite connection has its own page cache, so the
// pool stays small.
const readConns = 4

// Sentinel errors, matched with errors.Is.
var (
	// ErrInvalid marks an argument the store refuses: a malformed session
	// key, agent id, model, profile id, pin source, role or reason.
	ErrInvalid = errors.New("invalid argument")
	// ErrNewerSchema marks a database written by a newer bot.
	ErrNewerSchema = errors.New("written by a newer version of bot")
	// ErrCorrupt marks a file that is not a usable SQLite database.
	ErrCorrupt = errors.New("not a valid SQLite database")
)

// Options configure Open. The zero value gives the defaults.
type Options struct {
	// Now is the clock; time.Now when nil. Times are stored with
	// millisecond precision, and the store hands back the stored value.
	Now func() time.Time
	// Logger receives lifecycle lines (migrations applied, a failed
	// checkpoint) and, at Debug, cache invalidations. Nil discards them.
	Logger *slog.Logger
	// MaxTurns bounds each session's history: AppendTurn keeps the newest
	// MaxTurns turns and deletes older ones in the same transaction.
	// 0 means DefaultMaxTurns.
	MaxTurns int
	// CacheSize bounds how many sessions' model and pin state are held in
	// memory (DESIGN §6 pin lookups). When full, about an eighth of the
	// entries are dropped at random. 0 means DefaultCacheSize.
	CacheSize int
	// Recheck is how often Get and History look, with one cheap PRAGMA,
	// for commits made by other processes on the same file (for example
	// "bot sessions reset" while the gateway runs) and, if there were any,
	// drop the cached sessions and histories and reload the profile usage.
	// 0 means DefaultRecheck; a negative value turns the check off.
	Recheck time.Duration
	// HistoryCache is how many of a session's newest turns History keeps
	// in memory once the session has been read; History with a larger
	// limit reads the disk every time, so it should be at least the
	// largest limit callers use (config sessions.historyTurns). The cache
	// holds at most CacheSize sessions and about 32 MiB. 0 means
	// DefaultHistoryCache; a negative value turns the cache off.
	HistoryCache int
}

// Store is the session database: per (agent, session key) the model
// override, the profile pin and the message history, and per auth profile
// its runtime usage. Open one per process and share it; it is safe for
// concurrent use. Every setter is one committed write transaction, and the
// memory caches change only after the commit.
type Store struct {
	path      string
	now       func() time.Time
	log       *slog.Logger
	maxTurns  int
	cacheSize int
	recheck   time.Duration

	// wdb has exactly one connection. Every write goes through it, so
	// PRAGMA data_version on it changes only when another process (or
	// another Store) commits.
	wdb *sql.DB
	// rdb is a small pool of query_only connections for reads that miss
	// the caches.
	rdb *sql.DB
	// stmts are the hot statements, prepared at Open (queries.go).
	stmts      map[string]*sql.Stmt
	unprepared atomic.Int64 // queries that ran unprepared: should stay 0
	diskReads  atomic.Int64 // History reads that went to disk (for tests)

	// wmu serializes write transactions together with the cache updates
	// that follow them, and guards dataVersion and closed.
	wmu         sync.Mutex
	dataVersion int64
	closed      bool
	nextCheck   atomic.Int64 // Unix nanoseconds of the next Recheck

	mu       sync.RWMutex
	sessions map[skey]centry // model and pin state, including known-absent keys
	epoch    uint64          // bumped whenever entries are dropped
	// The history cache (histcache.go), also guarded by mu: hcap turns per
	// session (0: off), at most cacheSize sessions and about hbudget
	// bytes, hbytes charged now.
	hist    map[skey]*hentry
	fills   map[skey]*hfill // History misses reading the disk
	hcap    int
	hbudget int
	hbytes  int

	umu      sync.RWMutex
	usage    map[string]Usage  // profile id → usage; values are never mutated
	lastGood map[string]string // provider → profile id
}

// Open opens (creating if needed) the session database at path, usually
// ~/.bot/sessions.db, and brings its schema up to date. The parent
// directory is created with mode 0700 and a new file with mode 0600. A
// database written by a newer bot (ErrNewerSchema), or a file that is not a
// SQLite database (ErrCorrupt), is refused with a one-line error that names
// the file and the fix. The profile usage is loaded into memory; sessions
// are loaded lazily, one key at a time, on first use.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	if path == "" {
		return nil, fmt.Errorf("sessions: open: empty path: %w", ErrInvalid)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sessions: open %s: %w", path, err)
	}
	s := &Store{
		path:      abs,
		now:       opts.Now,
		log:       opts.Logger,
		maxTurns:  opts.MaxTurns,
		cacheSize: opts.CacheSize,
		recheck:   opts.Recheck,
		sessions:  make(map[skey]centry),
		hist:      make(map[skey]*hentry),
		fills:     make(map[skey]*hfill),
		hcap:      opts.HistoryCache,
		hbudget:   defaultHistoryBytes,
		usage:     make(map[string]Usage),
		lastGood:  make(map[string]string),
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.maxTurns <= 0 {
		s.maxTurns = DefaultMaxTurns
	}
	if s.cacheSize <= 0 {
		s.cacheSize = DefaultCacheSize
	}
	if s.recheck == 0 {
		s.recheck = DefaultRecheck
	}
	switch {
	case s.hcap == 0:
		s.hcap = DefaultHistoryCache
	case s.hcap < 0:
		s.hcap = 0
	}

	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("sessions: open %s: create directory: %w", abs, err)
	}
	// SQLite creates files with mode 0644 and gives the -wal and -shm
	// files the mode of the database file: create it 0600 first.
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sessions: open %s: %w", abs, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("sessions: open %s: %w", abs, err)
	}

	if s.wdb, err = sql.Open("sqlite", dsn(abs, false)); err != nil {
		return nil, fmt.Errorf("sessions: open %s: %w", abs, err)
	}
	s.wdb.SetMaxOpenConns(1)
	s.wdb.SetMaxIdleConns(1)
	if s.rdb, err = sql.Open("sqlite", dsn(abs, true)); err != nil {
		s.wdb.Close()
		return nil, fmt.Errorf("sessions: open %s: %w", abs, err)
	}
	s.rdb.SetMaxOpenConns(readConns)
	s.rdb.SetMaxIdleConns(readConns)

	if err := s.open(ctx); err != nil {
		s.closeStmts()
		s.rdb.Close()
		s.wdb.Close()
		return nil, err
	}
	return s, nil
}

// open migrates the schema and loads the state kept in memory.
func (s *Store) open(ctx context.Context) error {
	if err := s.migrate(ctx); err != nil {
		return err
	}
	if err := s.prepare(ctx); err != nil {
		return s.openError("prepare statements", err)
	}
	if err := s.wdb.QueryRowContext(ctx, "PRAGMA data_version").Scan(&s.dataVersion); err != nil {
		return s.openError("read data version", err)
	}
	if err := s.loadUsage(ctx); err != nil {
		return s.openError("load profile usage", err)
	}
	s.nextCheck.Store(s.now().Add(s.recheck).UnixNano())
	return nil
}

// dsn builds the driver's data source name. Every connection gets a busy
// timeout, WAL, synchronous=NORMAL (durable across a process crash; a power
// loss may drop the last commits but never corrupts) and foreign keys. The
// write pool begins every transaction IMMEDIATE, so a read-then-write
// transaction can never fail with SQLITE_BUSY_SNAPSHOT; the read pool is
// query_only.
func dsn(path string, readOnly bool) string {
	// The "file:" prefix makes SQLite parse a URI, whose path must escape
	// '%', '?' and '#'.
	p := strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace(filepath.ToSlash(path))
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Set("_txlock", "immediate")
	}
	return "file:" + p + "?" + q.Encode()
}

// Check runs SQLite's quick integrity check (for bot doctor). It reads the
// whole file, so it takes time proportional to its size.
func (s *Store) Check(ctx context.Context) error {
	rows, err := s.rdb.QueryContext(ctx, "PRAGMA quick_check")
	if err != nil {
		return fmt.Errorf("sessions: check %s: %w", s.path, err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return fmt.Errorf("sessions: check %s: %w", s.path, err)
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return s.openError("check", err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("sessions: %s: %w (%s); move it aside with its -wal and -shm files (mv %s %s.broken) and start bot again, which starts with no sessions",
			s.path, ErrCorrupt, strings.Join(problems, "; "), s.path, s.path)
	}
	return nil
}

// Path returns the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// Close checkpoints the write-ahead log into the database file and closes
// the store. The Store must not be used afterwards. Close is idempotent.
func (s *Store) Close() error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.closeStmts()
	rerr := s.rdb.Close()
	// TRUNCATE leaves an empty -wal file behind. It may find another
	// process reading; then the checkpoint is partial, which is harmless.
	if _, err := s.wdb.ExecContext(context.Background(), "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		s.log.Warn("sessions: checkpoint on close failed", logkeys.File, s.path, logkeys.Err, err)
	}
	if err := errors.Join(rerr, s.wdb.Close()); err != nil {
		return fmt.Errorf("sessions: close %s: %w", s.path, err)
	}
	return nil
}

// closeStmts closes the prepared statements.
func (s *Store) closeStmts() {
	for _, st := range s.stmts {
		st.Close()
	}
}

// openError wraps an error met while opening: a file that is not a
// database gets the one-line fix.
func (s *Store) openError(op string, err error) error {
	if isCorrupt(err) {
		return fmt.Errorf("sessions: %s: %w (%v); move it aside with its -wal and -shm files (mv %s %s.broken) and start bot again, which starts with no sessions",
			s.path, ErrCorrupt, err, s.path, s.path)
	}
	return fmt.Errorf("sessions: open %s: %s: %w", s.path, op, err)
}

// isCorrupt reports whether err is SQLite's "not a database" or "database
// disk image is malformed".
func isCorrupt(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT:
		return true
	}
	return false
}

// maybeRecheck runs the cross-process check of Options.Recheck when it is
// due. It never waits behind a write: if one is running, the check is
// skipped until the next interval. Errors are logged, not returned: the
// caches stay as they were.
func (s *Store) maybeRecheck(ctx context.Context) {
	if s.recheck < 0 {
		return
	}
	now := s.now().UnixNano()
	next := s.nextCheck.Load()
	if now < next || !s.nextCheck.CompareAndSwap(next, now+int64(s.recheck)) {
		return
	}
	if !s.wmu.TryLock() {
		return
	}
	defer s.wmu.Unlock()
	if s.closed {
		return
	}
	if err := s.syncLocked(ctx); err != nil {
		s.log.Warn("sessions: check for changes by other processes failed", logkeys.File, s.path, logkeys.Err, err)
	}
}

// syncLocked drops the caches if another connection has committed since
// the last look. The caller holds wmu.
func (s *Store) syncLocked(ctx context.Context) error {
	var v int64
	if err := s.wdb.QueryRowContext(ctx, "PRAGMA data_version").Scan(&v); err != nil {
		return err
	}
	if v == s.dataVersion {
		return nil
	}
	if err := s.loadUsage(ctx); err != nil {
		return err
	}
	s.dataVersion = v
	s.mu.Lock()
	n := len(s.sessions)
	clear(s.sessions)
	s.epoch++
	s.dropAllHistoryLocked()
	s.mu.Unlock()
	s.log.Debug("sessions: another process wrote the database; caches dropped", logkeys.File, s.path, logkeys.Dropped, n)
	return nil
}

// write runs fn in one IMMEDIATE transaction and commits it; only then does
// it run the cache update fn returns. If anything fails, the cached session
// and history of dropKey (when not nil; an empty agent means every agent)
// are dropped, so that memory never runs ahead of, or stays behind, a disk
// whose state is uncertain.
func (s *Store) write(ctx context.Context, dropKey *skey, fn func(t tx) (after func(), err error)) (err error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	defer func() {
		if err != nil && dropKey != nil {
			s.dropSession(*dropKey)
		}
	}()
	sqlTx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	after, err := fn(tx{sqlTx, s})
	if err != nil {
		sqlTx.Rollback() //nolint:errcheck // the error that made us roll back matters more
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return err
	}
	if after != nil {
		after()
	}
	return nil
}

// Time columns hold Unix milliseconds, 0 for the zero time.

func toMS(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}
