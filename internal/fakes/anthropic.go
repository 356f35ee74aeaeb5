package fakes

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// ClaudeCodeOnlyMessage is Anthropic's answer to a Claude subscription token
// used outside Claude Code. It duplicates models.ClaudeCodeOnly (a test
// keeps them equal) so that package models may use these fakes in its own
// internal tests without an import cycle.
const ClaudeCodeOnlyMessage = "This credential is only authorized for use with Claude Code and cannot be used for other API requests."

// OAuthBeta is the anthropic-beta value that Anthropic requires with a
// bearer (OAuth or setup) token.
const OAuthBeta = "oauth-2025-04-20"

// Call is one request a provider fake received.
type Call struct {
	// Auth is how the credential was sent: "x-api-key", "bearer", "" when
	// none was sent, or "x-api-key+bearer" when both were.
	Auth string
	// Credential is the raw credential value (the API key or the bearer
	// token).
	Credential string
	// Beta is the anthropic-beta header, as sent ("" for OpenAI).
	Beta string
	// Model is the request's model id.
	Model string
	// Messages is the number of conversation messages (user and
	// assistant), not counting the system prompt.
	Messages int
	// System is the system prompt ("" when none).
	System string
	// Prompt is the text of the last message.
	Prompt string
	// MaxTokens is max_tokens (OpenAI: max_completion_tokens when set,
	// else max_tokens); 0 when absent.
	MaxTokens int
	// Stream reports a streaming request.
	Stream bool
	// Header is a copy of the request's headers.
	Header http.Header
	// Body is the raw request body.
	Body []byte
}

// Response is a scripted answer of a provider fake. The zero Response is a
// 200 with an empty text.
type Response struct {
	// Status is the HTTP status; 0 means 200.
	Status int
	// Text is the answer of a successful response. A streamed answer is
	// sent in several deltas.
	Text string
	// ErrType and ErrMsg fill the provider's error body
	// (Anthropic {"type":"error","error":{"type","message"}}, OpenAI
	// {"error":{"type","code","message"}}).
	ErrType, ErrMsg string
	// ErrCode is OpenAI's error "code" ("" = null; digits are sent as a
	// JSON number, as OpenRouter does); Anthropic ignores it.
	ErrCode string
	// Body, when set on a failing Response, is sent as is (text/html)
	// instead of the provider's error body, as a proxy in front of the
	// provider would.
	Body string
	// RetryAfter is the Retry-After header value ("" = absent).
	RetryAfter string
	// RetryAfterMS is the retry-after-ms header value ("" = absent), which
	// OpenAI sends and its SDK reads.
	RetryAfterMS string
	// Delay holds the answer back. The wait ends early when the client
	// goes away or the fake closes.
	Delay time.Duration
	// MidStream makes a failing Response, answered to a streaming request,
	// start a successful stream and fail after the first delta with the
	// provider's in-stream error event, as providers do when they are
	// overloaded mid-answer. Non-streaming requests get the HTTP error.
	MidStream bool
	// Truncated makes a streamed answer end after its first delta, as if
	// the connection dropped: no error event, no end of message.
	// Non-streaming requests are not affected.
	Truncated bool
	// Stall makes a streamed answer stop after its first delta and hold
	// the connection open until the client goes away or the fake closes,
	// as a provider that hangs mid-answer. Non-streaming requests are not
	// affected.
	Stall bool
}

// InStream returns r with MidStream set.
func (r Response) InStream() Response { r.MidStream = true; return r }

func (r Response) status() int {
	if r.Status == 0 {
		return http.StatusOK
	}
	return r.Status
}

func (r Response) failed() bool { return r.status() >= 400 }

// setHeaders sets the response headers r asks for.
func (r Response) setHeaders(w http.ResponseWriter) {
	if r.RetryAfter != "" {
		w.Header().Set("Retry-After", r.RetryAfter)
	}
	if r.RetryAfterMS != "" {
		w.Header().Set("retry-after-ms", r.RetryAfterMS)
	}
}

// OK answers 200 with text.
func OK(text string) Response { return Response{Text: text} }

// Status answers an HTTP error with the provider's error body.
func Status(code int, errType, msg string) Response {
	return Response{Status: code, ErrType: errType, ErrMsg: msg}
}

// RateLimited answers 429 rate_limit_error with Retry-After set to
// retryAfterSeconds (no header when it is 0 or less).
func RateLimited(retryAfterSeconds int) Response {
	r := Status(http.StatusTooManyRequests, "rate_limit_error",
		"Number of request tokens has exceeded your per-minute rate limit")
	if retryAfterSeconds > 0 {
		r.RetryAfter = strconv.Itoa(retryAfterSeconds)
	}
	return r
}

