package cli

import (
	"os"
	"path/filepath"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/botgateway/bot/internal/testenv"
)

// openclawFixture is the realistic OpenClaw state directory the openclaw
// package's tests use (two agents, oauth, api_key and token profiles,
// usageStats, an order, a JSON5 config with comments, a .env).
const openclawFixture = "../../../openclaw/testdata/openclaw"

// cmdOpenClawFixture copies the OpenClaw fixture to a directory of the
// script, files 0600 and directories 0700: "openclaw home/.openclaw".
func cmdOpenClawFixture(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: openclaw dir")
	}
	src, err := filepath.Abs(openclawFixture)
	ts.Check(err)
	ts.Check(testenv.CopyTree(src, ts.MkAbs(args[0])))
}

// cmdContrib copies a file of contrib/ into the script's directory, keeping
// its mode: "contrib bot-check".
func cmdContrib(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: contrib file")
	}
	src := filepath.Join("../../../contrib", filepath.Base(args[0]))
	b, err := os.ReadFile(src)
	ts.Check(err)
	fi, err := os.Stat(src)
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(filepath.Base(args[0])), b, fi.Mode().Perm()))
}
