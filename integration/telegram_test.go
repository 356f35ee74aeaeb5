package integration

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/botgateway/bot/internal/fakes"
)

// Telegram users of the end-to-end tests: the owner is in allowFrom.
var (
	owner    = fakes.TelegramUser{ID: 42, FirstName: "Owner", Username: "owner"}
	stranger = fakes.TelegramUser{ID: 555, FirstName: "Stranger", Username: "stranger"}
	group    = fakes.GroupChat(-1001, "team")
)

// tgRig runs the bot binary as "bot gateway" over a temp HOME, against the
// Telegram and Anthropic fakes, and restarts or kills it as a test asks.
type tgRig struct {
	t      *testing.T
	e      *env
	bin    string
	tg     *fakes.Telegram
	ai     *fakes.Anthropic
	listen string

	cmd    *exec.Cmd
	exited chan struct{}
	mu     sync.Mutex
	logs   bytes.Buffer // every run's stderr
}

func (r *tgRig) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.logs.Write(p)
}

// newTGRig prepares a HOME with two Anthropic keys and the owner in
// channels.telegram.allowFrom; the gateway is not started.
func newTGRig(t *testing.T) *tgRig {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin, err := buildBot()
	if err != nil {
		t.Fatal(err)
	}
	r := &tgRig{t: t, e: newEnv(t), bin: bin, tg: fakes.NewTelegram(t), ai: fakes.NewAnthropic(t)}
	r.ai.Allow(keyWork, keyHome)
	r.e.Store("main", twoKeys)
	r.listen = freeAddr(t)
	r.e.Config(fmt.Sprintf(`{"channels": {"telegram": {"allowFrom": [%d]}}, "gateway": {"listen": %q}}`, owner.ID, r.listen))
	r.e.Set("TELEGRAM_BOT_TOKEN", r.tg.Token())
	r.e.Set("BOT_TELEGRAM_API_URL", r.tg.URL())
	r.e.Set("ANTHROPIC_BASE_URL", r.ai.URL())
	r.e.Set("BOT_LOG_FORMAT", "json")
	r.tg.SetWaitTimeout(30 * time.Second)
	t.Cleanup(func() {
		if r.cmd != nil && r.cmd.ProcessState == nil {
			r.cmd.Process.Kill()
			<-r.exited
		}
		if t.Failed() {
			r.mu.Lock()
			t.Logf("gateway logs:\n%s", r.logs.String())
			r.mu.Unlock()
		}
	})
	return r
}

// freeAddr returns a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// start runs bot gateway and waits until /healthz answers 200.
func (r *tgRig) start() {
	r.t.Helper()
	r.cmd = exec.Command(r.bin, "gateway")
	r.cmd.Env = r.e.Environ()
	r.cmd.Stderr = r
	r.cmd.Stdout = r
	if err := r.cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	r.exited = make(chan struct{})
	go func() { r.cmd.Wait(); close(r.exited) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + r.listen + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-r.exited:
			r.t.Fatalf("bot gateway exited before it was healthy: %v", r.cmd.ProcessState)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			r.t.Fatal("bot gateway not healthy after 30 s")
		}
	}
}

// stop sends sig and returns the exit code.
func (r *tgRig) stop(sig syscall.Signal) int {
	r.t.Helper()
	if err := r.cmd.Process.Signal(sig); err != nil {
		r.t.Fatal(err)
	}
	select {
	case <-r.exited:
	case <-time.After(30 * time.Second):
		r.t.Fatalf("bot gateway still running 30 s after %v", sig)
	}
	return r.cmd.ProcessState.ExitCode()
}

// say sends text from u in chat and waits for the bot's next message
// there, returning its text: for a command's one-message reply (a
// streamed chat reply is waited for with waitText).
func (r *tgRig) say(chat fakes.TelegramChat, u fakes.TelegramUser, text string) string {
	r.t.Helper()
	n := len(r.tg.BotMessages(chat.ID))
	r.tg.SendText(chat, u, text)
	return r.tg.WaitBotMessages(r.t, chat.ID, n+1)[n].Text
}

// waitText waits until one of the bot's messages in chat has a text for
// which cond holds, and returns the bot's messages there.
func (r *tgRig) waitText(chat fakes.TelegramChat, what string, cond func(string) bool) []fakes.TelegramMessage {
	r.t.Helper()
	var msgs []fakes.TelegramMessage
	r.tg.WaitUntil(r.t, what, func() bool {
		msgs = r.tg.BotMessages(chat.ID)
		for _, m := range msgs {
			if cond(m.Text) {
				return true
			}
		}
		return false
	})
	return msgs
}

