package grammar

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/botgateway/bot/internal/golden"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/parse")

// goldenBot is the bot name every golden file is parsed with.
const goldenBot = "MyBot"

// result is what a golden file records: the command and, for /model with
// a model reference, its ModelRef.
type result struct {
	Command  *Command  `json:"command"`
	ModelRef *ModelRef `json:"modelRef,omitempty"`
}

// run parses text as the commands package does: Parse, then ParseModelRef
// for a /model argument that is not a keyword. It returns the result and
// the error text ("" when none) prefixed by the function that failed.
func run(text string) (result, string) {
	cmd, err := Parse(text, goldenBot)
	if err != nil {
		return result{}, "Parse: " + err.Error()
	}
	res := result{Command: cmd}
	if cmd == nil || cmd.Name != "model" || len(cmd.Args) == 0 {
		return res, ""
	}
	switch strings.ToLower(cmd.Args[0].Value) {
	case "list", "status", "default":
		return res, ""
	}
	ref, err := ParseModelRef(cmd.Args[0])
	if err != nil {
		return res, "ParseModelRef: " + err.Error()
	}
	res.ModelRef = &ref
	return res, ""
}

// resetMemos forgets the memoized participle results, so the next parse is
// cold.
func resetMemos() {
	for _, m := range []interface{ reset() }{headMemo, refMemo} {
		m.reset()
	}
}

// reset forgets everything the memo holds.
func (c *memo[V]) reset() {
	c.mu.Lock()
	clear(c.m)
	c.mu.Unlock()
}

// goldenInput returns the text of a golden file's input section: a Go
// string literal, so invisible characters stay visible.
func goldenInput(t *testing.T, a *txtar.Archive) string {
	t.Helper()
	for _, f := range a.Files {
		if f.Name == "input" {
			s, err := unquote(string(f.Data))
			if err != nil {
				t.Fatalf("input section: %v", err)
			}
			return s
		}
	}
	t.Fatal("no input section")
	return ""
}

// unquote reads an input section: one Go string literal.
func unquote(section string) (string, error) {
	return strconv.Unquote(strings.TrimSpace(section))
}

// goldenSections are the sections of a parse golden file; any other name,
// or one written twice, fails the file.
var goldenSections = []string{"input", "ast.json", "error"}

// goldenFiles returns the golden archives' paths.
func goldenFiles(tb testing.TB) []string {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "parse", "*.txtar"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("no golden files: %v", err)
	}
	return files
}

