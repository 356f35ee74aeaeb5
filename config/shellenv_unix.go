//go:build unix

package config

import (
	"os/exec"
	"syscall"
)

// killProcessGroup runs cmd in a process group of its own and makes a
// cancellation kill the whole group, so that a login script's children
// (a sleep, an agent) go down with the shell.
func killProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
