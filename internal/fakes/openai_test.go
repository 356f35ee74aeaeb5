package fakes_test

import (
	"bufio"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/botgateway/bot/internal/fakes"
)

const openAIBody = `{"model":"gpt-4o","max_completion_tokens":50,"messages":[{"role":"system","content":"sys"},{"role":"user","content":"hi"},{"role":"user","content":[{"type":"text","text":"say it"}]}]}`

func bearer(key string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + key, "content-type": "application/json"}
}

func TestOpenAIPrefix(t *testing.T) {
	for _, prefix := range []string{"/v1", "/api/v1"} {
		t.Run(prefix, func(t *testing.T) {
			f := fakes.NewOpenAI(t, prefix)
			f.Allow("k")
			if !strings.HasSuffix(f.URL(), prefix) {
				t.Errorf("URL() = %q, want the prefix at the end", f.URL())
			}
			if status, _, body := post(t, f.Client(), f.URL()+"/chat/completions", bearer("k"), openAIBody); status != 200 {
				t.Errorf("status %d: %s", status, body)
			}
			other := map[string]string{"/v1": "/api/v1", "/api/v1": "/v1"}[prefix]
			root := strings.TrimSuffix(f.URL(), prefix)
			if status, _, _ := post(t, f.Client(), root+other+"/chat/completions", bearer("k"), openAIBody); status != 404 {
				t.Errorf("other prefix: status %d, want 404", status)
			}
		})
	}
}

func TestOpenAICompletion(t *testing.T) {
	f := fakes.NewOpenAI(t, "/v1")
	f.Script("k", fakes.OK("two words"))
	status, _, body := post(t, f.Client(), f.URL()+"/chat/completions", bearer("k"), openAIBody)
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"id": "chatcmpl-fake000001", "object": "chat.completion", "created": 1767225600.0, "model": "gpt-4o",
		"choices": []any{map[string]any{"index": 0.0, "logprobs": nil, "finish_reason": "stop",
			"message": map[string]any{"role": "assistant", "content": "two words", "refusal": nil}}},
		"usage": map[string]any{"prompt_tokens": 2.0, "completion_tokens": 2.0, "total_tokens": 4.0},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
	c := f.Calls()[0]
	if c.Auth != "bearer" || c.Credential != "k" || c.Messages != 2 || c.System != "sys" || c.Prompt != "say it" || c.MaxTokens != 50 {
		t.Errorf("call = %+v", c)
	}
}

// chunks reads an SSE body into content deltas, finish reasons, errors
// and [DONE].
func chunks(t *testing.T, body string) []string {
	t.Helper()
	var out []string
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		if data == "[DONE]" {
			out = append(out, "[DONE]")
			continue
		}
		var v struct {
			Object  string `json:"object"`
			Choices []struct {
				Delta struct {
					Content *string `json:"content"`
				} `json:"delta"`
				FinishReason *string `json:"finish_reason"`
			} `json:"choices"`
			Error *struct {
				Type string          `json:"type"`
				Code json.RawMessage `json:"code"`
			} `json:"error"`
		}
		if err := json.Unmarshal([]byte(data), &v); err != nil {
			t.Fatalf("data %q: %v", data, err)
		}
		switch {
		case v.Error != nil:
			out = append(out, "error "+v.Error.Type+" "+string(v.Error.Code))
		case v.Object != "chat.completion.chunk" || len(v.Choices) != 1:
			t.Errorf("chunk %s: want one choice of a chat.completion.chunk", data)
		case v.Choices[0].FinishReason != nil:
			out = append(out, "finish "+*v.Choices[0].FinishReason)
		case v.Choices[0].Delta.Content != nil:
			out = append(out, "+"+*v.Choices[0].Delta.Content)
		}
	}
	return out
}

func TestOpenAIStream(t *testing.T) {
	body := strings.Replace(openAIBody, `{"model"`, `{"stream":true,"model"`, 1)
	midStream := fakes.Response{Status: 429, ErrType: "", ErrCode: "429", ErrMsg: "slow down"}.InStream()
	tests := []struct {
		name string
		resp fakes.Response
		want []string
	}{
		{"ok", fakes.OK("a b"), []string{"+", "+a ", "+b", "finish stop", "[DONE]"}},
		{"error mid-stream (numeric code, as OpenRouter)", midStream, []string{"+", "+partial ", "error  429"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := fakes.NewOpenAI(t, "/api/v1")
			f.Script("k", tt.resp)
			status, h, got := post(t, f.Client(), f.URL()+"/chat/completions", bearer("k"), body)
			if status != 200 || h.Get("Content-Type") != "text/event-stream" {
				t.Fatalf("status %d, content type %q", status, h.Get("Content-Type"))
			}
			if diff := cmp.Diff(tt.want, chunks(t, got)); diff != "" {
				t.Errorf("chunks (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOpenAIRejects(t *testing.T) {
	tests := []struct {
		name       string
		headers    map[string]string
		body       string
		wantStatus int
		wantCode   string
	}{
		{"no key", map[string]string{}, openAIBody, 401, "null"},
		{"unknown key", bearer("other"), openAIBody, 401, `"invalid_api_key"`},
		{"no model", bearer("k"), `{"messages":[{"role":"user","content":"x"}]}`, 400, "null"},
		{"bad json", bearer("k"), `[`, 400, "null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := fakes.NewOpenAI(t, "/v1")
			f.Allow("k")
			status, _, body := post(t, f.Client(), f.URL()+"/chat/completions", tt.headers, tt.body)
			var got struct {
				Error struct {
					Type    string          `json:"type"`
					Code    json.RawMessage `json:"code"`
					Message string          `json:"message"`
				} `json:"error"`
			}
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatal(err)
			}
			if status != tt.wantStatus || got.Error.Type != "invalid_request_error" || string(got.Error.Code) != tt.wantCode || got.Error.Message == "" {
				t.Errorf("got %d %s, want %d invalid_request_error code %s", status, body, tt.wantStatus, tt.wantCode)
			}
		})
	}
}
