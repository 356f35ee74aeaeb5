package cli

import "fmt"

// exitError ends the command with an exit code and no further message; the
// command has already printed what it had to say (bot models status --check).
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// userError is a message for the user, printed verbatim as one stderr line
// with exit code 1. It names the problem and the fix.
type userError struct{ msg string }

func (e userError) Error() string { return e.msg }

// userErrorf formats a userError.
func userErrorf(format string, args ...any) error {
	return userError{msg: fmt.Sprintf(format, args...)}
}
