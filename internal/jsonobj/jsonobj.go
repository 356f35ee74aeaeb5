// Package jsonobj keeps a JSON object's members in document order, each
// value raw, so that a file bot rewrites (the credential store, Claude
// Code's credentials) keeps the keys it does not know, where they were.
// bot.json, which has comments, is edited through hujson instead (config).
//
// It imports only the standard library, so every package may import it.
package jsonobj

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
)

// ErrNotObject is matched by Parse's error when the document is valid JSON
// but not an object.
var ErrNotObject = errors.New("want a JSON object")

// Object is a JSON object's members in order. The zero Object is empty and
// ready to use; it is not safe for concurrent use.
type Object struct {
	keys []string
	vals map[string]json.RawMessage
}

// Parse decodes b, which must hold one JSON object and nothing after it.
// A repeated key keeps its first place and its last value. Its errors are
// ErrNotObject, or "invalid JSON: <the decoder's error>", which quotes at
// most one character of b.
func Parse(b []byte) (*Object, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, ErrNotObject
	}
	o := &Object{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("invalid JSON: %w", err)
		}
		k, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("invalid JSON: %w", err)
		}
		o.Set(k, v)
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("invalid JSON: data after the top-level object")
	}
	return o, nil
}

// Keys returns the keys in order. The slice is a copy.
func (o *Object) Keys() []string { return slices.Clone(o.keys) }

// Len returns the number of members.
func (o *Object) Len() int { return len(o.keys) }

// Get returns the raw value of k.
func (o *Object) Get(k string) (json.RawMessage, bool) {
	v, ok := o.vals[k]
	return v, ok
}

// Set gives k the raw value v (valid JSON), in k's place when k is there,
// else last.
func (o *Object) Set(k string, v json.RawMessage) {
	if o.vals == nil {
		o.vals = map[string]json.RawMessage{}
	}
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
}

// SetValue is Set with v marshalled; it returns the marshalling error.
func (o *Object) SetValue(k string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("jsonobj: %s: %w", k, err)
	}
	o.Set(k, b)
	return nil
}

// Delete removes k.
func (o *Object) Delete(k string) {
	if _, ok := o.vals[k]; !ok {
		return
	}
	delete(o.vals, k)
	o.keys = slices.DeleteFunc(o.keys, func(x string) bool { return x == k })
}

// Clone returns a copy of o; the raw values are shared, as they are never
// changed in place.
func (o *Object) Clone() *Object {
	if o == nil {
		return nil
	}
	return &Object{keys: slices.Clone(o.keys), vals: maps.Clone(o.vals)}
}

// Encode renders o as one compact JSON object, its members in order.
func (o *Object) Encode() json.RawMessage {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			buf.WriteByte(',')
		}
		kb, _ := json.Marshal(k) // a string always marshals
		buf.Write(kb)
		buf.WriteByte(':')
		buf.Write(o.vals[k])
	}
	buf.WriteByte('}')
	return buf.Bytes()
}
