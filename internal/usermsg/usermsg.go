// Package usermsg is the one type of a message meant for a chat user: what
// went wrong and what to do, in words (STYLE rule 7). Command handlers,
// the conversation and the router return their user-facing failures as an
// *Error; the gateway shows a user the text of an *Error and nothing else
// — any other error becomes "Something went wrong (ref 7f3a)." with the
// cause logged under that ref.
package usermsg

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

// Error is a message for the user, shown verbatim (with anything that looks
// like a secret masked), and the cause behind it, for logs only.
type Error struct {
	// Text is the message: one or a few sentences, naming the problem and
	// the fix. It never holds a secret or a stack trace.
	Text string
	// Err is the cause, for the log; nil when the text says it all.
	Err error
}

// Error returns the text.
func (e *Error) Error() string { return e.Text }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// New returns an *Error with text and no cause.
func New(text string) *Error { return &Error{Text: text} }

// Errorf returns an *Error whose text is formatted; %w is not special
// (the text is for people: wrap a cause with Wrap).
func Errorf(format string, args ...any) *Error {
	return &Error{Text: fmt.Sprintf(format, args...)}
}

// Wrap returns an *Error with text, caused by err.
func Wrap(err error, text string) *Error { return &Error{Text: text, Err: err} }

// NewRef returns a short random reference (4 hex digits) that ties a
// generic reply to the log line of its cause.
func NewRef() string {
	var b [2]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Generic is the reply to a failure that is not an *Error: a bug or an
// I/O failure, whose cause is logged under ref.
func Generic(ref string) string {
	return "Something went wrong (ref " + ref + ")."
}
