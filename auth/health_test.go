package auth

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestCredentialHealth(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Time { return now.Add(d) }
	oauth := func(access, refresh string, exp time.Time) *Credential {
		return &Credential{Provider: "anthropic", Type: KindOAuth, Access: NewSecret(access), Refresh: NewSecret(refresh), Expires: exp}
	}
	token := func(tok string, exp time.Time) *Credential {
		return &Credential{Provider: "anthropic", Type: KindToken, Token: NewSecret(tok), Expires: exp}
	}
	health := func(s Status, exp time.Time) ProfileHealth {
		h := ProfileHealth{Status: s, ExpiresAt: exp}
		if !exp.IsZero() {
			h.Remaining = exp.Sub(now)
		}
		return h
	}
	tests := []struct {
		name          string
		c             *Credential
		refreshFailed bool
		want          ProfileHealth
	}{
		{"nil", nil, false, health(StatusMissing, time.Time{})},
		{"unknown type", &Credential{Provider: "anthropic", Type: "magic", Key: NewSecret("k")}, false, health(StatusMissing, time.Time{})},

		{"api key", &Credential{Provider: "openai", Type: KindAPIKey, Key: NewSecret("sk-x")}, false, health(StatusStatic, time.Time{})},
		{"api key empty", &Credential{Provider: "openai", Type: KindAPIKey}, false, health(StatusMissing, time.Time{})},

		{"token without expiry", token("t", time.Time{}), false, health(StatusStatic, time.Time{})},
		{"token empty", token("", at(48*time.Hour)), false, health(StatusMissing, at(48*time.Hour))},
		{"token ok", token("t", at(25*time.Hour)), false, health(StatusOK, at(25*time.Hour))},
		{"token expiring at 24h", token("t", at(24*time.Hour)), false, health(StatusExpiring, at(24*time.Hour))},
		{"token expiring", token("t", at(time.Minute)), false, health(StatusExpiring, at(time.Minute))},
		{"token expired now", token("t", now), false, health(StatusExpired, now)},
		{"token expired", token("t", at(-time.Hour)), false, health(StatusExpired, at(-time.Hour))},
		{"token ignores refresh failure", token("t", at(48*time.Hour)), true, health(StatusOK, at(48*time.Hour))},

		{"oauth empty", oauth("", "", at(time.Hour)), false, health(StatusMissing, at(time.Hour))},
		{"oauth expired, refreshable", oauth("a", "r", at(-time.Hour)), false, health(StatusRefreshable, at(-time.Hour))},
		{"oauth expired now, refreshable", oauth("a", "r", now), false, health(StatusRefreshable, now)},
		{"oauth no expiry, refreshable", oauth("a", "r", time.Time{}), false, health(StatusRefreshable, time.Time{})},
		{"oauth refresh only, refreshable", oauth("", "r", at(time.Hour)), false, health(StatusRefreshable, at(time.Hour))},
		{"oauth expired, refresh failed", oauth("a", "r", at(-time.Hour)), true, health(StatusExpired, at(-time.Hour))},
		{"oauth expired, no refresh", oauth("a", "", at(-time.Hour)), false, health(StatusExpired, at(-time.Hour))},
		{"oauth no expiry, no refresh", oauth("a", "", time.Time{}), false, health(StatusExpired, time.Time{})},
		{"oauth valid with refresh, short-lived", oauth("a", "r", at(time.Hour)), false, health(StatusOK, at(time.Hour))},
		{"oauth valid with refresh, long", oauth("a", "r", at(72*time.Hour)), false, health(StatusOK, at(72*time.Hour))},
		{"oauth valid, refresh failed, short-lived", oauth("a", "r", at(time.Hour)), true, health(StatusExpiring, at(time.Hour))},
		{"oauth valid, refresh failed, long", oauth("a", "r", at(72*time.Hour)), true, health(StatusOK, at(72*time.Hour))},
		{"oauth valid, no refresh, expiring", oauth("a", "", at(23*time.Hour)), false, health(StatusExpiring, at(23*time.Hour))},
		{"oauth valid, no refresh, ok", oauth("a", "", at(25*time.Hour)), false, health(StatusOK, at(25*time.Hour))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := CredentialHealth(tt.c, now, tt.refreshFailed)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("CredentialHealth() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRollUp(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	h := func(s Status, d time.Duration) ProfileHealth {
		if d == 0 {
			return ProfileHealth{Status: s}
		}
		return ProfileHealth{Status: s, ExpiresAt: now.Add(d), Remaining: d}
	}
	static := h(StatusStatic, 0)
	tests := []struct {
		name string
		hs   []ProfileHealth
		want ProviderHealth
	}{
		{"no profiles", nil, ProviderHealth{Status: StatusMissing}},
		{"only static", []ProfileHealth{static, static}, ProviderHealth{Status: StatusStatic}},
		{"static and ok", []ProfileHealth{static, h(StatusOK, 72*time.Hour)},
			ProviderHealth{Status: StatusOK, ExpiresAt: now.Add(72 * time.Hour), Remaining: 72 * time.Hour}},
		{"expired wins", []ProfileHealth{h(StatusOK, 72*time.Hour), h(StatusExpiring, time.Hour), h(StatusExpired, -time.Hour), static},
			ProviderHealth{Status: StatusExpired, ExpiresAt: now.Add(-time.Hour), Remaining: -time.Hour}},
		{"missing counts as expired", []ProfileHealth{h(StatusOK, 72*time.Hour), h(StatusMissing, 0)},
			ProviderHealth{Status: StatusExpired, ExpiresAt: now.Add(72 * time.Hour), Remaining: 72 * time.Hour}},
		{"expiring over refreshable", []ProfileHealth{h(StatusRefreshable, -time.Minute), h(StatusExpiring, 3*time.Hour), static},
			ProviderHealth{Status: StatusExpiring, ExpiresAt: now.Add(-time.Minute), Remaining: -time.Minute}},
		{"refreshable over ok", []ProfileHealth{h(StatusOK, 72*time.Hour), h(StatusRefreshable, -time.Minute)},
			ProviderHealth{Status: StatusRefreshable, ExpiresAt: now.Add(-time.Minute), Remaining: -time.Minute}},
		{"all ok, earliest expiry", []ProfileHealth{h(StatusOK, 72*time.Hour), h(StatusOK, 30*time.Hour)},
			ProviderHealth{Status: StatusOK, ExpiresAt: now.Add(30 * time.Hour), Remaining: 30 * time.Hour}},
		{"only missing", []ProfileHealth{h(StatusMissing, 0)}, ProviderHealth{Status: StatusExpired}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, RollUp(tt.hs)); diff != "" {
				t.Errorf("RollUp() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFormatRemaining(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{-time.Hour, "0m"},
		{0, "0m"},
		{time.Millisecond, "1m"},
		{29 * time.Second, "1m"},
		{90 * time.Second, "2m"},
		{89*time.Second + 999*time.Millisecond, "1m"},
		{59 * time.Minute, "59m"},
		{59*time.Minute + 29*time.Second, "59m"},
		{59*time.Minute + 30*time.Second, "1h"},
		{89 * time.Minute, "1h"},
		{90 * time.Minute, "2h"},
		{47 * time.Hour, "47h"},
		{47*time.Hour + 29*time.Minute, "47h"},
		{47*time.Hour + 30*time.Minute, "2d"},
		{59 * time.Hour, "2d"},
		{60 * time.Hour, "3d"},
		{30 * 24 * time.Hour, "30d"},
		{time.Duration(1<<63 - 1), "106752d"},
	}
	for _, tt := range tests {
		t.Run(tt.d.String(), func(t *testing.T) {
			if got := FormatRemaining(tt.d); got != tt.want {
				t.Errorf("FormatRemaining(%v) = %q, want %q", tt.d, got, tt.want)
			}
		})
	}
}
