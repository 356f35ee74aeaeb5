package config

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/tailscale/hujson"

	"github.com/botgateway/bot/internal/atomicfile"
)

// Edit changes the config file at path: it loads the file (an absent file
// is {}), applies the migrations, lets fn change the document, checks that
// the result is still valid and writes it atomically. Comments and layout
// are kept; only the objects and lists fn touched are re-indented. An
// existing file keeps its mode; a new one is created with mode 0600, and
// its missing parent directories with 0700.
//
// Edit refuses to change an invalid file, with
// `config: invalid config at <path>: <problem>; fix it before changing it`
// (wrapping the *Error). An error from fn is returned as is and nothing is
// written. When the document ends up unchanged, nothing is written.
//
// Edit holds a cross-process lock on "<path>.lock" (on the target's when
// path is a symbolic link, which stays one) from the read to the write, so
// two processes editing at once never lose a change, and it removes the
// temporary files a config write killed midway left behind. It waits for
// the lock until ctx is done, or at most 10 s when ctx has no deadline
// (atomicfile.WithLock); a lock still busy then is an error matching
// atomicfile.ErrLocked that reads "config: <path> is being changed by
// another bot process; try again".
func Edit(ctx context.Context, path string, fn func(doc *Doc) error) error {
	return EditWith(ctx, path, fn, nil)
}

// EditWith is Edit for a change that touches other files too (paste-token
// stores a credential and declares it here): the config's new content is
// not written but added to a Txn anchored at the config, and also is
// called with it, still under the config's lock. also adds the other
// files' content and commits the Txn, normally under their own locks (a
// config writer takes the config's lock first). The Txn holds no config
// content when the document is unchanged. When also is nil, EditWith is
// Edit.
//
// Every config writer first finishes or undoes a change that a killed
// process left (atomicfile.Recover), so the config and the other files of
// a change are either all old or all new.
func EditWith(ctx context.Context, path string, fn func(doc *Doc) error, also func(txn *atomicfile.Txn) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("config: create the directory of %s: %w", path, err)
	}
	// A cross-process lock (flock, released by the kernel if the process
	// dies) so two commands changing the config at once never lose an
	// edit; the file is re-read inside it. A symbolic link's target is
	// what is locked and written.
	return withLock(ctx, path, func(ctx context.Context) error {
		if _, err := atomicfile.Recover(ctx, path); err != nil {
			return fmt.Errorf("config: %w", err)
		}
		return edit(path, fn, also)
	})
}

// withLock runs fn under the config's cross-process lock
// (atomicfile.WithLock); a lock that cannot be taken is a "config: " line.
func withLock(ctx context.Context, path string, fn func(ctx context.Context) error) error {
	ran := false
	err := atomicfile.WithLock(ctx, path, func(ctx context.Context, _ string) error {
		ran = true
		return fn(ctx)
	})
	if err != nil && !ran {
		return fmt.Errorf("config: %w", err)
	}
	return err
}