// TestGolden parses the input of each testdata/parse/*.txtar and compares
// the result with its ast.json and error sections. Run with -update to
// rewrite them.
func TestGolden(t *testing.T) {
	for _, file := range goldenFiles(t) {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			a, err := golden.Read(file, goldenSections...)
			if err != nil {
				t.Fatal(err)
			}
			input := goldenInput(t, a)

			resetMemos()
			cold, coldErr := run(input)
			warm, warmErr := run(input)
			if diff := cmp.Diff(cold, warm); diff != "" || coldErr != warmErr {
				t.Errorf("memoized parse differs from a cold one (-cold +warm):\n%s%q\n%q", diff, coldErr, warmErr)
			}

			js, err := json.MarshalIndent(cold, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{
				"ast.json": string(js) + "\n",
				"error":    coldErr + "\n",
			}
			if coldErr == "" {
				want["error"] = ""
			}
			if *update {
				out := &txtar.Archive{Comment: a.Comment}
				for _, f := range a.Files {
					if f.Name == "input" {
						out.Files = append(out.Files, f)
					}
				}
				for _, name := range []string{"ast.json", "error"} {
					out.Files = append(out.Files, txtar.File{Name: name, Data: []byte(want[name])})
				}
				if err := os.WriteFile(file, txtar.Format(out), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			got := map[string]string{}
			for _, f := range a.Files {
				got[f.Name] = string(f.Data)
			}
			for _, name := range []string{"ast.json", "error"} {
				if diff := cmp.Diff(want[name], got[name]); diff != "" {
					t.Errorf("%s differs (-now +golden):\n%s", name, diff)
				}
			}
		})
	}
}

// TestParse checks what the golden files cannot show at a glance: bot
// names, multi-line messages, leading space, columns.
func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		bot     string
		want    *Command
		wantErr error // compared with errors.Is for sentinels, cmp for *Error
	}{
		{
			name: "bot name of ours in another case",
			text: "/Model@MYBOT x", bot: "mybot",
			want: &Command{Name: "model", NamePos: Pos{2}, BotName: "MYBOT", Args: []Arg{{"x", Pos{14}}}, Raw: "/Model@MYBOT x"},
		},
		{
			name: "bot name given with its @",
			text: "/new@mybot", bot: "@MyBot",
			want: &Command{Name: "new", NamePos: Pos{2}, BotName: "mybot", Raw: "/new@mybot"},
		},
		{
			name: "another bot", text: "/new@otherbot", bot: "mybot",
			wantErr: ErrOtherBot,
		},
		{
			name: "no bot name of our own", text: "/new@mybot", bot: "",
			wantErr: ErrOtherBot,
		},
		{
			name: "other lines ignored", text: "/model sonnet\n/help\x07", bot: "b",
			want: &Command{Name: "model", NamePos: Pos{2}, Args: []Arg{{"sonnet", Pos{8}}}, Raw: "/model sonnet"},
		},
		{
			name: "CRLF", text: "/help \r\n", bot: "b",
			want: &Command{Name: "help", NamePos: Pos{2}, Raw: "/help"},
		},
		{
			name: "leading blank lines count in columns", text: " \n\t/new  x", bot: "b",
			want: &Command{Name: "new", NamePos: Pos{5}, Args: []Arg{{"x", Pos{10}}}, Raw: "/new  x"},
		},
		{
			name: "colon ends the head", text: "/model:x", bot: "b",
			want: &Command{Name: "model", NamePos: Pos{2}, Args: []Arg{{"x", Pos{8}}}, Raw: "/model:x"},
		},
		{
			name: "tabs and runs of spaces", text: "/models \t a\t\tb  ", bot: "b",
			want: &Command{Name: "models", NamePos: Pos{2}, Args: []Arg{{"a", Pos{11}}, {"b", Pos{14}}}, Raw: "/models \t a\t\tb"},
		},
		{
			name: "columns count runes", text: "/models é 'ü x' ö", bot: "b",
			want: &Command{Name: "models", NamePos: Pos{2}, Args: []Arg{{"é", Pos{9}}, {"ü x", Pos{12}}, {"ö", Pos{17}}}, Raw: "/models é 'ü x' ö"},
		},
		{
			name: "many arguments", text: "/x a b c d e f", bot: "b",
			want: &Command{Name: "x", NamePos: Pos{2}, Args: []Arg{{"a", Pos{4}}, {"b", Pos{6}}, {"c", Pos{8}}, {"d", Pos{10}}, {"e", Pos{12}}, {"f", Pos{14}}}, Raw: "/x a b c d e f"},
		},
		{
			name: "empty quoted argument", text: `/x "" ''`, bot: "b",
			want: &Command{Name: "x", NamePos: Pos{2}, Args: []Arg{{"", Pos{5}}, {"", Pos{8}}}, Raw: `/x "" ''`},
		},
		{
			name: "escaped space", text: `/x a\ b c`, bot: "b",
			want: &Command{Name: "x", NamePos: Pos{2}, Args: []Arg{{"a b", Pos{4}}, {"c", Pos{9}}}, Raw: `/x a\ b c`},
		},
		{
			name: "quoted metacharacters", text: `/x 'a;b' "c|d" e\&f`, bot: "b",
			want: &Command{Name: "x", NamePos: Pos{2}, Args: []Arg{{"a;b", Pos{5}}, {"c|d", Pos{11}}, {"e&f", Pos{16}}}, Raw: `/x 'a;b' "c|d" e\&f`},
		},
		{
			name: "redirection", text: "/x a 2>b", bot: "b",
			wantErr: &Error{Col: 7, Got: ">", Msg: `unquoted ">" is not allowed; quote it if it is part of an argument`},
		},
		{
			name: "head with a dash", text: "/mo-del", bot: "b",
			wantErr: &Error{Col: 4, Expected: "a space after the command name", Got: "-"},
		},
		{
			name: "empty bot name", text: "/model@ x", bot: "b",
			wantErr: &Error{Col: 8, Expected: `a bot name after "@"`, Got: " "},
		},
		{
			name: "after the bot name", text: "/model@b@c", bot: "b",
			wantErr: &Error{Col: 9, Expected: "a space after the bot name", Got: "@"},
		},
		{
			name: "control character in the head", text: "/mo\x01", bot: "b",
			wantErr: &Error{Col: 4, Got: "\x01", Msg: "control character U+0001 is not allowed"},
		},
		{
			name: "C1 control character", text: "/x a\u0085", bot: "b",
			wantErr: &Error{Col: 5, Got: "\u0085", Msg: "control character U+0085 is not allowed"},
		},
		{name: "empty", text: "", bot: "b"},
		{name: "only spaces", text: " \u00a0\n", bot: "b"},
		{name: "slash later", text: "see /help", bot: "b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.text, tt.bot)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse(%q) (-want +got):\n%s", tt.text, diff)
			}
			var want *Error
			switch {
			case errors.As(tt.wantErr, &want):
				var ge *Error
				if !errors.As(err, &ge) {
					t.Fatalf("Parse(%q) error = %v, want %v", tt.text, err, want)
				}
				if diff := cmp.Diff(want, ge); diff != "" {
					t.Errorf("Parse(%q) error (-want +got):\n%s", tt.text, diff)
				}
			case !errors.Is(err, tt.wantErr):
				t.Errorf("Parse(%q) error = %v, want %v", tt.text, err, tt.wantErr)
			}
		})
	}
}

