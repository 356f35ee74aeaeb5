// Command fakediscord runs bot's loopback fake of Discord (package
// internal/fakes: the REST API and the gateway websocket) outside go
// test, so that `bot gateway` can be tried by hand with the terminal
// playing the Discord users. It is a development aid; bot itself never
// uses it.
//
// Usage:
//
//	go run ./internal/fakes/fakediscord
//
// It prints on stdout the shell lines that point bot at the fake (export
// BOT_DISCORD_API_URL=… and DISCORD_BOT_TOKEN=…, a token only the fake
// accepts), then reads lines from stdin. A line is a message from the
// user Ada in her DM with the bot, unless it starts with ':':
//
//	:guild TEXT                  Ada writes TEXT in #general (no mention)
//	:at TEXT                     Ada writes TEXT in #general, mentioning the bot
//	:thread TEXT                 Ada writes TEXT in the thread, mentioning the bot
//	:cmd NAME [OPT=VALUE …]      Ada runs /NAME where she last wrote
//	:auto NAME OPT TEXT          Ada types TEXT into the option OPT of /NAME
//	:choose MSG ID VALUE…        Ada picks VALUEs in the select menu ID of message MSG
//	:press MSG ID                Ada presses the button ID of message MSG
//	:commands                    print the registered commands
//	:drop                        drop the gateway socket (the bot resumes)
//	:help                        print this list
//
// What the bot does is printed on stdout, one line each: a message (with
// its components; "ephemeral" when only Ada sees it), an edit, typing,
// an interaction's response and autocomplete choices. Text from the bot is
// printed quoted (Go syntax), so no control character reaches the
// terminal. The fake runs until stdin ends, SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/botgateway/bot/internal/fakes"
	"github.com/botgateway/bot/internal/fakes/fakecli"
)

func main() { fakecli.Main("fakediscord", run) }

// world is what the terminal plays: Ada, her DM, a guild with #general
// and a thread, and where she last wrote.
type world struct {
	f                   *fakes.Discord
	ada                 fakes.DiscordUser
	dm, general, thread fakes.DiscordChannel
	last                fakes.DiscordChannel
}

// run starts the fake, prints the exports, plays the users from stdin and
// prints what the bot does until stdin ends or ctx does.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("fakediscord", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if help, err := fakecli.Parse(fs, args); help || err != nil {
		return err
	}
	var done fakecli.Cleanups
	defer done.Run()
	f := fakes.NewDiscord(&done)
	w := &world{f: f, ada: f.AddUser("ada")}
	w.dm = f.DM(w.ada)
	g := f.AddGuild("fake guild")
	w.general = f.AddTextChannel(g, "general")
	w.thread = f.AddThread(w.general, "topic")
	w.last = w.dm

	out := fakecli.NewOut(stdout)
	out.Printf("export BOT_DISCORD_API_URL=%s\nexport DISCORD_BOT_TOKEN=%s\n", f.URL(), f.Token())
	out.Printf("# guild %s: #general %s, thread %s; Ada is user %s\n", g.ID, w.general.ID, w.thread.ID, w.ada.ID)

	fakecli.Loop(ctx, stdin, out, func(ctx context.Context) { watch(ctx, w, out) }, func(line string) error { return w.play(line, out) })
	return nil
}

// play acts one line of input.
func (w *world) play(line string, out *fakecli.Out) error {
	f := w.f
	if !strings.HasPrefix(line, ":") {
		w.last = w.dm
		f.SendText(w.dm, w.ada, line)
		return nil
	}
	cmd, rest, _ := strings.Cut(line[1:], " ")
	switch cmd {
	case "guild":
		w.last = w.general
		f.SendText(w.general, w.ada, rest)
	case "at":
		w.last = w.general
		f.Send(fakes.DiscordIncoming{Channel: w.general, From: w.ada, Content: rest, MentionBot: true})
	case "thread":
		w.last = w.thread
		f.Send(fakes.DiscordIncoming{Channel: w.thread, From: w.ada, Content: rest, MentionBot: true})
	case "cmd":
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			return errors.New("usage: :cmd NAME [OPT=VALUE …]")
		}
		run := fakes.DiscordCommandRun{Channel: w.last, From: w.ada, Name: fields[0]}
		for _, kv := range fields[1:] {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				run.Name += " " + kv // a subcommand
				continue
			}
			run.Options = append(run.Options, fakes.DiscordOptionInput{Name: k, Value: v})
		}
		if _, err := f.RunCommand(run); err != nil {
			return err
		}
	case "auto":
		fields := strings.SplitN(rest, " ", 3)
		if len(fields) < 2 {
			return errors.New("usage: :auto NAME OPT TEXT")
		}
		text := ""
		if len(fields) == 3 {
			text = fields[2]
		}
		run := fakes.DiscordCommandRun{Channel: w.last, From: w.ada, Name: fields[0],
			Options: []fakes.DiscordOptionInput{{Name: fields[1], Value: text}}}
		if _, err := f.StartAutocomplete(run, fields[1]); err != nil {
			return err
		}
	case "choose", "press":
		fields := strings.Fields(rest)
		if len(fields) < 2 || cmd == "choose" && len(fields) < 3 {
			return fmt.Errorf("usage: :choose MSG ID VALUE… | :press MSG ID")
		}
		ch, ok := w.channelOf(fields[0])
		if !ok {
			return fmt.Errorf("no message %s", fields[0])
		}
		var err error
		if cmd == "choose" {
			_, err = f.Choose(w.ada, ch.ID, fields[0], fields[1], fields[2:]...)
		} else {
			_, err = f.Press(w.ada, ch.ID, fields[0], fields[1])
		}
		return err
	case "commands":
		for _, scope := range []string{"", w.general.GuildID} {
			where := "global"
			if scope != "" {
				where = "guild"
			}
			for _, c := range f.Commands(scope) {
				var opts []string
				for _, o := range c.Options {
					opts = append(opts, fmt.Sprintf("%s(type %d, required %v, autocomplete %v)", o.Name, o.Type, o.Required, o.Autocomplete))
				}
				out.Printf("command %s: /%s %q %s\n", where, c.Name, c.Description, strings.Join(opts, " "))
			}
		}
	case "drop":
		f.DropSocket()
	case "help":
		out.Printf("TEXT | :guild TEXT | :at TEXT | :thread TEXT | :cmd NAME [OPT=VALUE …] | :auto NAME OPT TEXT | " +
			":choose MSG ID VALUE… | :press MSG ID | :commands | :drop | :help\n")
	default:
		return fmt.Errorf("unknown %q (:help lists them)", ":"+cmd)
	}
	return nil
}