// edit is EditWith under the lock.
func edit(path string, fn func(doc *Doc) error, also func(txn *atomicfile.Txn) error) error {
	data, err := readConfig(path)
	exists := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	doc, err := parseDocument(path, data)
	if err != nil {
		return refuse(path, err)
	}
	migrated := len(migrate(&doc.val)) > 0
	if migrated {
		if err := doc.reparse(); err != nil {
			return refuse(path, err)
		}
	}
	if err := doc.validate(); err != nil {
		return refuse(path, err)
	}
	before := doc.packed()
	d := &Doc{file: path, root: &doc.val, unit: detectUnit(&doc.val)}
	if err := fn(d); err != nil {
		return err
	}
	out := d.root.Pack()
	changed := migrated || !bytes.Equal(out, before)
	if changed {
		check, err := parseDocument(path, out)
		if err == nil {
			err = check.validate()
		}
		if err != nil {
			// The lines of a file that was never written mean nothing to
			// the user: name the key only.
			msg := err.Error()
			if e := (*Error)(nil); errors.As(err, &e) {
				msg = e.Msg
			}
			return &wrapped{msg: fmt.Sprintf("config: the change would leave %s invalid: %s", path, msg), err: err}
		}
	}
	if also == nil {
		if !changed {
			return nil
		}
		return writeEdited(path, out, !exists)
	}
	txn, err := atomicfile.NewTxn(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if changed {
		// Edit's temporary files are orphans under the lock, as for a
		// plain write.
		atomicfile.RemoveTemps(path)
		if err := txn.Add(path, out, fileMode(path)); err != nil {
			return fmt.Errorf("config: %w", err)
		}
	}
	return also(txn)
}

// writeEdited writes an edited config file, first removing the temporary
// files of config writes killed midway (Edit holds the lock every writer
// holds, so they are orphans).
func writeEdited(path string, data []byte, create bool) error {
	atomicfile.RemoveTemps(path)
	if err := writeFile(path, data, create); err != nil {
		return fmt.Errorf("config: write %s: %w", path, err)
	}
	return nil
}

// refuse is Edit's error for a file that is invalid before the change.
func refuse(path string, err error) error {
	return &wrapped{msg: fmt.Sprintf("config: invalid config at %s: %s; fix it before changing it", path, problemOf(err)), err: err}
}

// problemOf describes err's first problem without the file name.
func problemOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.problem()
	}
	return err.Error()
}

// wrapped is an error with its own message that still unwraps to its cause.
type wrapped struct {
	msg string
	err error
}

// Error returns the message.
func (w *wrapped) Error() string { return w.msg }

// Unwrap returns the cause.
func (w *wrapped) Unwrap() error { return w.err }

// Doc is a config document being edited by Edit. Its methods change the
// syntax tree with RFC 6902 patch operations, so comments stay where they
// are. A Doc is valid only during the Edit call that created it.
type Doc struct {
	file string
	root *hujson.Value
	unit string
}

// Config returns the document's current content as a validated Config.
func (d *Doc) Config() (*Config, error) {
	doc, err := parseDocument(d.file, d.root.Pack())
	if err != nil {
		return nil, err
	}
	if err := doc.validate(); err != nil {
		return nil, err
	}
	return doc.decode()
}

// SetAuthProfile declares auth.profiles[id] = {provider, mode}, creating the
// auth and auth.profiles objects when needed and keeping the other members
// of an existing entry (its email, its comments). If, and only if,
// auth.order has a list for provider, id is moved (or inserted) to the
// front of that list; auth.order is never created, so that the default
// order stays in force. provider is normalized; mode must be ModeAPIKey,
// ModeOAuth or ModeToken.
func (d *Doc) SetAuthProfile(id, provider, mode string) error {
	id = strings.TrimSpace(id)
	provider = normalizeProvider(provider)
	switch {
	case id == "":
		return errors.New("config: the auth profile id is empty")
	case provider == "":
		return fmt.Errorf("config: auth profile %s: the provider is empty", id)
	case mode != ModeAPIKey && mode != ModeOAuth && mode != ModeToken:
		return fmt.Errorf("config: auth profile %s: mode %q is not one of %s", id, mode, quoteList([]string{ModeAPIKey, ModeOAuth, ModeToken}))
	}
	profiles := []string{"auth", "profiles"}
	if err := d.ensureObject(profiles); err != nil {
		return err
	}
	entry := slices.Concat(profiles, []string{id})
	if v := d.find(entry); v != nil && v.Value.Kind() == '{' {
		if err := d.setMember(entry, "provider", provider); err != nil {
			return err
		}
		if err := d.setMember(entry, "mode", mode); err != nil {
			return err
		}
	} else {
		val, err := inlineJSON(map[string]string{"provider": provider, "mode": mode}, "provider", "mode")
		if err != nil {
			return err
		}
		if err := d.setRaw(profiles, id, val); err != nil {
			return err
		}
	}
	order := d.find([]string{"auth", "order"})
	if order == nil {
		return nil
	}
	obj, ok := order.Value.(*hujson.Object)
	if !ok {
		return nil
	}
	for _, m := range obj.Members {
		key := m.Name.Value.(hujson.Literal).String()
		if normalizeProvider(key) != provider || m.Value.Value.Kind() != '[' {
			continue
		}
		return d.moveToFront([]string{"auth", "order", key}, id)
	}
	return nil
}

