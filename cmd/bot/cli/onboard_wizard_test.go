package cli

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/botgateway/bot/internal/providers"
	"github.com/botgateway/bot/internal/testenv"
)

// The wizard's secrets hold the canary: no run may print it.
var (
	wizKey   = "sk-ant-api03-" + canaryCore + "-0123456789abcdef"
	wizToken = "sk-ant-oat01-" + canaryCore + "-" + strings.Repeat("0123456789", 8)
	wizOR    = "sk-or-v1-" + canaryCore + "-0123456789abcdef"
	wizTG    = "123456:" + canaryCore + "-tg-0123456789abcdef"
	wizDC    = "dc." + canaryCore + ".0123456789abcdef"
)

// wizardCase is one path through the wizard: the answers typed, one a
// line, and what the files hold afterwards.
type wizardCase struct {
	name    string
	env     map[string]string
	files   map[string]string // under HOME, before the run
	answers []string
	// want maps a file under HOME to what it must contain; a nil list
	// means the file must not exist.
	want   map[string][]string
	stdout []string
}

var wizardCases = []wizardCase{
	{
		name:    "api key typed, nothing else",
		answers: []string{"1", wizKey, "n", "n", "n", "n", "y"},
		want: map[string][]string{
			".bot/agents/main/agent/auth-profiles.json": {`"key": "` + wizKey + `"`},
			".bot/bot.json": {`"anthropic:default": {"provider": "anthropic", "mode": "api_key"}`},
			".bot/.env":     nil,
		},
		stdout: []string{"Auth profile: anthropic:default (anthropic/api_key)", "Start the bot:  bot gateway"},
	},
	{
		name:    "a bad setup-token asked again, then OpenRouter",
		answers: []string{"2", "sk-ant-oat01-short", wizToken, "n", "y", wizOR, "n", "n", "y"},
		want: map[string][]string{
			".bot/agents/main/agent/auth-profiles.json": {`"token": "` + wizToken + `"`, `"key": "` + wizOR + `"`},
			".bot/bot.json": {`"mode": "token"`, `"openrouter:default"`},
		},
		stdout: []string{"Auth profile: openrouter:default (openrouter/api_key)"},
	},
	{
		name:    "no Claude Code, so skip; Telegram through pairing",
		answers: []string{"3", "4", "n", "n", "y", wizTG, "1", "n", "y"},
		want: map[string][]string{
			".bot/agents/main/agent/auth-profiles.json": nil,
			".bot/.env":     {"TELEGRAM_BOT_TOKEN=" + wizTG + "\n"},
			".bot/bot.json": {`"telegram": {`, `"dmPolicy": "pairing"`},
		},
		stdout: []string{"Skipped model auth", "bot pairing approve telegram <code>"},
	},
	{
		name:    "Claude Code reused",
		files:   map[string]string{".claude/.credentials.json": `{"claudeAiOauth":{"accessToken":"sk-ant-oat01-cc-` + canaryCore + `-0123456789","refreshToken":"sk-ant-ort01-` + canaryCore + `-0123456789","expiresAt":4102444800000}}`},
		answers: []string{"3", "n", "n", "n", "n", "y"},
		want: map[string][]string{
			".bot/agents/main/agent/auth-profiles.json": {`"anthropic:claude-cli"`},
			".bot/bot.json": {`"anthropic:claude-cli": {"provider": "anthropic", "mode": "oauth"}`},
		},
		stdout: []string{"Auth profile: anthropic:claude-cli (anthropic/oauth)"},
	},
	{
		name:    "the key in the environment; Discord for typed ids only, with guilds",
		env:     map[string]string{"ANTHROPIC_API_KEY": wizKey},
		answers: []string{"1", "y", "n", "n", "n", "y", wizDC, "3", "123456789012345678, 2", "98765432109876543", "y"},
		want: map[string][]string{
			".bot/agents/main/agent/auth-profiles.json": {`"key": "` + wizKey + `"`},
			".bot/.env": {"DISCORD_BOT_TOKEN=" + wizDC + "\n"},
			".bot/bot.json": {`"allowFrom": ["123456789012345678", "2"]`, `"guilds": ["98765432109876543"]`,
				`"dmPolicy": "allowlist"`},
		},
		stdout: []string{"Channel: discord, token DISCORD_BOT_TOKEN in ~/.bot/.env"},
	},
	{
		name:    "a Telegram token kept in ~/.bot/.env; a bad id asked again",
		files:   map[string]string{".bot/.env": "# mine\nTELEGRAM_BOT_TOKEN=" + wizTG + "\n"},
		answers: []string{"4", "n", "n", "y", "y", "2", "me", "42", "n", "y"},
		want: map[string][]string{
			".bot/.env":     {"# mine\nTELEGRAM_BOT_TOKEN=" + wizTG + "\n"},
			".bot/bot.json": {`"allowFrom": ["42"]`, `"dmPolicy": "pairing"`},
		},
	},
	{
		name:    "declined at the end",
		answers: []string{"1", wizKey, "n", "n", "y", wizTG, "1", "n", "n"},
		want: map[string][]string{
			".bot/agents/main/agent/auth-profiles.json": nil,
			".bot/bot.json": nil,
			".bot/.env":     nil,
		},
		stdout: []string{"Nothing was written."},
	},
}

