package cli

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/adapters/discord"
	"github.com/botgateway/bot/adapters/telegram"
	"github.com/botgateway/bot/config"
	"github.com/botgateway/bot/gateway"
	"github.com/botgateway/bot/internal/logkeys"
	"github.com/botgateway/bot/internal/secret"
)

// GatewayCmd is "bot gateway": the daemon. It runs every enabled channel
// on one chat stack, serves GET /healthz and GET /metrics, reloads
// bot.json and ~/.bot/.env when they change (or on SIGHUP), and stops on
// SIGINT or SIGTERM after the replies under way (DESIGN §5.2).
type GatewayCmd struct {
	Listen string `help:"Address of /healthz and /metrics (default: gateway.listen in bot.json, else 127.0.0.1:18789)." placeholder:"ADDR"`

	// test, when set, replaces the channels and is told where the server
	// listens and of every reload (tests).
	test *gatewayHooks
}

// gatewayHooks let a test run bot gateway in-process with fake channels.
type gatewayHooks struct {
	channels  func(app *App, cfg *config.Config, env *config.Env, stack *gateway.Stack) ([]adapters.Adapter, error)
	listening func(addr string)
	// watching is called once the reloader listens for SIGHUP and
	// changes.
	watching func()
	reloaded func(err error)
}

// Run runs the gateway until ctx ends (SIGINT, SIGTERM: Main's context),
// then lets the replies under way finish within the grace period, closes
// the database and returns nil: exit 0.
func (c *GatewayCmd) Run(ctx context.Context, app *App) error {
	cf, err := app.Config()
	if err != nil {
		return err
	}
	log := app.daemonLog(cf.Config) // before stackConfig takes the app's logger
	sc, err := app.stackConfig(ctx)
	if err != nil {
		return err
	}
	paths, env := sc.Paths, sc.Env
	if c.test == nil && !slices.ContainsFunc(channelSpecs(cf.Config), func(s channelSpec) bool { return s.enabled(env) }) {
		return noChannel(paths) // before anything is opened
	}
	metrics := gateway.NewMetrics()
	sc.Metrics = metrics
	stack, err := gateway.OpenStack(ctx, sc)
	if err != nil {
		return app.sessionsError(err)
	}
	defer stack.Close()
	build := channels
	if c.test != nil && c.test.channels != nil {
		build = c.test.channels
	}
	chans, err := build(app, cf.Config, env, stack)
	if err != nil {
		return err
	}
	gw, err := gateway.New(gateway.Config{
		Adapters:  chans,
		Engine:    stack.Engine,
		Agent:     cf.Config.DefaultAgent(),
		AllowFrom: allowFrom(cf.Config),
		DMPolicy:  gateway.DMPolicies(cf.Config),
		Pairings:  stack.Sessions,
		Chat:      stack.Conversation.Reply,
		Paths:     paths,
		Budget:    stack.Budget,
		Restart:   true,
		Metrics:   metrics,
		Log:       log,
	})
	if err != nil {
		return err
	}

	addr := cmp.Or(c.Listen, cf.Config.Gateway.Listen, config.DefaultGatewayListen)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return userErrorf("bot gateway: cannot listen on %s for /healthz and /metrics (%v); choose another with --listen or gateway.listen in %s", addr, unwrapOp(err), paths.Display(cf.Path))
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", gw.ServeHealth)
	mux.Handle("GET /metrics", metrics.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	served := make(chan struct{})
	go func() {
		defer close(served)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("health server stopped", logkeys.Err, err)
		}
	}()
	names := make([]string, len(chans))
	for i, a := range chans {
		names[i] = a.Name()
	}
	log.Info("gateway started", logkeys.Addr, ln.Addr().String(), logkeys.Channel, strings.Join(names, ","))
	if c.test != nil && c.test.listening != nil {
		c.test.listening(ln.Addr().String())
	}

	r := &reloader{app: app, paths: paths, gw: gw, stack: stack, log: log, cfgData: readOr(paths.ConfigPath), envData: readOr(paths.EnvFile())}
	if c.test != nil {
		r.reloaded, r.watching = c.test.reloaded, c.test.watching
	}
	rctx, stopReload := context.WithCancel(ctx)
	watched := make(chan struct{})
	go func() { defer close(watched); r.run(rctx) }()

	runErr := gw.Run(ctx) // returns once the replies under way are done
	stopReload()
	<-watched
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	srv.Shutdown(sctx)
	<-served
	if runErr != nil && ctx.Err() == nil {
		// Every channel failed for good (a rejected token): nothing is
		// left to serve. (Stopped by a signal, the gateway exits 0
		// whatever failed before: each failure was logged.)
		return fmt.Errorf("bot gateway: every channel failed: %w", runErr)
	}
	log.Info("gateway stopped")
	return nil
}

