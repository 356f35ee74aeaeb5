// Package errline turns an error into the one line a person reads: the
// problem and the fix, with paths under $HOME shown as "~/…" and no path
// said twice. The CLI prints it on stderr; the chat commands and the
// conversation reply with it when the error is one bot explains.
package errline

import (
	"errors"
	"log/slog"
	"strings"

	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/config"
	"github.com/botgateway/bot/internal/atomicfile"
	"github.com/botgateway/bot/internal/logkeys"
	"github.com/botgateway/bot/internal/safefile"
	"github.com/botgateway/bot/internal/secret"
	"github.com/botgateway/bot/internal/usermsg"
	"github.com/botgateway/bot/sessions"
)

// Line returns the line for err. A permission error on a file becomes
// "cannot open ~/…: permission denied; run: chmod …" (or the chown). An
// error bot explains (a file it refuses to read; a credential store, a
// config, a Claude Code file or a sessions.db it cannot use) is that
// error's own sentence, which names the file, the problem and the fix,
// without the context wrapped around it. Any other error keeps its text. Paths under p's home
// show as "~/…", and a repeated part ("open /x: open /x: …") is said once.
// Several problems (errors.Join) give one line each.
//
// explained reports the first two kinds: errors bot expects, whose line
// may be shown to whoever ran the command, in a chat too. Other errors are
// bugs or I/O failures, which a chat answers with a log reference instead.
func Line(err error, p config.Paths) (line string, explained bool) {
	if d := safefile.Denied(err); d != nil {
		line := d.Message(p.Display)
		if errors.Is(err, atomicfile.ErrUnchanged) {
			line += " (" + atomicfile.ErrUnchanged.Error() + ")"
		}
		return line, true
	}
	e := explainedBy(err)
	if e == nil {
		return dedupe(p.DisplayText(err.Error())), false
	}
	msg := e.Error()
	if all := err.Error(); strings.Contains(all, "\n") {
		msg = all // several problems (a config's), one a line
	}
	lines := strings.Split(msg, "\n")
	for i, l := range lines {
		for _, pkg := range []string{"auth: ", "config: ", "sessions: "} {
			l = strings.TrimPrefix(l, pkg)
		}
		lines[i] = dedupe(p.DisplayText(l))
	}
	return strings.Join(lines, "\n"), true
}

// explainedBy returns the error in err's chain whose message names the
// file, the problem and the fix, or nil.
func explainedBy(err error) error {
	if e, ok := errors.AsType[*safefile.Error](err); ok {
		return e
	}
	if e, ok := errors.AsType[*auth.StoreError](err); ok {
		return e
	}
	if e, ok := errors.AsType[*auth.ClaudeCodeError](err); ok {
		return e
	}
	if e, ok := errors.AsType[*config.Error](err); ok {
		return e
	}
	if e, ok := errors.AsType[*sessions.FileError](err); ok {
		return e
	}
	return nil
}

// dedupe drops a ": "-separated part of msg that repeats the part before
// it, as wrapping a *fs.PathError in "open <path>: %w" does:
// "sessions: open /x: open /x: permission denied" → "sessions: open /x:
// permission denied".
func dedupe(msg string) string {
	parts := strings.Split(msg, ": ")
	out := parts[:1]
	for _, s := range parts[1:] {
		if s != out[len(out)-1] {
			out = append(out, s)
		}
	}
	return strings.Join(out, ": ")
}

// Chat returns what a chat user is shown for err, the one rule for every
// failure that reaches a chat: a file bot cannot use is its own line (the
// file and the fix, as Line gives it), a *usermsg.Error is its text, and
// anything else is usermsg.Generic with a fresh ref, the cause logged
// under it at Error on log. Whatever looks like a secret is masked: such
// text may repeat what the user typed ("/model sonnet@sk-ant-…").
func Chat(err error, p config.Paths, log *slog.Logger) string {
	if line, explained := Line(err, p); explained {
		log.Warn("reply names a file bot cannot use", logkeys.Err, err)
		return secret.MaskText(line)
	}
	if ue, ok := errors.AsType[*usermsg.Error](err); ok {
		if ue.Err != nil {
			log.Debug("reply explains a failure", logkeys.Err, err)
		}
		return secret.MaskText(ue.Text)
	}
	ref := usermsg.NewRef()
	log.Error("failed", logkeys.Ref, ref, logkeys.Err, err)
	return usermsg.Generic(ref)
}
