package telegram

import (
	"strings"
	"testing"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/adapters/adaptertest"
	"github.com/botgateway/bot/internal/fakes"
)

// TestCheckPollerChangesNothing checks that doctor's getUpdates probe
// leaves the bot as it found it: no offset (no update confirmed, none
// lost to the real poller) and no allowed_updates, which Telegram keeps
// as the bot's setting for every later getUpdates that does not name
// its own (another program relying on it would lose update kinds).
func TestCheckPollerChangesNothing(t *testing.T) {
	f := fakes.NewTelegram(t)
	f.SetShortPoll(0)
	a := mustNew(t, config(t, f))
	if err := a.CheckPoller(t.Context(), 0); err != nil {
		t.Fatalf("CheckPoller: %v", err)
	}
	calls := f.Calls("getUpdates")
	if len(calls) != 1 {
		t.Fatalf("%d getUpdates calls, want 1", len(calls))
	}
	for _, p := range []string{"offset", "allowed_updates"} {
		if v, ok := calls[0].Params[p]; ok {
			t.Errorf("the probe sent %s=%s", p, v)
		}
	}
}

// TestBotTokenForm checks which tokens have a bot token's form (a 404 to
// any other is the token's fault, not Telegram's).
func TestBotTokenForm(t *testing.T) {
	for token, want := range map[string]bool{
		"123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw": true,
		"1:x":                 true,
		"AAHdqTcvCH1vGWJxfSe": false,
		":secret":             false,
		"123456789:":          false,
		"bot123:secret":       false,
	} {
		if got := botTokenForm(token); got != want {
			t.Errorf("botTokenForm(%q) = %v, want %v", token, got, want)
		}
	}
}

// TestWarningSecondPoller checks that the running poller reports a 409
// from getUpdates as a warning (adapters.Warner, shown in /healthz for
// bot doctor), and none before.
func TestWarningSecondPoller(t *testing.T) {
	f := fakes.NewTelegram(t)
	a := mustNew(t, config(t, f))
	var _ adapters.Warner = a
	in := adaptertest.NewInbox()
	adaptertest.Running(t, a, in)
	f.SendText(fakes.PrivateChat(ada), ada, "first")
	in.Next(t).Done()
	if w := a.Warning(); w != "" {
		t.Fatalf("Warning before any 409 = %q", w)
	}
	f.FailNext("getUpdates", 1, fakes.TelegramPollConflict())
	f.WaitUntil(t, "a getUpdates after the 409", func() bool {
		calls := f.Calls("getUpdates")
		for i, c := range calls {
			if c.Status == 409 {
				return i < len(calls)-1
			}
		}
		return false
	})
	if w := a.Warning(); !strings.Contains(w, "another program is polling this bot's updates (409 Conflict)") {
		t.Errorf("Warning after a 409 = %q", w)
	}
}
