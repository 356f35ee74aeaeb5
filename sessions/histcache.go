package sessions

import (
	"context"
	"time"
	"unsafe"
)

// The history cache: per (agent, key), the newest turns of the session, so
// that History, which the gateway calls with every message, is a copy out
// of memory rather than a query (doc.go, "History"). All of it is guarded
// by Store.mu. Fills come from History misses; the write path changes an
// entry only after its transaction commits, in the same step that updates
// the session cache.

// DefaultHistoryCache is how many of a session's newest turns the history
// cache keeps (Options.HistoryCache).
const DefaultHistoryCache = 64

// defaultHistoryBytes bounds the memory of the history cache: the turns'
// texts and roles plus the cache's own slots. Sessions beyond it are
// evicted at random and read from disk again when needed.
const defaultHistoryBytes = 32 << 20

// turnSize and hentrySize are what the cache charges for a Turn slot and
// for an entry itself (struct, pointer and map slot).
const (
	turnSize   = int(unsafe.Sizeof(Turn{}))
	hentrySize = int(unsafe.Sizeof(hentry{})) + 64
)

// hentry is the cached tail of one session's history.
type hentry struct {
	// turns are the newest len(turns) turns stored on disk, oldest first;
	// at most Store.hcap of them.
	turns []Turn
	// all is true when turns is the whole history stored on disk.
	all bool
	// last is the row id of the newest turn on disk, 0 when there is
	// none. AppendTurns compares it with the newest id its transaction
	// found, so a cache that missed another process's write is dropped
	// instead of appended to.
	last int64
	// bytes is what the entry is charged against Store.hbudget.
	bytes int
}

// hfill marks a History miss that is reading the disk. A history write or
// drop of its key meanwhile sets stale, and then what the miss read is
// returned but not cached: it may predate the write.
type hfill struct{ stale bool }

// tail returns a copy of the newest limit turns (all of them when
// limit <= 0), and false when the entry cannot tell them: it holds fewer
// than asked and not the whole history. No turns is a nil slice, as from
// disk.
func (e *hentry) tail(limit int) ([]Turn, bool) {
	n := len(e.turns)
	if limit > 0 && limit <= n {
		n = limit
	} else if !e.all {
		return nil, false
	}
	if n == 0 {
		return nil, true
	}
	out := make([]Turn, n)
	copy(out, e.turns[len(e.turns)-n:])
	return out, true
}

// keepNewest drops all but the newest n turns, releasing the dropped
// strings.
func (e *hentry) keepNewest(n int) {
	drop := len(e.turns) - n
	if drop <= 0 {
		return
	}
	copy(e.turns, e.turns[drop:])
	clear(e.turns[n:])
	e.turns = e.turns[:n]
}

// cost is the memory the entry holds.
func (e *hentry) cost() int {
	n := hentrySize + cap(e.turns)*turnSize
	for _, t := range e.turns {
		n += len(t.Role) + len(t.Text)
	}
	return n
}

// cachedHistory serves History from memory: the turns, and whether the
// cache could answer.
func (s *Store) cachedHistory(k skey, limit int) ([]Turn, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if e := s.hist[k]; e != nil {
		return e.tail(limit)
	}
	return nil, false
}

// fillHistory answers a History miss from disk and caches the newest
// s.hcap turns it read, unless a write or a drop of the key happened while
// it read.
func (s *Store) fillHistory(ctx context.Context, k skey, limit int) ([]Turn, error) {
	s.mu.Lock()
	if e := s.hist[k]; e != nil {
		// Filled meanwhile; or present but short of this limit, and then
		// the disk answers and the entry stays as it is.
		out, ok := e.tail(limit)
		s.mu.Unlock()
		if ok {
			return out, nil
		}
		out, _, err := s.readHistory(ctx, k, limit)
		return out, err
	}
	// One miss per key fills; a concurrent one just reads.
	var f *hfill
	if s.fills[k] == nil {
		f = &hfill{}
		s.fills[k] = f
	}
	s.mu.Unlock()

	// One more than the cache holds tells whether it holds them all.
	turns, last, err := s.readHistory(ctx, k, s.hcap+1)
	all := len(turns) <= s.hcap
	if !all {
		turns[0] = Turn{}
		turns = turns[1:]
	}
	// The cache keeps turns: the caller gets its own copy.
	e := &hentry{turns: turns, all: all, last: last}
	out, ok := e.tail(limit)
	if f != nil {
		s.mu.Lock()
		delete(s.fills, k)
		if err == nil && !f.stale && s.hist[k] == nil {
			s.putHistoryLocked(k, e)
		}
		s.mu.Unlock()
	}
	if err != nil {
		return nil, err
	}
	if !ok { // limit <= 0, and more turns than the cache holds
		out, _, err = s.readHistory(ctx, k, limit)
	}
	return out, err
}

