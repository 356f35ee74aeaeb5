// Package grammar parses one chat slash command into a typed result with
// positions: the participle grammar of DESIGN §5.
//
// Parse reads a message such as
//
//	/model@MyBot: openrouter/moonshotai/kimi-k2@openrouter:default
//
// into a Command (name "model", the bot name, one argument) and
// ParseModelRef splits a /model argument into provider, model and auth
// profile. Every part carries its column, so a reply can say where the
// input went wrong ("at column 15: expected a profile id after "@", got the
// end of the command").
//
// # What is parsed with what
//
// The command head (slash, name, "@BotName") and the shape of a model
// reference ([provider/]model[@profile]) are participle grammars
// (grammar.go) over two small hand-written lexers (lexer.go) that
// implement participle's lexer.Definition without regular expressions.
// The grammars capture nothing: participle checks the input and says
// where it went wrong, and the parts are read from the tokens it matched.
// A head's closing ":" ends the head and is cut before parsing.
//
// Arguments are split with go-shellwords, configured field by field (no
// backticks, no environment, never the package-level Parse), behind a
// fast path that splits on white space when the arguments hold no quote,
// backslash or shell metacharacter. shellwords reports no positions, so a
// small scanner that follows its quoting rules (args.go) finds each
// argument's column and the column of a quoting error; the fuzz target
// checks that the two agree.
//
// # Decisions
//
//   - Not a command: text whose first non-space character is not "/" gives
//     (nil, nil), whatever its length or content; it is chat, not ours to
//     judge.
//   - Multi-line messages: only the first line is the command; the rest is
//     ignored, as OpenClaw does. "\r" ends a line like "\n". Leading white
//     space, blank lines included, is skipped.
//   - Columns count runes from the start of the text given to Parse, 1
//     first. For a command on the first line this is its column; for one
//     after leading blank lines it is an offset into the whole text.
//   - Names are ASCII letters, digits and "_", compared and returned in
//     lower case. "/model:" is "/model"; the colon also ends the head, so
//     "/model:x" is "/model x".
//   - "/cmd@BotName": the bot name is compared with botName ignoring case.
//     Ours: it is dropped from the command (Command.BotName keeps it as
//     written). Another bot's: Parse returns (nil, ErrOtherBot), which a
//     caller ignores silently. An empty botName (the console) owns no name,
//     so any "@BotName" is another bot's: a command is never run by a bot
//     that cannot tell it was meant for it.
//   - Arguments: shell-style quoting ('...', "...", backslash escapes) as
//     go-shellwords does it; the typographic quotes ‘ ’ “ ” count as ASCII
//     quotes. An unquoted ; | & < > is rejected at its column rather than
//     silently cutting the line (shellwords stops there); so are a bare
//     "(" or ")". Backticks and "$(...)" are kept as literal text and never
//     run anything.
//   - White space: outside quotes, a space, a tab and any Unicode space
//     (a no-break space U+00A0, U+2000–U+200A, U+3000 …) separate
//     arguments: phones and pasted text insert no-break spaces, and an
//     argument can never usefully contain one unquoted. Inside quotes a
//     Unicode space becomes an ASCII space.
//   - Limits: a command text over MaxBytes bytes, invalid UTF-8, control
//     characters other than tab on the command's line, and a command head
//     or model reference over 256 bytes are errors with a column, never a
//     panic. The 256-byte cap bounds participle's work on hostile input
//     (about 60 µs at worst).
//   - Columns of a ModelRef are those of its argument plus the offset in
//     the unquoted value: exact unless the argument used escapes. An
//     argument's column is that of its first character, after an opening
//     quote, so an error in /model "sonnet@" still points at the "@".
//
// # Cost
//
// participle builds its parse tree by reflection and allocates for every
// token and every grammar node it tries: even a grammar of one token costs
// it about 15 allocations. A cold "/model sonnet@anthropic:work", that is
// two participle parses (the head and the model reference), takes about
// 2.6 µs and 48 allocations: within the 3 µs DESIGN §7 allows for a whole
// command, over its 30 allocations. A quoted reference with a provider
// ("openrouter/moonshotai/kimi-k2@openrouter:default") takes about 4.8 µs
// and 70 allocations; a command without a model reference (one parse)
// 1.1 to 1.5 µs and 20 to 29 allocations. Parse and ParseModelRef
// therefore memoize their participle results by the exact text of the
// head ("/model@MyBot:") and of the model reference
// ("sonnet@anthropic:work"): the first message with a given head is
// parsed by participle, the next ones reuse its result. Only successful
// parses are kept, in a bounded table that is emptied when full, so
// errors always come from participle and memory stays small whatever the
// input. A warm "/model sonnet@anthropic:work" parses in about 0.2 µs
// with one allocation; bench_test.go reports the cold figures too.
//
// Parse and ParseModelRef are safe for concurrent use.
package grammar
