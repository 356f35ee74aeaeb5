// Package integration runs bot end to end — the CLI, the gateway, the
// command engine, the router and the provider clients — against loopback
// fakes of the providers and the OAuth token endpoint (internal/fakes).
// Nothing here touches the internet.
package integration

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/botgateway/bot/cmd/bot/cli"
)

// env is a test's environment: HOME in a temp dir, provider endpoints on
// the fakes.
type env struct {
	t    testing.TB
	home string
	vars map[string]string
}

func newEnv(t testing.TB) *env {
	t.Helper()
	home := t.TempDir()
	return &env{t: t, home: home, vars: map[string]string{"HOME": home, "PATH": os.Getenv("PATH")}}
}

// write plants a file under HOME.
func (e *env) write(rel, content string) {
	e.t.Helper()
	p := filepath.Join(e.home, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		e.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		e.t.Fatal(err)
	}
}

// read returns a file under HOME.
func (e *env) read(rel string) string {
	e.t.Helper()
	b, err := os.ReadFile(filepath.Join(e.home, rel))
	if err != nil {
		e.t.Fatal(err)
	}
	return string(b)
}

// store plants the main agent's auth-profiles.json.
func (e *env) store(json string) { e.write(".bot/agents/main/agent/auth-profiles.json", json) }

// bot runs the CLI in-process and returns stdout, stderr and the exit code.
func (e *env) bot(args ...string) (string, string, int) {
	e.t.Helper()
	var stdout, stderr bytes.Buffer
	code := cli.Main(context.Background(), args, strings.NewReader(""), &stdout, &stderr, func(k string) string { return e.vars[k] })
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
