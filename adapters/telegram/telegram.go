package telegram

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/adapters/internal/pickstore"
	"github.com/botgateway/bot/internal/logkeys"
	"github.com/botgateway/bot/internal/secret"
)

// Name is the adapter's channel name, the first part of its session keys.
const Name = "telegram"

// DefaultAPIURL is the Bot API server used when Config.APIURL is empty.
const DefaultAPIURL = "https://api.telegram.org"

// DefaultPollTimeout is the long-poll timeout of getUpdates when
// Config.PollTimeout is zero.
const DefaultPollTimeout = 30 * time.Second

// Config configures an Adapter. Its zero values are the defaults, except
// Token, which is required.
type Config struct {
	// Token is the bot token from @BotFather. It is never logged: the
	// library's and our own errors have it replaced by "***".
	Token secret.Secret
	// TokenSource says where Token came from ("TELEGRAM_BOT_TOKEN
	// (~/.bot/.env)"), for the line of a token Telegram rejects.
	TokenSource string
	// APIURL is the Bot API server (BOT_TELEGRAM_API_URL): requests go
	// to <APIURL>/bot<token>/<method>. Empty: DefaultAPIURL.
	APIURL string
	// HTTPClient sends every request (each body in one piece, with its
	// length). Its Timeout, when set, must exceed PollTimeout. Nil: a
	// client on NewTransport whose timeout is PollTimeout + 15 s.
	HTTPClient *http.Client
	// RequireMention makes plain text in groups reach the gateway only
	// when the bot is mentioned or replied to (commands always do). The
	// wiring passes channels.telegram.requireMention (default true).
	RequireMention bool
	// RateLimit is the most messages sent per second across chats
	// (channels.telegram.rateLimit, 30 by default in the config); groups
	// also get at most 20 a minute each. 0 turns the limiter off.
	RateLimit int
	// Webhook, when its URL is set, has Telegram post updates to an HTTP
	// server on Webhook.Listen instead of being polled.
	Webhook Webhook
	// Ledger keeps the handled updates in sessions.db, so that none is
	// lost or answered twice across a crash. Nil: kept in memory only
	// (an update in flight when the process dies is delivered again).
	Ledger adapters.Ledger
	// Log receives the adapter's lines. Nil: discarded.
	Log *slog.Logger
	// PollTimeout is the long-poll timeout of getUpdates (whole seconds).
	// Zero: DefaultPollTimeout.
	PollTimeout time.Duration
}

// Webhook is channels.telegram.webhook.
type Webhook struct {
	// URL is the public HTTPS URL Telegram posts updates to.
	URL string
	// Secret is sent by Telegram with every update
	// (X-Telegram-Bot-Api-Secret-Token) and checked in constant time.
	Secret secret.Secret
	// Listen is the local address of the webhook server.
	Listen string
}

// ErrTokenRejected is returned (wrapped) by Run when Telegram answers 401
// to the bot token.
var ErrTokenRejected = errors.New("the bot token was rejected (401 Unauthorized): copy it again from @BotFather (/mybots → your bot → API Token)")

// Adapter is the Telegram channel: an adapters.Adapter with a command
// menu. It is safe for concurrent use; Run is called once.
type Adapter struct {
	cfg    Config
	api    string // cfg.APIURL without a trailing slash
	token  string // the revealed token, only for request URLs
	client *http.Client
	bot    *tg.Bot
	log    *slog.Logger

	me      atomic.Pointer[models.User] // set by Run's getMe
	limits  *limiter
	pickers *pickers

	migrMu   sync.Mutex
	migrated map[int64]int64 // old chat id → new (a group became a supergroup)

	webhookAddr atomic.Value // string: the webhook server's address, once listening

	conflictAt atomic.Int64 // Unix ns of getUpdates' last 409 (0: none)

	wake    chan struct{} // signalled when a delivered message is done
	tracker *tracker      // update bookkeeping, set by Run
}

