package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/botgateway/bot/internal/logkeys"
	"github.com/botgateway/bot/internal/providers"
)

// An expired OAuth profile is refreshed on use (DESIGN §6, reference §3):
// once per profile across the goroutines of a process (singleflight) and
// across processes (the store's file lock, held over the token request, with
// the store re-read inside it). A refresh token the provider rotated is never
// lost: when the new tokens cannot be saved they are kept in memory until a
// later Acquire saves them.

// Token endpoints and client ids used when the Refresher's functions give
// none (reference §3.1).
const (
	// AnthropicClientID is Claude Code's public OAuth client id, the client
	// Claude subscription logins are issued to.
	AnthropicClientID = "9d1c250a-e61b-44d9-88ed-5944d1962f5e"
)

// Timing of a refresh.
const (
	// refreshTimeout bounds one shared refresh: waiting for the lock, the
	// token request and the save. It is not tied to any caller's context.
	refreshTimeout = 30 * time.Second
	// freshMargin is how long an access token found in the store under the
	// lock must still be valid to be used instead of refreshing.
	freshMargin = time.Minute
	// expiryBuffer is taken off the provider's expires_in, as pi-ai does, so
	// a token is refreshed before the provider starts refusing it.
	expiryBuffer = 5 * time.Minute
	// assumedLifetime is the lifetime assumed for an access token whose
	// answer carries no usable expires_in.
	assumedLifetime = time.Hour
	// maxTokenResponse bounds how much of a token endpoint's answer is read.
	maxTokenResponse = 1 << 20
)

// defaultSaveWaits are the pauses before each retry of a save that failed
// after a refresh: three more attempts, 350 ms at most in all.
var defaultSaveWaits = []time.Duration{0, 50 * time.Millisecond, 300 * time.Millisecond}

// ErrProfileNotFound is matched (errors.Is) by the error of Acquire for a
// profile id the store does not hold.
var ErrProfileNotFound = errors.New("profile not found")

// ErrExpired is matched (errors.Is) by the error of Acquire for a token
// credential past its expiry; tokens are never refreshed.
var ErrExpired = errors.New("credential expired")

// errNoRefreshToken is the Err of a *RefreshError for an OAuth profile
// without a refresh token.
var errNoRefreshToken = errors.New("no refresh token is stored")

// ErrInvalidGrant is the Err of a *RefreshError whose refresh token the
// provider rejected ("invalid_grant"): the login is gone and only a new one
// helps.
var ErrInvalidGrant = errors.New("the refresh token was rejected (invalid_grant)")

// RefreshError reports a failed refresh of an OAuth profile. Its message is
// one line naming the profile, the problem and the fix, for example
//
//	auth: refresh of anthropic:claude-cli failed: the refresh token was rejected (invalid_grant); run "claude setup-token" on the gateway host
//
// It never holds a token.
type RefreshError struct {
	Profile  ProfileID
	Provider string
	// NeedsLogin reports that retrying cannot help: the refresh token was
	// rejected, or there is none. The user must log in again.
	NeedsLogin bool
	// Status is the token endpoint's HTTP status, or 0 when no answer came.
	Status int
	// Err is the problem, without the profile: ErrInvalidGrant, an HTTP
	// status, or the transport error.
	Err error

	// fix overrides the fix the message ends with.
	fix string
}

// Error returns "auth: refresh of <profile> failed: <problem>; <fix>".
func (e *RefreshError) Error() string {
	problem := "unknown error"
	if e.Err != nil {
		problem = e.Err.Error()
	}
	return "auth: refresh of " + string(e.Profile) + " failed: " + problem + "; " + e.Fix()
}

// Fix returns what the user should do, the end of the message: for a lost
// login the command that logs in again, for anything else "try again
// later" or what to check. It is a clause without a final period, for
// example `run "claude setup-token" on the gateway host`.
func (e *RefreshError) Fix() string {
	switch {
	case e.fix != "":
		return e.fix
	case e.NeedsLogin:
		return loginFix(e.Profile, e.Provider)
	default:
		return "try again later"
	}
}

// Unwrap returns Err.
func (e *RefreshError) Unwrap() error { return e.Err }

// loginFix is the fix for a profile whose login is gone.
func loginFix(id ProfileID, provider string) string {
	if id == ClaudeCLIProfile {
		return `run "claude setup-token" on the gateway host`
	}
	if provider == "" {
		provider = id.Provider()
	}
	return fmt.Sprintf("log in again (bot onboard) or paste a new token (bot models auth paste-token --provider %s --profile-id %s)", provider, id)
}

