package catalog

import (
	"errors"
	"strings"
	"testing"

	"github.com/botgateway/bot/config"
	"github.com/google/go-cmp/cmp"
)

// hint ends the messages about models.
const hint = " Use /models to list providers, or /models <provider> to list models."

func TestResolve(t *testing.T) {
	base := config.ModelsConfig{Aliases: map[string]string{"fast": "anthropic/claude-haiku-4-5"}}
	shared := config.ModelsConfig{
		Default: "openrouter/shared",
		Aliases: map[string]string{"a": "openai/shared", "b": "openrouter/shared"},
	}
	for _, tc := range []struct {
		name            string
		m               config.ModelsConfig
		provider, model string
		want            Ref
	}{
		{name: "built-in alias", m: base, model: "sonnet", want: Ref{"anthropic", "claude-sonnet-4-5"}},
		{name: "alias in any case, spaces trimmed", m: base, model: " SoNNet ", want: Ref{"anthropic", "claude-sonnet-4-5"}},
		{name: "config alias", m: base, model: "fast", want: Ref{"anthropic", "claude-haiku-4-5"}},
		{name: "alias to openrouter", m: base, model: "kimi", want: Ref{"openrouter", "moonshotai/kimi-k2"}},
		{name: "provider/model", m: base, provider: "anthropic", model: "claude-opus-4-5", want: Ref{"anthropic", "claude-opus-4-5"}},
		{name: "provider/model normalized", m: base, provider: " Anthropic ", model: "Claude-Opus-4-5", want: Ref{"anthropic", "claude-opus-4-5"}},
		{name: "anthropic short form", m: base, provider: "anthropic", model: "opus-4.5", want: Ref{"anthropic", "claude-opus-4-5"}},
		{name: "anthropic dotted version", m: base, provider: "anthropic", model: "claude-sonnet-4.5", want: Ref{"anthropic", "claude-sonnet-4-5"}},
		{name: "openrouter id with a slash", m: base, provider: "openrouter", model: "moonshotai/kimi-k2", want: Ref{"openrouter", "moonshotai/kimi-k2"}},
		{name: "openrouter id with dots", m: base, provider: "openrouter", model: "anthropic/claude-sonnet-4.5", want: Ref{"openrouter", "anthropic/claude-sonnet-4.5"}},
		{name: "whole id as the model", m: base, model: "openai/gpt-5", want: Ref{"openai", "gpt-5"}},
		{name: "stored openrouter id as the model", m: base, model: "openrouter/moonshotai/kimi-k2", want: Ref{"openrouter", "moonshotai/kimi-k2"}},
		{name: "bare id under the default provider", m: base, model: "claude-opus-4-1", want: Ref{"anthropic", "claude-opus-4-1"}},
		{name: "bare short form under the default provider", m: base, model: "opus-4.5", want: Ref{"anthropic", "claude-opus-4-5"}},
		{name: "bare id of one other provider", m: base, model: "gpt-5-mini", want: Ref{"openai", "gpt-5-mini"}},
		{name: "bare id in upper case", m: base, model: "O3", want: Ref{"openai", "o3"}},
		{name: "unknown provider that is the start of an id", m: base, provider: "moonshotai", model: "kimi-k2", want: Ref{"openrouter", "moonshotai/kimi-k2"}},
		{name: "the default provider wins a bare id", m: shared, model: "shared", want: Ref{"openrouter", "shared"}},
		{name: "an id the catalog lacks, under a provider pattern", m: config.ModelsConfig{Allow: []string{"openrouter/*"}}, provider: "openrouter", model: "MistralAI/Mistral-Large", want: Ref{"openrouter", "mistralai/mistral-large"}},
		{name: "an id the catalog lacks, under a prefix pattern", m: config.ModelsConfig{Allow: []string{"openrouter/mistralai/*"}}, provider: "openrouter", model: "mistralai/mistral-large", want: Ref{"openrouter", "mistralai/mistral-large"}},
		{name: "an id the catalog lacks, under *", m: config.ModelsConfig{Allow: []string{"*"}}, provider: "openai", model: "gpt-6", want: Ref{"openai", "gpt-6"}},
		{name: "an exact allow entry the catalog lacked", m: config.ModelsConfig{Allow: []string{"openai/gpt-5-nano"}}, model: "gpt-5-nano", want: Ref{"openai", "gpt-5-nano"}},
		{name: "the allowed one of two providers", m: config.ModelsConfig{Allow: []string{"openai/x", "openrouter/*"}, Aliases: map[string]string{"y": "anthropic/x"}}, model: "x", want: Ref{"openai", "x"}},
		{name: "the default when not in the allowlist", m: config.ModelsConfig{Allow: []string{"openai/*"}}, model: "sonnet", want: Ref{"anthropic", "claude-sonnet-4-5"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := mustNew(t, models(tc.m))
			got, err := c.Resolve(tc.provider, tc.model)
			if err != nil {
				t.Fatalf("Resolve(%q, %q): %v", tc.provider, tc.model, err)
			}
			if got != tc.want {
				t.Errorf("Resolve(%q, %q) = %v, want %v", tc.provider, tc.model, got, tc.want)
			}
			if !c.Allowed(got) {
				t.Errorf("Resolve returned %v, which is not Allowed", got)
			}
		})
	}
}

