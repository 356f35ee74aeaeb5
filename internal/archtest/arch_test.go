// Package archtest holds tests of the code base's shape: the import arrows
// of DESIGN §2 and the places where a secret may be revealed.
package archtest

import (
	"bufio"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/botgateway/bot"

// repoRoot returns the module root (two levels up from this file).
func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("no caller information")
	}
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// forbidden lists, per package prefix, the project packages it must never
// reach (directly or not), with the reason printed on failure.
var forbidden = []struct {
	from, to, why string
}{
	{"config", "auth", "config sits below auth: auth → config, never back"},
	{"config", "cmd", "libraries never import the CLI"},
	{"auth", "cmd", "libraries never import the CLI"},
	{"auth", "sessions", "auth sees no chat state"},
	{"auth", "models", "auth knows no providers' clients"},
	{"auth", "gateway", "auth knows nothing of chat platforms"},
	{"auth", "adapters", "auth knows nothing of chat platforms"},
	{"adapters", "auth", "adapters must not see credentials"},
	{"adapters", "models", "adapters know nothing of providers"},
	{"models", "adapters", "the router knows nothing of chat platforms"},
	{"models", "gateway", "the router knows nothing of chat platforms"},
	{"grammar", "", "grammar imports only participle"},
	{"sessions", "auth", "sessions stores state; credentials are auth's"},
	{"sessions", "models", "sessions knows no providers"},
	{"sessions", "commands", "commands use sessions, not the other way"},
	{"sessions", "adapters", "sessions knows no chat platforms"},
	{"sessions", "gateway", "sessions knows no chat platforms"},
	{"commands", "adapters", "commands answer through Responder, not adapters"},
	{"commands", "gateway", "the gateway calls commands, not the other way"},
}

// stdlibOnly lists the packages every other package may import (STYLE §2
// rule 8's log keys and test logger); they import only the standard library.
var stdlibOnly = []string{"internal/logkeys", "internal/logtest"}

// testOnly lists the packages only tests may import: the provider
// conformance suite is test code that lives in a package so that both
// provider clients' tests can run it; testenv plants files under a test's
// temporary HOME; gatewaytest is the whole chat stack over such a HOME.
// They may import one another.
var testOnly = []string{"models/providertest", "internal/testenv", "gateway/gatewaytest"}

// TestImportArrows checks DESIGN §2's arrows with go list.
func TestImportArrows(t *testing.T) {
	if testing.Short() {
		t.Skip("go list is slow in -short mode")
	}
	for _, p := range projectPackages(t) {
		rel := p.rel
		if slices.Contains(stdlibOnly, rel) {
			for _, d := range p.Deps {
				if first, _, _ := strings.Cut(d, "/"); strings.Contains(first, ".") {
					t.Errorf("%s imports %s: every package may import it, so it imports only the standard library", rel, d)
				}
			}
		}
		for _, d := range p.Deps {
			if drel, ok := strings.CutPrefix(d, module+"/"); ok && slices.Contains(testOnly, drel) && !slices.Contains(testOnly, rel) {
				t.Errorf("%s imports %s: only tests may import it", rel, drel)
			}
		}
		for _, f := range forbidden {
			if rel != f.from && !strings.HasPrefix(rel, f.from+"/") {
				continue
			}
			for _, d := range p.Deps {
				drel, ok := strings.CutPrefix(d, module+"/")
				if !ok || strings.HasPrefix(drel, "internal/") {
					continue
				}
				if f.to == "" || drel == f.to || strings.HasPrefix(drel, f.to+"/") {
					t.Errorf("%s imports %s: %s", rel, drel, f.why)
				}
			}
		}
	}
}

// pkg is a package of the module as go list describes it.
type pkg struct {
	rel           string   // the import path relative to the module
	Imports, Deps []string // direct imports of its non-test files; all of its dependencies
	ImportPath    string
}

// projectPackages returns the module's packages (go list -deps, filtered to
// the module), failing the test when go list fails or finds none.
func projectPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-json=ImportPath,Imports,Deps", "./...")
	cmd.Dir = repoRoot(t)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		if rel, ok := strings.CutPrefix(p.ImportPath, module+"/"); ok {
			p.rel = rel
			pkgs = append(pkgs, p)
		}
	}
	if len(pkgs) == 0 {
		t.Fatal("go list found no project packages")
	}
	return pkgs
}

// revealAllowed lists the non-test files that may call Reveal: the secret
// type itself, the store writer, Claude Code's write-back, the OAuth
// refresher, the non-secret env accessor and the providers' header
// functions.
var revealAllowed = []string{
	"internal/secret/secret.go",
	"auth/profile.go",
	"auth/claudecode.go",
	"auth/claudecode_darwin.go",
	"auth/refresh.go", // the refresh token in the token request, and its fingerprint
	"models/anthropic/header.go",
	"models/openai/header.go",
	"config/envvalue.go",          // non-secret variables only (plainVar)
	"config/dotenvwrite.go",       // channel tokens written to ~/.bot/.env (bot onboard)
	"adapters/telegram/reveal.go", // the bot token in request URLs, the webhook secret
	"adapters/discord/reveal.go",  // the bot token in the Authorization header and IDENTIFY
}

// TestRevealConfined keeps Secret.Reveal calls where STYLE §9 allows them.
func TestRevealConfined(t *testing.T) {
	walkSource(t, func(path, rel string) error {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for n := 1; sc.Scan(); n++ {
			line := sc.Text()
			if strings.Contains(line, "Reveal()") && !strings.HasPrefix(strings.TrimSpace(line), "//") &&
				!slices.Contains(revealAllowed, rel) {
				t.Errorf("%s:%d calls Reveal; only %v may", rel, n, revealAllowed)
			}
		}
		return sc.Err()
	})
}

// walkSource calls fn with the path and the slash-separated path relative
// to the module root of every non-test Go file outside testdata; the test
// fails on fn's first error.
func walkSource(t *testing.T, fn func(path, rel string) error) {
	t.Helper()
	root := repoRoot(t)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		return fn(path, filepath.ToSlash(rel))
	})
	if err != nil {
		t.Fatal(err)
	}
}
