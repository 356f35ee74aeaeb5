package commands_test

import (
	"regexp"
	"testing"
	"unicode/utf8"

	"github.com/botgateway/bot/commands"
)

// The platforms' limits on native commands, as their documentation states
// them. Where the two differ the stricter holds, since one table feeds both.
const (
	// Telegram Bot API, BotCommand and setMyCommands: a command is 1–32
	// characters of lower-case English letters, digits and underscores,
	// its description 1–256 characters; at most 100 commands.
	//
	// Discord, application command object: a CHAT_INPUT name (and an
	// option's) is 1–32 characters of
	// ^[-_\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$ in lower case, a
	// description (and an option's) 1–100 characters; at most 25 options,
	// required ones before optional ones; at most 100 global CHAT_INPUT
	// commands; at most 4000 characters of names, descriptions and values
	// in one command, its options and their choices.
	maxCommands      = 100
	maxDescription   = 100 // Discord's; Telegram allows 256
	maxArgs          = 25
	maxCombinedChars = 4000
)

// platformName is a name both platforms accept: Telegram's alphabet is
// the narrower one, and lower case is Discord's rule too.
var platformName = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)

// TestSpecsWithinPlatformLimits checks the real command table against
// Telegram's and Discord's limits, since the menus of both are generated
// from it (DESIGN §5.1).
func TestSpecsWithinPlatformLimits(t *testing.T) {
	specs := commands.New(commands.Config{}).Registry().Specs()
	if len(specs) == 0 || len(specs) > maxCommands {
		t.Fatalf("%d commands, want 1 to %d", len(specs), maxCommands)
	}
	names := map[string]bool{}
	for _, s := range specs {
		if !platformName.MatchString(s.Name) {
			t.Errorf("/%s: the name must be 1–32 of a-z, 0-9 and _", s.Name)
		}
		if names[s.Name] {
			t.Errorf("/%s: declared twice", s.Name)
		}
		names[s.Name] = true
		checkDescription(t, "/"+s.Name, s.Summary)
		if len(s.Args) > maxArgs {
			t.Errorf("/%s: %d arguments, at most %d", s.Name, len(s.Args), maxArgs)
		}
		combined := utf8.RuneCountInString(s.Name) + utf8.RuneCountInString(s.Summary)
		args := map[string]bool{}
		optional := false
		for _, a := range s.Args {
			where := "/" + s.Name + " " + a.Name
			if !platformName.MatchString(a.Name) {
				t.Errorf("%s: the argument name must be 1–32 of a-z, 0-9 and _", where)
			}
			if args[a.Name] {
				t.Errorf("%s: declared twice", where)
			}
			args[a.Name] = true
			if a.Type != commands.ArgString {
				t.Errorf("%s: type %q, want one of the declared types", where, a.Type)
			}
			checkDescription(t, where, a.Description)
			if a.Required && optional {
				t.Errorf("%s: a required argument after an optional one", where)
			}
			optional = optional || !a.Required
			if a.Words < 0 {
				t.Errorf("%s: Words %d", where, a.Words)
			}
			combined += utf8.RuneCountInString(a.Name) + utf8.RuneCountInString(a.Description)
		}
		if combined > maxCombinedChars {
			t.Errorf("/%s: %d characters of names and descriptions, at most %d", s.Name, combined, maxCombinedChars)
		}
	}
}

func checkDescription(t *testing.T, where, d string) {
	t.Helper()
	if n := utf8.RuneCountInString(d); n < 1 || n > maxDescription {
		t.Errorf("%s: description of %d characters, want 1 to %d: %q", where, n, maxDescription, d)
	}
}

// TestMaxArgsFromArgs checks that the number of words a command takes
// derives from its declared arguments.
func TestMaxArgsFromArgs(t *testing.T) {
	reg := commands.New(commands.Config{}).Registry()
	for name, want := range map[string]int{"model": 2, "models": 1, "new": 0, "reset": 0, "help": 0} {
		c, ok := reg.Lookup(name)
		if !ok {
			t.Fatalf("/%s not registered", name)
		}
		if got := c.MaxArgs(); got != want {
			t.Errorf("/%s: MaxArgs() = %d, want %d", name, got, want)
		}
	}
}
