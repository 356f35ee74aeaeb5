//go:build !windows && !plan9

package console

import (
	"os"
	"os/signal"
	"syscall"
)

// notifyResize relays the terminal's window-size changes to c.
func notifyResize(c chan<- os.Signal) { signal.Notify(c, syscall.SIGWINCH) }
