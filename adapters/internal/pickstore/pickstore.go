// Package pickstore remembers the pickers a platform adapter has shown
// (Reply.Choices rendered as buttons or select menus), so that a press,
// which carries only a short token, finds the command it runs: one rule
// for every adapter — bounded, oldest forgotten first, used once by its
// opener, refused to anyone else.
package pickstore

import "sync"

// What a press is answered with when it does not run its command.
const (
	ExpiredText  = "This picker has expired (the bot restarted or it was used). Send /model list again."
	NotYoursText = "Only the user who opened this picker can use it."
)

// DefaultMax is how many pickers an adapter remembers: a press on one
// forgotten since is answered with ExpiredText.
const DefaultMax = 1024

// Picker is what a Store keeps: who opened it, and how many entries it has.
type Picker interface {
	OpenedBy() string
	Entries() int
}

// Store maps picker ids to pickers. It is safe for concurrent use.
type Store[P Picker] struct {
	mu    sync.Mutex
	max   int
	next  uint64
	byID  map[uint64]P
	order []uint64 // ids, oldest first
}

// New returns a store that remembers at most max pickers.
func New[P Picker](max int) *Store[P] {
	return &Store[P]{max: max, byID: map[uint64]P{}}
}

// Add remembers p and returns its id (from 1), forgetting the oldest
// beyond max.
func (s *Store[P]) Add(p P) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	id := s.next
	s.byID[id] = p
	s.order = append(s.order, id)
	for len(s.order) > s.max {
		delete(s.byID, s.order[0])
		s.order = s.order[1:]
	}
	return id
}

// Take returns picker id for a press of entry n by user by, and forgets it
// when by is its opener (a picker is used once: its message is then edited
// into the command's reply). ok is false when id names no remembered
// picker or n no entry of it; mine is false when by did not open it.
func (s *Store[P]) Take(id uint64, n int, by string) (p P, ok, mine bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, found := s.byID[id]
	if !found || n < 0 || n >= p.Entries() {
		var zero P
		return zero, false, false
	}
	if p.OpenedBy() != by {
		return p, true, false
	}
	delete(s.byID, id) // its id stays in order until it ages out
	return p, true, true
}
