package config

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/botgateway/bot/internal/providers"
	"github.com/botgateway/bot/internal/safefile"
	"github.com/botgateway/bot/internal/secret"
)

// DefaultShellTimeout bounds the login-shell import when neither
// EnvOptions, the config nor BOT_SHELL_ENV_TIMEOUT_MS says otherwise.
const DefaultShellTimeout = 15 * time.Second

// DefaultShellKeys are the variables the login-shell import looks for when
// EnvOptions.ExpectedKeys is empty.
var DefaultShellKeys = append(providers.CredentialVars(), "DISCORD_BOT_TOKEN", "TELEGRAM_BOT_TOKEN")

// SourceKind is the layer of the environment a value came from.
type SourceKind int

// The layers, in the order they are consulted.
const (
	SourceNone        SourceKind = iota // no value
	SourceProcess                       // the process environment
	SourceWorkDotEnv                    // .env in the working directory
	SourceStateDotEnv                   // <state dir>/.env
	SourceConfig                        // the config's env block
	SourceShell                         // imported from the login shell
)

// String names the layer.
func (k SourceKind) String() string {
	switch k {
	case SourceProcess:
		return "env"
	case SourceWorkDotEnv:
		return WorkDotEnv
	case SourceStateDotEnv:
		return "state .env"
	case SourceConfig:
		return "config"
	case SourceShell:
		return "shell env"
	}
	return "none"
}

// Source tells where a variable's value came from.
type Source struct {
	// Kind is the layer.
	Kind SourceKind
	// Key is the variable's name.
	Key string
	// File is the .env file as displayed ("./.env", "~/.bot/.env") for the
	// .env layers, else empty.
	File string
}

// String returns the label status output shows: "env: KEY" (process),
// "./.env: KEY", "~/.bot/.env: KEY", "config: KEY" or "shell env: KEY";
// "" for the zero Source.
func (s Source) String() string {
	switch s.Kind {
	case SourceNone:
		return ""
	case SourceWorkDotEnv, SourceStateDotEnv:
		if s.File != "" {
			return s.File + ": " + s.Key
		}
	}
	return s.Kind.String() + ": " + s.Key
}

// EnvOptions configures LoadEnv. Zero fields take the defaults noted.
type EnvOptions struct {
	// Getenv reads the process environment (default os.Getenv).
	Getenv func(string) string
	// Environ lists the process environment as KEY=value, for Keys and as
	// the login shell's environment (default os.Environ() when Getenv is
	// nil too; else the shell inherits the process environment).
	Environ []string
	// WorkDir is where ./.env is looked for (default the working directory).
	WorkDir string
	// Paths locates <StateDir>/.env; the layer is skipped when StateDir is empty.
	Paths Paths
	// Config supplies the env block and env.shellEnv; may be nil.
	Config *Config
	// ShellEnv forces the login-shell import on. It is also on when
	// env.shellEnv.enabled is true or BOT_LOAD_SHELL_ENV is 1, true, yes
	// or on.
	ShellEnv bool
	// Shell is the login shell (default $SHELL, else /bin/sh).
	Shell string
	// ShellTimeout bounds the shell's run (default env.shellEnv.timeoutMs,
	// else BOT_SHELL_ENV_TIMEOUT_MS, else DefaultShellTimeout).
	ShellTimeout time.Duration
	// ExpectedKeys are the variables imported from the shell (default
	// DefaultShellKeys).
	ExpectedKeys []string
}

// Env is the layered environment of DESIGN §3: the process environment,
// then ./.env, then <state dir>/.env, then the config's env block, then
// the login-shell import. The first layer that has a non-blank value for a
// key wins; no layer ever overrides a value set by an earlier one. Values
// are trimmed and handed out only as secret.Secret.
//
// LoadEnv never changes the process environment (no os.Setenv): callers
// that start subprocesses pass values explicitly. An Env is read-only and
// safe for concurrent use, provided its Getenv is.
type Env struct {
	getenv   func(string) string
	environ  []string
	vars     map[string]envValue
	switches map[string]string // bot's own switches, kept plain
	shell    bool
	applied  []string
	warnings []string
	shadowed []string // keys of the state .env the process environment overrides with another value
}

// envValue is a value of a layer below the process environment.
type envValue struct {
	value secret.Secret
	src   Source
}