func TestResolveErrors(t *testing.T) {
	base := config.ModelsConfig{Aliases: map[string]string{"fast": "anthropic/claude-haiku-4-5"}}
	anthropicOnly := config.ModelsConfig{Allow: []string{"anthropic/*"}}
	for _, tc := range []struct {
		name            string
		m               config.ModelsConfig
		provider, model string
		want            ResolveError
	}{
		{
			name: "nothing",
			m:    base,
			want: ResolveError{Kind: MissingModel, Msg: "Expected a model: an alias or <provider>/<model>." + hint},
		},
		{
			name:  "blank",
			m:     base,
			model: "  ",
			want:  ResolveError{Kind: MissingModel, Msg: "Expected a model: an alias or <provider>/<model>." + hint},
		},
		{
			name: "misspelt alias", m: base, model: "sonet",
			want: ResolveError{Kind: UnknownModel, Input: "sonet", Suggestions: []string{"sonnet"},
				Msg: `Unknown model "sonet". Did you mean sonnet (anthropic/claude-sonnet-4-5)?` + hint},
		},
		{
			name: "transposed letters", m: base, model: "hiaku",
			want: ResolveError{Kind: UnknownModel, Input: "hiaku", Suggestions: []string{"haiku"},
				Msg: `Unknown model "hiaku". Did you mean haiku (anthropic/claude-haiku-4-5)?` + hint},
		},
		{
			name: "misspelt id", m: base, provider: "openai", model: "gpt-5-mni",
			want: ResolveError{Kind: UnknownModel, Input: "openai/gpt-5-mni", Suggestions: []string{"openai/gpt-5-mini", "gpt"},
				Msg: `Unknown model "openai/gpt-5-mni". Did you mean gpt-mini (openai/gpt-5-mini) or gpt (openai/gpt-5)?` + hint},
		},
		{
			name: "an id the catalog lacks, without allowlist", m: base, provider: "openai", model: "gpt-6",
			want: ResolveError{Kind: UnknownModel, Input: "openai/gpt-6", Suggestions: []string{"openai/gpt-5", "openai/gpt-4.1"},
				Msg: `Unknown model "openai/gpt-6". Did you mean gpt (openai/gpt-5) or openai/gpt-4.1?` + hint},
		},
		{
			name: "bare id close to two", m: base, model: "gpt5",
			want: ResolveError{Kind: UnknownModel, Input: "gpt5", Suggestions: []string{"gpt", "openrouter/openai/gpt-5"},
				Msg: `Unknown model "gpt5". Did you mean gpt (openai/gpt-5) or openrouter/openai/gpt-5?` + hint},
		},
		{
			name: "substring, the default first, at most three", m: base, model: "claude",
			want: ResolveError{Kind: UnknownModel, Input: "claude",
				Suggestions: []string{"anthropic/claude-sonnet-4-5", "anthropic/claude-opus-4-5", "anthropic/claude-haiku-4-5"},
				Msg:         `Unknown model "claude". Did you mean sonnet (anthropic/claude-sonnet-4-5), opus (anthropic/claude-opus-4-5) or fast (anthropic/claude-haiku-4-5)?` + hint},
		},
		{
			name: "the model of another provider", m: base, provider: "anthropic", model: "gpt-5",
			want: ResolveError{Kind: UnknownModel, Input: "anthropic/gpt-5", Suggestions: []string{"openai/gpt-5", "openrouter/openai/gpt-5"},
				Msg: `Unknown model "anthropic/gpt-5". Did you mean gpt (openai/gpt-5) or openrouter/openai/gpt-5?` + hint},
		},
		{
			name: "an alias after a provider", m: base, provider: "anthropic", model: "opus",
			want: ResolveError{Kind: UnknownModel, Input: "anthropic/opus", Suggestions: []string{"opus"},
				Msg: `Unknown model "anthropic/opus". Did you mean opus (anthropic/claude-opus-4-5)?` + hint},
		},
		{
			name: "nothing close", m: base, model: "xyz",
			want: ResolveError{Kind: UnknownModel, Input: "xyz", Msg: `Unknown model "xyz".` + hint},
		},
		{
			name: "long input is cut in the message", m: base, model: strings.Repeat("a", 100),
			want: ResolveError{Kind: UnknownModel, Input: strings.Repeat("a", 100), Msg: `Unknown model "` + strings.Repeat("a", 64) + `…".` + hint},
		},
		{
			name: "misspelt provider", m: base, provider: "antropic", model: "claude-opus-4-5",
			want: ResolveError{Kind: UnknownProvider, Input: "antropic", Suggestions: []string{"anthropic"},
				Msg: `Unknown provider "antropic". Did you mean anthropic? Providers: anthropic, openai, openrouter.`},
		},
		{
			name: "provider prefix", m: base, provider: "Open", model: "gpt-5",
			want: ResolveError{Kind: UnknownProvider, Input: "Open", Suggestions: []string{"openai", "openrouter"},
				Msg: `Unknown provider "Open". Did you mean openai or openrouter? Providers: anthropic, openai, openrouter.`},
		},
		{
			name: "unknown provider, nothing close", m: base, provider: "google", model: "x",
			want: ResolveError{Kind: UnknownProvider, Input: "google",
				Msg: `Unknown provider "google". Providers: anthropic, openai, openrouter.`},
		},
		{
			name: "unknown provider that looks like an openrouter id", m: base, provider: "moonshot", model: "kimi-k2",
			want: ResolveError{Kind: UnknownModel, Input: "moonshot/kimi-k2", Suggestions: []string{"openrouter/moonshotai/kimi-k2"},
				Msg: `Unknown model "moonshot/kimi-k2". Did you mean kimi (openrouter/moonshotai/kimi-k2)?` + hint},
		},
		{
			name: "provider without model", m: base, provider: "Anthropic",
			want: ResolveError{Kind: MissingModel, Input: "Anthropic/",
				Msg: `Expected a model after "Anthropic/". Use /models anthropic to list its models.`},
		},
		{
			name: "provider alone", m: base, model: "OpenRouter",
			want: ResolveError{Kind: MissingModel, Input: "OpenRouter",
				Msg: `"OpenRouter" is a provider, not a model. Use /models openrouter to list its models.`},
		},
		{
			name: "not allowed, by id", m: anthropicOnly, provider: "openai", model: "gpt-5",
			want: ResolveError{Kind: NotAllowed, Input: "openai/gpt-5", Msg: `Model "openai/gpt-5" is not allowed.` + hint},
		},
		{
			name: "not allowed, by alias", m: anthropicOnly, model: "GPT",
			want: ResolveError{Kind: NotAllowed, Input: "GPT", Msg: `Model "openai/gpt-5" is not allowed.` + hint},
		},
		{
			name: "not allowed, by bare id", m: anthropicOnly, model: "gpt-5-mini",
			want: ResolveError{Kind: NotAllowed, Input: "gpt-5-mini", Msg: `Model "openai/gpt-5-mini" is not allowed.` + hint},
		},
		{
			name: "suggestions only among allowed models", m: anthropicOnly, model: "gpt5",
			want: ResolveError{Kind: UnknownModel, Input: "gpt5", Msg: `Unknown model "gpt5".` + hint},
		},
		{
			name: "an id the catalog lacks, outside the patterns", m: anthropicOnly, provider: "openai", model: "gpt-6",
			want: ResolveError{Kind: UnknownModel, Input: "openai/gpt-6", Msg: `Unknown model "openai/gpt-6".` + hint},
		},
		{
			name: "an id the catalog lacks, under a pattern, but not an id", m: config.ModelsConfig{Allow: []string{"openrouter/*"}}, provider: "openrouter", model: "a//b",
			want: ResolveError{Kind: UnknownModel, Input: "openrouter/a//b", Msg: `Unknown model "openrouter/a//b".` + hint},
		},
		{
			name:  "ambiguous bare id",
			m:     config.ModelsConfig{Aliases: map[string]string{"a": "openai/shared", "b": "openrouter/shared"}},
			model: "shared",
			want: ResolveError{Kind: Ambiguous, Input: "shared", Suggestions: []string{"openai/shared", "openrouter/shared"},
				Msg: `Model "shared" is offered by several providers. Did you mean a (openai/shared) or b (openrouter/shared)? Use /model <provider/model> to choose one.`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := mustNew(t, models(tc.m))
			ref, err := c.Resolve(tc.provider, tc.model)
			if err == nil {
				t.Fatalf("Resolve(%q, %q) = %v, want an error", tc.provider, tc.model, ref)
			}
			var re *ResolveError
			if !errors.As(err, &re) {
				t.Fatalf("error %T is not a *ResolveError: %v", err, err)
			}
			if diff := cmp.Diff(&tc.want, re); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			if err.Error() != tc.want.Msg {
				t.Errorf("Error() = %q, want Msg", err.Error())
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("message is not one line: %q", err.Error())
			}
		})
	}
}

