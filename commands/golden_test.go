package commands

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/botgateway/bot/config"
	"github.com/botgateway/bot/grammar"
	"github.com/botgateway/bot/internal/golden"
	"github.com/botgateway/bot/internal/testenv"
	"github.com/botgateway/bot/models/catalog"
	"github.com/botgateway/bot/sessions"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/replies")

// now is the fixed clock of the golden tests.
var now = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// recorder is a Responder that keeps the replies.
type recorder struct{ replies []string }

func (r *recorder) Reply(_ context.Context, text string, private bool) error {
	if private {
		text = "(private) " + text
	}
	r.replies = append(r.replies, text)
	return nil
}

// harness is an engine over a temp state dir with real sessions.
type harness struct {
	e     *Engine
	store *sessions.Store
	home  string
}

func newHarness(t testing.TB, files map[string]string) *harness {
	t.Helper()
	env := testenv.New(t)
	env.Files(files)
	paths, err := config.ResolvePaths(env.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	f, err := config.Load(paths.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.New(f.Config)
	if err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return now }
	st, err := sessions.Open(context.Background(), paths.SessionsDB(), sessions.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := New(Config{Sessions: st, Catalog: cat, Config: f.Config, Paths: paths, Now: clock})
	return &harness{e: e, store: st, home: env.Home}
}

// run parses and handles one line as the console owner would, returning
// the replies.
func (h *harness) run(t testing.TB, line string, allowed bool) []string {
	t.Helper()
	rec := &recorder{}
	cmd, err := grammar.Parse(line, "testbot")
	switch {
	case err != nil:
		return []string{h.e.ParseError(err)}
	case cmd == nil:
		return []string{"(not a command)"}
	}
	req := &Request{Cmd: cmd, Caller: Caller{Channel: "console", SenderID: "owner", Allowed: allowed}, Session: "console:local", Agent: "main", Out: rec}
	h.e.Handle(context.Background(), req)
	return rec.replies
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
