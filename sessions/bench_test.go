package sessions

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"
)

// fill stores n sessions "telegram:0" … "telegram:<n-1>" of agent main in
// one statement (a recursive CTE), every other one with a user pin.
func fill(tb testing.TB, s *Store, n int) {
	tb.Helper()
	start := time.Now()
	_, err := s.wdb.ExecContext(tb.Context(), `
		WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?1)
		INSERT INTO sessions (agent, key, model, profile, pin_source, created_at, updated_at)
		SELECT 'main', 'telegram:' || i, 'anthropic/claude-sonnet-4-5',
			CASE WHEN i % 2 = 0 THEN 'anthropic:work' ELSE '' END,
			CASE WHEN i % 2 = 0 THEN 'user' ELSE '' END, 1, 1
		FROM n`, n)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Logf("stored %d sessions in %v", n, time.Since(start).Round(time.Millisecond))
}

// BenchmarkPinLookup measures Get, the router's pin lookup, with 1,000 and
// with 1,000,000 sessions stored. "warm" reads 1,000 active sessions spread
// over the file, served from memory; "cold" reads a random session from
// disk, as a cache miss does.
func BenchmarkPinLookup(b *testing.B) {
	const goal = "goal: 1,000,000 sessions within 2x of 1,000; DESIGN §7: credential resolution, pin lookup included, <= 5 µs"
	for _, n := range []int{1_000, 1_000_000} {
		b.Run(fmt.Sprintf("sessions=%d", n), func(b *testing.B) {
			if n > 1_000 && testing.Short() {
				b.Skip("1,000,000 sessions take seconds to build; skipped in -short mode")
			}
			s := newStore(b, nil, Options{Now: time.Now})
			fill(b, s, n)
			active := make([]Key, 1_000)
			for i := range active {
				active[i] = Key(fmt.Sprint("telegram:", i*(n/len(active))))
				if _, ok := mustGet(b, s, agent, active[i]); !ok {
					b.Fatalf("%s missing", active[i])
				}
			}
			b.Run("warm", func(b *testing.B) {
				b.Log(goal)
				ctx := b.Context()
				i := 0
				for b.Loop() {
					if _, _, err := s.Get(ctx, agent, active[i%len(active)]); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
			b.Run("cold", func(b *testing.B) {
				b.Log(goal, "(a miss, once per key)")
				ctx := b.Context()
				r := rand.New(rand.NewPCG(1, 2))
				for b.Loop() {
					k := Key(fmt.Sprint("telegram:", r.IntN(n)))
					if _, ok, err := s.load(ctx, agent, k); err != nil || !ok {
						b.Fatal(k, ok, err)
					}
				}
			})
		})
	}
}

// BenchmarkLoadAll measures the alternative that was not taken: reading
// every session's model and pin into memory at Open.
func BenchmarkLoadAll(b *testing.B) {
	if testing.Short() {
		b.Skip("builds 1,000,000 sessions")
	}
	const n = 1_000_000
	s := newStore(b, nil, Options{})
	fill(b, s, n)
	for b.Loop() {
		rows, err := s.rdb.QueryContext(b.Context(),
			`SELECT agent, key, model, profile, pin_source, created_at, updated_at FROM sessions`)
		if err != nil {
			b.Fatal(err)
		}
		m := make(map[skey]centry)
		for rows.Next() {
			var sess Session
			var k, src string
			var c, u int64
			if err := rows.Scan(&sess.Agent, &k, &sess.Model, &sess.Profile, &src, &c, &u); err != nil {
				b.Fatal(err)
			}
			sess.Key, sess.PinSource = Key(k), PinSource(src)
			sess.CreatedAt, sess.UpdatedAt = fromMS(c), fromMS(u)
			m[skey{sess.Agent, sess.Key}] = centry{sess, true}
		}
		if err := rows.Close(); err != nil || len(m) != n {
			b.Fatal(len(m), err)
		}
	}
}

// BenchmarkSetModelAndPin measures a whole durable "/model x@y" write: one
// IMMEDIATE transaction, committed to the WAL, then the cache update.
func BenchmarkSetModelAndPin(b *testing.B) {
	b.Log("goal: >= 20,000 writes per second (<= 50 µs/op)")
	s := newStore(b, nil, Options{Now: time.Now})
	ctx := b.Context()
	keys := make([]Key, 1_000)
	for i := range keys {
		keys[i] = Key(fmt.Sprint("discord:dm:", i))
	}
	i := 0
	for b.Loop() {
		if err := s.SetModelAndPin(ctx, agent, keys[i%len(keys)], "anthropic/claude-haiku-4-5", "anthropic:work", SourceUser); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
}

// BenchmarkAppendTurn measures appending a turn with the bound enforced.
func BenchmarkAppendTurn(b *testing.B) {
	s := newStore(b, nil, Options{Now: time.Now, MaxTurns: 50})
	ctx := b.Context()
	for b.Loop() {
		if err := s.AppendTurn(ctx, agent, key, RoleUser, "what is the weather like today?"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProfileUsage measures the memory read the router makes before
// every provider call.
func BenchmarkProfileUsage(b *testing.B) {
	s := newStore(b, nil, Options{})
	ctx := b.Context()
	for i := range 20 {
		if err := s.RecordSuccess(ctx, "anthropic", fmt.Sprint("anthropic:p", i)); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.RecordFailure(ctx, "anthropic:failing", "rate_limit", time.Now().Add(time.Minute)); err != nil {
		b.Fatal(err)
	}
	for _, id := range []string{"anthropic:p7", "anthropic:failing"} {
		b.Run(id, func(b *testing.B) {
			b.Log("goal: a memory read, no I/O; well under DESIGN §7's 5 µs for credential resolution")
			b.ReportAllocs()
			for b.Loop() {
				_ = s.ProfileUsage(id)
			}
		})
	}
}

// BenchmarkOpen measures Open of an existing database.
func BenchmarkOpen(b *testing.B) {
	path := filepath.Join(b.TempDir(), "sessions.db")
	openAt(b, path, nil, Options{})
	for b.Loop() {
		s, err := Open(b.Context(), path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWholeFileCheck compares doctor's full integrity check
// (Integrity, PRAGMA integrity_check) with the quick check (Check) on a
// file of about 50 MiB of history over 1,000 sessions.
func BenchmarkWholeFileCheck(b *testing.B) {
	path := filepath.Join(b.TempDir(), "sessions.db")
	s, err := Open(b.Context(), path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	fill(b, s, 1000)
	_, err = s.wdb.ExecContext(b.Context(), `
		WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < 50000)
		INSERT INTO turns (session_id, role, text, at)
		SELECT (SELECT id FROM sessions WHERE key = 'telegram:' || (i % 1000)), 'user', printf('%.1000c', 'x'), 1 FROM n`)
	if err != nil {
		b.Fatal(err)
	}
	s.Close()
	r, err := OpenReadOnly(b.Context(), path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	for _, bc := range []struct {
		name  string
		check func(*Store) error
	}{{"quick_check", func(s *Store) error { return s.Check(b.Context()) }}, {"integrity_check", func(s *Store) error { return s.Integrity(b.Context()) }}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if err := bc.check(r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
