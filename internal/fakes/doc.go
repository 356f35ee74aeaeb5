// Package fakes holds the loopback fakes of the external systems bot talks
// to, shared by every test package (STYLE §11): each fake is an
// httptest.Server that speaks the real wire protocol, so tests drive the
// real client libraries (the Anthropic and OpenAI SDKs, the OAuth client)
// against it and nothing touches the internet.
//
// Invariants of every fake in this package:
//   - it listens on loopback only and closes itself with t.Cleanup;
//   - it is safe for concurrent use: tests may call it from many
//     goroutines while it serves requests;
//   - it records every request it receives, so a test can assert how many
//     calls were made and with which credential (the fakes store raw
//     credentials; that is fine in a test process, and is what lets a test
//     prove which one was sent);
//   - it answers from a script the test sets up, and answers anything
//     unscripted the way the real service would answer an unknown
//     credential;
//   - it never sleeps on its own: a delayed answer (Slow) or a stalled
//     stream (Response.Stall) ends as soon as the client goes away or the
//     fake closes.
//
// The provider fakes (NewAnthropic, NewOpenAI) share Call, Response and the
// Response helpers (OK, Status, RateLimited, Overloaded, ClaudeCodeOnly,
// TokenExpired, Slow …); each fake renders a Response in its own
// provider's wire format. A credential's answers are set with Allow (the
// default reply), Script (a queue) and Always (a standing answer); Handle
// replaces them all with one function.
//
// NewTelegram is a fake Telegram Bot API for github.com/go-telegram/bot
// (bot.WithServerURL): tests play the users (Send, Press, Edit …), the
// fake keeps what each chat shows, and it answers Telegram's own errors
// (over-long text, bad markup, stale callbacks, 409, 429 …).
//
// NewDiscord is a fake Discord (REST API and gateway websocket) for
// github.com/bwmarrin/discordgo (Session.Client = Discord.Client()): tests
// play the users (Send, RunCommand, Autocomplete, Choose …), the fake keeps
// what each channel shows, answers Discord's own errors (50035, 40060,
// 10062, 401, 429 …), blanks content without the MESSAGE_CONTENT intent,
// and lets discordgo RESUME after DropSocket, Reconnect and
// InvalidateSession.
package fakes