// Refresher hands out usable credentials, refreshing expired OAuth profiles
// on use. Its zero value is ready to use, with the defaults documented on
// each field.
//
// A Refresher is safe for concurrent use and must not be copied after first
// use. A process should share one: concurrent refreshes of a profile are
// merged only within one Refresher (across Refreshers and processes the
// store's file lock still makes the refresh happen once).
type Refresher struct {
	// HTTPClient sends the token requests; nil means http.DefaultClient.
	HTTPClient *http.Client
	// TokenURL returns the token endpoint of a provider (normalized id),
	// as configured by BOT_OAUTH_TOKEN_URL_<PROVIDER> or config
	// auth.oauth.<p>.tokenUrl (config.TokenURL); the caller resolves
	// those. Nil, or "" for a provider, means the provider's default
	// (internal/providers: Anthropic's for anthropic, none for others,
	// whose profiles cannot be refreshed).
	TokenURL func(provider string) string
	// ClientID returns the OAuth client id of a provider; nil, or "",
	// means AnthropicClientID for anthropic and no client_id for others.
	ClientID func(provider string) string
	// Claude is where the refreshed tokens of anthropic:claude-cli are
	// written back (ClaudeCode.WriteBack). A zero Claude (no Home) skips
	// the write-back.
	Claude ClaudeCode
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Log receives one Info line per refresh, Warn lines for degraded
	// states and an Error line when refreshed tokens could not be saved;
	// nil discards. Tokens are never logged.
	Log *slog.Logger
	// OnRefresh, when set, is called once per token request with the
	// provider and its outcome, "ok" or "failed" (the gateway's metrics).
	// It must be quick and safe for concurrent use.
	OnRefresh func(provider, outcome string)

	group singleflight.Group

	mu      sync.Mutex
	pending map[string]*pendingCred // by pendingKey

	// saveWaits overrides defaultSaveWaits (tests).
	saveWaits []time.Duration
	// testHookLoaded, when set, runs in Acquire right after the store was
	// read, before any lock is taken (tests: another process refreshes
	// then).
	testHookLoaded func()
}

// pendingCred is a refreshed credential whose save failed: used is the
// refresh token it replaced, still in the store file.
type pendingCred struct {
	cred *Credential
	used Secret
}

