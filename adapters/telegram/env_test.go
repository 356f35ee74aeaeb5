package telegram

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/adapters/adaptertest"
	"github.com/botgateway/bot/internal/fakes"
	"github.com/botgateway/bot/internal/logtest"
	"github.com/botgateway/bot/internal/secret"
)

// The users of the tests.
var (
	ada = fakes.TelegramUser{ID: 501, FirstName: "Ada", Username: "ada"}
	bob = fakes.TelegramUser{ID: 502, FirstName: "Bob", Username: "bob"}
	// group is a supergroup both are in.
	group = fakes.SupergroupChat(-1001234, "team", false)
)

// config returns the adapter's Config for the fake f, with a transport
// of its own whose connections close with the test.
func config(t testing.TB, f *fakes.Telegram) Config {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return Config{
		Token:          secret.New(f.Token()),
		APIURL:         f.URL(),
		HTTPClient:     &http.Client{Transport: tr, Timeout: 20 * time.Second},
		RequireMention: true,
		PollTimeout:    5 * time.Second,
		Log:            logtest.New(t),
	}
}

// mustNew returns the adapter of cfg.
func mustNew(t testing.TB, cfg Config) *Adapter {
	t.Helper()
	a, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return a
}

// --- the conformance suite ---

func TestConformance(t *testing.T) {
	adaptertest.Run(t, harness{})
}

type harness struct{}

// Start runs the adapter against a fresh fake with two seats: Ada in her
// private chat, and Bob in a group, where plain text mentions the bot.
func (harness) Start(t *testing.T) (adapters.Adapter, adaptertest.Platform) {
	f := fakes.NewTelegram(t)
	return mustNew(t, config(t, f)), &platform{f: f}
}

type platform struct{ f *fakes.Telegram }

var seats = []struct {
	seat adaptertest.Seat
	user fakes.TelegramUser
	chat fakes.TelegramChat
}{
	{adaptertest.Seat{UserID: "501", Chat: "501"}, ada, fakes.PrivateChat(ada)},
	{adaptertest.Seat{UserID: "502", Chat: "-1001234"}, bob, group},
}

func (p *platform) Seats() []adaptertest.Seat {
	return []adaptertest.Seat{seats[0].seat, seats[1].seat}
}

func (p *platform) who(s adaptertest.Seat) (fakes.TelegramUser, fakes.TelegramChat) {
	for _, x := range seats {
		if x.seat == s {
			return x.user, x.chat
		}
	}
	panic(fmt.Sprintf("no seat %+v", s))
}

func (p *platform) Send(_ context.Context, s adaptertest.Seat, text string) error {
	u, c := p.who(s)
	if c.Type != "private" && !isCommand(text) {
		text = "@" + p.f.Me().Username + " " + text
	}
	p.f.SendText(c, u, text)
	return nil
}

func (p *platform) Choose(_ context.Context, s adaptertest.Seat, n int) (string, error) {
	u, c := p.who(s)
	msgs := p.f.BotMessages(c.ID)
	for i := len(msgs) - 1; i >= 0; i-- {
		k := msgs[i].ReplyMarkup
		if k == nil || len(k.InlineKeyboard) == 0 {
			continue
		}
		var buttons []fakes.TelegramButton
		for _, row := range k.InlineKeyboard {
			buttons = append(buttons, row...)
		}
		if n < 1 || n > len(buttons) {
			return "", fmt.Errorf("no button %d of %d", n, len(buttons))
		}
		_, err := p.f.Press(u, c.ID, msgs[i].ID, buttons[n-1].CallbackData)
		return "", err
	}
	return "", errors.New("no picker shown")
}

func (p *platform) Seen(_ context.Context, s adaptertest.Seat) ([]adaptertest.Shown, error) {
	_, c := p.who(s)
	var shown []adaptertest.Shown
	for _, m := range p.f.BotMessages(c.ID) {
		sh := adaptertest.Shown{Text: m.Text}
		if m.ReplyMarkup != nil {
			for _, row := range m.ReplyMarkup.InlineKeyboard {
				for _, b := range row {
					sh.Choices = append(sh.Choices, b.Text)
				}
			}
		}
		shown = append(shown, sh)
	}
	return shown, nil
}
