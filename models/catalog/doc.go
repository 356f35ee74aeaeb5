// Package catalog is bot's model catalog: the models each provider offers,
// the aliases that name them, the configured default and allowlist, and the
// resolution of what a user types after /model into a provider/model
// reference.
//
// # The catalog
//
// The catalog is the built-in list of models of the providers bot has
// clients for (anthropic, openai, openrouter) plus every model the config
// names: models.default, the targets of models.aliases and the exact entries
// of models.allow. So a model the config mentions can always be selected and
// is listed by /models, even when the built-in list does not know it yet.
//
// # Aliases
//
// Built-in aliases (opus, sonnet, haiku, gpt, gpt-mini, kimi, gemini,
// deepseek) are merged with models.aliases: a config alias replaces a
// built-in one of the same name. Alias names are case-insensitive and
// may hold only ASCII letters, digits, '.', '_', ':' and '-', the characters
// a /model argument may hold outside its '/' and '@' separators. The names
// list, status and default are reserved: they are /model subcommands.
//
// # The allowlist
//
// models.allow entries are exact ids ("openrouter/moonshotai/kimi-k2"),
// prefix patterns ending in "/*" ("anthropic/*", "openrouter/anthropic/*"),
// or "*". The default model is always allowed. Without an allowlist every
// model of the catalog is allowed and nothing else: an id the catalog does
// not know is refused as unknown. With an allowlist, an id the catalog does
// not know is allowed only when a pattern covers it; this is how a user opts
// into the whole, ever-changing model list of a provider ("openrouter/*").
// Exact entries need no pattern: they are part of the catalog.
//
// # Resolution
//
// Resolve turns the parts of [provider/]model into a Ref, in this order: an
// alias (when no provider is given); provider/model under a known provider
// (Anthropic's short forms such as "opus-4.5" are accepted for
// "claude-opus-4-5"); a bare model id under the default provider; a bare
// model id that exactly one provider offers. Failures are a *ResolveError
// whose message is one line for the user, with at most three suggestions
// computed over the allowed aliases and ids (edit distance, then substring
// matches).
//
// # Concurrency and cost
//
// A Catalog is immutable once New returns and safe for concurrent use.
// Every method that returns a slice returns a fresh copy the caller may
// change. Resolve does no allocation when it succeeds on an alias or on a
// provider/model id written in lower case; it only allocates to build an
// error.
package catalog