// channelOf finds the channel of a message id among the played ones.
func (w *world) channelOf(id string) (fakes.DiscordChannel, bool) {
	for _, ch := range []fakes.DiscordChannel{w.dm, w.general, w.thread} {
		if _, ok := w.f.Message(ch.ID, id); ok {
			return ch, true
		}
	}
	return fakes.DiscordChannel{}, false
}

// watch prints what the bot does, at every change of the fake.
func watch(ctx context.Context, w *world, out *fakecli.Out) {
	f := w.f
	edits := map[string]int{}
	typing := map[string]int{}
	answered := map[string]bool{}
	names := map[string]string{w.dm.ID: "DM", w.general.ID: "#general", w.thread.ID: "#general/topic"}
	for {
		changed := f.Changed()
		for _, ch := range []fakes.DiscordChannel{w.dm, w.general, w.thread} {
			for _, m := range f.BotMessages(ch.ID) {
				n, ok := edits[m.ID]
				switch {
				case !ok:
					out.Printf("bot → %s %s%s: %q%s\n", names[ch.ID], m.ID, flags(m), m.Content, components(m))
				case m.Edits > n:
					out.Printf("bot ✎ %s %s%s: %q%s\n", names[ch.ID], m.ID, flags(m), m.Content, components(m))
				}
				edits[m.ID] = m.Edits
			}
			t := f.Typing(ch.ID)
			if len(t) > typing[ch.ID] {
				out.Printf("bot … %s: typing\n", names[ch.ID])
			}
			typing[ch.ID] = len(t)
		}
		for _, in := range f.Interactions() {
			if !in.Responded || answered[in.ID] {
				continue
			}
			answered[in.ID] = true
			switch {
			case in.ResponseType == fakes.DiscordRespondAutocomplete:
				var cs []string
				for _, c := range in.Choices {
					cs = append(cs, fmt.Sprintf("%q=%v", c.Name, c.Value))
				}
				out.Printf("bot answers autocomplete of /%s %s in %v: %s\n", in.Command, in.Focused, in.Latency(), strings.Join(cs, ", "))
			default:
				out.Printf("bot answers interaction %s (type %d) in %v\n", in.ID, in.ResponseType, in.Latency())
			}
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return
		}
	}
}

// flags renders what is special about a message.
func flags(m fakes.DiscordMessage) string {
	var fs []string
	if m.Ephemeral() {
		fs = append(fs, "ephemeral")
	}
	if len(m.Pinged) > 0 || m.PingedEveryone {
		fs = append(fs, "pings")
	}
	for _, a := range m.Attachments {
		fs = append(fs, "file "+fmt.Sprintf("%q", a.Filename))
	}
	if len(fs) == 0 {
		return ""
	}
	return " (" + strings.Join(fs, ", ") + ")"
}

// components renders a message's buttons and select menus.
func components(m fakes.DiscordMessage) string {
	var rows []string
	for _, row := range m.Components {
		var cs []string
		for _, c := range row.Components {
			switch c.Type {
			case 2:
				cs = append(cs, fmt.Sprintf("button %q→%q", c.Label, c.CustomID+c.URL))
			default:
				var opts []string
				for _, o := range c.Options {
					opts = append(opts, fmt.Sprintf("%q=%q", o.Label, o.Value))
				}
				cs = append(cs, fmt.Sprintf("select %q{%s}", c.CustomID, strings.Join(opts, " ")))
			}
		}
		rows = append(rows, strings.Join(cs, " "))
	}
	if len(rows) == 0 {
		return ""
	}
	return " [" + strings.Join(rows, " | ") + "]"
}
