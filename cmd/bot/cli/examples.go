package cli

// The Examples section of every command's help, kubectl-style: kong shows
// a command's Help() text under its one-line summary, formatted by go/doc,
// so the indented lines stay as written. They are kept here, together, so
// that they read as one voice; TestEveryCommandHasExamples checks that
// every command has them and that each example parses.

// Help is the root's detailed help.
func (CLI) Help() string {
	return `Examples:

	# Set up a credential, then check it
	bot onboard
	bot models status --check

	# Chat on the console (type /help for the chat commands)
	bot chat
`
}

// Help is "bot chat"'s detailed help.
func (ChatCmd) Help() string {
	return `Examples:

	# Chat on the console: one message per line, Ctrl-D ends
	bot chat

	# Send one message and exit (commas and all: one flag is one message)
	bot chat --message "Hello, how are you, bot?"

	# Pin a credential for the session "work", then ask
	bot chat --session work -m "/model sonnet@anthropic:work" -m "Summarize RFC 9110"
`
}

// Help is "bot pairing"'s detailed help.
func (PairingCmd) Help() string {
	return `Examples:

	# A stranger wrote to the bot in a DM and got a code: see it, let them in
	bot pairing list
	bot pairing approve telegram K7QX2M
`
}

// Help is "bot pairing list"'s detailed help.
func (PairingListCmd) Help() string {
	return `Examples:

	bot pairing list
	bot pairing list --json
`
}

// Help is "bot pairing deny"'s detailed help.
func (PairingDenyCmd) Help() string {
	return `Examples:

	# Refuse the request: the code stops working, and that user gets no new
	# code until its hour is up
	bot pairing deny discord K7QX2M
`
}

// Help is "bot pairing approve"'s detailed help.
func (PairingApproveCmd) Help() string {
	return `Examples:

	# Add the Telegram user who was given the code to channels.telegram.allowFrom
	bot pairing approve telegram K7QX2M
`
}

// Help is "bot sessions"' detailed help.
func (SessionsCmd) Help() string {
	return `Examples:

	bot sessions list
	bot sessions show console:local
	bot sessions reset telegram:42
`
}

// Help is "bot sessions list"'s detailed help.
func (SessionsListCmd) Help() string {
	return `Examples:

	bot sessions list
	bot sessions list --agent work --json
`
}

// Help is "bot sessions show"'s detailed help.
func (SessionsShowCmd) Help() string {
	return `Examples:

	bot sessions show console:local
	bot sessions show discord:dm:123456789012345678 --json
`
}

// Help is "bot sessions reset"'s detailed help.
func (SessionsResetCmd) Help() string {
	return `Examples:

	# Forget the console session's model, pin and history
	bot sessions reset console:local
`
}

// Help is "bot models"' detailed help.
func (ModelsCmd) Help() string {
	return `Examples:

	bot models status
	bot models list
	bot models auth paste-token --provider anthropic
`
}

// Help is "bot models status"'s detailed help.
func (ModelsStatusCmd) Help() string {
	return `Examples:

	bot models status

	# In a script or a health check: exit 1 when the bot cannot run,
	# 2 when a credential expires within 24 hours
	bot models status --check

	bot models status --agent work --json

	# Call each credential once for real (a few tokens); with --check, exit 1
	# when one is rejected or unreachable, 2 when one is only rate limited
	bot models status --probe --check
	bot models status --probe --provider openai --profile anthropic:work
`
}

// Help is "bot models cooldown"'s detailed help.
func (CooldownCmd) Help() string {
	return `Examples:

	# What the router set aside after failures, and until when
	bot models cooldown list

	# The provider is fine again: use the credential at once
	bot models cooldown clear anthropic:work
`
}

// Help is "bot models cooldown list"'s detailed help.
func (CooldownListCmd) Help() string {
	return `Examples:

	bot models cooldown list
	bot models cooldown list --agent work --json
`
}

// Help is "bot models cooldown clear"'s detailed help.
func (CooldownClearCmd) Help() string {
	return `A running bot gateway sees the change at its next message.

Examples:

	bot models cooldown clear anthropic:work

	# Every credential set aside
	bot models cooldown clear
`
}

