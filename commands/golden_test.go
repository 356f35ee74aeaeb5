package commands_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/gateway/gatewaytest"
	"github.com/botgateway/bot/grammar"
	"github.com/botgateway/bot/internal/golden"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/replies")

// now is the fixed clock of the golden tests.
var now = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// harness is the whole chat stack over a temp HOME (gatewaytest), so the
// golden replies are what a user reads, failures included.
type harness struct {
	*gatewaytest.Harness
}

func newHarness(t testing.TB, files map[string]string) *harness {
	t.Helper()
	return &harness{gatewaytest.New(t, gatewaytest.Options{Files: files, Now: func() time.Time { return now }})}
}

// run sends one line as the console owner would (or, when not allowed, a
// sender outside allowFrom), returning the replies as lines: a private
// one marked, a picker's choices one a line.
func (h *harness) run(t testing.TB, line string, allowed bool) []string {
	t.Helper()
	if cmd, err := grammar.Parse(line, "testbot"); err == nil && cmd == nil {
		return []string{"(not a command)"}
	}
	sender := gatewaytest.Owner
	if !allowed {
		sender = adapters.Sender{ID: "stranger"}
	}
	var out []string
	for _, r := range h.Deliver(t, adapters.Message{Channel: "console", Chat: "local", Sender: sender, Text: line, BotName: "testbot"}) {
		text := r.Text
		if r.Private {
			text = "(private) " + text
		}
		out = append(out, text)
		for i, c := range r.Choices {
			out = append(out, fmt.Sprintf("  [%d] %s -> %s", i+1, c.Label, c.Command))
		}
	}
	return out
}

// replySections are the sections of a replies golden file: files to
// plant under $HOME, the input and the expected replies. Any other name,
// or one written twice, fails the file.
var replySections = []string{"home/", "input", "replies"}

// TestGoldenReplies runs each testdata/replies/*.txtar: the files it
// names are planted under $HOME ("home/..." sections), each line of
// "input" is sent as a command, and the replies must equal "replies".
// Lines starting with "!" are sent by a sender who is not allowed.
func TestGoldenReplies(t *testing.T) {
	files, err := filepath.Glob("testdata/replies/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := golden.Read(file, replySections...)
			if err != nil {
				t.Fatal(err)
			}
			planted := map[string]string{}
			var input string
			want := ""
			for _, f := range ar.Files {
				switch {
				case strings.HasPrefix(f.Name, "home/"):
					planted[strings.TrimPrefix(f.Name, "home/")] = string(f.Data)
				case f.Name == "input":
					input = string(f.Data)
				case f.Name == "replies":
					want = string(f.Data)
				}
			}
			h := newHarness(t, planted)
			var got strings.Builder
			for _, line := range strings.Split(strings.TrimRight(input, "\n"), "\n") {
				allowed := true
				if rest, ok := strings.CutPrefix(line, "!"); ok {
					line, allowed = rest, false
				}
				got.WriteString("> " + line + "\n")
				for _, r := range h.run(t, line, allowed) {
					got.WriteString(r + "\n")
				}
			}
			if *update {
				found := false
				for i := range ar.Files {
					if ar.Files[i].Name == "replies" {
						ar.Files[i].Data = []byte(got.String())
						found = true
					}
				}
				if !found {
					ar.Files = append(ar.Files, txtar.File{Name: "replies", Data: []byte(got.String())})
				}
				if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if diff := cmp.Diff(want, got.String()); diff != "" {
				t.Errorf("replies (-want +got):\n%s", diff)
			}
		})
	}
}

// TestOnePositionStyle: every reply in the golden files that names a
// column starts with "At column N: ", whatever found the problem (the
// grammar, the registry, the catalog, an argument count).
func TestOnePositionStyle(t *testing.T) {
	files, err := filepath.Glob("testdata/replies/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	style := regexp.MustCompile(`^At column \d+: \P{Lu}`)
	n := 0
	for _, file := range files {
		ar, err := golden.Read(file, replySections...)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range ar.Files {
			if f.Name != "replies" {
				continue
			}
			for line := range strings.Lines(string(f.Data)) {
				if strings.HasPrefix(line, "> ") || !strings.Contains(strings.ToLower(line), "column") {
					continue
				}
				n++
				if !style.MatchString(line) {
					t.Errorf("%s: %q does not start with \"At column N: \" and a lower-case word", file, strings.TrimSpace(line))
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no reply names a column")
	}
}
