// Package cli is bot's command tree (kong). It is a package of its own so
// that tests run it in-process (testscript maps the "bot" command to Main).
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/signal"
	"regexp"
	"strings"
	"syscall"

	"github.com/alecthomas/kong"

	"github.com/botgateway/bot/config"
	"github.com/botgateway/bot/internal/errline"
	"github.com/botgateway/bot/internal/termread"
)

// Globals are the flags every command accepts.
type Globals struct {
	StateDir string `name:"state-dir" help:"State directory (default: $BOT_STATE_DIR or ~/.bot)." placeholder:"DIR"`
	Config   string `name:"config" help:"Config file (default: $BOT_CONFIG_PATH or <state dir>/bot.json)." placeholder:"PATH"`
}

// CLI is the root of the command tree.
type CLI struct {
	Globals
	Version versionFlag `name:"version" help:"Print the version and exit."`

	Chat       ChatCmd       `cmd:"" help:"Chat on the console: each stdin line is a message, each reply goes to stdout."`
	Gateway    GatewayCmd    `cmd:"" help:"Run the enabled chat channels as a daemon, with /healthz and /metrics."`
	Sessions   SessionsCmd   `cmd:"" help:"List, show or reset chat sessions."`
	Pairing    PairingCmd    `cmd:"" help:"List and approve the strangers who asked for access in a DM."`
	Models     ModelsCmd     `cmd:"" help:"Model credentials: status, auth."`
	Doctor     DoctorCmd     `cmd:"" help:"Check config, state files, credentials and channel access; --fix repairs."`
	Onboard    OnboardCmd    `cmd:"" help:"Set up bot: credentials, Telegram and Discord, then a live check."`
	Import     ImportCmd     `cmd:"" help:"Bring another tool's setup across (OpenClaw)."`
	VersionCmd VersionCmd    `cmd:"" name:"version" help:"Print the version, commit and Go version."`
	Completion CompletionCmd `cmd:"" help:"Print a shell completion script (bash, zsh or fish)."`
}

// BeforeApply prints the help of a command group run without a
// subcommand ("bot", "bot models", "bot models auth order") and exits 0,
// as gh and kubectl do; kong would call it a usage error.
func (c *CLI) BeforeApply(kctx *kong.Context) error {
	node := kctx.Selected()
	if node == nil {
		node = kctx.Model.Node
	}
	if len(node.Children) == 0 || node.Target.Addr().MethodByName("Run").IsValid() {
		return nil
	}
	if err := kctx.PrintUsage(false); err != nil {
		return err
	}
	kctx.Exit(0)
	return nil
}

// ModelsCmd groups the model and credential commands.
type ModelsCmd struct {
	Status ModelsStatusCmd `cmd:"" help:"Show the configured model and the state of every credential."`
	List   ModelsListCmd   `cmd:"" help:"List the models users may pick, by provider, with aliases."`
	Auth   ModelsAuthCmd   `cmd:"" help:"Add credentials and choose their order."`
	// Cooldown: cooldown.go.
	Cooldown CooldownCmd `cmd:"" help:"List or clear the credentials the router has set aside after failures."`
}

// ModelsAuthCmd groups the credential-changing commands.
type ModelsAuthCmd struct {
	PasteToken PasteTokenCmd `cmd:"" name:"paste-token" help:"Store a token read from stdin (or a hidden prompt) as an auth profile."`
	SetupToken SetupTokenCmd `cmd:"" name:"setup-token" help:"Run 'claude setup-token' and sync the result into anthropic:claude-cli."`
	Order      OrderCmd      `cmd:"" help:"Show or set the agent's credential order for a provider."`
	Remove     AuthRemoveCmd `cmd:"" help:"Remove a credential (log out): from the store, the config and session pins."`
}

// exitPanic carries kong's exit code out of Parse (for --help).
type exitPanic struct{ code int }

// Main runs the bot command line and returns the process exit code. Nothing
// in it calls os.Exit; stdin, stdout, stderr and the environment are
// injected so tests run it in-process.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) (code int) {
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	var root CLI
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(exitPanic); ok {
				code = e.code
				return
			}
			panic(r)
		}
	}()
	parser, err := newParser(&root, stdout, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "bot: %v\n", err)
		return 2
	}
	completeIfAsked(parser, getenv)
	kctx, err := parser.Parse(args)
	if err != nil {
		fmt.Fprintln(stderr, withoutSecrets(usageLine(err), err, args))
		return 2
	}
	app := newApp(&root.Globals, stdin, stdout, stderr, getenv)
	defer app.Close()
	kctx.BindTo(ctx, (*context.Context)(nil))
	err = kctx.Run(app)
	return report(stderr, explain(app, err))
}