// Acquire returns a usable credential for the profile id of the agent whose
// agent dir is agentDir:
//
//   - an api_key or token credential as stored; a token past its expiry is
//     an error matching ErrExpired (tokens are never refreshed);
//   - an oauth credential whose access token has not expired, as stored,
//     without any network;
//   - otherwise, or when force is set (the provider refused the access
//     token), the profile is refreshed: concurrent callers share one
//     refresh, which runs under the store's file lock on a store re-read
//     inside it, so a refresh another process made meanwhile is used instead
//     of a second one. The new tokens are saved in the store and, for
//     anthropic:claude-cli, written back to Claude Code's credentials.
//
// A failed refresh is a *RefreshError; a missing profile matches
// ErrProfileNotFound; a store that cannot be read is a *StoreError; a lock
// another process held for the whole wait matches ErrLocked.
//
// Acquire may block on the lock and the token endpoint. It returns ctx.Err()
// as soon as ctx ends, but a refresh it started goes on (bounded by 30 s)
// and is saved, so no rotated refresh token is lost and other callers still
// get its result. The returned credential is the caller's own copy.
func (r *Refresher) Acquire(ctx context.Context, agentDir string, id ProfileID, force bool) (*Credential, error) {
	path := StorePath(agentDir)
	s, _, err := LoadStore(path)
	if r.testHookLoaded != nil {
		r.testHookLoaded()
	}
	now := r.now()
	if err != nil {
		// Tokens refreshed but not yet saved still serve while the
		// store cannot be read.
		if p := r.pendingFor(path, id); p != nil && accessValid(p.cred, now, 0) {
			return p.cred.Clone(), nil
		}
		return nil, err
	}
	c, p := r.current(path, id, s.Profiles[id])
	if c == nil {
		return nil, fmt.Errorf("auth: %s: %w", id, ErrProfileNotFound)
	}
	if c.Type != KindOAuth {
		return staticCredential(id, c, now)
	}
	if p == nil && !force && accessValid(c, now, 0) {
		return c.Clone(), nil
	}
	if c.Refresh.IsBlank() {
		return nil, &RefreshError{Profile: id, Provider: providerOf(id, c), NeedsLogin: true,
			Err: errNoRefreshToken}
	}
	key := path + "\x00" + string(id) + "\x00" + fingerprint(c.Refresh)
	if force {
		key += "\x00force"
	}
	seen := c.Clone()
	ch := r.group.DoChan(key, func() (any, error) {
		// Detached from the callers: one of them giving up must not
		// abort a refresh whose rotated token has to be saved.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
		defer cancel()
		return r.refresh(fctx, path, id, seen, force)
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		c := res.Val.(*Credential)
		if c.Type != KindOAuth {
			// Replaced by another kind of credential meanwhile.
			return staticCredential(id, c, r.now())
		}
		return c.Clone(), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// refresh is the shared work of Acquire for the profile id whose credential
// the callers read as seen. It runs under the store's lock and returns the
// credential to hand out.
func (r *Refresher) refresh(ctx context.Context, path string, id ProfileID, seen *Credential, force bool) (*Credential, error) {
	var (
		out       *Credential // the credential to hand out
		refreshed bool        // out came from the token endpoint
		unsaved   bool        // out is not in the store file yet
		used      Secret      // the refresh token out replaces
		pend      *pendingCred
		cur       *Credential
		reqErr    error
	)
	_, err := UpdateStore(ctx, path, func(s *Store) (bool, error) {
		cur, pend = r.current(path, id, s.Profiles[id])
		if cur == nil {
			return false, fmt.Errorf("auth: %s: %w", id, ErrProfileNotFound)
		}
		cur = cur.Clone()
		if cur.Type != KindOAuth {
			out = cur
			return false, nil
		}
		now := r.now()
		// Another process (or an earlier flight) refreshed already: use
		// its token, unless it is the very one the provider refused.
		if accessValid(cur, now, freshMargin) && !(force && cur.Access.Equal(seen.Access)) {
			out = cur
			if pend != nil {
				used, unsaved = pend.used, true
				s.Set(id, withTokens(s.Profiles[id], cur))
				return true, nil
			}
			return false, nil
		}
		if cur.Refresh.IsBlank() {
			return false, &RefreshError{Profile: id, Provider: providerOf(id, cur), NeedsLogin: true,
				Err: errNoRefreshToken}
		}
		used = cur.Refresh
		if pend != nil {
			used = pend.used // the file still holds that one
		}
		tok, err := r.requestToken(ctx, id, providerOf(id, cur), cur.Refresh)
		r.onRefresh(providerOf(id, cur), err)
		if err != nil {
			reqErr = err
			return false, err
		}
		out = tok.merge(cur, r.now())
		refreshed, unsaved = true, true
		s.Set(id, withTokens(s.Profiles[id], out))
		return true, nil
	})
	log := r.log().With(logkeys.Profile, string(id), logkeys.Provider, providerOf(id, seen))
	switch {
	case err == nil:
		if pend != nil {
			r.dropPending(path, id, pend)
		}
	case unsaved && !refreshed:
		// Tokens refreshed earlier, still pending: they stay pending,
		// and the next Acquire tries once more.
		log.Warn("oauth refresh: still cannot save the tokens refreshed earlier", logkeys.Err, err)
	case unsaved:
		// The provider has rotated the refresh token: the new one must
		// not be lost.
		log.Warn("oauth refresh: cannot save the new tokens; retrying", logkeys.Err, err)
		r.saveRetry(ctx, log, path, id, used, out)
	case reqErr != nil:
		return r.afterFailure(ctx, log, path, id, cur, force, reqErr)
	default:
		return nil, err
	}
	if refreshed {
		log.Info("oauth token refreshed", logkeys.Expires, out.Expires)
		if id == ClaudeCLIProfile && r.Claude.Home != "" {
			if err := r.Claude.WriteBack(ctx, out); err != nil {
				log.Warn("oauth refresh: cannot write the new tokens back to Claude Code", logkeys.Err, err)
			}
		}
	}
	return out, nil
}

// saveRetry saves c, the refreshed credential of id that replaced the
// refresh token used, after the first save failed: a few attempts, then c is
// kept in memory (and logged at Error) for the next Acquire to use and save.
func (r *Refresher) saveRetry(ctx context.Context, log *slog.Logger, path string, id ProfileID, used Secret, c *Credential) {
	waits := r.saveWaits
	if waits == nil {
		waits = defaultSaveWaits
	}
	var err error
	for _, w := range waits {
		if w > 0 {
			t := time.NewTimer(w)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
			}
		}
		var superseded bool
		_, err = UpdateStore(ctx, path, func(s *Store) (bool, error) {
			stored := s.Profiles[id]
			switch {
			case stored == nil || stored.Type != KindOAuth:
				superseded = true // removed or replaced meanwhile
				return false, nil
			case stored.Refresh.Equal(c.Refresh) && stored.Access.Equal(c.Access):
				return false, nil // already saved
			case stored.Refresh.Equal(used):
				s.Set(id, withTokens(stored, c))
				return true, nil
			default:
				superseded = true // a newer login was saved meanwhile
				return false, nil
			}
		})
		if err == nil {
			r.dropPendingKey(path, id)
			if superseded {
				log.Info("oauth refresh: the profile changed meanwhile; the new tokens were not saved")
			}
			return
		}
	}
	r.mu.Lock()
	if r.pending == nil {
		r.pending = map[string]*pendingCred{}
	}
	r.pending[pendingKey(path, id)] = &pendingCred{cred: c.Clone(), used: used}
	r.mu.Unlock()
	log.Error("oauth refresh: cannot save the new tokens; keeping them in memory until a later use saves them (the store file holds a refresh token that no longer works)",
		logkeys.Path, path, logkeys.Err, err)
}

// afterFailure handles a failed token request for id, whose stored
// credential was cur (reference §3.3): when someone else refreshed the
// profile meanwhile — another writer of the store, or Claude Code itself for
// anthropic:claude-cli — their token is used; otherwise err is returned.
func (r *Refresher) afterFailure(ctx context.Context, log *slog.Logger, path string, id ProfileID, cur *Credential, force bool, err error) (*Credential, error) {
	now := r.now()
	usable := func(c *Credential) bool {
		return c != nil && c.Type == KindOAuth && accessValid(c, now, 0) &&
			!(force && c.Access.Equal(cur.Access)) && !c.Refresh.Equal(cur.Refresh)
	}
	if s, _, lerr := LoadStore(path); lerr == nil {
		if c, _ := r.current(path, id, s.Profiles[id]); usable(c) {
			log.Info("oauth refresh failed, but the profile was refreshed elsewhere meanwhile; using that")
			return c.Clone(), nil
		}
	}
	var re *RefreshError
	if id != ClaudeCLIProfile || r.Claude.Home == "" || !errors.As(err, &re) || !re.NeedsLogin {
		return nil, err
	}
	// The claude CLI refreshes (and rotates) the same login on its own.
	cc, cerr := r.Claude.Read(ctx)
	if cerr != nil || !usable(cc) {
		return nil, err
	}
	if _, serr := UpdateStore(ctx, path, func(s *Store) (bool, error) {
		return MergeClaudeCode(s, cc, now), nil
	}); serr != nil {
		log.Warn("oauth refresh: cannot save Claude Code's newer login", logkeys.Err, serr)
	}
	log.Info("oauth refresh failed, but Claude Code holds a newer login; using that")
	return cc, nil
}

// current returns the credential of id to work from: stored, or the
// refreshed one still pending for it when the store holds the refresh token
// that one replaced (then p is that pending entry). A pending entry the
// store has moved past (saved, replaced or removed) is dropped.
func (r *Refresher) current(path string, id ProfileID, stored *Credential) (c *Credential, p *pendingCred) {
	p = r.pendingFor(path, id)
	if p == nil {
		return stored, nil
	}
	if stored != nil && stored.Type == KindOAuth && stored.Refresh.Equal(p.used) {
		return withTokens(stored, p.cred), p
	}
	r.dropPending(path, id, p)
	return stored, nil
}

func pendingKey(path string, id ProfileID) string { return path + "\x00" + string(id) }

func (r *Refresher) pendingFor(path string, id ProfileID) *pendingCred {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pending[pendingKey(path, id)]
}

// dropPending forgets p, if it is still the pending entry of id.
func (r *Refresher) dropPending(path string, id ProfileID, p *pendingCred) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if k := pendingKey(path, id); r.pending[k] == p {
		delete(r.pending, k)
	}
}

func (r *Refresher) dropPendingKey(path string, id ProfileID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.pending, pendingKey(path, id))
}