// LoadEnv builds the layered environment. Problems (an unreadable or
// malformed .env line, a failed or timed-out shell import) become
// Warnings; LoadEnv fails only when ctx ends while the login shell runs.
func LoadEnv(ctx context.Context, o EnvOptions) (*Env, error) {
	e := &Env{getenv: o.Getenv, environ: o.Environ, vars: map[string]envValue{}, switches: map[string]string{}}
	if e.getenv == nil {
		e.getenv = os.Getenv
		if e.environ == nil {
			e.environ = os.Environ()
		}
	}
	stateEnv := ""
	if o.Paths.StateDir != "" {
		stateEnv = o.Paths.EnvFile()
	}
	wd := o.WorkDir
	if wd == "" {
		wd, _ = os.Getwd()
	}
	if wd != "" {
		if p := filepath.Join(wd, ".env"); stateEnv == "" || !sameFile(p, stateEnv) {
			e.loadDotEnv(p, WorkDotEnv, SourceWorkDotEnv, o.Paths.DisplayWork(wd))
		}
	}
	if stateEnv != "" {
		e.loadDotEnv(stateEnv, o.Paths.Display(stateEnv), SourceStateDotEnv, o.Paths.Display)
	}
	vars := o.Config.EnvVars()
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		e.add(k, vars[k], Source{Kind: SourceConfig, Key: k})
	}
	e.shell = o.ShellEnv || truthy(e.value("BOT_LOAD_SHELL_ENV")) ||
		(o.Config != nil && o.Config.Env.ShellEnv.Enabled)
	if e.shell {
		if err := e.importShell(ctx, o); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// Lookup returns the value of key, where it came from, and whether it is
// set (to a non-blank value) in any layer. It accepts a nil receiver.
func (e *Env) Lookup(key string) (value secret.Secret, src Source, ok bool) {
	if e == nil {
		return secret.Secret{}, Source{}, false
	}
	if v := strings.TrimSpace(e.getenv(key)); v != "" {
		return secret.New(v), Source{Kind: SourceProcess, Key: key}, true
	}
	if ev, ok := e.vars[key]; ok {
		return ev.value, ev.src, true
	}
	return secret.Secret{}, Source{}, false
}

// Keys returns the names of the variables set in any layer (the process
// layer as listed by EnvOptions.Environ), sorted.
func (e *Env) Keys() []string {
	set := map[string]bool{}
	for _, kv := range e.environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" && strings.TrimSpace(v) != "" {
			set[k] = true
		}
	}
	for k := range e.vars {
		set[k] = true
	}
	return slices.Sorted(maps.Keys(set))
}

// ShellEnabled reports whether the login-shell import was switched on.
func (e *Env) ShellEnabled() bool { return e.shell }

// ShellApplied returns the keys imported from the login shell.
func (e *Env) ShellApplied() []string { return slices.Clone(e.applied) }

// Warnings returns one line per problem met while loading, for the user.
func (e *Env) Warnings() []string { return slices.Clone(e.warnings) }

// set reports whether key has a non-blank value in a layer loaded so far.
func (e *Env) set(key string) bool {
	_, _, ok := e.Lookup(key)
	return ok
}

// switchKeys are bot's own settings read from the environment while it is
// being loaded; their values are not secrets and are kept as strings.
var switchKeys = []string{"BOT_LOAD_SHELL_ENV", "BOT_SHELL_ENV_TIMEOUT_MS"}

// value returns the value of one of switchKeys from the layers loaded so far.
func (e *Env) value(key string) string {
	if v := strings.TrimSpace(e.getenv(key)); v != "" {
		return v
	}
	return e.switches[key]
}

// add records key unless an earlier layer set it or value is blank.
func (e *Env) add(key, value string, src Source) bool {
	value = strings.TrimSpace(value)
	if value == "" || e.set(key) {
		return false
	}
	e.vars[key] = envValue{value: secret.New(value), src: src}
	if slices.Contains(switchKeys, key) {
		e.switches[key] = value
	}
	return true
}

// warnf records a warning.
func (e *Env) warnf(format string, args ...any) {
	e.warnings = append(e.warnings, fmt.Sprintf(format, args...))
}

