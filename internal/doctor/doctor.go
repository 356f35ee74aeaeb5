// Package doctor runs a list of checks and reports what each found, in the
// shape of tailscale's doctor package: a Check has a stable name and a Run
// that reports findings, each an ok line, a note or a problem with its fix;
// a problem may carry a Repair that Run applies when asked (bot doctor
// --fix, or a yes at the prompt). The checks themselves live where the
// knowledge is (sessions, config, the adapters, the CLI); this package only
// runs them in order and keeps the result.
package doctor

import (
	"context"
	"fmt"
	"time"
)

// Level is how much a finding matters.
type Level string

// The levels of a finding.
const (
	// Note is worth knowing and needs no action: doctor still exits 0.
	Note Level = "note"
	// Problem needs the user (or a repair): doctor exits 1 while one
	// remains.
	Problem Level = "problem"
)

// Repair fixes what a finding found. It returns the line that says what it
// did ("~/.bot: mode 755 set to 700"), or an error when it could not.
// It must be safe to run once, and change nothing else.
type Repair func(ctx context.Context) (string, error)

// Finding is one line of a check's report.
type Finding struct {
	Level Level `json:"level"`
	// Text is the line the user reads: what is wrong and, for a
	// problem, what fixes it. It never holds a secret.
	Text string `json:"text"`
	// Fix is the fix alone (a command, or what to do), for --json; empty
	// for a note.
	Fix string `json:"fix"`
	// Fixed reports that a repair was applied: Text then says what it
	// did, and Level is Note.
	Fixed bool `json:"fixed"`
	// Repair, when set, fixes the problem (applied with --fix, or
	// offered at the prompt).
	Repair Repair `json:"-"`
}

// Report collects the findings of one check. It is not safe for
// concurrent use: a check that runs work in parallel collects its
// results itself and adds them in order.
type Report struct {
	findings []Finding
	stop     bool
	skip     bool
}

// Note adds a note.
func (r *Report) Note(format string, args ...any) {
	r.findings = append(r.findings, Finding{Level: Note, Text: fmt.Sprintf(format, args...)})
}

// Problem adds a problem whose text says what is wrong and how to fix it;
// fix is the fix alone (for --json), repair, when not nil, applies it.
func (r *Report) Problem(text, fix string, repair Repair) {
	r.findings = append(r.findings, Finding{Level: Problem, Text: text, Fix: fix, Repair: repair})
}

// Add adds a finding as it is.
func (r *Report) Add(f Finding) { r.findings = append(r.findings, f) }

// Stop says that the checks after this one cannot run (the config could
// not be read): Run reports them as skipped.
func (r *Report) Stop() { r.stop = true }

// Skip says that the check does not apply (a channel that is not
// enabled): its findings are dropped and it is reported as skipped.
func (r *Report) Skip() { r.skip = true }

// Check is one check of bot doctor.
type Check struct {
	// Name is the check's stable id in --json ("files", "config",
	// "telegram"): scripts may rely on it.
	Name string
	// Title heads the check's section in the text report ("Files").
	Title string
	// Timeout bounds Run (network checks); zero means none.
	Timeout time.Duration
	// Run runs the check and reports what it found. It may block for
	// I/O; it ends when ctx does.
	Run func(ctx context.Context, r *Report)
}

// Status is a check's outcome as a whole.
type Status string

// The statuses of a check.
const (
	StatusOK      Status = "ok"      // nothing to say
	StatusNote    Status = "note"    // notes only (or problems repaired)
	StatusProblem Status = "problem" // a problem remains
	StatusSkipped Status = "skipped" // not run (an earlier check stopped the run), or not applicable
)

// Result is what one check found.
type Result struct {
	Name     string    `json:"name"`
	Title    string    `json:"title"`
	Status   Status    `json:"status"`
	Findings []Finding `json:"findings"`
}

// Options says how Run treats problems that carry a repair.
type Options struct {
	// Fix applies every repair without asking.
	Fix bool
	// Confirm, when Fix is false and Confirm is not nil, is asked about
	// each repairable problem (an interactive terminal); true applies the
	// repair. An error (the person pressed Ctrl-C) ends the run: Run
	// returns it at once.
	Confirm func(ctx context.Context, f Finding) (bool, error)
	// Done, when not nil, is called with each check's result as soon as
	// it is complete, so the report can be printed as it grows.
	Done func(Result)
}

// Run runs checks one after another, in order, applying repairs as
// opts says right after each check, so that a later check sees the
// repaired state (a config made readable by a chmod is then checked).
// It returns the results in the checks' order and the number of problems
// that remain, or the error of Options.Confirm that ended the run, or
// ctx's error when ctx ended (a signal): the check it cut short and the
// ones after it are then left out.
func Run(ctx context.Context, checks []Check, opts Options) (results []Result, problems int, err error) {
	stopped := false
	for _, c := range checks {
		res := Result{Name: c.Name, Title: c.Title, Findings: []Finding{}}
		if stopped {
			res.Status = StatusSkipped
		} else {
			var r Report
			cctx, cancel := ctx, context.CancelFunc(func() {})
			if c.Timeout > 0 {
				cctx, cancel = context.WithTimeout(ctx, c.Timeout)
			}
			c.Run(cctx, &r)
			cancel()
			if err := ctx.Err(); err != nil {
				// Interrupted: what this check found is what the
				// cancellation did, and the rest is not checked.
				return results, problems, err
			}
			stopped = r.stop
			for _, f := range r.findings {
				if r.skip {
					break
				}
				if f, err = repair(ctx, f, opts); err != nil {
					return results, problems, err
				}
				res.Findings = append(res.Findings, f)
			}
			res.Status = status(res.Findings)
			if r.skip {
				res.Status = StatusSkipped
			}
		}
		for _, f := range res.Findings {
			if f.Level == Problem {
				problems++
			}
		}
		if opts.Done != nil {
			opts.Done(res)
		}
		results = append(results, res)
	}
	return results, problems, nil
}

// repair applies f's repair when opts says so, and returns the finding
// that remains: a note saying what was done, or the problem with the
// reason its repair failed.
func repair(ctx context.Context, f Finding, opts Options) (Finding, error) {
	if f.Level != Problem || f.Repair == nil || (!opts.Fix && opts.Confirm == nil) {
		return f, nil
	}
	if !opts.Fix {
		yes, err := opts.Confirm(ctx, f)
		if err != nil || !yes {
			return f, err
		}
	}
	done, err := f.Repair(ctx)
	if err != nil {
		f.Text += fmt.Sprintf(" (the repair failed: %v)", err)
		return f, nil
	}
	return Finding{Level: Note, Text: done, Fix: f.Fix, Fixed: true}, nil
}

// status is the status of a check that found fs.
func status(fs []Finding) Status {
	st := StatusOK
	for _, f := range fs {
		if f.Level == Problem {
			return StatusProblem
		}
		st = StatusNote
	}
	return st
}
