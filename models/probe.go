package models

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/models/catalog"
)

// Probe defaults (OpenClaw's models status --probe: 8 s, 2 at a time, 8
// tokens).
const (
	DefaultProbeTimeout     = 8 * time.Second
	DefaultProbeConcurrency = 2
	ProbeMaxTokens          = 8
)

// ProbePrompt is the one message a probe sends.
const ProbePrompt = "Reply with OK. Do not use tools."

// ProbeOutcome is how one probe ended.
type ProbeOutcome string

// The probe outcomes. Auth, RateLimit, Billing, Timeout and Format are the
// failure kinds of DESIGN §6 (an overloaded provider counts as rate
// limited, as the router records it); Unreachable is a provider that
// could not be reached at all (refused, DNS); Unusable is a profile the
// resolver will not hand out (expired, blank, excluded by the config) and
// NoModel a provider the catalog has no allowed model for: neither makes a
// call.
const (
	ProbeOK          ProbeOutcome = "ok"
	ProbeAuth        ProbeOutcome = "auth"
	ProbeRateLimit   ProbeOutcome = "rate_limit"
	ProbeBilling     ProbeOutcome = "billing"
	ProbeTimeout     ProbeOutcome = "timeout"
	ProbeUnreachable ProbeOutcome = "unreachable"
	ProbeFormat      ProbeOutcome = "format"
	ProbeUnknown     ProbeOutcome = "unknown"
	ProbeUnusable    ProbeOutcome = "unusable"
	ProbeNoModel     ProbeOutcome = "no_model"
)

// Failed reports an outcome that means the credential cannot be used now:
// everything but ok and rate_limit (which passes with time).
func (o ProbeOutcome) Failed() bool { return o != ProbeOK && o != ProbeRateLimit }

// ProbeOptions says what Router.Probe calls.
type ProbeOptions struct {
	// Agent is whose credentials are probed.
	Agent string
	// Catalog picks each provider's model: the default model for its
	// provider, else the provider's first allowed model.
	Catalog *catalog.Catalog
	// Providers are probed with every candidate the resolver lists for
	// them (profiles in cooldown and environment variables included).
	Providers []string
	// Profiles, when set, limits the probes to these profiles. A profile
	// of a provider not in Providers is probed too, even one the order
	// leaves out (it is asked for as a user pin is).
	Profiles []auth.ProfileID
	// Timeout bounds each probe, an OAuth refresh included
	// (DefaultProbeTimeout when 0).
	Timeout time.Duration
	// Concurrency is how many probes run at once (DefaultProbeConcurrency
	// when 0).
	Concurrency int
}

// ProbeResult is one probe.
type ProbeResult struct {
	Provider string
	// Profile is the profile probed, "" for an environment variable
	// (EnvSource).
	Profile   auth.ProfileID
	EnvSource string
	// Label names the candidate, secret-free (a profile id or "env:
	// ANTHROPIC_API_KEY").
	Label   string
	Model   string // provider/model
	Outcome ProbeOutcome
	// Latency is how long the call took (refresh included); 0 when no
	// call was made.
	Latency time.Duration
	// Status is the provider's HTTP status, 0 when none.
	Status int
	// Until is when a failed profile can be used again, as the router
	// recorded it (a rate limit's Retry-After, a cooldown); zero when it
	// was not set aside.
	Until time.Time
	// Detail is one line for people: what failed and the fix, never the
	// credential or the provider's own text.
	Detail string
	// Err is the failure, nil for ok.
	Err error
}

