package cli

import (
	"io"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/alecthomas/kong"
	"github.com/google/go-cmp/cmp"
	"github.com/mattn/go-shellwords"
)

// exampleCommand finds a bot command line in an example line: at its
// start, after a pipe, or inside <( ).
var exampleCommand = regexp.MustCompile(`(?:^|\| |<\()bot( [^)|>]*)?`)

// TestEveryCommandHasExamples walks the whole command tree: the root, every
// group and every command has an Examples section in its help, and every
// example in it parses as a bot command line.
func TestEveryCommandHasExamples(t *testing.T) {
	var root CLI
	parser, err := newParser(&root, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var walk func(n *kong.Node)
	walk = func(n *kong.Node) {
		name := n.FullPath()
		_, examples, ok := strings.Cut(n.Detail, "Examples:\n")
		if !ok {
			t.Errorf("%q: no Examples section in its help", name)
		}
		found := 0
		for line := range strings.Lines(examples) {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			m := exampleCommand.FindString(line)
			if m == "" {
				t.Errorf("%q: example %q runs no bot command", name, line)
				continue
			}
			found++
			m = strings.TrimPrefix(strings.TrimPrefix(m, "| "), "<(")
			args, err := shellwords.Parse(m)
			if err != nil {
				t.Errorf("%q: example %q: %v", name, line, err)
				continue
			}
			if err := parseOnly(args[1:]); err != nil {
				t.Errorf("%q: example %q does not parse: %v", name, line, err)
			}
		}
		if ok && found == 0 {
			t.Errorf("%q: its Examples section has no example", name)
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(parser.Model.Node)
}

// parseOnly parses args as Main would, without running the command; --help,
// --version and bare groups end the parse with exit code 0, which counts as
// parsed.
func parseOnly(args []string) (err error) {
	var root CLI
	parser, err := newParser(&root, io.Discard, io.Discard)
	if err != nil {
		return err
	}
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(exitPanic); ok && e.code == 0 {
				err = nil
				return
			}
			panic(r)
		}
	}()
	_, err = parser.Parse(args)
	return err
}

// TestBuildInfo: bot version reports the module version and the commit
// from the build info, and says so when the build had none.
func TestBuildInfo(t *testing.T) {
	platform := runtime.GOOS + "/" + runtime.GOARCH
	for _, tc := range []struct {
		name string
		bi   *debug.BuildInfo
		want buildInfo
		text string
	}{
		{
			name: "release from a clean checkout",
			bi: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/botgateway/bot", Version: "v1.2.3"},
				Settings: []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "2a7c38a1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7"},
					{Key: "vcs.time", Value: "2026-11-24T10:20:30Z"}, {Key: "vcs.modified", Value: "false"}}},
			want: buildInfo{Version: "v1.2.3", Commit: "2a7c38a1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7", CommitTime: "2026-11-24T10:20:30Z", Go: "go1.26.8", Platform: platform},
			text: "bot v1.2.3\ncommit 2a7c38a1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7 (2026-11-24T10:20:30Z)\ngo1.26.8 " + platform + "\n",
		},
		{
			name: "modified work tree",
			bi: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.0.0-20261124102030-2a7c38a1d2e3+dirty"},
				Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "2a7c38a1d2e3"}, {Key: "vcs.modified", Value: "true"}}},
			want: buildInfo{Version: "v0.0.0-20261124102030-2a7c38a1d2e3+dirty", Commit: "2a7c38a1d2e3", Modified: true, Go: "go1.26.8", Platform: platform},
			text: "bot v0.0.0-20261124102030-2a7c38a1d2e3+dirty\ncommit 2a7c38a1d2e3 (modified)\ngo1.26.8 " + platform + "\n",
		},
		{
			name: "no VCS information",
			bi:   &debug.BuildInfo{GoVersion: "go1.26.8"},
			want: buildInfo{Version: "(devel)", Go: "go1.26.8", Platform: platform},
			text: "bot (devel)\ncommit unknown (built without VCS information)\ngo1.26.8 " + platform + "\n",
		},
		{
			name: "no build info",
			want: buildInfo{Version: "(devel)", Go: runtime.Version(), Platform: platform},
			text: "bot (devel)\ncommit unknown (built without VCS information)\n" + runtime.Version() + " " + platform + "\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := readBuildInfo(tc.bi)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("readBuildInfo (-want +got):\n%s", diff)
			}
			var b strings.Builder
			if err := got.writeText(&b); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.text, b.String()); diff != "" {
				t.Errorf("text (-want +got):\n%s", diff)
			}
		})
	}
}