// TestTelegramGateway: bot gateway serves Telegram end to end. The menu is
// set; the owner pins sonnet@anthropic:work with /model@bot in a group and
// chats, and the provider sees the work key; a stranger is refused and
// changes nothing; the picker pins by presses; a 9,000-character reply
// arrives as valid messages; a 429 and a dropped connection are
// survived; a gateway killed during a reply answers that message once
// after a restart and nothing twice; the pin survives the restart; SIGTERM
// exits 0.
func TestTelegramGateway(t *testing.T) {
	r := newTGRig(t)
	r.start()
	bot := r.tg.Me().Username

	r.tg.WaitUntil(t, "the command menu", func() bool { return len(r.tg.Commands("default", "")) > 0 })
	var names []string
	for _, c := range r.tg.Commands("default", "") {
		names = append(names, c.Command)
	}
	if got := strings.Join(names, " "); got != "model models new help" {
		t.Errorf("menu = %q, want model models new help", got)
	}

	// The owner pins the work key in the group, then chats.
	if got, want := r.say(group, owner, "/model@"+bot+" sonnet@anthropic:work"), "Model set to sonnet (anthropic/claude-sonnet-4-5).\nAuth profile set to anthropic:work."; got != want {
		t.Fatalf("/model@bot = %q, want %q", got, want)
	}
	calls := len(r.ai.Calls())
	r.tg.SendText(group, owner, "@"+bot+" hello there")
	r.waitText(group, "the chat reply, streamed to its end", func(s string) bool { return s == "echo: hello there" })
	if c := r.ai.Calls(); len(c) != calls+1 || c[len(c)-1].Credential != keyWork {
		t.Errorf("provider calls %d → %d, last with the work key: %v", calls, len(c), len(c) > calls && c[len(c)-1].Credential == keyWork)
	}

	// A stranger is refused and changes nothing; their plain text gets
	// nothing at all.
	if got := r.say(group, stranger, "/model opus"); got != "You are not authorized to use this command." {
		t.Errorf("stranger's /model = %q", got)
	}
	before := len(r.ai.Calls())
	r.tg.SendText(group, stranger, "@"+bot+" spend the owner's credits")

	// The picker, in the owner's private chat: provider, model, credential.
	dm := fakes.PrivateChat(owner)
	r.say(dm, owner, "/model list")
	press := func(label string) {
		t.Helper()
		msgs := r.tg.BotMessages(dm.ID)
		last := msgs[len(msgs)-1]
		if last.ReplyMarkup == nil {
			t.Fatalf("no keyboard on %q", last.Text)
		}
		for _, row := range last.ReplyMarkup.InlineKeyboard {
			for _, b := range row {
				if strings.HasPrefix(b.Text, label) {
					edits := last.Edits
					if _, err := r.tg.Press(owner, dm.ID, last.ID, b.CallbackData); err != nil {
						t.Fatal(err)
					}
					r.tg.WaitUntil(t, "the picker edited after pressing "+label, func() bool {
						m := r.tg.BotMessages(dm.ID)
						return m[len(m)-1].Edits > edits || len(m) > len(msgs)
					})
					return
				}
			}
		}
		t.Fatalf("no button %q on %q", label, last.Text)
	}
	press("anthropic")
	press("anthropic/claude-opus-4-5")
	press("anthropic:home")
	r.waitText(dm, "the picker's final reply", func(s string) bool {
		return s == "Model set to opus (anthropic/claude-opus-4-5).\nAuth profile set to anthropic:home."
	})
	if n := len(r.ai.Calls()); n != before {
		t.Errorf("the stranger's text reached the provider (%d calls, want %d)", n, before)
	}

	// A reply over Telegram's limit arrives as several valid messages.
	long := strings.Repeat(strings.Repeat("word ", 19)+"end.\n\n", 90) // about 9,000 characters
	r.ai.Script(keyWork, fakes.OK(long))
	n := len(r.tg.BotMessages(group.ID))
	r.tg.SendText(group, owner, "@"+bot+" a long one")
	var got strings.Builder
	r.tg.WaitUntil(t, "the long reply, whole", func() bool {
		got.Reset()
		for _, m := range r.tg.BotMessages(group.ID)[n:] {
			got.WriteString(m.Text)
		}
		return strings.Count(got.String(), "end.") == 90
	})
	for _, m := range r.tg.BotMessages(group.ID)[n:] {
		if len([]rune(m.Text)) > 4096 {
			t.Errorf("a message of %d characters", len([]rune(m.Text)))
		}
	}

	// A 429 on a send and a dropped poll are survived.
	r.tg.FailNext("sendMessage", 1, fakes.TelegramFlood(1))
	r.tg.FailNext("getUpdates", 1, fakes.TelegramDropped())
	r.tg.SendText(group, owner, "@"+bot+" after faults")
	r.waitText(group, "the reply after a 429 and a dropped poll", func(s string) bool { return s == "echo: after faults" })

	// Killed during a reply: the provider stops after its first words.
	r.ai.Script(keyWork, fakes.Response{Text: "echo: one two three four", Stall: true})
	n = len(r.tg.BotMessages(group.ID))
	r.tg.SendText(group, owner, "@"+bot+" interrupted")
	r.tg.WaitUntil(t, "the first streamed words", func() bool { return len(r.tg.BotMessages(group.ID)) > n })
	r.cmd.Process.Kill()
	<-r.exited
	answeredBefore := r.answered(group.ID)
	r.start()
	r.waitText(group, "the interrupted message answered after the restart", func(s string) bool { return s == "echo: interrupted" })
	if got := r.say(group, owner, "/model@"+bot+" status"); !strings.Contains(got, "Pin: anthropic:work (user)") {
		t.Errorf("after the restart /model status = %q, want the pin kept", got)
	}
	after := r.answered(group.ID)
	for text, k := range answeredBefore {
		if after[text] != k {
			t.Errorf("%q answered %d times after the restart, %d before", text, after[text], k)
		}
	}
	if after["echo: interrupted"] != 1 {
		t.Errorf("the interrupted message answered %d times, want once", after["echo: interrupted"])
	}

	if code := r.stop(syscall.SIGTERM); code != 0 {
		t.Errorf("SIGTERM: exit %d, want 0", code)
	}
	r.mu.Lock()
	logs := r.logs.String()
	r.mu.Unlock()
	for _, s := range []string{keyWork, keyHome, r.tg.Token(), strings.SplitN(r.tg.Token(), ":", 2)[1], "hello there", "spend the owner"} {
		if strings.Contains(logs, s) {
			t.Errorf("the gateway's logs (level info) hold %q", s)
		}
	}
}

// answered counts the bot's messages in chat by text.
func (r *tgRig) answered(chatID int64) map[string]int {
	out := map[string]int{}
	for _, m := range r.tg.BotMessages(chatID) {
		out[m.Text]++
	}
	return out
}