// tokenAnswer is a successful answer of a token endpoint.
type tokenAnswer struct {
	access    Secret
	refresh   Secret // zero when the provider did not rotate it
	expiresIn float64
}

// merge returns cur with the answer's tokens (reference §3.2: the result is
// merged over the old credential, keeping email and unknown fields).
func (a *tokenAnswer) merge(cur *Credential, now time.Time) *Credential {
	n := cur.Clone()
	n.Type = KindOAuth
	n.Access = a.access
	if !a.refresh.IsZero() {
		n.Refresh = a.refresh
	}
	n.Expires = tokenExpiry(now, a.expiresIn)
	return n
}

// tokenExpiry is the expiry stored for an access token issued at now that
// lives expiresIn seconds: 5 minutes early, or halfway for a lifetime of 10
// minutes or less; an unusable expiresIn counts as an hour.
func tokenExpiry(now time.Time, expiresIn float64) time.Time {
	life := assumedLifetime
	if expiresIn > 0 && expiresIn < 1e9 {
		life = time.Duration(expiresIn * float64(time.Second))
	}
	if life > 2*expiryBuffer {
		return now.Add(life - expiryBuffer)
	}
	return now.Add(life / 2)
}

// requestToken exchanges refresh at provider's token endpoint. Its errors
// are *RefreshError.
func (r *Refresher) requestToken(ctx context.Context, id ProfileID, provider string, refresh Secret) (*tokenAnswer, error) {
	fail := func(status int, err error, fix string) error {
		return &RefreshError{Profile: id, Provider: provider, Status: status, Err: err, fix: fix}
	}
	endpoint := r.tokenURL(provider)
	if endpoint == "" {
		return nil, fail(0, fmt.Errorf("no token endpoint is known for provider %s", provider),
			fmt.Sprintf("set %s or config auth.oauth.%s.tokenUrl, or log in again", providers.TokenURLVar(provider), provider))
	}
	endpointFix := fmt.Sprintf("check the network and the token endpoint (%s)", providers.TokenURLVar(provider))
	body, ctype := tokenRequestBody(provider, r.clientID(provider), refresh)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(body))
	if err != nil {
		return nil, fail(0, fmt.Errorf("bad token endpoint: %w", err), endpointFix)
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Accept", "application/json")
	client := r.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fail(0, fmt.Errorf("cannot reach the token endpoint: %w", err), endpointFix)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenResponse))
	if err != nil {
		return nil, fail(resp.StatusCode, fmt.Errorf("cannot read the token endpoint's answer: %w", err), "")
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		code := oauthErrorCode(b)
		if code == "invalid_grant" && resp.StatusCode >= 400 && resp.StatusCode <= 499 {
			return nil, &RefreshError{Profile: id, Provider: provider, NeedsLogin: true, Status: resp.StatusCode, Err: ErrInvalidGrant}
		}
		msg := fmt.Sprintf("the token endpoint answered HTTP %d", resp.StatusCode)
		if code != "" {
			msg += " (" + code + ")"
		}
		return nil, fail(resp.StatusCode, errors.New(msg), "")
	}
	var doc struct {
		AccessToken  string  `json:"access_token"`
		RefreshToken string  `json:"refresh_token"`
		ExpiresIn    float64 `json:"expires_in"`
	}
	// The decoder's errors never quote the document.
	if err := json.Unmarshal(b, &doc); err != nil || doc.AccessToken == "" {
		return nil, fail(resp.StatusCode, errors.New("the token endpoint's answer holds no access token"), "")
	}
	return &tokenAnswer{access: NewSecret(doc.AccessToken), refresh: NewSecret(doc.RefreshToken), expiresIn: doc.ExpiresIn}, nil
}

