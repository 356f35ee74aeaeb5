//go:build linux || darwin

package cli

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/creack/pty"

	"github.com/botgateway/bot/internal/fakes"
	"github.com/botgateway/bot/internal/providers"
	"github.com/botgateway/bot/internal/ptytest"
	"github.com/botgateway/bot/internal/testenv"
)

// ttyBot is a bot process on a pseudo-terminal of its own, with HOME in a
// temp dir and no provider reachable unless env says otherwise.
type ttyBot struct {
	*ptytest.PTY
	home string
	cmd  *exec.Cmd
}

// ttySetup is what a test adds to a ttyBot's environment: variables
// ($HOME in a value is the temp HOME) and files under HOME.
type ttySetup struct {
	env   map[string]string
	files map[string]string
	// noSize leaves the terminal's size unset (0×0), as a serial console
	// or some terminal emulators do.
	noSize bool
}

// startOnTTY runs "bot args..." (the test binary, as testscript installs
// it on PATH) with the terminal as its stdin, stdout, stderr and
// controlling terminal.
func startOnTTY(t *testing.T, setup ttySetup, args ...string) *ttyBot {
	t.Helper()
	e := testenv.New(t)
	bin, err := exec.LookPath("bot")
	if err != nil {
		t.Fatal(err)
	}
	e.Set("TERM", "xterm")
	for _, k := range providers.EndpointVars() {
		e.Set(k, "http://127.0.0.1:1") // no call leaves the machine
	}
	for k, v := range setup.env {
		e.Set(k, strings.ReplaceAll(v, "$HOME", e.Home))
	}
	for rel, content := range setup.files {
		e.WriteMode(rel, content, 0o700) // some are scripts
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = e.Environ()
	b := &ttyBot{PTY: ptytest.New(t), home: e.Home, cmd: cmd}
	if setup.noSize {
		if err := pty.Setsize(b.Master, &pty.Winsize{}); err != nil {
			t.Fatal(err)
		}
	}
	b.Start(cmd)
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return b
}

// answerQueries answers the cursor position query with which a
// full-screen form (lipgloss, through termenv) checks that the terminal
// answers its query of the background colour, as a terminal does; without
// an answer it waits 5 s.
func (b *ttyBot) answerQueries() {
	b.WaitScreen("\x1b[6n")
	b.Type("\x1b[1;1R")
}

// wait waits for the process and returns its exit code.
func (b *ttyBot) wait(t *testing.T) int { return b.Wait(b.cmd) }

// files lists the regular files under dir, relative to it.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return out
}

// A token pasted at the hidden prompt arrives whole, line breaks and all,
// nothing of it is echoed, and nothing is left for the shell to read.
func TestPasteTokenAtTerminal(t *testing.T) {
	const (
		part1 = "sk-ant-oat01-first-0123456789abcdef"
		part2 = "second-0123456789abcdef"
		part3 = "third-0123456789abcdef"
	)
	tests := []struct{ name, paste string }{
		{"bracketed paste", "\x1b[200~" + part1 + "\n" + part2 + "\r\n" + part3 + "\n\x1b[201~"},
		{"burst without brackets", part1 + "\r" + part2 + "\r" + part3 + "\r"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := startOnTTY(t, ttySetup{}, "models", "auth", "paste-token", "--provider", "anthropic")
			b.WaitScreen("Paste token for anthropic: ")
			b.Type(tt.paste)
			if code := b.wait(t); code != 0 {
				t.Fatalf("exit %d; screen:\n%s", code, b.Screen())
			}
			store, err := os.ReadFile(filepath.Join(b.home, ".bot/agents/main/agent/auth-profiles.json"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(store), `"token": "`+part1+part2+part3+`"`) {
				t.Errorf("the store does not hold the whole token:\n%s", store)
			}
			b.WaitScreen("Auth profile: anthropic:manual (anthropic/token)")
			screen := b.Screen()
			for _, part := range []string{"first-0123", part2, part3} {
				if strings.Contains(screen, part) {
					t.Errorf("the screen shows %q:\n%s", part, screen)
				}
			}
			if n := b.Pending(); n != 0 {
				t.Errorf("%d bytes of the paste left for the shell to read", n)
			}
		})
	}
}

