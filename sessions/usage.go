package sessions

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"
)

// FailureWindow is how long failures are remembered: a failure recorded
// more than FailureWindow after the previous one restarts ErrorCount and
// FailureCounts from zero (OpenClaw's failureWindowHours default).
const FailureWindow = 24 * time.Hour

// Failure reasons that RecordFailure puts in the disabled lane
// (DisabledUntil, DisabledReason) instead of the cooldown lane. Any other
// reason the router uses ("auth", "rate_limit", "timeout", "format",
// "unknown" …) sets CooldownUntil.
const (
	ReasonBilling       = "billing"
	ReasonAuthPermanent = "auth_permanent"
)

// Usage is the runtime state of one auth profile, recorded by the router
// after provider calls (DESIGN §6; OpenClaw's usageStats). The zero Usage
// is a profile never used.
type Usage struct {
	// LastUsed is the time of the last successful call.
	LastUsed time.Time
	// CooldownUntil: the profile is skipped until then (transient failures).
	CooldownUntil time.Time
	// DisabledUntil and DisabledReason: the longer lane (billing, permanent
	// auth failures).
	DisabledUntil  time.Time
	DisabledReason string
	// ErrorCount counts consecutive failures within FailureWindow; a
	// success or ClearCooldown resets it.
	ErrorCount int
	// FailureCounts counts failures per reason within FailureWindow. It is
	// nil when there are none; the map is the caller's own copy.
	FailureCounts map[string]int
	// LastFailureAt is the time of the last failure.
	LastFailureAt time.Time
	// LastRefreshFailed reports that the last OAuth refresh of the profile
	// failed (SetRefreshFailed).
	LastRefreshFailed bool
}

// UnusableUntil returns the later of CooldownUntil and DisabledUntil: the
// profile is cooling down while now is before it.
func (u Usage) UnusableUntil() time.Time {
	if u.DisabledUntil.After(u.CooldownUntil) {
		return u.DisabledUntil
	}
	return u.CooldownUntil
}

// NextFailure returns the ErrorCount and FailureCounts[reason] that
// recording one more failure of reason at now will store: the inputs of
// the router's cooldown formula (1, 5, 25, 60 min; billing 5 h doubling),
// which it evaluates before calling RecordFailure with the result.
func (u Usage) NextFailure(reason string, now time.Time) (errorCount, reasonCount int) {
	if expired(u, now) {
		return 1, 1
	}
	return u.ErrorCount + 1, u.FailureCounts[reason] + 1
}

// expired reports whether the failure counters of u have outlived
// FailureWindow at now.
func expired(u Usage, now time.Time) bool {
	return !u.LastFailureAt.IsZero() && now.Sub(u.LastFailureAt) > FailureWindow
}

// ProfileUsage returns the usage of profile id, or the zero Usage. It is
// served from memory and does no I/O (it is called before every provider
// call).
func (s *Store) ProfileUsage(id string) Usage {
	s.umu.RLock()
	u := s.usage[id]
	s.umu.RUnlock()
	u.FailureCounts = maps.Clone(u.FailureCounts) // nil stays nil
	return u
}

// LastGood returns the profile id that last completed a call for provider,
// or "". It is served from memory.
func (s *Store) LastGood(provider string) string {
	s.umu.RLock()
	defer s.umu.RUnlock()
	return s.lastGood[provider]
}

// RecordSuccess records a successful call of provider with profileID:
// LastGood(provider) becomes profileID, and the profile's LastUsed is now,
// its error count zero, and its cooldown, disable and failure counts
// cleared. LastRefreshFailed is left as it is.
func (s *Store) RecordSuccess(ctx context.Context, provider, profileID string) error {
	err := checkName("provider", provider, maxNameLen)
	if err == nil {
		err = checkName("profile id", profileID, maxNameLen)
	}
	if err == nil {
		err = s.changeUsage(ctx, profileID, func(t tx, u *Usage, now time.Time) error {
			*u = Usage{LastUsed: now, LastFailureAt: u.LastFailureAt, LastRefreshFailed: u.LastRefreshFailed}
			_, err := t.ExecContext(ctx, qPutLastGood, provider, profileID, toMS(now))
			return err
		}, func() {
			s.lastGood[provider] = profileID
		})
	}
	if err != nil {
		return fmt.Errorf("sessions: record success: %w", err)
	}
	return nil
}

