package sessions

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestHistory checks order, limit and timestamps.
func TestHistory(t *testing.T) {
	c := newClock()
	s := newStore(t, c, Options{})
	ctx := t.Context()
	var all []Turn
	for i := range 5 {
		role := RoleUser
		if i%2 == 1 {
			role = RoleAssistant
		}
		text := fmt.Sprint("message ", i)
		if err := s.AppendTurn(ctx, agent, key, role, text); err != nil {
			t.Fatal(err)
		}
		all = append(all, Turn{Role: role, Text: text, At: c.Now()})
		c.Advance(time.Second)
	}
	tests := []struct {
		limit int
		want  []Turn
	}{
		{0, all},
		{-1, all},
		{2, all[3:]},
		{5, all},
		{50, all},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint("limit=", tt.limit), func(t *testing.T) {
			got, err := s.History(ctx, agent, key, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("History (-want +got):\n%s", diff)
			}
		})
	}
	if got, err := s.History(ctx, agent, "console:none", 0); err != nil || got != nil {
		t.Errorf("History of a missing session = %v, %v", got, err)
	}
	if got, err := s.History(ctx, "work", key, 0); err != nil || got != nil {
		t.Errorf("History of another agent = %v, %v", got, err)
	}
}

// TestHistoryBound checks that AppendTurn keeps at most MaxTurns turns per
// session, the newest, and that TrimHistory tightens the bound.
func TestHistoryBound(t *testing.T) {
	s := newStore(t, nil, Options{MaxTurns: 3})
	ctx := t.Context()
	for i := range 10 {
		for _, k := range []Key{key, "console:local"} {
			if err := s.AppendTurn(ctx, agent, k, RoleUser, fmt.Sprint(i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	texts := func(k Key) []string { t.Helper(); return historyTexts(t, s, k, 0) }
	for _, k := range []Key{key, "console:local"} {
		if diff := cmp.Diff([]string{"7", "8", "9"}, texts(k)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", k, diff)
		}
	}
	var rows int
	if err := s.rdb.QueryRowContext(ctx, "SELECT count(*) FROM turns").Scan(&rows); err != nil || rows != 6 {
		t.Errorf("turns table holds %d rows (%v), want 6", rows, err)
	}

	tests := []struct {
		keep int
		want []string
	}{
		{5, []string{"7", "8", "9"}},
		{1, []string{"9"}},
		{0, nil},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint("keep=", tt.keep), func(t *testing.T) {
			if err := s.TrimHistory(ctx, agent, key, tt.keep); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, texts(key)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if err := s.TrimHistory(ctx, agent, "console:none", 1); err != nil {
		t.Errorf("TrimHistory of a missing session: %v", err)
	}
}

// TestDeleteRemovesHistory checks the cascade from sessions to turns.
func TestDeleteRemovesHistory(t *testing.T) {
	s := newStore(t, nil, Options{})
	ctx := t.Context()
	if err := s.AppendTurn(ctx, agent, key, RoleUser, "secret plans"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Delete(ctx, agent, key); err != nil {
		t.Fatal(err)
	}
	var rows int
	if err := s.rdb.QueryRowContext(ctx, "SELECT count(*) FROM turns").Scan(&rows); err != nil || rows != 0 {
		t.Errorf("turns left after Delete: %d (%v)", rows, err)
	}
}

// historyTexts returns the texts of the newest limit turns of the session
// (agent, k), oldest first.
func historyTexts(t *testing.T, s *Store, k Key, limit int) []string {
	t.Helper()
	h, err := s.History(t.Context(), agent, k, limit)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, tn := range h {
		out = append(out, tn.Text)
	}
	return out
}