// loadDotEnv adds the variables of the .env file at path, shown as label.
// A file someone else could have written (see internal/safefile) is
// ignored with a warning naming the fix: it could set a provider's base URL.
// The directories above ./.env are not judged, as the working directory is
// the user's project, not bot's; those above the state .env are.
func (e *Env) loadDotEnv(path, label string, kind SourceKind, display func(string) string) {
	read := safefile.ReadFile
	if kind == SourceWorkDotEnv {
		read = safefile.ReadFileAlone
	}
	data, err := read(path)
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	if se, ok := errors.AsType[*safefile.Error](err); ok {
		e.warnf("%s, so its variables are ignored; run: %s", se.Problem(display), se.Fix(display))
		return
	}
	if d := safefile.Denied(err); d != nil {
		e.warnf("%s, so its variables are ignored; run: %s", d.Problem(display), d.Fix(display))
		return
	}
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		e.warnf("cannot read %s: %v; its variables are ignored", label, err)
		return
	}
	entries, problems := parseDotenv(string(data))
	for _, p := range problems {
		e.warnf("%s:%d: %s", label, p.line, p.msg)
	}
	last := map[string]string{}
	var order []string
	for _, en := range entries {
		if _, seen := last[en.key]; !seen {
			order = append(order, en.key)
		}
		last[en.key] = en.value
	}
	for _, k := range order {
		if kind == SourceStateDotEnv {
			e.noteShadowed(k, last[k])
		}
		e.add(k, last[k], Source{Kind: kind, Key: k, File: label})
	}
}

// noteShadowed records key when the process environment sets it to
// another non-blank value than the state .env's: the file's value is then
// never used, which surprises whoever edits the file (bot doctor says so).
// The values are compared in constant time and never kept.
func (e *Env) noteShadowed(key, fileValue string) {
	proc := strings.TrimSpace(e.getenv(key))
	fileValue = strings.TrimSpace(fileValue)
	if proc == "" || fileValue == "" || subtle.ConstantTimeCompare([]byte(proc), []byte(fileValue)) == 1 {
		return
	}
	e.shadowed = append(e.shadowed, key)
}

// Shadowed returns the names of the variables that the state dir's .env
// sets and that the process environment overrides with a different
// value, in the file's order. Only names: never the values.
func (e *Env) Shadowed() []string { return slices.Clone(e.shadowed) }

// importShell imports each expected key that no layer has set from the
// login shell's environment. Unlike OpenClaw, it does not skip the import
// when some other expected key is already set.
func (e *Env) importShell(ctx context.Context, o EnvOptions) error {
	keys := o.ExpectedKeys
	if len(keys) == 0 {
		keys = DefaultShellKeys
	}
	var missing []string
	for _, k := range keys {
		if !e.set(k) {
			missing = append(missing, k)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	shell := o.Shell
	if shell == "" {
		shell = strings.TrimSpace(e.getenv("SHELL"))
	}
	if shell == "" {
		shell = "/bin/sh"
	}
	timeout := e.shellTimeout(o)
	out, err := runLoginShell(ctx, shell, timeout, o.Environ)
	if ctx.Err() != nil {
		return fmt.Errorf("config: importing the login shell's environment: %w", context.Cause(ctx))
	}
	if err != nil {
		e.warnf("shell env import failed: %v", err)
		return nil
	}
	got := parseEnvZero(out)
	for _, k := range missing {
		if e.add(k, got[k], Source{Kind: SourceShell, Key: k}) {
			e.applied = append(e.applied, k)
		}
	}
	return nil
}

// shellTimeout picks the shell's time limit.
func (e *Env) shellTimeout(o EnvOptions) time.Duration {
	if o.ShellTimeout > 0 {
		return o.ShellTimeout
	}
	if o.Config != nil && o.Config.Env.ShellEnv.TimeoutMs > 0 {
		return time.Duration(o.Config.Env.ShellEnv.TimeoutMs) * time.Millisecond
	}
	if s := e.value("BOT_SHELL_ENV_TIMEOUT_MS"); s != "" {
		ms, err := strconv.Atoi(s)
		if err == nil && ms > 0 {
			return time.Duration(ms) * time.Millisecond
		}
		e.warnf("BOT_SHELL_ENV_TIMEOUT_MS=%q is not a positive number of milliseconds; using %s", s, DefaultShellTimeout)
	}
	return DefaultShellTimeout
}

// parseEnvZero parses the output of `env -0`: KEY=value entries ended by NUL.
func parseEnvZero(out []byte) map[string]string {
	m := map[string]string{}
	for _, kv := range strings.Split(string(out), "\x00") {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
			if _, dup := m[k]; !dup {
				m[k] = v
			}
		}
	}
	return m
}

// truthy reports whether a switch variable is on (1, true, yes, on).
func truthy(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

// sameFile reports whether a and b name the same existing file, or the
// same path.
func sameFile(a, b string) bool {
	if filepath.Clean(a) == filepath.Clean(b) {
		return true
	}
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}
