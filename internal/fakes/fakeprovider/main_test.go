package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/botgateway/bot/internal/fakes"
)

const (
	keyOK      = "sk-ant-api03-fakeprovider-ok-0123456789"
	keyLimited = "sk-ant-api03-fakeprovider-limited-9876"
	refresh    = "refresh-fakeprovider-0123456789"
)

// startRun runs run with args until the test ends, and returns the
// variables it exported and a function that stops it and returns its
// stderr.
func startRun(t *testing.T, args ...string) (vars map[string]string, stop func() string) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	out, outW := io.Pipe()
	var stderr fakes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, args, outW, &stderr)
		outW.Close()
	}()
	stop = func() string {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
		return stderr.String()
	}
	t.Cleanup(func() { cancel() })

	vars = map[string]string{}
	sc := bufio.NewScanner(out)
	for len(vars) < 4 && sc.Scan() {
		name, value, ok := strings.Cut(strings.TrimPrefix(sc.Text(), "export "), "=")
		if !ok {
			t.Fatalf("stdout line %q is not an export", sc.Text())
		}
		vars[name] = value
	}
	go io.Copy(io.Discard, out)
	if len(vars) < 4 {
		t.Fatalf("exports = %v; stderr:\n%s", vars, stop())
	}
	return vars, stop
}

// post sends body to url with the headers and returns the status and the
// answer's body.
func post(t *testing.T, url, contentType, body string, header map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestRunLogsEachCallWithTheCredentialMasked(t *testing.T) {
	vars, stop := startRun(t, "-allow", keyOK, "-rate-limit", keyLimited, "-refresh", refresh)
	for _, v := range []string{"ANTHROPIC_BASE_URL", "OPENAI_BASE_URL", "OPENROUTER_BASE_URL", "BOT_OAUTH_TOKEN_URL_ANTHROPIC"} {
		if !strings.HasPrefix(vars[v], "http://127.0.0.1:") {
			t.Errorf("%s=%q, want a loopback URL", v, vars[v])
		}
	}
	messages := vars["ANTHROPIC_BASE_URL"] + "/v1/messages"
	const hello = `{"model":"claude-sonnet-4-5","max_tokens":64,"messages":[{"role":"user","content":"hello"}]}`
	withKey := func(k string) map[string]string {
		return map[string]string{"x-api-key": k, "anthropic-version": "2023-06-01"}
	}

	status, body := post(t, messages, "application/json", hello, withKey(keyOK))
	if status != http.StatusOK || !strings.Contains(body, "echo: hello") {
		t.Errorf("allowed key: %d %s", status, body)
	}
	if status, body := post(t, messages, "application/json", hello, withKey(keyLimited)); status != http.StatusTooManyRequests {
		t.Errorf("rate-limited key: %d %s", status, body)
	}
	// A refresh, and a call with the access token it issued.
	status, body = post(t, vars["BOT_OAUTH_TOKEN_URL_ANTHROPIC"], "application/x-www-form-urlencoded",
		"grant_type=refresh_token&refresh_token="+refresh, nil)
	if status != http.StatusOK || !strings.Contains(body, "fake-oauth-access-000001") {
		t.Errorf("refresh: %d %s", status, body)
	}
	bearer := map[string]string{"Authorization": "Bearer fake-oauth-access-000001",
		"anthropic-beta": "oauth-2025-04-20", "anthropic-version": "2023-06-01"}
	if status, body := post(t, messages, "application/json", hello, bearer); status != http.StatusOK {
		t.Errorf("issued access token: %d %s", status, body)
	}

	log := stop()
	for _, want := range []string{
		`provider=anthropic auth=x-api-key credential=sk-a...6789 model=claude-sonnet-4-5 answer=ok`,
		`provider=anthropic auth=x-api-key credential=sk-a...9876 model=claude-sonnet-4-5 answer="429 rate_limit_error: `,
		`(Retry-After 60)"`,
		`provider=oauth auth=refresh_token credential=refr...6789 answer=ok`,
		`provider=anthropic auth=bearer credential=fake...0001 model=claude-sonnet-4-5 answer=ok`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("stderr lacks %q:\n%s", want, log)
		}
	}
	for _, secret := range []string{keyOK, keyLimited, refresh, "fake-oauth-access-000001"} {
		if strings.Contains(log, secret) {
			t.Errorf("stderr shows the credential %q in full:\n%s", secret, log)
		}
	}
}

func TestKeysFromFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(path, []byte(keyOK+"\n\n  other-key \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	k := keyList{}
	if err := k.Set("@" + path); err != nil {
		t.Fatal(err)
	}
	if err := k.Set("plain"); err != nil {
		t.Fatal(err)
	}
	if len(k) != 3 || !k[keyOK] || !k["other-key"] || !k["plain"] {
		t.Errorf("keys = %v, want %s, other-key and plain", k, keyOK)
	}
	if err := k.Set("@" + path + ".missing"); err == nil {
		t.Error("a missing file is not an error")
	}
}

// TestRunAnswersByTheFirstFlag: a credential gets the answer of the first
// flag that names it (-rate-limit, -claude-code-only on Anthropic only,
// -allow); an unknown one gets the real API's 401; an access token the
// OAuth fake issued is allowed everywhere.
func TestRunAnswersByTheFirstFlag(t *testing.T) {
	const (
		keyBoth = "sk-both-0123456789"
		keyCC   = "sk-ant-oat01-cc-0123456789"
	)
	vars, stop := startRun(t, "-allow", keyOK, "-allow", keyBoth, "-rate-limit", keyBoth,
		"-allow", keyCC, "-claude-code-only", keyCC, "-refresh", refresh)
	defer stop()
	status, body := post(t, vars["BOT_OAUTH_TOKEN_URL_ANTHROPIC"], "application/x-www-form-urlencoded",
		"grant_type=refresh_token&refresh_token="+refresh, nil)
	if status != http.StatusOK {
		t.Fatalf("refresh: %d %s", status, body)
	}
	const issued = "fake-oauth-access-000001"

	anthropic := func(key string) (int, string) {
		return post(t, vars["ANTHROPIC_BASE_URL"]+"/v1/messages", "application/json",
			`{"model":"claude-sonnet-4-5","max_tokens":64,"messages":[{"role":"user","content":"hello"}]}`,
			map[string]string{"x-api-key": key, "anthropic-version": "2023-06-01"})
	}
	openAI := func(base string) func(string) (int, string) {
		return func(key string) (int, string) {
			return post(t, vars[base]+"/chat/completions", "application/json",
				`{"model":"gpt-4o","messages":[{"role":"user","content":"hello"}]}`,
				map[string]string{"Authorization": "Bearer " + key})
		}
	}
	tests := []struct {
		fake     string
		call     func(string) (int, string)
		key      string
		status   int
		bodyPart string
	}{
		{"anthropic", anthropic, keyOK, 200, "echo: hello"},
		{"anthropic", anthropic, keyBoth, 429, "rate_limit_error"},
		{"anthropic", anthropic, keyCC, 400, "only authorized for use with Claude Code"},
		{"anthropic", anthropic, "sk-unknown", 401, "invalid x-api-key"},
		{"openai", openAI("OPENAI_BASE_URL"), keyOK, 200, "echo: hello"},
		{"openai", openAI("OPENAI_BASE_URL"), keyBoth, 429, "rate_limit_error"},
		{"openai", openAI("OPENAI_BASE_URL"), keyCC, 200, "echo: hello"},
		{"openai", openAI("OPENAI_BASE_URL"), "sk-unknown", 401, "invalid_api_key"},
		{"openrouter", openAI("OPENROUTER_BASE_URL"), issued, 200, "echo: hello"},
		{"openrouter", openAI("OPENROUTER_BASE_URL"), "sk-unknown", 401, "invalid_api_key"},
	}
	for _, tt := range tests {
		status, body := tt.call(tt.key)
		if status != tt.status || !strings.Contains(body, tt.bodyPart) {
			t.Errorf("%s, key %s: %d %s; want %d with %q", tt.fake, tt.key, status, body, tt.status, tt.bodyPart)
		}
	}
}