// RemoveAuthProfile deletes auth.profiles[id] and removes id from every
// auth.order list, dropping lists that become empty. It reports whether it
// changed anything.
func (d *Doc) RemoveAuthProfile(id string) (bool, error) {
	removed, err := d.Delete([]string{"auth", "profiles", id})
	if err != nil {
		return false, err
	}
	order := d.find([]string{"auth", "order"})
	if order == nil {
		return removed, nil
	}
	obj, ok := order.Value.(*hujson.Object)
	if !ok {
		return removed, nil
	}
	var keys []string
	for _, m := range obj.Members {
		keys = append(keys, m.Name.Value.(hujson.Literal).String())
	}
	for _, key := range keys {
		list := []string{"auth", "order", key}
		n, err := d.removeFromList(list, id)
		if err != nil {
			return removed, err
		}
		if n == 0 {
			continue
		}
		removed = true
		if v := d.find(list); v != nil {
			if arr, ok := v.Value.(*hujson.Array); ok && len(arr.Elements) == 0 {
				if _, err := d.Delete(list); err != nil {
					return removed, err
				}
			}
		}
	}
	return removed, nil
}

// Set sets the value at path (object member names from the top), creating
// missing objects on the way. value is encoded with encoding/json and laid
// out on one line. A secret.Secret encodes masked, so pass secrets as
// strings if they must be written (bot.json needs none).
func (d *Doc) Set(path []string, value any) error {
	if len(path) == 0 {
		return errors.New("config: Set needs a key")
	}
	raw, err := inlineJSON(value)
	if err != nil {
		return err
	}
	parent := path[:len(path)-1]
	if err := d.ensureObject(parent); err != nil {
		return err
	}
	return d.setRaw(parent, path[len(path)-1], raw)
}

// Delete removes the member at path and reports whether it was there.
func (d *Doc) Delete(path []string) (bool, error) {
	if len(path) == 0 || d.find(path) == nil {
		return false, nil
	}
	parent := path[:len(path)-1]
	l := captureLayout(d.root, parent, d.unit)
	if err := d.patch(patchOp{Op: "remove", Path: pointer(path)}); err != nil {
		return false, err
	}
	reflow(d.root, parent, l)
	return true, nil
}

// find returns the value at path, or nil.
func (d *Doc) find(path []string) *hujson.Value { return d.root.Find(pointer(path)) }

// ensureObject makes sure every prefix of path is an object, adding empty
// ones where missing (a null counts as missing).
func (d *Doc) ensureObject(path []string) error {
	for i := range path {
		p := path[:i+1]
		v := d.find(p)
		switch {
		case v == nil || v.Value.Kind() == 'n':
			if err := d.setRaw(p[:i], p[i], []byte("{}")); err != nil {
				return err
			}
		case v.Value.Kind() != '{':
			return fmt.Errorf("config: %s: %s is not an object", d.file, keyOf(p).q())
		}
	}
	return nil
}

// setMember sets the string member name of the object at parent.
func (d *Doc) setMember(parent []string, name, value string) error {
	raw, err := json.Marshal(value)
	if err != nil {
		return err
	}
	return d.setRaw(parent, name, raw)
}

// setRaw sets member name of the object at parent to the JSON raw: an
// existing member is replaced in place, a new one is appended and the
// object re-indented.
func (d *Doc) setRaw(parent []string, name string, raw []byte) error {
	path := append(slices.Clip(parent), name)
	if d.find(path) != nil {
		return d.patch(patchOp{Op: "replace", Path: pointer(path), Value: raw})
	}
	l := captureLayout(d.root, parent, d.unit)
	if err := d.patch(patchOp{Op: "add", Path: pointer(path), Value: raw}); err != nil {
		return err
	}
	reflow(d.root, parent, l)
	return nil
}