// explain returns err as the one line bot prints for it (errline.Line:
// the problem and the fix, paths as "~/…", a permission error with the
// chmod or chown that fixes it). The result still unwraps to err.
func explain(app *App, err error) error {
	if err == nil {
		return nil
	}
	var paths config.Paths
	if p, perr := app.Paths(); perr == nil {
		paths = p
	}
	line, _ := errline.Line(err, paths)
	return lineError{line: line, err: err}
}

// lineError is an error shown as its line that unwraps to the error it
// explains, so report still finds exit codes and interruptions in it.
type lineError struct {
	line string
	err  error
}

func (e lineError) Error() string { return e.line }
func (e lineError) Unwrap() error { return e.err }

// newParser builds the kong parser of the command tree rooted at root.
// Its Exit panics with exitPanic, which Main recovers, so that --help ends
// Main and not the process.
func newParser(root *CLI, stdout, stderr io.Writer) (*kong.Kong, error) {
	return kong.New(root,
		kong.Name("bot"),
		kong.Description("A chat gateway for AI models, with the owner's provider credentials."),
		kong.Writers(stdout, stderr),
		kong.Exit(func(code int) { panic(exitPanic{code}) }),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
		kong.Help(printHelp),
	)
}

// printHelp is kong's help with the root's flags (--state-dir, --config,
// --version) shown once, in "bot --help": a command's help lists its own
// flags and then names the global ones in one line, as kubectl does.
func printHelp(options kong.HelpOptions, kctx *kong.Context) error {
	if kctx.Selected() == nil {
		return kong.DefaultHelpPrinter(options, kctx)
	}
	var global []string
	for _, f := range kctx.Model.Flags {
		if f.Hidden || f.Name == "help" {
			continue
		}
		global = append(global, "--"+f.Name)
		f.Hidden = true
		defer func() { f.Hidden = false }()
	}
	if err := kong.DefaultHelpPrinter(options, kctx); err != nil {
		return err
	}
	if options.Summary || len(global) == 0 {
		return nil
	}
	_, err := fmt.Fprintf(kctx.Stdout, "\nGlobal flags: %s (see \"%s --help\").\n", strings.Join(global, ", "), kctx.Model.Name)
	return err
}

// usageLine is the one line for a command line kong could not parse: its
// message without kong's internals (an optional enum's empty value offered
// as a choice, token types), and the help that shows the right usage.
func usageLine(err error) string {
	msg := kongEnumChoices.ReplaceAllStringFunc(err.Error(), func(m string) string {
		return strings.Replace(strings.ReplaceAll(m, `,""`, ""), `"",`, "", 1)
	})
	if m := kongNoValue.FindStringSubmatch(msg); m != nil {
		msg = m[1] + " needs a value"
	}
	help := "bot --help"
	if pe, ok := errors.AsType[*kong.ParseError](err); ok && pe.Context != nil {
		if n := pe.Context.Selected(); n != nil {
			help = n.FullPath() + " --help"
		}
	}
	return fmt.Sprintf("bot: %s (see %q)", msg, help)
}

// kongEnumChoices matches the choices in kong's enum error: `--x must be
// one of "a","b","" but got "c"`.
var kongEnumChoices = regexp.MustCompile(`must be one of ("[^"]*",?)+ but got`)

// kongNoValue matches kong's errors for a flag given last without its
// value: `--session: expected string value but got "EOL" (<EOL>)`,
// `--message: missing value, expecting "<arg>"`.
var kongNoValue = regexp.MustCompile(`^(-[^:]+): (?:expected \S+ value but got "EOL" \(<EOL>\)|missing value, expecting .*)$`)

// report prints err as one line and maps it to an exit code.
func report(stderr io.Writer, err error) int {
	if err == nil {
		return 0
	}
	if e, ok := errors.AsType[exitError](err); ok {
		return e.code
	}
	if errors.Is(err, termread.ErrInterrupted) {
		return exitInterrupted // Ctrl-C at a prompt: the prompt ended its line
	}
	msg := err.Error()
	// One line: the problem and the fix. Wrapped errors can span lines
	// (joined config problems); keep the first and say how many more.
	if first, rest, ok := strings.Cut(msg, "\n"); ok {
		msg = fmt.Sprintf("%s (and %d more problems)", first, strings.Count(rest, "\n")+1)
	}
	fmt.Fprintln(stderr, msg)
	return 1
}
