package cli

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/botgateway/bot/internal/fakes"
	"github.com/botgateway/bot/internal/testenv"
)

// Onboarding ends with a live call with the credential the default model
// would use: a key the provider accepts, one it rejects (exit 1, the setup
// still saved), and a provider that cannot be reached (a note, exit 0).
func TestOnboardProbe(t *testing.T) {
	const good = "sk-ant-api03-good-" + canaryCore + "-0123456789abcdef"
	const bad = "sk-ant-api03-bad-" + canaryCore + "-0123456789abcdef"
	provider := fakes.NewAnthropic(t)
	provider.Always(good, fakes.Response{Text: "OK"})
	tests := []struct {
		name, key, url string
		code           int
		stdout, stderr string
	}{
		{"accepted", good, provider.URL(), 0, "Probe: anthropic/claude-sonnet-4-5 answered through anthropic:default in ", ""},
		{"rejected", bad, provider.URL(), 1, "", "Probe: anthropic/claude-sonnet-4-5 through anthropic:default failed (auth): "},
		{"unreachable", good, "http://127.0.0.1:1", 0, "Probe: anthropic/claude-sonnet-4-5 through anthropic:default: unreachable", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := testenv.New(t)
			e.Set("ANTHROPIC_BASE_URL", tt.url)
			var stdout, stderr bytes.Buffer
			code := Main(context.Background(), []string{"onboard", "--non-interactive"}, strings.NewReader(tt.key+"\n"), &stdout, &stderr, e.Getenv)
			if code != tt.code || !strings.Contains(stdout.String(), tt.stdout) || !strings.Contains(stderr.String(), tt.stderr) {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout.String(), stderr.String())
			}
			if strings.Contains(stdout.String()+stderr.String(), canaryCore) {
				t.Errorf("the key was printed:\n%s%s", stdout.String(), stderr.String())
			}
			if !strings.Contains(stdout.String(), "Start the bot:  bot gateway") {
				t.Errorf("no next steps:\n%s", stdout.String())
			}
			b, err := os.ReadFile(e.StorePath("main"))
			if err != nil || !strings.Contains(string(b), tt.key) {
				t.Errorf("the key was not stored (%v)", err)
			}
		})
	}
}
