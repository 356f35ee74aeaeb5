// Package testenv plants the files bot reads under a temporary HOME: the
// per-agent credential stores, the config file and Claude Code's
// credentials, each at the path and with the modes bot expects (directories
// 0700, files 0600; internal/safefile refuses group- or other-writable
// files). It is test code: only tests may import it (internal/archtest).
//
// It imports nothing from the project, so the tests of config and auth can
// use it too; the layout it writes is DESIGN's, spelled out here once.
package testenv

import (
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// Env is one test's environment: a temporary HOME and the variables a
// command run in it sees.
type Env struct {
	t testing.TB
	// Home is the temporary home directory, removed when the test ends.
	Home string
	vars map[string]string
}

// New returns an Env whose HOME is a fresh temporary directory and whose
// variables are HOME and the test process's PATH. It does not change the
// test process's own environment.
func New(t testing.TB) *Env {
	t.Helper()
	home := t.TempDir()
	return &Env{t: t, Home: home, vars: map[string]string{"HOME": home, "PATH": os.Getenv("PATH")}}
}

// Path returns rel (slash-separated) under HOME.
func (e *Env) Path(rel string) string { return filepath.Join(e.Home, filepath.FromSlash(rel)) }

// StorePath returns the credential store of agent:
// ~/.bot/agents/<agent>/agent/auth-profiles.json.
func (e *Env) StorePath(agent string) string { return e.Path(storeRel(agent)) }

// ConfigPath returns the config file: ~/.bot/bot.json.
func (e *Env) ConfigPath() string { return e.Path(configRel) }

// ClaudeCodePath returns Claude Code's credentials file:
// ~/.claude/.credentials.json.
func (e *Env) ClaudeCodePath() string { return e.Path(claudeCodeRel) }

// The files bot reads, relative to HOME (DESIGN §3).
const (
	configRel     = ".bot/bot.json"
	claudeCodeRel = ".claude/.credentials.json"
)

// storeRel returns agent's credential store relative to HOME.
func storeRel(agent string) string { return ".bot/agents/" + agent + "/agent/auth-profiles.json" }

// Write writes content to rel under HOME with mode 0600, creating the
// missing directories with mode 0700, and returns the file's path.
func (e *Env) Write(rel, content string) string {
	e.t.Helper()
	return e.WriteMode(rel, content, 0o600)
}

// WriteMode is Write with the file's mode given. The mode is set exactly,
// whatever the umask and whether the file existed.
func (e *Env) WriteMode(rel, content string, mode fs.FileMode) string {
	e.t.Helper()
	p := e.Path(rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		e.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		e.t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		e.t.Fatal(err)
	}
	return p
}

// Files writes each content of files to its rel under HOME, as Write does.
func (e *Env) Files(files map[string]string) {
	e.t.Helper()
	for _, rel := range slices.Sorted(maps.Keys(files)) {
		e.Write(rel, files[rel])
	}
}

// Store writes doc as agent's credential store and returns its path.
func (e *Env) Store(agent, doc string) string {
	e.t.Helper()
	return e.Write(storeRel(agent), doc)
}

// Config writes doc as the config file and returns its path.
func (e *Env) Config(doc string) string {
	e.t.Helper()
	return e.Write(configRel, doc)
}

// ClaudeCode writes doc as Claude Code's credentials file and returns its
// path.
func (e *Env) ClaudeCode(doc string) string {
	e.t.Helper()
	return e.Write(claudeCodeRel, doc)
}

// Set sets the variable k to v in the environment commands see.
func (e *Env) Set(k, v string) { e.vars[k] = v }

// Getenv returns the variable k, or "" when it is not set: the getenv
// function bot's entry points take.
func (e *Env) Getenv(k string) string { return e.vars[k] }

// Environ returns the variables as KEY=value lines, sorted, for exec.Cmd.Env.
func (e *Env) Environ() []string {
	out := make([]string, 0, len(e.vars))
	for _, k := range slices.Sorted(maps.Keys(e.vars)) {
		out = append(out, k+"="+e.vars[k])
	}
	return out
}

// CopyTree copies the directory tree src (a testdata directory) to dst,
// files with mode 0600 and directories 0700, the modes bot expects of its
// own and of the files it imports (git keeps neither).
func CopyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o700)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o600)
	})
}