// TestParseModelRef covers references that Parse cannot produce, and the
// arithmetic of columns.
func TestParseModelRef(t *testing.T) {
	tests := []struct {
		name    string
		arg     Arg
		want    ModelRef
		wantErr *Error
	}{
		{
			name: "all parts", arg: Arg{"p/m/n@a:b", Pos{10}},
			want: ModelRef{Provider: "p", Model: "m/n", Profile: "a:b", ProviderPos: Pos{10}, ModelPos: Pos{12}, ProfilePos: Pos{16}},
		},
		{
			name: "profile with slashes and @", arg: Arg{"m@a/b@c", Pos{1}},
			want: ModelRef{Model: "m", Profile: "a/b@c", ModelPos: Pos{1}, ProfilePos: Pos{3}},
		},
		{
			name: "runes", arg: Arg{"é/ü@ö", Pos{3}},
			want: ModelRef{Provider: "é", Model: "ü", Profile: "ö", ProviderPos: Pos{3}, ModelPos: Pos{5}, ProfilePos: Pos{7}},
		},
		{
			name: "no column", arg: Arg{Value: "m"},
			want: ModelRef{Model: "m", ModelPos: Pos{1}},
		},
		{name: "empty", arg: Arg{"", Pos{8}}, wantErr: &Error{Col: 8, Expected: "a model, provider/model or @profile"}},
		{name: "space", arg: Arg{"son net", Pos{8}}, wantErr: &Error{Col: 11, Expected: "a model reference without spaces", Got: " "}},
		{name: "no-break space", arg: Arg{"son\u00a0net", Pos{8}}, wantErr: &Error{Col: 11, Expected: "a model reference without spaces", Got: "\u00a0"}},
		{name: "newline", arg: Arg{"a\n", Pos{1}}, wantErr: &Error{Col: 2, Expected: "a model reference without spaces", Got: "\n"}},
		{name: "empty model", arg: Arg{"anthropic/", Pos{8}}, wantErr: &Error{Col: 18, Expected: `a model id after "/"`}},
		{name: "empty model segment", arg: Arg{"a/b/", Pos{1}}, wantErr: &Error{Col: 5, Expected: `a model id after "/"`}},
		{name: "double slash", arg: Arg{"a//b", Pos{1}}, wantErr: &Error{Col: 3, Expected: `a model id after "/"`, Got: "/"}},
		{name: "only @", arg: Arg{"@", Pos{8}}, wantErr: &Error{Col: 9, Expected: `a profile id after "@"`}},
		{name: "slash before @", arg: Arg{"/@x", Pos{1}}, wantErr: &Error{Col: 1, Expected: `a provider before "/"`, Got: "/"}},
		{name: "control", arg: Arg{"a\x00", Pos{1}}, wantErr: &Error{Col: 2, Expected: "a model reference: [provider/]model[@profile]", Got: "\x00"}},
		{name: "invalid UTF-8", arg: Arg{"a\xff", Pos{1}}, wantErr: &Error{Col: 2, Expected: "text in UTF-8", Got: "\xff"}},
		{name: "too long", arg: Arg{strings.Repeat("a", maxPart+1), Pos{8}}, wantErr: &Error{Col: 8, Got: "a", Msg: "the model reference is too long (over 256 characters)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, pass := range []string{"cold", "warm"} {
				if pass == "cold" {
					resetMemos()
				}
				got, err := ParseModelRef(tt.arg)
				if tt.wantErr != nil {
					var ge *Error
					if !errors.As(err, &ge) {
						t.Fatalf("%s: ParseModelRef(%+v) error = %v, want %v", pass, tt.arg, err, tt.wantErr)
					}
					if diff := cmp.Diff(tt.wantErr, ge); diff != "" {
						t.Errorf("%s: ParseModelRef(%+v) error (-want +got):\n%s", pass, tt.arg, diff)
					}
					continue
				}
				if err != nil {
					t.Fatalf("%s: ParseModelRef(%+v): %v", pass, tt.arg, err)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("%s: ParseModelRef(%+v) (-want +got):\n%s", pass, tt.arg, diff)
				}
			}
		})
	}
}

