package sessions

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/botgateway/bot/internal/fakes"
	"github.com/botgateway/bot/internal/logtest"
)

// t0 is the fake clock's start: a whole millisecond, as stored.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// clock is the tests' fake time.
type clock = fakes.Clock

func newClock() *clock { return fakes.NewClock(t0) }

// openAt opens a store at path with the fake clock c (nil: a new one) and
// closes it at the end of the test.
func openAt(t testing.TB, path string, c *clock, opts Options) *Store {
	t.Helper()
	if c == nil {
		c = newClock()
	}
	if opts.Now == nil {
		opts.Now = c.Now
	}
	if opts.Logger == nil {
		opts.Logger = logtest.New(t)
	}
	s, err := Open(t.Context(), path, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// newStore opens a store on a new file in a temporary directory.
func newStore(t testing.TB, c *clock, opts Options) *Store {
	t.Helper()
	return openAt(t, filepath.Join(t.TempDir(), "sessions.db"), c, opts)
}

// mustGet returns the session, failing the test on error.
func mustGet(t testing.TB, s *Store, agent string, key Key) (Session, bool) {
	t.Helper()
	sess, ok, err := s.Get(t.Context(), agent, key)
	if err != nil {
		t.Fatalf("Get(%s, %s): %v", agent, key, err)
	}
	return sess, ok
}