// Overloaded answers Anthropic's 529 overloaded_error.
func Overloaded() Response { return Status(529, "overloaded_error", "Overloaded") }

// ServerError answers 500 api_error.
func ServerError() Response {
	return Status(http.StatusInternalServerError, "api_error", "Internal server error")
}

// ClaudeCodeOnly answers Anthropic's 400 invalid_request_error for a Claude
// subscription token used outside Claude Code (ClaudeCodeOnlyMessage).
func ClaudeCodeOnly() Response {
	return Status(http.StatusBadRequest, "invalid_request_error", ClaudeCodeOnlyMessage)
}

// TokenExpired answers 401 authentication_error for an expired OAuth access
// token.
func TokenExpired() Response {
	return Status(http.StatusUnauthorized, "authentication_error",
		"OAuth token has expired. Please obtain a new token or refresh your existing token.")
}

// InsufficientQuota answers OpenAI's 429 insufficient_quota (a billing
// failure, not a rate limit).
func InsufficientQuota() Response {
	r := Status(http.StatusTooManyRequests, "insufficient_quota",
		"You exceeded your current quota, please check your plan and billing details.")
	r.ErrCode = "insufficient_quota"
	return r
}

// Slow answers 200 "slow reply" after d (or when the client gives up).
func Slow(d time.Duration) Response { return Response{Text: "slow reply", Delay: d} }

// providerScript is the part shared by the provider fakes: the scripts per
// credential, the optional handler and the call log.
type providerScript struct {
	srv  *httptest.Server
	done chan struct{} // closed on cleanup: releases delayed answers

	mu      sync.Mutex
	known   map[string]bool
	queues  map[string][]Response
	always  map[string]Response
	handler func(Call) Response
	calls   []Call
	ids     int // numbers the responses' ids
}

func newProviderScript() *providerScript {
	return &providerScript{
		done:   make(chan struct{}),
		known:  map[string]bool{},
		queues: map[string][]Response{},
		always: map[string]Response{},
	}
}

func (p *providerScript) start(t TB, h http.Handler) {
	t.Helper()
	p.srv = httptest.NewServer(h)
	t.Cleanup(func() {
		close(p.done)
		p.srv.CloseClientConnections()
		p.srv.Close()
	})
}

// Allow makes creds valid: an unscripted call with one of them is answered
// with the default reply, "echo: " followed by the last message's text.
func (p *providerScript) Allow(creds ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range creds {
		p.known[c] = true
	}
}

// Script makes cred valid and queues responses for it: each call with cred
// takes the next one; once they are used up, calls get the default reply
// (see Allow).
func (p *providerScript) Script(cred string, responses ...Response) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.known[cred] = true
	p.queues[cred] = append(p.queues[cred], responses...)
}

// Always makes cred valid and answers every call with it with r once its
// script (Script) is used up, instead of the default reply. A later
// Always for cred replaces r.
func (p *providerScript) Always(cred string, r Response) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.known[cred] = true
	p.always[cred] = r
}

// Handle answers with h every request that passes the protocol checks
// (headers, body, the way the credential is sent), instead of the scripts
// and the credential lookup. h is called with the fake's lock released and
// may be called concurrently. Handle(nil) restores the scripts.
func (p *providerScript) Handle(h func(Call) Response) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.handler = h
}

// Calls returns a copy of the calls received so far, in arrival order.
func (p *providerScript) Calls() []Call {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Call(nil), p.calls...)
}

// Verify fails t when a scripted response was never used.
func (p *providerScript) Verify(t testing.TB) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for cred, q := range p.queues {
		if len(q) > 0 {
			t.Errorf("fake %s: %d scripted response(s) unused for credential %q", p.srv.URL, len(q), cred)
		}
	}
}

// Client returns an *http.Client for the fake (plain loopback HTTP).
func (p *providerScript) Client() *http.Client { return p.srv.Client() }

// log records c without answering it (a request the fake rejects before
// it looks at the credential).
func (p *providerScript) log(c Call) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, c)
}

// record logs c and picks its answer: the handler, else the credential's
// queue, else its standing answer (Always), else the default reply for a
// known credential; ok is false for an unknown credential.
func (p *providerScript) record(c Call) (r Response, ok bool) {
	p.mu.Lock()
	p.calls = append(p.calls, c)
	h := p.handler
	if h == nil {
		defer p.mu.Unlock()
		if q := p.queues[c.Credential]; len(q) > 0 {
			p.queues[c.Credential] = q[1:]
			return q[0], true
		}
		if r, ok := p.always[c.Credential]; ok {
			return r, true
		}
		if p.known[c.Credential] {
			return OK("echo: " + c.Prompt), true
		}
		return Response{}, false
	}
	p.mu.Unlock()
	return h(c), true
}

