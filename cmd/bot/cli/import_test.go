package cli

import (
	"io/fs"
	"os"
	"path/filepath"

	"github.com/rogpeppe/go-internal/testscript"
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
	dst := ts.MkAbs(args[0])
	ts.Check(filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o700)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o600)
	}))
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
