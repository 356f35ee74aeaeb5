package fakes

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"time"
)

// OAuthTokenPath is the path of the token endpoint NewOAuth serves, the one
// of Anthropic's endpoint.
const OAuthTokenPath = "/v1/oauth/token"

// OAuth is a fake OAuth 2 token endpoint (refresh_token grant only) that
// rotates refresh tokens the way Anthropic's does: every successful refresh
// issues a new access token and a new refresh token and invalidates the
// refresh token it was given; a refresh token that is unknown or already
// used is answered with 400 {"error":"invalid_grant"}.
//
// It accepts JSON bodies (Anthropic) and form-encoded ones (OpenAI-style)
// and answers {"access_token","refresh_token","expires_in","token_type"}.
// Issued tokens are "fake-oauth-access-NNNNNN" and
// "fake-oauth-refresh-NNNNNN", numbered from 1. An OAuth is safe for
// concurrent use.
type OAuth struct {
	srv  *httptest.Server
	done chan struct{} // closed when the test ends: ends delays

	mu        sync.Mutex
	valid     map[string]bool
	seq       int
	requests  int
	refreshes int
	delay     time.Duration
	fails     []oauthFail
	expiresIn int
	received  []TokenRequest
	onIssue   func(access string)
}

// oauthFail is a scripted answer (FailNext).
type oauthFail struct {
	status int
	body   string
}

// TokenRequest is what the fake received in a token request.
type TokenRequest struct {
	ContentType  string // media type, without parameters
	GrantType    string
	ClientID     string
	RefreshToken string
}

// NewOAuth starts a fake token endpoint on loopback; it is closed when the
// test ends. No refresh token is valid until Seed; answers say
// expires_in 3600 until ExpiresIn.
func NewOAuth(t TB) *OAuth {
	t.Helper()
	o := &OAuth{done: make(chan struct{}), valid: map[string]bool{}, expiresIn: 3600}
	mux := http.NewServeMux()
	mux.HandleFunc(OAuthTokenPath, o.serveToken)
	o.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		close(o.done)
		o.srv.Close()
	})
	return o
}

// URL returns the token endpoint's URL.
func (o *OAuth) URL() string { return o.srv.URL + OAuthTokenPath }

// Seed makes refresh a valid refresh token, usable once.
func (o *OAuth) Seed(refresh string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.valid[refresh] = true
}

// Valid reports whether refresh would be accepted now.
func (o *OAuth) Valid(refresh string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.valid[refresh]
}

// Refreshes returns the number of successful refreshes.
func (o *OAuth) Refreshes() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.refreshes
}

// Requests returns the number of requests received, answered or not.
func (o *OAuth) Requests() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.requests
}

// TokenRequests returns the POST requests received so far, in order.
func (o *OAuth) TokenRequests() []TokenRequest {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.received)
}

// LastRequest returns the last POST request received (zero before any).
func (o *OAuth) LastRequest() TokenRequest {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.received) == 0 {
		return TokenRequest{}
	}
	return o.received[len(o.received)-1]
}

// Delay makes every later answer wait d first, to widen race windows. A
// waiting answer ends early (unanswered) when the client goes away or the
// test ends.
func (o *OAuth) Delay(d time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.delay = d
}

// FailNext answers the next request with status and body (JSON), without
// looking at it: its refresh token stays valid. Calls queue up.
func (o *OAuth) FailNext(status int, body string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.fails = append(o.fails, oauthFail{status, body})
}

// ExpiresIn sets the expires_in (seconds) of later answers.
func (o *OAuth) ExpiresIn(seconds int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.expiresIn = seconds
}

// OnIssue calls f with every access token the fake issues, before the
// answer that carries it is sent (so a provider fake can be told to
// accept it: OnIssue(func(a string) { provider.Allow(a) })). f runs with
// the OAuth fake's lock held and must not call it.
func (o *OAuth) OnIssue(f func(access string)) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.onIssue = f
}

func (o *OAuth) serveToken(w http.ResponseWriter, r *http.Request) {
	o.mu.Lock()
	o.requests++
	delay := o.delay
	o.mu.Unlock()
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		oauthError(w, http.StatusMethodNotAllowed, "invalid_request")
		return
	}
	req, ok := parseTokenRequest(r)
	o.mu.Lock()
	o.received = append(o.received, req)
	o.mu.Unlock()
	if delay > 0 {
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		case <-o.done:
			return
		}
	}

	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.fails) > 0 {
		f := o.fails[0]
		o.fails = o.fails[1:]
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.status)
		fmt.Fprint(w, f.body)
		return
	}
	switch {
	case !ok:
		oauthError(w, http.StatusBadRequest, "invalid_request")
		return
	case req.GrantType != "refresh_token":
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type")
		return
	case !o.valid[req.RefreshToken]:
		oauthError(w, http.StatusBadRequest, "invalid_grant")
		return
	}
	delete(o.valid, req.RefreshToken)
	o.seq++
	o.refreshes++
	access := fmt.Sprintf("fake-oauth-access-%06d", o.seq)
	refresh := fmt.Sprintf("fake-oauth-refresh-%06d", o.seq)
	o.valid[refresh] = true
	if o.onIssue != nil {
		o.onIssue(access)
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"access_token":  access,
		"refresh_token": refresh,
		"expires_in":    o.expiresIn,
		"token_type":    "Bearer",
	})
}

// parseTokenRequest reads a JSON or form-encoded token request; ok is false
// when the body is neither.
func parseTokenRequest(r *http.Request) (req TokenRequest, ok bool) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	req.ContentType = mt
	switch mt {
	case "application/json":
		var doc struct {
			GrantType    string `json:"grant_type"`
			ClientID     string `json:"client_id"`
			RefreshToken string `json:"refresh_token"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20)).Decode(&doc); err != nil {
			return req, false
		}
		req.GrantType, req.ClientID, req.RefreshToken = doc.GrantType, doc.ClientID, doc.RefreshToken
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return req, false
		}
		f := r.PostForm
		req.GrantType, req.ClientID, req.RefreshToken = f.Get("grant_type"), f.Get("client_id"), f.Get("refresh_token")
	default:
		return req, false
	}
	return req, true
}

// oauthError writes an RFC 6749 §5.2 error answer.
func oauthError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": code})
}
