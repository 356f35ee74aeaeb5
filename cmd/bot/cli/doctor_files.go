package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/config"
	"github.com/botgateway/bot/internal/doctor"
	"github.com/botgateway/bot/internal/safefile"
)

// The permission part of bot doctor: the owner and mode of every state
// directory on the way to a credential store and of every file bot reads
// secrets or chat history from. bot refuses to read a file that another
// user owns or that group or others may write (internal/safefile); doctor
// reports those, and also files that others may merely read.

// expectedPath is one path doctor checks.
type expectedPath struct {
	path string
	dir  bool        // a directory belongs here, else a regular file
	mode fs.FileMode // the mode it should have
}

// expectedPaths lists what doctor checks, in the order it reports them:
// the state directory, the config, the .env files, agents/, each agent's
// two directories and store, and sessions.db with its WAL and shared-memory
// files. workDir's .env is included as bot reads it too.
func expectedPaths(paths config.Paths, workDir string) []expectedPath {
	agents := filepath.Join(paths.StateDir, "agents")
	out := []expectedPath{
		{paths.StateDir, true, 0o700},
		{paths.ConfigPath, false, 0o600},
		{paths.EnvFile(), false, 0o600},
	}
	if workDir != "" {
		if p := filepath.Join(workDir, ".env"); p != paths.EnvFile() {
			out = append(out, expectedPath{p, false, 0o600})
		}
	}
	out = append(out, expectedPath{agents, true, 0o700})
	entries, _ := os.ReadDir(agents) // a missing or unreadable agents/ is reported on its own line
	for _, e := range entries {
		dir := filepath.Join(agents, e.Name())
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			continue // not an agent
		}
		agentDir := filepath.Join(dir, "agent")
		out = append(out,
			expectedPath{dir, true, 0o700},
			expectedPath{agentDir, true, 0o700},
			expectedPath{auth.StorePath(agentDir), false, 0o600},
		)
	}
	db := paths.SessionsDB()
	return append(out,
		expectedPath{db, false, 0o600},
		expectedPath{db + "-wal", false, 0o600},
		expectedPath{db + "-shm", false, 0o600},
	)
}

// checkFilePerms checks every expected path. A mode that is too open on
// a file or directory of ours is a problem whose repair sets the mode; it
// changes nothing else: never a file it does not expect, never an owner,
// never anything through a symbolic link (it Lstat-s, and the chmod is
// done on the file it checked, opened without following links), and never
// a directory where a file belongs. flagged gets the paths (and link
// targets) it reported a problem with.
func checkFilePerms(r *doctor.Report, paths config.Paths, workDir string, flagged map[string]bool) {
	for _, e := range expectedPaths(paths, workDir) {
		if f, ok := checkPerm(paths.DisplayWork(workDir), e); ok {
			r.Add(f)
			if f.Level == doctor.Problem {
				flagged[e.path] = true
				if t, err := filepath.EvalSymlinks(e.path); err == nil {
					flagged[t] = true
				}
			}
		}
	}
}

// checkPerm checks one expected path; ok is false when there is nothing to
// say (missing, or as it should be).
func checkPerm(display func(string) string, e expectedPath) (doctor.Finding, bool) {
	show := display(e.path)
	fi, err := os.Lstat(e.path)
	if errors.Is(err, fs.ErrNotExist) {
		return doctor.Finding{}, false
	}
	if err != nil {
		return problemf("", "cannot check %s: %v", show, pathErr(err)), true
	}
	subject := e.path // what the mode and owner belong to
	link := fi.Mode()&fs.ModeSymlink != 0
	if link {
		// A link is fine (agents share a store this way); its target is
		// judged, and never changed.
		if fi, err = os.Stat(e.path); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return doctor.Finding{}, false // a dangling link: written through when needed
			}
			return problemf("", "cannot check %s: %v", show, pathErr(err)), true
		}
		if t, err := filepath.EvalSymlinks(e.path); err == nil {
			subject = t
		}
	}
	where := display(subject)
	if link {
		where += " (the target of " + show + ")"
	}
	// Something other than what belongs there: what to move is the link
	// when there is one (its target, /dev/zero say, is not the user's to
	// move), else the thing itself.
	misplaced := func(what string) (doctor.Finding, bool) {
		if link {
			return problemf("remove the link "+show, "%s is a link to %s, which %s; remove the link (bot doctor changes nothing there)", show, display(subject), what), true
		}
		return problemf("move "+where+" away", "%s %s; move it away (bot doctor changes nothing there)", where, what), true
	}
	switch {
	case e.dir && !fi.IsDir():
		return misplaced("is not a directory")
	case !e.dir && fi.IsDir():
		return misplaced("is a directory where a file belongs")
	case !e.dir && !fi.Mode().IsRegular():
		return misplaced("is not a regular file")
	}
	var se *safefile.Error
	if errors.As(safefile.Check(subject, fi, e.dir), &se) && se.Owner != se.Want {
		return problemf(se.Fix(display), "%s", se.Message(display)), true
	}
	perm := fi.Mode().Perm()
	if perm&^e.mode == 0 {
		return doctor.Finding{}, false
	}
	what := "readable by group or others"
	if perm&0o022 != 0 && !(e.dir && fi.Mode()&fs.ModeSticky != 0) {
		what = "writable by group or others, so bot refuses to read it"
		if e.dir {
			what = "writable by group or others, so bot refuses to read the files in it"
		}
	}
	run := fmt.Sprintf("bot doctor --fix (sets %o)", e.mode)
	f := doctor.Finding{Level: doctor.Problem, Fix: "bot doctor --fix"}
	if link {
		run = fmt.Sprintf("chmod %o %s (bot doctor --fix does not follow links)", e.mode, display(subject))
		f.Fix = fmt.Sprintf("chmod %o %s", e.mode, display(subject))
	} else {
		f.Repair = func(context.Context) (string, error) {
			if err := safefile.ChmodNoFollow(e.path, e.mode, fi); err != nil {
				return "", fmt.Errorf("chmod %o: %w; run: chmod %o %s", e.mode, pathErr(err), e.mode, show)
			}
			return fmt.Sprintf("%s: mode %o set to %o", show, perm, e.mode), nil
		}
	}
	f.Text = fmt.Sprintf("%s is mode %o, %s; run: %s", where, perm, what, run)
	return f, true
}

// pathErr drops the path from a *fs.PathError: the line names it already.
func pathErr(err error) error {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		return pe.Err
	}
	return err
}

// problemf is a problem finding without a repair: fix is the fix alone
// (for --json), the text says it too.
func problemf(fix, format string, args ...any) doctor.Finding {
	return doctor.Finding{Level: doctor.Problem, Text: fmt.Sprintf(format, args...), Fix: fix}
}
