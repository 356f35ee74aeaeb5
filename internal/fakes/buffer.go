package fakes

import (
	"bytes"
	"sync"
)

// Buffer collects what a test's servers and goroutines write (logs,
// stderr) and is safe for concurrent use, which bytes.Buffer is not.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
