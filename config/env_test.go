package config

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/botgateway/bot/internal/secret"
	"github.com/botgateway/bot/internal/testenv"
	"github.com/google/go-cmp/cmp"
)

// envFixture is a home (internal/testenv) with a state dir, a working dir
// ("work" under it) and a process environment.
type envFixture struct {
	*testenv.Env
	wd      string
	paths   Paths
	process map[string]string
}

func newEnvFixture(t *testing.T) *envFixture {
	t.Helper()
	env := testenv.New(t)
	fx := &envFixture{
		Env:     env,
		wd:      env.Path("work"),
		paths:   Paths{Home: env.Home, StateDir: env.Path(".bot"), ConfigPath: env.ConfigPath()},
		process: map[string]string{},
	}
	for _, d := range []string{fx.wd, fx.paths.StateDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	return fx
}

// options returns EnvOptions reading the fixture.
func (fx *envFixture) options(cfg *Config) EnvOptions {
	environ := []string{"HOME=" + fx.Home, "PATH=" + os.Getenv("PATH")}
	for k, v := range fx.process {
		environ = append(environ, k+"="+v)
	}
	return EnvOptions{
		Getenv:  func(k string) string { return fx.process[k] },
		Environ: environ,
		WorkDir: fx.wd,
		Paths:   fx.paths,
		Config:  cfg,
	}
}

// fakeShell writes an executable sh script that stands in for the login
// shell, and returns its path. The script touches <dir>/ran when it runs.
func fakeShell(t *testing.T, body string) (shell, ran string) {
	t.Helper()
	dir := t.TempDir()
	ran = filepath.Join(dir, "ran")
	shell = filepath.Join(dir, "fakesh")
	script := "#!/bin/sh\n: > '" + ran + "'\n" + body + "\n"
	if err := os.WriteFile(shell, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return shell, ran
}

// checkLookup fails unless e has key set to want from label.
func checkLookup(t *testing.T, e *Env, key, want, label string) {
	t.Helper()
	v, src, ok := e.Lookup(key)
	if want == "" {
		if ok {
			t.Errorf("Lookup(%s) = %s from %q, want unset", key, v, src)
		}
		return
	}
	if !ok {
		t.Errorf("Lookup(%s) unset, want a value from %q", key, label)
		return
	}
	if !v.Equal(secret.New(want)) {
		t.Errorf("Lookup(%s) from %q: wrong value", key, src)
	}
	if src.String() != label {
		t.Errorf("Lookup(%s) source = %q, want %q", key, src, label)
	}
}

func TestLoadEnvLayers(t *testing.T) {
	fx := newEnvFixture(t)
	fx.process = map[string]string{"A": "process", "BLANK_PROC": "  ", "TRIM": "  padded  "}
	fx.Write("work/.env", "A=wd\nBLANK_PROC=wd\nB=wd\nE=\n")
	fx.Write(".bot/.env", "A=state\nB=state\nC=state\nE=state\nexport F='state'\n")
	cfg := &Config{Env: EnvConfig{Vars: map[string]string{"A": "config", "C": "config", "D": "config", "BLANK_CFG": " "}}}
	shell, _ := fakeShell(t, `printf 'D=shell\000G=shell\000'`)
	o := fx.options(cfg)
	o.ShellEnv, o.Shell, o.ExpectedKeys = true, shell, []string{"D", "G", "H"}
	e, err := LoadEnv(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	stateLabel := "~/.bot/.env"
	if fx.paths.Display(fx.paths.EnvFile()) != stateLabel {
		t.Fatalf("Display(EnvFile) = %q", fx.paths.Display(fx.paths.EnvFile()))
	}
	tests := []struct {
		name, key, want, label string
	}{
		{"process wins over every layer", "A", "process", "env: A"},
		{"blank process value counts as unset", "BLANK_PROC", "wd", "./.env: BLANK_PROC"},
		{"./.env wins over the state .env", "B", "wd", "./.env: B"},
		{"state .env wins over config", "C", "state", "~/.bot/.env: C"},
		{"blank .env value falls through", "E", "state", "~/.bot/.env: E"},
		{"export and quotes", "F", "state", "~/.bot/.env: F"},
		{"config wins over the shell", "D", "config", "config: D"},
		{"shell is last", "G", "shell", "shell env: G"},
		{"blank config value is unset", "BLANK_CFG", "", ""},
		{"nowhere", "H", "", ""},
		{"values are trimmed", "TRIM", "padded", "env: TRIM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkLookup(t, e, tt.key, tt.want, tt.label) })
	}
	if diff := cmp.Diff([]string{"G"}, e.ShellApplied()); diff != "" {
		t.Errorf("ShellApplied (-want +got):\n%s", diff)
	}
	if len(e.Warnings()) != 0 {
		t.Errorf("Warnings = %q, want none", e.Warnings())
	}
	wantKeys := []string{"A", "B", "BLANK_PROC", "C", "D", "E", "F", "G", "HOME", "PATH", "TRIM"}
	if diff := cmp.Diff(wantKeys, e.Keys()); diff != "" {
		t.Errorf("Keys (-want +got):\n%s", diff)
	}
	if os.Getenv("B") != "" || os.Getenv("G") != "" {
		t.Errorf("LoadEnv changed the process environment")
	}
}

func TestLoadEnvWarnings(t *testing.T) {
	fx := newEnvFixture(t)
	if err := os.Mkdir(filepath.Join(fx.wd, ".env"), 0o700); err != nil { // unreadable as a file
		t.Fatal(err)
	}
	fx.Write(".bot/.env", "GOOD=1\nsk-ant-oops\n")
	e, err := LoadEnv(t.Context(), fx.options(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"cannot read ./.env: is a directory; its variables are ignored",
		"~/.bot/.env:2: not a KEY=value line; skipped",
	}
	if diff := cmp.Diff(want, e.Warnings()); diff != "" {
		t.Errorf("Warnings (-want +got):\n%s", diff)
	}
	checkLookup(t, e, "GOOD", "1", "~/.bot/.env: GOOD")
	if e.ShellEnabled() {
		t.Errorf("ShellEnabled = true without any switch")
	}
}

func TestLoadEnvWorkDirIsStateDir(t *testing.T) {
	fx := newEnvFixture(t)
	fx.wd = fx.paths.StateDir
	fx.Write(".bot/.env", "K=v\n")
	e, err := LoadEnv(t.Context(), fx.options(nil))
	if err != nil {
		t.Fatal(err)
	}
	checkLookup(t, e, "K", "v", "~/.bot/.env: K")
}

func TestShellImportPerKey(t *testing.T) {
	fx := newEnvFixture(t)
	fx.process["TELEGRAM_BOT_TOKEN"] = "from-process"
	shell, _ := fakeShell(t, `printf 'TELEGRAM_BOT_TOKEN=from-shell\000ANTHROPIC_API_KEY=%s\000OPENAI_API_KEY=  \000MULTI=a\nb\000PATH=/x\000' "$SECRET_FROM_ENVIRON"`)
	o := fx.options(nil)
	o.Environ = append(o.Environ, "SECRET_FROM_ENVIRON=sk-shell")
	o.ShellEnv, o.Shell = true, shell
	e, err := LoadEnv(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	// Unlike OpenClaw, a set TELEGRAM_BOT_TOKEN does not stop the import of
	// the other expected keys.
	checkLookup(t, e, "TELEGRAM_BOT_TOKEN", "from-process", "env: TELEGRAM_BOT_TOKEN")
	checkLookup(t, e, "ANTHROPIC_API_KEY", "sk-shell", "shell env: ANTHROPIC_API_KEY")
	checkLookup(t, e, "OPENAI_API_KEY", "", "")
	checkLookup(t, e, "PATH", "", "") // not an expected key
	if diff := cmp.Diff([]string{"ANTHROPIC_API_KEY"}, e.ShellApplied()); diff != "" {
		t.Errorf("ShellApplied (-want +got):\n%s", diff)
	}
	if !e.ShellEnabled() || len(e.Warnings()) != 0 {
		t.Errorf("ShellEnabled = %v, Warnings = %q; want true, none", e.ShellEnabled(), e.Warnings())
	}
}

func TestShellSwitches(t *testing.T) {
	tests := []struct {
		name    string
		process map[string]string
		dotenv  string
		cfg     *Config
		force   bool
		want    bool
	}{
		{name: "off by default", want: false},
		{name: "forced", force: true, want: true},
		{name: "BOT_LOAD_SHELL_ENV=1", process: map[string]string{"BOT_LOAD_SHELL_ENV": "1"}, want: true},
		{name: "BOT_LOAD_SHELL_ENV=0", process: map[string]string{"BOT_LOAD_SHELL_ENV": "0"}, want: false},
		{name: "BOT_LOAD_SHELL_ENV from .env", dotenv: "BOT_LOAD_SHELL_ENV=true\n", want: true},
		{name: "config", cfg: &Config{Env: EnvConfig{ShellEnv: ShellEnvConfig{Enabled: true}}}, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := newEnvFixture(t)
			if tt.process != nil {
				fx.process = tt.process
			}
			if tt.dotenv != "" {
				fx.Write(".bot/.env", tt.dotenv)
			}
			shell, ran := fakeShell(t, `printf 'OPENAI_API_KEY=sk\000'`)
			o := fx.options(tt.cfg)
			o.ShellEnv, o.Shell = tt.force, shell
			e, err := LoadEnv(t.Context(), o)
			if err != nil {
				t.Fatal(err)
			}
			_, statErr := os.Stat(ran)
			if e.ShellEnabled() != tt.want || (statErr == nil) != tt.want {
				t.Errorf("ShellEnabled = %v, shell ran = %v; want %v", e.ShellEnabled(), statErr == nil, tt.want)
			}
			if tt.want {
				checkLookup(t, e, "OPENAI_API_KEY", "sk", "shell env: OPENAI_API_KEY")
			}
		})
	}
}

func TestShellNotRunWhenNothingIsMissing(t *testing.T) {
	fx := newEnvFixture(t)
	fx.Write(".bot/.env", "ANTHROPIC_API_KEY=a\n")
	shell, ran := fakeShell(t, "exit 1")
	o := fx.options(nil)
	o.ShellEnv, o.Shell, o.ExpectedKeys = true, shell, []string{"ANTHROPIC_API_KEY"}
	e, err := LoadEnv(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(ran); err == nil {
		t.Errorf("the shell ran although no expected key was missing")
	}
	if len(e.Warnings()) != 0 || len(e.ShellApplied()) != 0 {
		t.Errorf("Warnings = %q, ShellApplied = %q; want none", e.Warnings(), e.ShellApplied())
	}
}

func TestShellFailures(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		timeout time.Duration
		want    string // the warning, after "shell env import failed: <shell> -l -c 'env -0' "
	}{
		{
			name:    "timeout",
			body:    "sleep 30",
			timeout: 200 * time.Millisecond,
			want:    "timed out after 200ms; set env.shellEnv.timeoutMs or BOT_SHELL_ENV_TIMEOUT_MS to wait longer",
		},
		{
			name: "exit status",
			body: `printf 'ANTHROPIC_API_KEY=x\000'; exit 3`,
			want: "exited with status 3",
		},
		{
			name: "too much output",
			body: "head -c 3000000 /dev/zero",
			want: "printed more than 2 MiB",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := newEnvFixture(t)
			shell, _ := fakeShell(t, tt.body)
			o := fx.options(nil)
			o.ShellEnv, o.Shell, o.ShellTimeout = true, shell, tt.timeout
			e, err := LoadEnv(t.Context(), o)
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"shell env import failed: " + shell + " -l -c 'env -0' " + tt.want}
			if diff := cmp.Diff(want, e.Warnings()); diff != "" {
				t.Errorf("Warnings (-want +got):\n%s", diff)
			}
			checkLookup(t, e, "ANTHROPIC_API_KEY", "", "")
		})
	}
}

func TestShellLeavesChildBehind(t *testing.T) {
	fx := newEnvFixture(t)
	// A login script that starts a background job holding stdout open.
	shell, _ := fakeShell(t, `(sleep 2 &); printf 'ANTHROPIC_API_KEY=sk-bg\000'`)
	o := fx.options(nil)
	o.ShellEnv, o.Shell = true, shell
	e, err := LoadEnv(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	checkLookup(t, e, "ANTHROPIC_API_KEY", "sk-bg", "shell env: ANTHROPIC_API_KEY")
	if len(e.Warnings()) != 0 {
		t.Errorf("Warnings = %q, want none", e.Warnings())
	}
}

func TestShellMissing(t *testing.T) {
	fx := newEnvFixture(t)
	o := fx.options(nil)
	o.ShellEnv, o.Shell = true, filepath.Join(t.TempDir(), "no-such-shell")
	e, err := LoadEnv(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	w := e.Warnings()
	if len(w) != 1 || !strings.HasPrefix(w[0], "shell env import failed: ") || !strings.Contains(w[0], "no such file") {
		t.Errorf("Warnings = %q, want one naming the missing shell", w)
	}
}

func TestShellCanceled(t *testing.T) {
	fx := newEnvFixture(t)
	shell, _ := fakeShell(t, "sleep 30")
	o := fx.options(nil)
	o.ShellEnv, o.Shell = true, shell
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := LoadEnv(ctx, o); err == nil {
		t.Errorf("LoadEnv with a canceled context succeeded")
	}
}

func TestShellTimeout(t *testing.T) {
	tests := []struct {
		name     string
		o        EnvOptions
		process  map[string]string
		want     time.Duration
		warnings []string
	}{
		{name: "default", want: 15 * time.Second},
		{name: "option", o: EnvOptions{ShellTimeout: time.Second, Config: &Config{Env: EnvConfig{ShellEnv: ShellEnvConfig{TimeoutMs: 5}}}}, want: time.Second},
		{name: "config before env", o: EnvOptions{Config: &Config{Env: EnvConfig{ShellEnv: ShellEnvConfig{TimeoutMs: 2500}}}}, process: map[string]string{"BOT_SHELL_ENV_TIMEOUT_MS": "100"}, want: 2500 * time.Millisecond},
		{name: "env", process: map[string]string{"BOT_SHELL_ENV_TIMEOUT_MS": " 700 "}, want: 700 * time.Millisecond},
		{
			name: "bad env", process: map[string]string{"BOT_SHELL_ENV_TIMEOUT_MS": "soon"}, want: 15 * time.Second,
			warnings: []string{`BOT_SHELL_ENV_TIMEOUT_MS="soon" is not a positive number of milliseconds; using 15s`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &Env{getenv: func(k string) string { return tt.process[k] }}
			if got := e.shellTimeout(tt.o); got != tt.want {
				t.Errorf("shellTimeout = %v, want %v", got, tt.want)
			}
			if diff := cmp.Diff(tt.warnings, e.Warnings()); diff != "" {
				t.Errorf("Warnings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSourceString(t *testing.T) {
	tests := []struct {
		src  Source
		want string
	}{
		{Source{}, ""},
		{Source{Kind: SourceProcess, Key: "ANTHROPIC_API_KEY"}, "env: ANTHROPIC_API_KEY"},
		{Source{Kind: SourceWorkDotEnv, Key: "K", File: "./.env"}, "./.env: K"},
		{Source{Kind: SourceStateDotEnv, Key: "K", File: "~/.bot/.env"}, "~/.bot/.env: K"},
		{Source{Kind: SourceStateDotEnv, Key: "K"}, "state .env: K"},
		{Source{Kind: SourceConfig, Key: "K"}, "config: K"},
		{Source{Kind: SourceShell, Key: "K"}, "shell env: K"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.src.String(); got != tt.want {
				t.Errorf("String = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNilEnvLookup(t *testing.T) {
	var e *Env
	if _, _, ok := e.Lookup("X"); ok {
		t.Error("nil Env has a value")
	}
	if slices.Contains(DefaultShellKeys, "") {
		t.Error("DefaultShellKeys holds an empty key")
	}
}

// TestShadowed checks the names of the state .env's variables that the
// process environment overrides with another value: not the same value,
// not a blank one, not ./.env's.
func TestShadowed(t *testing.T) {
	fx := newEnvFixture(t)
	fx.process = map[string]string{"DIFF": "process", "SAME": "same", "BLANK": " ", "WORK": "process"}
	fx.Write("work/.env", "WORK=wd\n")
	fx.Write(".bot/.env", "SAME= same\nDIFF=state\nBLANK=state\nONLY=state\n")
	e, err := LoadEnv(t.Context(), fx.options(&Config{}))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"DIFF"}, e.Shadowed()); diff != "" {
		t.Errorf("Shadowed (-want +got):\n%s", diff)
	}
}
