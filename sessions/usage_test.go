package sessions

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

const profile = "anthropic:work"

// TestUsage runs sequences of usage calls and checks the result in memory
// and, after a fresh Open, on disk.
func TestUsage(t *testing.T) {
	type call func(ctx context.Context, s *Store, c *clock) error
	fail := func(reason string, until time.Duration) call {
		return func(ctx context.Context, s *Store, c *clock) error {
			return s.RecordFailure(ctx, profile, reason, c.Now().Add(until))
		}
	}
	advance := func(d time.Duration) call {
		return func(_ context.Context, _ *Store, c *clock) error { c.Advance(d); return nil }
	}
	success := func(ctx context.Context, s *Store, _ *clock) error {
		return s.RecordSuccess(ctx, "anthropic", profile)
	}
	clearCooldown := func(ctx context.Context, s *Store, _ *clock) error { return s.ClearCooldown(ctx, profile) }
	refresh := func(failed bool) call {
		return func(ctx context.Context, s *Store, _ *clock) error { return s.SetRefreshFailed(ctx, profile, failed) }
	}
	reset := func(ctx context.Context, s *Store, _ *clock) error { return s.ResetUsage(ctx, profile) }

	tests := []struct {
		name     string
		calls    []call
		want     Usage
		lastGood string
	}{
		{
			name: "never used",
		},
		{
			name:  "one rate limit",
			calls: []call{fail("rate_limit", time.Minute)},
			want: Usage{ErrorCount: 1, FailureCounts: map[string]int{"rate_limit": 1},
				LastFailureAt: t0, CooldownUntil: t0.Add(time.Minute)},
		},
		{
			name:  "failures add up",
			calls: []call{fail("rate_limit", time.Minute), advance(2 * time.Minute), fail("timeout", 5*time.Minute)},
			want: Usage{ErrorCount: 2, FailureCounts: map[string]int{"rate_limit": 1, "timeout": 1},
				LastFailureAt: t0.Add(2 * time.Minute), CooldownUntil: t0.Add(7 * time.Minute)},
		},
		{
			name:  "a cooldown in force is not shortened",
			calls: []call{fail("rate_limit", time.Hour), fail("rate_limit", time.Minute)},
			want: Usage{ErrorCount: 2, FailureCounts: map[string]int{"rate_limit": 2},
				LastFailureAt: t0, CooldownUntil: t0.Add(time.Hour)},
		},
		{
			name:  "counters restart after the failure window",
			calls: []call{fail("rate_limit", time.Minute), fail("rate_limit", time.Minute), advance(FailureWindow + time.Second), fail("auth", time.Minute)},
			want: Usage{ErrorCount: 1, FailureCounts: map[string]int{"auth": 1},
				LastFailureAt: t0.Add(FailureWindow + time.Second), CooldownUntil: t0.Add(FailureWindow + time.Second + time.Minute)},
		},
		{
			name:  "billing disables",
			calls: []call{fail("billing", 5*time.Hour)},
			want: Usage{ErrorCount: 1, FailureCounts: map[string]int{"billing": 1},
				LastFailureAt: t0, DisabledUntil: t0.Add(5 * time.Hour), DisabledReason: "billing"},
		},
		{
			name:  "a permanent auth failure disables",
			calls: []call{fail("auth_permanent", 24*time.Hour)},
			want: Usage{ErrorCount: 1, FailureCounts: map[string]int{"auth_permanent": 1},
				LastFailureAt: t0, DisabledUntil: t0.Add(24 * time.Hour), DisabledReason: "auth_permanent"},
		},
		{
			name:     "success clears everything but the last failure time",
			calls:    []call{fail("billing", 5*time.Hour), fail("rate_limit", time.Minute), refresh(true), advance(time.Minute), success},
			want:     Usage{LastUsed: t0.Add(time.Minute), LastFailureAt: t0, LastRefreshFailed: true},
			lastGood: profile,
		},
		{
			name:  "ClearCooldown keeps the disable and the counts",
			calls: []call{fail("billing", 5*time.Hour), fail("rate_limit", time.Minute), clearCooldown},
			want: Usage{FailureCounts: map[string]int{"billing": 1, "rate_limit": 1},
				LastFailureAt: t0, DisabledUntil: t0.Add(5 * time.Hour), DisabledReason: "billing"},
		},
		{
			name:  "refresh failed, then succeeded",
			calls: []call{refresh(true), refresh(false)},
			want:  Usage{},
		},
		{
			name:  "ResetUsage forgets the profile",
			calls: []call{fail("billing", 5*time.Hour), success, reset},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClock()
			s := newStore(t, c, Options{})
			for i, call := range tt.calls {
				if err := call(t.Context(), s, c); err != nil {
					t.Fatalf("call %d: %v", i, err)
				}
			}
			check := func(t *testing.T, s *Store) {
				if diff := cmp.Diff(tt.want, s.ProfileUsage(profile)); diff != "" {
					t.Errorf("ProfileUsage (-want +got):\n%s", diff)
				}
				if got := s.LastGood("anthropic"); got != tt.lastGood {
					t.Errorf("LastGood = %q, want %q", got, tt.lastGood)
				}
			}
			t.Run("memory", func(t *testing.T) { check(t, s) })
			t.Run("disk", func(t *testing.T) { check(t, openAt(t, s.Path(), nil, Options{})) })
		})
	}
}

