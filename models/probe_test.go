package models_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/config"
	"github.com/botgateway/bot/internal/fakes"
	"github.com/botgateway/bot/models"
	"github.com/botgateway/bot/models/anthropic"
	"github.com/botgateway/bot/models/catalog"
)

// probeCatalog is the built-in catalog (default anthropic/claude-sonnet-4-5).
func probeCatalog(t *testing.T) *catalog.Catalog {
	t.Helper()
	cat, err := catalog.New(&config.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// probeRow is what a test checks of a ProbeResult.
type probeRow struct {
	Label   string
	Model   string
	Outcome models.ProbeOutcome
	Status  int
	Until   time.Time
}

func rows(rs []models.ProbeResult) []probeRow {
	var out []probeRow
	for _, r := range rs {
		out = append(out, probeRow{r.Label, r.Model, r.Outcome, r.Status, r.Until})
	}
	return out
}

// TestProbe probes each credential once through the router's clients,
// against the loopback fake: ok, 401, 429 with Retry-After, a hang, and
// records each outcome as any call.
func TestProbe(t *testing.T) {
	t.Parallel()
	const (
		keyBad  = "sk-ant-api03-badd-0123456789abcdef"
		keyHang = "sk-ant-api03-hang-0123456789abcdef"
		bad     = auth.ProfileID("anthropic:bad")
		hang    = auth.ProfileID("anthropic:hang")
		oa      = auth.ProfileID("openai:default")
	)
	r := newRig(t, rigConfig{store: storeJSON(apiKey(work, keyWork), apiKey(home, keyHome), apiKey(bad, keyBad), apiKey(hang, keyHang), apiKey(oa, keyOA))})
	r.anthropic.Allow(keyWork)
	r.anthropic.Always(keyHome, fakes.RateLimited(120))
	r.anthropic.Always(keyHang, fakes.Slow(time.Hour))
	r.openai.Allow(keyOA)
	// keyBad is unknown to the fake: 401.

	res, err := r.router.Probe(t.Context(), models.ProbeOptions{
		Agent: "main", Catalog: probeCatalog(t), Providers: []string{"openai", "anthropic"},
		Timeout: 200 * time.Millisecond, Concurrency: 4,
	})
	if err != nil {
		t.Fatal(err)
	}
	sonnet, gpt := "anthropic/claude-sonnet-4-5", "openai/"+probeCatalog(t).Models("openai")[0].Ref.Model
	want := []probeRow{
		{"anthropic:work", sonnet, models.ProbeOK, 0, time.Time{}},
		{"anthropic:home", sonnet, models.ProbeRateLimit, 429, t0.Add(2 * time.Minute)},
		{"anthropic:bad", sonnet, models.ProbeAuth, 401, t0.Add(time.Minute)},
		{"anthropic:hang", sonnet, models.ProbeTimeout, 0, t0.Add(time.Minute)},
		{"openai:default", gpt, models.ProbeOK, 0, time.Time{}},
	}
	if diff := cmp.Diff(want, rows(res)); diff != "" {
		t.Errorf("probes (-want +got):\n%s", diff)
	}
	// Recorded like any call: the failures set aside, the success last good.
	if got := r.aside(home).CooldownUntil; !got.Equal(t0.Add(2 * time.Minute)) {
		t.Errorf("anthropic:home cooldown until %v, want Retry-After (2m)", got)
	}
	if got := r.aside(hang).Failures["timeout"]; got != 1 {
		t.Errorf("anthropic:hang timeouts = %d, want 1", got)
	}
	if got := r.sessions.LastGood("anthropic"); got != string(work) {
		t.Errorf("last good = %q, want %s", got, work)
	}
	// One minimal call each: the probe prompt, nothing else.
	for _, c := range r.anthropic.Calls() {
		if c.Prompt != models.ProbePrompt || c.MaxTokens != models.ProbeMaxTokens || c.Messages != 1 {
			t.Errorf("probe sent %q (%d messages, max %d tokens), want the probe prompt alone", c.Prompt, c.Messages, c.MaxTokens)
		}
	}
	for _, p := range res {
		line := fmt.Sprintf("%s %v %v", p.Detail, p.Err, p)
		for _, k := range []string{keyWork, keyHome, keyBad, keyHang, keyOA} {
			if strings.Contains(line, k) {
				t.Errorf("probe result of %s holds a credential: %s", p.Label, line)
			}
		}
	}
}

// TestProbeFilters probes only the profiles asked for, one the order
// leaves out included, and reports one it cannot use without a call.
func TestProbeFilters(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigConfig{store: storeJSON(apiKey(work, keyWork), apiKey(home, keyHome),
		`"anthropic:blank":{"type":"api_key","provider":"anthropic","key":" "}`)})
	r.anthropic.Allow(keyHome)
	res, err := r.router.Probe(t.Context(), models.ProbeOptions{
		Agent: "main", Catalog: probeCatalog(t), Profiles: []auth.ProfileID{home, "anthropic:blank"},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := rows(res)
	want := []probeRow{
		{"anthropic:home", "anthropic/claude-sonnet-4-5", models.ProbeOK, 0, time.Time{}},
		{"anthropic:blank", "anthropic/claude-sonnet-4-5", models.ProbeUnusable, 0, time.Time{}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("probes (-want +got):\n%s", diff)
	}
	if n := len(r.anthropic.Calls()); n != 1 {
		t.Errorf("%d calls, want 1", n)
	}
}

// TestProbeRefreshesOAuth refreshes an expired OAuth login through the
// router's Acquirer before its probe, and reports a refresh the provider
// refuses as an auth failure with the fix.
func TestProbeRefreshesOAuth(t *testing.T) {
	t.Parallel()
	t.Run("refreshed", func(t *testing.T) {
		t.Parallel()
		r := newRig(t, rigConfig{store: storeJSON(oauth(me, "access-old", "refresh-1", t0.Add(-time.Hour)))})
		r.oauth.Seed("refresh-1")
		r.anthropic.Allow("fake-oauth-access-000001")
		res, err := r.router.Probe(t.Context(), models.ProbeOptions{Agent: "main", Catalog: probeCatalog(t), Providers: []string{"anthropic"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(res) != 1 || res[0].Outcome != models.ProbeOK {
			t.Fatalf("probes = %+v, want one ok", res)
		}
		if n := r.oauth.Refreshes(); n != 1 {
			t.Errorf("%d refreshes, want 1", n)
		}
		if c := r.loadStore().Profiles[me]; c == nil || !c.Refresh.Equal(auth.NewSecret("fake-oauth-refresh-000001")) {
			t.Errorf("the rotated refresh token was not saved")
		}
	})
	t.Run("refresh refused", func(t *testing.T) {
		t.Parallel()
		r := newRig(t, rigConfig{store: storeJSON(oauth(me, "access-old", "refresh-gone", t0.Add(-time.Hour)))})
		res, err := r.router.Probe(t.Context(), models.ProbeOptions{Agent: "main", Catalog: probeCatalog(t), Providers: []string{"anthropic"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(res) != 1 || res[0].Outcome != models.ProbeAuth || !strings.HasPrefix(res[0].Detail, "the login could not be renewed.") {
			t.Fatalf("probes = %+v, want one auth failure saying the login could not be renewed", res)
		}
		if !r.aside(me).RefreshFailed {
			t.Errorf("the failed refresh was not recorded")
		}
		if n := len(r.anthropic.Calls()); n != 0 {
			t.Errorf("%d provider calls, want none", n)
		}
	})
}

// TestProbeUnreachable reports a provider nobody answers for as
// unreachable, and sets no credential aside.
func TestProbeUnreachable(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigConfig{anthropicURL: closedURL(t)})
	res, err := r.router.Probe(t.Context(), models.ProbeOptions{Agent: "main", Catalog: probeCatalog(t), Providers: []string{"anthropic"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range res {
		if p.Outcome != models.ProbeUnreachable {
			t.Errorf("%s: %s, want unreachable", p.Label, p.Outcome)
		}
		if diff := cmp.Diff(aside{}, r.aside(p.Profile)); diff != "" {
			t.Errorf("recorded for %s (-want +got):\n%s", p.Profile, diff)
		}
	}
	if len(res) != 2 {
		t.Errorf("%d probes, want 2", len(res))
	}
}

// TestProbeCredential probes a credential that is not stored: the same
// outcomes, through a provider client alone.
func TestProbeCredential(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigConfig{})
	r.anthropic.Allow(keyEnv)
	for _, tc := range []struct {
		key  string
		want models.ProbeOutcome
	}{
		{keyEnv, models.ProbeOK},
		{"sk-ant-api03-nope-0123456789abcdef", models.ProbeAuth},
	} {
		t.Run(string(tc.want), func(t *testing.T) {
			cred := &auth.Credential{Provider: "anthropic", Type: auth.KindAPIKey, Key: auth.NewSecret(tc.key)}
			p := anthropic.New(anthropic.Config{BaseURL: r.anthropic.URL(), HTTPClient: r.anthropic.Client()})
			res := models.ProbeCredential(t.Context(), p, models.ProbeOptions{Catalog: probeCatalog(t)}, cred)
			if res.Outcome != tc.want {
				t.Errorf("outcome %s (%s), want %s", res.Outcome, res.Detail, tc.want)
			}
			if strings.Contains(fmt.Sprint(res.Detail, res.Err), tc.key) {
				t.Errorf("the result holds the key")
			}
		})
	}
}
