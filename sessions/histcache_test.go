package sessions

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// diskHistory reads k's history through ref, a Store without a history
// cache on the same file: what SQL holds.
func diskHistory(t testing.TB, ref *Store, agent string, key Key, limit int) []Turn {
	t.Helper()
	if ref.hcap != 0 {
		t.Fatal("the reference store has a history cache")
	}
	h, err := ref.History(t.Context(), agent, key, limit)
	if err != nil {
		t.Fatalf("disk History(%s, %s, %d): %v", agent, key, limit, err)
	}
	return h
}

// sameAsDisk checks that s.History(limit) equals what the disk holds, for
// every key and limit given.
func sameAsDisk(t testing.TB, s, ref *Store, keys []skey, limits []int, what string) {
	t.Helper()
	for _, k := range keys {
		for _, limit := range limits {
			got, err := s.History(t.Context(), k.agent, k.key, limit)
			if err != nil {
				t.Fatalf("%s: History(%s, %s, %d): %v", what, k.agent, k.key, limit, err)
			}
			want := diskHistory(t, ref, k.agent, k.key, limit)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("%s: History(%s, %s, %d) differs from disk (-disk +memory):\n%s", what, k.agent, k.key, limit, diff)
			}
		}
	}
}

// checkAccounting checks the history cache's memory accounting and bounds.
func checkAccounting(t testing.TB, s *Store) {
	t.Helper()
	s.mu.RLock()
	defer s.mu.RUnlock()
	sum := 0
	for k, e := range s.hist {
		if e.bytes != e.cost() {
			t.Errorf("%v charged %d bytes, costs %d", k, e.bytes, e.cost())
		}
		if len(e.turns) > s.hcap {
			t.Errorf("%v holds %d turns, more than %d", k, len(e.turns), s.hcap)
		}
		sum += e.bytes
	}
	if sum != s.hbytes {
		t.Errorf("hbytes = %d, entries sum to %d", s.hbytes, sum)
	}
	if s.hbytes > s.hbudget || len(s.hist) > s.cacheSize {
		t.Errorf("cache holds %d sessions, %d bytes; bounds %d, %d", len(s.hist), s.hbytes, s.cacheSize, s.hbudget)
	}
}

// TestHistoryCacheMatchesDisk runs random sequences of appends, trims, new
// conversations and deletes over a few sessions of two agents, with bounds
// that cut the cache below, at and above MaxTurns, and after every step
// compares History from memory with a Store on the same file that reads
// SQL.
func TestHistoryCacheMatchesDisk(t *testing.T) {
	tests := []Options{
		{MaxTurns: 6, HistoryCache: 4},
		{MaxTurns: 4, HistoryCache: 4},
		{MaxTurns: 3, HistoryCache: 8},
		{MaxTurns: 10, HistoryCache: 5, CacheSize: 2}, // evicts
		{},
	}
	for _, opts := range tests {
		t.Run(fmt.Sprintf("max=%d,cache=%d,sessions=%d", opts.MaxTurns, opts.HistoryCache, opts.CacheSize), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "sessions.db")
			c := newClock()
			s := openAt(t, path, c, opts)
			ref := openAt(t, path, c, Options{HistoryCache: -1, Recheck: -1})
			ctx := t.Context()
			keys := []skey{{agent, key}, {agent, "console:local"}, {"work", key}}
			limits := []int{1, 3, s.hcap, 0}
			r := rand.New(rand.NewPCG(7, uint64(s.hcap)))
			for step := range 100 {
				k := keys[r.IntN(len(keys))]
				var what string
				var err error
				switch op := r.IntN(20); {
				case op < 13:
					var turns []Turn
					for i := range 1 + r.IntN(3) {
						turns = append(turns, Turn{Role: RoleUser, Text: fmt.Sprintf("step %d turn %d", step, i)})
					}
					what = fmt.Sprintf("AppendTurns(%v, %d turns)", k, len(turns))
					err = s.AppendTurns(ctx, k.agent, k.key, turns...)
				case op < 16:
					keep := r.IntN(s.hcap + 2)
					what = fmt.Sprintf("TrimHistory(%v, %d)", k, keep)
					err = s.TrimHistory(ctx, k.agent, k.key, keep)
				case op < 18:
					what = fmt.Sprintf("NewConversation(%v)", k)
					err = s.NewConversation(ctx, k.agent, k.key)
				case op < 19:
					what = fmt.Sprintf("Delete(%v)", k)
					_, err = s.Delete(ctx, k.agent, k.key)
				default:
					what = fmt.Sprintf("Delete(all agents, %s)", k.key)
					_, err = s.Delete(ctx, "", k.key)
				}
				if err != nil {
					t.Fatalf("step %d: %s: %v", step, what, err)
				}
				c.Advance(time.Second)
				sameAsDisk(t, s, ref, keys, limits, fmt.Sprintf("step %d, after %s", step, what))
			}
			checkAccounting(t, s)

			// A fresh Open of the file agrees too.
			fresh := openAt(t, path, nil, Options{})
			for _, k := range keys {
				want, err := fresh.History(ctx, k.agent, k.key, 0)
				if err != nil {
					t.Fatal(err)
				}
				got, err := s.History(ctx, k.agent, k.key, 0)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%v: a fresh Open differs (-fresh +memory):\n%s", k, diff)
				}
			}
		})
	}
}