// unwrapOp returns the innermost cause of a net.OpError ("address already
// in use"), the part of it a user acts on.
func unwrapOp(err error) error {
	if op, ok := errors.AsType[*net.OpError](err); ok && op.Err != nil {
		if se, ok := errors.AsType[*os.SyscallError](op.Err); ok {
			return se.Err
		}
		return op.Err
	}
	return err
}

// channelSpec names a chat channel, its token variable and its config block.
type channelSpec struct {
	name, tokenVar string
	cfg            config.ChannelConfig
}

// channelSpecs are the channels bot knows, in the order they start.
func channelSpecs(cfg *config.Config) []channelSpec {
	return []channelSpec{
		{"telegram", channelTokenVar("telegram"), cfg.Channels.Telegram},
		{"discord", channelTokenVar("discord"), cfg.Channels.Discord},
	}
}

// enabled reports whether the channel is to run: it has a token (in the
// environment or the config) and is not switched off.
func (s channelSpec) enabled(env *config.Env) bool {
	_, _, hasEnv := env.Lookup(s.tokenVar)
	return (hasEnv || !s.cfg.Token.IsZero()) && !s.cfg.Disabled()
}

// channels builds the adapters of the enabled channels over stack. With
// none it fails with the one line that says which token to set.
func channels(app *App, cfg *config.Config, env *config.Env, stack *gateway.Stack) ([]adapters.Adapter, error) {
	var out []adapters.Adapter
	var unbuilt []string
	for _, s := range channelSpecs(cfg) {
		if !s.enabled(env) {
			continue
		}
		switch s.name {
		case "telegram":
			a, err := telegramChannel(app, s, env, stack)
			if err != nil {
				return nil, err
			}
			out = append(out, a)
		case "discord":
			a, err := discordChannel(app, s, env, stack)
			if err != nil {
				return nil, err
			}
			out = append(out, a)
		default:
			unbuilt = append(unbuilt, s.name)
		}
	}
	if len(out) > 0 {
		return out, nil
	}
	if len(unbuilt) > 0 {
		return nil, userErrorf("bot gateway: %s is configured, but this build of bot cannot run it yet; no other channel is enabled", strings.Join(unbuilt, " and "))
	}
	return nil, noChannel(stack.Paths)
}

// tokenOf returns the channel's token and where it came from: its
// variable (process environment, ./.env, ~/.bot/.env) first, else its
// key in bot.json.
func tokenOf(s channelSpec, env *config.Env, paths config.Paths) (secret.Secret, string) {
	if v, from, ok := env.Lookup(s.tokenVar); ok {
		return v, s.tokenVar + " (" + from.String() + ")"
	}
	return s.cfg.Token, "channels." + s.name + ".token in " + paths.Display(paths.ConfigPath)
}

