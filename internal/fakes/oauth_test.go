package fakes

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// tokenAnswer is a decoded answer of the fake token endpoint.
type tokenAnswer struct {
	Status       int
	Error        string `json:"error"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int    `json:"expires_in"`
}

// postToken sends a token request to o, JSON when form is false.
func postToken(t *testing.T, o *OAuth, form bool, refresh string) tokenAnswer {
	t.Helper()
	var body, ctype string
	if form {
		body = url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}, "client_id": {"cid"}}.Encode()
		ctype = "application/x-www-form-urlencoded"
	} else {
		b, _ := json.Marshal(map[string]string{"grant_type": "refresh_token", "client_id": "cid", "refresh_token": refresh})
		body, ctype = string(b), "application/json"
	}
	resp, err := http.Post(o.URL(), ctype, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var a tokenAnswer
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatalf("answer is not JSON: %v: %s", err, b)
	}
	a.Status = resp.StatusCode
	return a
}

func TestOAuthRotates(t *testing.T) {
	for _, form := range []bool{false, true} {
		name := map[bool]string{false: "json", true: "form"}[form]
		t.Run(name, func(t *testing.T) {
			o := NewOAuth(t)
			o.Seed("r0")
			first := postToken(t, o, form, "r0")
			want := tokenAnswer{Status: 200, AccessToken: "fake-oauth-access-000001", RefreshToken: "fake-oauth-refresh-000001", ExpiresIn: 3600}
			if diff := cmp.Diff(want, first); diff != "" {
				t.Fatalf("first refresh (-want +got):\n%s", diff)
			}
			// The used refresh token is dead; the new one works once.
			if got := postToken(t, o, form, "r0"); got.Status != 400 || got.Error != "invalid_grant" {
				t.Errorf("reuse of r0 = %+v, want 400 invalid_grant", got)
			}
			o.ExpiresIn(60)
			second := postToken(t, o, form, first.RefreshToken)
			if second.Status != 200 || second.AccessToken != "fake-oauth-access-000002" || second.ExpiresIn != 60 {
				t.Errorf("second refresh = %+v", second)
			}
			if o.Valid(first.RefreshToken) || !o.Valid(second.RefreshToken) {
				t.Error("Valid does not follow the rotation")
			}
			if o.Refreshes() != 2 || o.Requests() != 3 {
				t.Errorf("Refreshes, Requests = %d, %d; want 2, 3", o.Refreshes(), o.Requests())
			}
			ctype := map[bool]string{false: "application/json", true: "application/x-www-form-urlencoded"}[form]
			wantLast := TokenRequest{ContentType: ctype, GrantType: "refresh_token", ClientID: "cid", RefreshToken: first.RefreshToken}
			if diff := cmp.Diff(wantLast, o.LastRequest()); diff != "" {
				t.Errorf("LastRequest (-want +got):\n%s", diff)
			}
			if n := len(o.TokenRequests()); n != 3 {
				t.Errorf("TokenRequests has %d entries, want 3", n)
			}
		})
	}
}

func TestOAuthFailNext(t *testing.T) {
	o := NewOAuth(t)
	o.Seed("r0")
	o.FailNext(503, `{"error":"temporarily_unavailable"}`)
	if got := postToken(t, o, false, "r0"); got.Status != 503 || got.Error != "temporarily_unavailable" {
		t.Fatalf("scripted answer = %+v", got)
	}
	// The scripted failure did not consume r0.
	if got := postToken(t, o, false, "r0"); got.Status != 200 {
		t.Fatalf("after the failure = %+v, want 200", got)
	}
	if o.Refreshes() != 1 || o.Requests() != 2 {
		t.Errorf("Refreshes, Requests = %d, %d; want 1, 2", o.Refreshes(), o.Requests())
	}
}

func TestOAuthBadRequests(t *testing.T) {
	o := NewOAuth(t)
	o.Seed("r0")
	tests := []struct {
		name, method, ctype, body string
		status                    int
		code                      string
	}{
		{"get", http.MethodGet, "", "", 405, "invalid_request"},
		{"unknown body", http.MethodPost, "text/plain", "r0", 400, "invalid_request"},
		{"bad json", http.MethodPost, "application/json", "{", 400, "invalid_request"},
		{"grant", http.MethodPost, "application/json", `{"grant_type":"password","refresh_token":"r0"}`, 400, "unsupported_grant_type"},
		{"unknown token", http.MethodPost, "application/json", `{"grant_type":"refresh_token","refresh_token":"nope"}`, 400, "invalid_grant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), tt.method, o.URL(), strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", tt.ctype)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var doc struct{ Error string }
			json.NewDecoder(resp.Body).Decode(&doc)
			if resp.StatusCode != tt.status || doc.Error != tt.code {
				t.Errorf("got %d %q, want %d %q", resp.StatusCode, doc.Error, tt.status, tt.code)
			}
		})
	}
	if !o.Valid("r0") || o.Refreshes() != 0 {
		t.Error("a bad request consumed the refresh token")
	}
}

// TestOAuthOnIssue: each issued access token is handed to OnIssue before
// the answer that carries it leaves, so a provider fake accepts it at once.
func TestOAuthOnIssue(t *testing.T) {
	o := NewOAuth(t)
	p := NewAnthropic(t)
	o.OnIssue(func(access string) { p.Allow(access) })
	o.Seed("r0")
	a := postToken(t, o, false, "r0")
	b := postToken(t, o, true, a.RefreshToken)
	if failed := postToken(t, o, true, "unknown"); failed.Status != http.StatusBadRequest {
		t.Fatalf("unknown refresh token: status %d", failed.Status)
	}
	var got []int
	for _, access := range []string{a.AccessToken, b.AccessToken, "fake-oauth-access-000003"} {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, p.URL()+"/v1/messages",
			strings.NewReader(`{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"hi"}]}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+access)
		req.Header.Set("anthropic-beta", OAuthBeta)
		req.Header.Set("anthropic-version", "2023-06-01")
		resp, err := p.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		got = append(got, resp.StatusCode)
	}
	if diff := cmp.Diff([]int{200, 200, 401}, got); diff != "" {
		t.Errorf("provider's answers to the issued tokens and one never issued (-want +got):\n%s", diff)
	}
}
