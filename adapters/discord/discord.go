package discord

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/adapters/internal/pickstore"
	"github.com/botgateway/bot/internal/logkeys"
	"github.com/botgateway/bot/internal/secret"
)

// Name is the adapter's channel name, the first part of its session keys.
const Name = "discord"

// DefaultAPIURL is the base every REST call goes to when Config.APIURL is
// empty; discordgo's endpoints all start with it.
const DefaultAPIURL = "https://discord.com"

// Config configures an Adapter. Its zero values are the defaults, except
// Token, which is required.
type Config struct {
	// Token is the bot token from the developer portal (Bot → Reset
	// Token). It is never logged.
	Token secret.Secret
	// TokenSource says where Token came from ("DISCORD_BOT_TOKEN
	// (~/.bot/.env)"), for the line of a token Discord rejects.
	TokenSource string
	// APIURL replaces https://discord.com in every REST call
	// (BOT_DISCORD_API_URL); the gateway's websocket is wherever
	// GET /api/v9/gateway answers. Empty: DefaultAPIURL.
	APIURL string
	// HTTPClient sends every REST call (its Transport, wrapped to rewrite
	// the host when APIURL is set). Nil: a client with a 20 s timeout
	// keeping up to 64 idle connections (interactions come in bursts).
	HTTPClient *http.Client
	// Guilds are guild ids (channels.discord.guilds) the commands are
	// registered to as well as globally, so they appear there at once.
	Guilds []string
	// RequireMention makes plain text in guild channels reach the gateway
	// only when the bot is mentioned or replied to (text commands always
	// do, where Discord delivers them). The wiring passes
	// channels.discord.requireMention (default true).
	RequireMention bool
	// MessageContent requests the privileged MESSAGE_CONTENT intent
	// (channels.discord.messageContent), which must also be enabled in
	// the developer portal: without it Discord blanks guild messages that
	// do not mention the bot.
	MessageContent bool
	// Log receives the adapter's lines. Nil: discarded.
	Log *slog.Logger
	// Now is the adapter's clock (an interaction's token lifetime is
	// counted on it). Nil: time.Now.
	Now func() time.Time
}

// ErrTokenRejected is in the chain of the error Run returns when Discord
// answers 401 to the bot token (or closes the gateway with 4004).
var ErrTokenRejected = errors.New("the bot token was rejected (401 Unauthorized): copy it again from the developer portal (Applications → your app → Bot → Reset Token)")

// ErrIntentDisallowed is in the chain of the error Run returns when the
// gateway refuses the message-content intent (close code 4014).
var ErrIntentDisallowed = errors.New("Discord refused the message-content intent (4014): enable Message Content Intent in the developer portal (Applications → your app → Bot) or set channels.discord.messageContent to false")

// Adapter is the Discord channel: an adapters.Adapter with a command menu.
// It is safe for concurrent use; Run is called once.
type Adapter struct {
	cfg  Config
	s    *discordgo.Session
	log  *slog.Logger
	me   atomic.Pointer[discordgo.User] // the bot's own user, once known
	meMu sync.Mutex                     // serializes fetching me

	pickers  *pickers
	roles    botRoles // the bot's own roles, by guild (a mention of one is one of the bot)
	seen     *seenSet // message and interaction ids handled (a resume may deliver again)
	channels *channelCache

	specMu sync.RWMutex
	specs  map[string]adapters.CommandSpec // by name, from SetCommands

	handlers sync.WaitGroup // handlers in flight
	// acked, when set (by benchmarks), is told how long each interaction
	// took from its event to its initial response.
	acked func(time.Duration)
	lanes lanes
}

