package models

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/internal/logkeys"
	"github.com/botgateway/bot/internal/providers"
	"github.com/botgateway/bot/internal/usermsg"
)

// UsageStore is the runtime usage the router reads before each call and
// records after it (sessions.Store, adapted). Reads come from memory.
type UsageStore interface {
	auth.Usage
	// Failures returns the consecutive failures recorded for id, in total
	// and of reason, as they will stand after one more failure of reason.
	NextFailure(id auth.ProfileID, reason string, now time.Time) (errorCount, reasonCount int)
	RecordSuccess(ctx context.Context, provider string, id auth.ProfileID) error
	RecordFailure(ctx context.Context, id auth.ProfileID, reason string, until time.Time) error
	SetRefreshFailed(ctx context.Context, id auth.ProfileID, failed bool) error
}

// Acquirer hands out a usable credential for a profile, refreshing an
// expired OAuth one (auth.Refresher). force refreshes even a credential
// that looks valid (after a 401 that says it expired).
type Acquirer interface {
	Acquire(ctx context.Context, agentDir string, id auth.ProfileID, force bool) (*auth.Credential, error)
}

// DefaultBudget is how long one message's provider calls may take in all,
// failovers included, unless RouterConfig.Budget says otherwise.
const DefaultBudget = 2 * time.Minute

// Credentials is where the router reads an agent's credentials: the
// resolver over what the agent sees now, and the directory its OAuth
// refreshes lock and write (auth.Stores).
type Credentials interface {
	Resolver(ctx context.Context, agent string) (*auth.Resolver, *auth.Opened, error)
	AgentDir(agent string) string
}

// RouterConfig configures a Router.
type RouterConfig struct {
	Providers   map[string]Provider
	Credentials Credentials
	Acquirer    Acquirer
	Usage       UsageStore
	// Budget bounds one message across all failovers (DefaultBudget when
	// 0).
	Budget time.Duration
	// Observer is told of every provider call, failover and set-aside, for
	// metrics; nil means none.
	Observer Observer
	Now      func() time.Time
	Log      *slog.Logger
}

// Observer is told of the router's events (the gateway's metrics). Its
// methods are called on the goroutine of the message being answered, so
// they must be quick and must not block; they are safe to call
// concurrently. No credential or message text reaches them.
type Observer interface {
	// Call is one provider call that ended after d: outcome is "ok", or
	// the failure's Kind ("auth", "rate_limit", "timeout", …), or
	// "canceled" when the caller gave up.
	Call(provider, outcome string, d time.Duration)
	// Failover is a call moving on to the next credential of provider
	// after one failed.
	Failover(provider string)
	// Cooldown is a profile of provider set aside for reason (the reason
	// recorded in the usage: "rate_limit", "billing", "auth_permanent", …).
	Cooldown(provider, reason string)
}

// nopObserver is the Observer of a router configured without one.
type nopObserver struct{}

func (nopObserver) Call(string, string, time.Duration) {}
func (nopObserver) Failover(string)                    {}
func (nopObserver) Cooldown(string, string)            {}

// Router picks the credential for every provider call (DESIGN §6): it asks
// the same auth.Resolver as /model status and bot models status, refreshes
// OAuth credentials on use, classifies failures, cools failed profiles down
// and fails over to the next candidate. It is the only retry loop.
type Router struct {
	cfg RouterConfig
	log *slog.Logger
}

