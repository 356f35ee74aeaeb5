package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/botgateway/bot/internal/fakes"
	"github.com/google/go-cmp/cmp"
)

// Canary tokens: they must never appear in an error or a log line.
const (
	refreshCanary = "sk-ant-ort01-CANARY-REFRESH-5c1e0b7d9a2f4e6b"
	accessCanary  = "sk-ant-oat01-CANARY-ACCESS-8d3f1a6c0e4b2d9f"
)

// The tokens the fake issues first and second.
const (
	fakeAccess1  = "fake-oauth-access-000001"
	fakeRefresh1 = "fake-oauth-refresh-000001"
	fakeAccess2  = "fake-oauth-access-000002"
	fakeRefresh2 = "fake-oauth-refresh-000002"
)

// hookTransport calls before (when set) on every request, then sends it.
type hookTransport struct {
	before func(*http.Request)
	calls  atomic.Int32
}

func (h *hookTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	h.calls.Add(1)
	if h.before != nil {
		h.before(req)
	}
	return http.DefaultTransport.RoundTrip(req)
}

// refreshEnv is an agent dir with a store, a fake token endpoint and a
// Refresher pointed at it, at clock t0.
type refreshEnv struct {
	dir   string
	path  string
	fake  *fakes.OAuth
	clock *fakes.Clock
	tr    *hookTransport
	logs  *fakes.Buffer
	r     *Refresher
}

func newRefreshEnv(t *testing.T, profiles map[ProfileID]*Credential) *refreshEnv {
	t.Helper()
	e := &refreshEnv{
		dir:   t.TempDir(),
		fake:  fakes.NewOAuth(t),
		clock: fakes.NewClock(t0),
		tr:    &hookTransport{},
		logs:  &fakes.Buffer{},
	}
	e.path = StorePath(e.dir)
	s := NewStore()
	for id, c := range profiles {
		s.Set(id, c)
	}
	writeStore(t, e.path, s)
	e.r = &Refresher{
		HTTPClient: &http.Client{Transport: e.tr},
		TokenURL:   func(string) string { return e.fake.URL() },
		Now:        e.clock.Now,
		Log:        slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		saveWaits:  []time.Duration{0, 0},
	}
	return e
}

// writeStore writes s to path through UpdateStore.
func writeStore(t testing.TB, path string, s *Store) {
	t.Helper()
	if _, err := UpdateStore(context.Background(), path, func(fresh *Store) (bool, error) {
		for _, id := range fresh.IDs() {
			fresh.Delete(id)
		}
		for _, id := range s.IDs() {
			fresh.Set(id, s.Profiles[id].Clone())
		}
		return true, nil
	}); err != nil {
		t.Fatal(err)
	}
}