// RecordFailure records a failed call with profileID for reason: the error
// count and the reason's count go up (restarting from zero after
// FailureWindow), LastFailureAt becomes now, and the profile is unusable
// until until, which the router computed (see NextFailure): DisabledUntil
// and DisabledReason for ReasonBilling and ReasonAuthPermanent,
// CooldownUntil for any other reason. A cooldown or disable already in
// force is never shortened. The whole read-modify-write is one
// transaction, so failures recorded by several processes all count.
func (s *Store) RecordFailure(ctx context.Context, profileID, reason string, until time.Time) error {
	err := checkName("profile id", profileID, maxNameLen)
	if err == nil {
		err = checkReason(reason)
	}
	if err == nil {
		until = fromMS(toMS(until))
		err = s.changeUsage(ctx, profileID, func(_ tx, u *Usage, now time.Time) error {
			if expired(*u, now) {
				u.ErrorCount, u.FailureCounts = 0, nil
			}
			u.ErrorCount++
			if u.FailureCounts == nil {
				u.FailureCounts = map[string]int{}
			}
			u.FailureCounts[reason]++
			u.LastFailureAt = now
			switch reason {
			case ReasonBilling, ReasonAuthPermanent:
				if until.After(u.DisabledUntil) {
					u.DisabledUntil, u.DisabledReason = until, reason
				}
			default:
				if until.After(u.CooldownUntil) {
					u.CooldownUntil = until
				}
			}
			return nil
		}, nil)
	}
	if err != nil {
		return fmt.Errorf("sessions: record failure: %w", err)
	}
	return nil
}

// ClearCooldown ends the profile's cooldown and resets its error count;
// a disable and the per-reason counts are left as they are (OpenClaw's
// clearAuthProfileCooldown).
func (s *Store) ClearCooldown(ctx context.Context, profileID string) error {
	err := checkName("profile id", profileID, maxNameLen)
	if err == nil {
		err = s.changeUsage(ctx, profileID, func(_ tx, u *Usage, _ time.Time) error {
			u.CooldownUntil, u.ErrorCount = time.Time{}, 0
			return nil
		}, nil)
	}
	if err != nil {
		return fmt.Errorf("sessions: clear cooldown: %w", err)
	}
	return nil
}

// SetRefreshFailed records whether the last OAuth refresh of profileID
// failed (true) or succeeded (false).
func (s *Store) SetRefreshFailed(ctx context.Context, profileID string, failed bool) error {
	err := checkName("profile id", profileID, maxNameLen)
	if err == nil {
		err = s.changeUsage(ctx, profileID, func(_ tx, u *Usage, _ time.Time) error {
			u.LastRefreshFailed = failed
			return nil
		}, nil)
	}
	if err != nil {
		return fmt.Errorf("sessions: set refresh failed: %w", err)
	}
	return nil
}

// ResetUsage forgets everything recorded about profileID, disables
// included, and drops it from LastGood (for a profile that was removed or
// logged in again).
func (s *Store) ResetUsage(ctx context.Context, profileID string) error {
	err := checkName("profile id", profileID, maxNameLen)
	if err == nil {
		err = s.write(ctx, nil, func(t tx) (func(), error) {
			if _, err := t.ExecContext(ctx, qDeleteUsage, profileID); err != nil {
				return nil, err
			}
			if _, err := t.ExecContext(ctx, qDeleteLastGood, profileID); err != nil {
				return nil, err
			}
			return func() {
				s.umu.Lock()
				defer s.umu.Unlock()
				delete(s.usage, profileID)
				maps.DeleteFunc(s.lastGood, func(_, id string) bool { return id == profileID })
			}, nil
		})
	}
	if err != nil {
		return fmt.Errorf("sessions: reset usage: %w", err)
	}
	return nil
}

// changeUsage reads the profile's row inside a write transaction, lets
// change modify it, writes it back and, after the commit, publishes it to
// memory (and runs also, under the usage lock).
func (s *Store) changeUsage(ctx context.Context, id string, change func(t tx, u *Usage, now time.Time) error, also func()) error {
	return s.write(ctx, nil, func(t tx) (func(), error) {
		u, err := s.changeUsageTx(ctx, t, id, change)
		if err != nil {
			return nil, err
		}
		return func() {
			s.umu.Lock()
			defer s.umu.Unlock()
			s.usage[id] = u
			if also != nil {
				also()
			}
		}, nil
	})
}

// changeUsageTx is changeUsage's read-modify-write of one row inside t; it
// returns the row as written.
func (s *Store) changeUsageTx(ctx context.Context, t tx, id string, change func(t tx, u *Usage, now time.Time) error) (Usage, error) {
	now := fromMS(toMS(s.now()))
	u, err := scanUsage(t.QueryRowContext(ctx, qUsage, id))
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Usage{}, err
	}
	if err := change(t, &u, now); err != nil {
		return Usage{}, err
	}
	counts, err := json.Marshal(u.FailureCounts)
	if err != nil {
		return Usage{}, err
	}
	if len(u.FailureCounts) == 0 {
		counts, u.FailureCounts = []byte("{}"), nil
	}
	if _, err := t.ExecContext(ctx, qPutUsage,
		id, toMS(u.LastUsed), toMS(u.CooldownUntil), toMS(u.DisabledUntil), u.DisabledReason,
		u.ErrorCount, string(counts), toMS(u.LastFailureAt), u.LastRefreshFailed); err != nil {
		return Usage{}, err
	}
	return u, nil
}

