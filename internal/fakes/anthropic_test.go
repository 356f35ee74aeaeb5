package fakes_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/botgateway/bot/internal/fakes"
	"github.com/botgateway/bot/models"
)

// post sends a raw request and returns the status, headers and body.
func post(t *testing.T, c *http.Client, url string, h map[string]string, body string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header.Set(k, v)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header, string(b)
}

const anthropicBody = `{"model":"claude-haiku-4-5","max_tokens":100,"system":"sys","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"text","text":"yo"}]},{"role":"user","content":"say it"}]}`

func apiKeyHeaders(key string) map[string]string {
	return map[string]string{"x-api-key": key, "anthropic-version": "2023-06-01", "content-type": "application/json"}
}

func TestClaudeCodeOnlyMessage(t *testing.T) {
	if fakes.ClaudeCodeOnlyMessage != models.ClaudeCodeOnly {
		t.Errorf("fakes.ClaudeCodeOnlyMessage differs from models.ClaudeCodeOnly")
	}
}

func TestAnthropicMessage(t *testing.T) {
	f := fakes.NewAnthropic(t)
	f.Script("k", fakes.OK("two words"))
	status, h, body := post(t, f.Client(), f.URL()+"/v1/messages", apiKeyHeaders("k"), anthropicBody)
	if status != 200 || h.Get("request-id") == "" {
		t.Fatalf("status %d, request-id %q", status, h.Get("request-id"))
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"id": "msg_fake000001", "type": "message", "role": "assistant", "model": "claude-haiku-4-5",
		"content":     []any{map[string]any{"type": "text", "text": "two words"}},
		"stop_reason": "end_turn", "stop_sequence": nil,
		"usage": map[string]any{"input_tokens": 2.0, "output_tokens": 2.0},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
	wantCall := []fakes.Call{{Auth: "x-api-key", Credential: "k", Model: "claude-haiku-4-5", Messages: 3,
		System: "sys", Prompt: "say it", MaxTokens: 100, Body: []byte(anthropicBody)}}
	if diff := cmp.Diff(wantCall, f.Calls(), cmpopts.IgnoreFields(fakes.Call{}, "Header")); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

// events reads an SSE body into "event data" lines.
func events(t *testing.T, body string) []string {
	t.Helper()
	var out []string
	var event string
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data := strings.TrimPrefix(line, "data: ")
			var v struct {
				Type  string `json:"type"`
				Delta struct {
					Type, Text string
				} `json:"delta"`
				Error struct{ Type string } `json:"error"`
			}
			if err := json.Unmarshal([]byte(data), &v); err != nil {
				t.Fatalf("data %q: %v", data, err)
			}
			if event != v.Type {
				t.Errorf("event %q carries data of type %q", event, v.Type)
			}
			desc := event
			switch {
			case v.Delta.Type == "text_delta":
				desc += fmt.Sprintf(" %q", v.Delta.Text)
			case v.Error.Type != "":
				desc += " " + v.Error.Type
			}
			out = append(out, desc)
		}
	}
	return out
}

func TestAnthropicStream(t *testing.T) {
	body := strings.Replace(anthropicBody, `{"model"`, `{"stream":true,"model"`, 1)
	tests := []struct {
		name string
		resp fakes.Response
		want []string
	}{
		{"ok", fakes.OK("a b c"), []string{
			"message_start", "content_block_start", "ping",
			`content_block_delta "a "`, `content_block_delta "b "`, `content_block_delta "c"`,
			"content_block_stop", "message_delta", "message_stop",
		}},
		{"overloaded mid-stream", fakes.Overloaded().InStream(), []string{
			"message_start", "content_block_start", "ping", `content_block_delta "partial "`, "error overloaded_error",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := fakes.NewAnthropic(t)
			f.Script("k", tt.resp)
			status, h, got := post(t, f.Client(), f.URL()+"/v1/messages", apiKeyHeaders("k"), body)
			if status != 200 || h.Get("Content-Type") != "text/event-stream" {
				t.Fatalf("status %d, content type %q", status, h.Get("Content-Type"))
			}
			if diff := cmp.Diff(tt.want, events(t, got)); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			if !f.Calls()[0].Stream {
				t.Errorf("call not recorded as streaming")
			}
		})
	}
}

