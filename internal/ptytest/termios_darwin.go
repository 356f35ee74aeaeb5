package ptytest

import "golang.org/x/sys/unix"

const (
	ioctlGetTermios = unix.TIOCGETA
	ioctlInputQueue = 0x4004667f // FIONREAD, _IOR('f', 127, int)
)
