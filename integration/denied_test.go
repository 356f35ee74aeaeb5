//go:build unix

package integration

import (
	"strings"
	"testing"
)

// TestPermissionDeniedLines: as a user who is not root (see nobody_test.go),
// a file or directory of bot's that the user may not read, search or write
// gets one line, on the CLI and in the chat alike, naming the file, what
// stops it and the chmod that fixes it, with paths as "~/…" and none said
// twice; a chat command never answers "Something went wrong".
func TestPermissionDeniedLines(t *testing.T) {
	u := newAsUser(t)
	const storeLine = "cannot open ~/" + nobodyStoreAt + ": permission denied; run: chmod 600 ~/" + nobodyStoreAt
	unreadableSessions := func(h *ownedHome) {
		if _, stderr, code := h.bot("", "chat", "-m", "/model haiku"); code != 0 {
			h.t.Fatalf("first chat: exit %d: %s", code, stderr)
		}
		h.own(".bot/sessions.db", u.me, 0o000)
	}
	tests := []struct {
		name   string
		spoil  func(h *ownedHome)
		args   []string
		stdin  string
		code   int
		stdout string // the whole of stdout ("" = none), unless stdoutHas is set
		stderr string // the whole of stderr ("" = none)
		// stdoutHas is a line stdout must hold, for a command that
		// prints a report.
		stdoutHas string
	}{
		{
			name:   "unreadable store, models status",
			spoil:  func(h *ownedHome) { h.own(nobodyStoreAt, u.me, 0o000) },
			args:   []string{"models", "status"},
			code:   1,
			stderr: storeLine + "\n",
		},
		{
			name:   "unreadable store, /model status",
			spoil:  func(h *ownedHome) { h.own(nobodyStoreAt, u.me, 0o000) },
			args:   []string{"chat", "-m", "/model status", "-m", "/model sonnet@anthropic:work", "-m", "hello"},
			stdout: storeLine + "\n" + storeLine + "\n" + storeLine + "\n",
		},
		{
			name:   "agent dir not searchable",
			spoil:  func(h *ownedHome) { h.own(".bot/agents/main/agent", u.me, 0o600) },
			args:   []string{"models", "status"},
			code:   1,
			stderr: "cannot open ~/" + nobodyStoreAt + ": permission denied on ~/.bot/agents/main/agent; run: chmod 700 ~/.bot/agents/main/agent\n",
		},
		{
			name:   "unreadable config",
			spoil:  func(h *ownedHome) { h.own(".bot/bot.json", u.me, 0o200) },
			args:   []string{"chat", "-m", "hi"},
			code:   1,
			stderr: "cannot open ~/.bot/bot.json: permission denied; run: chmod 600 ~/.bot/bot.json\n",
		},
		{
			name:   "unreadable sessions.db, chat",
			spoil:  unreadableSessions,
			args:   []string{"chat", "-m", "hi"},
			code:   1,
			stderr: "cannot open ~/.bot/sessions.db: permission denied; run: chmod 600 ~/.bot/sessions.db\n",
		},
		{
			name:      "unreadable sessions.db, models status --check",
			spoil:     unreadableSessions,
			args:      []string{"models", "status", "--check"},
			code:      1,
			stderr:    "cannot open ~/.bot/sessions.db: permission denied; run: chmod 600 ~/.bot/sessions.db\n",
			stdoutHas: "Default       : anthropic/claude-sonnet-4-5\n",
		},
		{
			name:      "unreadable sessions.db, doctor",
			spoil:     unreadableSessions,
			args:      []string{"doctor", "--non-interactive"},
			code:      1,
			stdoutHas: "Sessions:\n- problem: cannot open ~/.bot/sessions.db: permission denied; run: chmod 600 ~/.bot/sessions.db\n",
		},
		{
			// The store could be written, the config cannot: paste-token
			// changes neither (atomicfile.Txn) and says how to fix it.
			name: "state dir not writable, paste-token",
			spoil: func(h *ownedHome) {
				if _, stderr, code := h.bot("sk-ant-api03-first-0123456789abcdef", "models", "auth", "paste-token", "--provider", "anthropic"); code != 0 {
					h.t.Fatalf("first paste-token: exit %d: %s", code, stderr)
				}
				h.own(".bot", u.me, 0o500)
			},
			args:   []string{"models", "auth", "paste-token", "--provider", "anthropic", "--profile-id", "anthropic:second"},
			stdin:  "sk-ant-api03-second-0123456789abcdef",
			code:   1,
			stderr: "cannot create a file in ~/.bot: permission denied; run: chmod 700 ~/.bot (nothing was changed)\n",
		},
		{
			name: "unreadable Claude Code file, doctor",
			spoil: func(h *ownedHome) {
				h.mkdir(".claude", 0o700)
				h.write(".claude/.credentials.json", `{"claudeAiOauth":{}}`, 0o000)
			},
			args:      []string{"doctor", "--non-interactive"},
			code:      1,
			stderr:    "cannot open ~/.claude/.credentials.json: permission denied; run: chmod 600 ~/.claude/.credentials.json\n",
			stdoutHas: "- problem: cannot open ~/.claude/.credentials.json: permission denied; run: chmod 600 ~/.claude/.credentials.json\n",
		},
		{
			name:   "state dir not writable, first chat",
			spoil:  func(h *ownedHome) { h.own(".bot", u.me, 0o500) },
			args:   []string{"chat", "-m", "/model haiku"},
			code:   1,
			stderr: "cannot create a file in ~/.bot: permission denied; run: chmod 700 ~/.bot\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newStateHome(t, u)
			tt.spoil(h)
			stdout, stderr, code := h.bot(tt.stdin, tt.args...)
			stdoutOK := stdout == tt.stdout
			if tt.stdoutHas != "" {
				stdoutOK = strings.Contains(stdout, tt.stdoutHas)
			}
			if code != tt.code || !stdoutOK || stderr != tt.stderr {
				t.Errorf("bot %s: exit %d, want %d\nstdout:\n%s\nwant:\n%s%s\nstderr:\n%s\nwant:\n%s",
					strings.Join(tt.args, " "), code, tt.code, stdout, tt.stdout, tt.stdoutHas, stderr, tt.stderr)
			}
		})
	}
}
