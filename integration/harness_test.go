// Package integration runs bot end to end — the CLI, the gateway, the
// command engine, the router and the provider clients — against loopback
// fakes of the providers and the OAuth token endpoint (internal/fakes).
// Nothing here touches the internet.
package integration

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/botgateway/bot/cmd/bot/cli"
	"github.com/botgateway/bot/internal/testenv"
)

// env is a test's environment: HOME in a temp dir (internal/testenv),
// provider endpoints on the fakes.
type env struct {
	*testenv.Env
	t testing.TB
}

func newEnv(t testing.TB) *env {
	t.Helper()
	return &env{Env: testenv.New(t), t: t}
}

// read returns a file under HOME.
func (e *env) read(rel string) string {
	e.t.Helper()
	b, err := os.ReadFile(e.Path(rel))
	if err != nil {
		e.t.Fatal(err)
	}
	return string(b)
}

// bot runs the CLI in-process and returns stdout, stderr and the exit code.
func (e *env) bot(args ...string) (string, string, int) {
	e.t.Helper()
	var stdout, stderr bytes.Buffer
	code := cli.Main(context.Background(), args, strings.NewReader(""), &stdout, &stderr, e.Getenv)
	return stdout.String(), stderr.String(), code
}

// chat sends messages through bot chat and returns the replies (stdout).
func (e *env) chat(msgs ...string) string {
	e.t.Helper()
	args := []string{"chat"}
	for _, m := range msgs {
		args = append(args, "--message", m)
	}
	out, errOut, code := e.bot(args...)
	if code != 0 {
		e.t.Fatalf("bot chat exited %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	return out
}
