package atomicfile

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/botgateway/bot/internal/safefile"
)

// A Txn changes several files as one, so that a process killed at any
// moment leaves either every file old or, once Recover has run, every file
// new; the paste-token command stores a credential and declares it in
// bot.json this way.
//
// One file is the anchor: the journal of the change lives next to it
// (".<name>.txn"), and every writer of the anchor calls Recover under the
// anchor's lock before reading it, so an interrupted change is finished (or
// undone) before anything builds on it. The anchor is renamed into place
// last. Commit works in these steps:
//
//  1. the journal is written, "prepared", naming each file's temporary file
//     (".<name>.txn-<random>") and the hash of its current content;
//  2. each temporary file is written and synced (a file that cannot be
//     written, a read-only directory, stops the change here, with nothing
//     changed);
//  3. the journal is rewritten "committed": from here on the change happens;
//  4. the temporary files are renamed over their files, the anchor last;
//  5. the journal is removed.
//
// Recover undoes a change killed before step 3 (it removes the temporary
// files) and finishes one killed after it (it renames the temporary files
// left), unless a file was changed by someone else in between: then a
// change that renamed nothing yet is undone instead, so a concurrent write
// is never lost.
//
// The caller holds the lock (Acquire) of every file while it builds their
// content and commits, taking the anchor's first. Symbolic links are kept
// (the Target of each path is written).
type Txn struct {
	anchor string // the anchor's target
	files  []txnFile
}

// testHookStep, when set, is called after each step of Commit ("prepared",
// "temp", "committed", "renamed" for each file, "done"); the crash tests
// kill the process there.
var testHookStep func(step string)

// step calls testHookStep.
func step(name string) {
	if testHookStep != nil {
		testHookStep(name)
	}
}

// txnFile is one file of a Txn.
type txnFile struct {
	target string
	data   []byte
	perm   fs.FileMode
}

// NewTxn starts a change anchored at the file at anchor (which need not
// exist yet).
func NewTxn(anchor string) (*Txn, error) {
	target, err := Target(anchor)
	if err != nil {
		return nil, err
	}
	return &Txn{anchor: target}, nil
}

// Anchor returns the anchor's target.
func (t *Txn) Anchor() string { return t.anchor }

// Add sets the new content and mode of the file at path; adding a file again
// replaces its content.
func (t *Txn) Add(path string, data []byte, perm fs.FileMode) error {
	target, err := Target(path)
	if err != nil {
		return err
	}
	f := txnFile{target: target, data: data, perm: perm}
	if i := slices.IndexFunc(t.files, func(f txnFile) bool { return f.target == target }); i >= 0 {
		t.files[i] = f
		return nil
	}
	t.files = append(t.files, f)
	return nil
}

// journal is the content of a Txn's journal file.
type journal struct {
	State string         `json:"state"` // "prepared" or "committed"
	Files []journalEntry `json:"files"` // in rename order: the anchor last
}

// journalEntry is one file of a journal.
type journalEntry struct {
	Target string `json:"target"`
	Temp   string `json:"temp"`
	Old    string `json:"old"` // sha256 of the content before, or "absent"
}

// valid reports whether j is a journal Commit could have written: a known
// state, and each temporary file named for its target, next to it.
func (j journal) valid() bool {
	if j.State != statePrepared && j.State != stateCommitted {
		return false
	}
	for _, e := range j.Files {
		if !filepath.IsAbs(e.Target) || filepath.Dir(e.Temp) != filepath.Dir(e.Target) ||
			!strings.HasPrefix(filepath.Base(e.Temp), "."+filepath.Base(e.Target)+".txn-") {
			return false
		}
	}
	return true
}

// Journal states.
const (
	statePrepared  = "prepared"
	stateCommitted = "committed"
)

// JournalPath returns the journal of changes anchored at anchor, next to
// its target: ".<name>.txn".
func JournalPath(anchor string) (string, error) {
	target, err := Target(anchor)
	if err != nil {
		return "", err
	}
	return journalOf(target), nil
}

// journalOf is JournalPath for a resolved anchor.
func journalOf(target string) string {
	return filepath.Join(filepath.Dir(target), "."+filepath.Base(target)+".txn")
}

// Pending reports whether a change anchored at anchor was interrupted and
// waits for Recover. It is one stat, cheap enough for every read.
func Pending(anchor string) bool {
	j, err := JournalPath(anchor)
	if err != nil {
		return false
	}
	_, err = os.Lstat(j)
	return err == nil
}