// putHistoryLocked caches a new entry under k. A full cache first loses
// about an eighth of its entries; an entry too large for its share of the
// budget is not cached.
func (s *Store) putHistoryLocked(k skey, e *hentry) {
	if len(s.hist) >= s.cacheSize {
		n := s.cacheSize/8 + 1
		for old := range s.hist {
			s.dropHistoryLocked(old)
			if n--; n == 0 {
				break
			}
		}
	}
	s.hist[k] = e
	s.chargeLocked(k, e)
}

// chargeLocked updates the memory charged for k's entry e after a change,
// and evicts entries at random while the cache is over its budget. An
// entry larger than an eighth of the budget is dropped: its session reads
// the disk.
func (s *Store) chargeLocked(k skey, e *hentry) {
	c := e.cost()
	s.hbytes += c - e.bytes
	e.bytes = c
	if c > s.hbudget/8 {
		s.dropHistoryLocked(k)
		return
	}
	for s.hbytes > s.hbudget && len(s.hist) > 1 {
		n := len(s.hist)/8 + 1
		for old := range s.hist {
			if old == k {
				continue
			}
			s.dropHistoryLocked(old)
			if n--; n == 0 {
				break
			}
		}
	}
}

// dropHistoryLocked forgets k's history and makes a fill in progress of
// it stale.
func (s *Store) dropHistoryLocked(k skey) {
	if f := s.fills[k]; f != nil {
		f.stale = true
	}
	if e := s.hist[k]; e != nil {
		s.hbytes -= e.bytes
		delete(s.hist, k)
	}
}

// dropAllHistoryLocked forgets every cached history.
func (s *Store) dropAllHistoryLocked() {
	for _, f := range s.fills {
		f.stale = true
	}
	clear(s.hist)
	s.hbytes = 0
}

// appendHistoryLocked applies a committed AppendTurns to k's entry: turns
// were stored at time at, after a newest turn of id prev, the last of them
// with id last, and the history was trimmed to s.maxTurns.
func (s *Store) appendHistoryLocked(k skey, prev, last int64, turns []Turn, at time.Time) {
	if f := s.fills[k]; f != nil {
		f.stale = true
	}
	e := s.hist[k]
	if e == nil {
		return
	}
	if e.last != prev {
		// Another process (or a fill that read this very append) got
		// there first: the entry is not the history this append followed.
		s.dropHistoryLocked(k)
		return
	}
	// m is how many turns the disk holds now when the entry held them
	// all, and at least that many otherwise; when m reached the bound, the
	// disk holds exactly m.
	m := min(len(e.turns)+len(turns), s.maxTurns)
	keep := min(m, s.hcap)
	e.all = (e.all || m == s.maxTurns) && keep == m
	if len(turns) > keep {
		turns = turns[len(turns)-keep:]
	}
	e.keepNewest(keep - len(turns))
	for _, t := range turns {
		e.turns = append(e.turns, Turn{Role: t.Role, Text: t.Text, At: at})
	}
	e.last = last
	s.chargeLocked(k, e)
}

// trimHistoryLocked applies a committed TrimHistory(keep) to k's entry.
func (s *Store) trimHistoryLocked(k skey, keep int) {
	if f := s.fills[k]; f != nil {
		f.stale = true
	}
	e := s.hist[k]
	if e == nil {
		return
	}
	if keep <= len(e.turns) {
		// The disk held at least as many: it now holds exactly these.
		e.keepNewest(keep)
		e.all = true
		if keep == 0 {
			e.last = 0
		}
	}
	s.chargeLocked(k, e)
}

// clearHistoryLocked records that k has no history on disk (after
// NewConversation or Delete).
func (s *Store) clearHistoryLocked(k skey) {
	if f := s.fills[k]; f != nil {
		f.stale = true
	}
	if e := s.hist[k]; e != nil {
		e.turns, e.all, e.last = nil, true, 0
		s.chargeLocked(k, e)
	}
}
