package grammar

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/mattn/go-shellwords"

	"github.com/botgateway/bot/internal/golden"
)

// FuzzParse checks that Parse never panics, that every error carries a
// column inside the text (or one past its end), that a parsed command's
// columns point inside the text, that a memoized parse equals a cold one,
// and that scanArgs and shellwords never disagree. The golden inputs are
// the seeds.
func FuzzParse(f *testing.F) {
	for _, file := range goldenFiles(f) {
		a, err := golden.Read(file, goldenSections...)
		if err != nil {
			f.Fatal(err)
		}
		for _, sec := range a.Files {
			if sec.Name == "input" {
				if s, err := unquote(string(sec.Data)); err == nil {
					f.Add(s)
				}
			}
		}
	}
	f.Add("/x `a b` $(c d) \"e\\\"f\" 'g\\h' i\\ j")
	f.Fuzz(func(t *testing.T, text string) {
		runes := utf8.RuneCountInString(text)
		checkCol := func(what string, col, limit int) {
			t.Helper()
			if col < 1 || col > limit {
				t.Fatalf("%s: column %d outside 1..%d for %q", what, col, limit, text)
			}
		}

		cold, coldErr := parseCold(text)
		cmd, err := Parse(text, goldenBot)
		if diff := cmp.Diff(cold, cmd); diff != "" || errText(err) != errText(coldErr) {
			t.Fatalf("memoized and cold parses differ for %q (-cold +warm):\n%s%v\n%v", text, diff, coldErr, err)
		}
		var ge *Error
		switch {
		case errors.Is(err, ErrOtherBot):
			return
		case errors.As(err, &ge):
			checkCol("Parse error", ge.Col, runes+1)
			if ge.Msg == mismatchMsg {
				t.Fatalf("scanArgs and shellwords disagree on %q", text)
			}
			return
		case err != nil:
			t.Fatalf("Parse(%q): error of type %T: %v", text, err, err)
		case cmd == nil:
			if strings.HasPrefix(strings.TrimLeft(text, " \t\n\r\v\f"), "/") {
				t.Fatalf("Parse(%q) = nil, nil for a command", text)
			}
			return
		}
		checkCol("NamePos", cmd.NamePos.Col, runes)
		if cmd.Name != strings.ToLower(cmd.Name) || cmd.Name == "" {
			t.Fatalf("Parse(%q): name %q", text, cmd.Name)
		}
		for _, a := range cmd.Args {
			checkCol("Arg "+a.Value, a.Pos.Col, runes)
			ref, err := ParseModelRef(a)
			if errors.As(err, &ge) {
				checkCol("ParseModelRef error", ge.Col, runes+1)
				continue
			} else if err != nil {
				t.Fatalf("ParseModelRef(%+v): error of type %T: %v", a, err, err)
			}
			for _, p := range []struct {
				part string
				pos  Pos
			}{{ref.Provider, ref.ProviderPos}, {ref.Model, ref.ModelPos}, {ref.Profile, ref.ProfilePos}} {
				if p.part != "" {
					checkCol("ModelRef part "+p.part, p.pos.Col, runes)
				}
			}
		}
	})
}

// FuzzScanArgs checks scanArgs against go-shellwords on any line: the same
// number of arguments, the same cut, an error exactly when shellwords has
// one.
func FuzzScanArgs(f *testing.F) {
	for _, s := range []string{"a b", `"a b" 'c'`, "a;b", "a 2>b", "$(a b)", "`a b`", `a\`, "(", "a)", `"a\"b"`, `'a\'`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		if !utf8.ValidString(line) || strings.ContainsAny(line, "\r\n") {
			return // Parse never gives such a line to scanArgs
		}
		line = strings.Map(normalize, line)
		p := shellwords.NewParser()
		p.ParseBacktick, p.ParseEnv, p.ParseComment = false, false, false
		p.Position = 0
		values, err := p.Parse(line)
		starts, cut, is := scanArgs(line)
		switch {
		case (err != nil) != (is != nil):
			t.Fatalf("%q: shellwords error %v, scanArgs issue %+v", line, err, is)
		case err != nil:
			return
		case p.Position != -1:
			if cut < p.Position || strings.Trim(string([]rune(line)[p.Position:cut]), "0123456789") != "" {
				t.Fatalf("%q: shellwords cut at %d, scanArgs at %d", line, p.Position, cut)
			}
		case cut != -1:
			t.Fatalf("%q: scanArgs cut at %d, shellwords did not", line, cut)
		case len(starts) != len(values):
			t.Fatalf("%q: shellwords %q, scanArgs starts %v", line, values, starts)
		}
		for _, s := range starts {
			if s < 0 || s >= utf8.RuneCountInString(line) {
				t.Fatalf("%q: start %d outside the line", line, s)
			}
		}
	})
}

// parseCold parses text with empty memos, keeping what they held.
func parseCold(text string) (*Command, error) {
	heads, refs := headMemo, refMemo
	headMemo, refMemo = newMemo[head](), newMemo[ref]()
	defer func() { headMemo, refMemo = heads, refs }()
	return Parse(text, goldenBot)
}

// errText returns err's text, "" for nil.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