// New checks cfg and returns an adapter; it does no I/O (the token is
// checked by Run's getMe).
func New(cfg Config) (*Adapter, error) {
	if cfg.Token.IsBlank() {
		return nil, errors.New("telegram: no bot token; set TELEGRAM_BOT_TOKEN or channels.telegram.token")
	}
	if strings.ContainsAny(reveal(cfg.Token), " \t\r\n/?#") {
		return nil, errors.New("telegram: the bot token holds spaces or URL characters; paste it again from @BotFather")
	}
	if cfg.PollTimeout <= 0 {
		cfg.PollTimeout = DefaultPollTimeout
	}
	cfg.PollTimeout = cfg.PollTimeout.Truncate(time.Second)
	if cfg.PollTimeout < time.Second {
		cfg.PollTimeout = time.Second
	}
	if cfg.APIURL == "" {
		cfg.APIURL = DefaultAPIURL
	}
	if cfg.Webhook.URL != "" && cfg.Webhook.Secret.IsBlank() {
		return nil, errors.New("telegram: webhook.url is set without webhook.secret; set channels.telegram.webhook.secret")
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With(logkeys.Component, "telegram", logkeys.Channel, Name)
	client := cfg.HTTPClient
	if client != nil && client.Timeout != 0 && client.Timeout <= cfg.PollTimeout {
		return nil, fmt.Errorf("telegram: the HTTP client's timeout (%v) must exceed the poll timeout (%v)", client.Timeout, cfg.PollTimeout)
	}
	if client == nil {
		client = &http.Client{Transport: NewTransport(), Timeout: cfg.PollTimeout + 15*time.Second}
	}
	base := client.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	whole := *client // the caller's client stays as it was
	whole.Transport = wholeBodies{base: base}
	client = &whole
	a := &Adapter{
		cfg:      cfg,
		api:      strings.TrimRight(cfg.APIURL, "/"),
		token:    reveal(cfg.Token),
		client:   client,
		log:      log,
		limits:   newLimiter(cfg.RateLimit),
		pickers:  newPickers(pickstore.DefaultMax),
		migrated: map[int64]int64{},
		wake:     make(chan struct{}, 1),
	}
	b, err := tg.New(a.token,
		tg.WithSkipGetMe(),
		tg.WithServerURL(a.api),
		tg.WithHTTPClient(cfg.PollTimeout, client),
		tg.WithErrorsHandler(func(err error) { log.Debug("telegram library", logkeys.Err, a.redact(err)) }),
		tg.WithDebugHandler(func(string, ...any) {}),
	)
	if err != nil {
		return nil, fmt.Errorf("telegram: %w", err)
	}
	a.bot = b
	return a, nil
}

// Name implements adapters.Adapter.
func (a *Adapter) Name() string { return Name }

// BotName returns the bot's user name once Run has called getMe, else "".
func (a *Adapter) BotName() string {
	if me := a.me.Load(); me != nil {
		return me.Username
	}
	return ""
}

// Run implements adapters.Adapter: getMe (a rejected token is an error
// wrapping ErrTokenRejected), then webhook mode when Config.Webhook.URL
// is set, else deleteWebhook and long polling until ctx ends.
func (a *Adapter) Run(ctx context.Context, in adapters.Inbox) error {
	var me *models.User
	err := a.retry(ctx, "getMe", func() error {
		var err error
		me, err = a.bot.GetMe(ctx)
		return err
	})
	if err != nil {
		return a.fatal(ctx, "getMe", err)
	}
	a.me.Store(me)
	a.log.Info("telegram connected", "bot", me.Username)
	tr, err := a.loadTracker(ctx)
	if err != nil {
		return a.fatal(ctx, "ledger", err)
	}
	a.tracker = tr
	if a.cfg.Webhook.URL != "" {
		return a.runWebhook(ctx, in)
	}
	err = a.retry(ctx, "deleteWebhook", func() error {
		_, err := a.bot.DeleteWebhook(ctx, &tg.DeleteWebhookParams{})
		return err
	})
	if err != nil {
		return a.fatal(ctx, "deleteWebhook", err)
	}
	return a.poll(ctx, in)
}

// fatal turns Run's failure into its result: nil when ctx ended, the
// token error on a 401, else the error.
func (a *Adapter) fatal(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return a.wrap(op, err)
}

// wrap names op in err, and turns a 401 into ErrTokenRejected.
func (a *Adapter) wrap(op string, err error) error {
	if errors.Is(err, tg.ErrorUnauthorized) || errors.Is(err, errUnauthorized) {
		return a.rejected(op)
	}
	return fmt.Errorf("telegram: %s: %w", op, a.redact(err))
}

// rejected is the error of a token Telegram refused (401) during op: fatal
// for the channel (retrying will not cure it), naming the token's source.
func (a *Adapter) rejected(op string) error {
	if a.cfg.TokenSource != "" {
		return adapters.Fatal(fmt.Errorf("telegram: %s: %w; the token is %s", op, ErrTokenRejected, a.cfg.TokenSource))
	}
	return adapters.Fatal(fmt.Errorf("telegram: %s: %w", op, ErrTokenRejected))
}

// redact replaces the token in err's text: the library masks it in
// url.Error values, but not every error passes through there.
func (a *Adapter) redact(err error) error {
	if err == nil || a.token == "" || !strings.Contains(err.Error(), a.token) {
		return err
	}
	return redacted{msg: strings.ReplaceAll(err.Error(), a.token, "***"), err: err}
}

// redacted is an error whose text has the token masked; Is and As still
// see the cause.
type redacted struct {
	msg string
	err error
}

func (r redacted) Error() string { return r.msg }
func (r redacted) Unwrap() error { return r.err }

// chatID returns the chat id to send to, following a group that became a
// supergroup.
func (a *Adapter) chatID(id int64) int64 {
	a.migrMu.Lock()
	defer a.migrMu.Unlock()
	for range 4 { // a chain of migrations, bounded
		n, ok := a.migrated[id]
		if !ok {
			break
		}
		id = n
	}
	return id
}

// migrate records that chat from became chat to.
func (a *Adapter) migrate(from, to int64) {
	if from == 0 || to == 0 || from == to {
		return
	}
	a.migrMu.Lock()
	defer a.migrMu.Unlock()
	if len(a.migrated) >= maxMigrations {
		clear(a.migrated)
	}
	a.migrated[from] = to
	a.log.Info("telegram group migrated to a supergroup; replies follow it", "from", from, "to", to)
}

// maxMigrations bounds the memory of migrated chats.
const maxMigrations = 1024

var (
	_ adapters.Adapter     = (*Adapter)(nil)
	_ adapters.CommandMenu = (*Adapter)(nil)
)
