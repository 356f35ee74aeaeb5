package console

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/botgateway/bot/adapters"
)

// replier writes the replies to one message to the console's output.
type replier struct{ a *Adapter }

// Reply writes r's text, sanitized, without its trailing line breaks and
// with one line break, then its choices as a numbered list; the whole
// reply is one write under the adapter's lock.
func (r replier) Reply(_ context.Context, rep adapters.Reply) error {
	a := r.a
	a.mu.Lock()
	defer a.mu.Unlock()
	b := a.lineStart(a.buf[:0])
	text := strings.TrimRight(Sanitize(rep.Text), "\n")
	if text != "" || len(rep.Choices) == 0 {
		b = append(b, text...)
		b = append(b, '\n')
	}
	b = appendChoices(b, rep.Choices)
	return a.write(b)
}

// StartStream begins a streamed reply; it writes nothing until the first
// update. private changes nothing: the console has one user.
func (r replier) StartStream(context.Context, bool) (adapters.Stream, error) {
	return &stream{a: r.a}, nil
}

// appendChoices appends one line per choice, "  1. <label>", numbered from
// 1 in the order given: the gateway maps "/model <n>" to entry n.
func appendChoices(b []byte, choices []adapters.Choice) []byte {
	for i, c := range choices {
		b = append(b, "  "...)
		b = strconv.AppendInt(b, int64(i+1), 10)
		b = append(b, ". "...)
		// One line per entry: a label's own line breaks and tabs would
		// break the list.
		b = append(b, strings.Map(oneLine, Sanitize(c.Label))...)
		b = append(b, '\n')
	}
	return b
}

// oneLine maps the white space Sanitize keeps (line break, tab) to a space.
func oneLine(r rune) rune {
	if r == '\n' || r == '\t' {
		return ' '
	}
	return r
}

// lineStart appends a line break to an empty b when the output was left in
// the middle of a line (by a streamed reply), so that what follows starts
// on a line of its own. a.mu is held.
func (a *Adapter) lineStart(b []byte) []byte {
	if len(b) == 0 && a.midLine {
		b = append(b, '\n')
	}
	return b
}

// open reports whether the output will be in the middle of a line once b
// is written. a.mu is held.
func (a *Adapter) open(b []byte) bool {
	if len(b) == 0 {
		return a.midLine
	}
	return b[len(b)-1] != '\n'
}

// write writes b to the output in one call and keeps b's storage for the
// next write. a.mu is held.
func (a *Adapter) write(b []byte) error {
	a.buf = b[:0]
	if len(b) == 0 {
		return nil
	}
	a.midLine = b[len(b)-1] != '\n'
	if _, err := a.out.Write(b); err != nil {
		return fmt.Errorf("console: write reply: %w", err)
	}
	return nil
}

// errStreamDone reports a call on a stream that has finished.
var errStreamDone = errors.New("console: the streamed reply has finished")

// stream prints a reply as it grows. Each update's new part is written at
// once, sanitized across the updates' boundaries: an escape sequence or a
// character cut between two updates comes out as Sanitize of the whole
// text would. Only an unfinished character and trailing line breaks are
// held back, so a finished stream has printed exactly what Reply prints
// for its final text.
type stream struct {
	a       *Adapter
	z       streamSanitizer
	text    string // the raw text so far
	scratch []byte // the sanitizer's output for one update, reused
	// held counts the line breaks held back at the end of what was
	// written: written before more text, dropped at the end.
	held    int
	started bool // some text has been written
	done    bool
}

// Update writes the part of text that is new since the last update.
func (s *stream) Update(_ context.Context, text string) error {
	if s.done {
		return errStreamDone
	}
	a := s.a
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.write(s.appendNew(a.buf[:0], text))
}

// Finish writes the rest of rep's text, a line break and rep's choices.
func (s *stream) Finish(_ context.Context, rep adapters.Reply) error {
	if s.done {
		return errStreamDone
	}
	s.done = true
	a := s.a
	a.mu.Lock()
	defer a.mu.Unlock()
	b := s.appendNew(a.buf[:0], rep.Text)
	s.scratch = s.z.Flush(s.scratch[:0])
	b = s.settle(b, s.scratch)
	// The text ends with one line break, as Reply ends it; a reply
	// written meanwhile may have ended the line already.
	if a.open(b) || !s.started && len(rep.Choices) == 0 {
		b = append(b, '\n')
	}
	return a.write(appendChoices(b, rep.Choices))
}

// appendNew appends the sanitized form of text's new part. A text that
// does not extend the previous one (the Stream contract says it does) is
// shown again whole, from a line of its own, rather than spliced.
func (s *stream) appendNew(b []byte, text string) []byte {
	if !s.started {
		// A stream that was never finished (its message's handling was
		// cut off) may have left a line open.
		b = s.a.lineStart(b)
	}
	if !strings.HasPrefix(text, s.text) {
		s.z = streamSanitizer{}
		s.held = 0
		if s.started && s.a.open(b) {
			b = append(b, '\n')
		}
		s.started = false
		s.text = ""
	}
	part := text[len(s.text):]
	s.text = text
	s.scratch = s.z.Write(s.scratch[:0], part)
	return s.settle(b, s.scratch)
}

// settle appends out, sanitized output, holding back its trailing line
// breaks and writing the ones held before when text follows them.
func (s *stream) settle(b, out []byte) []byte {
	body := bytes.TrimRight(out, "\n")
	if len(body) == 0 {
		s.held += len(out)
		return b
	}
	for ; s.held > 0; s.held-- {
		b = append(b, '\n')
	}
	s.held = len(out) - len(body)
	s.started = true
	return append(b, body...)
}
