package grammar

import "sync"

const (
	// memoMax is how many results a memo keeps before it starts over.
	memoMax = 1024
	// memoKeyMax is the longest key a memo keeps, in bytes. It is also
	// the longest head and model reference accepted (maxPart), so every
	// valid one can be memoized.
	memoKeyMax = maxPart
)

// memo remembers the results of a pure parse function by its input text,
// so that participle's reflection runs once per distinct head or model
// reference rather than once per message. It is bounded: when full it is
// emptied, so junk input cannot grow it, and the inputs that keep coming
// back are parsed again once. It is safe for concurrent use.
type memo[V any] struct {
	mu sync.RWMutex
	m  map[string]V
}

// newMemo returns an empty memo.
func newMemo[V any]() *memo[V] {
	return &memo[V]{m: make(map[string]V)}
}

// get returns the value remembered for key.
func (c *memo[V]) get(key string) (V, bool) {
	c.mu.RLock()
	v, ok := c.m[key]
	c.mu.RUnlock()
	return v, ok
}

// put remembers v for key. The caller gives a key that no message owns
// (a copy), since the memo keeps it.
func (c *memo[V]) put(key string, v V) {
	if len(key) > memoKeyMax {
		return
	}
	c.mu.Lock()
	if len(c.m) >= memoMax {
		clear(c.m)
	}
	c.m[key] = v
	c.mu.Unlock()
}
