package fakes

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// OpenAI is a fake of the OpenAI Chat Completions API
// (POST <prefix>/chat/completions), non-streaming and streaming (SSE
// "data: {chunk}" lines ending with "data: [DONE]"), created by NewOpenAI.
// With prefix "/api/v1" it stands for OpenRouter, which speaks the same
// protocol.
//
// The credential is a bearer token in Authorization. A credential not made
// known with Allow or Script gets 401 invalid_request_error with code
// invalid_api_key; a missing one gets 401 with a null code.
type OpenAI struct {
	*providerScript
	prefix string
}

// NewOpenAI starts an OpenAI-compatible fake serving
// prefix+"/chat/completions" ("/v1" for OpenAI, "/api/v1" for OpenRouter)
// that closes with t.Cleanup.
func NewOpenAI(t TB, prefix string) *OpenAI {
	t.Helper()
	prefix = "/" + strings.Trim(prefix, "/")
	if prefix == "/" {
		prefix = ""
	}
	o := &OpenAI{providerScript: newProviderScript(), prefix: prefix}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+prefix+"/chat/completions", o.completions)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		openAIError(w, Status(http.StatusNotFound, "invalid_request_error", "Unknown request URL: "+r.Method+" "+r.URL.Path))
	})
	o.start(t, mux)
	return o
}

// URL returns the base URL to configure (OPENAI_BASE_URL,
// OPENROUTER_BASE_URL): the server root followed by the prefix.
func (o *OpenAI) URL() string { return o.srv.URL + o.prefix }

// openAIContent is a string or a list of content parts.
type openAIContent string

func (c *openAIContent) UnmarshalJSON(data []byte) error {
	var s string
	if json.Unmarshal(data, &s) == nil {
		*c = openAIContent(s)
		return nil
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(data, &parts); err != nil {
		return err
	}
	var sb strings.Builder
	for _, p := range parts {
		sb.WriteString(p.Text)
	}
	*c = openAIContent(sb.String())
	return nil
}

func (o *OpenAI) completions(w http.ResponseWriter, req *http.Request) {
	var body struct {
		Model               string `json:"model"`
		Stream              bool   `json:"stream"`
		MaxTokens           int    `json:"max_tokens"`
		MaxCompletionTokens int    `json:"max_completion_tokens"`
		Messages            []struct {
			Role    string        `json:"role"`
			Content openAIContent `json:"content"`
		} `json:"messages"`
	}
	raw, decodeErr := io.ReadAll(req.Body)
	if decodeErr == nil {
		decodeErr = json.Unmarshal(raw, &body)
	}

	c := Call{Body: raw, Model: body.Model, Stream: body.Stream, MaxTokens: body.MaxCompletionTokens, Header: req.Header.Clone()}
	if c.MaxTokens == 0 {
		c.MaxTokens = body.MaxTokens
	}
	for _, m := range body.Messages {
		if m.Role == "system" || m.Role == "developer" {
			c.System += string(m.Content)
			continue
		}
		c.Messages++
		c.Prompt = string(m.Content)
	}
	if bearer, ok := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer "); ok && bearer != "" {
		c.Auth, c.Credential = "bearer", bearer
	}

	var r Response
	rejected := true
	switch {
	case c.Auth == "":
		r = Response{Status: http.StatusUnauthorized, ErrType: "invalid_request_error",
			ErrMsg: "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."}
	case decodeErr != nil:
		r = Status(http.StatusBadRequest, "invalid_request_error", "We could not parse the JSON body of your request.")
	case body.Model == "":
		r = Status(http.StatusBadRequest, "invalid_request_error", "you must provide a model parameter")
	case len(body.Messages) == 0:
		r = Status(http.StatusBadRequest, "invalid_request_error", "[] is too short - 'messages'")
	default:
		rejected = false
	}
	ok := true
	if rejected {
		o.log(c)
	} else {
		r, ok = o.record(c)
	}
	if !ok {
		// The real API masks the key it quotes; the fake quotes none.
		r = Response{Status: http.StatusUnauthorized, ErrType: "invalid_request_error", ErrCode: "invalid_api_key",
			ErrMsg: "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys."}
	}
	if !o.wait(req, r) {
		return
	}
	r.setHeaders(w)
	id := fmt.Sprintf("chatcmpl-fake%06d", o.nextID())
	w.Header().Set("x-request-id", "req_"+id[8:])

	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	switch {
	case r.failed() && !(r.MidStream && c.Stream):
		openAIError(w, r)
	case c.Stream:
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-cache")
		w.WriteHeader(http.StatusOK)
		chunk := func(delta map[string]any, finish any) map[string]any {
			return map[string]any{"id": id, "object": "chat.completion.chunk", "created": created, "model": c.Model,
				"choices": []any{map[string]any{"index": 0, "delta": delta, "logprobs": nil, "finish_reason": finish}}}
		}
		text := r.Text
		if r.failed() && text == "" {
			text = "partial answer"
		}
		sse(w, "", chunk(map[string]any{"role": "assistant", "content": ""}, nil))
		for _, d := range deltas(text) {
			sse(w, "", chunk(map[string]any{"content": d}, nil))
			if r.failed() {
				sse(w, "", openAIErrorBody(r))
				return
			}
			if r.Truncated {
				return
			}
			if r.Stall {
				o.stall(req)
				return
			}
		}
		sse(w, "", chunk(map[string]any{}, "stop"))
		fmt.Fprint(w, "data: [DONE]\n\n")
	default:
		in, out := tokens(c.Prompt), tokens(r.Text)
		writeJSON(w, http.StatusOK, map[string]any{
			"id": id, "object": "chat.completion", "created": created, "model": c.Model,
			"choices": []any{map[string]any{"index": 0, "logprobs": nil, "finish_reason": "stop",
				"message": map[string]any{"role": "assistant", "content": r.Text, "refusal": nil}}},
			"usage": map[string]any{"prompt_tokens": in, "completion_tokens": out, "total_tokens": in + out},
		})
	}
}

func openAIErrorBody(r Response) map[string]any {
	var code any
	if n, err := strconv.Atoi(r.ErrCode); err == nil {
		code = n
	} else if r.ErrCode != "" {
		code = r.ErrCode
	}
	return map[string]any{"error": map[string]any{"message": r.ErrMsg, "type": r.ErrType, "param": nil, "code": code}}
}

func openAIError(w http.ResponseWriter, r Response) {
	if r.Body != "" {
		writeRaw(w, r)
		return
	}
	writeJSON(w, r.status(), openAIErrorBody(r))
}
