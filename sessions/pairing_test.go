package sessions

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestPairing: a stranger gets a code once per PairingTTL whatever they
// send; the owner sees the pending requests and takes one by its code (any
// case) exactly once; an expired code is gone.
func TestPairing(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	s, err := Open(ctx, t.TempDir()+"/sessions.db", Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	code, reply, err := s.RequestPairing(ctx, "telegram", "42", "")
	if err != nil || !reply || len(code) != codeLen {
		t.Fatalf("first request = %q, %v, %v; want a %d-character code and a reply", code, reply, err, codeLen)
	}
	now = now.Add(59 * time.Minute)
	if again, reply, err := s.RequestPairing(ctx, "telegram", "42", ""); err != nil || reply || again != code {
		t.Fatalf("request within the hour = %q, %v, %v; want the same code and no reply", again, reply, err)
	}
	other, _, err := s.RequestPairing(ctx, "discord", "42", "")
	if err != nil {
		t.Fatal(err)
	}
	ps, err := s.Pairings(ctx)
	if err != nil || len(ps) != 2 || ps[0].Code != code || ps[1].Code != other {
		t.Fatalf("Pairings = %+v, %v; want telegram's then discord's", ps, err)
	}
	if _, err := s.TakePairing(ctx, "discord", code); code != other && !errors.Is(err, ErrNoPairing) {
		t.Errorf("TakePairing with telegram's code on discord: %v, want ErrNoPairing", err)
	}
	p, err := s.TakePairing(ctx, "telegram", " "+string([]byte{code[0] | 0x20})+code[1:])
	if err != nil || p.UserID != "42" || p.Channel != "telegram" {
		t.Fatalf("TakePairing = %+v, %v; want user 42", p, err)
	}
	if _, err := s.TakePairing(ctx, "telegram", code); !errors.Is(err, ErrNoPairing) {
		t.Errorf("second TakePairing: %v, want ErrNoPairing", err)
	}
	now = now.Add(61 * time.Minute) // discord's request is now over an hour old
	if _, err := s.TakePairing(ctx, "discord", other); !errors.Is(err, ErrNoPairing) {
		t.Errorf("TakePairing of an expired code: %v, want ErrNoPairing", err)
	}
	if again, reply, err := s.RequestPairing(ctx, "discord", "42", ""); err != nil || !reply || again == "" {
		t.Errorf("request after expiry = %q, %v, %v; want a new code and a reply", again, reply, err)
	}
}

// TestPairingDeny: a denied code cannot be approved, the stranger gets no
// new code within the hour, and after it a fresh request (and name).
func TestPairingDeny(t *testing.T) {
	ctx := t.Context()
	c := newClock()
	s := openAt(t, t.TempDir()+"/sessions.db", c, Options{})
	long := strings.Repeat("é", 100) // 200 bytes: cut at a character
	code, _, err := s.RequestPairing(ctx, "telegram", "42", "  "+long)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := s.Pairings(ctx)
	if err != nil || len(ps) != 1 || ps[0].DisplayName != strings.Repeat("é", 64) {
		t.Fatalf("Pairings = %+v, %v; want one with the name cut to 128 bytes", ps, err)
	}
	p, err := s.DenyPairing(ctx, "telegram", strings.ToLower(code))
	if err != nil || p.UserID != "42" {
		t.Fatalf("DenyPairing = %+v, %v", p, err)
	}
	if _, err := s.TakePairing(ctx, "telegram", code); !errors.Is(err, ErrNoPairing) {
		t.Errorf("approving a denied code: %v, want ErrNoPairing", err)
	}
	if _, err := s.DenyPairing(ctx, "telegram", code); !errors.Is(err, ErrNoPairing) {
		t.Errorf("denying twice: %v, want ErrNoPairing", err)
	}
	if ps, _ := s.Pairings(ctx); len(ps) != 0 {
		t.Errorf("a denied request is listed: %+v", ps)
	}
	c.Advance(30 * time.Minute)
	if _, reply, err := s.RequestPairing(ctx, "telegram", "42", "Eve"); err != nil || reply {
		t.Errorf("request after deny within the hour: reply %v, %v; want no reply", reply, err)
	}
	c.Advance(31 * time.Minute)
	again, reply, err := s.RequestPairing(ctx, "telegram", "42", "Eve")
	if err != nil || !reply {
		t.Fatalf("request an hour after: reply %v, %v; want a new code", reply, err)
	}
	if ps, _ := s.Pairings(ctx); len(ps) != 1 || ps[0].Code != again || ps[0].DisplayName != "Eve" {
		t.Errorf("Pairings = %+v, want the new request by Eve", ps)
	}
}