// New checks cfg and returns an adapter; it does no I/O (the token is
// checked by Run).
func New(cfg Config) (*Adapter, error) {
	if cfg.Token.IsBlank() {
		return nil, errors.New("discord: no bot token; set DISCORD_BOT_TOKEN or channels.discord.token")
	}
	token := strings.TrimPrefix(strings.TrimSpace(reveal(cfg.Token)), "Bot ")
	if strings.ContainsAny(token, " \t\r\n") {
		return nil, errors.New("discord: the bot token holds spaces; copy it again from the developer portal")
	}
	if cfg.APIURL == "" {
		cfg.APIURL = DefaultAPIURL
	}
	base, err := url.Parse(strings.TrimRight(cfg.APIURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("discord: the API URL %q is not an http(s) URL (BOT_DISCORD_API_URL)", cfg.APIURL)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With(logkeys.Component, "discord", logkeys.Channel, Name)
	s, err := discordgo.New("Bot " + token)
	if err != nil {
		return nil, fmt.Errorf("discord: %w", err)
	}
	s.Client = rewritingClient(cfg.HTTPClient, base)
	s.LogLevel = -1                  // the library's own lines go nowhere; ours come from its events
	s.ShouldReconnectOnError = false // Run reopens the socket itself (see reopen)
	s.StateEnabled = true
	s.SyncEvents = true // handlers run in the read loop, in order; they hand work to lanes (see lanes)
	s.Identify.Intents = intents(cfg.MessageContent)
	// The state keeps what chatRef reads (channels and threads), not
	// members, presences, roles, emojis or voice.
	s.State.TrackMembers = false
	s.State.TrackPresences = false
	s.State.TrackRoles = false
	s.State.TrackEmojis = false
	s.State.TrackVoice = false
	s.State.TrackStickers = false
	s.State.TrackThreadMembers = false
	s.State.MaxMessageCount = 0
	return &Adapter{
		cfg:      cfg,
		s:        s,
		log:      log,
		pickers:  newPickers(pickstore.DefaultMax),
		seen:     newSeenSet(maxSeen),
		channels: newChannelCache(maxChannels),
		specs:    map[string]adapters.CommandSpec{},
	}, nil
}

// intents is what the gateway session asks for: guilds (for channels and
// threads in the state), guild and direct messages, and the privileged
// message content when asked.
func intents(content bool) discordgo.Intent {
	i := discordgo.IntentsGuilds | discordgo.IntentsGuildMessages | discordgo.IntentsDirectMessages
	if content {
		i |= discordgo.IntentMessageContent
	}
	return i
}

// NewHTTPClient returns the client the adapter sends its REST calls with
// when Config.HTTPClient is nil: a clone of http.DefaultTransport keeping
// up to 256 idle connections (interactions come in bursts, each needing
// its own request within 3 s: connections are kept for them rather than
// dialled anew), with a 20 s timeout.
func NewHTTPClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 256
	return &http.Client{Transport: tr, Timeout: 20 * time.Second}
}

// rewritingClient returns a client like c (or a new one) whose requests to
// discord.com go to base instead: discordgo computes its endpoint strings
// from https://discord.com once, at start-up, and its globals are left
// alone, so each session has its own base.
func rewritingClient(c *http.Client, base *url.URL) *http.Client {
	if c == nil {
		c = NewHTTPClient()
	}
	out := *c
	next := out.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	if base.Scheme == "https" && base.Host == "discord.com" && base.Path == "" {
		out.Transport = next
		return &out
	}
	out.Transport = &rewriter{base: base, next: next}
	return &out
}

// rewriter sends requests for discord.com to base.
type rewriter struct {
	base *url.URL
	next http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (rw *rewriter) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host != "discord.com" {
		return rw.next.RoundTrip(req)
	}
	r := req.Clone(req.Context())
	r.URL.Scheme = rw.base.Scheme
	r.URL.Host = rw.base.Host
	r.URL.Path = rw.base.Path + req.URL.Path
	if req.URL.RawPath != "" {
		r.URL.RawPath = rw.base.Path + req.URL.RawPath
	}
	r.Host = rw.base.Host
	return rw.next.RoundTrip(r)
}

// Name implements adapters.Adapter.
func (a *Adapter) Name() string { return Name }

// BotName returns the bot's user name once known, else "".
func (a *Adapter) BotName() string {
	if me := a.me.Load(); me != nil {
		return me.Username
	}
	return ""
}

// self returns the bot's user, asking Discord (GET /users/@me) the first
// time: the application id of a bot is its user id.
func (a *Adapter) self(ctx context.Context) (*discordgo.User, error) {
	if me := a.me.Load(); me != nil {
		return me, nil
	}
	a.meMu.Lock()
	defer a.meMu.Unlock()
	if me := a.me.Load(); me != nil {
		return me, nil
	}
	me, err := a.s.User("@me", discordgo.WithContext(ctx))
	if err != nil {
		return nil, a.wrap("GET /users/@me", err)
	}
	a.me.Store(me)
	return me, nil
}

// Run implements adapters.Adapter: it checks the token (GET /users/@me;
// a rejected one is fatal), opens the gateway session and handles its
// events until ctx ends, then closes the session and waits for the
// handlers in flight.
func (a *Adapter) Run(ctx context.Context, in adapters.Inbox) error {
	me, err := a.self(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	completer, _ := in.(adapters.Completer)
	h := &handler{a: a, in: in, complete: completer, ctx: runCtx}
	dropped := make(chan struct{}, 1) // the socket closed: Run reopens it
	removers := []func(){
		a.s.AddHandler(func(_ *discordgo.Session, e *discordgo.Ready) {
			a.guard("ready", func() {
				if e.User != nil && e.User.ID != "" {
					a.me.Store(e.User)
				}
				a.log.Info("discord connected", "bot", me.Username, "guilds", len(e.Guilds))
			})
		}),
		a.s.AddHandler(func(_ *discordgo.Session, e *discordgo.Event) {
			if me := a.me.Load(); me != nil && rolesEvent(e.Type) {
				a.guard("roles", func() { a.roles.event(e, me.ID) })
			}
		}),
		a.s.AddHandler(func(*discordgo.Session, *discordgo.Resumed) {
			a.log.Info("discord gateway session resumed")
		}),
		a.s.AddHandler(func(*discordgo.Session, *discordgo.Disconnect) {
			select {
			case dropped <- struct{}{}:
			default:
			}
		}),
		a.s.AddHandler(func(_ *discordgo.Session, e *discordgo.MessageCreate) {
			a.guard("message", func() { h.message(e.Message) })
		}),
		a.s.AddHandler(func(_ *discordgo.Session, e *discordgo.InteractionCreate) {
			a.handlers.Add(1)
			received := a.cfg.Now()
			go func() {
				defer a.handlers.Done()
				a.guard("interaction", func() { h.interaction(e.Interaction, received) })
			}()
		}),
	}
	defer func() {
		for _, rm := range removers {
			rm()
		}
	}()
	if err := a.s.Open(); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return a.wrap("opening the gateway", err)
	}
	for {
		select {
		case <-ctx.Done():
			cancel()
			if err := a.s.Close(); err != nil {
				a.log.Debug("discord close", logkeys.Err, err)
			}
			a.handlers.Wait()
			return nil
		case <-dropped:
		}
		if err := a.reopen(ctx); err != nil {
			cancel()
			a.handlers.Wait()
			return err
		}
	}
}

// reopen opens the gateway again after its socket closed, resuming the
// session (discordgo sends RESUME with the session id and sequence it
// kept), with backoff until ctx ends (nil) or Discord refuses the token
// (the fatal error). The library's own reconnect loop is off: it cannot
// be stopped, and would reconnect after Run returned.
func (a *Adapter) reopen(ctx context.Context) error {
	a.log.Info("discord gateway disconnected; resuming")
	var pause time.Duration
	for {
		err := a.s.Open()
		if err == nil || errors.Is(err, discordgo.ErrWSAlreadyOpen) {
			return nil
		}
		if werr := a.wrap("reopening the gateway", err); errors.Is(werr, adapters.ErrFatal) {
			return werr
		}
		pause = min(max(2*pause, reopenFirst), reopenMax)
		a.log.Info("discord gateway reconnect failed; retrying", "in", pause, logkeys.Err, a.redact(err))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(pause):
		}
	}
}

