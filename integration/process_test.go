package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/botgateway/bot/internal/fakes"
)

// binDir holds the binary buildBot compiles; TestMain removes it.
var binDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// buildBot compiles cmd/bot once per test binary run.
var buildBot = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "bot-integration-")
	if err != nil {
		return "", err
	}
	binDir = dir
	bin := filepath.Join(dir, "bot")
	cmd := exec.Command("go", "build", "-o", bin, "../cmd/bot")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", &buildError{string(out), err}
	}
	return bin, nil
})

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return "go build: " + e.err.Error() + "\n" + e.out }

// TestEightProcessesRefreshOnce starts 8 "bot chat --message" processes at
// once on a store whose OAuth access token has expired: the token endpoint
// (which rotates refresh tokens and rejects reuse) must see exactly one
// refresh, and every process must answer with the new token.
func TestEightProcessesRefreshOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin, err := buildBot()
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	provider := fakes.NewAnthropic(t)
	provider.Allow("fake-oauth-access-000001")
	oauth := fakes.NewOAuth(t)
	oauth.Seed("refresh-1")
	oauth.Delay(100 * time.Millisecond) // widen the window for a second refresh
	e.Store("main", `{"version":1,"profiles":{"anthropic:me":{"type":"oauth","provider":"anthropic","access":"access-old","refresh":"refresh-1","expires":1000}}}`)
	e.Set("ANTHROPIC_BASE_URL", provider.URL())
	e.Set("BOT_OAUTH_TOKEN_URL_ANTHROPIC", oauth.URL())
	environ := e.Environ()
	const n = 8
	outs := make([]string, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			cmd := exec.Command(bin, "chat", "--session", "p"+string(rune('0'+i)), "--message", "hi")
			cmd.Env = environ
			<-start
			out, err := cmd.CombinedOutput()
			outs[i], errs[i] = string(out), err
		})
	}
	close(start)
	wg.Wait()
	for i := range n {
		if errs[i] != nil || strings.TrimSpace(outs[i]) != "echo: hi" {
			t.Errorf("process %d: %v\n%s", i, errs[i], outs[i])
		}
	}
	if got := oauth.Refreshes(); got != 1 {
		t.Errorf("%d refreshes from %d processes, want exactly 1", got, n)
	}
	if got := oauth.Requests(); got != 1 {
		t.Errorf("%d token requests, want 1", got)
	}
	for _, c := range provider.Calls() {
		if c.Credential != "fake-oauth-access-000001" {
			t.Errorf("a call used %q, want the refreshed token", c.Credential)
		}
	}
}
