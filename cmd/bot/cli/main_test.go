package cli

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/botgateway/bot/internal/providers"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"bot": func() {
			os.Exit(Main(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
		},
	})
}

// TestScripts runs the CLI scripts in testdata/script. Each runs in its own
// temp dir with HOME=$WORK/home, so ~/.bot and ~/.claude are private to it,
// and no provider variable of the developer's environment leaks in.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exitcode": cmdExitCode,
			"islink":   cmdIsLink,
			"perm":     cmdPerm,
			"openclaw": cmdOpenClawFixture,
			"contrib":  cmdContrib,
		},
		Setup: func(env *testscript.Env) error {
			home := filepath.Join(env.WorkDir, "home")
			if err := os.MkdirAll(home, 0o700); err != nil {
				return err
			}
			env.Setenv("HOME", home)
			// Model and platform calls must never leave the machine: every endpoint
			// points at a closed loopback port unless a script says
			// otherwise.
			for _, k := range append(providers.EndpointVars(), "BOT_TELEGRAM_API_URL", "BOT_DISCORD_API_URL") {
				env.Setenv(k, "http://127.0.0.1:1")
			}
			for _, k := range append(providers.CredentialVars(),
				"BOT_STATE_DIR", "BOT_CONFIG_PATH", "BOT_LOAD_SHELL_ENV", "DISCORD_BOT_TOKEN", "TELEGRAM_BOT_TOKEN") {
				env.Setenv(k, "")
			}
			return nil
		},
	})
}

// cmdExitCode runs a command like exec and checks its exit code:
// "exitcode 2 bot models status --check". Its stdout and stderr can be
// inspected afterwards like exec's.
func cmdExitCode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exitcode N command [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exitcode: bad code %q", args[0])
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		ee, ok := errors.AsType[*exec.ExitError](err)
		if !ok {
			ts.Fatalf("exitcode: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Logf("stdout:\n%s\nstderr:\n%s", ts.ReadFile("stdout"), ts.ReadFile("stderr"))
		ts.Fatalf("exit code %d, want %d", got, want)
	}
}

// cmdIsLink checks that a path is a symbolic link, not the file it names:
// "islink home/.bot/agents/main/agent/auth-profiles.json".
func cmdIsLink(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: islink path")
	}
	fi, err := os.Lstat(ts.MkAbs(args[0]))
	if err != nil {
		ts.Fatalf("islink: %v", err)
	}
	if isLink := fi.Mode()&os.ModeSymlink != 0; isLink == neg {
		ts.Fatalf("%s: mode %v, symlink %v", args[0], fi.Mode(), isLink)
	}
}

// cmdPerm checks the permission bits of a path, not following a link:
// "perm 0600 home/.bot/bot.json".
func cmdPerm(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: perm MODE path")
	}
	want, err := strconv.ParseUint(args[0], 8, 32)
	if err != nil {
		ts.Fatalf("perm: bad mode %q", args[0])
	}
	fi, err := os.Lstat(ts.MkAbs(args[1]))
	if err != nil {
		ts.Fatalf("perm: %v", err)
	}
	if got := fi.Mode().Perm(); uint64(got) != want {
		ts.Fatalf("%s: mode %o, want %o", args[1], got, want)
	}
}
