package archtest

import (
	"slices"
	"strings"
	"testing"
)

// allowed lists, for every package of the module, everything its non-test
// files may import besides the standard library: the project's packages
// (exactly) and outside modules (a module allows its packages). The lists
// are closed: a new import, or a new package, fails TestImportsClosed
// until it is added here, where the arrows of DESIGN §2 are visible in
// one place (cmd → gateway → adapters, commands → sessions, models → auth
// → config; internal/* below them, and importing none of them, except
// where noted).
var allowed = map[string][]string{
	"adapters":             {},
	"adapters/adaptertest": {"adapters", "github.com/google/go-cmp"},
	"adapters/console":     {"adapters", "internal/termread", "golang.org/x/term"},
	"adapters/discord": {"adapters", "adapters/internal/pickstore", "adapters/internal/textsplit", "internal/logkeys", "internal/secret", "github.com/bwmarrin/discordgo",
		"github.com/gorilla/websocket"},
	"adapters/internal/pickstore": {},
	"adapters/internal/textsplit": {},
	"adapters/telegram":           {"adapters", "adapters/internal/pickstore", "adapters/internal/textsplit", "internal/logkeys", "internal/secret", "github.com/go-telegram/bot"},
	"auth": {"config", "internal/atomicfile", "internal/jsonobj", "internal/logkeys", "internal/providers",
		"internal/safefile", "internal/secret", "golang.org/x/sync"},
	"cmd/bot": {"cmd/bot/cli"},
	"cmd/bot/cli": {"adapters", "adapters/console", "adapters/discord", "adapters/telegram", "auth", "commands", "config", "gateway", "models",
		"models/anthropic", "models/catalog", "models/openai", "openclaw", "sessions",
		"internal/atomicfile", "internal/doctor", "internal/errline", "internal/providers", "internal/safefile", "internal/secret",
		"internal/logkeys", "internal/termread", "internal/termstyle", "github.com/alecthomas/kong", "github.com/charmbracelet/huh", "github.com/fsnotify/fsnotify",
		"github.com/jotaen/kong-completion", "golang.org/x/term"},
	"commands": {"auth", "config", "grammar", "models", "models/catalog", "sessions", "internal/errline", "internal/logkeys",
		"internal/textdist", "internal/usermsg"},
	"config": {"internal/atomicfile", "internal/providers", "internal/safefile", "internal/secret",
		"internal/textdist", "github.com/tailscale/hujson"},
	// gateway's Stack is the one wiring of the chat path, shared by bot
	// chat, bot gateway and the tests: it builds the provider clients.
	"gateway": {"adapters", "auth", "commands", "config", "grammar", "models", "models/anthropic", "models/catalog",
		"models/openai", "sessions", "internal/errline", "internal/logkeys", "internal/usermsg", "golang.org/x/sync",
		"github.com/prometheus/client_golang"},
	"gateway/gatewaytest": {"adapters", "config", "gateway", "internal/testenv", "models", "models/catalog"},
	"grammar":             {"github.com/alecthomas/participle/v2", "github.com/mattn/go-shellwords"},
	"integration":         {},
	"internal/archtest":   {},
	// errline explains the errors of the layers above it: the CLI's
	// one-line messages, and (Chat) the one rule for what a chat user reads
	// of a failure. Only the CLI, the commands and the gateway import it.
	"internal/doctor": {},
	"internal/errline": {"auth", "config", "internal/atomicfile", "internal/logkeys", "internal/safefile",
		"internal/secret", "internal/usermsg", "sessions"},
	"internal/atomicfile":         {"internal/safefile", "github.com/gofrs/flock"},
	"internal/fakes":              {"github.com/gorilla/websocket"},
	"internal/fakes/fakeprovider": {"internal/fakes", "internal/fakes/fakecli", "internal/logkeys", "internal/providers", "internal/secret"},
	"internal/fakes/fakecli":      {},
	"internal/fakes/fakediscord":  {"internal/fakes", "internal/fakes/fakecli"},
	"internal/fakes/faketelegram": {"internal/fakes", "internal/fakes/fakecli"},
	"internal/golden":             {"github.com/rogpeppe/go-internal"},
	"internal/jsonobj":            {},
	"internal/logkeys":            {},
	"internal/logtest":            {},
	"internal/providers":          {},
	"internal/ptytest":            {"github.com/creack/pty", "golang.org/x/sys"},
	"internal/safefile":           {},
	"internal/secret":             {},
	"internal/sqlitetest":         {"modernc.org/sqlite"},
	"internal/termread":           {"golang.org/x/sys"},
	"internal/termstyle":          {"github.com/charmbracelet/lipgloss"},
	"internal/testenv":            {},
	"internal/textdist":           {},
	"internal/usermsg":            {},
	"models":                      {"auth", "models/catalog", "internal/logkeys", "internal/providers", "internal/usermsg"},
	"models/anthropic":            {"auth", "models", "internal/providers", "github.com/anthropics/anthropic-sdk-go"},
	"models/catalog":              {"config", "internal/providers", "internal/secret", "internal/textdist"},
	"models/openai":               {"auth", "models", "internal/providers", "github.com/openai/openai-go/v3"},
	"models/providertest":         {"auth", "models", "internal/fakes", "github.com/google/go-cmp"},
	"sessions":                    {"internal/logkeys", "modernc.org/sqlite"},

	// openclaw reads an OpenClaw state dir and writes it into bot's files
	// through their own writers (bot import openclaw).
	"openclaw": {"auth", "config", "internal/atomicfile", "internal/providers", "internal/safefile", "internal/secret", "github.com/tailscale/hujson"},
}

// TestImportsClosed checks every package's imports (its non-test files, as
// built on this platform) against allowed.
func TestImportsClosed(t *testing.T) {
	if testing.Short() {
		t.Skip("go list is slow in -short mode")
	}
	for _, p := range projectPackages(t) {
		rel := p.rel
		list, ok := allowed[rel]
		if !ok {
			t.Errorf("%s is not in internal/archtest's allowed list: add it with what it may import", rel)
			continue
		}
		for _, imp := range p.Imports {
			if !mayImport(list, imp) {
				t.Errorf("%s imports %s, which its closed list in internal/archtest does not allow (DESIGN §2)", rel, strings.TrimPrefix(imp, module+"/"))
			}
		}
	}
}

// mayImport reports whether imp is the standard library or allowed by
// list: a project package exactly, an outside module with its packages.
func mayImport(list []string, imp string) bool {
	if own, ok := strings.CutPrefix(imp, module+"/"); ok {
		return slices.Contains(list, own)
	}
	if first, _, _ := strings.Cut(imp, "/"); !strings.Contains(first, ".") {
		return true // the standard library
	}
	return slices.ContainsFunc(list, func(m string) bool { return imp == m || strings.HasPrefix(imp, m+"/") })
}