// writeStoreUnlocked writes s to path without the lock, the way a writer
// that ignores it would (the lock may be held by the code under test).
func writeStoreUnlocked(t testing.TB, path string, s *Store) {
	t.Helper()
	b, err := s.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// storedProfile reads profile id from the store at path.
func storedProfile(t testing.TB, path string, id ProfileID) *Credential {
	t.Helper()
	s, _, err := LoadStore(path)
	if err != nil {
		t.Fatal(err)
	}
	return s.Profiles[id]
}

// expiredOAuth is an anthropic oauth credential that expired an hour before
// t0, with refresh token refresh.
func expiredOAuth(access, refresh string) *Credential {
	return &Credential{Provider: "anthropic", Type: KindOAuth, Access: NewSecret(access),
		Refresh: NewSecret(refresh), Expires: t0.Add(-time.Hour)}
}

// checkNoCanary fails when s holds a canary token.
func checkNoCanary(t testing.TB, what, s string) {
	t.Helper()
	for _, c := range []string{refreshCanary, accessCanary, "CANARY"} {
		if strings.Contains(s, c) {
			t.Errorf("%s leaks a token (%q): %s", what, c, s)
		}
	}
}

var credentialOpts = cmp.Options{secretsEqual, rawJSONEqual}

func TestAcquireWithoutRefresh(t *testing.T) {
	tests := []struct {
		name    string
		cred    *Credential // stored as anthropic:x; nil: none
		force   bool
		wantErr string // exact message; "" for success
		is      error
	}{
		{name: "api key", cred: &Credential{Provider: "anthropic", Type: KindAPIKey, Key: NewSecret("sk-ant-api03-kkkkkkkkkkkkkkkkkkkk")}},
		{name: "api key force", force: true, cred: &Credential{Provider: "anthropic", Type: KindAPIKey, Key: NewSecret("sk-ant-api03-kkkkkkkkkkkkkkkkkkkk")}},
		{name: "token without expiry", cred: &Credential{Provider: "anthropic", Type: KindToken, Token: NewSecret("sk-ant-oat01-tttttttttttttttttttt")}},
		{name: "token valid", cred: &Credential{Provider: "anthropic", Type: KindToken, Token: NewSecret("sk-ant-oat01-tttttttttttttttttttt"), Expires: t0.Add(time.Second)}},
		{
			name:    "token expired",
			cred:    &Credential{Provider: "anthropic", Type: KindToken, Token: NewSecret(accessCanary), Expires: t0},
			wantErr: "auth: the token of anthropic:x expired at 2026-11-24 12:00 UTC; log in again (bot onboard) or paste a new token (bot models auth paste-token --provider anthropic --profile-id anthropic:x)",
			is:      ErrExpired,
		},
		{
			name:    "empty key",
			cred:    &Credential{Provider: "anthropic", Type: KindAPIKey},
			wantErr: "auth: anthropic:x holds an empty API key; log in again (bot onboard) or paste a new token (bot models auth paste-token --provider anthropic --profile-id anthropic:x)",
		},
		{
			name: "oauth valid",
			cred: &Credential{Provider: "anthropic", Type: KindOAuth, Access: NewSecret(accessCanary), Refresh: NewSecret(refreshCanary), Expires: t0.Add(time.Second), Email: "a@example.com"},
		},
		{
			name:    "oauth expired without refresh token",
			cred:    &Credential{Provider: "anthropic", Type: KindOAuth, Access: NewSecret(accessCanary), Expires: t0},
			wantErr: "auth: refresh of anthropic:x failed: no refresh token is stored; log in again (bot onboard) or paste a new token (bot models auth paste-token --provider anthropic --profile-id anthropic:x)",
		},
		{name: "missing", wantErr: "auth: anthropic:x: profile not found", is: ErrProfileNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			profiles := map[ProfileID]*Credential{"anthropic:other": apiKey("anthropic", "k")}
			if tt.cred != nil {
				profiles["anthropic:x"] = tt.cred
			}
			e := newRefreshEnv(t, profiles)
			got, err := e.r.Acquire(t.Context(), e.dir, "anthropic:x", tt.force)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Acquire error = %v\nwant %s", err, tt.wantErr)
				}
				if tt.is != nil && !errors.Is(err, tt.is) {
					t.Errorf("error does not match %v", tt.is)
				}
				checkNoCanary(t, "error", err.Error())
			} else {
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tt.cred, got, credentialOpts); diff != "" {
					t.Errorf("credential (-stored +got):\n%s", diff)
				}
			}
			if n := e.fake.Requests(); n != 0 {
				t.Errorf("token endpoint got %d requests, want none", n)
			}
		})
	}
}

