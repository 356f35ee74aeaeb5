package catalog

import (
	"errors"
	"testing"

	"github.com/botgateway/bot/config"
	"github.com/google/go-cmp/cmp"
)

func TestProvidersText(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    config.ModelsConfig
		want string
	}{
		{
			name: "built-in",
			want: `Providers:
- anthropic (5)
- openai (5)
- openrouter (5)

Use: /models <provider>
Switch: /model <provider/model>`,
		},
		{
			name: "models from the config are counted",
			m:    config.ModelsConfig{Aliases: map[string]string{"r1": "openrouter/deepseek/deepseek-r1"}},
			want: `Providers:
- anthropic (5)
- openai (5)
- openrouter (6)

Use: /models <provider>
Switch: /model <provider/model>`,
		},
		{
			name: "providers without allowed models are left out",
			m:    config.ModelsConfig{Allow: []string{"openrouter/moonshotai/kimi-k2"}},
			want: `Providers:
- anthropic (1)
- openrouter (1)

Use: /models <provider>
Switch: /model <provider/model>`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := mustNew(t, models(tc.m))
			if diff := cmp.Diff(tc.want, c.ProvidersText()); diff != "" {
				t.Errorf("ProvidersText (-want +got):\n%s", diff)
			}
		})
	}
}

func TestModelsText(t *testing.T) {
	for _, tc := range []struct {
		name     string
		m        config.ModelsConfig
		provider string
		want     string
	}{
		{
			name:     "anthropic with a config alias",
			m:        config.ModelsConfig{Aliases: map[string]string{"fast": "anthropic/claude-haiku-4-5"}},
			provider: "anthropic",
			want: `Models (anthropic):
- anthropic/claude-haiku-4-5 (fast, haiku)
- anthropic/claude-opus-4-1
- anthropic/claude-opus-4-5 (opus)
- anthropic/claude-sonnet-4
- anthropic/claude-sonnet-4-5 (sonnet)

Switch: /model <provider/model>`,
		},
		{
			name:     "openrouter, any case",
			provider: " OpenRouter ",
			want: `Models (openrouter):
- openrouter/anthropic/claude-sonnet-4.5
- openrouter/deepseek/deepseek-chat (deepseek)
- openrouter/google/gemini-2.5-pro (gemini)
- openrouter/moonshotai/kimi-k2 (kimi)
- openrouter/openai/gpt-5

Switch: /model <provider/model>`,
		},
		{
			name:     "only allowed models",
			m:        config.ModelsConfig{Default: "openai/gpt-5", Allow: []string{"openai/o3", "openai/gpt-5-nano"}},
			provider: "openai",
			want: `Models (openai):
- openai/gpt-5 (gpt)
- openai/gpt-5-nano
- openai/o3

Switch: /model <provider/model>`,
		},
		{
			name:     "a provider pattern",
			m:        config.ModelsConfig{Allow: []string{"openrouter/*"}},
			provider: "openrouter",
			want: `Models (openrouter):
- openrouter/anthropic/claude-sonnet-4.5
- openrouter/deepseek/deepseek-chat (deepseek)
- openrouter/google/gemini-2.5-pro (gemini)
- openrouter/moonshotai/kimi-k2 (kimi)
- openrouter/openai/gpt-5

Other openrouter models are allowed too: /model openrouter/<model>
Switch: /model <provider/model>`,
		},
		{
			name:     "nothing allowed",
			m:        config.ModelsConfig{Allow: []string{"anthropic/*"}},
			provider: "openai",
			want:     `No openai models are allowed. Use /models to list providers.`,
		},
		{
			name:     "no provider",
			provider: " ",
			want: `Providers:
- anthropic (5)
- openai (5)
- openrouter (5)

Use: /models <provider>
Switch: /model <provider/model>`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := mustNew(t, models(tc.m))
			got, err := c.ModelsText(tc.provider)
			if err != nil {
				t.Fatalf("ModelsText(%q): %v", tc.provider, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ModelsText(%q) (-want +got):\n%s", tc.provider, diff)
			}
		})
	}
}

func TestModelsTextUnknownProvider(t *testing.T) {
	c := mustNew(t, nil)
	for _, tc := range []struct {
		provider string
		want     ResolveError
	}{
		{"antropic", ResolveError{Kind: UnknownProvider, Input: "antropic", Suggestions: []string{"anthropic"},
			Msg: `Unknown provider "antropic". Did you mean anthropic? Providers: anthropic, openai, openrouter.`}},
		{" Google ", ResolveError{Kind: UnknownProvider, Input: "Google",
			Msg: `Unknown provider "Google". Providers: anthropic, openai, openrouter.`}},
	} {
		t.Run(tc.provider, func(t *testing.T) {
			text, err := c.ModelsText(tc.provider)
			var re *ResolveError
			if !errors.As(err, &re) {
				t.Fatalf("ModelsText(%q) = %q, %v; want a *ResolveError", tc.provider, text, err)
			}
			if diff := cmp.Diff(&tc.want, re); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}