// NewRouter validates cfg and returns a router. A duplicate provider id is
// impossible (it is a map); a missing piece is an error.
func NewRouter(cfg RouterConfig) (*Router, error) {
	if cfg.Credentials == nil || cfg.Acquirer == nil || cfg.Usage == nil {
		return nil, errors.New("models: router needs Credentials, Acquirer and Usage")
	}
	if cfg.Budget == 0 {
		cfg.Budget = DefaultBudget
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Observer == nil {
		cfg.Observer = nopObserver{}
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Router{cfg: cfg, log: log.With(logkeys.Component, "router")}, nil
}

// Attempt is one try of one candidate.
type Attempt struct {
	Candidate string // profile id or env source
	Err       error  // nil on success
}

// Result is a successful call.
type Result struct {
	Response *Response
	// Profile is the profile that answered ("" for an environment key).
	Profile   auth.ProfileID
	EnvSource string
	Attempts  []Attempt
}

// Complete calls the target's provider with the first usable candidate,
// failing over as DESIGN §6 says.
func (r *Router) Complete(ctx context.Context, t Target, req Request) (*Result, error) {
	return r.route(ctx, t, req, nil)
}

// route is Complete, and Stream when s is not nil: the candidates in the
// resolver's order, each tried until one answers. Once s has handed text to
// its caller, a failure ends the call instead (stream.go).
func (r *Router) route(ctx context.Context, t Target, req Request, s *streamer) (*Result, error) {
	p, ok := r.cfg.Providers[t.Provider]
	if !ok {
		return nil, usermsg.Errorf("Provider %s is not available in this build.", t.Provider)
	}
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Budget)
	defer cancel()
	res, _, err := r.cfg.Credentials.Resolver(ctx, t.Agent)
	if err != nil {
		return nil, usermsg.Wrap(err, "The credential store cannot be read; run bot doctor on the gateway host.")
	}
	now := r.cfg.Now()
	res.Now = func() time.Time { return now } // one instant for the whole plan
	plan := res.Resolve(t.Query)
	pinned := t.Pinned()
	if len(plan.Candidates) == 0 {
		if pinned && len(plan.Excluded) > 0 {
			return nil, usermsg.Errorf("Auth profile %s cannot be used: %s. Pick another with /model @<profile>, or unpin with /model default.", t.Query.Pin, plan.Excluded[0].Excluded)
		}
		return nil, usermsg.Errorf("No credential for %s. On the gateway host run: bot models status", t.Provider)
	}

	result := &Result{}
	var failures []failure
	var cooling []auth.Candidate
	for _, c := range plan.Candidates {
		if c.InCooldown && !pinned {
			cooling = append(cooling, c)
			continue
		}
		if len(failures) > 0 {
			r.cfg.Observer.Failover(t.Provider)
		}
		resp, err := r.try(ctx, p, t, c, req, s)
		result.Attempts = append(result.Attempts, Attempt{Candidate: c.Label(), Err: err})
		if err == nil {
			result.Response, result.Profile, result.EnvSource = resp, c.ProfileID, c.EnvSource
			return result, nil
		}
		failures = append(failures, failure{c, err})
		if s.started() {
			return r.cut(s, result, failures[len(failures)-1], now)
		}
		if ce, ok := errors.AsType[*CallError](err); ok && (ce.Kind == KindFormat || unreachable(ce)) {
			break // the request or the network, not the credential: another one will not help
		}
		if pinned || ctx.Err() != nil {
			break // a user pin is never rotated away
		}
	}
	return nil, r.explain(t, failures, cooling, now)
}

// failure is a candidate that failed, with why.
type failure struct {
	c   auth.Candidate
	err error
}

// try calls p with candidate c: acquire (refresh if needed), call (through
// s: see streamer.call), record. A 401 that says the token expired forces
// one refresh and one retry, unless text already reached the caller.
func (r *Router) try(ctx context.Context, p Provider, t Target, c auth.Candidate, req Request, s *streamer) (*Response, error) {
	cred := c.Credential
	// Only the agent's own OAuth credentials need the refresher (and its
	// file I/O).
	if c.Refreshable() {
		var err error
		cred, err = r.cfg.Acquirer.Acquire(ctx, r.cfg.Credentials.AgentDir(t.Agent), c.ProfileID, false)
		if err != nil {
			r.log.Warn("credential unavailable", logkeys.Profile, c.ProfileID, logkeys.Err, err)
			if re, ok := errors.AsType[*auth.RefreshError](err); ok {
				r.refreshFailed(ctx, t.Provider, c.ProfileID, re)
			}
			return nil, err
		}
		if c.Usage.LastRefreshFailed {
			// Usable again (refreshed, or logged in anew): status must
			// stop judging it by the refresh that failed.
			if rerr := r.cfg.Usage.SetRefreshFailed(context.WithoutCancel(ctx), c.ProfileID, false); rerr != nil {
				r.log.Warn("recording refresh state failed", logkeys.Profile, c.ProfileID, logkeys.Err, rerr)
			}
		}
	}
	req.Model = t.Model
	resp, err := r.call(ctx, s, p, t.Provider, req, cred)
	if ce, ok := errors.AsType[*CallError](err); ok && ce.TokenExpired && c.Refreshable() && !s.started() {
		r.log.Info("provider says the token expired; refreshing once", logkeys.Profile, c.ProfileID)
		if fresh, aerr := r.cfg.Acquirer.Acquire(ctx, r.cfg.Credentials.AgentDir(t.Agent), c.ProfileID, true); aerr == nil {
			resp, err = r.call(ctx, s, p, t.Provider, req, fresh)
		} else {
			r.log.Warn("forced refresh failed", logkeys.Profile, c.ProfileID, logkeys.Err, aerr)
			if re, ok := errors.AsType[*auth.RefreshError](aerr); ok {
				// The login, not the access token, is the problem: say so,
				// as when the refresh fails before the call.
				r.refreshFailed(ctx, t.Provider, c.ProfileID, re)
				return nil, aerr
			}
		}
	}
	rctx := context.WithoutCancel(ctx) // record even when the caller gave up
	if err == nil {
		if c.ProfileID != "" {
			if rerr := r.cfg.Usage.RecordSuccess(rctx, t.Provider, c.ProfileID); rerr != nil {
				r.log.Warn("recording success failed", logkeys.Profile, c.ProfileID, logkeys.Err, rerr)
			}
		}
		return resp, nil
	}
	ce, ok := errors.AsType[*CallError](err)
	if !ok {
		ce = TransportError(err)
		err = ce
	}
	if c.ProfileID != "" && ce.Kind != KindFormat && !unreachable(ce) {
		until, reason := r.setAside(c.ProfileID, ce)
		if rerr := r.cfg.Usage.RecordFailure(rctx, c.ProfileID, reason, until); rerr != nil {
			r.log.Warn("recording failure failed", logkeys.Profile, c.ProfileID, logkeys.Err, rerr)
		}
		r.cfg.Observer.Cooldown(t.Provider, reason)
		r.log.Warn("provider call failed; profile set aside", logkeys.Profile, c.ProfileID, logkeys.Kind, ce.Kind, logkeys.Status, ce.Status, logkeys.Until, until)
	}
	return nil, err
}

// refreshFailed records a failed refresh of id: the flag status shows and,
// for a login that is gone, a set-aside on the usual schedule rather than a
// token request on every message.
func (r *Router) refreshFailed(ctx context.Context, provider string, id auth.ProfileID, re *auth.RefreshError) {
	rctx := context.WithoutCancel(ctx)
	if err := r.cfg.Usage.SetRefreshFailed(rctx, id, true); err != nil {
		r.log.Warn("recording refresh state failed", logkeys.Profile, id, logkeys.Err, err)
	}
	if re.NeedsLogin {
		until, reason := r.setAside(id, &CallError{Kind: KindAuth})
		if err := r.cfg.Usage.RecordFailure(rctx, id, reason, until); err != nil {
			r.log.Warn("recording failure failed", logkeys.Profile, id, logkeys.Err, err)
		}
		r.cfg.Observer.Cooldown(provider, reason)
	}
}

// call is one provider call (s.call), timed and reported to the Observer.
func (r *Router) call(ctx context.Context, s *streamer, p Provider, provider string, req Request, cred *auth.Credential) (*Response, error) {
	start := time.Now()
	resp, err := s.call(ctx, p, req, cred)
	r.cfg.Observer.Call(provider, outcome(ctx, err), time.Since(start))
	return resp, err
}

// outcome names how a provider call ended, for the Observer.
func outcome(ctx context.Context, err error) string {
	switch {
	case err == nil:
		return "ok"
	case ctx.Err() != nil && errors.Is(err, context.Canceled):
		return "canceled"
	}
	if ce, ok := errors.AsType[*CallError](err); ok {
		return string(ce.Kind)
	}
	return string(TransportError(err).Kind)
}

// unreachable reports a call that got no answer for a reason other than
// time (refused, reset, DNS): the credential is not to blame, so it is not
// set aside, and trying another one against the same endpoint is pointless.
func unreachable(ce *CallError) bool {
	return ce.Status == 0 && ce.Kind == KindUnknown && ce.Err != nil && ce.ProviderType == ""
}

// setAside computes until when a failed profile is skipped, and the reason
// recorded: billing doubles from 5 h to 24 h, a permanent auth failure is
// 24 h, anything else follows 1, 5, 25, 60 minutes; Retry-After extends it
// up to MaxRetryAfter.
func (r *Router) setAside(id auth.ProfileID, ce *CallError) (time.Time, string) {
	now := r.cfg.Now()
	reason := string(ce.Kind)
	var d time.Duration
	switch {
	case ce.Permanent:
		reason = "auth_permanent"
		d = PermanentAuth
	case ce.Kind == KindBilling:
		_, n := r.cfg.Usage.NextFailure(id, reason, now)
		d = BillingFor(n)
	default:
		if ce.Kind == KindOverloaded {
			reason = string(KindRateLimit)
		}
		n, _ := r.cfg.Usage.NextFailure(id, reason, now)
		d = CooldownFor(n)
	}
	d = max(d, min(ce.RetryAfter, MaxRetryAfter))
	return now.Add(d), reason
}

// explain turns the failures into one reply: who, what and until when.
func (r *Router) explain(t Target, failures []failure, cooling []auth.Candidate, now time.Time) error {
	if len(failures) == 0 {
		// Every candidate was cooling down.
		until := cooling[0].Usage.UnusableUntil()
		for _, c := range cooling[1:] {
			if u := c.Usage.UnusableUntil(); u.Before(until) {
				until = u
			}
		}
		why := cooling[0].Usage.DisabledReason
		if why == "" || cooling[0].Usage.CooldownUntil.After(cooling[0].Usage.DisabledUntil) {
			why = cooling[0].Usage.CooldownReason
		}
		return usermsg.Errorf("All %s credentials are cooling down until %s (%s).", t.Provider, until.In(now.Location()).Format("15:04"), reasonText(why))
	}
	last := failures[len(failures)-1]
	var ce *CallError
	errors.As(last.err, &ce)
	var refresh *auth.RefreshError
	switch {
	case ce != nil && ce.ClaudeCodeOnly:
		return usermsg.Wrap(last.err, fmt.Sprintf("Anthropic refused %s: %s Use an Anthropic API key instead: bot models auth paste-token --provider anthropic, or set %s on the gateway host.", last.c.Label(), ClaudeCodeOnly, providers.APIKeyVar("anthropic")))
	case errors.As(last.err, &refresh):
		return usermsg.Wrap(last.err, fmt.Sprintf("The login of %s could not be renewed. %s", last.c.Label(), refreshFix(refresh)))
	case ce == nil:
		return usermsg.Wrap(last.err, fmt.Sprintf("%s could not be used. On the gateway host run: bot models status", last.c.Label()))
	}
	msg := fmt.Sprintf("%s: %s", last.c.Label(), kindText(ce))
	if len(failures) > 1 {
		var tried []string
		for _, f := range failures {
			tried = append(tried, f.c.Label())
		}
		msg = fmt.Sprintf("All %s credentials failed (tried %s). Last: %s", t.Provider, strings.Join(tried, ", "), msg)
	}
	return usermsg.Wrap(last.err, msg+r.asideText(last.c, ce, now))
}

// asideText is the sentence that says until when a failed candidate is set
// aside, "" when it is not.
func (r *Router) asideText(c auth.Candidate, ce *CallError, now time.Time) string {
	if c.ProfileID != "" && ce.Kind != KindFormat {
		if u := r.cfg.Usage.ProfileUsage(c.ProfileID).UnusableUntil(); u.After(now) {
			return fmt.Sprintf(" It is set aside until %s.", u.In(now.Location()).Format("15:04"))
		}
	}
	return ""
}

// kindText says what a failure kind means for the user.
func kindText(ce *CallError) string {
	status := ""
	if ce.Status != 0 {
		status = fmt.Sprintf(" (HTTP %d)", ce.Status)
	}
	switch ce.Kind {
	case KindAuth:
		return "the provider rejected the credential" + status + "; check it with bot models status on the gateway host."
	case KindRateLimit:
		return "rate limited" + status + "."
	case KindOverloaded:
		return "the provider is overloaded" + status + "; try again in a minute."
	case KindBilling:
		return "billing problem" + status + ": top up credits with the provider, or pin another credential with /model @<profile>."
	case KindTimeout:
		return "the provider did not answer in time" + status + "."
	case KindFormat:
		return "the provider rejected the request" + status + ": " + ce.ProviderMsg
	}
	if errors.Is(ce.Err, context.Canceled) {
		return "the call was cancelled before the provider answered (the gateway is stopping)."
	}
	if unreachable(ce) {
		return "the provider could not be reached; check the gateway host's network (and its " + "*_BASE_URL settings)."
	}
	return "the call failed" + status + "."
}

// reasonText turns a recorded reason into words.
func reasonText(reason string) string {
	switch reason {
	case "rate_limit":
		return "rate limited"
	case "billing":
		return "billing problem"
	case "auth", "auth_permanent":
		return "credential rejected"
	case "timeout":
		return "timed out"
	case "":
		return "after failures"
	}
	return reason
}

// refreshFix returns the fix of a refresh error as a sentence.
func refreshFix(e *auth.RefreshError) string {
	fix := e.Fix()
	if fix == "" {
		return "Log in again on the gateway host."
	}
	return strings.ToUpper(fix[:1]) + fix[1:] + "."
}
