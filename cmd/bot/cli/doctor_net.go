package cli

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/botgateway/bot/adapters/discord"
	"github.com/botgateway/bot/adapters/telegram"
	"github.com/botgateway/bot/config"
	"github.com/botgateway/bot/gateway"
	"github.com/botgateway/bot/internal/doctor"
	"github.com/botgateway/bot/internal/secret"
)

// The platform checks of bot doctor: each enabled channel's token as the
// platform sees it, and its command menu; for Telegram, a second poller.
// They talk to the platform through the adapters' own clients, so
// BOT_TELEGRAM_API_URL and BOT_DISCORD_API_URL apply; each check is
// bounded by networkTimeout, and a platform that cannot be reached is a
// note that says so (doctor cannot judge what it cannot ask).

// pollProbe is how long doctor's getUpdates waits: long enough for a
// poller elsewhere, ended by ours, to come back and end ours with 409.
const pollProbe = time.Second

// enabledChannel returns the channel called name when it is enabled,
// with its token, where the token came from, and the platform's API URL
// from urlVar (empty: the platform's own); ok is false when the channel
// is not enabled.
func (d *doctorRun) enabledChannel(ctx context.Context, name, urlVar string) (s channelSpec, token secret.Secret, src, apiURL string, ok bool) {
	env, err := d.app.Env(ctx)
	if err != nil {
		return s, token, "", "", false
	}
	for _, s = range channelSpecs(d.cf.Config) {
		if s.name == name && s.enabled(env) {
			token, src = tokenOf(s, env, d.paths)
			apiURL, _, _ = env.Value(urlVar)
			return s, token, src, apiURL, true
		}
	}
	return s, token, "", "", false
}

// telegram checks the Telegram bot: its token (getMe), the generated
// command menu within Telegram's limits, and that nothing else polls its
// updates (409). A bot gateway running Telegram on this host polls them
// too, so its /healthz is asked first; only when none answers, or one
// without Telegram does, does doctor probe getUpdates itself (no offset:
// no update is confirmed).
func (d *doctorRun) telegram(ctx context.Context, r *doctor.Report) {
	s, token, src, apiURL, ok := d.enabledChannel(ctx, telegram.Name, "BOT_TELEGRAM_API_URL")
	if !ok {
		r.Skip()
		return
	}
	a, err := telegram.New(telegram.Config{Token: token, TokenSource: src, APIURL: apiURL, PollTimeout: pollProbe})
	if err != nil {
		r.Problem(err.Error(), "set the token again", nil)
		return
	}
	where := cmp.Or(apiURL, telegram.DefaultAPIURL)
	if _, err := a.CheckToken(ctx); !tokenAccepted(r, err, telegram.ErrTokenRejected, "copy the token again from @BotFather",
		"could not reach Telegram at "+where, "the token, the menu and the poller were not checked") {
		return
	}
	if err := telegram.CheckMenu(gateway.MenuSpecs()); err != nil {
		r.Problem(err.Error()+"; this is a bug of bot: please report it", "", nil)
	}
	if s.cfg.Webhook.URL != "" {
		return // webhook mode: nothing polls
	}
	if h, addr, ok := d.localGateway(ctx); ok {
		if ch, ok := h.Channels[telegram.Name]; ok {
			if ch.Error != "" {
				r.Problem(fmt.Sprintf("the bot gateway on %s reports telegram %s: %s", addr, ch.State, ch.Error), "", nil)
			}
			if ch.Warning != "" {
				r.Problem(fmt.Sprintf("the bot gateway on %s reports %s", addr, ch.Warning), "stop the other poller", nil)
			}
			return // the local gateway is the poller
		}
		// A local gateway without Telegram polls nothing: probe.
	}
	if set, err := a.WebhookSet(ctx); err == nil && set {
		r.Note("Telegram holds a webhook for this bot, so it is not polled: bot gateway deletes the webhook when it starts; if another program set it, that program gets the updates until then")
		return
	}
	switch err := a.CheckPoller(ctx, pollProbe); {
	case errors.Is(err, telegram.ErrPollConflict):
		r.Problem(err.Error(), "stop the other poller", nil)
	case err != nil:
		r.Note("could not ask Telegram at %s for updates (%v): a second poller was not looked for", where, err)
	}
}

// discord checks the Discord bot: its token (GET /users/@me) and the
// slash commands registered globally and in each configured guild against
// the generated ones; the repair registers them (what bot gateway does
// when it starts), which needs the applications.commands scope.
func (d *doctorRun) discord(ctx context.Context, r *doctor.Report) {
	s, token, src, apiURL, ok := d.enabledChannel(ctx, discord.Name, "BOT_DISCORD_API_URL")
	if !ok {
		r.Skip()
		return
	}
	a, err := discord.New(discord.Config{Token: token, TokenSource: src, APIURL: apiURL, Guilds: s.cfg.Guilds,
		HTTPClient: &http.Client{Timeout: networkTimeout}})
	if err != nil {
		r.Problem(err.Error(), "set the token again", nil)
		return
	}
	where := cmp.Or(apiURL, discord.DefaultAPIURL)
	if _, err := a.CheckToken(ctx); !tokenAccepted(r, err, discord.ErrTokenRejected, "reset the token in the developer portal and set it again",
		"could not reach Discord at "+where, "the token and the slash commands were not checked") {
		return
	}
	specs := gateway.MenuSpecs()
	var outdated []error
	for _, e := range joined(a.CheckCommands(ctx, specs)) {
		switch {
		case e == nil:
		case errors.Is(e, discord.ErrCommandsScope):
			r.Problem(e.Error(), "invite the bot again with the applications.commands scope", nil)
		case errors.Is(e, discord.ErrCommandsOutdated):
			outdated = append(outdated, e)
		default:
			r.Note("could not read the slash commands from Discord at %s (%v)", where, e)
		}
	}
	if len(outdated) > 0 {
		r.Problem(fmt.Sprintf("%v; bot gateway registers them when it starts, or run: bot doctor --fix", errors.Join(outdated...)),
			"bot doctor --fix",
			func(ctx context.Context) (string, error) {
				if err := a.SetCommands(ctx, specs); err != nil {
					return "", err
				}
				return "registered bot's slash commands on Discord", nil
			})
	}
}

// tokenAccepted reports the outcome of a platform's token check: a token
// the platform rejected (err matches rejected) is a problem with fix, a
// platform doctor cannot reach a note ("<unreached> (<err>): <unchecked>");
// it returns true when the token was accepted.
func tokenAccepted(r *doctor.Report, err, rejected error, fix, unreached, unchecked string) bool {
	switch {
	case errors.Is(err, rejected):
		r.Problem(err.Error(), fix, nil)
	case err != nil:
		r.Note("%s (%v): %s", unreached, err, unchecked)
	default:
		return true
	}
	return false
}

// localGateway asks the bot gateway that gateway.listen names on this
// host for its /healthz (a short wait: it is local). ok is false when
// nothing answers, or something that is not a bot gateway does.
func (d *doctorRun) localGateway(ctx context.Context) (h gateway.Health, addr string, ok bool) {
	addr = cmp.Or(d.cf.Config.Gateway.Listen, config.DefaultGatewayListen)
	if host, port, err := net.SplitHostPort(addr); err == nil && (host == "" || net.ParseIP(host) != nil && net.ParseIP(host).IsUnspecified()) {
		addr = net.JoinHostPort("127.0.0.1", port)
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/healthz", nil)
	if err != nil {
		return h, addr, false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return h, addr, false
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil || json.Unmarshal(body, &h) != nil || h.Status == "" {
		return h, addr, false
	}
	return h, addr, true
}
