// Package logkeys names the attribute keys of the bot's log lines (STYLE §2
// rule 8), so that one thing is logged under one key everywhere and an
// operator can filter on it. It imports nothing beyond the language, and
// every package may import it.
//
// Use them as the key of a key-value pair:
//
//	log := base.With(logkeys.Component, "router")
//	log.Warn("credential unavailable", logkeys.Profile, id, logkeys.Err, err)
//
// A key's string is part of the log format: changing one breaks the filters
// of whoever reads the logs.
package logkeys

// Who is logging.
const (
	// Component is the part of the bot a logger belongs to: "gateway",
	// "router", "commands". Set once, with Logger.With.
	Component = "component"
)

// Where a message came from and whose it is.
const (
	// Channel is the name of the chat adapter a message came through
	// ("console").
	Channel = "channel"
	// Session is the session key a message belongs to.
	Session = "session"
	// Command is the name of a slash command, without the slash.
	Command = "command"
)

// Models and their credentials.
const (
	// Provider is a provider id ("anthropic", "openai", "openrouter").
	Provider = "provider"
	// Model is a model reference, "provider/model" or, at a fake provider,
	// the model a request asked for.
	Model = "model"
	// Profile is an auth profile id ("anthropic:work").
	Profile = "profile"
	// Attempts is how many provider calls a chat turn took.
	Attempts = "attempts"
	// Kind is the failure kind of a models.CallError ("auth",
	// "rate_limit", "billing", "timeout", "format", "unknown").
	Kind = "kind"
	// Status is an HTTP status code (0 when there was no response).
	Status = "status"
	// Until is when a profile set aside may be used again.
	Until = "until"
	// Expires is when a refreshed OAuth token expires.
	Expires = "expires"
)

// What went wrong.
const (
	// Err is the error itself.
	Err = "err"
	// Ref is the correlation id of a failure: the user's reply says
	// "(ref 7f3a)", the log line carries ref=7f3a.
	Ref = "ref"
	// Panic is the value a recovered panic carried.
	Panic = "panic"
)

// Files and storage.
const (
	// Path is the path of the auth profile store.
	Path = "path"
	// File is the path of the sessions database.
	File = "file"
	// Dropped is how many cached sessions were dropped.
	Dropped = "dropped"
	// Migration is the name of a database migration.
	Migration = "migration"
	// Version is the schema version a migration brings the database to.
	Version = "version"
)

// Keys of the fake providers' request lines (internal/fakes/fakeprovider).
const (
	// Auth is how a request authenticated: "x-api-key", "bearer",
	// "refresh_token" or "none".
	Auth = "auth"
	// Credential is the credential a request carried, masked.
	Credential = "credential"
	// Answer is how a fake answered: "ok", "none", or the HTTP status
	// and error code.
	Answer = "answer"
)

// Keys of the gateway's lifecycle lines (bot gateway).
const (
	// Attempt numbers a channel's runs: 1 at start, then one per restart.
	Attempt = "attempt"
	// RetryIn is the wait before a channel is restarted.
	RetryIn = "retry_in"
	// Addr is the address the gateway's HTTP server listens on.
	Addr = "addr"
	// Trigger is what started a config reload: "SIGHUP", "file changed".
	Trigger = "trigger"
)
