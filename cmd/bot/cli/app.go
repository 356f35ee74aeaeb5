package cli

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/config"
)

// App holds what commands share: the injected streams and environment, and
// the config, environment and credential store, each loaded once on first
// use.
type App struct {
	globals *Globals
	Stdin   io.Reader
	Stdout  io.Writer
	Stderr  io.Writer
	Getenv  func(string) string
	Now     func() time.Time

	paths  *config.Paths
	cfg    *config.File
	env    *config.Env
	stores map[string]*auth.Opened
	warned map[string]bool
	log    *slog.Logger

	// isTerminal reports whether stdin is an interactive terminal; tests
	// replace it to drive the interactive paths.
	isTerminal func() bool
}

func newApp(g *Globals, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) *App {
	return &App{
		globals: g, Stdin: stdin, Stdout: stdout, Stderr: stderr, Getenv: getenv,
		Now: time.Now, stores: map[string]*auth.Opened{}, warned: map[string]bool{},
	}
}

// Close releases what the app opened.
func (a *App) Close() {}

// warn prints a warning line to stderr once, with the paths under $HOME
// in it shown as "~/…".
func (a *App) warn(line string) {
	if p, err := a.Paths(); err == nil {
		line = p.DisplayText(line)
	}
	if a.warned[line] {
		return
	}
	a.warned[line] = true
	fmt.Fprintln(a.Stderr, line)
}

// Paths returns the state dir and config path, flags first, then the
// environment (BOT_STATE_DIR, BOT_CONFIG_PATH), then the defaults.
func (a *App) Paths() (config.Paths, error) {
	if a.paths != nil {
		return *a.paths, nil
	}
	getenv := func(k string) string {
		switch {
		case k == "BOT_STATE_DIR" && a.globals.StateDir != "":
			return a.globals.StateDir
		case k == "BOT_CONFIG_PATH" && a.globals.Config != "":
			return a.globals.Config
		}
		return a.Getenv(k)
	}
	p, err := config.ResolvePaths(getenv)
	if err != nil {
		return config.Paths{}, err
	}
	a.paths = &p
	return p, nil
}

// Config loads the config file once, printing its warnings (for example
// "Auto-migrated config: ...") to stderr.
func (a *App) Config() (*config.File, error) {
	if a.cfg != nil {
		return a.cfg, nil
	}
	p, err := a.Paths()
	if err != nil {
		return nil, err
	}
	f, err := config.Load(p.ConfigPath)
	if err != nil {
		return nil, err
	}
	for _, w := range f.Warnings {
		a.warn(w)
	}
	a.cfg = f
	return f, nil
}

// Env returns the layered environment (DESIGN §3).
func (a *App) Env(ctx context.Context) (*config.Env, error) {
	if a.env != nil {
		return a.env, nil
	}
	p, err := a.Paths()
	if err != nil {
		return nil, err
	}
	f, err := a.Config()
	if err != nil {
		return nil, err
	}
	env, err := config.LoadEnv(ctx, a.envOptions(p, f.Config))
	if err != nil {
		return nil, err
	}
	for _, w := range env.Warnings() {
		a.warn(w)
	}
	a.env = env
	return env, nil
}

// envOptions are the options of the layered environment over cfg: the
// process's environment and working directory, and the state dir's .env.
func (a *App) envOptions(p config.Paths, cfg *config.Config) config.EnvOptions {
	wd, _ := os.Getwd()
	return config.EnvOptions{Getenv: a.Getenv, Environ: os.Environ(), WorkDir: wd, Paths: p, Config: cfg}
}

// Agent returns the agent id to use: the flag, else the configured default.
// An id that is not valid is refused, never rewritten (config.ParseAgent).
func (a *App) Agent(flag string) (string, error) {
	if flag != "" {
		id, err := config.ParseAgent(flag)
		if err != nil {
			return "", userError{err.Error()}
		}
		return id, nil
	}
	f, err := a.Config()
	if err != nil {
		return "", err
	}
	return f.Config.DefaultAgent(), nil
}

// Store opens the credential store of agent, syncing Claude Code's
// credentials into it (DESIGN §3). A problem with Claude Code's file is
// printed as a warning; the caller decides whether it fails the command.
func (a *App) Store(ctx context.Context, agent string) (*auth.Opened, error) {
	if o, ok := a.stores[agent]; ok {
		return o, nil
	}
	p, err := a.Paths()
	if err != nil {
		return nil, err
	}
	o, err := auth.Opener{
		AgentDir: p.AgentDir(agent),
		Claude:   auth.ClaudeCode{Home: p.Home, UseKeychain: true},
		Now:      a.Now,
	}.Open(ctx)
	if err != nil {
		return nil, err
	}
	if o.ClaudeErr != nil {
		a.warn(explain(a, o.ClaudeErr).Error())
	}
	a.stores[agent] = o
	return o, nil
}

// Credentials returns the credentials agent sees, the view the router
// resolves from: its store (opened as Store does) and, for every provider
// it holds no credential of, the main agent's (auth.Inherit, read-only).
func (a *App) Credentials(ctx context.Context, agent string) (*auth.Opened, error) {
	own, err := a.Store(ctx, agent)
	if err != nil {
		return nil, err
	}
	f, err := a.Config()
	if err != nil {
		return nil, err
	}
	mainAgent := f.Config.DefaultAgent()
	if agent == mainAgent {
		return own, nil
	}
	main, err := a.Store(ctx, mainAgent)
	if err != nil {
		return nil, err
	}
	return own.Inheriting(main, mainAgent), nil
}

// stdinIsTerminal reports whether stdin is an interactive terminal.
func (a *App) stdinIsTerminal() bool {
	if a.isTerminal != nil {
		return a.isTerminal()
	}
	f, ok := a.Stdin.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// daemonLog makes the app's logger a daemon's (bot gateway): Info and up
// unless BOT_LOG_LEVEL or log.level says otherwise, as JSON when
// BOT_LOG_FORMAT or log.format is "json", as text when it is "text", and
// otherwise text on a terminal and JSON elsewhere (a journal, a file).
func (a *App) daemonLog(cfg *config.Config) *slog.Logger {
	level := slog.LevelInfo
	if v := cmp.Or(a.Getenv("BOT_LOG_LEVEL"), cfg.Log.Level); v != "" {
		_ = level.UnmarshalText([]byte(v))
	}
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler
	switch strings.ToLower(cmp.Or(a.Getenv("BOT_LOG_FORMAT"), cfg.Log.Format)) {
	case "json":
		h = slog.NewJSONHandler(a.Stderr, opts)
	case "text":
		h = slog.NewTextHandler(a.Stderr, opts)
	default:
		if _, tty := terminal(a.Stderr); tty {
			h = slog.NewTextHandler(a.Stderr, opts)
		} else {
			h = slog.NewJSONHandler(a.Stderr, opts)
		}
	}
	a.log = slog.New(h)
	return a.log
}

// Log returns the logger of the app: errors to stderr as text, or what
// BOT_LOG_LEVEL asks for (debug, info, warn, error). Interactive commands
// keep it quiet: what goes wrong is already in their replies.
func (a *App) Log() *slog.Logger {
	if a.log == nil {
		level := slog.LevelError
		if v := a.Getenv("BOT_LOG_LEVEL"); v != "" {
			_ = level.UnmarshalText([]byte(v))
		}
		a.log = slog.New(slog.NewTextHandler(a.Stderr, &slog.HandlerOptions{Level: level}))
	}
	return a.log
}
