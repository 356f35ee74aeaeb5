package secret

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

const canary = "sk-ant-CANARY-0123456789-abcdefghij-zz"

func TestSecretMask(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "(empty)"},
		{"short", "abc", "****"},
		{"nineteen", strings.Repeat("x", 19), "****"},
		{"twenty", "abcd" + strings.Repeat("x", 12) + "wxyz", "abcd...wxyz"},
		{"long", canary, "sk-a...j-zz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := New(tt.in).Mask(); got != tt.want {
				t.Errorf("Mask(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSecretNeverPrints(t *testing.T) {
	s := New(canary)
	type holder struct {
		Key  Secret
		Ptr  *Secret
		List []Secret
	}
	h := holder{Key: s, Ptr: &s, List: []Secret{s}}
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
		outs = append(outs, fmt.Sprintf(verb, s), fmt.Sprintf(verb, h), fmt.Sprintf(verb, &h))
	}
	outs = append(outs, fmt.Sprint(s), fmt.Sprintln(h), s.String(), s.GoString())
	b, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	outs = append(outs, string(b))
	var buf strings.Builder
	log := slog.New(slog.NewTextHandler(&buf, nil))
	log.Info("x", "secret", s, "holder", h)
	jbuf := &strings.Builder{}
	slog.New(slog.NewJSONHandler(jbuf, nil)).Info("x", "secret", s, "holder", h)
	outs = append(outs, buf.String(), jbuf.String())
	for _, out := range outs {
		if strings.Contains(out, canary) || strings.Contains(out, canary[4:len(canary)-4]) {
			t.Errorf("secret leaked: %s", out)
		}
	}
}

func TestSecretEqual(t *testing.T) {
	if !New("a").Equal(New("a")) || New("a").Equal(New("b")) {
		t.Error("Equal is wrong")
	}
}
