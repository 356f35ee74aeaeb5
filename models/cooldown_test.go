package models

import (
	"testing"
	"time"
)

func TestCooldownSchedule(t *testing.T) {
	want := []time.Duration{time.Minute, 5 * time.Minute, 25 * time.Minute, time.Hour, time.Hour, time.Hour}
	for i, w := range want {
		if got := CooldownFor(i + 1); got != w {
			t.Errorf("CooldownFor(%d) = %v, want %v", i+1, got, w)
		}
	}
	bwant := []time.Duration{5 * time.Hour, 10 * time.Hour, 20 * time.Hour, 24 * time.Hour, 24 * time.Hour}
	for i, w := range bwant {
		if got := BillingFor(i + 1); got != w {
			t.Errorf("BillingFor(%d) = %v, want %v", i+1, got, w)
		}
	}
}

func TestClassify(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name                  string
		status                int
		retryAfter, typ, msg  string
		kind                  Kind
		permanent, cc, expiry bool
		ra                    time.Duration
	}{
		{"claude code only", 400, "", "invalid_request_error", ClaudeCodeOnly, KindAuth, true, true, false, 0},
		{"bad key", 401, "", "authentication_error", "invalid x-api-key", KindAuth, false, false, false, 0},
		{"token expired", 401, "", "authentication_error", "OAuth token has expired", KindAuth, false, false, true, 0},
		{"rate limited", 429, "30", "rate_limit_error", "slow down", KindRateLimit, false, false, false, 30 * time.Second},
		{"rate limited date", 429, "Tue, 24 Nov 2026 12:02:00 GMT", "rate_limit_error", "", KindRateLimit, false, false, false, 2 * time.Minute},
		{"overloaded", 529, "", "overloaded_error", "Overloaded", KindOverloaded, false, false, false, 0},
		{"billing", 400, "", "billing_error", "credit balance too low", KindBilling, false, false, false, 0},
		{"openai quota", 429, "", "insufficient_quota", "quota", KindBilling, false, false, false, 0},
		{"payment", 402, "", "", "", KindBilling, false, false, false, 0},
		{"anthropic low credit", 400, "", "invalid_request_error", "Your credit balance is too low to access the Anthropic API.", KindBilling, false, false, false, 0},
		{"in-stream rate limit", 0, "", "rate_limit_exceeded", "", KindRateLimit, false, false, false, 0},
		{"format", 400, "", "invalid_request_error", "messages: bad", KindFormat, false, false, false, 0},
		{"server", 500, "", "api_error", "oops", KindUnknown, false, false, false, 0},
		{"gateway timeout", 504, "", "", "", KindTimeout, false, false, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := Classify(tt.status, tt.retryAfter, tt.typ, tt.msg, now)
			if e.Kind != tt.kind || e.Permanent != tt.permanent || e.ClaudeCodeOnly != tt.cc || e.TokenExpired != tt.expiry || e.RetryAfter != tt.ra {
				t.Errorf("Classify = %+v", e)
			}
		})
	}
}