// discordChannel builds the Discord adapter of s: the token from
// DISCORD_BOT_TOKEN or channels.discord.token, the REST base from
// BOT_DISCORD_API_URL, the guilds commands are also registered to, and
// the mention and message-content settings. A token Discord rejects ends
// the channel (not the gateway) with one line naming its source.
func discordChannel(app *App, s channelSpec, env *config.Env, stack *gateway.Stack) (adapters.Adapter, error) {
	token, src := tokenOf(s, env, stack.Paths)
	apiURL, _, _ := env.Value("BOT_DISCORD_API_URL")
	a, err := discord.New(discord.Config{
		Token:          token,
		TokenSource:    src,
		APIURL:         apiURL,
		Guilds:         s.cfg.Guilds,
		RequireMention: s.cfg.RequiresMention(),
		MessageContent: s.cfg.MessageContent,
		Log:            app.Log(),
	})
	if err != nil {
		return nil, userErrorf("bot gateway: discord: %v", err)
	}
	return a, nil
}

// telegramChannel builds the Telegram adapter of s: the token from
// TELEGRAM_BOT_TOKEN (process environment, ./.env, ~/.bot/.env) or
// channels.telegram.token, the Bot API server from BOT_TELEGRAM_API_URL,
// and sessions.db as its ledger. A token Telegram rejects ends the channel
// (not the gateway) with one line naming where the token came from.
func telegramChannel(app *App, s channelSpec, env *config.Env, stack *gateway.Stack) (adapters.Adapter, error) {
	token, src := tokenOf(s, env, stack.Paths)
	apiURL, _, _ := env.Value("BOT_TELEGRAM_API_URL")
	ch := s.cfg
	a, err := telegram.New(telegram.Config{
		Token:          token,
		TokenSource:    src,
		APIURL:         apiURL,
		RequireMention: ch.RequiresMention(),
		RateLimit:      ch.SendRate(),
		Webhook:        telegram.Webhook{URL: ch.Webhook.URL, Secret: ch.Webhook.Secret, Listen: cmp.Or(ch.Webhook.Listen, config.DefaultWebhookListen)},
		Ledger:         stack.Sessions,
		Log:            app.Log(),
	})
	if err != nil {
		return nil, userErrorf("bot gateway: telegram: %v", err)
	}
	return a, nil
}

// noChannel is the error of a gateway with no channel enabled: which
// tokens to set, and where.
func noChannel(paths config.Paths) error {
	return userErrorf("bot gateway: no channel is enabled. Set TELEGRAM_BOT_TOKEN (or channels.telegram.token) or DISCORD_BOT_TOKEN (or channels.discord.token) in %s or %s, and check that the channel is not \"enabled\": false (bot doctor shows it)",
		paths.Display(paths.EnvFile()), paths.Display(paths.ConfigPath))
}

// allowFrom is the gateway's allowFrom from the config's channel blocks.
func allowFrom(cfg *config.Config) map[string][]string {
	out := map[string][]string{}
	for _, s := range channelSpecs(cfg) {
		if len(s.cfg.AllowFrom) > 0 {
			out[s.name] = s.cfg.AllowFrom
		}
	}
	return out
}

// reloader reloads bot.json and ~/.bot/.env into the running gateway: on
// SIGHUP, and when either file changes (watched through its directory, so
// an editor's rename-over-the-file is seen; changes within reloadDebounce
// of each other are one reload). A config that fails validation is logged
// at Error, with its file and problem, and the running one stays.
//
// What reloads: allowFrom, the models (default, aliases, allow), the auth
// order and the credentials read from the environment and .env. What
// needs a restart: the channels (tokens, enabling one) and the provider
// base URLs, whose clients are built at start; gateway.listen.
type reloader struct {
	app   *App
	paths config.Paths
	gw    *gateway.Gateway
	log   *slog.Logger
	// stack is the current stack; only run's goroutine uses it.
	stack *gateway.Stack
	// cfgData and envData are the files' contents last loaded: a change
	// event that left them as they were (a touch, the migration's own
	// write) is no reload.
	cfgData, envData []byte
	// watching and reloaded, when set, are told that run is ready and
	// of each reload (tests).
	watching func()
	reloaded func(err error)
}

// reloadDebounce is how long the reloader waits after a change to the
// files for more changes: an editor saves in several steps.
const reloadDebounce = 200 * time.Millisecond

