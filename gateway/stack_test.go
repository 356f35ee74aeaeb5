package gateway

import (
	"strings"
	"testing"

	"github.com/botgateway/bot/commands"
	"github.com/botgateway/bot/config"
	"github.com/botgateway/bot/grammar"
	"github.com/botgateway/bot/internal/testenv"
	"github.com/botgateway/bot/models/catalog"
	"github.com/botgateway/bot/sessions"
)

// TestStackReload: a reloaded stack's engine knows the new aliases, the
// old one keeps its own, and both work on the same sessions.
func TestStackReload(t *testing.T) {
	paths, err := config.ResolvePaths(testenv.New(t).Getenv)
	if err != nil {
		t.Fatal(err)
	}
	stack := func(cfg *config.Config, open func(*config.Config, *catalog.Catalog) (*Stack, error)) *Stack {
		t.Helper()
		cat, err := catalog.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		s, err := open(cfg, cat)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	old := stack(&config.Config{}, func(cfg *config.Config, cat *catalog.Catalog) (*Stack, error) {
		return OpenStack(t.Context(), StackConfig{Paths: paths, Config: cfg, Catalog: cat})
	})
	defer old.Close()
	cfg := &config.Config{Models: config.ModelsConfig{Aliases: map[string]string{"big": "anthropic/claude-opus-4-5"}}}
	fresh := stack(cfg, func(cfg *config.Config, cat *catalog.Catalog) (*Stack, error) { return old.Reload(cfg, cat, nil) })

	const key sessions.Key = "telegram:1"
	run := func(s *Stack, text string) string {
		t.Helper()
		cmd, err := grammar.Parse(text, "")
		if err != nil {
			t.Fatal(err)
		}
		rep, err := s.Engine.Handle(t.Context(), &commands.Request{Cmd: cmd, Caller: commands.Caller{Channel: "telegram", Allowed: true}, Session: key, Agent: "main"})
		if err != nil {
			return err.Error()
		}
		return rep.Text
	}
	if got := run(old, "/model big"); !strings.Contains(got, `unknown model "big"`) {
		t.Errorf("old stack: /model big = %q, want unknown", got)
	}
	if got := run(fresh, "/model big"); !strings.Contains(got, "Model set to") {
		t.Errorf("reloaded stack: /model big = %q, want it set", got)
	}
	if fresh.Sessions != old.Sessions {
		t.Error("the reloaded stack opened another sessions store")
	}
	s, _, err := old.Sessions.Get(t.Context(), "main", key)
	if err != nil {
		t.Fatal(err)
	}
	if got := old.Conversation.Target("main", s).Ref.String(); got != "anthropic/claude-opus-4-5" {
		t.Errorf("the pin the reloaded stack set reads %q through the old one", got)
	}
}