// TestErrorText pins the wording of Error.Error.
func TestErrorText(t *testing.T) {
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{Col: 8, Expected: `a command name after "/"`, Got: "@"}, `at column 8: expected a command name after "/", got "@"`},
		{&Error{Col: 2, Expected: "x", Got: ""}, `at column 2: expected x, got the end of the command`},
		{&Error{Col: 2, Expected: "x", Got: " "}, `at column 2: expected x, got a space`},
		{&Error{Col: 2, Expected: "x", Got: "\u00a0"}, `at column 2: expected x, got a space (U+00A0)`},
		{&Error{Col: 3, Expected: "x", Got: ";", Msg: "no"}, `at column 3: no`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestMemoBounded checks that the memo empties itself when full and keeps
// no long keys.
func TestMemoBounded(t *testing.T) {
	m := newMemo[int]()
	for i := range memoMax + 10 {
		m.put(strconv.Itoa(i), i)
	}
	if n := len(m.m); n > memoMax {
		t.Errorf("memo holds %d entries, want at most %d", n, memoMax)
	}
	m.put(strings.Repeat("k", memoKeyMax+1), 1)
	if _, ok := m.get(strings.Repeat("k", memoKeyMax+1)); ok {
		t.Error("memo kept a key longer than memoKeyMax")
	}
}

// TestParseConcurrent runs Parse and ParseModelRef from several goroutines
// while the memos fill and empty; run it with -race.
func TestParseConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 2 * memoMax {
				text := "/m" + strconv.Itoa((g*7+i)%(memoMax+50)) + " p/m@x" + strconv.Itoa(i%300)
				cmd, err := Parse(text, goldenBot)
				if err != nil || len(cmd.Args) != 1 {
					t.Errorf("Parse(%q) = %+v, %v", text, cmd, err)
					return
				}
				if _, err := ParseModelRef(cmd.Args[0]); err != nil {
					t.Errorf("ParseModelRef(%+v): %v", cmd.Args[0], err)
					return
				}
			}
		})
	}
	wg.Wait()
}
