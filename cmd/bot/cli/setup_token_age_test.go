package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/internal/testenv"
)

// TestSetupTokenAge stores a setup-token with paste-token at a known time
// (an injected clock), then runs models status at points of its year:
// quiet, a note 30 days before, a warning and --check exit 2 within 7.
func TestSetupTokenAge(t *testing.T) {
	e := testenv.New(t)
	stored := time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)
	tok := auth.SetupTokenPrefix + strings.Repeat("x", 90)
	env := map[string]string{"HOME": e.Home, "ANTHROPIC_BASE_URL": "http://127.0.0.1:1"}
	app := func(now time.Time, stdin string) (*App, *bytes.Buffer) {
		var stdout bytes.Buffer
		a := newApp(&Globals{}, strings.NewReader(stdin), &stdout, &bytes.Buffer{}, func(k string) string { return env[k] })
		a.Now = func() time.Time { return now }
		return a, &stdout
	}
	a, _ := app(stored, tok)
	if err := (&PasteTokenCmd{Provider: "anthropic"}).Run(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(e.StorePath("main"))
	if err != nil {
		t.Fatal(err)
	}
	if want := `"storedAt": 1768046400000`; !bytes.Contains(b, []byte(want)) {
		t.Fatalf("no %s in the store:\n%s", want, b)
	}

	day := 24 * time.Hour
	for _, tc := range []struct {
		name  string
		at    time.Duration // after storing
		code  int
		line  string // in the text output; "" for no warning
		jsonW string
	}{
		{"fresh", 300 * day, 0, "", ""},
		{"30 days left", 336 * day, 0, "    note: anthropic:manual is a setup-token stored 2026-01-10; setup-tokens last a year, which ends in 29d: run claude setup-token, then bot models auth paste-token --provider anthropic --profile-id anthropic:manual", `"warn": "notice"`},
		{"7 days left", 359 * day, 2, "    warning: anthropic:manual is a setup-token stored 2026-01-10; setup-tokens last a year, which ends in 6d:", `"warn": "urgent"`},
		{"past the year", 370 * day, 2, "which ends 5d ago:", `"warn": "urgent"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, out := app(stored.Add(tc.at), "")
			err := (&ModelsStatusCmd{Check: true, ProbeTimeout: time.Second}).Run(context.Background(), a)
			code := 0
			if ee, ok := errors.AsType[exitError](err); ok {
				code = ee.code
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.code {
				t.Errorf("--check exit %d, want %d:\n%s", code, tc.code, out)
			}
			if !strings.Contains(out.String(), "anthropic:manual static setup-token stored 2026-01-10") {
				t.Errorf("no setup-token row:\n%s", out)
			}
			if tc.line != "" && !strings.Contains(out.String(), tc.line) {
				t.Errorf("no %q in:\n%s", tc.line, out)
			}
			if tc.line == "" && (strings.Contains(out.String(), "note:") || strings.Contains(out.String(), "warning:")) {
				t.Errorf("a warning for a fresh token:\n%s", out)
			}
			a, out = app(stored.Add(tc.at), "")
			if err := (&ModelsStatusCmd{JSON: true, ProbeTimeout: time.Second}).Run(context.Background(), a); err != nil {
				t.Fatal(err)
			}
			if tc.jsonW != "" && !strings.Contains(out.String(), tc.jsonW) {
				t.Errorf("no %s in --json:\n%s", tc.jsonW, out)
			}
		})
	}
}