// The backoff of reopen: from reopenFirst, doubling to reopenMax.
const (
	reopenFirst = 500 * time.Millisecond
	reopenMax   = time.Minute
)

// guard runs one event handler: counted, so Run waits for it, and with its
// panic recovered and logged (discordgo has no recover: a panic in a
// handler would end the process).
func (a *Adapter) guard(what string, f func()) {
	a.handlers.Add(1)
	defer a.handlers.Done()
	defer func() {
		if p := recover(); p != nil {
			a.log.Error("discord handler panicked; the event is dropped", "event", what, "panic", fmt.Sprint(p))
		}
	}()
	f()
}

// lanes run the work of each channel in order, one item at a time, off
// the gateway's read loop: the messages of a chat reach the Inbox in the
// order Discord sent them, and a slow chat holds up no other. A lane's
// goroutine ends when its queue is empty.
type lanes struct {
	mu sync.Mutex
	q  map[string][]func() // by channel id; present while its goroutine runs
}

// laneIdle reports whether lane key has nothing queued or running.
func (a *Adapter) laneIdle(key string) bool {
	l := &a.lanes
	l.mu.Lock()
	defer l.mu.Unlock()
	_, busy := l.q[key]
	return !busy
}

// inLane queues f in lane key, starting the lane's goroutine when idle.
func (a *Adapter) inLane(key string, f func()) {
	l := &a.lanes
	l.mu.Lock()
	if l.q == nil {
		l.q = map[string][]func(){}
	}
	q, busy := l.q[key]
	l.q[key] = append(q, f)
	l.mu.Unlock()
	if busy {
		return
	}
	a.handlers.Add(1)
	go func() {
		defer a.handlers.Done()
		for {
			l.mu.Lock()
			q := l.q[key]
			if len(q) == 0 {
				delete(l.q, key)
				l.mu.Unlock()
				return
			}
			next := q[0]
			l.q[key] = q[1:]
			l.mu.Unlock()
			a.guard("message", next)
		}
	}()
}

