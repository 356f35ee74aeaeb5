package config

import (
	"bytes"

	"github.com/tailscale/hujson"
)

// hujson's Patch inserts values without any whitespace around them. These
// helpers re-indent the objects and lists an edit touched, in the style the
// file already uses, so that an edited file reads as if written by hand.
// Comments are never removed; only the whitespace that ends each gap
// (between members, and before the closing bracket) is rewritten.

// layout is the whitespace style of one container, captured before a
// change so it can be restored after it.
type layout struct {
	multiline     bool
	indent        string // of the line holding the closing bracket
	childIndent   string // of each member's line (multiline)
	firstLead     hujson.Extra
	colonSpace    hujson.Extra // between a member's ':' and its value
	trailingComma bool
}

// container returns the object or array at val.
func container(val *hujson.Value) (leads []*hujson.Extra, closing *hujson.Extra, lastAfter *hujson.Extra, ok bool) {
	switch c := val.Value.(type) {
	case *hujson.Object:
		for i := range c.Members {
			leads = append(leads, &c.Members[i].Name.BeforeExtra)
		}
		if n := len(c.Members); n > 0 {
			lastAfter = &c.Members[n-1].Value.AfterExtra
		}
		return leads, &c.AfterExtra, lastAfter, true
	case *hujson.Array:
		for i := range c.Elements {
			leads = append(leads, &c.Elements[i].BeforeExtra)
		}
		if n := len(c.Elements); n > 0 {
			lastAfter = &c.Elements[n-1].AfterExtra
		}
		return leads, &c.AfterExtra, lastAfter, true
	}
	return nil, nil, nil, false
}

// locate walks from root along path (object member names; a list is
// indexed by the decimal index) and returns the value there, the
// indentation of the line it starts on, and whether it starts on a line of
// its own (the root does).
func locate(root *hujson.Value, path []string) (val *hujson.Value, indent string, ownLine bool) {
	val, ownLine = root, true
	for _, key := range path {
		var lead hujson.Extra
		switch c := val.Value.(type) {
		case *hujson.Object:
			i := memberIndex(c, key)
			if i < 0 {
				return nil, "", false
			}
			lead, val = c.Members[i].Name.BeforeExtra, &c.Members[i].Value
		default:
			return nil, "", false
		}
		if ind, ok := lineIndent(lead); ok {
			indent, ownLine = ind, true
		} else {
			ownLine = false
		}
	}
	return val, indent, ownLine
}

// memberIndex returns the index of the first member called name, or -1.
func memberIndex(obj *hujson.Object, name string) int {
	for i := range obj.Members {
		if obj.Members[i].Name.Value.(hujson.Literal).String() == name {
			return i
		}
	}
	return -1
}

// lineIndent returns the whitespace after the last line break of e, and
// whether e has a line break.
func lineIndent(e hujson.Extra) (string, bool) {
	i := bytes.LastIndexByte(e, '\n')
	if i < 0 {
		return "", false
	}
	tail := e[i+1:]
	if len(bytes.Trim(tail, " \t")) != 0 {
		return "", false // the line goes on with a comment
	}
	return string(tail), true
}

// captureLayout records the style of the container at path; unit is one
// level of indentation.
func captureLayout(root *hujson.Value, path []string, unit string) layout {
	val, indent, ownLine := locate(root, path)
	var l layout
	if val == nil {
		return l
	}
	leads, closing, lastAfter, ok := container(val)
	if !ok {
		return l
	}
	l.indent = indent
	l.childIndent = indent + unit
	l.colonSpace = hujson.Extra(" ")
	if obj, isObj := val.Value.(*hujson.Object); isObj && len(obj.Members) > 0 {
		l.colonSpace = bytes.Clone(obj.Members[0].Value.BeforeExtra)
	}
	if len(leads) == 0 {
		_, isObj := val.Value.(*hujson.Object)
		l.multiline = isObj && ownLine || bytes.ContainsRune(*closing, '\n')
		return l
	}
	l.firstLead = whitespaceOnly(*leads[0])
	for _, lead := range leads {
		if ind, ok := lineIndent(*lead); ok {
			if !l.multiline {
				l.childIndent = ind
			}
			l.multiline = true
		}
	}
	if bytes.ContainsRune(*closing, '\n') {
		l.multiline = true
	}
	l.trailingComma = *lastAfter != nil
	return l
}

// reflow re-applies l to the container at path after a change.
func reflow(root *hujson.Value, path []string, l layout) {
	val, _, _ := locate(root, path)
	if val == nil {
		return
	}
	leads, closing, lastAfter, ok := container(val)
	if !ok {
		return
	}
	if obj, isObj := val.Value.(*hujson.Object); isObj {
		for i := range obj.Members {
			m := &obj.Members[i]
			if len(m.Value.BeforeExtra) == 0 && len(m.Name.AfterExtra) == 0 {
				m.Value.BeforeExtra = bytes.Clone(l.colonSpace)
			}
		}
	}
	for i, lead := range leads {
		switch {
		case l.multiline:
			*lead = append(trimTrailingSpace(*lead), '\n')
			*lead = append(*lead, l.childIndent...)
		case hasComment(*lead):
		case i == 0:
			*lead = bytes.Clone(l.firstLead)
		default:
			*lead = hujson.Extra(" ")
		}
	}
	if len(leads) == 0 {
		*closing = trimTrailingSpace(*closing)
		if hasComment(*closing) {
			*closing = append(append(*closing, '\n'), l.indent...)
		}
		return
	}
	if l.multiline {
		*closing = append(trimTrailingSpace(*closing), '\n')
		*closing = append(*closing, l.indent...)
	}
	switch {
	case l.trailingComma && *lastAfter == nil:
		*lastAfter = hujson.Extra{}
	case !l.trailingComma && len(*lastAfter) == 0:
		*lastAfter = nil
	}
}

// trimTrailingSpace returns a copy of e without its trailing whitespace.
func trimTrailingSpace(e hujson.Extra) hujson.Extra {
	return bytes.Clone(bytes.TrimRight(e, " \t\r\n"))
}

// whitespaceOnly returns e when it holds no comment, else "".
func whitespaceOnly(e hujson.Extra) hujson.Extra {
	if hasComment(e) {
		return nil
	}
	return bytes.Clone(e)
}

// hasComment reports whether e holds a comment.
func hasComment(e hujson.Extra) bool { return len(bytes.TrimSpace(e)) > 0 }

// detectUnit returns one level of indentation as the file uses it: the
// indentation of the first top-level member on a line of its own, else two
// spaces.
func detectUnit(root *hujson.Value) string {
	if obj, ok := root.Value.(*hujson.Object); ok {
		for _, m := range obj.Members {
			if ind, ok := lineIndent(m.Name.BeforeExtra); ok && ind != "" {
				return ind
			}
		}
	}
	return "  "
}

// inlineSpacing lays out a value built by bot on one line, JSON-style with
// a space after each ':' and ',' ({"provider": "anthropic", "mode": "oauth"}).
func inlineSpacing(v *hujson.Value) {
	for sub := range v.All() {
		switch c := sub.Value.(type) {
		case *hujson.Object:
			for i := range c.Members {
				c.Members[i].Name.BeforeExtra = nil
				if i > 0 {
					c.Members[i].Name.BeforeExtra = hujson.Extra(" ")
				}
				c.Members[i].Value.BeforeExtra = hujson.Extra(" ")
			}
		case *hujson.Array:
			for i := range c.Elements {
				c.Elements[i].BeforeExtra = nil
				if i > 0 {
					c.Elements[i].BeforeExtra = hujson.Extra(" ")
				}
			}
		}
	}
}
