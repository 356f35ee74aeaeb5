// Package config loads and edits bot's configuration: the paths of the state
// directory, the bot.json file, and the layered environment (process env,
// ./.env, <state dir>/.env, the config's env block, an optional login-shell
// import).
//
// It sits at the bottom of the import graph: it imports no other package of
// the module except internal/atomicfile, internal/safefile and internal/secret.
//
// # bot.json
//
// The file is JSON with comments and trailing commas (JWCC, parsed with
// github.com/tailscale/hujson). A missing file is not an error: it means
// "all defaults". An empty file (whitespace and comments only) is read as
// {}. Load validates the whole document against a strict schema and reports
// every problem it finds (up to a cap) in document order, one per line,
// each naming the file, the line and the dotted key:
//
//	config: /home/u/.bot/bot.json:7: unknown key "models.defualt" (did you mean "models.default"?)
//	config: /home/u/.bot/bot.json:12: "sessions.historyTurns" must be a number
//	config: /home/u/.bot/bot.json:3:14: invalid JSON: invalid character '}' at start of value; fix the file or move it away
//
// A single problem is returned as an *Error; several are returned joined
// with errors.Join, so errors.As finds the first.
//
// Keys under models.aliases, models.providers, auth.profiles, auth.order,
// auth.oauth and env (except env.shellEnv and env.vars) are free-form.
// Provider ids used as keys, and auth.profiles[*].provider, are normalized
// (trimmed, lower-cased) on load.
//
// # Migration
//
// Load applies one migration before validation: a config whose
// auth.profiles["anthropic:claude-cli"].mode is "token" gets "oauth". The
// file is rewritten atomically with its comments and layout intact, and
// File.Warnings gets one line starting with "Auto-migrated config:". The
// rewrite happens only when the migrated document is valid.
//
// # Editing
//
// Edit changes the file in place through a Doc, keeping comments and layout:
// only the touched objects and lists are re-indented.
// EditWith does the same as part of a change to other files too (the
// credential store), committed through one atomicfile.Txn anchored at the
// config; Load and every edit first finish or undo such a change that a
// killed process left.
//
// # Secrets
//
// Channel tokens are secret.Secret. The env block's values are plain strings
// (Config.EnvVars) but EnvConfig prints and encodes them masked. Error
// messages never quote a value from the file, so a misplaced token cannot
// leak through an error. LoadEnv exposes values only as secret.Secret.
package config
