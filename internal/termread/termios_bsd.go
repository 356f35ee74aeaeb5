//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package termread

import "golang.org/x/sys/unix"

const (
	ioctlGetTermios = unix.TIOCGETA
	ioctlSetTermios = unix.TIOCSETA
	// ioctlSetTermiosFlush sets the attributes after discarding the input
	// not yet read.
	ioctlSetTermiosFlush = unix.TIOCSETAF
)