func TestAcquireRefreshes(t *testing.T) {
	const id ProfileID = "anthropic:work"
	old := expiredOAuth(accessCanary, refreshCanary)
	old.Email = "me@example.com"
	old.Extra = map[string]json.RawMessage{"projectId": json.RawMessage(`"p-1"`)}
	e := newRefreshEnv(t, map[ProfileID]*Credential{id: old, "openai:k": apiKey("openai", "sk-proj-x")})
	e.fake.Seed(refreshCanary)

	got, err := e.r.Acquire(t.Context(), e.dir, id, false)
	if err != nil {
		t.Fatal(err)
	}
	want := &Credential{
		Provider: "anthropic", Type: KindOAuth,
		Access: NewSecret(fakeAccess1), Refresh: NewSecret(fakeRefresh1),
		Expires: t0.Add(55 * time.Minute), // expires_in 3600 s, less 5 min
		Email:   "me@example.com", Extra: old.Extra,
	}
	if diff := cmp.Diff(want, got, credentialOpts); diff != "" {
		t.Errorf("credential (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, storedProfile(t, e.path, id), credentialOpts); diff != "" {
		t.Errorf("stored (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(apiKey("openai", "sk-proj-x"), storedProfile(t, e.path, "openai:k"), credentialOpts); diff != "" {
		t.Errorf("other profile changed (-want +got):\n%s", diff)
	}
	wantReq := fakes.TokenRequest{ContentType: "application/json", GrantType: "refresh_token",
		ClientID: AnthropicClientID, RefreshToken: refreshCanary}
	if diff := cmp.Diff(wantReq, e.fake.LastRequest()); diff != "" {
		t.Errorf("token request (-want +got):\n%s", diff)
	}

	// Valid now: no request.
	if got, err := e.r.Acquire(t.Context(), e.dir, id, false); err != nil || !got.Access.Equal(NewSecret(fakeAccess1)) {
		t.Fatalf("second Acquire = %v, %v; want the same access token", got, err)
	}
	if n := e.fake.Requests(); n != 1 {
		t.Fatalf("token endpoint got %d requests, want 1", n)
	}

	// Expired again: the rotated refresh token is the one used; the old
	// one is never needed again.
	e.clock.Set(t0.Add(2 * time.Hour))
	got, err = e.r.Acquire(t.Context(), e.dir, id, false)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Access.Equal(NewSecret(fakeAccess2)) || !got.Refresh.Equal(NewSecret(fakeRefresh2)) {
		t.Errorf("third Acquire = %v", got)
	}
	if r := e.fake.LastRequest().RefreshToken; r != fakeRefresh1 {
		t.Errorf("second refresh sent %q, want the rotated %q", r, fakeRefresh1)
	}
	if e.fake.Refreshes() != 2 || e.fake.Requests() != 2 {
		t.Errorf("Refreshes, Requests = %d, %d; want 2, 2", e.fake.Refreshes(), e.fake.Requests())
	}
	checkNoCanary(t, "log", e.logs.String())
	if !strings.Contains(e.logs.String(), "oauth token refreshed") {
		t.Errorf("no Info line for the refresh:\n%s", e.logs)
	}
}

func TestAcquireFormProvider(t *testing.T) {
	const id ProfileID = "openai:codex"
	c := expiredOAuth("old-access", "old-refresh")
	c.Provider = "openai"
	e := newRefreshEnv(t, map[ProfileID]*Credential{id: c})
	e.fake.Seed("old-refresh")
	e.r.ClientID = func(p string) string { return "app_" + p }
	got, err := e.r.Acquire(t.Context(), e.dir, id, false)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Access.Equal(NewSecret(fakeAccess1)) {
		t.Errorf("access = %v", got.Access)
	}
	want := fakes.TokenRequest{ContentType: "application/x-www-form-urlencoded", GrantType: "refresh_token",
		ClientID: "app_openai", RefreshToken: "old-refresh"}
	if diff := cmp.Diff(want, e.fake.LastRequest()); diff != "" {
		t.Errorf("token request (-want +got):\n%s", diff)
	}
}

// TestAcquireForce: the provider refused a valid-looking access token.
func TestAcquireForce(t *testing.T) {
	const id ProfileID = "anthropic:work"
	c := expiredOAuth("refused-access", "r0")
	c.Expires = t0.Add(time.Hour)
	e := newRefreshEnv(t, map[ProfileID]*Credential{id: c})
	e.fake.Seed("r0")
	got, err := e.r.Acquire(t.Context(), e.dir, id, true)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Access.Equal(NewSecret(fakeAccess1)) || e.fake.Refreshes() != 1 {
		t.Errorf("forced Acquire = %v after %d refreshes; want a refresh", got.Access, e.fake.Refreshes())
	}
}

// TestAcquireConcurrent: 100 goroutines, one refresh (run it with -race).
func TestAcquireConcurrent(t *testing.T) {
	const id ProfileID = "anthropic:claude-cli"
	e := newRefreshEnv(t, map[ProfileID]*Credential{id: expiredOAuth(accessCanary, refreshCanary)})
	e.fake.Seed(refreshCanary)
	e.fake.Delay(20 * time.Millisecond) // keep the refresh in flight while callers pile up
	const n = 100
	got := make([]string, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			c, err := e.r.Acquire(t.Context(), e.dir, id, false)
			if err != nil {
				t.Error(err)
				return
			}
			got[i] = c.Access.Reveal()
		})
	}
	close(start)
	wg.Wait()
	for i, a := range got {
		if a != fakeAccess1 {
			t.Fatalf("caller %d got access %q, want %q", i, a, fakeAccess1)
		}
	}
	if e.fake.Refreshes() != 1 || e.fake.Requests() != 1 {
		t.Errorf("Refreshes, Requests = %d, %d; want exactly one", e.fake.Refreshes(), e.fake.Requests())
	}
	if s := storedProfile(t, e.path, id); !s.Refresh.Equal(NewSecret(fakeRefresh1)) {
		t.Errorf("stored refresh token = %v, want the rotated one", s.Refresh)
	}
}

