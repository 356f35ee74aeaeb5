package termread

import "golang.org/x/sys/unix"

const (
	ioctlGetTermios = unix.TCGETS
	ioctlSetTermios = unix.TCSETS
	// ioctlSetTermiosFlush sets the attributes after discarding the input
	// not yet read.
	ioctlSetTermiosFlush = unix.TCSETSF
)
