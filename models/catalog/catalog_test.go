package catalog

import (
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/botgateway/bot/config"
	"github.com/google/go-cmp/cmp"
)

// models builds a config with the given models block.
func models(m config.ModelsConfig) *config.Config { return &config.Config{Models: m} }

// mustNew builds a catalog or fails the test.
func mustNew(tb testing.TB, cfg *config.Config) *Catalog {
	tb.Helper()
	c, err := New(cfg)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return c
}

func TestRefString(t *testing.T) {
	for _, tc := range []struct {
		ref  Ref
		want string
	}{
		{Ref{"anthropic", "claude-opus-4-5"}, "anthropic/claude-opus-4-5"},
		{Ref{"openrouter", "moonshotai/kimi-k2"}, "openrouter/moonshotai/kimi-k2"},
		{Ref{}, ""},
	} {
		t.Run(tc.want, func(t *testing.T) {
			if got := tc.ref.String(); got != tc.want {
				t.Errorf("String() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestNewConfigErrors(t *testing.T) {
	const providers = "providers: anthropic, openai, openrouter"
	for _, tc := range []struct {
		name string
		m    config.ModelsConfig
		want []string // one line per problem
	}{
		{
			name: "reserved alias",
			m:    config.ModelsConfig{Aliases: map[string]string{"List": "anthropic/claude-opus-4-5", "status": "openai/gpt-5", "default": "openai/gpt-5"}},
			want: []string{
				`models.aliases.List: "list" is reserved (a /model subcommand); choose another alias name`,
				`models.aliases.default: "default" is reserved (a /model subcommand); choose another alias name`,
				`models.aliases.status: "status" is reserved (a /model subcommand); choose another alias name`,
			},
		},
		{
			name: "alias target without provider",
			m:    config.ModelsConfig{Aliases: map[string]string{"fast": "claude-haiku-4-5"}},
			want: []string{`models.aliases.fast: must be <provider>/<model>`},
		},
		{
			name: "alias target with empty model",
			m:    config.ModelsConfig{Aliases: map[string]string{"fast": "anthropic/"}},
			want: []string{`models.aliases.fast: must be <provider>/<model>`},
		},
		{
			name: "alias target of unknown provider",
			m:    config.ModelsConfig{Aliases: map[string]string{"g": "google/gemini-2.5-pro"}},
			want: []string{`models.aliases.g: unknown provider "google"; ` + providers},
		},
		{
			name: "alias target with misspelt provider",
			m:    config.ModelsConfig{Aliases: map[string]string{"g": "Antropic/claude-opus-4-5"}},
			want: []string{`models.aliases.g: unknown provider "antropic" (did you mean anthropic?); ` + providers},
		},
		{
			name: "alias target with a bad model id",
			m:    config.ModelsConfig{Aliases: map[string]string{"x": "openrouter/a//b", "y": "openai/gpt 5"}},
			want: []string{
				`models.aliases.x: the model id may hold only letters, digits, '.', '_', ':', '-' and '/' between non-empty parts`,
				`models.aliases.y: the model id may hold only letters, digits, '.', '_', ':', '-' and '/' between non-empty parts`,
			},
		},
		{
			name: "alias names that cannot be typed",
			m:    config.ModelsConfig{Aliases: map[string]string{"my alias": "openai/gpt-5", "a/b": "openai/gpt-5", "x@y": "openai/gpt-5", " ": "openai/gpt-5"}},
			want: []string{
				`models.aliases[" "]: an alias name must not be empty`,
				`models.aliases["a/b"]: an alias name may hold only letters, digits, '.', '_', ':' and '-'`,
				`models.aliases["my alias"]: an alias name may hold only letters, digits, '.', '_', ':' and '-'`,
				`models.aliases["x@y"]: an alias name may hold only letters, digits, '.', '_', ':' and '-'`,
			},
		},
		{
			name: "aliases differing only in case",
			m:    config.ModelsConfig{Aliases: map[string]string{"Fast": "openai/gpt-5", "fast": "openai/gpt-5-mini"}},
			want: []string{`models.aliases.fast: same alias as models.aliases.Fast (alias names ignore case)`},
		},
		{
			name: "default of unknown provider",
			m:    config.ModelsConfig{Default: "google/gemini-2.5-pro"},
			want: []string{`models.default: unknown provider "google"; ` + providers},
		},
		{
			name: "default neither id nor alias",
			m:    config.ModelsConfig{Default: "claude"},
			want: []string{`models.default: "claude" is neither <provider>/<model> nor an alias; run bot models list to see the models and aliases`},
		},
		{
			name: "default that is a key",
			m:    config.ModelsConfig{Default: "sk-ant-api03-CANARY0123456789abcdef"},
			want: []string{`models.default: "sk-a...cdef" is neither <provider>/<model> nor an alias; run bot models list to see the models and aliases`},
		},
		{
			name: "allow entries",
			m:    config.ModelsConfig{Allow: []string{"anthropic/*", "anthropic/claude*", "google/*", "gpt-5", "*/gpt-5", "openai/gpt-5"}},
			want: []string{
				`models.allow[1]: '*' may only end an entry, as in anthropic/*`,
				`models.allow[2]: unknown provider "google"; ` + providers,
				`models.allow[3]: must be <provider>/<model> (or <provider>/*, or *)`,
				`models.allow[4]: '*' may only end an entry, as in anthropic/*`,
			},
		},
		{
			name: "every problem at once",
			m: config.ModelsConfig{
				Default: "nope/x",
				Aliases: map[string]string{"list": "openai/gpt-5"},
				Allow:   []string{"nope/*"},
			},
			want: []string{
				`models.aliases.list: "list" is reserved (a /model subcommand); choose another alias name`,
				`models.default: unknown provider "nope"; ` + providers,
				`models.allow[0]: unknown provider "nope"; ` + providers,
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(models(tc.m))
			if err == nil {
				t.Fatalf("New succeeded, want errors:\n%s", strings.Join(tc.want, "\n"))
			}
			if c != nil {
				t.Errorf("New returned a catalog with its error")
			}
			if diff := cmp.Diff(tc.want, strings.Split(err.Error(), "\n")); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNewConfigErrorType(t *testing.T) {
	_, err := New(models(config.ModelsConfig{Aliases: map[string]string{"status": "openai/gpt-5"}}))
	ce, ok := err.(interface{ Unwrap() []error })
	if !ok || len(ce.Unwrap()) != 1 {
		t.Fatalf("error %v is not a join of one error", err)
	}
	want := &ConfigError{Key: "models.aliases.status", Msg: `"status" is reserved (a /model subcommand); choose another alias name`}
	if diff := cmp.Diff(want, ce.Unwrap()[0]); diff != "" {
		t.Errorf("ConfigError (-want +got):\n%s", diff)
	}
}

func TestNewDefaults(t *testing.T) {
	for _, cfg := range []*config.Config{nil, {}} {
		c := mustNew(t, cfg)
		if got, want := c.Default(), (Ref{"anthropic", "claude-sonnet-4-5"}); got != want {
			t.Errorf("Default() = %v, want %v", got, want)
		}
		if got := c.Default().String(); got != config.DefaultModel {
			t.Errorf("Default().String() = %q, want config.DefaultModel %q", got, config.DefaultModel)
		}
	}
}

func TestDefault(t *testing.T) {
	for _, tc := range []struct {
		name, def string
		want      Ref
		inCatalog bool
	}{
		{"built-in id", "openai/gpt-5", Ref{"openai", "gpt-5"}, true},
		{"any case", " OpenAI/GPT-5 ", Ref{"openai", "gpt-5"}, true},
		{"anthropic short form", "anthropic/sonnet-4.5", Ref{"anthropic", "claude-sonnet-4-5"}, true},
		{"an alias", "opus", Ref{"anthropic", "claude-opus-4-5"}, true},
		{"an id the catalog lacks", "anthropic/claude-3-7-sonnet", Ref{"anthropic", "claude-3-7-sonnet"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := mustNew(t, models(config.ModelsConfig{Default: tc.def}))
			if got := c.Default(); got != tc.want {
				t.Errorf("Default() = %v, want %v", got, tc.want)
			}
			if _, ok := c.Lookup(tc.want); ok != tc.inCatalog {
				t.Errorf("Lookup(%v) found = %v, want %v", tc.want, ok, tc.inCatalog)
			}
			if !c.Allowed(tc.want) {
				t.Errorf("default %v not allowed", tc.want)
			}
		})
	}
}

func TestAliasesMerge(t *testing.T) {
	c := mustNew(t, models(config.ModelsConfig{Aliases: map[string]string{
		"Fast":  "anthropic/claude-haiku-4-5",      // new, upper case
		"opus":  "anthropic/claude-opus-4-1",       // replaces the built-in
		"kimi":  "openrouter/moonshotai/kimi-k2",   // same target as the built-in
		"old":   " Anthropic/Claude-3-7-Sonnet ",   // a model the catalog lacks
		"sonn4": "anthropic/sonnet-4",              // short form
		"r1":    "openrouter/deepseek/deepseek-r1", // a model the catalog lacks
	}}))
	want := []Alias{
		{Name: "deepseek", Ref: Ref{"openrouter", "deepseek/deepseek-chat"}, Builtin: true},
		{Name: "fast", Ref: Ref{"anthropic", "claude-haiku-4-5"}},
		{Name: "gemini", Ref: Ref{"openrouter", "google/gemini-2.5-pro"}, Builtin: true},
		{Name: "gpt", Ref: Ref{"openai", "gpt-5"}, Builtin: true},
		{Name: "gpt-mini", Ref: Ref{"openai", "gpt-5-mini"}, Builtin: true},
		{Name: "haiku", Ref: Ref{"anthropic", "claude-haiku-4-5"}, Builtin: true},
		{Name: "kimi", Ref: Ref{"openrouter", "moonshotai/kimi-k2"}},
		{Name: "old", Ref: Ref{"anthropic", "claude-3-7-sonnet"}},
		{Name: "opus", Ref: Ref{"anthropic", "claude-opus-4-1"}},
		{Name: "r1", Ref: Ref{"openrouter", "deepseek/deepseek-r1"}},
		{Name: "sonn4", Ref: Ref{"anthropic", "claude-sonnet-4"}},
		{Name: "sonnet", Ref: Ref{"anthropic", "claude-sonnet-4-5"}, Builtin: true},
	}
	if diff := cmp.Diff(want, c.Aliases()); diff != "" {
		t.Errorf("Aliases() (-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		ref  Ref
		want []string
	}{
		{Ref{"anthropic", "claude-haiku-4-5"}, []string{"fast", "haiku"}},
		{Ref{"anthropic", "claude-opus-4-1"}, []string{"opus"}},
		{Ref{"anthropic", "claude-opus-4-5"}, nil},
		{Ref{"openrouter", "moonshotai/kimi-k2"}, []string{"kimi"}},
		{Ref{"openai", "gpt-4.1"}, nil},
	} {
		t.Run(tc.ref.String(), func(t *testing.T) {
			if diff := cmp.Diff(tc.want, c.AliasesFor(tc.ref)); diff != "" {
				t.Errorf("AliasesFor (-want +got):\n%s", diff)
			}
		})
	}
	// Alias targets the built-in list lacks join the catalog.
	if m, ok := c.Lookup(Ref{"anthropic", "claude-3-7-sonnet"}); !ok || m.Name != "claude-3-7-sonnet" {
		t.Errorf("Lookup(claude-3-7-sonnet) = %+v, %v; want it in the catalog named by its id", m, ok)
	}
	if ref, err := c.Resolve("", "OPUS"); err != nil || ref != (Ref{"anthropic", "claude-opus-4-1"}) {
		t.Errorf(`Resolve("", "OPUS") = %v, %v; want the config's target`, ref, err)
	}
}

func TestBuiltinCatalog(t *testing.T) {
	c := mustNew(t, nil)
	if diff := cmp.Diff([]string{"anthropic", "openai", "openrouter"}, c.Providers()); diff != "" {
		t.Errorf("Providers() (-want +got):\n%s", diff)
	}
	want := map[string][]Model{
		"anthropic": {
			{Ref{"anthropic", "claude-haiku-4-5"}, "Claude Haiku 4.5"},
			{Ref{"anthropic", "claude-opus-4-1"}, "Claude Opus 4.1"},
			{Ref{"anthropic", "claude-opus-4-5"}, "Claude Opus 4.5"},
			{Ref{"anthropic", "claude-sonnet-4"}, "Claude Sonnet 4"},
			{Ref{"anthropic", "claude-sonnet-4-5"}, "Claude Sonnet 4.5"},
		},
		"openai": {
			{Ref{"openai", "gpt-4.1"}, "GPT-4.1"},
			{Ref{"openai", "gpt-4.1-mini"}, "GPT-4.1 mini"},
			{Ref{"openai", "gpt-5"}, "GPT-5"},
			{Ref{"openai", "gpt-5-mini"}, "GPT-5 mini"},
			{Ref{"openai", "o3"}, "o3"},
		},
		"openrouter": {
			{Ref{"openrouter", "anthropic/claude-sonnet-4.5"}, "Claude Sonnet 4.5 (OpenRouter)"},
			{Ref{"openrouter", "deepseek/deepseek-chat"}, "DeepSeek V3 (OpenRouter)"},
			{Ref{"openrouter", "google/gemini-2.5-pro"}, "Gemini 2.5 Pro (OpenRouter)"},
			{Ref{"openrouter", "moonshotai/kimi-k2"}, "Kimi K2 (OpenRouter)"},
			{Ref{"openrouter", "openai/gpt-5"}, "GPT-5 (OpenRouter)"},
		},
	}
	for _, p := range []string{"anthropic", "openai", "openrouter", " OpenAI ", "google", ""} {
		t.Run(p, func(t *testing.T) {
			if diff := cmp.Diff(want[strings.ToLower(strings.TrimSpace(p))], c.Models(p)); diff != "" {
				t.Errorf("Models(%q) (-want +got):\n%s", p, diff)
			}
		})
	}
	// Every built-in alias points into the catalog.
	for _, a := range c.Aliases() {
		if _, ok := c.Lookup(a.Ref); !ok {
			t.Errorf("alias %s → %v: not in the catalog", a.Name, a.Ref)
		}
	}
}

func TestReturnedSlicesAreCopies(t *testing.T) {
	c := mustNew(t, nil)
	ps := c.Providers()
	slices.Reverse(ps)
	ms := c.Models("anthropic")
	ms[0].Name = "changed"
	as := c.Aliases()
	as[0].Name = "changed"
	af := c.AliasesFor(Ref{"anthropic", "claude-opus-4-5"})
	af[0] = "changed"
	if c.Providers()[0] != "anthropic" || c.Models("anthropic")[0].Name == "changed" ||
		c.Aliases()[0].Name == "changed" || c.AliasesFor(Ref{"anthropic", "claude-opus-4-5"})[0] != "opus" {
		t.Error("changing a returned slice changed the catalog")
	}
}

func TestAllowed(t *testing.T) {
	type check struct {
		ref  Ref
		want bool
	}
	for _, tc := range []struct {
		name   string
		m      config.ModelsConfig
		checks []check
	}{
		{
			name: "no allowlist: the catalog and the default",
			m:    config.ModelsConfig{Default: "anthropic/claude-3-5-haiku"},
			checks: []check{
				{Ref{"anthropic", "claude-opus-4-5"}, true},
				{Ref{"openrouter", "moonshotai/kimi-k2"}, true},
				{Ref{"anthropic", "claude-3-5-haiku"}, true}, // the default
				{Ref{"Anthropic", "Claude-Opus-4-5"}, true},  // any case
				{Ref{"anthropic", "claude-9"}, false},        // not in the catalog
				{Ref{"openrouter", "mistralai/mistral-large"}, false},
				{Ref{"google", "gemini-2.5-pro"}, false}, // unknown provider
				{Ref{}, false},
			},
		},
		{
			name: "provider wildcard and an exact id",
			m:    config.ModelsConfig{Default: "openai/gpt-5", Allow: []string{"anthropic/*", "OpenRouter/MoonshotAI/Kimi-K2"}},
			checks: []check{
				{Ref{"anthropic", "claude-opus-4-5"}, true},
				{Ref{"anthropic", "claude-9"}, true}, // not in the catalog, covered by the pattern
				{Ref{"openrouter", "moonshotai/kimi-k2"}, true},
				{Ref{"openai", "gpt-5"}, true}, // the default
				{Ref{"openai", "gpt-5-mini"}, false},
				{Ref{"openrouter", "openai/gpt-5"}, false},
				{Ref{"openrouter", "moonshotai/kimi-k2-0905"}, false},
			},
		},
		{
			name: "exact ids the catalog lacks",
			m:    config.ModelsConfig{Allow: []string{"openai/gpt-5-nano", "openrouter/mistralai/mistral-large"}},
			checks: []check{
				{Ref{"openai", "gpt-5-nano"}, true},
				{Ref{"openrouter", "mistralai/mistral-large"}, true},
				{Ref{"anthropic", "claude-sonnet-4-5"}, true}, // the default
				{Ref{"anthropic", "claude-opus-4-5"}, false},
				{Ref{"openai", "gpt-5"}, false},
			},
		},
		{
			name: "prefix pattern inside a provider",
			m:    config.ModelsConfig{Allow: []string{"openrouter/anthropic/*"}},
			checks: []check{
				{Ref{"openrouter", "anthropic/claude-sonnet-4.5"}, true},
				{Ref{"openrouter", "anthropic/claude-opus-4.5"}, true},
				{Ref{"openrouter", "openai/gpt-5"}, false},
				{Ref{"anthropic", "claude-opus-4-5"}, false},
			},
		},
		{
			name: "everything",
			m:    config.ModelsConfig{Allow: []string{"*"}},
			checks: []check{
				{Ref{"openai", "gpt-6"}, true},
				{Ref{"openrouter", "x/y"}, true},
				{Ref{"google", "gemini-2.5-pro"}, false},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := mustNew(t, models(tc.m))
			for _, ch := range tc.checks {
				if got := c.Allowed(ch.ref); got != ch.want {
					t.Errorf("Allowed(%v) = %v, want %v", ch.ref, got, ch.want)
				}
			}
		})
	}
}

func TestLabel(t *testing.T) {
	c := mustNew(t, models(config.ModelsConfig{Aliases: map[string]string{"fast": "anthropic/claude-haiku-4-5"}}))
	for _, tc := range []struct {
		ref  Ref
		want string
	}{
		{Ref{"anthropic", "claude-sonnet-4-5"}, "sonnet (anthropic/claude-sonnet-4-5)"},
		{Ref{"anthropic", "claude-haiku-4-5"}, "fast (anthropic/claude-haiku-4-5)"}, // config alias first
		{Ref{"openrouter", "moonshotai/kimi-k2"}, "kimi (openrouter/moonshotai/kimi-k2)"},
		{Ref{"openai", "gpt-4.1"}, "openai/gpt-4.1"},
		{Ref{"openrouter", "mistralai/mistral-large"}, "openrouter/mistralai/mistral-large"},
	} {
		t.Run(tc.ref.String(), func(t *testing.T) {
			if got := c.Label(tc.ref); got != tc.want {
				t.Errorf("Label = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestConcurrentUse runs every reader at once; go test -race checks it.
func TestConcurrentUse(t *testing.T) {
	c := mustNew(t, models(config.ModelsConfig{Allow: []string{"anthropic/*"}}))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				c.Resolve("", "sonet")
				c.Resolve("openrouter", "moonshotai/kimi-k2")
				c.Allowed(Ref{"anthropic", "claude-9"})
				c.Label(c.Default())
				c.ProvidersText()
				c.ModelsText("anthropic")
				_ = c.Aliases()
			}
		})
	}
	wg.Wait()
}