// TestHistoryCacheServesFromMemory checks that a warm History does no I/O,
// stays warm across AppendTurns, NewConversation and TrimHistory, and that
// a limit larger than the cache reads the disk.
func TestHistoryCacheServesFromMemory(t *testing.T) {
	s := newStore(t, nil, Options{HistoryCache: 4})
	ctx := t.Context()
	reads := func() int64 { return s.diskReads.Load() }
	history := func(limit int) []Turn {
		t.Helper()
		h, err := s.History(ctx, agent, key, limit)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}

	if h := history(2); h != nil || reads() != 1 {
		t.Fatalf("first History = %v after %d reads; want nil after 1", h, reads())
	}
	for i := range 6 {
		if err := s.AppendTurns(ctx, agent, key, Turn{Role: RoleUser, Text: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
		if h := history(2); h[len(h)-1].Text != fmt.Sprint(i) {
			t.Fatalf("after appending %d, History = %v", i, h)
		}
	}
	if err := s.TrimHistory(ctx, agent, key, 3); err != nil {
		t.Fatal(err)
	}
	if h := history(4); len(h) != 3 || h[0].Text != "3" {
		t.Errorf("History(4) after TrimHistory(3) = %v", h)
	}
	if err := s.TrimHistory(ctx, agent, key, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendTurns(ctx, agent, key, Turn{Role: RoleUser, Text: "after trim"}); err != nil {
		t.Fatal(err)
	}
	if h := history(4); len(h) != 1 || h[0].Text != "after trim" {
		t.Errorf("History(4) after TrimHistory(0) and an append = %v", h)
	}
	if err := s.NewConversation(ctx, agent, key); err != nil {
		t.Fatal(err)
	}
	if h := history(4); h != nil {
		t.Errorf("History after NewConversation = %v", h)
	}
	if n := reads(); n != 1 {
		t.Errorf("%d disk reads, want only the first", n)
	}

	// More than the cache holds: the disk answers, every time.
	if err := s.AppendTurns(ctx, agent, key, Turn{Role: RoleUser, Text: "a"}, Turn{Role: RoleAssistant, Text: "b"}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if h := history(5); len(h) != 2 {
			t.Errorf("History(5) = %v", h)
		}
	}
	if n := reads(); n != 3 {
		t.Errorf("%d disk reads, want 3", n)
	}
	// All of a history the cache holds whole comes from memory.
	if h := history(0); len(h) != 2 || reads() != 3 {
		t.Errorf("History(0) = %v after %d reads", h, reads())
	}

	// A missing session's absence is cached too.
	for range 2 {
		if h, err := s.History(ctx, agent, "console:none", 3); err != nil || h != nil {
			t.Errorf("History of a missing session = %v, %v", h, err)
		}
	}
	if n := reads(); n != 4 {
		t.Errorf("%d disk reads, want 4", n)
	}
}

// TestHistoryCacheCopy checks that the caller owns what History returns.
func TestHistoryCacheCopy(t *testing.T) {
	s := newStore(t, nil, Options{})
	ctx := t.Context()
	if err := s.AppendTurns(ctx, agent, key, Turn{Role: RoleUser, Text: "hi"}, Turn{Role: RoleAssistant, Text: "hello"}); err != nil {
		t.Fatal(err)
	}
	want, err := s.History(ctx, agent, key, 20) // fills
	if err != nil {
		t.Fatal(err)
	}
	want = slices.Clone(want)
	for range 2 {
		h, err := s.History(ctx, agent, key, 20)
		if err != nil {
			t.Fatal(err)
		}
		h[0].Text = "changed"
		h = append(h, Turn{Role: RoleUser, Text: "appended"})
		h[1].Role = RoleUser
	}
	if h, _ := s.History(ctx, agent, key, 20); !cmp.Equal(want, h) {
		t.Errorf("History after the caller changed its copies = %v, want %v", h, want)
	}
}

// TestHistoryCacheOtherProcess checks that turns written through another
// Store on the file become visible after the Recheck interval, and that an
// append on top of a cache that missed them does not make memory a history
// the disk never held.
func TestHistoryCacheOtherProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sessions.db")
	ca, cb := newClock(), newClock()
	a := openAt(t, path, ca, Options{})
	b := openAt(t, path, cb, Options{Recheck: time.Second})
	ref := openAt(t, path, nil, Options{HistoryCache: -1, Recheck: -1})
	ctx := t.Context()
	texts := func(s *Store) []string { t.Helper(); return historyTexts(t, s, key, 20) }
	appendText := func(s *Store, text string) {
		t.Helper()
		if err := s.AppendTurn(ctx, agent, key, RoleUser, text); err != nil {
			t.Fatal(err)
		}
	}

	appendText(a, "a1")
	if got := texts(b); !slices.Equal(got, []string{"a1"}) {
		t.Fatalf("b = %v", got)
	}
	appendText(a, "a2")
	if got := texts(b); !slices.Equal(got, []string{"a1"}) {
		t.Fatalf("b saw a's write before its recheck interval passed (the test's assumption is wrong): %v", got)
	}
	cb.Advance(time.Second)
	if got := texts(b); !slices.Equal(got, []string{"a1", "a2"}) {
		t.Errorf("b after recheck = %v", got)
	}

	// b appends before it has rechecked: its cache missed a3, so the
	// append drops it rather than extend it.
	appendText(a, "a3")
	appendText(b, "b1")
	if got, want := texts(b), []string{"a1", "a2", "a3", "b1"}; !slices.Equal(got, want) {
		t.Errorf("b after appending over a's write = %v, want %v", got, want)
	}
	sameAsDisk(t, b, ref, []skey{{agent, key}}, []int{1, 20, 0}, "b")

	// a's TrimHistory, NewConversation and Delete reach b at its recheck.
	for _, w := range []struct {
		name string
		fn   func() error
	}{
		{"TrimHistory", func() error { return a.TrimHistory(ctx, agent, key, 1) }},
		{"NewConversation", func() error { return a.NewConversation(ctx, agent, key) }},
		{"Delete", func() error { _, err := a.Delete(ctx, "", key); return err }},
	} {
		appendText(b, "b before "+w.name)
		appendText(b, "b again before "+w.name)
		before := texts(b)
		if err := w.fn(); err != nil {
			t.Fatal(err)
		}
		if got := texts(b); !slices.Equal(got, before) {
			t.Fatalf("b saw a's %s before its recheck (the test's assumption is wrong): %v", w.name, got)
		}
		cb.Advance(time.Second)
		sameAsDisk(t, b, ref, []skey{{agent, key}}, []int{1, 20, 0}, "b after a's "+w.name)
		if slices.Equal(texts(b), before) {
			t.Errorf("b after a's %s and its recheck still holds %v", w.name, before)
		}
	}
}

// TestHistoryCacheFailedWrite checks that an AppendTurns whose transaction
// fails after inserting a turn leaves neither that turn in memory nor the
// key's history cached.
func TestHistoryCacheFailedWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sessions.db")
	s := openAt(t, path, nil, Options{})
	ref := openAt(t, path, nil, Options{HistoryCache: -1})
	ctx := t.Context()
	if err := s.AppendTurn(ctx, agent, key, RoleUser, "hello"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.History(ctx, agent, key, 20); err != nil { // fills
		t.Fatal(err)
	}
	// The second insert of the transaction fails, after the first.
	if _, err := s.wdb.ExecContext(ctx, `CREATE TRIGGER boom BEFORE INSERT ON turns
		WHEN NEW.text = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END`); err != nil {
		t.Fatal(err)
	}
	err := s.AppendTurns(ctx, agent, key, Turn{Role: RoleUser, Text: "ok"}, Turn{Role: RoleAssistant, Text: "boom"})
	if err == nil {
		t.Fatal("AppendTurns succeeded through the trigger")
	}
	s.mu.RLock()
	_, cached := s.hist[skey{agent, key}]
	s.mu.RUnlock()
	if cached {
		t.Error("the history stayed cached after a failed write")
	}
	sameAsDisk(t, s, ref, []skey{{agent, key}}, []int{1, 20, 0}, "after the failed AppendTurns")

	// A failed TrimHistory, NewConversation or Delete drops it too.
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	for name, fn := range map[string]func() error{
		"TrimHistory":     func() error { return s.TrimHistory(canceled, agent, key, 0) },
		"NewConversation": func() error { return s.NewConversation(canceled, agent, key) },
		"Delete":          func() error { _, err := s.Delete(canceled, "", key); return err },
	} {
		if _, err := s.History(ctx, agent, key, 20); err != nil { // fills
			t.Fatal(err)
		}
		if err := fn(); err == nil {
			t.Fatalf("%s with a canceled context succeeded", name)
		}
		s.mu.RLock()
		_, cached := s.hist[skey{agent, key}]
		s.mu.RUnlock()
		if cached {
			t.Errorf("the history stayed cached after a failed %s", name)
		}
		sameAsDisk(t, s, ref, []skey{{agent, key}}, []int{1, 20, 0}, "after the failed "+name)
	}
}

// TestHistoryCacheBound checks the bounds on sessions and bytes, and that
// evicted sessions still answer from disk.
func TestHistoryCacheBound(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sessions.db")
	s := openAt(t, path, nil, Options{CacheSize: 16, HistoryCache: 8})
	ref := openAt(t, path, nil, Options{HistoryCache: -1})
	ctx := t.Context()
	var keys []skey
	for i := range 100 {
		k := skey{agent, Key(fmt.Sprint("console:", i))}
		keys = append(keys, k)
		if err := s.AppendTurns(ctx, k.agent, k.key, Turn{Role: RoleUser, Text: fmt.Sprint("q", i)}, Turn{Role: RoleAssistant, Text: fmt.Sprint("a", i)}); err != nil {
			t.Fatal(err)
		}
	}
	sameAsDisk(t, s, ref, keys, []int{1, 8}, "sessions bound")
	checkAccounting(t, s)

	// A budget of a few entries: big histories evict each other, and one
	// over an eighth of the budget is not cached at all.
	s.mu.Lock()
	s.hbudget = 8 * (hentrySize + 8*turnSize + 8*1000)
	s.mu.Unlock()
	for i, k := range keys[:20] {
		text := fmt.Sprintf("%0*d", 1000, i)
		if i == 0 {
			text = fmt.Sprintf("%0*d", 10_000, i)
		}
		if err := s.AppendTurns(ctx, k.agent, k.key, Turn{Role: RoleAssistant, Text: text}); err != nil {
			t.Fatal(err)
		}
		sameAsDisk(t, s, ref, keys[:i+1], []int{8}, "bytes bound")
		checkAccounting(t, s)
	}
	s.mu.RLock()
	_, cached := s.hist[keys[0]]
	s.mu.RUnlock()
	if cached {
		t.Error("a history larger than an eighth of the budget was cached")
	}
}

// TestHistoryCacheConcurrent runs one writer per session, each checking
// that History shows its own append at once, against readers that fill
// and a cache small enough to evict; run it with -race. At the end memory
// equals disk.
func TestHistoryCacheConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sessions.db")
	s := openAt(t, path, nil, Options{CacheSize: 4, HistoryCache: 6, MaxTurns: 8})
	ref := openAt(t, path, nil, Options{HistoryCache: -1})
	ctx := t.Context()
	var keys []skey
	for i := range 8 {
		keys = append(keys, skey{agent, Key(fmt.Sprint("telegram:", i))})
	}
	var wg sync.WaitGroup
	for _, k := range keys {
		wg.Go(func() {
			for i := range 40 {
				text := fmt.Sprint(k.key, " ", i)
				if err := s.AppendTurns(ctx, k.agent, k.key, Turn{Role: RoleUser, Text: text}); err != nil {
					t.Error(err)
					return
				}
				h, err := s.History(ctx, k.agent, k.key, 3)
				if err != nil {
					t.Error(err)
					return
				}
				if len(h) == 0 || h[len(h)-1].Text != text {
					t.Errorf("%s: History after appending %q = %v", k.key, text, h)
					return
				}
			}
		})
		wg.Go(func() {
			for i := range 80 {
				if _, err := s.History(ctx, k.agent, keys[i%len(keys)].key, 1+i%6); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	sameAsDisk(t, s, ref, keys, []int{1, 6, 0}, "after the race")
	checkAccounting(t, s)
}