// TestAnthropicRejects: requests the real API refuses before it looks at
// the account are refused the same way, logged, and leave the script alone.
func TestAnthropicRejects(t *testing.T) {
	tests := []struct {
		name       string
		headers    map[string]string
		body       string
		wantStatus int
		wantType   string
		wantMsg    string
	}{
		{"no version", map[string]string{"x-api-key": "k"}, anthropicBody, 400, "invalid_request_error", "anthropic-version: header is required"},
		{"no credential", map[string]string{"anthropic-version": "2023-06-01"}, anthropicBody, 401, "authentication_error", "x-api-key header is required"},
		{"bearer without beta", map[string]string{"anthropic-version": "2023-06-01", "Authorization": "Bearer k"}, anthropicBody,
			401, "authentication_error", "OAuth authentication is currently not supported."},
		{"both", map[string]string{"anthropic-version": "2023-06-01", "x-api-key": "k", "Authorization": "Bearer k", "anthropic-beta": fakes.OAuthBeta},
			anthropicBody, 401, "authentication_error", "Send either x-api-key or Authorization, not both"},
		{"no max_tokens", apiKeyHeaders("k"), `{"model":"m","messages":[{"role":"user","content":"x"}]}`, 400, "invalid_request_error", "max_tokens: Field required"},
		{"no messages", apiKeyHeaders("k"), `{"model":"m","max_tokens":5,"messages":[]}`, 400, "invalid_request_error", "messages: at least one message is required"},
		{"bad json", apiKeyHeaders("k"), `{`, 400, "invalid_request_error", "There was an error parsing the body of your request."},
		{"unknown key", apiKeyHeaders("other"), anthropicBody, 401, "authentication_error", "invalid x-api-key"},
		{"unknown bearer", map[string]string{"anthropic-version": "2023-06-01", "Authorization": "Bearer other", "anthropic-beta": fakes.OAuthBeta},
			anthropicBody, 401, "authentication_error", "Invalid bearer token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := fakes.NewAnthropic(t)
			f.Script("k", fakes.OK("kept"))
			status, _, body := post(t, f.Client(), f.URL()+"/v1/messages", tt.headers, tt.body)
			var got struct {
				Type  string `json:"type"`
				Error struct {
					Type, Message string
				} `json:"error"`
			}
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatal(err)
			}
			if status != tt.wantStatus || got.Type != "error" || got.Error.Type != tt.wantType || got.Error.Message != tt.wantMsg {
				t.Errorf("got %d %s, want %d %s %q", status, body, tt.wantStatus, tt.wantType, tt.wantMsg)
			}
			if n := len(f.Calls()); n != 1 {
				t.Errorf("%d calls logged, want 1", n)
			}
			status, _, _ = post(t, f.Client(), f.URL()+"/v1/messages", apiKeyHeaders("k"), anthropicBody)
			if status != 200 {
				t.Errorf("the scripted answer was consumed by the rejected request")
			}
			f.Verify(t)
		})
	}
}

