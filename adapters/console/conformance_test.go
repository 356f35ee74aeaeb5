package console

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/adapters/adaptertest"
)

// The console passes the adapter conformance suite: its one user types
// lines into its input and reads its output; a picker is a numbered list,
// whose entry n the user chooses by typing "/model n" (mapped by the
// gateway).
func TestConformance(t *testing.T) {
	adaptertest.Run(t, consoleHarness{})
}

type consoleHarness struct{}

func (consoleHarness) Start(t *testing.T) (adapters.Adapter, adaptertest.Platform) {
	in := newLinePipe()
	t.Cleanup(in.Close) // ends the console's blocked read
	p := &consolePlatform{in: in}
	return New(Config{In: in, Out: &p.out, Session: "conformance"}), p
}

// consolePlatform is the console's user: typing into its input, reading its
// output.
type consolePlatform struct {
	in  *linePipe
	out lockedBuffer
}

var owner = adaptertest.Seat{UserID: "owner", Chat: "conformance"}

func (p *consolePlatform) Seats() []adaptertest.Seat { return []adaptertest.Seat{owner} }

func (p *consolePlatform) Send(_ context.Context, _ adaptertest.Seat, text string) error {
	p.in.WriteLine(text)
	return nil
}

func (p *consolePlatform) Choose(_ context.Context, _ adaptertest.Seat, n int) (string, error) {
	typed := fmt.Sprintf("/model %d", n)
	p.in.WriteLine(typed)
	return typed, nil
}

// Seen reads the output back: each line is a message, except "  n. label"
// lines, the entries of the picker above them.
func (p *consolePlatform) Seen(context.Context, adaptertest.Seat) ([]adaptertest.Shown, error) {
	out := strings.TrimSuffix(p.out.String(), "\n")
	if out == "" {
		return nil, nil
	}
	var shown []adaptertest.Shown
	for line := range strings.SplitSeq(out, "\n") {
		if label, ok := choiceLabel(line, len(shown)); ok {
			last := &shown[len(shown)-1]
			if want := strconv.Itoa(len(last.Choices)+1) + ". "; !strings.HasPrefix(strings.TrimPrefix(line, "  "), want) {
				return nil, fmt.Errorf("picker entry %q is not numbered %q", line, want)
			}
			last.Choices = append(last.Choices, label)
			continue
		}
		shown = append(shown, adaptertest.Shown{Text: line})
	}
	return shown, nil
}

// choiceLabel returns the label of a picker entry line, "  n. label".
func choiceLabel(line string, messages int) (string, bool) {
	rest, ok := strings.CutPrefix(line, "  ")
	if !ok || messages == 0 {
		return "", false
	}
	num, label, ok := strings.Cut(rest, ". ")
	if _, err := strconv.Atoi(num); !ok || err != nil {
		return "", false
	}
	return label, true
}

// linePipe is the console's input: lines written never block, and Read
// waits for them until Close.
type linePipe struct {
	mu     sync.Mutex
	buf    []byte
	closed bool
	ready  chan struct{}
}

func newLinePipe() *linePipe { return &linePipe{ready: make(chan struct{}, 1)} }

func (p *linePipe) WriteLine(s string) {
	p.mu.Lock()
	p.buf = append(append(p.buf, s...), '\n')
	p.mu.Unlock()
	p.signal()
}

func (p *linePipe) Close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.signal()
}

func (p *linePipe) signal() {
	select {
	case p.ready <- struct{}{}:
	default:
	}
}

func (p *linePipe) Read(b []byte) (int, error) {
	for {
		p.mu.Lock()
		if len(p.buf) > 0 {
			n := copy(b, p.buf)
			p.buf = p.buf[n:]
			p.mu.Unlock()
			return n, nil
		}
		closed := p.closed
		p.mu.Unlock()
		if closed {
			return 0, io.EOF
		}
		<-p.ready
	}
}

// lockedBuffer is an output written by the console and read by the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
