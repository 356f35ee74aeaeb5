// Package sessions keeps bot's session state in SQLite, in
// ~/.bot/sessions.db (the caller passes the path): per agent and session
// key the model override, the auth profile pin with its source (user or
// auto) and the message history; per auth profile the runtime usage the
// router records (last used, last good per provider, cooldown, disable,
// error and failure counts, last refresh failed).
//
// It imports only the standard library and modernc.org/sqlite (pure Go, no
// cgo). Profile ids are plain strings: sessions sits below commands and
// models and must not import auth (DESIGN §2).
//
// # The file
//
// Open creates the parent directory 0700. A new database is built whole,
// schema included, in a temporary file beside it (mode 0600) and
// hard-linked into place, so sessions.db never exists empty or half made;
// an empty file is therefore refused as truncated, like one that is not a
// database or is damaged (a *FileError matching ErrCorrupt, one line
// naming the file and the fix: move it aside, and bot starts a new one
// without the old history, or put back a backup). Every connection runs
// busy_timeout(5000) first, from the DSN, so the setting holds on every
// pooled connection; writers add synchronous(NORMAL) and foreign_keys(1).
//
// While a Store is open the file is in WAL mode: readers and the writer do
// not block each other, and WAL with synchronous=NORMAL survives a killed
// process with every committed transaction (a power cut may lose the last
// commits but never corrupts the file). Open switches the file to WAL
// itself (enterWAL), retrying for up to 5 s while another connection
// holds the lock: SQLite takes that lock without its busy handler, so
// busy_timeout alone let one of 16 processes opening at once fail with
// "database is locked". The last writer to Close switches the file back
// to rollback-journal mode, which removes the -wal and -shm files. WAL
// needs shared memory: not on NFS or SMB.
//
// OpenReadOnly is for commands that only read (bot sessions list, bot
// models status, bot doctor): it opens the file read-only (mode=ro) and
// never creates or changes one. A file at rest is in rollback mode and
// read without extra files; a file a running bot holds is read through
// its -wal and -shm files. A file at rest in WAL mode (last closed by an
// older bot) would make SQLite create empty -wal and -shm files, which
// the next writer's Close removes. Check runs PRAGMA quick_check on the
// whole file; CheckState only on the tables bot cannot run without (not
// the history), so its cost does not grow with the history.
//
// Writes go through one connection whose transactions all begin
// IMMEDIATE (_txlock=immediate), so a read-then-write transaction never
// meets SQLITE_BUSY_SNAPSHOT, and they are short: no network call ever runs
// inside one. Reads that miss the caches use a pool of four query_only
// connections. The hot statements are prepared once at Open (parsing was a
// third of a write's cost).
//
// The schema is versioned by the embedded files schema/NNNN_name.sql,
// applied in order, each in its own transaction with PRAGMA user_version
// set in the same transaction; two processes opening a fresh file at once
// apply each migration once. A file whose user_version is newer than the
// last migration this binary embeds is refused (ErrNewerSchema: "upgrade
// bot"); a read-only Store also refuses an older one (ErrOlderSchema),
// which the next writer upgrades.
//
// # Memory
//
// Get, the pin lookup the router makes before every provider call, is
// served from a map guarded by a sync.RWMutex: a lookup costs the same
// with a thousand sessions stored or a million. Sessions are loaded
// lazily: the first Get of a key reads its one row (about 7 µs with 1,000
// sessions stored, 12 µs with 1,000,000) and caches it, absence included.
// Loading every session at Open was measured and rejected: 2.5 s and
// 290 MB of heap for 1,000,000 sessions, against 13 ms for a lazy Open of
// the same file. The cache holds at most Options.CacheSize sessions; when
// full, an eighth of it is dropped at random.
//
// Writes are write-through: each setter is one committed transaction, and
// memory is updated from the row the statement returns (RETURNING) only
// after the commit. A write that fails drops the key from memory, so the
// next Get reads the disk; memory is never ahead of the disk. Writes are
// built on the disk's state, never on the cache (SetPin keeps the model
// stored on disk, RecordFailure adds to the counts stored on disk), so
// several processes writing the same file lose nothing.
//
// Another process (bot sessions reset while the gateway runs, bot chat next
// to bot gateway) may change the file behind a Store's caches. Every
// Options.Recheck (default 1 s), one Get asks PRAGMA data_version on the
// write connection, which changes only when another connection has
// committed; if it changed, the session cache is dropped and the usage
// reloaded. So a Store sees another process's write at its first Get once
// Recheck has passed since its previous look. The look never waits behind
// a write, and ProfileUsage and LastGood never do I/O.
//
// # History
//
// AppendTurn appends a turn and, in the same transaction, deletes all but
// the newest Options.MaxTurns turns of that session (default 200), so
// history never grows without bound. History(limit) returns the newest
// limit turns, oldest first. TrimHistory applies a tighter bound (for
// example config sessions.historyTurns) on demand. NewConversation and
// Delete remove history.
//
// The gateway reads history with every message, so History serves the
// newest Options.HistoryCache turns (default 64) of a session from memory
// once it has read them: a copy, no query. Writes change the cached turns
// only after their transaction commits, under the same lock as the session
// cache; a write that fails drops them. AppendTurns checks that the newest
// turn id on disk is the one the cache last saw, so a turn another process
// appended drops the entry rather than being skipped, and the Recheck look
// drops every entry when another process committed. A limit larger than
// the cache reads the disk. The cache holds at most CacheSize sessions and
// about 32 MiB of text.
//
// # Auth usage
//
// The store records; the router decides. The cooldown formula (1, 5, 25,
// 60 minutes; billing 5 h doubling to 24 h) lives in the router: it reads
// ProfileUsage(id).NextFailure(reason, now), computes until, and calls
// RecordFailure(ctx, id, reason, until). RecordFailure counts within
// FailureWindow (24 h), never shortens a cooldown or disable in force, and
// puts ReasonBilling and ReasonAuthPermanent in the disabled lane, any
// other reason in the cooldown lane.
package sessions
