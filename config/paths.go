package config

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/botgateway/bot/internal/secret"
)

// DefaultAgent is the id of the agent used when none is configured or given.
const DefaultAgent = "main"

// DefaultModel is the model used when models.default is not set, so
// Anthropic is the provider in use on a fresh install.
const DefaultModel = "anthropic/claude-sonnet-4-5"

// Paths are the locations of bot's files on this host. The zero Paths is
// not usable; build one with ResolvePaths.
type Paths struct {
	// Home is the user's home directory ($HOME).
	Home string
	// StateDir is the state directory: $BOT_STATE_DIR, else ~/.bot.
	StateDir string
	// ConfigPath is the config file: $BOT_CONFIG_PATH, else <StateDir>/bot.json.
	ConfigPath string
}

// ResolvePaths computes Paths from the environment read through getenv
// (os.Getenv in production, a map in tests). HOME must be set. A leading
// "~" in BOT_STATE_DIR or BOT_CONFIG_PATH is expanded (systemd units and
// .env files do not expand it); other relative paths are kept as given,
// relative to the working directory. It does no I/O.
func ResolvePaths(getenv func(string) string) (Paths, error) {
	home := strings.TrimSpace(getenv("HOME"))
	if home == "" {
		return Paths{}, errors.New("config: HOME is not set; set HOME to your home directory (for example HOME=/home/you) or run bot from a login session")
	}
	home = filepath.Clean(home)
	p := Paths{Home: home}
	p.StateDir = filepath.Join(home, ".bot")
	if v := strings.TrimSpace(getenv("BOT_STATE_DIR")); v != "" {
		p.StateDir = expandHome(v, home)
	}
	p.ConfigPath = filepath.Join(p.StateDir, "bot.json")
	if v := strings.TrimSpace(getenv("BOT_CONFIG_PATH")); v != "" {
		p.ConfigPath = expandHome(v, home)
	}
	return p, nil
}

// expandHome replaces a leading "~" or "~/" of path with home and cleans it.
func expandHome(path, home string) string {
	switch {
	case path == "~":
		return home
	case strings.HasPrefix(path, "~/"):
		return filepath.Join(home, path[2:])
	}
	return filepath.Clean(path)
}

// AgentDir returns the directory of one agent, <StateDir>/agents/<id>/agent,
// which holds its auth-profiles.json. The id is normalized with
// NormalizeAgent, so it can never point outside the agents directory.
func (p Paths) AgentDir(agentID string) string {
	return filepath.Join(p.StateDir, "agents", NormalizeAgent(agentID), "agent")
}

// EnvFile returns the state directory's .env file, <StateDir>/.env.
func (p Paths) EnvFile() string {
	return filepath.Join(p.StateDir, ".env")
}

// SessionsDB returns the SQLite database of sessions, <StateDir>/sessions.db.
func (p Paths) SessionsDB() string {
	return filepath.Join(p.StateDir, "sessions.db")
}

// Display returns path for printing, with the home directory replaced by
// "~" ("/home/u/.bot/bot.json" → "~/.bot/bot.json"). Other paths, and every
// path when Home is "/" or empty, are returned unchanged.
func (p Paths) Display(path string) string {
	home := p.Home
	if home == "" || home == string(filepath.Separator) {
		return path
	}
	switch {
	case path == home:
		return "~"
	case strings.HasPrefix(path, home+string(filepath.Separator)):
		return "~" + path[len(home):]
	}
	return path
}

// WorkDotEnv is how messages name the .env of the working directory.
const WorkDotEnv = "./.env"

// DisplayWork returns Display, except that the working directory's .env
// (workDir/.env) shows as WorkDotEnv, as status names it: a refusal of
// that file and its chmod read "./.env", not an absolute path. An empty
// workDir gives Display itself.
func (p Paths) DisplayWork(workDir string) func(string) string {
	if workDir == "" {
		return p.Display
	}
	dotenv := filepath.Join(workDir, ".env")
	return func(path string) string {
		if path == dotenv {
			return WorkDotEnv
		}
		return p.Display(path)
	}
}

