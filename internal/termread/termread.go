// Package termread reads what a person types or pastes at a terminal: a
// secret at a hidden prompt, whole even when the paste holds line breaks,
// and a one-line answer to a question. Ctrl-C ends either at once with
// ErrInterrupted, and the terminal is always left as it was found.
//
// A secret is read with echo off in non-canonical mode, with bracketed
// paste turned on (ESC [ ? 2004 h): a paste arrives between ESC [ 200 ~ and
// ESC [ 201 ~ and is read to its end marker, line breaks included. A
// terminal that does not bracket pastes delivers a paste in one burst, so
// after a line break the reader keeps reading while more bytes arrive
// within a short quiet window. Whatever is still unread when the prompt
// ends is discarded, so no part of a paste reaches the shell afterwards.
package termread

import (
	"errors"
	"time"
	"unicode/utf8"
)

// ErrInterrupted reports that the person pressed Ctrl-C at the prompt, or
// that the wait ended on SIGINT, SIGTERM, SIGHUP or the context's end.
var ErrInterrupted = errors.New("interrupted")

// ErrTooLong reports a secret longer than the caller's limit.
var ErrTooLong = errors.New("input too long")

// QuietWindow is how long Secret goes on reading after a line break typed
// outside a bracketed paste, for the rest of a paste from a terminal that
// does not bracket pastes (a paste arrives in one burst, over ssh within
// a few milliseconds). It restarts with every chunk that arrives.
const QuietWindow = 150 * time.Millisecond

const (
	pasteOn  = "\x1b[?2004h"
	pasteOff = "\x1b[?2004l"
	ctrlC    = 0x03
	ctrlD    = 0x04
	ctrlU    = 0x15
	esc      = 0x1b
)

// secretDecoder turns the bytes typed or pasted at a secret prompt into the
// secret: line breaks inside a paste are kept (as '\n'; the caller strips
// white space), escape sequences and control characters are dropped,
// backspace and Ctrl-U edit what was typed by hand.
type secretDecoder struct {
	buf     []byte
	limit   int
	seq     []byte // an escape sequence being read, from its ESC
	inPaste bool
	// pasted is set when a bracketed paste ended: the secret is complete.
	pasted bool
	// line is set when a line break was typed outside a paste: the secret
	// is complete once no more input arrives within QuietWindow.
	line bool
	// eof is set on Ctrl-D outside a paste: the secret is complete.
	eof bool
}

// feed decodes one chunk of input. It returns ErrInterrupted on Ctrl-C
// (even inside a paste: a secret never holds one) and ErrTooLong when the
// secret would pass the limit. Once the secret is complete, the rest of
// the chunk is not part of it and is ignored.
func (d *secretDecoder) feed(p []byte) error {
	for _, c := range p {
		if d.done() {
			return nil
		}
		if d.seq != nil {
			d.escape(c)
			continue
		}
		switch {
		case c == ctrlC:
			return ErrInterrupted
		case c == esc:
			d.seq = append(d.seq[:0:0], c)
		case c == '\r' || c == '\n':
			if !d.inPaste {
				d.line = true
			}
			d.buf = append(d.buf, '\n')
		case d.inPaste:
			if c >= 0x20 && c != 0x7f || c == '\t' {
				d.buf = append(d.buf, c)
			}
		case c == ctrlD:
			d.eof = true
		case c == 0x7f || c == 0x08: // backspace: drop the last character
			if len(d.buf) > 0 {
				_, n := utf8.DecodeLastRune(d.buf)
				d.buf = d.buf[:len(d.buf)-n]
			}
		case c == ctrlU:
			d.buf = d.buf[:0]
		case c >= 0x20 || c == '\t':
			d.buf = append(d.buf, c)
		}
		if len(d.buf) > d.limit {
			return ErrTooLong
		}
	}
	return nil
}

// escape reads one more byte of an escape sequence; a complete one is
// either a paste marker or dropped (arrow keys, Alt+key, F-keys).
func (d *secretDecoder) escape(c byte) {
	d.seq = append(d.seq, c)
	switch {
	case len(d.seq) == 2 && c == '[':
		return // CSI: parameters follow
	case len(d.seq) == 2 && c == 'O':
		return // SS3: one more byte
	case len(d.seq) == 2:
		d.seq = nil // ESC and one byte (Alt+key)
	case d.seq[1] == 'O':
		d.seq = nil
	case c >= 0x40 && c <= 0x7e || len(d.seq) > 16: // CSI final byte
		switch string(d.seq) {
		case "\x1b[200~":
			d.inPaste = true
		case "\x1b[201~":
			if d.inPaste {
				d.inPaste, d.pasted = false, true
			}
		}
		d.seq = nil
	}
}

// done reports whether the secret is complete without waiting for more
// input: a bracketed paste ended or Ctrl-D was pressed.
func (d *secretDecoder) done() bool { return d.pasted || d.eof }

// waitQuiet reports whether the reader should stop once no more input
// arrives within QuietWindow: a line break was typed, outside a paste.
func (d *secretDecoder) waitQuiet() bool { return d.line && !d.inPaste }