// Probe makes one minimal real call (ProbePrompt, ProbeMaxTokens) per
// credential through the router's own provider clients, exactly as a
// message would: an expired OAuth credential is refreshed through the
// Acquirer first (and once more on a 401 that says it expired), and the
// outcome is recorded in the usage like any call (last good on success, a
// cooldown or disable on failure). A provider that hangs ends the probe at
// opts.Timeout with ProbeTimeout. Results are sorted by provider, then in
// the resolver's order. The error is for the credentials not being
// readable at all; each probe's own failure is in its ProbeResult.
func (r *Router) Probe(ctx context.Context, opts ProbeOptions) ([]ProbeResult, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultProbeTimeout
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultProbeConcurrency
	}
	res, _, err := r.cfg.Credentials.Resolver(ctx, opts.Agent)
	if err != nil {
		return nil, fmt.Errorf("models: probe: %w", err)
	}
	now := r.cfg.Now()
	res.Now = func() time.Time { return now }

	type job struct {
		res ProbeResult
		c   auth.Candidate
	}
	var jobs []*job
	add := func(provider string, c auth.Candidate) {
		jobs = append(jobs, &job{c: c, res: ProbeResult{Provider: provider, Profile: c.ProfileID, EnvSource: c.EnvSource, Label: c.Label()}})
	}
	providers := slices.Clone(opts.Providers)
	for _, id := range opts.Profiles {
		if p := auth.NormalizeProvider(id.Provider()); !slices.Contains(providers, p) {
			providers = append(providers, p)
		}
	}
	slices.Sort(providers)
	for _, p := range slices.Compact(providers) {
		if len(opts.Profiles) > 0 {
			for _, id := range opts.Profiles {
				if auth.NormalizeProvider(id.Provider()) != p {
					continue
				}
				plan := res.Resolve(auth.Query{Provider: p, Pin: id, PinIsUser: true})
				for _, c := range plan.Candidates {
					add(p, c)
				}
				for _, c := range plan.Excluded {
					add(p, c)
				}
			}
			continue
		}
		for _, c := range res.Resolve(auth.Query{Provider: p}).Candidates {
			add(p, c)
		}
	}

	sem := make(chan struct{}, opts.Concurrency)
	var wg sync.WaitGroup
	for _, j := range jobs {
		ref, ok := probeModel(opts.Catalog, j.res.Provider)
		j.res.Model = ref.String()
		switch {
		case j.c.Excluded != "":
			j.res.Outcome, j.res.Detail = ProbeUnusable, j.c.Excluded
			continue
		case !ok:
			j.res.Outcome, j.res.Detail = ProbeNoModel, "no allowed model of "+j.res.Provider+" in the catalog (models.allow)"
			continue
		}
		p, ok := r.cfg.Providers[j.res.Provider]
		if !ok {
			j.res.Outcome, j.res.Detail = ProbeUnknown, "provider "+j.res.Provider+" is not available in this build"
			continue
		}
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				j.res.Outcome, j.res.Err, j.res.Detail = ProbeUnknown, ctx.Err(), "not probed: cancelled"
				return
			}
			defer func() { <-sem }()
			r.probeOne(ctx, p, opts, ref, j.c, &j.res)
		})
	}
	wg.Wait()
	out := make([]ProbeResult, len(jobs))
	for i, j := range jobs {
		out[i] = j.res
	}
	return out, nil
}

// ProbeCredential probes cred, a credential of p's provider that is not
// stored yet (paste-token --validate, onboarding), with the same call,
// timeout and outcomes as Router.Probe. Nothing is recorded (there is no
// profile to record it for) and nothing is refreshed. Label is "the new
// credential".
func ProbeCredential(ctx context.Context, p Provider, opts ProbeOptions, cred *auth.Credential) ProbeResult {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultProbeTimeout
	}
	res := ProbeResult{Provider: p.ID(), Label: "the new credential"}
	ref, ok := probeModel(opts.Catalog, p.ID())
	res.Model = ref.String()
	if !ok {
		res.Outcome, res.Detail = ProbeNoModel, "no allowed model of "+p.ID()+" in the catalog (models.allow)"
		return res
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	start := time.Now()
	_, err := p.Complete(ctx, probeRequest(ref), cred)
	res.Latency = time.Since(start)
	classifyProbe(&res, err, opts.Timeout, time.Now())
	return res
}

