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

// An agent without credentials of its own for a provider uses the main
// agent's, read-only; status says where each came from and the router
// calls with the same credential (issue 8 item 14).
func TestAgentInheritsMainCredentials(t *testing.T) {
	e := testenv.New(t)
	const mainKey = "sk-ant-api03-main-0123456789abcdef"
	const workKey = "sk-ant-api03-work-0123456789abcdef"
	mainStore := `{"version":1,"profiles":{"anthropic:main":{"type":"api_key","provider":"anthropic","key":"` + mainKey + `"}}}`
	e.Store("main", mainStore)
	e.Store("work", `{"version":1,"profiles":{
		"openrouter:work":{"type":"api_key","provider":"openrouter","key":"sk-or-v1-work-0123456789abcdef"}}}`)
	provider := fakes.NewAnthropic(t)
	provider.Allow(mainKey, workKey)
	env := map[string]string{"HOME": e.Home, "PATH": "", "ANTHROPIC_BASE_URL": provider.URL(),
		"OPENAI_BASE_URL": "http://127.0.0.1:1", "OPENROUTER_BASE_URL": "http://127.0.0.1:1"}
	run := func(args ...string) (string, int) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		code := Main(context.Background(), args, strings.NewReader(""), &stdout, &stderr, func(k string) string { return env[k] })
		return stdout.String() + stderr.String(), code
	}

	out, code := run("models", "status", "--agent", "work", "--check")
	if code != 0 {
		t.Fatalf("status --check exit %d, want 0 (anthropic is inherited):\n%s", code, out)
	}
	if !strings.Contains(out, "anthropic:main=sk-a...cdef (from agent main)") || !strings.Contains(out, "effective=profile:anthropic:main") {
		t.Errorf("status does not show the inherited credential:\n%s", out)
	}
	out, _ = run("models", "status", "--agent", "work", "--json")
	if !strings.Contains(out, `"from": "main"`) {
		t.Errorf("status --json has no \"from\":\n%s", out)
	}
	out, _ = run("chat", "--agent", "work", "--message", "hello", "--message", "/model status", "--message", "/model")
	if !strings.Contains(out, "echo: hello") || !strings.Contains(out, "anthropic:main=sk-a...cdef (from agent main)") ||
		!strings.Contains(out, "Next call uses: anthropic:main of agent main (") {
		t.Errorf("chat as agent work:\n%s", out)
	}
	if calls := provider.Calls(); len(calls) != 1 || calls[0].Credential != mainKey {
		t.Errorf("provider calls = %+v, want one with the main agent's key", calls)
	}
	// Read-only: the main store is as it was, and nothing was copied.
	if b, _ := os.ReadFile(e.StorePath("main")); string(b) != mainStore {
		t.Errorf("main store changed:\n%s", b)
	}
	if b, _ := os.ReadFile(e.StorePath("work")); strings.Contains(string(b), "anthropic:main") {
		t.Errorf("main's credential was copied into agent work:\n%s", b)
	}

	// Its own credential for the provider wins from then on.
	e.Store("work", `{"version":1,"profiles":{
		"anthropic:work":{"type":"api_key","provider":"anthropic","key":"`+workKey+`"}}}`)
	out, _ = run("chat", "--agent", "work", "--message", "again")
	if !strings.Contains(out, "echo: again") {
		t.Fatalf("chat:\n%s", out)
	}
	if calls := provider.Calls(); calls[len(calls)-1].Credential != workKey {
		t.Errorf("last call used %q, want the agent's own key", calls[len(calls)-1].Credential)
	}
	out, _ = run("models", "status", "--agent", "work")
	if strings.Contains(out, "from agent main") {
		t.Errorf("status still shows inherited credentials:\n%s", out)
	}
}

// An inherited OAuth credential is used while its access token is valid,
// without the refresher (which reads and writes the agent's own store),
// and once expired it is skipped, not refreshed from the other agent.
func TestAgentInheritsMainOAuthReadOnly(t *testing.T) {
	e := testenv.New(t)
	const access = "sk-ant-oat01-access-0123456789abcdef"
	store := func(expires string) string {
		return `{"version":1,"profiles":{"anthropic:oa":{"type":"oauth","provider":"anthropic","access":"` + access +
			`","refresh":"sk-ant-ort01-refresh-0123456789","expires":` + expires + `}}}`
	}
	mainPath := e.Store("main", store("4102444800000"))
	provider := fakes.NewAnthropic(t)
	provider.Allow(access)
	env := map[string]string{"HOME": e.Home, "PATH": "", "ANTHROPIC_BASE_URL": provider.URL(),
		"BOT_OAUTH_TOKEN_URL_ANTHROPIC": "http://127.0.0.1:1"}
	chat := func(msg string) string {
		var stdout, stderr bytes.Buffer
		Main(context.Background(), []string{"chat", "--agent", "work", "--message", msg}, strings.NewReader(""), &stdout, &stderr, func(k string) string { return env[k] })
		return stdout.String() + stderr.String()
	}
	if out := chat("hello"); !strings.Contains(out, "echo: hello") {
		t.Fatalf("chat with main's valid OAuth token:\n%s", out)
	}
	if err := os.WriteFile(mainPath, []byte(store("1000")), 0o600); err != nil {
		t.Fatal(err)
	}
	out := chat("/model status")
	if !strings.Contains(out, "inherited from agent main, which renews it on its next use") {
		t.Errorf("/model status with main's expired OAuth token:\n%s", out)
	}
	if b, _ := os.ReadFile(mainPath); string(b) != store("1000") {
		t.Errorf("main store changed:\n%s", b)
	}
}
