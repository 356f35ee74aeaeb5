package jsonobj

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseEncode(t *testing.T) {
	tests := []struct {
		name, in string
		keys     []string
		out      string
		err      string
	}{
		{name: "order kept", in: `{"z":1, "a": {"y":[1,2], "b":null}, "m":"x"}`, keys: []string{"z", "a", "m"},
			out: `{"z":1,"a":{"y":[1,2], "b":null},"m":"x"}`},
		{name: "repeated key: first place, last value", in: `{"a":1,"b":2,"a":3}`, keys: []string{"a", "b"}, out: `{"a":3,"b":2}`},
		{name: "empty", in: " {} \n", out: `{}`},
		{name: "not an object", in: `[1]`, err: "want a JSON object"},
		{name: "invalid", in: `{"a":}`, err: "invalid JSON: invalid character '}' looking for beginning of value"},
		{name: "trailing data", in: `{} {}`, err: "invalid JSON: data after the top-level object"},
		{name: "truncated", in: `{"a":1`, err: "invalid JSON: EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := Parse([]byte(tt.in))
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("Parse error = %v, want %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.keys, o.Keys()); diff != "" {
				t.Errorf("Keys (-want +got):\n%s", diff)
			}
			if got := string(o.Encode()); got != tt.out {
				t.Errorf("Encode = %s, want %s", got, tt.out)
			}
		})
	}
	if _, err := Parse([]byte(`"s"`)); !errors.Is(err, ErrNotObject) {
		t.Errorf("Parse of a string: %v, want ErrNotObject", err)
	}
}

func TestEdit(t *testing.T) {
	o, err := Parse([]byte(`{"a":1,"b":2,"c":3}`))
	if err != nil {
		t.Fatal(err)
	}
	c := o.Clone()
	o.Set("b", []byte(`"two"`)) // in place
	if err := o.SetValue("d", []int{4}); err != nil {
		t.Fatal(err)
	}
	o.Delete("a")
	o.Delete("nope")
	if got, want := string(o.Encode()), `{"b":"two","c":3,"d":[4]}`; got != want {
		t.Errorf("after edits: %s, want %s", got, want)
	}
	if got, want := string(c.Encode()), `{"a":1,"b":2,"c":3}`; got != want {
		t.Errorf("the clone changed: %s, want %s", got, want)
	}
	if v, ok := o.Get("c"); !ok || string(v) != "3" || o.Len() != 3 {
		t.Errorf("Get(c) = %s, %v; Len %d", v, ok, o.Len())
	}
	var zero Object
	zero.Set("k", []byte(`true`))
	if got := string(zero.Encode()); got != `{"k":true}` {
		t.Errorf("zero Object after Set: %s", got)
	}
	if err := zero.SetValue("f", func() {}); err == nil {
		t.Error("SetValue of a func: no error")
	}
}