// tokenRequestBody returns the refresh request for provider and its content
// type: Anthropic takes JSON, other (OpenAI-style) providers a form.
func tokenRequestBody(provider, clientID string, refresh Secret) (body, contentType string) {
	rt := refresh.Reveal() // the request body is where the token must go
	if provider == "anthropic" {
		b, err := json.Marshal(struct {
			GrantType    string `json:"grant_type"`
			ClientID     string `json:"client_id,omitempty"`
			RefreshToken string `json:"refresh_token"`
		}{"refresh_token", clientID, rt})
		if err != nil {
			panic(err) // strings always marshal
		}
		return string(b), "application/json"
	}
	v := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}
	if clientID != "" {
		v.Set("client_id", clientID)
	}
	return v.Encode(), "application/x-www-form-urlencoded"
}

// oauthErrorCode returns the error code of a token endpoint's error answer
// ({"error":"invalid_grant",...} or {"error":{"type":"invalid_grant"}}), or
// "" when there is none. Only a short code of lower-case letters and "_"
// (as RFC 6749 codes are) is returned, so nothing else the endpoint echoed,
// a token least of all, reaches a message.
func oauthErrorCode(b []byte) string {
	var doc struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(b, &doc) != nil || doc.Error == nil {
		return ""
	}
	var code string
	if json.Unmarshal(doc.Error, &code) != nil {
		var obj struct {
			Type string `json:"type"`
		}
		if json.Unmarshal(doc.Error, &obj) != nil {
			return ""
		}
		code = obj.Type
	}
	if code == "" || len(code) > 40 {
		return ""
	}
	for _, c := range code {
		if (c < 'a' || c > 'z') && c != '_' {
			return ""
		}
	}
	return code
}

