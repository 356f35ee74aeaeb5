package sessions

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" driver

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
	// ErrCorrupt marks a file that is not a usable SQLite database: empty,
	// not a database, or damaged.
	ErrCorrupt = errors.New("not a valid SQLite database")
	// ErrOlderSchema marks a database an older bot wrote, which a
	// read-only Store cannot upgrade.
	ErrOlderSchema = errors.New("written by an older version of bot")
	// ErrReadOnly is the error of every write to a Store opened with
	// OpenReadOnly.
	ErrReadOnly = errors.New("sessions database opened read-only")
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

	// readOnly is set by OpenReadOnly: wdb is then rdb, and write refuses.
	readOnly bool
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

// busyTimeout bounds every wait for another connection's lock: SQLite's
// busy handler (busy_timeout, set first on every connection) and the
// retries of the one step it does not cover, the switch to WAL (enterWAL).
const busyTimeout = 5 * time.Second

// Open opens (creating if needed) the session database at path, usually
// ~/.bot/sessions.db, and brings its schema up to date. The parent
// directory is created with mode 0700. A new file is built whole in a
// temporary file and linked into place, mode 0600, so the file never
// exists empty or half made; an empty file is therefore refused, like one
// that is not a database or is damaged (a *FileError matching ErrCorrupt)
// and one written by a newer bot (ErrNewerSchema), each with a one-line
// error that names the file and the fix. The profile usage is loaded into
// memory; sessions are loaded lazily, one key at a time, on first use.
//
// Many processes may open the same file at once: every step waits for the
// others' locks for up to 5 s.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	s, err := storeWith(path, opts)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
		return nil, fmt.Errorf("sessions: open %s: create directory: %w", s.path, err)
	}
	if err := create(ctx, s.path, s.log); err != nil {
		return nil, err
	}
	if s.wdb, err = sql.Open("sqlite", dsn(s.path, dsnWrite)); err != nil {
		return nil, fmt.Errorf("sessions: open %s: %w", s.path, err)
	}
	s.wdb.SetMaxOpenConns(1)
	s.wdb.SetMaxIdleConns(1)
	if s.rdb, err = sql.Open("sqlite", dsn(s.path, dsnQueryOnly)); err != nil {
		s.wdb.Close()
		return nil, fmt.Errorf("sessions: open %s: %w", s.path, err)
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

// OpenReadOnly opens the existing database at path for a command that only
// reads it (bot sessions list, models status, doctor). It never creates or
// changes a file: no directory, no database, no -wal or -shm file. A
// missing file is an error matching fs.ErrNotExist. An empty, damaged or
// unreadable file, or one written by a newer bot, is a *FileError, as with
// Open; a file an older bot wrote is a *FileError matching ErrOlderSchema,
// since it cannot be upgraded without writing. Every write method of the
// returned Store fails with ErrReadOnly, and it never looks for other
// processes' commits (Options.Recheck is ignored): it is meant to live for
// one command.
//
// A database that no process has open is in rollback-journal mode (Close
// leaves it so), which SQLite reads without creating files. One that a
// running bot has open is in WAL mode with its -wal and -shm files, which
// the reader shares.
func OpenReadOnly(ctx context.Context, path string, opts Options) (*Store, error) {
	opts.Recheck = -1
	s, err := storeWith(path, opts)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(s.path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("sessions: open %s: %w", s.path, fs.ErrNotExist)
		}
		return nil, s.openError("stat", err)
	}
	if err := checkFileInfo(s.path, fi); err != nil {
		return nil, err
	}
	// SQLite says only "unable to open database file" when it may not
	// read the file: ask the system first, for a message with the cause.
	f, err := os.Open(s.path)
	if err != nil {
		return nil, s.openError("open", err)
	}
	f.Close()

	s.readOnly = true
	if s.rdb, err = sql.Open("sqlite", dsn(s.path, dsnReadOnly)); err != nil {
		return nil, fmt.Errorf("sessions: open %s: %w", s.path, err)
	}
	s.rdb.SetMaxOpenConns(readConns)
	s.rdb.SetMaxIdleConns(readConns)
	s.wdb = s.rdb
	if err := s.openRead(ctx); err != nil {
		s.closeStmts()
		s.rdb.Close()
		return nil, err
	}
	return s, nil
}

// storeWith checks path and applies the defaults of opts.
func storeWith(path string, opts Options) (*Store, error) {
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
	return s, nil
}

// tempPrefix starts the names of the temporary files create builds a new
// database in: ".sessions.db.tmp-".
func tempPrefix(path string) string { return "." + filepath.Base(path) + ".tmp-" }

// staleTemp is the age from which a temporary file of create is taken for
// one a killed process left behind. Building one takes milliseconds.
const staleTemp = 10 * time.Minute

