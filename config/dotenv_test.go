package config

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseDotenv(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		entries  []dotenvEntry
		problems []dotenvProblem
	}{
		{
			name:    "plain, export, spaces, blank lines and comments",
			in:      "# comment\n\nA=1\nexport B=two words\n  C = 3  \r\nexport\tD=4\n",
			entries: []dotenvEntry{{"A", "1", 3, 3}, {"B", "two words", 4, 4}, {"C", "3", 5, 5}, {"D", "4", 6, 6}},
		},
		{
			name:    "inline comments on unquoted values only",
			in:      "A=abc # note\nB=a#b\nC= #only comment\nD=\"x # y\" # note\nE='p#q'\n",
			entries: []dotenvEntry{{"A", "abc", 1, 1}, {"B", "a#b", 2, 2}, {"C", "", 3, 3}, {"D", "x # y", 4, 4}, {"E", "p#q", 5, 5}},
		},
		{
			name:    "quotes",
			in:      `A="line\nbreak \"q\" \\ \t"` + "\n" + `B='raw\n'` + "\n" + `C=""` + "\n",
			entries: []dotenvEntry{{"A", "line\nbreak \"q\" \\ \t", 1, 1}, {"B", `raw\n`, 2, 2}, {"C", "", 3, 3}},
		},
		{
			name:    "multi-line quoted value",
			in:      "KEY=\"-----BEGIN-----\nabc\n-----END-----\"\nNEXT=1\n",
			entries: []dotenvEntry{{"KEY", "-----BEGIN-----\nabc\n-----END-----", 1, 3}, {"NEXT", "1", 4, 4}},
		},
		{
			name:    "malformed lines are skipped with their line number",
			in:      "sk-ant-secret\nGOOD=1\n1BAD=2\nexport\nX=\"unterminated\nY='a' b\nZ=3\n=4\n",
			entries: []dotenvEntry{{"GOOD", "1", 2, 2}, {"Z", "3", 7, 7}},
			problems: []dotenvProblem{
				{1, "not a KEY=value line; skipped"},
				{3, "not a KEY=value line; skipped"},
				{4, "not a KEY=value line; skipped"},
				{5, "unterminated quoted value; skipped"},
				{6, "unexpected text after the closing quote; skipped"},
				{8, "not a KEY=value line; skipped"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			entries, problems := parseDotenv(tt.in)
			if diff := cmp.Diff(tt.entries, entries, cmp.AllowUnexported(dotenvEntry{})); diff != "" {
				t.Errorf("entries (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.problems, problems, cmp.AllowUnexported(dotenvProblem{})); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}
