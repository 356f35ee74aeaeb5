package doctor

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestRun checks the order, the statuses, the repairs as the options say,
// Stop and Skip, and the count of problems that remain.
func TestRun(t *testing.T) {
	repaired := 0
	fixable := func(r *Report) {
		r.Problem("a.txt is mode 644; run: bot doctor --fix", "bot doctor --fix", func(context.Context) (string, error) {
			repaired++
			return "a.txt: mode 644 set to 600", nil
		})
	}
	checks := []Check{
		{Name: "clean", Title: "Clean", Run: func(context.Context, *Report) {}},
		{Name: "notes", Title: "Notes", Run: func(_ context.Context, r *Report) { r.Note("%d note", 1) }},
		{Name: "fixable", Title: "Fixable", Run: func(_ context.Context, r *Report) { fixable(r) }},
		{Name: "broken", Title: "Broken", Run: func(_ context.Context, r *Report) {
			r.Problem("b failed", "", func(context.Context) (string, error) { return "", errors.New("read-only") })
		}},
		{Name: "manual", Title: "Manual", Run: func(_ context.Context, r *Report) { r.Problem("do it by hand", "by hand", nil) }},
		{Name: "skipped", Title: "Skipped", Run: func(_ context.Context, r *Report) { r.Note("dropped"); r.Skip() }},
		{Name: "stops", Title: "Stops", Run: func(_ context.Context, r *Report) { r.Stop() }},
		{Name: "after", Title: "After", Run: func(context.Context, *Report) { t.Error("a check after Stop ran") }},
	}
	statuses := func(rs []Result) map[string]Status {
		m := map[string]Status{}
		for _, r := range rs {
			m[r.Name] = r.Status
		}
		return m
	}
	tests := []struct {
		name     string
		opts     Options
		problems int
		repaired int
		fixable  Status
	}{
		{"report only", Options{}, 3, 0, StatusProblem},
		{"fix", Options{Fix: true}, 2, 1, StatusNote},
		{"confirm no", Options{Confirm: func(context.Context, Finding) (bool, error) { return false, nil }}, 3, 0, StatusProblem},
		{"confirm yes", Options{Confirm: func(context.Context, Finding) (bool, error) { return true, nil }}, 2, 1, StatusNote},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repaired = 0
			var done []string
			tt.opts.Done = func(r Result) { done = append(done, r.Name) }
			rs, problems, err := Run(t.Context(), checks, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if problems != tt.problems || repaired != tt.repaired {
				t.Errorf("problems %d, repaired %d; want %d, %d", problems, repaired, tt.problems, tt.repaired)
			}
			want := map[string]Status{"clean": StatusOK, "notes": StatusNote, "fixable": tt.fixable, "broken": StatusProblem,
				"manual": StatusProblem, "skipped": StatusSkipped, "stops": StatusOK, "after": StatusSkipped}
			if d := cmp.Diff(want, statuses(rs)); d != "" {
				t.Errorf("statuses (-want +got):\n%s", d)
			}
			if d := cmp.Diff([]string{"clean", "notes", "fixable", "broken", "manual", "skipped", "stops", "after"}, done); d != "" {
				t.Errorf("order (-want +got):\n%s", d)
			}
			if tt.repaired == 1 {
				got := rs[2].Findings
				wantF := []Finding{{Level: Note, Text: "a.txt: mode 644 set to 600", Fix: "bot doctor --fix", Fixed: true}}
				if d := cmp.Diff(wantF, got, cmpopts.IgnoreFields(Finding{}, "Repair")); d != "" {
					t.Errorf("repaired finding (-want +got):\n%s", d)
				}
			}
			if tt.opts.Fix && rs[3].Findings[0].Text != "b failed (the repair failed: read-only)" {
				t.Errorf("failed repair: %+v", rs[3].Findings)
			}
		})
	}
}

// TestRunInterrupted checks that an error of Confirm (Ctrl-C) ends the
// run at once: no repair, no later check.
func TestRunInterrupted(t *testing.T) {
	stop := errors.New("interrupted")
	ran := false
	checks := []Check{
		{Name: "a", Run: func(_ context.Context, r *Report) {
			r.Problem("x", "", func(context.Context) (string, error) { t.Error("repaired"); return "", nil })
		}},
		{Name: "b", Run: func(context.Context, *Report) { ran = true }},
	}
	_, _, err := Run(t.Context(), checks, Options{Confirm: func(context.Context, Finding) (bool, error) { return false, stop }})
	if !errors.Is(err, stop) || ran {
		t.Errorf("Run = %v, later check ran %v; want the Confirm error and no later check", err, ran)
	}
}

// TestRunEndsWithContext checks that a run whose context ends (SIGINT,
// SIGTERM from a service manager's timeout) stops there with the
// context's error: the check cut short is not reported (its findings say
// what the cancellation did, not what is), no later check runs, and no
// count is given that a script could take for a clean bill.
func TestRunEndsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var done []string
	checks := []Check{
		{Name: "first", Title: "First", Run: func(context.Context, *Report) {}},
		{Name: "cut", Title: "Cut", Run: func(ctx context.Context, r *Report) {
			cancel() // the signal arrives while the check waits for the network
			r.Note("could not reach it (%v)", ctx.Err())
		}},
		{Name: "after", Title: "After", Run: func(context.Context, *Report) { t.Error("a check ran after the context ended") }},
	}
	rs, _, err := Run(ctx, checks, Options{Done: func(r Result) { done = append(done, r.Name) }})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Run: err %v, want context.Canceled", err)
	}
	if len(rs) != 1 || len(done) != 1 || rs[0].Name != "first" {
		t.Errorf("results %+v, done %v; want the first check's only", rs, done)
	}
}