// create makes the database file at path when there is none: it builds the
// schema in a temporary file beside it (mode 0600) and hard-links that into
// place, so the file appears whole or not at all. When several processes
// create it at once, one link wins and the others open the winner's file.
// An existing file is only checked (checkFileInfo).
func create(ctx context.Context, path string, log *slog.Logger) error {
	fi, err := os.Stat(path)
	if err == nil {
		return checkFileInfo(path, fi)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return (&Store{path: path}).openError("stat", err)
	}
	dir := filepath.Dir(path)
	removeStaleTemps(dir, tempPrefix(path))
	f, err := os.CreateTemp(dir, tempPrefix(path)+"*")
	if err != nil {
		return fmt.Errorf("sessions: create %s: %w", path, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Close(); err != nil {
		return fmt.Errorf("sessions: create %s: %w", path, err)
	}
	db, err := sql.Open("sqlite", dsn(tmp, dsnCreate))
	if err != nil {
		return fmt.Errorf("sessions: create %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	// The migrations run as for any file, with messages naming path.
	err = (&Store{path: path, log: log, wdb: db}).migrate(ctx)
	if err := errors.Join(err, db.Close()); err != nil {
		return err
	}
	if err := os.Link(tmp, path); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("sessions: create %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil { // make the link durable
		d.Sync()
		d.Close()
	}
	return nil
}

// removeStaleTemps removes the temporary files of create that a killed
// process left in dir. Failures are ignored: the files are only litter.
func removeStaleTemps(dir, prefix string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), prefix) || !e.Type().IsRegular() {
			continue
		}
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > staleTemp {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// open switches the file to WAL, migrates the schema and loads the state
// kept in memory.
func (s *Store) open(ctx context.Context) error {
	if err := s.enterWAL(ctx); err != nil {
		return err
	}
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

// openRead checks the schema of a read-only store and loads the usage.
func (s *Store) openRead(ctx context.Context) error {
	// Reading the schema reads page 1 and the schema pages: a truncated
	// or damaged file fails here, before its version is trusted.
	var n int
	if err := s.rdb.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&n); err != nil {
		return s.openError("read schema", err)
	}
	v, err := userVersion(ctx, s.rdb)
	if err != nil {
		return s.openError("read schema version", err)
	}
	switch {
	case v > schemaVersion:
		return s.tooNew(v, schemaVersion)
	case v < schemaVersion:
		return &FileError{Path: s.path, Problem: fmt.Sprintf("has schema version %d, older than this bot's %d", v, schemaVersion),
			Fix: fixMigrate, Kind: ErrOlderSchema}
	}
	if err := s.prepare(ctx); err != nil {
		return s.openError("prepare statements", err)
	}
	if err := s.loadUsage(ctx); err != nil {
		return s.openError("load profile usage", err)
	}
	return nil
}

// enterWAL puts the file in WAL mode, in which readers and the writer do
// not block each other. Switching takes an exclusive lock, and SQLite
// upgrades to it from the read lock the statement already holds without
// calling the busy handler: when another connection is switching or
// writing at that moment, the PRAGMA fails at once with SQLITE_BUSY
// whatever busy_timeout says (one "bot chat" in eight started together on
// a fresh state directory failed so). enterWAL retries it, with a growing
// pause, for up to busyTimeout.
func (s *Store) enterWAL(ctx context.Context) error {
	deadline := time.Now().Add(busyTimeout)
	pause := time.Millisecond
	for {
		var mode string
		err := s.wdb.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode)
		switch {
		case err == nil && strings.EqualFold(mode, "wal"):
			return nil
		case err == nil:
			return fmt.Errorf("sessions: open %s: its file system does not support WAL (journal mode %q); keep the state directory on a local disk", s.path, mode)
		case !isBusy(err) || !time.Now().Before(deadline):
			return s.openError("enter WAL mode", err)
		}
		s.log.Debug("sessions: database busy, retrying", logkeys.File, s.path, logkeys.Err, err)
		t := time.NewTimer(pause + rand.N(pause))
		select {
		case <-ctx.Done():
			t.Stop()
			return s.openError("enter WAL mode", ctx.Err())
		case <-t.C:
		}
		pause = min(2*pause, 50*time.Millisecond)
	}
}

// dsnMode selects the settings of a connection.
type dsnMode int

const (
	dsnWrite     dsnMode = iota // the write connection: IMMEDIATE transactions
	dsnQueryOnly                // the writer's read pool: query_only
	dsnReadOnly                 // OpenReadOnly: the file opened read-only
	dsnCreate                   // create: a new file, rollback journal
)

// dsn builds the driver's data source name. Every connection runs
// busy_timeout first; the writer's also synchronous=NORMAL (durable across
// a process crash; a power loss may drop the last commits but never
// corrupts) and foreign keys. The write connection begins every
// transaction IMMEDIATE, so a read-then-write transaction can never fail
// with SQLITE_BUSY_SNAPSHOT. The journal mode is not in the DSN: WAL is a
// property of the file, set once by enterWAL, and a PRAGMA in the DSN could
// not be retried.
func dsn(path string, mode dsnMode) string {
	// The "file:" prefix makes SQLite parse a URI, whose path must escape
	// '%', '?' and '#'.
	p := strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace(filepath.ToSlash(path))
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	switch mode {
	case dsnWrite:
		q.Add("_pragma", "synchronous(NORMAL)")
		q.Add("_pragma", "foreign_keys(1)")
		q.Set("_txlock", "immediate")
	case dsnQueryOnly:
		q.Add("_pragma", "query_only(1)")
	case dsnReadOnly:
		q.Set("mode", "ro")
		q.Add("_pragma", "query_only(1)")
	case dsnCreate:
		q.Add("_pragma", "foreign_keys(1)")
		q.Set("_txlock", "immediate")
	}
	return "file:" + p + "?" + q.Encode()
}

// Check runs SQLite's quick integrity check of the whole file (bot
// doctor): a *FileError matching ErrCorrupt lists what it found. It reads
// every page, about 80 ms for 50 MiB of history.
func (s *Store) Check(ctx context.Context) error {
	return s.quickCheck(ctx, "PRAGMA quick_check")
}

// Integrity runs SQLite's full integrity check of the whole file (PRAGMA
// integrity_check: besides what Check reads, every index against its
// table and every constraint). It only reads; a *FileError matching
// ErrCorrupt lists what it found, with the fix. It reads every page and
// index, a few times Check's cost: bot doctor runs it, nothing on the
// chat path does.
func (s *Store) Integrity(ctx context.Context) error {
	return s.quickCheck(ctx, "PRAGMA integrity_check")
}

// stateTables are the tables the router and the pins need: everything but
// the history.
var stateTables = []string{"sessions", "profile_usage", "last_good"}

// CheckState runs SQLite's quick integrity check of the tables without
// which bot cannot run: the sessions (model and pin) and the profile usage
// (bot models status --check). It skips the history, so it costs well under
// a millisecond however much history the file holds; Check covers it.
func (s *Store) CheckState(ctx context.Context) error {
	for _, t := range stateTables {
		if err := s.quickCheck(ctx, "PRAGMA quick_check("+t+")"); err != nil {
			return err
		}
	}
	return nil
}

// quickCheck runs one PRAGMA quick_check (or integrity_check) and
// collects the problems it lists into one line.
func (s *Store) quickCheck(ctx context.Context, pragma string) error {
	rows, err := s.rdb.QueryContext(ctx, pragma)
	if err != nil {
		return s.openError("check", err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var text string
		if err := rows.Scan(&text); err != nil {
			return s.openError("check", err)
		}
		for line := range strings.Lines(text) {
			line = strings.TrimSpace(line)
			if line != "ok" && line != "" && !strings.HasPrefix(line, "*** in database") {
				problems = append(problems, line)
			}
		}
	}
	if len(problems) > 0 {
		return damaged(s.path, problems)
	}
	if err := rows.Err(); err != nil {
		return s.openError("check", err)
	}
	return nil
}

// Path returns the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// Close closes the store; the Store must not be used afterwards. Close is
// idempotent. A writer that is the last connection to the file checkpoints
// the write-ahead log into it and leaves it in rollback-journal mode,
// which removes the -wal and -shm files: read-only commands then read it
// without creating them again.
func (s *Store) Close() error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.closeStmts()
	if s.readOnly {
		if err := s.rdb.Close(); err != nil {
			return fmt.Errorf("sessions: close %s: %w", s.path, err)
		}
		return nil
	}
	rerr := s.rdb.Close()
	s.leaveWAL()
	if err := errors.Join(rerr, s.wdb.Close()); err != nil {
		return fmt.Errorf("sessions: close %s: %w", s.path, err)
	}
	return nil
}

// leaveWAL switches the file back to rollback-journal mode when this is the
// last connection to it. The switch needs an exclusive lock and fails at
// once (SQLITE_BUSY, no wait) while another process has the file open;
// that process's Close does it later. Then the log is only checkpointed:
// TRUNCATE leaves an empty -wal file behind, and a checkpoint that finds
// another process reading is partial, which is harmless.
func (s *Store) leaveWAL() {
	ctx := context.Background()
	_, err := s.wdb.ExecContext(ctx, "PRAGMA journal_mode = DELETE")
	if err == nil {
		return
	}
	if !isBusy(err) {
		s.log.Warn("sessions: leaving WAL mode on close failed", logkeys.File, s.path, logkeys.Err, err)
	}
	if _, err := s.wdb.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		s.log.Warn("sessions: checkpoint on close failed", logkeys.File, s.path, logkeys.Err, err)
	}
}

// closeStmts closes the prepared statements.
func (s *Store) closeStmts() {
	for _, st := range s.stmts {
		st.Close()
	}
}

// openError wraps an error met while opening or reading the file: one that
// says something about the file (not a database, damaged, unreadable) is
// a *FileError with the fix.
func (s *Store) openError(op string, err error) error {
	if fe := fileError(s.path, err); fe != nil {
		return fe
	}
	return fmt.Errorf("sessions: open %s: %s: %w", s.path, op, err)
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
	if s.readOnly {
		return ErrReadOnly
	}
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
