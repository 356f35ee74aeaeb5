package config

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/tailscale/hujson"

	"github.com/botgateway/bot/internal/secret"
	"github.com/botgateway/bot/internal/textdist"
)

// maxErrors caps the problems reported for one file.
const maxErrors = 20

// keyPath is a dotted key ("models.providers.anthropic.baseUrl").
type keyPath string

// child returns the key of member name of the object at k.
func (k keyPath) child(name string) keyPath {
	seg := name
	if !plainSegment(name) {
		seg = "[" + strconv.Quote(name) + "]"
		if k == "" {
			return keyPath(seg)
		}
		return k + keyPath(seg)
	}
	if k == "" {
		return keyPath(seg)
	}
	return k + "." + keyPath(seg)
}

// index returns the key of element i of the list at k.
func (k keyPath) index(i int) keyPath { return k + keyPath("["+strconv.Itoa(i)+"]") }

// q returns the key in double quotes, for messages.
func (k keyPath) q() string { return `"` + string(k) + `"` }

// plainSegment reports whether name can be written after a dot as is.
func plainSegment(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if strings.ContainsRune(`.[]"\`, r) || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// validator walks a parsed document against the schema and collects
// problems in document order.
type validator struct {
	file string
	data []byte // the bytes the offsets refer to
	errs []*Error
}

// validate checks val, parsed from data, against the schema. It returns
// nil, a single *Error, or several joined with errors.Join.
func validate(file string, data []byte, val *hujson.Value) error {
	v := &validator{file: file, data: data}
	if _, ok := val.Value.(*hujson.Object); !ok {
		v.errorf(val.StartOffset, "", "the config must be a JSON object ({...})")
	} else {
		v.walk(root, val, "")
	}
	return v.err()
}

// err returns the collected problems as one error.
func (v *validator) err() error {
	switch len(v.errs) {
	case 0:
		return nil
	case 1:
		return v.errs[0]
	}
	errs := make([]error, 0, len(v.errs)+1)
	for _, e := range v.errs {
		errs = append(errs, e)
	}
	if len(v.errs) >= maxErrors {
		errs = append(errs, fmt.Errorf("config: %s: stopped after %d problems", v.file, maxErrors))
	}
	return errors.Join(errs...)
}

// line returns the 1-based line of byte offset off.
func (v *validator) line(off int) int {
	off = min(max(off, 0), len(v.data))
	return 1 + bytes.Count(v.data[:off], []byte("\n"))
}

// errorf records a problem at byte offset off.
func (v *validator) errorf(off int, key keyPath, format string, args ...any) {
	if len(v.errs) >= maxErrors {
		return
	}
	v.errs = append(v.errs, &Error{Path: v.file, Line: v.line(off), Key: string(key), Msg: fmt.Sprintf(format, args...)})
}

// walk checks val against n; key is val's dotted key.
func (v *validator) walk(n *node, val *hujson.Value, key keyPath) {
	switch n.kind {
	case kindObject:
		v.walkObject(n, val, key)
	case kindList:
		arr, ok := val.Value.(*hujson.Array)
		if !ok {
			what := "a list of strings"
			if n.elem.kind == kindID {
				what = "a list of user ids (strings or numbers)"
			}
			v.errorf(val.StartOffset, key, "%s must be %s", key.q(), what)
			return
		}
		for i := range arr.Elements {
			v.walk(n.elem, &arr.Elements[i], key.index(i))
		}
	case kindString:
		lit, ok := val.Value.(hujson.Literal)
		if !ok || lit.Kind() != '"' {
			if n.enum != nil {
				v.errorf(val.StartOffset, key, "%s must be one of %s", key.q(), quoteList(n.enum))
			} else {
				v.errorf(val.StartOffset, key, "%s must be a string", key.q())
			}
			return
		}
		s := lit.String()
		switch {
		case n.enum != nil && !slices.Contains(n.enum, s):
			v.errorf(val.StartOffset, key, "%s must be one of %s", key.q(), quoteList(n.enum))
		case n.nonEmpty && strings.TrimSpace(s) == "":
			v.errorf(val.StartOffset, key, "%s must not be empty", key.q())
		case n.url && strings.TrimSpace(s) != "" && !httpURL(strings.TrimSpace(s)):
			v.errorf(val.StartOffset, key, "%s must be an http:// or https:// URL", key.q())
		case n.agentID && strings.TrimSpace(s) != "" && !ValidAgent(strings.TrimSpace(s)):
			v.errorf(val.StartOffset, key, "%s is not a valid agent id (%q): use %s", key.q(), secret.MaskText(s), AgentIDForm)
		}
	case kindBool:
		if k := val.Value.Kind(); k != 't' && k != 'f' {
			v.errorf(val.StartOffset, key, "%s must be true or false", key.q())
		}
	case kindInt:
		lit, ok := val.Value.(hujson.Literal)
		if !ok || lit.Kind() != '0' {
			v.errorf(val.StartOffset, key, "%s must be a number", key.q())
			return
		}
		i, err := strconv.ParseInt(string(lit), 10, 32)
		switch {
		case errors.Is(err, strconv.ErrRange):
			v.errorf(val.StartOffset, key, "%s is too large", key.q())
		case err != nil:
			v.errorf(val.StartOffset, key, "%s must be a whole number", key.q())
		case i < 0:
			v.errorf(val.StartOffset, key, "%s must not be negative", key.q())
		}
	case kindID:
		lit, ok := val.Value.(hujson.Literal)
		switch {
		case ok && lit.Kind() == '"':
			if strings.TrimSpace(lit.String()) == "" {
				v.errorf(val.StartOffset, key, "%s must not be empty", key.q())
			}
		case ok && lit.Kind() == '0':
			if !wholeNumber.Match(lit) {
				v.errorf(val.StartOffset, key, "%s must be a whole number or a string", key.q())
			}
		default:
			v.errorf(val.StartOffset, key, "%s must be a string or a number", key.q())
		}
	}
}

var wholeNumber = regexp.MustCompile(`^-?[0-9]+$`)

// walkObject checks an object: its members, duplicates, required fields.
func (v *validator) walkObject(n *node, val *hujson.Value, key keyPath) {
	obj, ok := val.Value.(*hujson.Object)
	if !ok {
		v.errorf(val.StartOffset, key, "%s must be an object ({...})", key.q())
		return
	}
	seen := map[string]int{} // name → offset
	type provKey struct {
		name string
		off  int
	}
	seenProv := map[string]provKey{}
	present := map[string]bool{}
	for i := range obj.Members {
		m := &obj.Members[i]
		name := m.Name.Value.(hujson.Literal).String()
		off := m.Name.StartOffset
		ck := key.child(name)
		if first, dup := seen[name]; dup {
			v.errorf(off, ck, "duplicate key %s (first on line %d)", ck.q(), v.line(first))
			continue
		}
		seen[name] = off
		if fld := n.field(name); fld != nil {
			if m.Value.Value.Kind() == 'n' {
				continue // null: not set
			}
			present[name] = true
			v.walk(fld.node, &m.Value, ck)
			continue
		}
		if n.rest == nil || (n.rest.kind != kindObject && m.Value.Value.Kind() == '{' && n.closeField(name)) {
			v.errorf(off, ck, "unknown key %s%s", ck.q(), suggestion(n, key, name))
			continue
		}
		if n.restKey != nil && !n.restKey(name) {
			v.errorf(off, ck, "%s is not a valid %s", ck.q(), n.restName)
			continue
		}
		if n.normKeys {
			p := normalizeProvider(name)
			if p == "" {
				v.errorf(off, ck, "%s: a provider id must not be empty", ck.q())
				continue
			}
			if first, dup := seenProv[p]; dup {
				v.errorf(off, ck, "%s names the same provider as %s on line %d (provider ids ignore case)", ck.q(), key.child(first.name).q(), v.line(first.off))
				continue
			}
			seenProv[p] = provKey{name, off}
		}
		v.walk(n.rest, &m.Value, ck)
	}
	for _, fld := range n.fields {
		if fld.required && !present[fld.name] {
			ck := key.child(fld.name)
			if fld.node.enum != nil {
				v.errorf(val.StartOffset, ck, "%s is required (one of %s)", ck.q(), quoteList(fld.node.enum))
			} else {
				v.errorf(val.StartOffset, ck, "%s is required", ck.q())
			}
		}
	}
	if n.check != nil {
		n.check(v, objectView{key: key, obj: obj})
	}
}

// field returns the fixed field name of n, or nil.
func (n *node) field(name string) *field {
	for i := range n.fields {
		if n.fields[i].name == name {
			return &n.fields[i]
		}
	}
	return nil
}

// closeField reports whether name is a near miss of one of n's fixed
// fields, so that a free-form key that looks like a typo of a reserved key
// ("shellenv" in env) is reported as unknown rather than as a bad value.
func (n *node) closeField(name string) bool {
	for _, fld := range n.fields {
		if textdist.OSA(strings.ToLower(name), strings.ToLower(fld.name)) <= 2 {
			return true
		}
	}
	return false
}

// suggestion returns ` (did you mean "<key>"?)` for an unknown key name in
// the object n at key, or "" when n has no fixed fields. It prefers a
// sibling that differs only in case, then a known key of the same name
// elsewhere (a "telegram" block at the top level → "channels.telegram"),
// then the sibling nearest by edit distance.
func suggestion(n *node, key keyPath, name string) string {
	if len(n.fields) == 0 {
		return ""
	}
	lower := strings.ToLower(name)
	for _, fld := range n.fields {
		if strings.ToLower(fld.name) == lower {
			return fmt.Sprintf(" (did you mean %s?)", key.child(fld.name).q())
		}
	}
	var elsewhere keyPath
	knownKeys(root, "", func(k keyPath, last string) bool {
		if strings.ToLower(last) == lower {
			elsewhere = k
			return false
		}
		return true
	})
	if elsewhere != "" {
		return fmt.Sprintf(" (did you mean %s?)", elsewhere.q())
	}
	best, bestD := "", -1
	for _, fld := range n.fields {
		if d := textdist.OSA(lower, strings.ToLower(fld.name)); bestD < 0 || d < bestD {
			best, bestD = fld.name, d
		}
	}
	return fmt.Sprintf(" (did you mean %s?)", key.child(best).q())
}

// knownKeys calls fn for every fixed key of the schema under n, parents
// first, with the key's last segment; it stops when fn returns false. Keys
// below free-form maps are not listed.
func knownKeys(n *node, key keyPath, fn func(k keyPath, last string) bool) bool {
	for _, fld := range n.fields {
		k := key.child(fld.name)
		if !fn(k, fld.name) {
			return false
		}
		if fld.node.kind == kindObject && !knownKeys(fld.node, k, fn) {
			return false
		}
	}
	return true
}

// quoteList renders values as `"a", "b", "c"`.
func quoteList(values []string) string {
	q := make([]string, len(values))
	for i, s := range values {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}

// httpURL reports whether s is an absolute http or https URL with a host.
func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// objectView gives schema checks access to an object's members.
type objectView struct {
	key keyPath
	obj *hujson.Object
}

// memberView is one member of an object.
type memberView struct {
	nameOff int
	val     *hujson.Value
}

// member returns the first member called name.
func (o objectView) member(name string) (memberView, bool) {
	for i := range o.obj.Members {
		m := &o.obj.Members[i]
		if m.Name.Value.(hujson.Literal).String() == name {
			return memberView{nameOff: m.Name.StartOffset, val: &m.Value}, true
		}
	}
	return memberView{}, false
}

// str returns the member's string value, or "" when it is not a string.
func (m memberView) str() string {
	if lit, ok := m.val.Value.(hujson.Literal); ok && lit.Kind() == '"' {
		return strings.TrimSpace(lit.String())
	}
	return ""
}