// SetAside returns the ids of the profiles cooling down or disabled now,
// sorted. It reads memory (as loaded when the store opened, or refreshed
// since).
func (s *Store) SetAside() []string {
	now := s.now()
	s.umu.RLock()
	defer s.umu.RUnlock()
	var ids []string
	for id, u := range s.usage {
		if u.UnusableUntil().After(now) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// ClearSetAside ends the cooldown and the disable of each profile of ids
// and resets its error counts, so a next failure starts the schedule
// again; last used, last failure and the refresh flag stay. All in one
// transaction: either every profile is cleared or none. It returns the ids
// that were set aside at the time. Another process's Store sees the change
// at its next cross-process check (Options.Recheck).
func (s *Store) ClearSetAside(ctx context.Context, ids ...string) ([]string, error) {
	for _, id := range ids {
		if err := checkName("profile id", id, maxNameLen); err != nil {
			return nil, fmt.Errorf("sessions: clear set-aside: %w", err)
		}
	}
	var cleared []string
	err := s.write(ctx, nil, func(t tx) (func(), error) {
		cleared = cleared[:0]
		done := map[string]Usage{}
		for _, id := range ids {
			var was bool
			u, err := s.changeUsageTx(ctx, t, id, func(_ tx, u *Usage, now time.Time) error {
				was = u.UnusableUntil().After(now)
				u.CooldownUntil, u.DisabledUntil, u.DisabledReason = time.Time{}, time.Time{}, ""
				u.ErrorCount, u.FailureCounts = 0, nil
				return nil
			})
			if err != nil {
				return nil, err
			}
			done[id] = u
			if was {
				cleared = append(cleared, id)
			}
		}
		return func() {
			s.umu.Lock()
			defer s.umu.Unlock()
			maps.Copy(s.usage, done)
		}, nil
	})
	if err != nil {
		return nil, fmt.Errorf("sessions: clear set-aside: %w", err)
	}
	return cleared, nil
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// scanUsage reads the usageCols of one row, then the extra columns.
func scanUsage(row scanner, extra ...any) (Usage, error) {
	var u Usage
	var used, cool, disabled, lastFail int64
	var counts string
	dest := append([]any{&used, &cool, &disabled, &u.DisabledReason,
		&u.ErrorCount, &counts, &lastFail, &u.LastRefreshFailed}, extra...)
	if err := row.Scan(dest...); err != nil {
		return Usage{}, err
	}
	u.LastUsed, u.CooldownUntil = fromMS(used), fromMS(cool)
	u.DisabledUntil, u.LastFailureAt = fromMS(disabled), fromMS(lastFail)
	if err := json.Unmarshal([]byte(counts), &u.FailureCounts); err != nil {
		return Usage{}, fmt.Errorf("failure_counts: %w", err)
	}
	if len(u.FailureCounts) == 0 {
		u.FailureCounts = nil
	}
	return u, nil
}

// loadUsage replaces the in-memory usage and last-good maps with the
// database's.
func (s *Store) loadUsage(ctx context.Context) error {
	usage := make(map[string]Usage)
	rows, err := s.wdb.QueryContext(ctx, `SELECT `+usageCols+`, profile_id FROM profile_usage`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		u, err := scanUsage(rows, &id)
		if err != nil {
			return fmt.Errorf("profile %q: %w", id, err)
		}
		usage[id] = u
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return err
	}

	lastGood := make(map[string]string)
	rows, err = s.wdb.QueryContext(ctx, `SELECT provider, profile_id FROM last_good`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var p, id string
		if err := rows.Scan(&p, &id); err != nil {
			return err
		}
		lastGood[p] = id
	}
	if err := rows.Err(); err != nil {
		return err
	}

	s.umu.Lock()
	s.usage, s.lastGood = usage, lastGood
	s.umu.Unlock()
	return nil
}

// checkReason accepts a short lower-case reason such as "rate_limit".
func checkReason(r string) error {
	if r == "" || len(r) > 32 {
		return fmt.Errorf("failure reason %q: want 1 to 32 characters: %w", r, ErrInvalid)
	}
	for _, c := range []byte(r) {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return fmt.Errorf("failure reason %q: want lower-case letters, digits and _: %w", r, ErrInvalid)
		}
	}
	return nil
}
