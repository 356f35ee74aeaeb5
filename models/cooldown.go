package models

import "time"

// Cooldown schedule (DESIGN §6): a failed profile cools down for 1, 5, 25,
// then 60 minutes on consecutive failures; billing failures disable it for
// 5 h, doubling up to 24 h; a permanent auth failure disables it for 24 h.
const (
	BillingBase   = 5 * time.Hour
	BillingMax    = 24 * time.Hour
	PermanentAuth = 24 * time.Hour
	// MaxRetryAfter caps a provider's Retry-After: a header asking for
	// days (a bug, or a proxy's) sets a profile aside for a day at most.
	MaxRetryAfter  = 24 * time.Hour
	cooldownFactor = 5
)

// CooldownFor returns how long a profile is set aside after its
// errorCount-th consecutive failure (1-based) of a non-billing kind.
func CooldownFor(errorCount int) time.Duration {
	d := time.Minute
	for i := 1; i < min(errorCount, 4); i++ {
		d *= cooldownFactor
	}
	return min(d, time.Hour)
}

// BillingFor returns how long a profile is disabled after its n-th
// consecutive billing failure (1-based): 5 h, 10 h, 20 h, then 24 h.
func BillingFor(n int) time.Duration {
	d := BillingBase
	for i := 1; i < min(n, 12); i++ {
		d *= 2
		if d >= BillingMax {
			return BillingMax
		}
	}
	return min(d, BillingMax)
}