// AgentIDForm describes a valid agent id, for error messages.
const AgentIDForm = "1 to 64 letters, digits, '_' or '-', starting with a letter or digit (for example main or work-2)"

// maxAgentLen is the longest agent id.
const maxAgentLen = 64

// agentChar reports whether c may appear in an agent id (lower case).
func agentChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// ValidAgent reports whether id is a valid agent id: 1 to 64 letters,
// digits, '_' or '-', the first a letter or digit (OpenClaw's
// /^[a-z0-9][a-z0-9_-]{0,63}$/i), and not one that looks like a secret
// (secret.Looks: an "sk-ant-…" key typed as the id by mistake must not be
// printed back as "Agent : sk-ant-…" or name a directory). Letters may be
// upper case; the id is the lower-cased form (ParseAgent).
func ValidAgent(id string) bool {
	if id == "" || len(id) > maxAgentLen || id[0] == '_' || id[0] == '-' || secret.Looks(id) {
		return false
	}
	for i := range len(id) {
		if !agentChar(lower(id[i])) {
			return false
		}
	}
	return true
}

// lower lower-cases an ASCII letter.
func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// ParseAgent checks an agent id given by the user (--agent, agents.default)
// and returns its canonical, lower-case form. Surrounding spaces are
// ignored; any other id that is not ValidAgent is an error naming it and
// the allowed form. Nothing is rewritten: "../../etc" is refused, never
// turned into "etc".
func ParseAgent(given string) (string, error) {
	id := strings.TrimSpace(given)
	if !ValidAgent(id) {
		// As typed (" " is not ""), and masked if it is a secret given here
		// by mistake.
		return "", fmt.Errorf("invalid agent id %q: use %s", secret.MaskText(given), AgentIDForm)
	}
	return strings.ToLower(id), nil
}

// DisplayText returns text with every path under the home directory in it
// shown as Display shows it: "open /home/u/.bot/x: …" → "open ~/.bot/x: …".
// It is for messages that name paths among other words (errors of other
// packages); a path must start the text or follow a space, quote, "(" or
// "=", and the home directory must end there or go on with "/".
func (p Paths) DisplayText(text string) string {
	home := p.Home
	if home == "" || home == string(filepath.Separator) || !strings.Contains(text, home) {
		return text
	}
	var b strings.Builder
	for {
		i := strings.Index(text, home)
		if i < 0 {
			b.WriteString(text)
			return b.String()
		}
		after := text[i+len(home):]
		starts := i == 0 || strings.ContainsRune(" \t'\"`(=", rune(text[i-1]))
		ends := after == "" || after[0] == filepath.Separator || !isPathByte(after[0])
		b.WriteString(text[:i])
		if starts && ends {
			b.WriteString("~")
		} else {
			b.WriteString(home)
		}
		text = after
	}
}

// isPathByte reports whether c may go on a file name (anything but the
// punctuation that ends a path in a message).
func isPathByte(c byte) bool {
	return !strings.ContainsRune(" \t'\"`):;,", rune(c))
}

// NormalizeAgent returns the canonical form of an agent id: trimmed and
// lower-cased, every character other than a-z, 0-9, '_' and '-' replaced by
// '-', leading and trailing '-' dropped, at most 64 characters. An id that
// ends up empty is DefaultAgent. Ids from users go through ParseAgent,
// which refuses what NormalizeAgent would rewrite; NormalizeAgent keeps a
// path built from an id inside the agents directory whatever it is given.
func NormalizeAgent(id string) string {
	id = strings.ToLower(strings.TrimSpace(id))
	b := []byte(id)
	for i, c := range b {
		if !agentChar(c) {
			b[i] = '-'
		}
	}
	id = strings.Trim(string(b), "-")
	if len(id) > maxAgentLen {
		id = strings.TrimRight(id[:maxAgentLen], "-")
	}
	if id == "" {
		return DefaultAgent
	}
	return id
}
