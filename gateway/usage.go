package gateway

import (
	"context"
	"time"

	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/sessions"
)

// Usage shows the sessions store's runtime credential usage to the
// resolver (auth.Usage) and the router (models.UsageStore), which cannot
// import sessions: the wiring's adapter between the two. Reads are served
// from the store's memory.
type Usage struct{ S *sessions.Store }

// ProfileUsage implements auth.Usage.
func (u Usage) ProfileUsage(id auth.ProfileID) auth.UsageState {
	x := u.S.ProfileUsage(string(id))
	st := auth.UsageState{
		LastUsed:          x.LastUsed,
		CooldownUntil:     x.CooldownUntil,
		DisabledUntil:     x.DisabledUntil,
		DisabledReason:    x.DisabledReason,
		LastRefreshFailed: x.LastRefreshFailed,
	}
	best := 0
	for reason, n := range x.FailureCounts {
		if n > best || (n == best && reason < st.CooldownReason) {
			st.CooldownReason, best = reason, n
		}
	}
	return st
}

// LastGood implements auth.Usage.
func (u Usage) LastGood(provider string) auth.ProfileID {
	return auth.ProfileID(u.S.LastGood(provider))
}

// NextFailure returns the failure counts of id after one more failure of
// reason.
func (u Usage) NextFailure(id auth.ProfileID, reason string, now time.Time) (int, int) {
	return u.S.ProfileUsage(string(id)).NextFailure(reason, now)
}

// usedGranularity is how stale a profile's last-used time may get before
// a success writes it again: round-robin order only needs minutes, and a
// durable write on every message would cost more than the rest of the
// gateway's work together.
const usedGranularity = time.Minute

// RecordSuccess records a successful call. When nothing but the last-used
// time would change and that time is recent, it writes nothing.
func (u Usage) RecordSuccess(ctx context.Context, provider string, id auth.ProfileID) error {
	x := u.S.ProfileUsage(string(id))
	if x.ErrorCount == 0 && x.CooldownUntil.IsZero() && x.DisabledUntil.IsZero() && !x.LastRefreshFailed &&
		u.S.LastGood(provider) == string(id) && time.Since(x.LastUsed) < usedGranularity {
		return nil
	}
	return u.S.RecordSuccess(ctx, provider, string(id))
}

// RecordFailure records a failed call and sets the profile aside until.
func (u Usage) RecordFailure(ctx context.Context, id auth.ProfileID, reason string, until time.Time) error {
	return u.S.RecordFailure(ctx, string(id), reason, until)
}

// SetRefreshFailed records whether the last OAuth refresh of id failed.
func (u Usage) SetRefreshFailed(ctx context.Context, id auth.ProfileID, failed bool) error {
	return u.S.SetRefreshFailed(ctx, string(id), failed)
}
