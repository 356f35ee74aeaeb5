package auth

import (
	"strconv"
	"time"
)

// Status is the health of a credential, or the rolled-up health of a
// provider's credentials, as shown by "bot models status", doctor and
// /model status.
type Status string

// The health statuses.
const (
	// StatusOK: usable, and not expiring within ExpiryWarn (or renewed
	// automatically).
	StatusOK Status = "ok"
	// StatusExpiring: usable now, but expires within ExpiryWarn and will
	// not be renewed automatically.
	StatusExpiring Status = "expiring"
	// StatusRefreshable: an OAuth access token that has expired but is
	// renewed with its refresh token on next use.
	StatusRefreshable Status = "refreshable"
	// StatusExpired: expired and cannot be renewed.
	StatusExpired Status = "expired"
	// StatusStatic: never expires (an API key, a token without expiry).
	StatusStatic Status = "static"
	// StatusMissing: no credential, or one without a secret.
	StatusMissing Status = "missing"
)

// ExpiryWarn is how long before expiry a credential that is not renewed
// automatically counts as expiring ("models status --check" exits 2).
const ExpiryWarn = 24 * time.Hour

// ProfileHealth is the health of one credential at a given time.
type ProfileHealth struct {
	Status Status
	// ExpiresAt is the credential's expiry (for OAuth, the access token's);
	// zero when it has none.
	ExpiresAt time.Time
	// Remaining is ExpiresAt minus the time of the check: negative once
	// expired, zero when there is no expiry.
	Remaining time.Duration
}

// CredentialHealth classifies c at now (DESIGN §4, which wins over the
// reference where they differ):
//
//   - nil, or no secret at all (empty or only white space): missing;
//   - api_key: static;
//   - token: static without expiry, else expired at or after it, expiring
//     within ExpiryWarn of it, ok before that;
//   - oauth whose access token has expired (or is empty, or has no expiry):
//     refreshable when it holds a refresh token, unless lastRefreshFailed,
//     which makes it expired; expired without a refresh token;
//   - oauth with a valid access token and a refresh token: ok, however soon
//     the access token expires. OAuth access tokens typically live for
//     hours and are renewed on use, so warning about them would keep
//     "models status --check" at exit 2 for a perfectly healthy login. When
//     lastRefreshFailed, the refresh token is not trusted and the profile is
//     judged like one without a refresh token;
//   - oauth with a valid access token and no usable refresh token: expiring
//     within ExpiryWarn of its expiry, else ok.
//
// lastRefreshFailed reports whether the last attempt to refresh c failed; it
// only matters for oauth credentials.
func CredentialHealth(c *Credential, now time.Time, lastRefreshFailed bool) ProfileHealth {
	if c == nil {
		return ProfileHealth{Status: StatusMissing}
	}
	h := ProfileHealth{ExpiresAt: c.Expires}
	if !c.Expires.IsZero() {
		h.Remaining = c.Expires.Sub(now)
	}
	expiring := func() Status {
		switch {
		case h.Remaining <= 0:
			return StatusExpired
		case h.Remaining <= ExpiryWarn:
			return StatusExpiring
		default:
			return StatusOK
		}
	}
	switch c.Type {
	case KindAPIKey:
		if c.Key.IsBlank() {
			h.Status = StatusMissing
		} else {
			h.Status = StatusStatic
		}
	case KindToken:
		switch {
		case c.Token.IsBlank():
			h.Status = StatusMissing
		case c.Expires.IsZero():
			h.Status = StatusStatic
		default:
			h.Status = expiring()
		}
	case KindOAuth:
		hasRefresh := !c.Refresh.IsBlank()
		accessValid := !c.Access.IsBlank() && !c.Expires.IsZero() && now.Before(c.Expires)
		switch {
		case c.Access.IsBlank() && !hasRefresh:
			h.Status = StatusMissing
		case !accessValid && hasRefresh && !lastRefreshFailed:
			h.Status = StatusRefreshable
		case !accessValid:
			h.Status = StatusExpired
		case hasRefresh && !lastRefreshFailed:
			h.Status = StatusOK
		default:
			h.Status = expiring()
		}
	default:
		h.Status = StatusMissing
	}
	return h
}

// ProviderHealth is the rolled-up health of one provider's credentials.
type ProviderHealth struct {
	Status Status
	// ExpiresAt is the earliest non-zero ExpiresAt among the profiles
	// (including an OAuth access token that has already expired but is
	// refreshable); zero when none has an expiry.
	ExpiresAt time.Time
	// Remaining is the Remaining of the profile that expires first.
	Remaining time.Duration
}

// RollUp combines the health of one provider's profiles: no profiles:
// missing; only static ones: static; any expired or missing: expired; else
// any expiring: expiring; else any refreshable: refreshable; else ok. Static
// profiles next to expiring ones do not hide them.
func RollUp(hs []ProfileHealth) ProviderHealth {
	var out ProviderHealth
	if len(hs) == 0 {
		out.Status = StatusMissing
		return out
	}
	var static, expired, expiring, refreshable int
	for _, h := range hs {
		switch h.Status {
		case StatusStatic:
			static++
		case StatusExpired, StatusMissing:
			expired++
		case StatusExpiring:
			expiring++
		case StatusRefreshable:
			refreshable++
		}
		if !h.ExpiresAt.IsZero() && (out.ExpiresAt.IsZero() || h.ExpiresAt.Before(out.ExpiresAt)) {
			out.ExpiresAt = h.ExpiresAt
			out.Remaining = h.Remaining
		}
	}
	switch {
	case static == len(hs):
		out.Status = StatusStatic
	case expired > 0:
		out.Status = StatusExpired
	case expiring > 0:
		out.Status = StatusExpiring
	case refreshable > 0:
		out.Status = StatusRefreshable
	default:
		out.Status = StatusOK
	}
	return out
}

// FormatRemaining renders a time left the short way of OpenClaw's
// formatRemainingShort: "0m" when d ≤ 0; else whole minutes rounded (at
// least 1) as "Nm" below an hour, hours rounded as "Nh" below 48 hours, and
// days rounded as "Nd".
func FormatRemaining(d time.Duration) string {
	if d <= 0 {
		return "0m"
	}
	ms := d.Milliseconds()
	minutes := max(1, (ms+30_000)/60_000)
	if minutes < 60 {
		return strconv.FormatInt(minutes, 10) + "m"
	}
	hours := (minutes + 30) / 60
	if hours < 48 {
		return strconv.FormatInt(hours, 10) + "h"
	}
	return strconv.FormatInt((hours+12)/24, 10) + "d"
}