// runWizard runs "bot onboard --accessible" with the answers on stdin in a
// fresh HOME set up as c says.
func runWizard(t *testing.T, c wizardCase, answers []string) (e *testenv.Env, code int, stdout, stderr string) {
	t.Helper()
	e = testenv.New(t)
	for _, k := range providers.EndpointVars() {
		e.Set(k, "http://127.0.0.1:1")
	}
	for k, v := range c.env {
		e.Set(k, v)
	}
	for rel, content := range c.files {
		e.Write(rel, content)
	}
	in := strings.NewReader(strings.Join(answers, "\n") + strings.Repeat("\n", min(len(answers), 1)))
	var out, errb bytes.Buffer
	code = Main(context.Background(), []string{"onboard", "--accessible", "--no-probe"}, in, &out, &errb, e.Getenv)
	for name, s := range map[string]string{"stdout": out.String(), "stderr": errb.String()} {
		if strings.Contains(s, canaryCore) {
			t.Errorf("the canary is in %s:\n%s", name, s)
		}
	}
	return e, code, out.String(), errb.String()
}

// The wizard in accessible mode (plain prompts on stdin) through every
// branch: it writes what was chosen, privately, and prints no secret.
func TestOnboardWizard(t *testing.T) {
	for _, c := range wizardCases {
		t.Run(c.name, func(t *testing.T) {
			e, code, stdout, stderr := runWizard(t, c, c.answers)
			if code != 0 {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			for _, want := range c.stdout {
				if !strings.Contains(stdout, want) {
					t.Errorf("stdout lacks %q:\n%s", want, stdout)
				}
			}
			for rel, wants := range c.want {
				b, err := os.ReadFile(e.Path(rel))
				if wants == nil {
					if err == nil && c.files[rel] == "" {
						t.Errorf("%s was written:\n%s", rel, b)
					}
					continue
				}
				if err != nil {
					t.Fatalf("%s: %v\nstderr:\n%s", rel, err, stderr)
				}
				for _, w := range wants {
					if !strings.Contains(string(b), w) {
						t.Errorf("%s lacks %q:\n%s", rel, w, b)
					}
				}
			}
			checkPrivate(t, e.Path(".bot"))
			if b, err := os.ReadFile(e.Path(".bot/bot.json")); err == nil && strings.Contains(string(b), canaryCore) {
				t.Errorf("bot.json holds a secret:\n%s", b)
			}
		})
	}
}

// Input that ends at any question (the end of a pipe, Ctrl-D) writes
// nothing: the answers are all collected before the first write.
func TestOnboardWizardInputEnds(t *testing.T) {
	for _, c := range wizardCases {
		for n := range len(c.answers) {
			t.Run(fmt.Sprintf("%s/after %d answers", c.name, n), func(t *testing.T) {
				e, code, stdout, stderr := runWizard(t, c, c.answers[:n])
				if code != 1 || !strings.Contains(stderr, "nothing was written") {
					t.Fatalf("after %d answers: exit %d\nstdout:\n%s\nstderr:\n%s", n, code, stdout, stderr)
				}
				for _, rel := range []string{".bot/bot.json", ".bot/agents/main/agent/auth-profiles.json", ".bot/.env"} {
					b, err := os.ReadFile(e.Path(rel))
					if err == nil && string(b) != c.files[rel] {
						t.Errorf("after %d answers %s was written:\n%s", n, rel, b)
					}
				}
			})
		}
	}
}

// checkPrivate checks that every directory under dir is 0700 and every
// file 0600.
func checkPrivate(t *testing.T, dir string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %o, want %o", p, fi.Mode().Perm(), want)
		}
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
}
