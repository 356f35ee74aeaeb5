package sessions

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestLedger: handled updates above the confirmed point are remembered,
// the confirmed point never moves back, and what it passes is forgotten;
// all of it survives reopening the file.
func TestLedger(t *testing.T) {
	ctx := context.Background()
	path := t.TempDir() + "/sessions.db"
	s, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	next, handled, err := s.Ledger(ctx, "telegram")
	if err != nil || next != 0 || handled != nil {
		t.Fatalf("fresh Ledger = %d, %v, %v; want 0, none", next, handled, err)
	}
	// Updates 10, 11, 12 fetched; 12 and 11 answered first, 10 still running.
	for _, id := range []int64{12, 11} {
		if err := s.MarkHandled(ctx, "telegram", id, 10); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.MarkHandled(ctx, "discord", 5, 6); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(ctx, path, Options{}) // a crash and a restart
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	next, handled, err = s.Ledger(ctx, "telegram")
	if err != nil || next != 10 || !cmp.Equal(handled, []int64{11, 12}) {
		t.Fatalf("Ledger after restart = %d, %v, %v; want 10, [11 12]", next, handled, err)
	}
	// 10 answered: everything up to 12 is confirmed.
	if err := s.MarkHandled(ctx, "telegram", 10, 13); err != nil {
		t.Fatal(err)
	}
	// A late mark with an older point does not move it back.
	if err := s.MarkHandled(ctx, "telegram", 13, 11); err != nil {
		t.Fatal(err)
	}
	next, handled, err = s.Ledger(ctx, "telegram")
	if err != nil || next != 13 || !cmp.Equal(handled, []int64{13}) {
		t.Fatalf("Ledger = %d, %v, %v; want 13, [13]", next, handled, err)
	}
	if next, handled, _ := s.Ledger(ctx, "discord"); next != 6 || handled != nil {
		t.Errorf("discord Ledger = %d, %v; want 6, none", next, handled)
	}
	if _, _, err := s.Ledger(ctx, ""); err == nil {
		t.Error("Ledger of an empty channel name: no error")
	}
}
