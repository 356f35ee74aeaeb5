package config

import (
	"fmt"
	"strings"
)

// Error is a problem in a config file, located by line (and, for syntax
// errors, column) and by dotted key.
type Error struct {
	// Path is the file.
	Path string
	// Line is the 1-based line of the problem; 0 when it has none.
	Line int
	// Col is the 1-based byte column; it is set for syntax errors only.
	Col int
	// Key is the dotted key the problem is about ("models.default",
	// "auth.profiles.anthropic:work.mode", "channels.telegram.allowFrom[2]");
	// empty for syntax errors. A key segment that holds '.', spaces, quotes
	// or brackets is written as ["..."].
	Key string
	// Msg says what is wrong. It never quotes a value from the file.
	Msg string
	// Hint, when set, says how to fix it; Error appends it after "; ".
	Hint string
	// Unreadable is set when the file could not be read at all (a device,
	// a FIFO or a directory where it belongs, an I/O error), as opposed to
	// read and found wrong: what stops the read is the file itself, which
	// bot doctor's file check reports on its own.
	Unreadable bool
}

// Error returns "config: <path>:<line>[:<col>]: <msg>[; <hint>]".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("config: ")
	b.WriteString(e.Path)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Col > 0 {
			fmt.Fprintf(&b, ":%d", e.Col)
		}
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	if e.Hint != "" {
		b.WriteString("; ")
		b.WriteString(e.Hint)
	}
	return b.String()
}

// problem describes the error without the file and the hint
// ("line 7: unknown key ..."), for messages that name the file themselves.
func (e *Error) problem() string {
	switch {
	case e.Line > 0 && e.Col > 0:
		return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Col, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return e.Msg
}
