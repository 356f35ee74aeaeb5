package openclaw

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzReadConfig: no OpenClaw config file makes Read panic; it is either
// read or refused with an *Error.
func FuzzReadConfig(f *testing.F) {
	fixture, err := os.ReadFile("testdata/openclaw/openclaw.json")
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		string(fixture),
		`{}`,
		`{agents: {defaults: {model: "a/b", models: {'a/b': {alias: 'x'}}}}}`,
		`{channels: {telegram: {allowFrom: [1, "tg:2", "@x"], botToken: "${T}"}, discord: {dm: {allowFrom: ["<@!3>"]}}}}`,
		`{auth: {profiles: {"a:b": {provider: "a", mode: "token"}}, order: {a: ["a:b", " ", "a:b"]}}}`,
		"// c\n/* d */ {a: 'x\\'y', b: [1,],}",
		`{meta: {lastTouchedVersion: 7}}`,
	} {
		f.Add([]byte(seed))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, "openclaw.json"), b, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := Read(dir, dir)
		if err != nil {
			if _, ok := errors.AsType[*Error](err); !ok {
				t.Fatalf("Read = %T %v, want an *Error", err, err)
			}
			return
		}
		if s == nil {
			t.Fatal("Read = nil, nil")
		}
	})
}
