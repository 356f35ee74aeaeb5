package errline

import (
	"errors"
	"fmt"
	"io/fs"
	"syscall"
	"testing"

	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/config"
	"github.com/botgateway/bot/internal/testenv"
)

func TestLine(t *testing.T) {
	env := testenv.New(t)
	p := config.Paths{Home: env.Home}
	store := env.Store("main", `{"version":1,`)
	_, _, storeErr := auth.LoadStore(store)
	if storeErr == nil {
		t.Fatal("a truncated store loaded")
	}
	db := env.Path(".bot/sessions.db")
	tests := []struct {
		name      string
		err       error
		want      string
		explained bool
	}{
		{
			name:      "store the command could not use",
			err:       fmt.Errorf("commands: load credentials of agent main: %w", storeErr),
			want:      "~/.bot/agents/main/agent/auth-profiles.json: invalid JSON at line 1: unexpected end of JSON input; fix the file or restore it from a backup (it was not changed)",
			explained: true,
		},
		{
			name:      "permission denied, the file missing: its directory stops it",
			err:       fmt.Errorf("sessions: open %s: %w", db, &fs.PathError{Op: "open", Path: db, Err: syscall.EACCES}),
			want:      "cannot create a file in ~/.bot: permission denied; run: chmod 700 ~/.bot",
			explained: true,
		},
		{
			name: "a path said twice",
			err:  fmt.Errorf("sessions: open %s: %w", db, &fs.PathError{Op: "open", Path: db, Err: syscall.ENXIO}),
			want: "sessions: open ~/.bot/sessions.db: no such device or address",
		},
		{
			name: "a bug",
			err:  errors.New("index out of range"),
			want: "index out of range",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line, explained := Line(tt.err, p)
			if line != tt.want || explained != tt.explained {
				t.Errorf("Line() = %q, %v\nwant     %q, %v", line, explained, tt.want, tt.explained)
			}
		})
	}
}

func TestDedupe(t *testing.T) {
	for in, want := range map[string]string{
		"open /x: open /x: permission denied":    "open /x: permission denied",
		"a: b: a: b":                             "a: b: a: b",
		"config: read /x: read /x: read /x: EOF": "config: read /x: EOF",
		"one":                                    "one",
	} {
		if got := dedupe(in); got != want {
			t.Errorf("dedupe(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestLineSeveral: joined config problems stay one a line, each shown like
// a single one.
func TestLineSeveral(t *testing.T) {
	p := config.Paths{Home: "/home/u"}
	err := errors.Join(
		&config.Error{Path: "/home/u/.bot/bot.json", Line: 3, Msg: `unknown key "models.defualt"`, Hint: "did you mean models.default?"},
		&config.Error{Path: "/home/u/.bot/bot.json", Line: 5, Msg: `"sessions.historyTurns" must be a number`},
	)
	line, explained := Line(err, p)
	want := "~/.bot/bot.json:3: unknown key \"models.defualt\"; did you mean models.default?\n~/.bot/bot.json:5: \"sessions.historyTurns\" must be a number"
	if line != want || !explained {
		t.Errorf("Line() = %q, %v\nwant     %q, true", line, explained, want)
	}
}