// hashOf returns the journal's hash of the file at target: the sha256 of
// its content, or "absent".
func hashOf(target string) (string, error) {
	b, err := os.ReadFile(target)
	if errors.Is(err, fs.ErrNotExist) {
		return "absent", nil
	}
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// Commit writes every file added, as one change (see Txn). A Txn of one
// file is a WriteFile. On an error before the commit point nothing has
// changed; the error names what could not be written. The caller holds
// the locks of all the files, and has run Recover for the anchor.
func (t *Txn) Commit() (err error) {
	switch len(t.files) {
	case 0:
		return nil
	case 1:
		f := t.files[0]
		return WriteFile(f.target, f.data, f.perm)
	}
	jpath := journalOf(t.anchor)
	if _, err := os.Lstat(jpath); err == nil {
		return fmt.Errorf("atomicfile: %s: an interrupted change is still to be recovered", jpath)
	}
	// The anchor is renamed last: until then every reader and writer of
	// the anchor still sees the old state, and a writer that recovers
	// finishes the rest.
	files := slices.Clone(t.files)
	slices.SortStableFunc(files, func(a, b txnFile) int {
		switch {
		case a.target == t.anchor && b.target != t.anchor:
			return 1
		case b.target == t.anchor && a.target != t.anchor:
			return -1
		}
		return 0
	})
	j := journal{State: statePrepared}
	for _, f := range files {
		if fi, err := os.Lstat(f.target); err == nil && !fi.Mode().IsRegular() {
			return fmt.Errorf("atomicfile: %s is not a regular file", f.target)
		}
		old, err := hashOf(f.target)
		if err != nil {
			return fmt.Errorf("atomicfile: read %s: %w", f.target, err)
		}
		j.Files = append(j.Files, journalEntry{Target: f.target, Temp: txnTemp(f.target), Old: old})
	}
	if err := writeJournal(jpath, j); err != nil {
		return err
	}
	step("prepared")
	// Until the journal says "committed", any failure undoes the change.
	committed := false
	defer func() {
		if err != nil && !committed {
			for _, e := range j.Files {
				os.Remove(e.Temp)
			}
			os.Remove(jpath)
			syncDir(filepath.Dir(jpath))
		}
	}()
	for i, f := range files {
		if err := writeNew(j.Files[i].Temp, f.data, f.perm); err != nil {
			return err
		}
		step("temp")
	}
	j.State = stateCommitted
	if err := writeJournal(jpath, j); err != nil {
		return err
	}
	committed = true
	step("committed")
	for _, e := range j.Files {
		if err := os.Rename(e.Temp, e.Target); err != nil {
			return fmt.Errorf("atomicfile: rename to %s: %w (the next writer of %s finishes the change)", e.Target, err, t.anchor)
		}
		step("renamed")
	}
	for _, e := range j.Files {
		syncDir(filepath.Dir(e.Target))
	}
	if err := os.Remove(jpath); err != nil {
		return fmt.Errorf("atomicfile: remove %s: %w", jpath, err)
	}
	syncDir(filepath.Dir(jpath))
	step("done")
	return nil
}

// txnTemp returns a fresh temporary file name for target.
func txnTemp(target string) string {
	return filepath.Join(filepath.Dir(target), "."+filepath.Base(target)+".txn-"+rand.Text()[:12])
}

// writeJournal writes j to path atomically.
func writeJournal(path string, j journal) error {
	b, err := json.Marshal(j)
	if err != nil {
		return fmt.Errorf("atomicfile: encode journal: %w", err)
	}
	if err := WriteFile(path, b, 0o600); err != nil {
		return cannotWrite(path, err)
	}
	return nil
}

// ErrUnchanged is in the chain of Commit's error when it failed before the
// commit point: neither file was changed.
var ErrUnchanged = errors.New("nothing was changed")

// cannotWrite is Commit's error for a file (or journal) it could not
// write next to path before the commit point: nothing has changed. It
// still unwraps to err's *fs.PathError, so that a permission error can be
// explained with its chmod (internal/safefile.Denied).
func cannotWrite(path string, err error) error {
	return &unchangedError{dir: filepath.Dir(path), err: err}
}

// unchangedError is cannotWrite's error.
type unchangedError struct {
	dir string
	err error
}

func (e *unchangedError) Error() string {
	cause := e.err
	if pe, ok := errors.AsType[*fs.PathError](cause); ok {
		cause = pe.Err // the directory is named already
	}
	return fmt.Sprintf("cannot write in %s: %v; check that the directory is writable (%v)", e.dir, cause, ErrUnchanged)
}

func (e *unchangedError) Unwrap() []error { return []error{e.err, ErrUnchanged} }

// writeNew creates the file at path, which must not exist, with data and
// mode perm, and syncs it.
func writeNew(path string, data []byte, perm fs.FileMode) (err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return cannotWrite(path, err)
	}
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("atomicfile: close %s: %w", path, cerr)
		}
	}()
	if err := f.Chmod(perm); err != nil {
		return fmt.Errorf("atomicfile: chmod %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("atomicfile: write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("atomicfile: sync %s: %w", path, err)
	}
	return nil
}