// TestAcquireCallerCancelled: a caller that gives up returns at once, but
// its refresh completes and is saved.
func TestAcquireCallerCancelled(t *testing.T) {
	const id ProfileID = "anthropic:work"
	e := newRefreshEnv(t, map[ProfileID]*Credential{id: expiredOAuth("old", "r0")})
	e.fake.Seed("r0")
	ctx, cancel := context.WithCancel(t.Context())
	release := make(chan struct{})
	reqErr := make(chan error, 1)
	e.tr.before = func(req *http.Request) {
		cancel() // the caller gives up while the request is under way
		<-release
		reqErr <- req.Context().Err()
	}
	if _, err := e.r.Acquire(ctx, e.dir, id, false); !errors.Is(err, context.Canceled) {
		t.Fatalf("Acquire with a cancelled context = %v, want context.Canceled", err)
	}
	close(release)
	if err := <-reqErr; err != nil {
		t.Errorf("the token request's context ended with its caller: %v", err)
	}
	// A later caller gets the refreshed token (joining the flight or
	// reading the saved store) without a second request.
	got, err := e.r.Acquire(t.Context(), e.dir, id, false)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Access.Equal(NewSecret(fakeAccess1)) {
		t.Errorf("later Acquire = %v, want %s", got.Access, fakeAccess1)
	}
	if n := e.tr.calls.Load(); n != 1 || e.fake.Refreshes() != 1 {
		t.Errorf("%d requests, %d refreshes; want 1, 1", n, e.fake.Refreshes())
	}
	if s := storedProfile(t, e.path, id); !s.Refresh.Equal(NewSecret(fakeRefresh1)) {
		t.Errorf("stored refresh token = %v, want the rotated one", s.Refresh)
	}
}

// TestAcquireRefreshedElsewhere: another process refreshed the profile
// before our lock; its tokens are used and no request is made.
func TestAcquireRefreshedElsewhere(t *testing.T) {
	const id ProfileID = "anthropic:work"
	theirs := &Credential{Provider: "anthropic", Type: KindOAuth, Access: NewSecret("their-access"),
		Refresh: NewSecret("their-refresh"), Expires: t0.Add(time.Hour)}
	tests := []struct {
		name string
		// stored is the credential in the store at the start.
		stored *Credential
		// afterLoad, when set, is written to the store right after
		// Acquire read it (before its lock).
		afterLoad  *Credential
		force      bool
		wantAccess string
		wantReqs   int
	}{
		{name: "before the load", stored: theirs, wantAccess: "their-access"},
		{name: "between load and lock", stored: expiredOAuth("old", "r0"), afterLoad: theirs, wantAccess: "their-access"},
		{
			name: "same refresh token, new access", stored: expiredOAuth("old", "r0"),
			afterLoad:  &Credential{Provider: "anthropic", Type: KindOAuth, Access: NewSecret("their-access"), Refresh: NewSecret("r0"), Expires: t0.Add(time.Hour)},
			wantAccess: "their-access",
		},
		{
			name: "force, another token meanwhile", force: true,
			stored:     &Credential{Provider: "anthropic", Type: KindOAuth, Access: NewSecret("refused"), Refresh: NewSecret("r0"), Expires: t0.Add(time.Hour)},
			afterLoad:  theirs,
			wantAccess: "their-access",
		},
		{
			name: "force, same token", force: true,
			stored:     &Credential{Provider: "anthropic", Type: KindOAuth, Access: NewSecret("refused"), Refresh: NewSecret("r0"), Expires: t0.Add(time.Hour)},
			wantAccess: fakeAccess1, wantReqs: 1,
		},
		{
			name: "new refresh token, expired access", stored: expiredOAuth("old", "r0"),
			afterLoad:  expiredOAuth("their-old", "r1"),
			wantAccess: fakeAccess1, wantReqs: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newRefreshEnv(t, map[ProfileID]*Credential{id: tt.stored})
			e.fake.Seed("r0")
			e.fake.Seed("r1")
			if tt.afterLoad != nil {
				var once sync.Once
				e.r.testHookLoaded = func() {
					once.Do(func() {
						s := NewStore()
						s.Set(id, tt.afterLoad)
						writeStore(t, e.path, s)
					})
				}
			}
			got, err := e.r.Acquire(t.Context(), e.dir, id, tt.force)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Access.Equal(NewSecret(tt.wantAccess)) {
				t.Errorf("access = %v, want %s", got.Access, tt.wantAccess)
			}
			if n := e.fake.Requests(); n != tt.wantReqs {
				t.Errorf("token endpoint got %d requests, want %d", n, tt.wantReqs)
			}
		})
	}
}

