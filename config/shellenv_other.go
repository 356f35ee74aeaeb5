//go:build !unix

package config

import "os/exec"

// killProcessGroup is a no-op where process groups do not exist; the
// shell alone is killed on cancellation.
func killProcessGroup(cmd *exec.Cmd) {}
