// Package gatewaytest is the test harness on the shared wiring: a whole
// chat stack built by gateway.OpenStack, and a gateway over it, in a temp
// HOME (internal/testenv), driven one message at a time as a chat user
// would, with the replies the user would read. Tests that need the whole
// chat path use it instead of wiring their own; only the model providers
// are theirs to point at a loopback fake (internal/fakes).
package gatewaytest

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/config"
	"github.com/botgateway/bot/gateway"
	"github.com/botgateway/bot/internal/testenv"
	"github.com/botgateway/bot/models"
	"github.com/botgateway/bot/models/catalog"
)

// Options configures a Harness. The zero value is a fresh HOME with no
// files, the built-in provider clients at their configured base URLs, the
// real clock and logs to t.
type Options struct {
	// Files are planted under HOME before anything is read
	// ("/.bot/bot.json", ".bot/agents/main/agent/auth-profiles.json", …).
	Files map[string]string
	// Vars are environment variables of the process the stack sees.
	Vars map[string]string
	// Providers replace the built-in provider clients (gateway.Providers).
	Providers map[string]models.Provider
	// AllowFrom is the gateway's allowFrom per channel.
	AllowFrom map[string][]string
	// Budget bounds one message's provider calls (the router's default
	// when 0).
	Budget time.Duration
	Now    func() time.Time
	Log    *slog.Logger
	// Adapter builds the gateway's one adapter over the stack, as bot
	// gateway wires a channel (the gateway then restarts it when it fails,
	// and counts in Metrics); the test runs Gateway.Run. Nil: an idle
	// console adapter, and messages come from Deliver.
	Adapter func(st *gateway.Stack, cfg *config.Config, log *slog.Logger) adapters.Adapter
	// Metrics is what the stack and the gateway count in (nil: nothing).
	Metrics *gateway.Metrics
}

// Harness is a stack and a gateway over a temp HOME.
type Harness struct {
	Env     *testenv.Env
	Paths   config.Paths
	Config  *config.Config
	Stack   *gateway.Stack
	Gateway *gateway.Gateway
}

// New builds the harness; it fails t when the files do not load. The stack
// is closed when t ends.
func New(t testing.TB, o Options) *Harness {
	t.Helper()
	env := testenv.New(t)
	env.Files(o.Files)
	for k, v := range o.Vars {
		env.Set(k, v)
	}
	paths, err := config.ResolvePaths(env.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	f, err := config.Load(paths.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	cenv, err := config.LoadEnv(context.Background(), config.EnvOptions{Getenv: env.Getenv, Environ: env.Environ(), Paths: paths, Config: f.Config})
	if err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.New(f.Config)
	if err != nil {
		t.Fatal(err)
	}
	log := o.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	stack, err := gateway.OpenStack(context.Background(), gateway.StackConfig{
		Paths:     paths,
		Config:    f.Config,
		Catalog:   cat,
		Env:       cenv,
		Providers: o.Providers,
		Budget:    o.Budget,
		Now:       o.Now,
		Metrics:   o.Metrics,
		Log:       log,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stack.Close() })
	var a adapters.Adapter = idle{}
	if o.Adapter != nil {
		a = o.Adapter(stack, f.Config, log)
	}
	gw, err := gateway.New(gateway.Config{
		Adapters:  []adapters.Adapter{a},
		Engine:    stack.Engine,
		Agent:     f.Config.DefaultAgent(),
		AllowFrom: o.AllowFrom,
		DMPolicy:  gateway.DMPolicies(f.Config),
		Pairings:  stack.Sessions,
		Chat:      stack.Conversation.Reply,
		Paths:     paths,
		Budget:    stack.Budget,
		Restart:   o.Adapter != nil,
		Metrics:   o.Metrics,
		Log:       log,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &Harness{Env: env, Paths: paths, Config: f.Config, Stack: stack, Gateway: gw}
}

// Owner is the console's user, who may do everything.
var Owner = adapters.Sender{ID: "owner", Name: "console", IsOwner: true}

// Send delivers text from the console owner in the chat "local" and
// returns the replies once the message is handled completely.
func (h *Harness) Send(t testing.TB, text string) []adapters.Reply {
	t.Helper()
	return h.Deliver(t, adapters.Message{Channel: "console", Chat: "local", Sender: Owner, Text: text})
}

// Texts returns the texts of replies.
func Texts(replies []adapters.Reply) []string {
	out := make([]string, len(replies))
	for i, r := range replies {
		out[i] = r.Text
	}
	return out
}

// Deliver delivers m (its Reply and Done are the harness's) and returns
// the replies once m is handled completely.
func (h *Harness) Deliver(t testing.TB, m adapters.Message) []adapters.Reply {
	t.Helper()
	rec := &recorder{}
	done := make(chan struct{})
	m.Reply = rec
	m.Done = sync.OnceFunc(func() { close(done) })
	h.Gateway.Deliver(t.Context(), m)
	<-done
	return rec.replies
}

// recorder keeps the replies of one message.
type recorder struct {
	mu      sync.Mutex
	replies []adapters.Reply
}

func (r *recorder) Reply(_ context.Context, rep adapters.Reply) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.replies = append(r.replies, rep)
	return nil
}

// idle is the gateway's adapter: messages come from Deliver instead.
type idle struct{}

func (idle) Name() string                                    { return "console" }
func (idle) Run(ctx context.Context, _ adapters.Inbox) error { <-ctx.Done(); return nil }