// TestAcquireSaveFails: the store cannot be written after a refresh. The new
// token is returned anyway, kept in memory, used while the store is
// unreadable and saved once it can be.
func TestAcquireSaveFails(t *testing.T) {
	const id ProfileID = "anthropic:work"
	original := expiredOAuth(accessCanary, refreshCanary)
	original.Email = "me@example.com"
	e := newRefreshEnv(t, map[ProfileID]*Credential{id: original})
	e.fake.Seed(refreshCanary)
	saved, err := os.ReadFile(e.path)
	if err != nil {
		t.Fatal(err)
	}
	// While the request is under way the store file becomes a directory:
	// the atomic rename, and every retry, fail (even for root).
	e.tr.before = func(*http.Request) {
		if err := os.Remove(e.path); err != nil {
			t.Error(err)
		}
		if err := os.MkdirAll(filepath.Join(e.path, "blocker"), 0o700); err != nil {
			t.Error(err)
		}
	}
	got, err := e.r.Acquire(t.Context(), e.dir, id, false)
	if err != nil {
		t.Fatalf("Acquire = %v; want the new token despite the failed save", err)
	}
	if !got.Access.Equal(NewSecret(fakeAccess1)) || !got.Refresh.Equal(NewSecret(fakeRefresh1)) {
		t.Fatalf("Acquire = %v / %v, want the refreshed tokens", got.Access, got.Refresh)
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "level=ERROR") || !strings.Contains(logs, "keeping them in memory") {
		t.Errorf("no Error line about the unsaved tokens:\n%s", logs)
	}
	checkNoCanary(t, "log", logs)
	e.tr.before = nil

	// The store is still unreadable: the token kept in memory serves.
	got, err = e.r.Acquire(t.Context(), e.dir, id, false)
	if err != nil || !got.Access.Equal(NewSecret(fakeAccess1)) {
		t.Fatalf("Acquire with an unreadable store = %v, %v; want the kept token", got, err)
	}

	// The store comes back as it was, with the refresh token the provider
	// has since invalidated: the next Acquire saves the kept tokens over it
	// instead of refreshing with the dead one.
	if err := os.RemoveAll(e.path); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(e.path, saved, 0o600); err != nil {
		t.Fatal(err)
	}
	got, err = e.r.Acquire(t.Context(), e.dir, id, false)
	if err != nil || !got.Access.Equal(NewSecret(fakeAccess1)) {
		t.Fatalf("Acquire after the store came back = %v, %v", got, err)
	}
	want := &Credential{Provider: "anthropic", Type: KindOAuth, Access: NewSecret(fakeAccess1),
		Refresh: NewSecret(fakeRefresh1), Expires: t0.Add(55 * time.Minute), Email: "me@example.com"}
	if diff := cmp.Diff(want, storedProfile(t, e.path, id), credentialOpts); diff != "" {
		t.Errorf("stored (-want +got):\n%s", diff)
	}
	if n := e.fake.Requests(); n != 1 {
		t.Errorf("token endpoint got %d requests, want 1", n)
	}
	if e.r.pendingFor(e.path, id) != nil {
		t.Error("the saved tokens are still pending")
	}

	// And the saved refresh token works.
	e.clock.Set(t0.Add(2 * time.Hour))
	if got, err := e.r.Acquire(t.Context(), e.dir, id, false); err != nil || !got.Access.Equal(NewSecret(fakeAccess2)) {
		t.Fatalf("Acquire after expiry = %v, %v", got, err)
	}
}

// TestAcquireSaveRetry: the first save fails, a retry succeeds.
func TestAcquireSaveRetry(t *testing.T) {
	const id ProfileID = "anthropic:work"
	e := newRefreshEnv(t, map[ProfileID]*Credential{id: expiredOAuth("old", "r0")})
	e.fake.Seed("r0")
	saved, err := os.ReadFile(e.path)
	if err != nil {
		t.Fatal(err)
	}
	e.tr.before = func(*http.Request) {
		os.Remove(e.path)
		os.Mkdir(e.path, 0o700)
	}
	// The store comes back when the Refresher logs that it will retry.
	e.r.Log = slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		if bytes.Contains(p, []byte("retrying")) {
			os.Remove(e.path)
			os.WriteFile(e.path, saved, 0o600)
		}
		return len(p), nil
	}), nil))
	if _, err := e.r.Acquire(t.Context(), e.dir, id, false); err != nil {
		t.Fatal(err)
	}
	if s := storedProfile(t, e.path, id); !s.Refresh.Equal(NewSecret(fakeRefresh1)) {
		t.Errorf("stored refresh token = %v, want the rotated one", s.Refresh)
	}
	if e.r.pendingFor(e.path, id) != nil {
		t.Error("tokens still pending after a successful retry")
	}
}