// wrap names op in err, and turns a rejected token or intent into a fatal
// error naming its fix.
func (a *Adapter) wrap(op string, err error) error {
	if re, ok := errors.AsType[*discordgo.RESTError](err); ok && re.Response != nil && re.Response.StatusCode == http.StatusUnauthorized {
		return a.rejected(op)
	}
	if ce, ok := errors.AsType[*websocket.CloseError](err); ok {
		switch ce.Code {
		case 4004:
			return a.rejected(op)
		case 4014:
			return adapters.Fatal(fmt.Errorf("discord: %s: %w", op, ErrIntentDisallowed))
		}
	}
	return fmt.Errorf("discord: %s: %w", op, a.redact(err))
}

// rejected is the error of a token Discord refused during op: fatal for
// the channel (retrying will not cure it), naming the token's source.
func (a *Adapter) rejected(op string) error {
	if a.cfg.TokenSource != "" {
		return adapters.Fatal(fmt.Errorf("discord: %s: %w; the token is %s", op, ErrTokenRejected, a.cfg.TokenSource))
	}
	return adapters.Fatal(fmt.Errorf("discord: %s: %w", op, ErrTokenRejected))
}

// redact replaces the token in err's text, should any error carry it.
func (a *Adapter) redact(err error) error {
	token := strings.TrimPrefix(a.s.Token, "Bot ")
	if err == nil || token == "" || !strings.Contains(err.Error(), token) {
		return err
	}
	return redacted{msg: strings.ReplaceAll(err.Error(), token, "***"), err: err}
}

// redacted is an error whose text has the token masked; Is and As still
// see the cause.
type redacted struct {
	msg string
	err error
}

func (r redacted) Error() string { return r.msg }
func (r redacted) Unwrap() error { return r.err }

// apiCode returns the JSON error code of a Discord REST error (0: none).
func apiCode(err error) int {
	if re, ok := errors.AsType[*discordgo.RESTError](err); ok && re.Message != nil {
		return re.Message.Code
	}
	return 0
}

var (
	_ adapters.Adapter     = (*Adapter)(nil)
	_ adapters.CommandMenu = (*Adapter)(nil)
)
