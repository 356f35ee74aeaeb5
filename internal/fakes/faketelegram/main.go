// Command faketelegram runs bot's loopback fake of the Telegram Bot API
// (package internal/fakes) outside go test, so that `bot gateway` can be
// tried by hand with the terminal playing the Telegram users. It is a
// development aid; bot itself never uses it.
//
// Usage:
//
//	go run ./internal/fakes/faketelegram [-username fake_bot]
//
// It prints on stdout the shell lines that point bot at the fake
// (export BOT_TELEGRAM_API_URL=… and TELEGRAM_BOT_TOKEN=…, a token only
// the fake accepts), then reads lines from stdin. A line is a message
// from the user Ada (id 1001) in her private chat with the bot, unless it
// starts with ':':
//
//	:group TEXT          Ada writes TEXT in the group "fake group"
//	:as ID TEXT          user ID writes TEXT in their private chat
//	:press MSG DATA      Ada presses the button DATA on the bot's message
//	                     MSG in the chat she last wrote in
//	:menu                print the command menus the bot set
//	:help                print this list
//
// What the bot does is printed on stdout, one line each: a message it
// sends (with its buttons), an edit, a chat action, a callback answer.
// Text from the bot is printed quoted (Go syntax), so no control
// character reaches the terminal. The fake runs until stdin ends, SIGINT
// or SIGTERM.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/botgateway/bot/internal/fakes"
	"github.com/botgateway/bot/internal/fakes/fakecli"
)

func main() { fakecli.Main("faketelegram", run) }

// The users and chats the terminal plays.
var (
	ada   = fakes.TelegramUser{ID: 1001, FirstName: "Ada", Username: "ada", LanguageCode: "en"}
	group = fakes.GroupChat(-4001, "fake group")
)

// run starts the fake, prints the exports, plays the users from stdin and
// prints what the bot does until stdin ends or ctx does.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("faketelegram", flag.ContinueOnError)
	fs.SetOutput(stderr)
	username := fs.String("username", "fake_bot", "the bot's `username`, without @")
	if help, err := fakecli.Parse(fs, args); help || err != nil {
		return err
	}
	var done fakecli.Cleanups
	defer done.Run()
	f := fakes.NewTelegram(&done)
	f.SetUsername(*username)
	f.AddChat(fakes.PrivateChat(ada))
	f.AddChat(group)

	out := fakecli.NewOut(stdout)
	out.Printf("export BOT_TELEGRAM_API_URL=%s\nexport TELEGRAM_BOT_TOKEN=%s\n", f.URL(), f.Token())

	last := fakes.PrivateChat(ada)
	fakecli.Loop(ctx, stdin, out, func(ctx context.Context) { watch(ctx, f, out) }, func(line string) error { return play(f, line, &last, out) })
	return nil
}

// play acts one line of input.
func play(f *fakes.Telegram, line string, last *fakes.TelegramChat, out *fakecli.Out) error {
	if !strings.HasPrefix(line, ":") {
		*last = fakes.PrivateChat(ada)
		f.SendText(*last, ada, line)
		return nil
	}
	cmd, rest, _ := strings.Cut(line[1:], " ")
	switch cmd {
	case "group":
		*last = group
		f.SendText(group, ada, rest)
	case "as":
		idText, text, _ := strings.Cut(rest, " ")
		id, err := strconv.ParseInt(idText, 10, 64)
		if err != nil || id <= 0 {
			return fmt.Errorf("usage: :as ID TEXT")
		}
		u := fakes.TelegramUser{ID: id, FirstName: "User " + idText}
		*last = fakes.PrivateChat(u)
		f.SendText(*last, u, text)
	case "press":
		msgText, data, _ := strings.Cut(rest, " ")
		msg, err := strconv.Atoi(msgText)
		if err != nil {
			return fmt.Errorf("usage: :press MSG DATA")
		}
		if _, err := f.Press(ada, last.ID, msg, data); err != nil {
			return err
		}
	case "menu":
		for _, scope := range []string{"default", "all_private_chats", "all_group_chats", "all_chat_administrators"} {
			for _, c := range f.Commands(scope, "") {
				out.Printf("menu %s: /%s %q\n", scope, c.Command, c.Description)
			}
		}
	case "help":
		out.Printf("TEXT | :group TEXT | :as ID TEXT | :press MSG DATA | :menu | :help\n")
	default:
		return fmt.Errorf("unknown %q (:help lists them)", ":"+cmd)
	}
	return nil
}

// watch prints what the bot does, at every change of the fake.
func watch(ctx context.Context, f *fakes.Telegram, out *fakecli.Out) {
	type shown struct {
		edits   int
		deleted bool
	}
	seen := map[[2]int64]shown{} // chat, message id → what was printed
	actions := map[int64]int{}
	answered := map[string]bool{}
	for {
		changed := f.Changed()
		all := f.Calls()
		for _, c := range all {
			if c.Method == "answerCallbackQuery" && c.Status == 200 {
				id := c.Params["callback_query_id"]
				if !answered[id] {
					answered[id] = true
					out.Printf("bot answers the press %s: %q\n", id, c.Params["text"])
				}
			}
		}
		for _, chat := range chatsOf(all) {
			for _, m := range f.BotMessages(chat) {
				key := [2]int64{chat, int64(m.ID)}
				was, ok := seen[key]
				switch {
				case !ok:
					out.Printf("bot → chat %d #%d: %q%s\n", chat, m.ID, m.Text, buttons(m))
				case m.Edits > was.edits:
					out.Printf("bot ✎ chat %d #%d: %q%s\n", chat, m.ID, m.Text, buttons(m))
				}
				if m.Deleted && !was.deleted {
					out.Printf("bot ✗ chat %d #%d deleted\n", chat, m.ID)
				}
				seen[key] = shown{edits: m.Edits, deleted: m.Deleted}
			}
			acts := f.Actions(chat)
			for _, a := range acts[min(actions[chat], len(acts)):] {
				out.Printf("bot … chat %d: %s\n", chat, a.Action)
			}
			actions[chat] = len(acts)
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return
		}
	}
}

// chatsOf returns the chats the calls addressed, in order of first use.
func chatsOf(calls []fakes.TelegramCall) []int64 {
	var out []int64
	for _, c := range calls {
		id, err := strconv.ParseInt(c.Params["chat_id"], 10, 64)
		if err == nil && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// buttons renders a message's inline keyboard.
func buttons(m fakes.TelegramMessage) string {
	if m.ReplyMarkup == nil {
		return ""
	}
	var rows []string
	for _, row := range m.ReplyMarkup.InlineKeyboard {
		var bs []string
		for _, b := range row {
			bs = append(bs, fmt.Sprintf("%q→%q", b.Text, b.CallbackData+b.URL))
		}
		rows = append(rows, strings.Join(bs, " "))
	}
	return " [" + strings.Join(rows, " | ") + "]"
}
