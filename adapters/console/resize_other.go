//go:build windows || plan9

package console

import "os"

// notifyResize does nothing: this system has no SIGWINCH.
func notifyResize(chan<- os.Signal) {}
