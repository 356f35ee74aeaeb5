package console

import (
	"errors"
	"io"
	"sync"

	"github.com/botgateway/bot/internal/termread"
)

// maxTypeahead bounds what is kept of the input typed while a message is
// handled; the rest is dropped (a line is at most maxLine anyway).
const maxTypeahead = 2 * maxLine

// typeahead holds what was read from the terminal until the line editor
// asks for it. It lets the console read the terminal while the editor is
// not reading (between a line and the end of its replies), so Ctrl-C is
// seen at once and what is typed meanwhile is neither echoed into the
// replies nor lost.
type typeahead struct {
	mu    sync.Mutex
	buf   []byte
	err   error
	ready chan struct{} // signalled when buf or err changes
}

func newTypeahead() *typeahead { return &typeahead{ready: make(chan struct{}, 1)} }

// fill reads r into the buffer until r fails, calling interrupt when r
// reports Ctrl-C (termread.ErrInterrupted).
func (ta *typeahead) fill(r io.Reader, interrupt func()) {
	p := make([]byte, 4096)
	for {
		n, err := r.Read(p)
		ta.mu.Lock()
		ta.buf = append(ta.buf, p[:min(n, max(maxTypeahead-len(ta.buf), 0))]...)
		if err != nil {
			ta.err = err
		}
		ta.mu.Unlock()
		ta.signal()
		if err != nil {
			if errors.Is(err, termread.ErrInterrupted) {
				interrupt()
			}
			return
		}
	}
}

func (ta *typeahead) signal() {
	select {
	case ta.ready <- struct{}{}:
	default:
	}
}

// Read returns what was typed, waiting for it, then the error that ended
// the reading.
func (ta *typeahead) Read(p []byte) (int, error) {
	for {
		ta.mu.Lock()
		if len(ta.buf) > 0 {
			n := copy(p, ta.buf)
			ta.buf = ta.buf[:copy(ta.buf, ta.buf[n:])]
			ta.mu.Unlock()
			return n, nil
		}
		if err := ta.err; err != nil {
			ta.mu.Unlock()
			return 0, err
		}
		ta.mu.Unlock()
		<-ta.ready
	}
}