// probeRequest is the one minimal request of a probe.
func probeRequest(ref catalog.Ref) Request {
	return Request{Model: ref.Model, Messages: []Message{{Role: RoleUser, Text: ProbePrompt}}, MaxTokens: ProbeMaxTokens}
}

// probeOne runs one probe through try, the router's own call path.
func (r *Router) probeOne(ctx context.Context, p Provider, opts ProbeOptions, ref catalog.Ref, c auth.Candidate, res *ProbeResult) {
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	t := Target{Agent: opts.Agent, Ref: ref, Query: auth.Query{Provider: ref.Provider, Pin: c.ProfileID, PinIsUser: c.ProfileID != ""}}
	start := time.Now()
	_, err := r.try(ctx, p, t, c, probeRequest(ref), nil)
	res.Latency = time.Since(start)
	now := r.cfg.Now()
	if err != nil && c.ProfileID != "" {
		if u := r.cfg.Usage.ProfileUsage(c.ProfileID).UnusableUntil(); u.After(now) {
			res.Until = u
		}
	}
	classifyProbe(res, err, opts.Timeout, now)
}

// classifyProbe fills res's outcome from the error of its call (nil: ok).
func classifyProbe(res *ProbeResult, err error, timeout time.Duration, now time.Time) {
	if err == nil {
		res.Outcome = ProbeOK
		return
	}
	res.Err = err
	if re, ok := errors.AsType[*auth.RefreshError](err); ok {
		res.Outcome, res.Detail = ProbeAuth, "the login could not be renewed. "+refreshFix(re)
		return
	}
	ce, ok := errors.AsType[*CallError](err)
	if !ok {
		ce = TransportError(err)
	}
	res.Status = ce.Status
	if ce.RetryAfter > 0 && res.Until.IsZero() {
		res.Until = now.Add(min(ce.RetryAfter, MaxRetryAfter))
	}
	status := ""
	if ce.Status != 0 {
		status = fmt.Sprintf(" (HTTP %d)", ce.Status)
	}
	switch {
	case ce.ClaudeCodeOnly:
		res.Outcome, res.Detail = ProbeAuth, "Anthropic accepts this Claude subscription token only in Claude Code; use an Anthropic API key instead"
	case ce.Kind == KindAuth:
		res.Outcome, res.Detail = ProbeAuth, "the provider rejected the credential"+status+"; replace it (bot models auth paste-token --provider "+res.Provider+")"
	case ce.Kind == KindRateLimit || ce.Kind == KindOverloaded:
		res.Outcome, res.Detail = ProbeRateLimit, "rate limited"+status
	case ce.Kind == KindBilling:
		res.Outcome, res.Detail = ProbeBilling, "billing problem"+status+"; top up credits with the provider"
	case ce.Kind == KindTimeout:
		res.Outcome, res.Detail = ProbeTimeout, fmt.Sprintf("no answer within %s", timeout)
	case ce.Kind == KindFormat:
		res.Outcome, res.Detail = ProbeFormat, "the provider rejected the probe request"+status+" (model "+res.Model+")"
	case unreachable(ce):
		res.Outcome, res.Detail = ProbeUnreachable, "the provider could not be reached; check the network and the *_BASE_URL settings"
	default:
		res.Outcome, res.Detail = ProbeUnknown, "the call failed"+status
	}
}

// probeModel is the model a probe of provider calls: the default model
// when it is the provider's, else the provider's first allowed model.
func probeModel(cat *catalog.Catalog, provider string) (catalog.Ref, bool) {
	if cat == nil {
		return catalog.Ref{Provider: provider}, false
	}
	if d := cat.Default(); d.Provider == provider {
		return d, true
	}
	for _, m := range cat.Models(provider) {
		if cat.Allowed(m.Ref) {
			return m.Ref, true
		}
	}
	return catalog.Ref{Provider: provider}, false
}