// moveToFront puts the string id first in the list at path, removing its
// other occurrences.
func (d *Doc) moveToFront(path []string, id string) error {
	if v := d.find(path); v != nil {
		if arr, ok := v.Value.(*hujson.Array); ok && len(arr.Elements) > 0 {
			if lit, ok := arr.Elements[0].Value.(hujson.Literal); ok && lit.Kind() == '"' && lit.String() == id {
				if n := countString(arr, id); n == 1 {
					return nil // already first, once
				}
			}
		}
	}
	l := captureLayout(d.root, path, d.unit)
	if _, err := d.removeFromListRaw(path, id); err != nil {
		return err
	}
	raw, _ := json.Marshal(id)
	if err := d.patch(patchOp{Op: "add", Path: pointer(path) + "/0", Value: raw}); err != nil {
		return err
	}
	reflow(d.root, path, l)
	return nil
}

// removeFromList removes every element equal to the string id from the list
// at path, re-indents it, and returns how many it removed.
func (d *Doc) removeFromList(path []string, id string) (int, error) {
	l := captureLayout(d.root, path, d.unit)
	n, err := d.removeFromListRaw(path, id)
	if n > 0 {
		reflow(d.root, path, l)
	}
	return n, err
}

// removeFromListRaw removes the elements without re-indenting.
func (d *Doc) removeFromListRaw(path []string, id string) (int, error) {
	v := d.find(path)
	if v == nil {
		return 0, nil
	}
	arr, ok := v.Value.(*hujson.Array)
	if !ok {
		return 0, nil
	}
	var ops []patchOp
	for i := len(arr.Elements) - 1; i >= 0; i-- {
		if lit, ok := arr.Elements[i].Value.(hujson.Literal); ok && lit.Kind() == '"' && lit.String() == id {
			ops = append(ops, patchOp{Op: "remove", Path: pointer(path) + "/" + strconv.Itoa(i)})
		}
	}
	if len(ops) == 0 {
		return 0, nil
	}
	return len(ops), d.patch(ops...)
}

// countString counts the elements of arr equal to the string s.
func countString(arr *hujson.Array, s string) int {
	n := 0
	for _, e := range arr.Elements {
		if lit, ok := e.Value.(hujson.Literal); ok && lit.Kind() == '"' && lit.String() == s {
			n++
		}
	}
	return n
}

// patchOp is one RFC 6902 operation.
type patchOp struct {
	Op    string
	Path  string
	Value []byte // JSON; nil for "remove"
}

// patch applies ops to the document. The patch is written by hand rather
// than with encoding/json, which would compact the values' spacing.
func (d *Doc) patch(ops ...patchOp) error {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, op := range ops {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"op":%s,"path":%s`, strconv.Quote(op.Op), jsonString(op.Path))
		if op.Value != nil {
			b.WriteString(`,"value":`)
			b.Write(op.Value)
		}
		b.WriteByte('}')
	}
	b.WriteByte(']')
	if err := d.root.Patch(b.Bytes()); err != nil {
		return fmt.Errorf("config: edit %s: %w", d.file, err)
	}
	return nil
}

// jsonString encodes s as a JSON string.
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// pointer returns the RFC 6901 JSON pointer of path: "/" before each key,
// "~" escaped as "~0" and "/" as "~1".
func pointer(path []string) string {
	var b strings.Builder
	for _, k := range path {
		b.WriteByte('/')
		b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(k))
	}
	return b.String()
}

// keyOf returns the dotted key of path.
func keyOf(path []string) keyPath {
	var k keyPath
	for _, p := range path {
		k = k.child(p)
	}
	return k
}

// inlineJSON encodes value on one line with a space after ':' and ','.
// For a map[string]string, keys lists the order of its members.
func inlineJSON(value any, keys ...string) ([]byte, error) {
	var raw []byte
	var err error
	if m, ok := value.(map[string]string); ok && len(keys) > 0 {
		var b bytes.Buffer
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			kb, _ := json.Marshal(k)
			vb, _ := json.Marshal(m[k])
			b.Write(kb)
			b.WriteByte(':')
			b.Write(vb)
		}
		b.WriteByte('}')
		raw = b.Bytes()
	} else if raw, err = json.Marshal(value); err != nil {
		return nil, fmt.Errorf("config: encode value: %w", err)
	}
	v, err := hujson.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("config: encode value: %w", err)
	}
	inlineSpacing(&v)
	return v.Pack(), nil
}