// writerFunc is an io.Writer.
type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func TestAcquireInvalidGrant(t *testing.T) {
	tests := []struct {
		id      ProfileID
		wantErr string
	}{
		{ClaudeCLIProfile, `auth: refresh of anthropic:claude-cli failed: the refresh token was rejected (invalid_grant); run "claude setup-token" on the gateway host`},
		{"anthropic:work", `auth: refresh of anthropic:work failed: the refresh token was rejected (invalid_grant); log in again (bot onboard) or paste a new token (bot models auth paste-token --provider anthropic --profile-id anthropic:work)`},
	}
	for _, tt := range tests {
		t.Run(string(tt.id), func(t *testing.T) {
			e := newRefreshEnv(t, map[ProfileID]*Credential{tt.id: expiredOAuth(accessCanary, refreshCanary)})
			e.r.Claude = ClaudeCode{Home: t.TempDir()} // no Claude Code login there
			// The fake does not know the refresh token: invalid_grant.
			_, err := e.r.Acquire(t.Context(), e.dir, tt.id, false)
			if err == nil || err.Error() != tt.wantErr {
				t.Fatalf("Acquire error = %v\nwant %s", err, tt.wantErr)
			}
			re, ok := errors.AsType[*RefreshError](err)
			if !ok {
				t.Fatalf("error is %T, want *RefreshError", err)
			}
			want := RefreshError{Profile: tt.id, Provider: "anthropic", NeedsLogin: true, Status: 400, Err: ErrInvalidGrant}
			if diff := cmp.Diff(want, *re, cmp.AllowUnexported(RefreshError{}), cmp.Comparer(func(a, b error) bool { return a == b })); diff != "" {
				t.Errorf("RefreshError (-want +got):\n%s", diff)
			}
			if fix := re.Fix(); !strings.HasSuffix(tt.wantErr, "; "+fix) {
				t.Errorf("Fix() = %q, not the end of the message", fix)
			}
			if !errors.Is(err, ErrInvalidGrant) {
				t.Error("error does not match ErrInvalidGrant")
			}
			checkNoCanary(t, "error", err.Error())
			checkNoCanary(t, "log", e.logs.String())
			// Nothing was written.
			if s := storedProfile(t, e.path, tt.id); !s.Refresh.Equal(NewSecret(refreshCanary)) {
				t.Error("the store changed after a failed refresh")
			}
		})
	}
}

// TestAcquireInvalidGrantRefreshedElsewhere: the refresh token was rejected
// because someone else rotated it meanwhile; their tokens are used.
func TestAcquireInvalidGrantRefreshedElsewhere(t *testing.T) {
	const id ProfileID = "anthropic:work"
	theirs := &Credential{Provider: "anthropic", Type: KindOAuth, Access: NewSecret("their-access"),
		Refresh: NewSecret("their-refresh"), Expires: t0.Add(time.Hour)}
	e := newRefreshEnv(t, map[ProfileID]*Credential{id: expiredOAuth("old", "r0")})
	e.tr.before = func(*http.Request) {
		// A writer that ignores the lock refreshed while our request
		// was under way; the provider therefore rejects r0.
		s := NewStore()
		s.Set(id, theirs)
		writeStoreUnlocked(t, e.path, s)
	}
	got, err := e.r.Acquire(t.Context(), e.dir, id, false)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Access.Equal(NewSecret("their-access")) {
		t.Errorf("access = %v, want theirs", got.Access)
	}
}