// fingerprint identifies a refresh token without holding it: the first 8
// bytes of its SHA-256, in hex.
func fingerprint(s Secret) string {
	sum := sha256.Sum256([]byte(s.Reveal()))
	return hex.EncodeToString(sum[:8])
}

// accessValid reports whether c's access token is set and valid for more
// than margin after now.
func accessValid(c *Credential, now time.Time, margin time.Duration) bool {
	return !c.Access.IsBlank() && now.Add(margin).Before(c.Expires)
}

// withTokens returns base (nil allowed) with the type, provider, tokens and
// expiry of c; base's email and unknown fields are kept.
func withTokens(base, c *Credential) *Credential {
	if base == nil {
		return c.Clone()
	}
	n := base.Clone()
	n.Type, n.Access, n.Refresh, n.Expires = KindOAuth, c.Access, c.Refresh, c.Expires
	if n.Provider == "" {
		n.Provider = c.Provider
	}
	return n
}

// staticCredential checks an api_key or token credential of id at now.
func staticCredential(id ProfileID, c *Credential, now time.Time) (*Credential, error) {
	switch c.Type {
	case KindAPIKey:
		if c.Key.IsBlank() {
			return nil, fmt.Errorf("auth: %s holds an empty API key; %s", id, loginFix(id, providerOf(id, c)))
		}
	case KindToken:
		if c.Token.IsBlank() {
			return nil, fmt.Errorf("auth: %s holds an empty token; %s", id, loginFix(id, providerOf(id, c)))
		}
		if !c.Expires.IsZero() && !now.Before(c.Expires) {
			return nil, &expiredError{id: id, provider: providerOf(id, c), at: c.Expires}
		}
	default:
		return nil, fmt.Errorf("auth: %s has unknown credential type %q", id, c.Type)
	}
	return c.Clone(), nil
}

// expiredError reports a token credential past its expiry.
type expiredError struct {
	id       ProfileID
	provider string
	at       time.Time
}

func (e *expiredError) Error() string {
	return fmt.Sprintf("auth: the token of %s expired at %s; %s", e.id, e.at.UTC().Format("2006-01-02 15:04 UTC"), loginFix(e.id, e.provider))
}

func (e *expiredError) Unwrap() error { return ErrExpired }

// providerOf returns c's provider (normalized), or id's when c has none.
func providerOf(id ProfileID, c *Credential) string {
	if c != nil {
		if p := NormalizeProvider(c.Provider); p != "" {
			return p
		}
	}
	return id.Provider()
}

func (r *Refresher) tokenURL(provider string) string {
	if r.TokenURL != nil {
		if u := r.TokenURL(provider); u != "" {
			return u
		}
	}
	spec, _ := providers.Lookup(provider)
	return spec.TokenURL
}

func (r *Refresher) clientID(provider string) string {
	if r.ClientID != nil {
		if id := r.ClientID(provider); id != "" {
			return id
		}
	}
	if provider == "anthropic" {
		return AnthropicClientID
	}
	return ""
}

// onRefresh reports a token request to OnRefresh.
func (r *Refresher) onRefresh(provider string, err error) {
	if r.OnRefresh == nil {
		return
	}
	outcome := "ok"
	if err != nil {
		outcome = "failed"
	}
	r.OnRefresh(provider, outcome)
}

func (r *Refresher) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Refresher) log() *slog.Logger {
	if r.Log != nil {
		return r.Log
	}
	return slog.New(slog.DiscardHandler)
}
