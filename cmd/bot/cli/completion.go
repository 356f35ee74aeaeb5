package cli

import (
	"fmt"

	"github.com/alecthomas/kong"
	kongcompletion "github.com/jotaen/kong-completion"
)

// CompletionCmd is "bot completion bash|zsh|fish": it prints a script that
// makes the shell ask bot itself for completions. The completions are
// computed from the kong model (jotaen/kong-completion on
// posener/complete), so they follow every command and flag as it is
// defined, with nothing generated to keep in step.
type CompletionCmd struct {
	Shell string `arg:"" enum:"bash,zsh,fish" help:"The shell: bash, zsh or fish."`
}

// completionScripts are the scripts per shell; %[1]s is the command's
// name. The shell runs bot (found on PATH, like the command being
// completed) with COMP_LINE set, and completeIfAsked answers.
var completionScripts = map[string]string{
	"bash": `# bot completion for bash. Load it now:  source <(bot completion bash)
# or for every shell:  bot completion bash >> ~/.bashrc
complete -o default -o bashdefault -C %[1]s %[1]s
`,
	"zsh": `# bot completion for zsh. Load it now:  source <(bot completion zsh)
# or for every shell:  bot completion zsh >> ~/.zshrc
autoload -U +X bashcompinit && bashcompinit
complete -o default -o bashdefault -C %[1]s %[1]s
`,
	"fish": `# bot completion for fish. Load it now:  bot completion fish | source
# or for every shell:  bot completion fish > ~/.config/fish/completions/bot.fish
function __complete_%[1]s
    set -lx COMP_LINE (commandline -cp)
    test -z (commandline -ct)
    and set COMP_LINE "$COMP_LINE "
    %[1]s
end
complete -f -c %[1]s -a "(__complete_%[1]s)"
`,
}

// Run prints the script for c.Shell.
func (c *CompletionCmd) Run(app *App, kctx *kong.Context) error {
	_, err := fmt.Fprintf(app.Stdout, completionScripts[c.Shell], kctx.Model.Name)
	return err
}

// completeIfAsked answers a shell's completion request (COMP_LINE set by
// the scripts above) on the parser's stdout and exits through the parser;
// otherwise it does nothing. posener/complete reads COMP_LINE and
// COMP_POINT from the process environment itself, so getenv only gates it.
func completeIfAsked(parser *kong.Kong, getenv func(string) string) {
	if getenv("COMP_LINE") == "" {
		return
	}
	kongcompletion.Register(parser)
}