// TestAcquireInvalidGrantClaudeCode: the claude CLI rotated the login on its
// own; its newer tokens are used and saved.
func TestAcquireInvalidGrantClaudeCode(t *testing.T) {
	e := newRefreshEnv(t, map[ProfileID]*Credential{ClaudeCLIProfile: expiredOAuth("old", "r0")})
	home := claudeHome(t, fmt.Appendf(nil, `{"claudeAiOauth":{"accessToken":"cli-access","refreshToken":"cli-refresh","expiresAt":%d}}`,
		t0.Add(time.Hour).UnixMilli()))
	e.r.Claude = ClaudeCode{Home: home}
	got, err := e.r.Acquire(t.Context(), e.dir, ClaudeCLIProfile, false)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Access.Equal(NewSecret("cli-access")) {
		t.Errorf("access = %v, want Claude Code's", got.Access)
	}
	if s := storedProfile(t, e.path, ClaudeCLIProfile); !s.Refresh.Equal(NewSecret("cli-refresh")) {
		t.Errorf("stored refresh token = %v, want Claude Code's", s.Refresh)
	}
}

func TestAcquireEndpointErrors(t *testing.T) {
	const id ProfileID = "anthropic:work"
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL + "/token"
	closed.Close()
	tests := []struct {
		name       string
		setup      func(e *refreshEnv)
		provider   string
		wantPrefix string // the message starts with it...
		wantSuffix string // ... and ends with it
		status     int
	}{
		{
			name: "server error echoing the token",
			setup: func(e *refreshEnv) {
				e.fake.FailNext(500, `{"error":"server_error","error_description":"bad `+refreshCanary+`"}`)
			},
			wantPrefix: "auth: refresh of anthropic:work failed: the token endpoint answered HTTP 500 (server_error); try again later",
			status:     500,
		},
		{
			name:       "error code that is not a code",
			setup:      func(e *refreshEnv) { e.fake.FailNext(400, `{"error":"`+refreshCanary+`"}`) },
			wantPrefix: "auth: refresh of anthropic:work failed: the token endpoint answered HTTP 400; try again later",
			status:     400,
		},
		{
			name:       "rate limited",
			setup:      func(e *refreshEnv) { e.fake.FailNext(429, `{"error":{"type":"rate_limit_error"}}`) },
			wantPrefix: "auth: refresh of anthropic:work failed: the token endpoint answered HTTP 429 (rate_limit_error); try again later",
			status:     429,
		},
		{
			name:       "no access token",
			setup:      func(e *refreshEnv) { e.fake.FailNext(200, `{"refresh_token":"`+refreshCanary+`"}`) },
			wantPrefix: "auth: refresh of anthropic:work failed: the token endpoint's answer holds no access token; try again later",
			status:     200,
		},
		{
			name:       "unreachable",
			setup:      func(e *refreshEnv) { e.r.TokenURL = func(string) string { return closedURL } },
			wantPrefix: `auth: refresh of anthropic:work failed: cannot reach the token endpoint: Post "` + closedURL + `": `,
			wantSuffix: "; check the network and the token endpoint (BOT_OAUTH_TOKEN_URL_ANTHROPIC)",
		},
		{
			name:       "no endpoint for the provider",
			setup:      func(e *refreshEnv) { e.r.TokenURL = nil },
			provider:   "qwen-portal",
			wantPrefix: "auth: refresh of anthropic:work failed: no token endpoint is known for provider qwen-portal; set BOT_OAUTH_TOKEN_URL_QWEN_PORTAL or config auth.oauth.qwen-portal.tokenUrl, or log in again",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := expiredOAuth(accessCanary, refreshCanary)
			if tt.provider != "" {
				c.Provider = tt.provider
			}
			e := newRefreshEnv(t, map[ProfileID]*Credential{id: c})
			e.fake.Seed(refreshCanary)
			tt.setup(e)
			_, err := e.r.Acquire(t.Context(), e.dir, id, false)
			re, ok := errors.AsType[*RefreshError](err)
			if !ok {
				t.Fatalf("Acquire error = %v (%T), want *RefreshError", err, err)
			}
			msg := err.Error()
			if tt.wantSuffix == "" && msg != tt.wantPrefix || !strings.HasPrefix(msg, tt.wantPrefix) || !strings.HasSuffix(msg, tt.wantSuffix) {
				t.Errorf("message = %s\nwant %s...%s", msg, tt.wantPrefix, tt.wantSuffix)
			}
			if re.NeedsLogin || re.Status != tt.status {
				t.Errorf("NeedsLogin, Status = %v, %d; want false, %d", re.NeedsLogin, re.Status, tt.status)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("message is not one line: %q", msg)
			}
			checkNoCanary(t, "error", msg)
			checkNoCanary(t, "log", e.logs.String())
			// The refresh token was not used up: a retry works.
			if tt.provider == "" && tt.status != 0 {
				if _, err := e.r.Acquire(t.Context(), e.dir, id, false); err != nil {
					t.Errorf("retry: %v", err)
				}
			}
		})
	}
}

