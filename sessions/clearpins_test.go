package sessions

import "testing"

// ClearPinsTo drops the pins of one agent's sessions that name a removed
// profile ("bot models auth remove") and keeps everything else.
func TestClearPinsTo(t *testing.T) {
	s := newStore(t, nil, Options{})
	ctx := t.Context()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.SetModelAndPin(ctx, "main", "console:a", "anthropic/claude-opus-4-5", "anthropic:work", SourceUser))
	must(s.SetPin(ctx, "main", "console:b", "anthropic:work", SourceAuto))
	must(s.SetPin(ctx, "main", "console:c", "anthropic:home", SourceUser))
	must(s.SetPin(ctx, "other", "console:a", "anthropic:work", SourceUser))
	if _, ok := mustGet(t, s, "main", "console:a"); !ok { // cached now
		t.Fatal("no session")
	}

	n, err := s.ClearPinsTo(ctx, "main", "anthropic:work")
	if err != nil || n != 2 {
		t.Fatalf("ClearPinsTo = %d, %v; want 2", n, err)
	}
	a, _ := mustGet(t, s, "main", "console:a")
	if a.Profile != "" || a.PinSource != "" || a.Model != "anthropic/claude-opus-4-5" {
		t.Errorf("console:a = %+v, want the model kept and no pin", a)
	}
	if b, _ := mustGet(t, s, "main", "console:b"); b.Profile != "" {
		t.Errorf("console:b still pinned: %+v", b)
	}
	if c, _ := mustGet(t, s, "main", "console:c"); c.Profile != "anthropic:home" {
		t.Errorf("console:c lost its pin to another profile: %+v", c)
	}
	if o, _ := mustGet(t, s, "other", "console:a"); o.Profile != "anthropic:work" {
		t.Errorf("another agent's pin was cleared: %+v", o)
	}
	if n, err := s.ClearPinsTo(ctx, "main", "anthropic:work"); err != nil || n != 0 {
		t.Errorf("second ClearPinsTo = %d, %v; want 0", n, err)
	}
}
