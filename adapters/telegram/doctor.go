package telegram

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	tg "github.com/go-telegram/bot"

	"github.com/botgateway/bot/adapters"
)

// The checks bot doctor runs against Telegram. Each makes one request,
// without retrying: doctor reports what it finds, it does not wait for
// Telegram to recover.

// ErrPollConflict is what CheckPoller returns when another program polls
// this bot's updates (Telegram answered 409 Conflict): only one may, and
// the two take each other's updates in turns.
var ErrPollConflict = errors.New("another program is polling this bot's updates (409 Conflict): stop the other bot gateway (or other bot) that uses this token, or give one of them another bot")

// CheckToken asks Telegram who the bot is (getMe), once. A token Telegram
// rejects is an error wrapping ErrTokenRejected that names where the
// token came from; any other failure (unreachable, a timeout) is returned
// wrapped, the token masked.
func (a *Adapter) CheckToken(ctx context.Context) (username string, err error) {
	me, err := a.bot.GetMe(ctx)
	if errors.Is(err, tg.ErrorNotFound) && !botTokenForm(a.token) {
		// Telegram answers 404, not 401, to a path that is not
		// /bot<id>:<secret>/: the token is wrong, Telegram was reached.
		return "", notBotToken{source: a.cfg.TokenSource}
	}
	if err != nil {
		return "", a.wrap("getMe", err)
	}
	a.me.Store(me)
	return me.Username, nil
}

// WebhookSet reports whether Telegram holds a webhook for the bot
// (getWebhookInfo): while one is set, getUpdates is refused, and a bot
// gateway that polls deletes it when it starts.
func (a *Adapter) WebhookSet(ctx context.Context) (bool, error) {
	info, err := a.bot.GetWebhookInfo(ctx)
	if err != nil {
		return false, a.wrap("getWebhookInfo", err)
	}
	return info.URL != "", nil
}

// CheckPoller looks for a second poller: one getUpdates without an offset
// (so no update is confirmed, and none is lost to the real poller) and
// without allowed_updates (Telegram would keep them as the bot's) that
// waits at most wait (whole seconds, at least 0). A program polling with
// the same token ends one of the two requests with 409 Conflict; when it
// is ours, CheckPoller returns ErrPollConflict. A program that polls
// rarely may go unseen: the check finds a poller that runs now. The
// other poller's own request may be the one ended: it retries, as bot
// gateway does. Call it only when the bot is not in webhook mode and no
// local bot gateway is known to poll.
func (a *Adapter) CheckPoller(ctx context.Context, wait time.Duration) error {
	_, err := a.requestUpdates(ctx, [][2]string{
		{"limit", "1"},
		{"timeout", strconv.Itoa(int(max(wait, 0) / time.Second))},
	})
	if ae, ok := errors.AsType[*apiError](err); ok && ae.Code == http.StatusConflict {
		return ErrPollConflict
	}
	if err != nil {
		return a.wrap("getUpdates", err)
	}
	return nil
}

// conflictWindow is how long after getUpdates' last 409 Warning reports
// a second poller: two pollers end each other's requests every few
// seconds, so one minute without a 409 means the other one stopped.
const conflictWindow = time.Minute

// Warning implements adapters.Warner: while the poller has had a 409
// within conflictWindow, the line of ErrPollConflict (the gateway shows it
// in /healthz, where bot doctor, which must not poll beside a running
// gateway, reads it).
func (a *Adapter) Warning() string {
	at := a.conflictAt.Load()
	if at == 0 || time.Since(time.Unix(0, at)) > conflictWindow {
		return ""
	}
	return "telegram: getUpdates: " + ErrPollConflict.Error()
}

// CheckMenu reports whether specs make a command menu Telegram accepts
// (at most 100 commands, names of 1-32 of a-z, 0-9 and _): the menu bot
// gateway sets with setMyCommands.
func CheckMenu(specs []adapters.CommandSpec) error {
	if _, err := menu(specs); err != nil {
		return fmt.Errorf("telegram: command menu: %w", err)
	}
	return nil
}

// botTokenForm reports whether token has a bot token's form, the bot's
// numeric id, a colon and the secret ("123456789:AA…").
func botTokenForm(token string) bool {
	id, rest, ok := strings.Cut(token, ":")
	return ok && id != "" && rest != "" && strings.Trim(id, "0123456789") == ""
}

// notBotToken is CheckToken's error for a token that is not of a bot
// token's form, which Telegram answers with 404: a rejected token
// (errors.Is ErrTokenRejected) with its own line.
type notBotToken struct{ source string }

func (e notBotToken) Error() string {
	msg := "telegram: getMe: Telegram answered 404 Not Found: the bot token is not of the form 123456789:ABC…; copy it again from @BotFather (/mybots → your bot → API Token)"
	if e.source != "" {
		msg += "; the token is " + e.source
	}
	return msg
}

// Is makes the error match ErrTokenRejected.
func (notBotToken) Is(target error) bool { return target == ErrTokenRejected }