// Recover finishes or undoes a change anchored at anchor that a killed
// process left (see Txn), and reports whether there was one. The caller
// holds the anchor's lock; Recover takes the locks of the other files
// itself, waiting until ctx is done. With no journal it does nothing.
//
// A committed change is finished: the temporary files left are renamed over
// files whose content is still what the journal recorded. When one of them
// was changed by someone else meanwhile, a change that renamed nothing yet
// is undone; one that did is finished for the files still as recorded, and
// an error names the file that was not.
func Recover(ctx context.Context, anchor string) (bool, error) {
	target, err := Target(anchor)
	if err != nil {
		return false, err
	}
	jpath := journalOf(target)
	RemoveTemps(jpath) // a journal write killed midway
	// The journal says what to rename over what: it is trusted only when
	// nobody else could have written it (internal/safefile), and only to
	// rename a temporary file of a target over that target.
	b, err := safefile.ReadFile(jpath)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if _, ok := errors.AsType[*safefile.Error](err); ok {
		return false, err
	}
	if err != nil {
		return false, fmt.Errorf("atomicfile: read %s: %w", jpath, err)
	}
	var j journal
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(&j); err != nil || !j.valid() {
		return false, fmt.Errorf("atomicfile: %s is not a journal bot can read; remove it (the files it names are unchanged or whole)", jpath)
	}
	for _, e := range j.Files {
		if e.Target == target {
			continue
		}
		lk, err := Acquire(ctx, e.Target)
		if err != nil {
			return false, fmt.Errorf("atomicfile: recover %s: lock %s: %w", jpath, e.Target, err)
		}
		defer lk.Unlock()
	}
	var conflict error
	if j.State == stateCommitted {
		conflict = finish(j)
	}
	for _, e := range j.Files {
		os.Remove(e.Temp)
	}
	if err := os.Remove(jpath); err != nil {
		return true, fmt.Errorf("atomicfile: remove %s: %w", jpath, err)
	}
	syncDir(filepath.Dir(jpath))
	return true, conflict
}

// finish renames the temporary files of a committed journal that are left,
// over files still as the journal recorded them. When a file changed since
// and nothing was renamed yet, it renames nothing (the change is undone).
func finish(j journal) error {
	renamed := false
	var changed []string
	for _, e := range j.Files {
		if _, err := os.Lstat(e.Temp); errors.Is(err, fs.ErrNotExist) {
			renamed = true
			continue
		}
		if h, err := hashOf(e.Target); err != nil || h != e.Old {
			changed = append(changed, e.Target)
		}
	}
	if len(changed) > 0 && !renamed {
		return nil // undone: nothing of it is visible yet
	}
	for _, e := range j.Files {
		if slices.Contains(changed, e.Target) {
			continue
		}
		if fi, err := os.Lstat(e.Temp); err == nil {
			if err := safefile.Check(e.Temp, fi, false); err != nil || !fi.Mode().IsRegular() {
				return fmt.Errorf("atomicfile: finish an interrupted change: %s is not a file bot wrote; remove it", e.Temp)
			}
			if err := os.Rename(e.Temp, e.Target); err != nil {
				return fmt.Errorf("atomicfile: finish an interrupted change: rename to %s: %w", e.Target, err)
			}
			syncDir(filepath.Dir(e.Target))
		}
	}
	if len(changed) > 0 {
		return fmt.Errorf("atomicfile: an interrupted change could not be finished: %s was changed since; check it", changed[0])
	}
	return nil
}
