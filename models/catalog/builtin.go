package catalog

import "github.com/botgateway/bot/internal/providers"

// knownProviders are the providers bot has clients for, sorted: the table
// of internal/providers, as auth.Providers.
var knownProviders = providers.IDs()

// reserved are the words that may not be alias names: they are /model
// subcommands.
var reserved = []string{"list", "status", "default"}

// builtinModels is the built-in model list, in the order suggestions prefer
// when no other rule decides (flagships first).
var builtinModels = []Model{
	{Ref: Ref{"anthropic", "claude-sonnet-4-5"}, Name: "Claude Sonnet 4.5"},
	{Ref: Ref{"anthropic", "claude-opus-4-5"}, Name: "Claude Opus 4.5"},
	{Ref: Ref{"anthropic", "claude-haiku-4-5"}, Name: "Claude Haiku 4.5"},
	{Ref: Ref{"anthropic", "claude-opus-4-1"}, Name: "Claude Opus 4.1"},
	{Ref: Ref{"anthropic", "claude-sonnet-4"}, Name: "Claude Sonnet 4"},

	{Ref: Ref{"openai", "gpt-5"}, Name: "GPT-5"},
	{Ref: Ref{"openai", "gpt-5-mini"}, Name: "GPT-5 mini"},
	{Ref: Ref{"openai", "o3"}, Name: "o3"},
	{Ref: Ref{"openai", "gpt-4.1"}, Name: "GPT-4.1"},
	{Ref: Ref{"openai", "gpt-4.1-mini"}, Name: "GPT-4.1 mini"},

	{Ref: Ref{"openrouter", "moonshotai/kimi-k2"}, Name: "Kimi K2 (OpenRouter)"},
	{Ref: Ref{"openrouter", "anthropic/claude-sonnet-4.5"}, Name: "Claude Sonnet 4.5 (OpenRouter)"},
	{Ref: Ref{"openrouter", "openai/gpt-5"}, Name: "GPT-5 (OpenRouter)"},
	{Ref: Ref{"openrouter", "google/gemini-2.5-pro"}, Name: "Gemini 2.5 Pro (OpenRouter)"},
	{Ref: Ref{"openrouter", "deepseek/deepseek-chat"}, Name: "DeepSeek V3 (OpenRouter)"},
}

// builtinAliases are the aliases every catalog starts with; models.aliases
// may replace any of them.
var builtinAliases = map[string]Ref{
	"opus":     {"anthropic", "claude-opus-4-5"},
	"sonnet":   {"anthropic", "claude-sonnet-4-5"},
	"haiku":    {"anthropic", "claude-haiku-4-5"},
	"gpt":      {"openai", "gpt-5"},
	"gpt-mini": {"openai", "gpt-5-mini"},
	"kimi":     {"openrouter", "moonshotai/kimi-k2"},
	"gemini":   {"openrouter", "google/gemini-2.5-pro"},
	"deepseek": {"openrouter", "deepseek/deepseek-chat"},
}