// TestResolveStoredIDs checks that every allowed model of the catalog
// resolves from its stored form ("provider/model" cut at the first '/'),
// as the commands do with a session's saved model.
func TestResolveStoredIDs(t *testing.T) {
	c := mustNew(t, models(config.ModelsConfig{Allow: []string{"anthropic/*", "openrouter/moonshotai/kimi-k2"}}))
	for _, p := range c.Providers() {
		for _, m := range c.Models(p) {
			t.Run(m.Ref.String(), func(t *testing.T) {
				sp, sm, _ := strings.Cut(m.Ref.String(), "/")
				got, err := c.Resolve(sp, sm)
				if !c.Allowed(m.Ref) {
					if err == nil {
						t.Errorf("Resolve of a model that is not allowed succeeded: %v", got)
					}
					return
				}
				if err != nil || got != m.Ref {
					t.Errorf("Resolve(%q, %q) = %v, %v; want %v", sp, sm, got, err, m.Ref)
				}
			})
		}
	}
}

func BenchmarkResolve(b *testing.B) {
	c := mustNew(b, models(config.ModelsConfig{Allow: []string{"anthropic/*", "openrouter/moonshotai/kimi-k2"}}))
	for _, bc := range []struct {
		name            string
		provider, model string
	}{
		{"alias", "", "sonnet"},
		{"provider-model", "openrouter", "moonshotai/kimi-k2"},
		{"bare-id", "", "claude-opus-4-1"},
		{"unknown", "", "sonet"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.Resolve(bc.provider, bc.model)
			}
		})
	}
}

// FuzzResolve checks that no input panics, that every failure is a
// one-line *ResolveError and that every success is allowed.
func FuzzResolve(f *testing.F) {
	for _, s := range [][2]string{{"", "sonnet"}, {"anthropic", "opus-4.5"}, {"moonshot", "kimi-k2"}, {"", "é\n/x"}, {"openrouter", "a//b"}} {
		f.Add(s[0], s[1])
	}
	c := mustNew(f, models(config.ModelsConfig{Allow: []string{"anthropic/*", "openrouter/*", "openai/gpt-5"}}))
	f.Fuzz(func(t *testing.T, provider, model string) {
		ref, err := c.Resolve(provider, model)
		if err != nil {
			var re *ResolveError
			if !errors.As(err, &re) {
				t.Fatalf("error %T is not a *ResolveError", err)
			}
			if strings.Contains(re.Msg, "\n") || len(re.Suggestions) > maxSuggestions {
				t.Fatalf("bad error: %+v", re)
			}
			return
		}
		if !c.Allowed(ref) {
			t.Fatalf("Resolve(%q, %q) = %v, not allowed", provider, model, ref)
		}
	})
}