// TestNextFailure checks the counts handed to the router's formula.
func TestNextFailure(t *testing.T) {
	u := Usage{ErrorCount: 2, FailureCounts: map[string]int{"billing": 1}, LastFailureAt: t0}
	tests := []struct {
		name                  string
		reason                string
		now                   time.Time
		wantErrors, wantCount int
	}{
		{"within the window", "billing", t0.Add(time.Hour), 3, 2},
		{"new reason", "timeout", t0.Add(time.Hour), 3, 1},
		{"after the window", "billing", t0.Add(FailureWindow + time.Millisecond), 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, c := u.NextFailure(tt.reason, tt.now)
			if e != tt.wantErrors || c != tt.wantCount {
				t.Errorf("NextFailure = %d, %d; want %d, %d", e, c, tt.wantErrors, tt.wantCount)
			}
		})
	}
	if e, c := (Usage{}).NextFailure("auth", t0); e != 1 || c != 1 {
		t.Errorf("zero Usage: NextFailure = %d, %d; want 1, 1", e, c)
	}
}

// TestProfileUsageIsACopy checks that a caller cannot change the store's
// memory through the returned map.
func TestProfileUsageIsACopy(t *testing.T) {
	s := newStore(t, nil, Options{})
	if err := s.RecordFailure(t.Context(), profile, "timeout", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	s.ProfileUsage(profile).FailureCounts["timeout"] = 99
	if got := s.ProfileUsage(profile).FailureCounts["timeout"]; got != 1 {
		t.Errorf("FailureCounts[timeout] = %d after a caller changed its copy", got)
	}
}

// TestUnusableUntil checks the later of the two lanes wins.
func TestUnusableUntil(t *testing.T) {
	u := Usage{CooldownUntil: t0.Add(time.Minute), DisabledUntil: t0.Add(time.Hour)}
	if got := u.UnusableUntil(); !got.Equal(t0.Add(time.Hour)) {
		t.Errorf("UnusableUntil = %v", got)
	}
	u.DisabledUntil = time.Time{}
	if got := u.UnusableUntil(); !got.Equal(t0.Add(time.Minute)) {
		t.Errorf("UnusableUntil = %v", got)
	}
}

// TestClearSetAside clears cooldowns and disables from another Store (as
// bot models cooldown clear does beside a running gateway): in one
// transaction, seen by the gateway's Store at its next recheck, and a
// failure the gateway records afterwards starts the schedule again.
func TestClearSetAside(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sessions.db")
	cg, cc := newClock(), newClock()
	gw := openAt(t, path, cg, Options{Recheck: time.Second})
	ctx := t.Context()
	const other, idle = "openai:default", "anthropic:idle"
	if err := gw.RecordFailure(ctx, profile, "rate_limit", t0.Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := gw.RecordFailure(ctx, other, ReasonBilling, t0.Add(5*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := gw.RecordSuccess(ctx, "anthropic", idle); err != nil {
		t.Fatal(err)
	}
	cli := openAt(t, path, cc, Options{})
	if diff := cmp.Diff([]string{profile, other}, cli.SetAside(), cmpSorted); diff != "" {
		t.Errorf("SetAside (-want +got):\n%s", diff)
	}
	cleared, err := cli.ClearSetAside(ctx, profile, other, idle)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{profile, other}, cleared); diff != "" {
		t.Errorf("cleared (-want +got):\n%s", diff)
	}
	if got := cli.SetAside(); len(got) != 0 {
		t.Errorf("after clear, SetAside = %v", got)
	}
	// The gateway's Store sees it after its recheck interval, on its next
	// session read (every message reads its session first).
	cg.Advance(time.Second)
	if _, _, err := gw.Get(ctx, agent, key); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{profile, other} {
		u := gw.ProfileUsage(id)
		if !u.UnusableUntil().IsZero() || u.ErrorCount != 0 {
			t.Errorf("%s in the gateway after the clear: %+v", id, u)
		}
	}
	if got := gw.ProfileUsage(idle).LastUsed; !got.Equal(t0) {
		t.Errorf("last used of %s = %v, want it kept", idle, got)
	}
	if n, _ := gw.ProfileUsage(profile).NextFailure("rate_limit", cg.Now()); n != 1 {
		t.Errorf("next failure count %d, want 1 (the schedule starts again)", n)
	}
	// An id the schema refuses fails the whole call, nothing changed.
	if err := gw.RecordFailure(ctx, profile, "rate_limit", cg.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.ClearSetAside(ctx, profile, ""); err == nil {
		t.Error("ClearSetAside with an empty id succeeded")
	}
	if u := gw.ProfileUsage(profile); u.CooldownUntil.IsZero() {
		t.Error("a refused clear changed the usage")
	}
}

var cmpSorted = cmpopts.SortSlices(func(a, b string) bool { return a < b })
