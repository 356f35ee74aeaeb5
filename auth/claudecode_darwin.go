package auth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"time"
)

// securityPath is the macOS Keychain command-line tool.
const securityPath = "/usr/bin/security"

// defaultSecurity returns the runner of the real security tool.
func defaultSecurity() securityFunc { return runSecurity }

// runSecurity runs the security tool. Secrets only ever travel on its
// standard input and output, never in its arguments, and neither its output
// nor its error stream is put into the returned error. In interactive mode
// (stdin given, "security -i") the tool reports a failed command on its error
// stream but still exits 0, so anything written there is a failure.
func runSecurity(ctx context.Context, stdin []byte, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, securityPath, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("security %s: %w", args[0], ctx.Err())
		}
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil, fmt.Errorf("security %s: exit status %d", args[0], ee.ExitCode())
		}
		return nil, fmt.Errorf("security %s: %w", args[0], err)
	}
	if stdin != nil && stderr.Len() > 0 {
		return nil, fmt.Errorf("security %s: the command failed", args[0])
	}
	return stdout.Bytes(), nil
}