// Ctrl-C at any prompt ends the command at once with exit 130 and nothing
// written.
func TestCtrlCAtPrompt(t *testing.T) {
	type step struct{ wait, typ string }
	tests := []struct {
		name  string
		setup ttySetup
		args  []string
		steps []step
	}{
		{name: "paste-token hidden prompt", args: []string{"models", "auth", "paste-token", "--provider", "anthropic"},
			steps: []step{{"Paste token for anthropic: ", "sk-ant-oat01-half\x03"}}},
		{name: "onboard choice", args: []string{"onboard"},
			steps: []step{{"How should bot authenticate to Anthropic?", "\x03"}}},
		{name: "onboard token prompt", args: []string{"onboard"},
			steps: []step{{"How should bot authenticate to Anthropic?", "j\r"}, {"Paste the Anthropic token (hidden", "sk-ant-oat01-half\x03"}}},
		{name: "onboard key prompt", args: []string{"onboard", "--auth-choice", "api-key"},
			steps: []step{{"How should bot authenticate to Anthropic?", "\r"}, {"Anthropic API key (hidden", "\x03"}}},
		{name: "onboard existing key question", args: []string{"onboard"},
			setup: ttySetup{env: map[string]string{"ANTHROPIC_API_KEY": "sk-ant-api03-env-0123456789abcdef"}},
			steps: []step{{"How should bot authenticate to Anthropic?", "\r"}, {"Use the ANTHROPIC_API_KEY already set", "\x03"}}},
		{name: "onboard telegram token", args: []string{"onboard", "--no-probe"},
			setup: ttySetup{env: map[string]string{"ANTHROPIC_API_KEY": "sk-ant-api03-env-0123456789abcdef"}},
			steps: []step{{"How should bot authenticate to Anthropic?", "\r"}, {"Use the ANTHROPIC_API_KEY already set", "y"},
				{"Add an OpenAI API key too?", "n"}, {"Add an OpenRouter API key too?", "n"}, {"Set up Telegram?", "y"},
				{"Telegram bot token (hidden", "123:half\x03"}}},
		{name: "onboard write confirm", args: []string{"onboard", "--no-probe"},
			setup: ttySetup{env: map[string]string{"ANTHROPIC_API_KEY": "sk-ant-api03-env-0123456789abcdef"}},
			steps: []step{{"How should bot authenticate to Anthropic?", "\r"}, {"Use the ANTHROPIC_API_KEY already set", "y"},
				{"Add an OpenAI API key too?", "n"}, {"Add an OpenRouter API key too?", "n"}, {"Set up Telegram?", "n"},
				{"Set up Discord?", "n"}, {"Write these changes?", "\x03"}}},
		{name: "setup-token confirm", args: []string{"models", "auth", "setup-token"},
			setup: ttySetup{
				env: map[string]string{"PATH": "$HOME/bin:/usr/bin:/bin"},
				// A claude that would write Claude Code's credentials.
				files: map[string]string{"bin/claude": "#!/bin/sh\nmkdir -p \"$HOME/.claude\" && echo '{}' > \"$HOME/.claude/.credentials.json\"\n"},
			},
			steps: []step{{"Run `claude setup-token` now? [Y/n] ", "\x03"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := startOnTTY(t, tt.setup, tt.args...)
			if tt.args[0] == "onboard" {
				b.answerQueries()
			}
			for _, s := range tt.steps {
				b.WaitScreen(s.wait)
				b.Type(s.typ)
			}
			if code := b.wait(t); code != 130 {
				t.Errorf("exit %d, want 130; screen:\n%s", code, b.Screen())
			}
			if got := files(t, b.home); len(got) != len(tt.setup.files) {
				t.Errorf("files in HOME: %q, want only the test's %d", got, len(tt.setup.files))
			}
			if s := b.Screen(); strings.Contains(s, "Updated") || strings.Contains(s, "half") {
				t.Errorf("screen:\n%s", s)
			}
		})
	}
}

// "bot chat" on a terminal shows a banner and a prompt, answers, sanitizes
// the model's escape sequences, and quits on Ctrl-D (exit 0) or Ctrl-C
// (exit 130).
func TestChatAtTerminal(t *testing.T) {
	const key = "sk-ant-api03-work-0123456789abcdef"
	provider := fakes.NewAnthropic(t)
	provider.Script(key, fakes.Response{Text: hostileReply}, fakes.Response{Text: hostileReply})
	setup := ttySetup{
		env: map[string]string{"ANTHROPIC_BASE_URL": provider.URL()},
		files: map[string]string{".bot/agents/main/agent/auth-profiles.json": `{"version":1,"profiles":{
			"anthropic:work":{"type":"api_key","provider":"anthropic","key":"` + key + `"}}}`},
	}
	for _, tt := range []struct {
		name string
		quit string
		code int
	}{{"Ctrl-D", "\x04", 0}, {"Ctrl-C", "\x03", 130}} {
		t.Run(tt.name, func(t *testing.T) {
			b := startOnTTY(t, setup, "chat")
			b.WaitScreen("bot chat — console:local on anthropic/claude-sonnet-4-5. /help for commands, Ctrl-D to quit.")
			b.WaitScreen("> ")
			b.Type("hello\r")
			b.WaitScreen("title")
			b.WaitScreen("done.")
			b.Type(tt.quit)
			if code := b.wait(t); code != tt.code {
				t.Errorf("exit %d, want %d; screen:\n%q", code, tt.code, b.Screen())
			}
			screen := b.Screen()
			for _, raw := range []string{"\x1b]", "\a", "\x00", "\x1b[31m", "\x1bc", "\u009b"} {
				if strings.Contains(screen, raw) {
					t.Errorf("the screen got %q raw:\n%q", raw, screen)
				}
			}
		})
	}
}

// On a terminal that reports no size (0 columns), "bot chat" still edits
// on one line: what the user types is not wrapped a character per line.
func TestChatAtTerminalWithoutSize(t *testing.T) {
	const key = "sk-ant-api03-work-0123456789abcdef"
	provider := fakes.NewAnthropic(t)
	provider.Script(key, fakes.Response{Text: "done."})
	b := startOnTTY(t, ttySetup{
		env: map[string]string{"ANTHROPIC_BASE_URL": provider.URL()},
		files: map[string]string{".bot/agents/main/agent/auth-profiles.json": `{"version":1,"profiles":{
			"anthropic:work":{"type":"api_key","provider":"anthropic","key":"` + key + `"}}}`},
		noSize: true,
	}, "chat")
	b.WaitScreen("Ctrl-D to quit.")
	b.Type("hello\r")
	b.WaitScreen("done.")
	b.Type("\x04")
	if code := b.wait(t); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
	if screen := b.Screen(); !strings.Contains(screen, "> hello") {
		t.Errorf("the line typed is not shown as typed:\n%q", screen)
	}
}

// hostileReply is a model answer full of terminal escape sequences: OSC 52
// (set the clipboard), OSC 0 (set the title), a colour, a full reset, BEL,
// NUL, a carriage return and an 8-bit CSI.
const hostileReply = "clip\x1b]52;c;cm0gLXJmIH4=\x07board \x1b]0;pwned\x1b\\title \x1b[31mred\x1b[0m \x1bcreset\a\x00 \rover \u009b2Jdone."

// The full-screen wizard at a terminal, from nothing to a written setup:
// the key and the tokens at hidden prompts are never on the screen, and
// the files are private.
func TestOnboardAtTerminal(t *testing.T) {
	b := startOnTTY(t, ttySetup{}, "onboard", "--no-probe")
	b.answerQueries()
	steps := []struct{ wait, typ string }{
		{"How should bot authenticate to Anthropic?", "\r"},
		{"Anthropic API key (hidden", wizKey + "\r"},
		{"Add an OpenAI API key too?", "n"},
		{"Add an OpenRouter API key too?", "y"},
		{"OpenRouter API key (hidden", "\x1b[200~" + wizOR + "\n\x1b[201~"},
		{"Set up Telegram?", "y"},
		{"Telegram bot token (hidden", wizTG + "\r"},
		{"Who may use the bot on Telegram?", "j\r"},
		{"User ids (comma-separated):", "42\r"},
		{"Set up Discord?", "y"},
		{"Discord bot token (hidden", wizDC + "\r"},
		{"Who may use the bot on Discord?", "\r"},
		{"Server (guild) ids", "\r"},
		{"Write these changes?", "y"},
	}
	for _, s := range steps {
		b.WaitScreen(s.wait)
		b.Type(s.typ)
	}
	if code := b.wait(t); code != 0 {
		t.Fatalf("exit %d; screen:\n%s", code, b.Screen())
	}
	b.WaitScreen("bot pairing approve discord <code>")
	if s := b.Screen(); strings.Contains(s, canaryCore) {
		t.Errorf("a secret is on the screen:\n%s", s)
	}
	for rel, want := range map[string]string{
		".bot/agents/main/agent/auth-profiles.json": `"key": "` + wizOR + `"`,
		".bot/.env":     "TELEGRAM_BOT_TOKEN=" + wizTG + "\nDISCORD_BOT_TOKEN=" + wizDC + "\n",
		".bot/bot.json": `"allowFrom": ["42"]`,
	} {
		got, err := os.ReadFile(filepath.Join(b.home, rel))
		if err != nil || !strings.Contains(string(got), want) {
			t.Errorf("%s = %q (%v), want it to hold %q", rel, got, err, want)
		}
	}
	checkPrivate(t, filepath.Join(b.home, ".bot"))
	if n := b.Pending(); n != 0 {
		t.Errorf("%d bytes left for the shell to read", n)
	}
}

// Commands other than the wizard send the terminal no query (Bubble Tea's
// init would ask for the background colour; internal/termstyle answers
// for it), so none waits for a terminal that does not answer.
func TestNoTerminalQueryAtStart(t *testing.T) {
	b := startOnTTY(t, ttySetup{}, "models", "auth", "paste-token", "--provider", "anthropic")
	b.WaitScreen("Paste token for anthropic: ")
	b.Type("\x03")
	b.wait(t)
	if s := b.Screen(); strings.Contains(s, "\x1b]11;") || strings.Contains(s, "\x1b[6n") {
		t.Errorf("the command queried the terminal:\n%q", s)
	}
}