func TestAcquireClaudeWriteBack(t *testing.T) {
	const claudeDoc = `{
  "claudeAiOauth": {
    "accessToken": "` + accessCanary + `",
    "refreshToken": "` + refreshCanary + `",
    "expiresAt": 1,
    "scopes": ["user:inference"],
    "subscriptionType": "max"
  },
  "mcpOAuth": {"k": "v"}
}
`
	e := newRefreshEnv(t, map[ProfileID]*Credential{ClaudeCLIProfile: expiredOAuth(accessCanary, refreshCanary)})
	e.fake.Seed(refreshCanary)
	home := claudeHome(t, []byte(claudeDoc))
	e.r.Claude = ClaudeCode{Home: home}
	if _, err := e.r.Acquire(t.Context(), e.dir, ClaudeCLIProfile, false); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(home, ".claude", ".credentials.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"claudeAiOauth": map[string]any{
			"accessToken":      fakeAccess1,
			"refreshToken":     fakeRefresh1,
			"expiresAt":        float64(t0.Add(55 * time.Minute).UnixMilli()),
			"scopes":           []any{"user:inference"},
			"subscriptionType": "max",
		},
		"mcpOAuth": map[string]any{"k": "v"},
	}
	if diff := cmp.Diff(want, parseJSON(t, b)); diff != "" {
		t.Errorf("Claude Code's file (-want +got):\n%s", diff)
	}

	t.Run("failure is not fatal", func(t *testing.T) {
		e := newRefreshEnv(t, map[ProfileID]*Credential{ClaudeCLIProfile: expiredOAuth(accessCanary, refreshCanary)})
		e.fake.Seed(refreshCanary)
		home := claudeHome(t, []byte(`{"claudeAiOauth": [`))
		e.r.Claude = ClaudeCode{Home: home}
		got, err := e.r.Acquire(t.Context(), e.dir, ClaudeCLIProfile, false)
		if err != nil || !got.Access.Equal(NewSecret(fakeAccess1)) {
			t.Fatalf("Acquire = %v, %v; want the new token", got, err)
		}
		if logs := e.logs.String(); !strings.Contains(logs, "level=WARN") || !strings.Contains(logs, "Claude Code") {
			t.Errorf("no Warn line about the write-back:\n%s", logs)
		}
		checkNoCanary(t, "log", e.logs.String())
	})
}

func TestTokenExpiry(t *testing.T) {
	tests := []struct {
		expiresIn float64
		want      time.Duration
	}{
		{3600, 55 * time.Minute},
		{28800, 8*time.Hour - 5*time.Minute},
		{0, 55 * time.Minute},  // missing: an hour assumed
		{-5, 55 * time.Minute}, // nonsense: likewise
		{601, 301 * time.Second},
		{600, 5 * time.Minute}, // short-lived: halfway
		{60, 30 * time.Second},
	}
	for _, tt := range tests {
		if got := tokenExpiry(t0, tt.expiresIn).Sub(t0); got != tt.want {
			t.Errorf("tokenExpiry(%v) = now + %v, want now + %v", tt.expiresIn, got, tt.want)
		}
	}
}

// TestAcquireOnRefresh: OnRefresh hears of each token request and its
// outcome, and of nothing else (a valid token, a second caller).
func TestAcquireOnRefresh(t *testing.T) {
	const id ProfileID = "anthropic:work"
	e := newRefreshEnv(t, map[ProfileID]*Credential{id: expiredOAuth(accessCanary, refreshCanary), "anthropic:gone": expiredOAuth("a", "unknown")})
	e.fake.Seed(refreshCanary)
	var mu sync.Mutex
	var got []string
	e.r.OnRefresh = func(provider, outcome string) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, provider+" "+outcome)
	}
	for range 2 { // the second finds a valid token
		if _, err := e.r.Acquire(t.Context(), e.dir, id, false); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.r.Acquire(t.Context(), e.dir, "anthropic:gone", false); err == nil {
		t.Fatal("Acquire of a profile whose refresh token the provider does not know succeeded")
	}
	if diff := cmp.Diff([]string{"anthropic ok", "anthropic failed"}, got); diff != "" {
		t.Errorf("OnRefresh calls (-want +got):\n%s", diff)
	}
}