// Help is "bot models list"'s detailed help.
func (ModelsListCmd) Help() string {
	return `Examples:

	bot models list
	bot models list --json
`
}

// Help is "bot models auth"'s detailed help.
func (ModelsAuthCmd) Help() string {
	return `Examples:

	bot models auth paste-token --provider anthropic
	bot models auth setup-token
	bot models auth order set --provider anthropic anthropic:work anthropic:claude-cli
	bot models auth remove anthropic:work
`
}

// Help is "bot models auth remove"'s detailed help.
func (AuthRemoveCmd) Help() string {
	return `Removes the credential from the agent's auth-profiles.json and its
declaration from the config (auth.profiles and auth.order). Sessions pinned
to it lose the pin and use the candidate order again. Removing
anthropic:claude-cli also stops syncing Claude Code's login into the agent
until "bot models auth setup-token"; Claude Code's own login is left alone.

Examples:

	# Log out of a pasted token
	bot models auth remove anthropic:work

	# Stop using the Claude subscription (claude itself stays logged in)
	bot models auth remove anthropic:claude-cli

	# Another agent's credential
	bot models auth remove openrouter:default --agent research
`
}

// Help is "bot models auth paste-token"'s detailed help.
func (PasteTokenCmd) Help() string {
	return `The token is read from stdin or a hidden prompt, never from the command
line (it would land in the shell's history and the process list).

Examples:

	# Paste at the hidden prompt
	bot models auth paste-token --provider anthropic --profile-id anthropic:work

	# From a password manager, expiring in a year
	pass show anthropic | bot models auth paste-token --provider anthropic --expires-in 365d

	# Store it only if the provider accepts it (one real call)
	pass show openai | bot models auth paste-token --provider openai --validate
`
}

// Help is "bot models auth setup-token"'s detailed help.
func (SetupTokenCmd) Help() string {
	return `Examples:

	# Log in with Claude Code and store the result as anthropic:claude-cli
	bot models auth setup-token
`
}

// Help is "bot models auth order"'s detailed help.
func (OrderCmd) Help() string {
	return `Examples:

	bot models auth order get --provider anthropic
	bot models auth order set --provider anthropic anthropic:work anthropic:home
	bot models auth order clear --provider anthropic
`
}

// Help is "bot models auth order get"'s detailed help.
func (OrderGetCmd) Help() string {
	return `Examples:

	bot models auth order get --provider anthropic
	bot models auth order get --provider openai --agent work --json
`
}

// Help is "bot models auth order set"'s detailed help.
func (OrderSetCmd) Help() string {
	return `Examples:

	# Try work first, then the Claude subscription
	bot models auth order set --provider anthropic anthropic:work anthropic:claude-cli
`
}

// Help is "bot models auth order clear"'s detailed help.
func (OrderClearCmd) Help() string {
	return `Examples:

	# Back to the config's auth.order, or the default order
	bot models auth order clear --provider anthropic
`
}

// Help is "bot doctor"'s detailed help.
func (DoctorCmd) Help() string {
	return `Examples:

	bot doctor

	# Repair file permissions without asking
	bot doctor --fix --non-interactive
`
}

// Help is "bot onboard"'s detailed help.
func (OnboardCmd) Help() string {
	return `Examples:

	# Answer the questions (plain numbered prompts: --accessible)
	bot onboard

	# In a script: the key from stdin
	printenv OPENAI_API_KEY | bot onboard --non-interactive --provider openai

	# Several secrets as KEY=value lines on stdin, channels from flags
	pass show bot | bot onboard --non-interactive --telegram --allow-from 123456789
`
}

// Help is "bot version"'s detailed help.
func (VersionCmd) Help() string {
	return `Examples:

	bot version
	bot --version
	bot version --json
`
}

// Help is "bot completion"'s detailed help.
func (CompletionCmd) Help() string {
	return `Examples:

	# Load completions in this shell
	source <(bot completion bash)
	source <(bot completion zsh)
	bot completion fish | source

	# Load them in every new shell
	bot completion bash >> ~/.bashrc
	bot completion zsh >> ~/.zshrc
	bot completion fish > ~/.config/fish/completions/bot.fish
`
}