// tbRecorder records the failures of Verify.
type tbRecorder struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *tbRecorder) Helper() {}
func (r *tbRecorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func TestScriptQueueAndVerify(t *testing.T) {
	f := fakes.NewAnthropic(t)
	f.Script("k", fakes.OK("first"), fakes.RateLimited(3))
	f.Script("k", fakes.OK("third"))
	f.Allow("a")
	f.Script("unused", fakes.OK("never"))

	type answer struct {
		Status int
		Text   string
		Retry  string
	}
	var got []answer
	for _, key := range []string{"k", "k", "k", "k", "a"} {
		status, h, body := post(t, f.Client(), f.URL()+"/v1/messages", apiKeyHeaders(key), anthropicBody)
		var v struct {
			Content []struct{ Text string } `json:"content"`
		}
		_ = json.Unmarshal([]byte(body), &v)
		a := answer{Status: status, Retry: h.Get("Retry-After")}
		if len(v.Content) > 0 {
			a.Text = v.Content[0].Text
		}
		got = append(got, a)
	}
	want := []answer{{200, "first", ""}, {429, "", "3"}, {200, "third", ""}, {200, "echo: say it", ""}, {200, "echo: say it", ""}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("answers (-want +got):\n%s", diff)
	}

	rec := &tbRecorder{TB: t}
	f.Verify(rec)
	if len(rec.errs) != 1 || !strings.Contains(rec.errs[0], `"unused"`) {
		t.Errorf("Verify reported %q, want one unused script for \"unused\"", rec.errs)
	}
}

// TestAlways: a standing answer follows the credential's script, replaces
// the default reply and an earlier standing answer, and leaves other
// credentials alone.
func TestAlways(t *testing.T) {
	f := fakes.NewAnthropic(t)
	f.Script("k", fakes.OK("scripted"))
	f.Always("k", fakes.Overloaded())
	f.Allow("both")
	f.Always("both", fakes.ClaudeCodeOnly())
	f.Always("both", fakes.RateLimited(60))
	var got []int
	for _, key := range []string{"k", "k", "k", "both", "unknown"} {
		status, _, _ := post(t, f.Client(), f.URL()+"/v1/messages", apiKeyHeaders(key), anthropicBody)
		got = append(got, status)
	}
	if diff := cmp.Diff([]int{200, 529, 529, 429, 401}, got); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
}

func TestHandle(t *testing.T) {
	f := fakes.NewAnthropic(t)
	f.Handle(func(c fakes.Call) fakes.Response { return fakes.OK("handled " + c.Credential) })
	if _, _, body := post(t, f.Client(), f.URL()+"/v1/messages", apiKeyHeaders("anyone"), anthropicBody); !strings.Contains(body, "handled anyone") {
		t.Errorf("body %s: want the handler's answer", body)
	}
	f.Handle(nil)
	if status, _, _ := post(t, f.Client(), f.URL()+"/v1/messages", apiKeyHeaders("anyone"), anthropicBody); status != 401 {
		t.Errorf("after Handle(nil): status %d, want 401 for an unknown key", status)
	}
}

func TestResponseHelpers(t *testing.T) {
	tests := []struct {
		name string
		got  fakes.Response
		want fakes.Response
	}{
		{"rate limited", fakes.RateLimited(12), fakes.Response{Status: 429, ErrType: "rate_limit_error",
			ErrMsg: "Number of request tokens has exceeded your per-minute rate limit", RetryAfter: "12"}},
		{"rate limited, no header", fakes.RateLimited(0), fakes.Response{Status: 429, ErrType: "rate_limit_error",
			ErrMsg: "Number of request tokens has exceeded your per-minute rate limit"}},
		{"overloaded", fakes.Overloaded(), fakes.Response{Status: 529, ErrType: "overloaded_error", ErrMsg: "Overloaded"}},
		{"claude code only", fakes.ClaudeCodeOnly(), fakes.Response{Status: 400, ErrType: "invalid_request_error", ErrMsg: models.ClaudeCodeOnly}},
		{"token expired", fakes.TokenExpired(), fakes.Response{Status: 401, ErrType: "authentication_error",
			ErrMsg: "OAuth token has expired. Please obtain a new token or refresh your existing token."}},
		{"insufficient quota", fakes.InsufficientQuota(), fakes.Response{Status: 429, ErrType: "insufficient_quota", ErrCode: "insufficient_quota",
			ErrMsg: "You exceeded your current quota, please check your plan and billing details."}},
		{"slow", fakes.Slow(5e9), fakes.Response{Text: "slow reply", Delay: 5e9}},
		{"in stream", fakes.Overloaded().InStream(), fakes.Response{Status: 529, ErrType: "overloaded_error", ErrMsg: "Overloaded", MidStream: true}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, tt.got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
}