// nextID returns the next response number.
func (p *providerScript) nextID() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ids++
	return p.ids
}

// wait holds the answer back for r.Delay; it reports false when the client
// went away or the fake closed first.
func (p *providerScript) wait(req *http.Request, r Response) bool {
	if r.Delay <= 0 {
		return true
	}
	tm := time.NewTimer(r.Delay)
	defer tm.Stop()
	select {
	case <-tm.C:
		return true
	case <-req.Context().Done():
	case <-p.done:
	}
	return false
}

// stall holds a streamed answer until the client goes away or the fake
// closes (Response.Stall).
func (p *providerScript) stall(req *http.Request) {
	select {
	case <-req.Context().Done():
	case <-p.done:
	}
}

// deltas splits text into the pieces a fake streams: words with their
// trailing spaces, so a stream has several deltas and their concatenation
// is text.
func deltas(text string) []string {
	var out []string
	for text != "" {
		i := strings.IndexByte(text, ' ')
		if i < 0 {
			out = append(out, text)
			break
		}
		out = append(out, text[:i+1])
		text = text[i+1:]
	}
	return out
}

// tokens is the fakes' token count: one per word, at least one.
func tokens(text string) int { return max(1, len(strings.Fields(text))) }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeRaw sends r.Body as an HTML page with r's status.
func writeRaw(w http.ResponseWriter, r Response) {
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(r.status())
	_, _ = io.WriteString(w, r.Body)
}

// sse writes one server-sent event and flushes it.
func sse(w http.ResponseWriter, event string, data any) {
	b, _ := json.Marshal(data)
	if event != "" {
		fmt.Fprintf(w, "event: %s\n", event)
	}
	fmt.Fprintf(w, "data: %s\n\n", b)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
}

// Anthropic is a fake of the Anthropic Messages API (POST /v1/messages),
// non-streaming and streaming, created by NewAnthropic.
//
// Authentication follows the real API: an API key in x-api-key, or a
// bearer token in Authorization together with anthropic-beta OAuthBeta
// (without it the fake answers 401 "OAuth authentication is currently not
// supported."). A credential not made known with Allow or Script gets 401
// authentication_error ("invalid x-api-key", or "Invalid bearer token").
type Anthropic struct {
	*providerScript
}

// NewAnthropic starts an Anthropic fake that closes with t.Cleanup.
func NewAnthropic(t TB) *Anthropic {
	t.Helper()
	a := &Anthropic{providerScript: newProviderScript()}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/messages", a.messages)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		anthropicError(w, Status(http.StatusNotFound, "not_found_error", "Not found"))
	})
	a.start(t, mux)
	return a
}

// URL returns the base URL to configure (ANTHROPIC_BASE_URL): the server
// root, without /v1.
func (a *Anthropic) URL() string { return a.srv.URL }

// anthropicBlocks is a string or a list of content blocks.
type anthropicBlocks []struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

func (b *anthropicBlocks) UnmarshalJSON(data []byte) error {
	var s string
	if json.Unmarshal(data, &s) == nil {
		*b = anthropicBlocks{{Type: "text", Text: s}}
		return nil
	}
	return json.Unmarshal(data, (*[]struct {
		Type string `json:"type"`
		Text string `json:"text"`
	})(b))
}

func (b anthropicBlocks) text() string {
	var sb strings.Builder
	for _, x := range b {
		sb.WriteString(x.Text)
	}
	return sb.String()
}