// run reloads on SIGHUP and on changes to the files until ctx ends.
func (r *reloader) run(ctx context.Context) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	var events chan fsnotify.Event
	var errs chan error
	w, err := fsnotify.NewWatcher()
	if err != nil {
		r.log.Warn("cannot watch the config for changes; reload with SIGHUP", logkeys.Err, err)
	} else {
		defer w.Close()
		for _, dir := range uniq(filepath.Dir(r.paths.ConfigPath), filepath.Dir(r.paths.EnvFile())) {
			if err := w.Add(dir); err != nil {
				r.log.Warn("cannot watch a directory for config changes; reload with SIGHUP", logkeys.Path, r.paths.Display(dir), logkeys.Err, err)
			}
		}
		events, errs = w.Events, w.Errors
	}
	debounce := time.NewTimer(time.Hour)
	debounce.Stop()
	if r.watching != nil {
		r.watching()
	}
	for {
		select {
		case <-ctx.Done():
			debounce.Stop()
			return
		case <-hup:
			r.reload(ctx, "SIGHUP", true)
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			if name := filepath.Clean(ev.Name); name == filepath.Clean(r.paths.ConfigPath) || name == filepath.Clean(r.paths.EnvFile()) {
				debounce.Reset(reloadDebounce)
			}
		case err, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			r.log.Warn("config watch", logkeys.Err, err)
		case <-debounce.C:
			r.reload(ctx, "file changed", false)
		}
	}
}

// reload loads the config and the environment anew and swaps them in, or
// logs why it cannot and keeps the running ones. Unless forced, files that
// have not changed since the last load are not reloaded.
func (r *reloader) reload(ctx context.Context, why string, force bool) {
	cfgData, envData := readOr(r.paths.ConfigPath), readOr(r.paths.EnvFile())
	if !force && bytes.Equal(cfgData, r.cfgData) && bytes.Equal(envData, r.envData) {
		return
	}
	r.cfgData, r.envData = cfgData, envData
	err := r.swap(ctx)
	if err != nil {
		line, _, _ := strings.Cut(explain(r.app, err).Error(), "\n")
		r.log.Error("config not reloaded; the running config stays", logkeys.Trigger, why, logkeys.Err, line)
	} else {
		r.log.Info("config reloaded", logkeys.Trigger, why, logkeys.File, r.paths.Display(r.paths.ConfigPath))
	}
	if r.reloaded != nil {
		r.reloaded(err)
	}
}

// swap loads bot.json and the layered environment and hands the gateway a
// stack built on them.
func (r *reloader) swap(ctx context.Context) error {
	f, err := config.Load(r.paths.ConfigPath)
	if err != nil {
		return err
	}
	for _, w := range f.Warnings {
		r.log.Warn(r.paths.DisplayText(w))
	}
	cat, err := modelCatalog(f)
	if err != nil {
		return err
	}
	env, err := config.LoadEnv(ctx, r.app.envOptions(r.paths, f.Config))
	if err != nil {
		return err
	}
	for _, w := range env.Warnings() {
		r.log.Warn(r.paths.DisplayText(w))
	}
	stack, err := r.stack.Reload(f.Config, cat, env)
	if err != nil {
		return err
	}
	r.stack = stack
	r.gw.Reload(gateway.Live{Engine: stack.Engine, Chat: stack.Conversation.Reply, AllowFrom: allowFrom(f.Config), DMPolicy: gateway.DMPolicies(f.Config)})
	return nil
}

// readOr returns the contents of path, or nil when it cannot be read.
func readOr(path string) []byte {
	b, _ := os.ReadFile(path)
	return b
}

// uniq returns its arguments without repeats, in order.
func uniq(s ...string) []string {
	var out []string
	for _, v := range s {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// Help is "bot gateway"'s detailed help. (It belongs with the others in
// examples.go; it is here while another change edits that file.)
func (GatewayCmd) Help() string {
	return `Examples:

	# Run the channels whose tokens are set (TELEGRAM_BOT_TOKEN in ~/.bot/.env)
	bot gateway

	# Serve /healthz and /metrics on another address
	bot gateway --listen 127.0.0.1:9100
`
}