func (a *Anthropic) messages(w http.ResponseWriter, req *http.Request) {
	var body struct {
		Model     string          `json:"model"`
		MaxTokens int             `json:"max_tokens"`
		System    anthropicBlocks `json:"system"`
		Stream    bool            `json:"stream"`
		Messages  []struct {
			Role    string          `json:"role"`
			Content anthropicBlocks `json:"content"`
		} `json:"messages"`
	}
	raw, decodeErr := io.ReadAll(req.Body)
	if decodeErr == nil {
		decodeErr = json.Unmarshal(raw, &body)
	}

	c := Call{Body: raw, Model: body.Model, MaxTokens: body.MaxTokens, Stream: body.Stream, System: body.System.text(),
		Messages: len(body.Messages), Beta: req.Header.Get("anthropic-beta"), Header: req.Header.Clone()}
	if n := len(body.Messages); n > 0 {
		c.Prompt = body.Messages[n-1].Content.text()
	}
	key := req.Header.Get("x-api-key")
	bearer, hasBearer := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer ")
	switch {
	case key != "" && hasBearer:
		c.Auth, c.Credential = "x-api-key+bearer", key
	case key != "":
		c.Auth, c.Credential = "x-api-key", key
	case hasBearer:
		c.Auth, c.Credential = "bearer", bearer
	}

	// The real API checks the request before it looks at the account.
	r, rejected := anthropicCheck(req.Header, c, decodeErr)
	ok := true
	if rejected {
		a.log(c)
	} else {
		r, ok = a.record(c)
	}
	if !ok {
		msg := "invalid x-api-key"
		if c.Auth == "bearer" {
			msg = "Invalid bearer token"
		}
		r = Status(http.StatusUnauthorized, "authentication_error", msg)
	}
	if !a.wait(req, r) {
		return
	}
	r.setHeaders(w)
	id := fmt.Sprintf("msg_fake%06d", a.nextID())
	w.Header().Set("request-id", "req_"+id[4:])

	switch {
	case r.failed() && !(r.MidStream && c.Stream):
		anthropicError(w, r)
	case c.Stream:
		a.stream(w, req, id, c, r)
	default:
		writeJSON(w, http.StatusOK, map[string]any{
			"id": id, "type": "message", "role": "assistant", "model": c.Model,
			"content":     []any{map[string]any{"type": "text", "text": r.Text}},
			"stop_reason": "end_turn", "stop_sequence": nil,
			"usage": map[string]any{"input_tokens": tokens(c.Prompt), "output_tokens": tokens(r.Text)},
		})
	}
}

// anthropicCheck rejects a request the way the real API does before it
// looks at the account: headers, body and the way of authentication.
func anthropicCheck(h http.Header, c Call, decodeErr error) (Response, bool) {
	invalid := func(msg string) (Response, bool) {
		return Status(http.StatusBadRequest, "invalid_request_error", msg), true
	}
	unauthorized := func(msg string) (Response, bool) {
		return Status(http.StatusUnauthorized, "authentication_error", msg), true
	}
	switch {
	case h.Get("anthropic-version") == "":
		return invalid("anthropic-version: header is required")
	case decodeErr != nil:
		return invalid("There was an error parsing the body of your request.")
	case c.Auth == "":
		return unauthorized("x-api-key header is required")
	case c.Auth == "x-api-key+bearer":
		return unauthorized("Send either x-api-key or Authorization, not both")
	case c.Auth == "bearer" && !strings.Contains(c.Beta, OAuthBeta):
		return unauthorized("OAuth authentication is currently not supported.")
	case c.Model == "":
		return invalid("model: Field required")
	case c.MaxTokens <= 0:
		return invalid("max_tokens: Field required")
	case c.Messages == 0:
		return invalid("messages: at least one message is required")
	}
	return Response{}, false
}

func anthropicErrorBody(r Response) map[string]any {
	return map[string]any{"type": "error", "error": map[string]any{"type": r.ErrType, "message": r.ErrMsg}}
}

func anthropicError(w http.ResponseWriter, r Response) {
	if r.Body != "" {
		writeRaw(w, r)
		return
	}
	writeJSON(w, r.status(), anthropicErrorBody(r))
}

// stream writes the real event sequence of a streamed message. A failing
// r (MidStream) is sent as an error event after the first delta.
func (a *Anthropic) stream(w http.ResponseWriter, req *http.Request, id string, c Call, r Response) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	text := r.Text
	if r.failed() && text == "" {
		text = "partial answer"
	}
	sse(w, "message_start", map[string]any{"type": "message_start", "message": map[string]any{
		"id": id, "type": "message", "role": "assistant", "model": c.Model, "content": []any{},
		"stop_reason": nil, "stop_sequence": nil,
		"usage": map[string]any{"input_tokens": tokens(c.Prompt), "output_tokens": 1},
	}})
	sse(w, "content_block_start", map[string]any{"type": "content_block_start", "index": 0,
		"content_block": map[string]any{"type": "text", "text": ""}})
	sse(w, "ping", map[string]any{"type": "ping"})
	for _, d := range deltas(text) {
		sse(w, "content_block_delta", map[string]any{"type": "content_block_delta", "index": 0,
			"delta": map[string]any{"type": "text_delta", "text": d}})
		if r.failed() {
			sse(w, "error", anthropicErrorBody(r))
			return
		}
		if r.Truncated {
			return
		}
		if r.Stall {
			a.stall(req)
			return
		}
	}
	sse(w, "content_block_stop", map[string]any{"type": "content_block_stop", "index": 0})
	sse(w, "message_delta", map[string]any{"type": "message_delta",
		"delta": map[string]any{"stop_reason": "end_turn", "stop_sequence": nil},
		"usage": map[string]any{"output_tokens": tokens(text)}})
	sse(w, "message_stop", map[string]any{"type": "message_stop"})
}
