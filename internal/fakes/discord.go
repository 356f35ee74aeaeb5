package fakes

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// Discord's JSON error codes and messages, as the REST API sends them
// ({"message": …, "code": …, "errors": …}).
const (
	DiscordCodeUnknownChannel     = 10003
	DiscordCodeUnknownMessage     = 10008
	DiscordCodeUnknownWebhook     = 10015
	DiscordCodeUnknownInteraction = 10062
	DiscordCodeUnknownCommand     = 10063
	DiscordCodeCannotSendEmpty    = 50006
	DiscordCodeInvalidWebhook     = 50027
	DiscordCodeInvalidFormBody    = 50035
	DiscordCodeAlreadyAcked       = 40060

	DiscordUnauthorized     = "401: Unauthorized"
	DiscordUnknownChannel   = "Unknown Channel"
	DiscordUnknownMessage   = "Unknown Message"
	DiscordUnknownWebhook   = "Unknown Webhook"
	DiscordUnknownInter     = "Unknown interaction"
	DiscordAlreadyAcked     = "Interaction has already been acknowledged."
	DiscordInvalidFormBody  = "Invalid Form Body"
	DiscordCannotSendEmpty  = "Cannot send an empty message"
	DiscordInvalidWebhook   = "Invalid Webhook Token"
	DiscordRateLimitedText  = "You are being rate limited."
	DiscordNotFound         = "404: Not Found"
	DiscordMethodNotAllowed = "405: Method Not Allowed"
)

// Discord's limits the fake enforces.
const (
	// DiscordMaxContent is the longest message content, in characters
	// (Unicode code points).
	DiscordMaxContent = 2000
	// DiscordMaxChoices is the most choices of an autocomplete answer or
	// a command option.
	DiscordMaxChoices = 25
	// DiscordInteractionDeadline is how long after its creation an
	// interaction may get its initial response.
	DiscordInteractionDeadline = 3 * time.Second
	// DiscordTokenLifetime is how long an interaction token is valid for
	// follow-ups and edits.
	DiscordTokenLifetime = 15 * time.Minute
)

// Gateway intents (Identify.intents bits) the fake looks at.
const (
	DiscordIntentGuilds         = 1 << 0
	DiscordIntentGuildMessages  = 1 << 9
	DiscordIntentDirectMessages = 1 << 12
	DiscordIntentMessageContent = 1 << 15
)

// Channel types.
const (
	DiscordGuildText     = 0
	DiscordDM            = 1
	DiscordPublicThread  = 11
	DiscordPrivateThread = 12
)

// Interaction types (Interaction.type).
const (
	DiscordInteractionPing         = 1
	DiscordInteractionCommand      = 2
	DiscordInteractionComponent    = 3
	DiscordInteractionAutocomplete = 4
	DiscordInteractionModalSubmit  = 5
)

// Interaction callback types (InteractionResponse.type).
const (
	DiscordRespondPong           = 1
	DiscordRespondMessage        = 4
	DiscordRespondDeferred       = 5
	DiscordRespondDeferredUpdate = 6
	DiscordRespondUpdate         = 7
	DiscordRespondAutocomplete   = 8
	DiscordRespondModal          = 9
)

// DiscordFlagEphemeral is the message flag that shows a message only to
// the user of the interaction.
const DiscordFlagEphemeral = 1 << 6

// discordFlagLoading marks the "Bot is thinking…" message of a deferred
// response.
const discordFlagLoading = 1 << 7

// Route templates, as Calls reports them and FailNext matches them.
const (
	DiscordRouteGateway        = "GET /gateway"
	DiscordRouteGatewayBot     = "GET /gateway/bot"
	DiscordRouteMe             = "GET /users/@me"
	DiscordRouteOpenDM         = "POST /users/@me/channels"
	DiscordRouteApplication    = "GET /oauth2/applications/@me"
	DiscordRouteApplicationMe  = "GET /applications/@me"
	DiscordRoutePutCommands    = "PUT /applications/{app}/commands"
	DiscordRouteGetCommands    = "GET /applications/{app}/commands"
	DiscordRoutePutGuildCmds   = "PUT /applications/{app}/guilds/{guild}/commands"
	DiscordRouteGetGuildCmds   = "GET /applications/{app}/guilds/{guild}/commands"
	DiscordRouteCallback       = "POST /interactions/{interaction}/{token}/callback"
	DiscordRouteGetOriginal    = "GET /webhooks/{app}/{token}/messages/{message}"
	DiscordRouteEditOriginal   = "PATCH /webhooks/{app}/{token}/messages/{message}"
	DiscordRouteDeleteOriginal = "DELETE /webhooks/{app}/{token}/messages/{message}"
	DiscordRouteFollowup       = "POST /webhooks/{app}/{token}"
	DiscordRouteSend           = "POST /channels/{channel}/messages"
	DiscordRouteHistory        = "GET /channels/{channel}/messages"
	DiscordRouteEdit           = "PATCH /channels/{channel}/messages/{message}"
	DiscordRouteGetMessage     = "GET /channels/{channel}/messages/{message}"
	DiscordRouteDeleteMessage  = "DELETE /channels/{channel}/messages/{message}"
	DiscordRouteTyping         = "POST /channels/{channel}/typing"
	DiscordRouteGetChannel     = "GET /channels/{channel}"
	discordRouteUnknown        = "unknown"
)

// Defaults of a new fake.
const (
	discordDefaultHeartbeat     = 41250 * time.Millisecond
	discordDefaultWaitTimeout   = 10 * time.Second
	discordSnowflakeBase        = 1_300_000_000_000_000_000
	discordGatewayPath          = "/gateway"
	discordResumeGatewayPath    = "/gateway-resume"
	discordFakeBotToken         = "MTMwMDAwMDAwMDAwMDAwMDAwMQ.FakeDc.fake-discord-token-for-tests"
	discordFakeApplicationName  = "Fake Bot"
	discordFakeBotUsername      = "fake-bot"
	discordFakeBotDiscriminator = "0"
)

// DiscordUser is a Discord user (or the bot itself), as the User object.
type DiscordUser struct {
	ID            string `json:"id"`
	Username      string `json:"username"`
	GlobalName    string `json:"global_name,omitempty"`
	Discriminator string `json:"discriminator"`
	Bot           bool   `json:"bot,omitempty"`
}

// DiscordGuild is a guild (server).
type DiscordGuild struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// BotRole is the id of the role Discord made for the bot when it
	// joined (managed, tagged with the bot's id); users mention it as
	// <@&id>.
	BotRole string `json:"-"`
}

// DiscordChannel is a channel, as the Channel object: a DM (with its
// Recipients), a guild text channel, or a thread (ParentID set).
type DiscordChannel struct {
	ID         string        `json:"id"`
	Type       int           `json:"type"`
	GuildID    string        `json:"guild_id,omitempty"`
	ParentID   string        `json:"parent_id,omitempty"`
	Name       string        `json:"name,omitempty"`
	Recipients []DiscordUser `json:"recipients,omitempty"`
}

// IsDM reports whether c is a direct message channel.
func (c DiscordChannel) IsDM() bool { return c.Type == DiscordDM }

// DiscordAttachment is a file attached to a message.
type DiscordAttachment struct {
	ID          string `json:"id"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type,omitempty"`
	Size        int    `json:"size"`
	URL         string `json:"url"`
	ProxyURL    string `json:"proxy_url"`
	// Data is the file's content, for a file the bot uploaded.
	Data []byte `json:"-"`
}

// DiscordSelectOption is an option of a select menu.
type DiscordSelectOption struct {
	Label       string          `json:"label"`
	Value       string          `json:"value"`
	Description string          `json:"description,omitempty"`
	Emoji       json.RawMessage `json:"emoji,omitempty"`
	Default     bool            `json:"default,omitempty"`
}

// DiscordComponent is a message component: an action row (type 1)
// holding buttons (type 2) or one select menu (type 3, string select;
// 5–8 the other selects).
type DiscordComponent struct {
	Type        int                   `json:"type"`
	CustomID    string                `json:"custom_id,omitempty"`
	Label       string                `json:"label,omitempty"`
	Style       int                   `json:"style,omitempty"`
	URL         string                `json:"url,omitempty"`
	Disabled    bool                  `json:"disabled,omitempty"`
	Emoji       json.RawMessage       `json:"emoji,omitempty"`
	Placeholder string                `json:"placeholder,omitempty"`
	MinValues   *int                  `json:"min_values,omitempty"`
	MaxValues   int                   `json:"max_values,omitempty"`
	Options     []DiscordSelectOption `json:"options,omitempty"`
	Components  []DiscordComponent    `json:"components,omitempty"`
}

// DiscordMessageRef is a message_reference (a reply).
type DiscordMessageRef struct {
	MessageID string `json:"message_id,omitempty"`
	ChannelID string `json:"channel_id,omitempty"`
	GuildID   string `json:"guild_id,omitempty"`
}

// DiscordAllowedMentions is the allowed_mentions of a message the bot
// sent.
type DiscordAllowedMentions struct {
	Parse       []string `json:"parse"`
	Users       []string `json:"users,omitempty"`
	Roles       []string `json:"roles,omitempty"`
	RepliedUser bool     `json:"replied_user,omitempty"`
}

// DiscordMessage is a message in a channel of the fake, as the Message
// object, plus what the fake knows about how it was made (the fields
// without a JSON name).
type DiscordMessage struct {
	ID                string              `json:"id"`
	ChannelID         string              `json:"channel_id"`
	GuildID           string              `json:"guild_id,omitempty"`
	Author            DiscordUser         `json:"author"`
	Content           string              `json:"content"`
	Timestamp         time.Time           `json:"timestamp"`
	EditedTimestamp   *time.Time          `json:"edited_timestamp"`
	Mentions          []DiscordUser       `json:"mentions"`
	MentionRoles      []string            `json:"mention_roles"`
	MentionEveryone   bool                `json:"mention_everyone"`
	Attachments       []DiscordAttachment `json:"attachments"`
	Embeds            []json.RawMessage   `json:"embeds"`
	Components        []DiscordComponent  `json:"components"`
	Flags             int                 `json:"flags"`
	Type              int                 `json:"type"`
	WebhookID         string              `json:"webhook_id,omitempty"`
	ApplicationID     string              `json:"application_id,omitempty"`
	MessageReference  *DiscordMessageRef  `json:"message_reference,omitempty"`
	ReferencedMessage *DiscordMessage     `json:"referenced_message,omitempty"`

	// AllowedMentions is the allowed_mentions the bot sent (nil when it
	// sent none, which lets every mention ping).
	AllowedMentions *DiscordAllowedMentions `json:"-"`
	// Pinged lists the users the message notified (mentions in the
	// content, and the replied-to author, that allowed_mentions let
	// through); PingedEveryone reports an @everyone or @here that did.
	Pinged         []string `json:"-"`
	PingedEveryone bool     `json:"-"`
	// EphemeralTo is the user who alone sees an ephemeral message.
	EphemeralTo string `json:"-"`
	// Interaction is the id of the interaction whose response or
	// follow-up the message is.
	Interaction string `json:"-"`
	// Seq is the gateway sequence number of the MESSAGE_CREATE that
	// brought a user's message to the bot (0 when no session got it).
	Seq int64 `json:"-"`
	// Edits counts the successful edits; History holds every content
	// the message had, oldest first (the current one last), so a test can
	// follow a reply streamed by edits; Deleted reports a deleted message.
	Edits   int      `json:"-"`
	History []string `json:"-"`
	Deleted bool     `json:"-"`
}

// Ephemeral reports whether only one user sees m.
func (m DiscordMessage) Ephemeral() bool { return m.Flags&DiscordFlagEphemeral != 0 }

// FromBot reports whether the author is a bot.
func (m DiscordMessage) FromBot() bool { return m.Author.Bot }

func (m *DiscordMessage) clone() DiscordMessage {
	c := *m
	c.Mentions = slices.Clone(m.Mentions)
	c.MentionRoles = slices.Clone(m.MentionRoles)
	c.Attachments = slices.Clone(m.Attachments)
	c.Embeds = slices.Clone(m.Embeds)
	c.Components = cloneComponents(m.Components)
	c.Pinged = slices.Clone(m.Pinged)
	c.History = slices.Clone(m.History)
	if m.EditedTimestamp != nil {
		t := *m.EditedTimestamp
		c.EditedTimestamp = &t
	}
	if m.ReferencedMessage != nil {
		r := m.ReferencedMessage.clone()
		c.ReferencedMessage = &r
	}
	if m.AllowedMentions != nil {
		a := *m.AllowedMentions
		c.AllowedMentions = &a
	}
	return c
}

func cloneComponents(cs []DiscordComponent) []DiscordComponent {
	if cs == nil {
		return nil
	}
	out := make([]DiscordComponent, len(cs))
	for i, c := range cs {
		out[i] = c
		out[i].Options = slices.Clone(c.Options)
		out[i].Components = cloneComponents(c.Components)
	}
	return out
}

// DiscordCommandOptionChoice is a fixed choice of a command option, or
// a choice of an autocomplete answer.
type DiscordCommandOptionChoice struct {
	Name  string `json:"name"`
	Value any    `json:"value"`
}

// DiscordCommandOption is an option of an application command.
type DiscordCommandOption struct {
	Type         int                          `json:"type"`
	Name         string                       `json:"name"`
	Description  string                       `json:"description"`
	Required     bool                         `json:"required,omitempty"`
	Autocomplete bool                         `json:"autocomplete,omitempty"`
	Choices      []DiscordCommandOptionChoice `json:"choices,omitempty"`
	Options      []DiscordCommandOption       `json:"options,omitempty"`
	MinValue     *float64                     `json:"min_value,omitempty"`
	MaxValue     *float64                     `json:"max_value,omitempty"`
	MinLength    *int                         `json:"min_length,omitempty"`
	MaxLength    *int                         `json:"max_length,omitempty"`
}

// DiscordCommand is an application command as registered.
type DiscordCommand struct {
	ID                       string                 `json:"id"`
	ApplicationID            string                 `json:"application_id"`
	GuildID                  string                 `json:"guild_id,omitempty"`
	Type                     int                    `json:"type"`
	Name                     string                 `json:"name"`
	Description              string                 `json:"description"`
	Options                  []DiscordCommandOption `json:"options,omitempty"`
	DefaultMemberPermissions *string                `json:"default_member_permissions,omitempty"`
	DMPermission             *bool                  `json:"dm_permission,omitempty"`
	NSFW                     bool                   `json:"nsfw,omitempty"`
	Version                  string                 `json:"version"`
}

// Application command option types.
const (
	DiscordOptionSubCommand      = 1
	DiscordOptionSubCommandGroup = 2
	DiscordOptionString          = 3
	DiscordOptionInteger         = 4
	DiscordOptionBoolean         = 5
	DiscordOptionUser            = 6
	DiscordOptionChannel         = 7
	DiscordOptionRole            = 8
	DiscordOptionMentionable     = 9
	DiscordOptionNumber          = 10
	DiscordOptionAttachment      = 11
)

// DiscordCall is one request the fake received. The bot token is never
// recorded, and an interaction token shows as "***" in Path.
type DiscordCall struct {
	Method string
	// Route is the route template (DiscordRoute…); Path the path after
	// /api/v{n} with tokens masked; Host the host the client aimed at
	// (discord.com when it went through Client).
	Route string
	Path  string
	Host  string
	// Body is the JSON body (payload_json of a multipart body).
	Body string
	// Status is the HTTP status answered, Code Discord's JSON error code.
	// A dropped connection has Status 0.
	Status int
	Code   int
}

// DiscordFault is a scripted failure (FailNext).
type DiscordFault struct {
	// Status is the HTTP status (429, 500, 502 …); Code and Message the
	// JSON error (Message defaults to the status text).
	Status  int
	Code    int
	Message string
	// RetryAfter (seconds) and Global fill a 429's body and headers.
	RetryAfter float64
	Global     bool
	// Drop closes the connection without an answer.
	Drop bool
}

// DiscordRateLimited is the 429 Discord answers a rate-limited route
// (global for the global limit), with retry_after in seconds.
func DiscordRateLimited(retryAfter float64, global bool) DiscordFault {
	return DiscordFault{Status: 429, Message: DiscordRateLimitedText, RetryAfter: retryAfter, Global: global}
}

// DiscordServerError is a 5xx answer of Discord's front end.
func DiscordServerError(status int) DiscordFault {
	return DiscordFault{Status: status, Message: strconv.Itoa(status) + ": " + http.StatusText(status)}
}

// DiscordMissingAccess is the 403 Discord answers a command registration
// when the bot was invited without the applications.commands scope.
func DiscordMissingAccess() DiscordFault {
	return DiscordFault{Status: 403, Code: 50001, Message: "Missing Access"}
}

// DiscordDropped closes the connection without an answer.
func DiscordDropped() DiscordFault { return DiscordFault{Drop: true} }

// DiscordInteraction is an interaction a user made (a slash command, an
// autocomplete, a component), and what the bot answered.
type DiscordInteraction struct {
	ID        string
	Token     string
	Type      int
	User      DiscordUser
	ChannelID string
	GuildID   string
	// Command and Options for commands and autocompletes; CustomID and
	// Values for components; MessageID the message of a component.
	Command   string
	Options   []DiscordOptionInput
	Focused   string
	CustomID  string
	Values    []string
	MessageID string
	// Created is when the user made it, on the fake's clock; Seq its
	// gateway sequence number.
	Created time.Time
	Seq     int64
	// Responded reports the initial response (its callback Type and
	// when); Choices are an autocomplete's answer; Modal a modal's
	// custom_id.
	Responded    bool
	ResponseType int
	RespondedAt  time.Time
	Ephemeral    bool
	Choices      []DiscordCommandOptionChoice
	Modal        string
	// Original is the id of the message of the response (the
	// component's message for types 6 and 7); Followups the follow-ups.
	Original  string
	Followups []string
	// Rejected counts responses answered with an error (40060, 10062 …).
	Rejected int
}

// Latency is how long the bot took to give the initial response, on the
// fake's clock.
func (i DiscordInteraction) Latency() time.Duration {
	if !i.Responded {
		return 0
	}
	return i.RespondedAt.Sub(i.Created)
}

// DiscordOptionInput is an option of a command as the user typed it:
// Value is text, converted to the registered option's type.
type DiscordOptionInput struct {
	Name  string
	Value string
}

// DiscordIdentify is an IDENTIFY (or RESUME) the gateway received.
type DiscordIdentify struct {
	Op        int // 2 identify, 6 resume
	Intents   int
	SessionID string
	Seq       int64
	Compress  bool
	// Accepted reports whether the gateway let it in.
	Accepted bool
}

// HasIntent reports whether the identify asked for the intent bit.
func (i DiscordIdentify) HasIntent(bit int) bool { return i.Intents&bit == bit }

// Discord is a fake Discord: the REST API under /api/v{n} (v9 as
// discordgo v0.29 sends, v10 too) and the gateway websocket, for
// github.com/bwmarrin/discordgo. Point a session at it with
//
//	s, _ := discordgo.New("Bot " + f.Token())
//	s.Client = f.Client()
//
// (discordgo asks GET /gateway for the websocket URL, which is the
// fake's). It keeps what users see: channels with their messages (after
// edits), ephemeral messages and to whom, typing, interactions and their
// responses and follow-ups, the registered commands; it answers Discord's
// own errors (50035 with Discord's errors shape, 40060, 10062, 401, 429 …).
//
// Tests play the users: Send, RunCommand, Autocomplete, Choose and Press
// dispatch gateway events with increasing sequence numbers; DropSocket,
// Reconnect, InvalidateSession and SetHeartbeatAcks exercise discordgo's
// resume; FailNext, SetRateLimit and Delay script REST failures.
// A Discord is safe for concurrent use.
type Discord struct {
	srv  *httptest.Server
	done chan struct{}
	up   websocket.Upgrader

	mu          sync.Mutex
	changed     chan struct{}
	token       string
	me          DiscordUser
	appID       string
	now         func() time.Time
	waitTimeout time.Duration
	heartbeat   time.Duration
	privileged  bool // privileged intents (MESSAGE_CONTENT) enabled in the portal
	noAcks      bool // heartbeats go unanswered (a zombied connection)
	nextID      int64

	guilds   map[string]*DiscordGuild
	channels map[string]*dcChannel
	dms      map[string]string // user id → DM channel id
	users    map[string]DiscordUser
	commands map[string][]DiscordCommand // "" global, else guild id
	inters   map[string]*DiscordInteraction
	byToken  map[string]string // interaction token → id
	calls    []DiscordCall
	script   script[DiscordFault]
	limits   map[string]dcLimit   // route → its rate limit (SetRateLimit)
	buckets  map[string]*dcBucket // route and major parameter → use

	sessions   []*dcSession
	identifies []DiscordIdentify
	heartbeats int
	resumes    int
	conns      map[*dcConn]bool
}

type dcChannel struct {
	ch     DiscordChannel
	msgs   []*DiscordMessage
	byID   map[string]*DiscordMessage // msgs by id: a lookup does not grow with the channel
	typing []time.Time
}

type dcLimit struct {
	n      int
	window time.Duration
}

type dcBucket struct {
	start time.Time
	used  int
}

// NewDiscord starts a fake Discord on loopback for the bot fake-bot
// (application id = bot user id); it is closed when the test ends.
func NewDiscord(t TB) *Discord {
	t.Helper()
	f := &Discord{
		done:        make(chan struct{}),
		changed:     make(chan struct{}),
		token:       discordFakeBotToken,
		now:         time.Now,
		waitTimeout: discordDefaultWaitTimeout,
		heartbeat:   discordDefaultHeartbeat,
		privileged:  true,
		nextID:      discordSnowflakeBase,
		guilds:      map[string]*DiscordGuild{},
		channels:    map[string]*dcChannel{},
		dms:         map[string]string{},
		users:       map[string]DiscordUser{},
		commands:    map[string][]DiscordCommand{},
		inters:      map[string]*DiscordInteraction{},
		byToken:     map[string]string{},
		limits:      map[string]dcLimit{},
		buckets:     map[string]*dcBucket{},
		conns:       map[*dcConn]bool{},
	}
	id := f.snowflake()
	f.me = DiscordUser{ID: id, Username: discordFakeBotUsername, Discriminator: discordFakeBotDiscriminator, Bot: true}
	f.appID = id
	f.users[id] = f.me
	f.up = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(func() {
		close(f.done)
		f.mu.Lock()
		conns := make([]*dcConn, 0, len(f.conns))
		for c := range f.conns {
			conns = append(conns, c)
		}
		f.mu.Unlock()
		for _, c := range conns {
			c.ws.Close()
		}
		f.srv.Close()
	})
	return f
}

// URL returns the server's base URL (http://127.0.0.1:port).
func (f *Discord) URL() string { return f.srv.URL }

// GatewayURL returns the websocket URL GET /gateway answers.
func (f *Discord) GatewayURL() string {
	return "ws" + strings.TrimPrefix(f.srv.URL, "http") + discordGatewayPath
}

// Transport returns a RoundTripper that sends every request to the fake,
// whatever its scheme and host (https://discord.com/api/v9/… becomes
// http://127.0.0.1:port/api/v9/…), so a discordgo session reaches the fake
// through its own http.Client and nothing global changes.
func (f *Discord) Transport() http.RoundTripper {
	return &dcTransport{base: f.srv.Client().Transport, target: f.srv.URL}
}

// Client returns an http.Client using Transport, for discordgo's
// Session.Client.
func (f *Discord) Client() *http.Client {
	return &http.Client{Transport: f.Transport(), Timeout: 20 * time.Second}
}

type dcTransport struct {
	base   http.RoundTripper
	target string
}

// RoundTrip sends r to the fake, noting the host it aimed at.
func (t *dcTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	u, err := url.Parse(t.target)
	if err != nil {
		return nil, err
	}
	r2 := r.Clone(r.Context())
	r2.Header.Set("X-Fake-Original-Host", r.URL.Host)
	r2.URL.Scheme, r2.URL.Host, r2.Host = u.Scheme, u.Host, u.Host
	return t.base.RoundTrip(r2)
}

// Token returns the bot token the fake accepts (without "Bot ").
func (f *Discord) Token() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.token
}

// SetToken changes the accepted token (the old one is then answered 401,
// as a reset token).
func (f *Discord) SetToken(token string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.token = token
}

// Me returns the bot's user.
func (f *Discord) Me() DiscordUser {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.me
}

// AppID returns the application id (the bot user's id, as for any bot
// made in the developer portal).
func (f *Discord) AppID() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.appID
}

// SetClock makes the fake read the time (message timestamps, the 3 s
// and 15 min interaction windows) from now.
func (f *Discord) SetClock(now func() time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = now
}

// SetWaitTimeout sets how long the Wait helpers wait before failing the
// test (10 s by default).
func (f *Discord) SetWaitTimeout(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.waitTimeout = d
}

// SetHeartbeatInterval sets the heartbeat_interval HELLO announces to
// later connections (41.25 s by default, as Discord).
func (f *Discord) SetHeartbeatInterval(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.heartbeat = d
}

// SetHeartbeatAcks sets whether heartbeats are answered (op 11); off
// plays a zombied connection, which discordgo drops and resumes after
// five unanswered intervals (see SetHeartbeatInterval). On by default.
func (f *Discord) SetHeartbeatAcks(on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.noAcks = !on
}

// SetPrivilegedIntents sets whether the application may ask for the
// privileged intents (MESSAGE_CONTENT …); when not, an IDENTIFY asking for
// one is closed with 4014 "Disallowed intent(s).", as Discord does when
// the switch in the developer portal is off. On by default.
func (f *Discord) SetPrivilegedIntents(on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.privileged = on
}

// FailNext answers the next n calls of route (a DiscordRoute… template,
// "" for any route) with fault instead of serving them. Scripts queue up
// in order.
func (f *Discord) FailNext(route string, n int, fault DiscordFault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.script.failNext(route, n, fault)
}

// Delay holds back every later call of route ("" for all routes) by d
// before serving it, as a slow Discord would; 0 removes the delay. A
// waiting call ends unanswered when its client goes away or the fake
// closes. The call is logged at once, with Status 0 until served.
func (f *Discord) Delay(route string, d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.script.setDelay(route, d)
}

// SetRateLimit limits route (a DiscordRoute… template) to n calls per
// window for each major parameter (channel, interaction, webhook token),
// measured on the fake's clock: every answer carries Discord's
// X-RateLimit-Limit, -Remaining, -Reset-After and -Bucket headers, and a
// call over the limit is answered 429 with retry_after. n ≤ 0 removes the
// limit. Note that discordgo waits on its own (in real time) before a call
// to a bucket the headers said was exhausted.
func (f *Discord) SetRateLimit(route string, n int, window time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if n <= 0 {
		delete(f.limits, route)
		return
	}
	f.limits[route] = dcLimit{n: n, window: window}
}

// limit applies route's rate limit to a call of the bucket key: it
// returns the headers to send, or the 429 fault; f.mu is held.
func (f *Discord) limit(route, key string) (http.Header, *DiscordFault) {
	l, ok := f.limits[route]
	if !ok {
		return nil, nil
	}
	now := f.now()
	b := f.buckets[key]
	if b == nil || now.Sub(b.start) >= l.window {
		b = &dcBucket{start: now}
		f.buckets[key] = b
	}
	resetAfter := b.start.Add(l.window).Sub(now).Seconds()
	if b.used >= l.n {
		fault := DiscordRateLimited(resetAfter, false)
		return nil, &fault
	}
	b.used++
	h := http.Header{}
	h.Set("X-RateLimit-Limit", strconv.Itoa(l.n))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(l.n-b.used))
	h.Set("X-RateLimit-Reset-After", strconv.FormatFloat(resetAfter, 'f', 3, 64))
	h.Set("X-RateLimit-Bucket", fmt.Sprintf("fake-%x", len(route)*31+len(l.window.String())))
	return h, nil
}

// snowflake returns a new id; f.mu is held (or f is not yet shared).
func (f *Discord) snowflake() string {
	f.nextID++
	return strconv.FormatInt(f.nextID, 10)
}

// notify wakes every waiter; the caller holds f.mu.
func (f *Discord) notify() {
	close(f.changed)
	f.changed = make(chan struct{})
}

// dcError is an error answer of the REST API.
type dcError struct {
	status  int
	code    int
	message string
	errors  map[string]any
	fault   *DiscordFault
}

func dcNotFound(code int, msg string) *dcError {
	return &dcError{status: 404, code: code, message: msg}
}

// formError is a 50035 Invalid Form Body with one error at path (dotted:
// "content", "data.choices", "0.name").
func formError(path, code, msg string) *dcError {
	e := &dcError{status: 400, code: DiscordCodeInvalidFormBody, message: DiscordInvalidFormBody, errors: map[string]any{}}
	e.add(path, code, msg)
	return e
}

// add adds an error at path to a 50035.
func (e *dcError) add(path, code, msg string) {
	m := e.errors
	for _, p := range strings.Split(path, ".") {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	list, _ := m["_errors"].([]any)
	m["_errors"] = append(list, map[string]any{"code": code, "message": msg})
}

func (f *Discord) serve(w http.ResponseWriter, r *http.Request) {
	// discordgo adds a slash to the URL /gateway answers.
	if p := strings.TrimSuffix(r.URL.Path, "/"); p == discordGatewayPath || p == discordResumeGatewayPath {
		f.serveGateway(w, r)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/api/v")
	var ver string
	if ok {
		ver, rest, _ = strings.Cut(rest, "/")
		if _, err := strconv.Atoi(ver); err != nil {
			ok = false
		}
	}
	path := "/" + rest
	route, masked := dcRoute(r.Method, path)
	call := DiscordCall{Method: r.Method, Route: route, Path: masked, Host: r.Header.Get("X-Fake-Original-Host")}
	body, files, berr := readDiscordBody(r)
	call.Body = string(body)
	f.mu.Lock()
	idx := len(f.calls)
	f.calls = append(f.calls, call)
	f.notify()
	if !ok || route == discordRouteUnknown {
		e := &dcError{status: 404, code: 0, message: DiscordNotFound}
		f.finish(idx, e)
		f.mu.Unlock()
		writeDiscordError(w, e)
		return
	}
	// Interaction callbacks and webhook calls are authorised by the
	// interaction token in the path; everything else by the bot token.
	if !strings.HasPrefix(route, "POST /interactions/") && !strings.Contains(route, "/webhooks/") {
		if r.Header.Get("Authorization") != "Bot "+f.token {
			e := &dcError{status: 401, code: 0, message: DiscordUnauthorized}
			f.finish(idx, e)
			f.mu.Unlock()
			writeDiscordError(w, e)
			return
		}
	}
	if fault, ok := f.script.pop(route); ok {
		if fault.Drop {
			f.calls[idx].Status = 0
			f.notify()
			f.mu.Unlock()
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					conn.Close()
					return
				}
			}
			panic(http.ErrAbortHandler)
		}
		msg := fault.Message
		if msg == "" {
			msg = http.StatusText(fault.Status)
		}
		e := &dcError{status: fault.Status, code: fault.Code, message: msg, fault: &fault}
		f.finish(idx, e)
		f.mu.Unlock()
		writeDiscordError(w, e)
		return
	}
	delay := f.script.delay(route)
	if delay > 0 {
		f.mu.Unlock()
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		case <-f.done:
			t.Stop()
			return
		}
		f.mu.Lock()
	}
	seg := strings.Split(strings.Trim(rest, "/"), "/")
	key := route + "|" + strings.Join(seg[:min(len(seg), 2)], "/")
	if seg[0] == "webhooks" || seg[0] == "interactions" {
		key = route + "|" + strings.Join(seg[:min(len(seg), 3)], "/")
	}
	rlHeaders, over := f.limit(route, key)
	if over != nil {
		e := &dcError{status: 429, message: over.Message, fault: over}
		f.finish(idx, e)
		f.mu.Unlock()
		writeDiscordError(w, e)
		return
	}
	for k, v := range rlHeaders {
		w.Header()[k] = v
	}
	var (
		status = 200
		result any
		e      *dcError
	)
	if berr != nil {
		e = &dcError{status: 400, code: 50109, message: "The request body contains invalid JSON."}
	} else {
		status, result, e = f.route(route, r, rest, body, files)
	}
	var out []byte
	if e == nil && result != nil {
		var err error
		if out, err = json.Marshal(result); err != nil {
			panic(err) // the fake's own types always marshal
		}
	}
	if e != nil {
		f.finish(idx, e)
	} else {
		f.calls[idx].Status = status
		f.notify()
	}
	f.mu.Unlock()
	if e != nil {
		writeDiscordError(w, e)
		return
	}
	if status == http.StatusNoContent {
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(out)
}

// finish records an error outcome of the logged call idx; f.mu is held.
func (f *Discord) finish(idx int, e *dcError) {
	f.calls[idx].Status, f.calls[idx].Code = e.status, e.code
	f.notify()
}

func writeDiscordError(w http.ResponseWriter, e *dcError) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	var body map[string]any
	if e.status == 429 {
		ra := 1.0
		global := false
		if e.fault != nil {
			ra, global = e.fault.RetryAfter, e.fault.Global
		}
		body = map[string]any{"message": e.message, "retry_after": ra, "global": global}
		if e.code != 0 {
			body["code"] = e.code
		}
		after := strconv.FormatFloat(ra, 'f', 3, 64)
		h.Set("Retry-After", strconv.Itoa(int(ra+0.999)))
		h.Set("X-RateLimit-Limit", "5")
		h.Set("X-RateLimit-Remaining", "0")
		h.Set("X-RateLimit-Reset-After", after)
		h.Set("X-RateLimit-Bucket", "fake-bucket")
		if global {
			h.Set("X-RateLimit-Global", "true")
			h.Set("X-RateLimit-Scope", "global")
		} else {
			h.Set("X-RateLimit-Scope", "user")
		}
	} else {
		body = map[string]any{"message": e.message, "code": e.code}
		if len(e.errors) > 0 {
			body["errors"] = e.errors
		}
	}
	b, _ := json.Marshal(body)
	w.WriteHeader(e.status)
	w.Write(b)
}

// dcFile is a file uploaded in a multipart body (files[n]).
type dcFile struct {
	name, contentType string
	data              []byte
}

// readDiscordBody returns the JSON of a request: its body, or the
// payload_json part of a multipart body, and the files of the latter.
func readDiscordBody(r *http.Request) ([]byte, []dcFile, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, 32<<20))
	if err != nil {
		return nil, nil, err
	}
	ct, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "multipart/form-data" {
		if len(b) > 0 && !json.Valid(b) {
			return b, nil, fmt.Errorf("invalid JSON")
		}
		return b, nil, nil
	}
	var (
		payload []byte
		files   []dcFile
	)
	mr := multipart.NewReader(bytes.NewReader(b), params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		data, err := io.ReadAll(p)
		if err != nil {
			return nil, nil, err
		}
		if p.FormName() == "payload_json" {
			if !json.Valid(data) {
				return data, nil, fmt.Errorf("invalid JSON")
			}
			payload = data
			continue
		}
		if p.FileName() != "" {
			files = append(files, dcFile{name: p.FileName(), contentType: p.Header.Get("Content-Type"), data: data})
		}
	}
	return payload, files, nil
}

// dcRoute returns the route template of a request and its path with the
// interaction token masked.
func dcRoute(method, path string) (route, masked string) {
	seg := strings.Split(strings.Trim(path, "/"), "/")
	masked = path
	n := len(seg)
	is := func(i int, s string) bool { return i < n && seg[i] == s }
	switch {
	case n == 1 && is(0, "gateway"):
		return method + " /gateway", masked
	case n == 2 && is(0, "gateway") && is(1, "bot"):
		return method + " /gateway/bot", masked
	case n == 2 && is(0, "users") && is(1, "@me"):
		return method + " /users/@me", masked
	case n == 3 && is(0, "users") && is(1, "@me") && is(2, "channels"):
		return method + " /users/@me/channels", masked
	case n == 3 && is(0, "oauth2") && is(1, "applications") && is(2, "@me"):
		return method + " /oauth2/applications/@me", masked
	case n == 2 && is(0, "applications") && is(1, "@me"):
		return method + " /applications/@me", masked
	case n == 3 && is(0, "applications") && is(2, "commands"):
		return method + " /applications/{app}/commands", masked
	case n == 5 && is(0, "applications") && is(2, "guilds") && is(4, "commands"):
		return method + " /applications/{app}/guilds/{guild}/commands", masked
	case n == 4 && is(0, "interactions") && is(3, "callback"):
		return method + " /interactions/{interaction}/{token}/callback", "/interactions/" + seg[1] + "/***/callback"
	case n == 3 && is(0, "webhooks"):
		return method + " /webhooks/{app}/{token}", "/webhooks/" + seg[1] + "/***"
	case n == 5 && is(0, "webhooks") && is(3, "messages"):
		return method + " /webhooks/{app}/{token}/messages/{message}", "/webhooks/" + seg[1] + "/***/messages/" + seg[4]
	case n == 2 && is(0, "channels"):
		return method + " /channels/{channel}", masked
	case n == 3 && is(0, "channels") && is(2, "messages"):
		return method + " /channels/{channel}/messages", masked
	case n == 4 && is(0, "channels") && is(2, "messages"):
		return method + " /channels/{channel}/messages/{message}", masked
	case n == 3 && is(0, "channels") && is(2, "typing"):
		return method + " /channels/{channel}/typing", masked
	}
	return discordRouteUnknown, masked
}

// route serves a request; f.mu is held.
func (f *Discord) route(route string, r *http.Request, rest string, body []byte, files []dcFile) (int, any, *dcError) {
	seg := strings.Split(strings.Trim(rest, "/"), "/")
	switch route {
	case DiscordRouteGateway:
		return 200, map[string]any{"url": f.GatewayURL()}, nil
	case DiscordRouteGatewayBot:
		return 200, map[string]any{"url": f.GatewayURL(), "shards": 1, "session_start_limit": map[string]any{
			"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}}, nil
	case DiscordRouteMe:
		return 200, f.me, nil
	case DiscordRouteApplication, DiscordRouteApplicationMe:
		return 200, map[string]any{"id": f.appID, "name": discordFakeApplicationName, "bot_public": false,
			"bot": f.me, "description": "", "flags": 0}, nil
	case DiscordRouteOpenDM:
		var req struct {
			RecipientID string `json:"recipient_id"`
		}
		if err := json.Unmarshal(body, &req); err != nil || req.RecipientID == "" {
			return 0, nil, formError("recipient_id", "BASE_TYPE_REQUIRED", "This field is required")
		}
		u, ok := f.users[req.RecipientID]
		if !ok {
			return 0, nil, formError("recipient_id", "NUMBER_TYPE_COERCE", fmt.Sprintf("Value \"%s\" is not snowflake.", req.RecipientID))
		}
		return 200, f.dmChannel(u).ch, nil
	case DiscordRoutePutCommands, DiscordRoutePutGuildCmds:
		if seg[1] != f.appID {
			return 0, nil, &dcError{status: 403, code: 50001, message: "Missing Access"}
		}
		guild := ""
		if route == DiscordRoutePutGuildCmds {
			guild = seg[3]
			if f.guilds[guild] == nil {
				return 0, nil, &dcError{status: 403, code: 50001, message: "Missing Access"}
			}
		}
		return f.putCommands(guild, body)
	case DiscordRouteGetCommands, DiscordRouteGetGuildCmds:
		guild := ""
		if route == DiscordRouteGetGuildCmds {
			guild = seg[3]
		}
		cmds := slices.Clone(f.commands[guild])
		if cmds == nil {
			cmds = []DiscordCommand{}
		}
		return 200, cmds, nil
	case DiscordRouteCallback:
		return f.callback(seg[1], seg[2], body, files)
	case DiscordRouteGetOriginal, DiscordRouteEditOriginal, DiscordRouteDeleteOriginal:
		return f.webhookMessage(r.Method, seg[1], seg[2], seg[4], body, files)
	case DiscordRouteFollowup:
		return f.followup(seg[1], seg[2], r.URL.Query().Get("wait") == "true", body, files)
	case DiscordRouteGetChannel:
		c := f.channels[seg[1]]
		if c == nil {
			return 0, nil, dcNotFound(DiscordCodeUnknownChannel, DiscordUnknownChannel)
		}
		return 200, c.ch, nil
	case DiscordRouteSend:
		return f.sendMessage(seg[1], body, files)
	case DiscordRouteHistory:
		return f.history(seg[1], r.URL.Query())
	case DiscordRouteEdit, DiscordRouteGetMessage, DiscordRouteDeleteMessage:
		return f.channelMessage(r.Method, seg[1], seg[3], body, files)
	case DiscordRouteTyping:
		c := f.channels[seg[1]]
		if c == nil {
			return 0, nil, dcNotFound(DiscordCodeUnknownChannel, DiscordUnknownChannel)
		}
		c.typing = append(c.typing, f.now())
		return http.StatusNoContent, nil, nil
	}
	return 0, nil, &dcError{status: 405, code: 0, message: DiscordMethodNotAllowed}
}

// dmChannel returns (making it) the DM channel of u with the bot; f.mu is
// held.
func (f *Discord) dmChannel(u DiscordUser) *dcChannel {
	if id, ok := f.dms[u.ID]; ok {
		return f.channels[id]
	}
	c := &dcChannel{ch: DiscordChannel{ID: f.snowflake(), Type: DiscordDM, Recipients: []DiscordUser{u}}}
	f.channels[c.ch.ID] = c
	f.dms[u.ID] = c.ch.ID
	return c
}

// messageBody is what the bot sends for a message (create or edit).
type messageBody struct {
	Content         *string                 `json:"content"`
	Components      *[]DiscordComponent     `json:"components"`
	Embeds          *[]json.RawMessage      `json:"embeds"`
	AllowedMentions *DiscordAllowedMentions `json:"allowed_mentions"`
	Reference       *DiscordMessageRef      `json:"message_reference"`
	Flags           *int                    `json:"flags"`
	Attachments     *[]json.RawMessage      `json:"attachments"`
	TTS             bool                    `json:"tts"`
}

func parseMessageBody(body []byte, prefix string, modal bool) (*messageBody, *dcError) {
	var mb messageBody
	if len(body) > 0 {
		if err := json.Unmarshal(body, &mb); err != nil {
			return nil, formError(strings.TrimSuffix(prefix, "."), "MODEL_TYPE_CONVERT", "Could not interpret the body: "+err.Error())
		}
	}
	var e *dcError
	fail := func(path, code, msg string) {
		if e == nil {
			e = formError(prefix+path, code, msg)
		} else {
			e.add(prefix+path, code, msg)
		}
	}
	if mb.Content != nil && utf8.RuneCountInString(*mb.Content) > DiscordMaxContent {
		fail("content", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", DiscordMaxContent))
	}
	if mb.Components != nil {
		validateComponents(*mb.Components, modal, fail)
	}
	if mb.Embeds != nil && len(*mb.Embeds) > 10 {
		fail("embeds", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
	}
	if a := mb.AllowedMentions; a != nil {
		if slices.Contains(a.Parse, "users") && len(a.Users) > 0 {
			fail("allowed_mentions", "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE", "parse:[\"users\"] and users: [ids] are mutually exclusive.")
		}
		if slices.Contains(a.Parse, "roles") && len(a.Roles) > 0 {
			fail("allowed_mentions", "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE", "parse:[\"roles\"] and roles: [ids] are mutually exclusive.")
		}
		for i, p := range a.Parse {
			if p != "users" && p != "roles" && p != "everyone" {
				fail(fmt.Sprintf("allowed_mentions.parse.%d", i), "BASE_TYPE_CHOICES", "Value must be one of ('roles', 'users', 'everyone').")
			}
		}
	}
	return &mb, e
}

// validateComponents checks components against Discord's limits: up to 5
// action rows, each with up to 5 buttons or one select menu (a modal's:
// one text input).
func validateComponents(rows []DiscordComponent, modal bool, fail func(path, code, msg string)) {
	if len(rows) > 5 {
		fail("components", "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
	}
	for i, row := range rows {
		p := fmt.Sprintf("components.%d", i)
		if row.Type != 1 {
			fail(p+".type", "UNION_TYPE_CHOICES", "Value of field \"type\" must be one of (1,).")
			continue
		}
		if len(row.Components) == 0 || len(row.Components) > 5 {
			fail(p+".components", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
		}
		selects := 0
		for j, c := range row.Components {
			cp := fmt.Sprintf("%s.components.%d", p, j)
			switch {
			case modal:
				if c.Type != 4 {
					fail(cp+".type", "UNION_TYPE_CHOICES", "Value of field \"type\" must be one of (4,).")
				}
				if c.CustomID == "" {
					fail(cp+".custom_id", "BASE_TYPE_REQUIRED", "This field is required")
				}
			case c.Type == 2:
				if c.Style == 5 {
					if c.URL == "" {
						fail(cp+".url", "BASE_TYPE_REQUIRED", "This field is required")
					}
				} else if c.CustomID == "" {
					fail(cp+".custom_id", "BASE_TYPE_REQUIRED", "This field is required")
				}
				if utf8.RuneCountInString(c.Label) > 80 {
					fail(cp+".label", "BASE_TYPE_MAX_LENGTH", "Must be 80 or fewer in length.")
				}
			case c.Type == 3 || c.Type >= 5 && c.Type <= 8:
				selects++
				if c.CustomID == "" {
					fail(cp+".custom_id", "BASE_TYPE_REQUIRED", "This field is required")
				}
				if c.Type == 3 && (len(c.Options) == 0 || len(c.Options) > 25) {
					fail(cp+".options", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 25 in length.")
				}
				for k, o := range c.Options {
					if n := utf8.RuneCountInString(o.Label); n == 0 || n > 100 {
						fail(fmt.Sprintf("%s.options.%d.label", cp, k), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
					}
					if n := utf8.RuneCountInString(o.Value); n == 0 || n > 100 {
						fail(fmt.Sprintf("%s.options.%d.value", cp, k), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
					}
				}
			default:
				fail(cp+".type", "UNION_TYPE_CHOICES", "Value of field \"type\" must be one of (2, 3, 5, 6, 7, 8).")
			}
			if utf8.RuneCountInString(c.CustomID) > 100 {
				fail(cp+".custom_id", "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
			}
		}
		if selects > 0 && len(row.Components) > 1 {
			fail(p+".components", "COMPONENT_LAYOUT_WIDTH_EXCEEDED", "The specified component exceeds the maximum width")
		}
	}
}

var (
	dcUserMention = regexp.MustCompile(`<@!?(\d+)>`)
	dcRoleMention = regexp.MustCompile(`<@&(\d+)>`)
)

// applyBody makes m as the body says (a create, or an edit of the fields
// given); f.mu is held.
func (f *Discord) applyBody(m *DiscordMessage, mb *messageBody) {
	if mb.Content != nil {
		m.Content = *mb.Content
	}
	if mb.Components != nil {
		m.Components = cloneComponents(*mb.Components)
	}
	if mb.Embeds != nil {
		m.Embeds = slices.Clone(*mb.Embeds)
	}
	if mb.AllowedMentions != nil {
		a := *mb.AllowedMentions
		m.AllowedMentions = &a
	}
	if mb.Flags != nil {
		// Only SUPPRESS_EMBEDS (4) may change; EPHEMERAL is set at creation.
		m.Flags = m.Flags&^4 | *mb.Flags&4
	}
	f.pings(m)
}

// attach adds uploaded files to m as attachments (after those the body
// keeps, when it lists attachments); f.mu is held.
func (f *Discord) attach(m *DiscordMessage, files []dcFile, mb *messageBody) {
	if mb.Attachments != nil && len(files) == 0 && len(*mb.Attachments) == 0 {
		m.Attachments = []DiscordAttachment{}
	}
	for _, fl := range files {
		id := f.snowflake()
		u := f.srv.URL + "/attachments/" + m.ChannelID + "/" + id + "/" + fl.name
		m.Attachments = append(m.Attachments, DiscordAttachment{ID: id, Filename: fl.name, ContentType: fl.contentType,
			Size: len(fl.data), URL: u, ProxyURL: u, Data: fl.data})
	}
}

// empty reports a body with nothing to show.
func (mb *messageBody) empty() bool {
	return (mb.Content == nil || *mb.Content == "") && (mb.Embeds == nil || len(*mb.Embeds) == 0) &&
		(mb.Components == nil || len(*mb.Components) == 0) && (mb.Attachments == nil || len(*mb.Attachments) == 0)
}

// pings works out who m notifies, after allowed_mentions; f.mu is held.
func (f *Discord) pings(m *DiscordMessage) {
	a := m.AllowedMentions
	m.Pinged, m.PingedEveryone, m.Mentions, m.MentionRoles, m.MentionEveryone = nil, false, nil, []string{}, false
	allowUser := func(id string) bool {
		return a == nil || slices.Contains(a.Parse, "users") || slices.Contains(a.Users, id)
	}
	for _, sm := range dcUserMention.FindAllStringSubmatch(m.Content, -1) {
		id := sm[1]
		u, ok := f.users[id]
		if !ok {
			u = DiscordUser{ID: id}
		}
		if !slices.ContainsFunc(m.Mentions, func(x DiscordUser) bool { return x.ID == id }) {
			m.Mentions = append(m.Mentions, u)
		}
		if allowUser(id) && !slices.Contains(m.Pinged, id) {
			m.Pinged = append(m.Pinged, id)
		}
	}
	for _, sm := range dcRoleMention.FindAllStringSubmatch(m.Content, -1) {
		if !slices.Contains(m.MentionRoles, sm[1]) {
			m.MentionRoles = append(m.MentionRoles, sm[1])
		}
		if a == nil || slices.Contains(a.Parse, "roles") || slices.Contains(a.Roles, sm[1]) {
			m.Pinged = append(m.Pinged, "&"+sm[1])
		}
	}
	if strings.Contains(m.Content, "@everyone") || strings.Contains(m.Content, "@here") {
		if a == nil || slices.Contains(a.Parse, "everyone") {
			m.PingedEveryone, m.MentionEveryone = true, true
		}
	}
	if r := m.ReferencedMessage; r != nil && (a == nil || a.RepliedUser) && r.Author.ID != m.Author.ID {
		if !slices.Contains(m.Pinged, r.Author.ID) {
			m.Pinged = append(m.Pinged, r.Author.ID)
		}
		// Discord lists the pinged author of the replied message in mentions.
		if !slices.ContainsFunc(m.Mentions, func(x DiscordUser) bool { return x.ID == r.Author.ID }) {
			m.Mentions = append(m.Mentions, r.Author)
		}
	}
}

// sendMessage serves POST /channels/{id}/messages; f.mu is held.
func (f *Discord) sendMessage(channelID string, body []byte, files []dcFile) (int, any, *dcError) {
	c := f.channels[channelID]
	if c == nil {
		return 0, nil, dcNotFound(DiscordCodeUnknownChannel, DiscordUnknownChannel)
	}
	mb, e := parseMessageBody(body, "", false)
	if e != nil {
		return 0, nil, e
	}
	if mb.empty() && len(files) == 0 {
		return 0, nil, &dcError{status: 400, code: DiscordCodeCannotSendEmpty, message: DiscordCannotSendEmpty}
	}
	m := f.newMessage(c, f.me)
	if ref := mb.Reference; ref != nil && ref.MessageID != "" {
		orig := c.message(ref.MessageID)
		if orig == nil {
			return 0, nil, formError("message_reference", "REPLIES_UNKNOWN_MESSAGE", "Unknown message")
		}
		m.Type = 19
		m.MessageReference = &DiscordMessageRef{MessageID: orig.ID, ChannelID: c.ch.ID, GuildID: c.ch.GuildID}
		q := orig.clone()
		q.ReferencedMessage = nil
		m.ReferencedMessage = &q
	}
	if mb.Flags != nil {
		m.Flags = *mb.Flags & 4
	}
	f.applyBody(m, mb)
	f.attach(m, files, mb)
	f.created(c, m)
	return 200, m, nil
}

// history serves GET /channels/{id}/messages: newest first, limit (1 to
// 100, 50 by default) before/after a message id; f.mu is held.
func (f *Discord) history(channelID string, q url.Values) (int, any, *dcError) {
	c := f.channels[channelID]
	if c == nil {
		return 0, nil, dcNotFound(DiscordCodeUnknownChannel, DiscordUnknownChannel)
	}
	limit := 50
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return 0, nil, formError("limit", "NUMBER_TYPE_MAX", "int value should be less than or equal to 100.")
		}
		limit = n
	}
	before, after := q.Get("before"), q.Get("after")
	out := []DiscordMessage{}
	for i := len(c.msgs) - 1; i >= 0 && len(out) < limit; i-- {
		m := c.msgs[i]
		if m.Deleted || m.Ephemeral() ||
			before != "" && cmpSnowflake(m.ID, before) >= 0 || after != "" && cmpSnowflake(m.ID, after) <= 0 {
			continue
		}
		out = append(out, m.clone())
	}
	return 200, out, nil
}

// newMessage returns a message of author in c, not yet added; f.mu is
// held.
func (f *Discord) newMessage(c *dcChannel, author DiscordUser) *DiscordMessage {
	return &DiscordMessage{
		ID: f.snowflake(), ChannelID: c.ch.ID, GuildID: c.ch.GuildID, Author: author,
		Timestamp: f.now().UTC(), Attachments: []DiscordAttachment{}, Embeds: []json.RawMessage{},
		Components: []DiscordComponent{}, Mentions: []DiscordUser{},
	}
}

func (c *dcChannel) add(m *DiscordMessage) {
	m.History = []string{m.Content}
	c.msgs = append(c.msgs, m)
	if c.byID == nil {
		c.byID = map[string]*DiscordMessage{}
	}
	c.byID[m.ID] = m
}

// created adds a message of the bot to c and, unless it is ephemeral,
// dispatches MESSAGE_CREATE: Discord sends a bot its own messages too;
// f.mu is held.
func (f *Discord) created(c *dcChannel, m *DiscordMessage) {
	c.add(m)
	if !m.Ephemeral() {
		f.dispatchMessage(c, m, "MESSAGE_CREATE")
	}
}

// edited marks an edit of m and, unless it is ephemeral, dispatches
// MESSAGE_UPDATE; f.mu is held.
func (f *Discord) edited(m *DiscordMessage) {
	t := f.now().UTC()
	m.EditedTimestamp = &t
	m.Edits++
	m.History = append(m.History, m.Content)
	if c := f.channels[m.ChannelID]; c != nil && !m.Ephemeral() {
		if seq := f.dispatchMessage(c, m, "MESSAGE_UPDATE"); seq != 0 {
			m.Seq = seq
		}
	}
}

// message returns the message id of c, nil when unknown or deleted.
func (c *dcChannel) message(id string) *DiscordMessage {
	if m := c.byID[id]; m != nil && !m.Deleted {
		return m
	}
	return nil
}

// edit applies an edit body to m; f.mu is held.
func (f *Discord) edit(m *DiscordMessage, body []byte, files []dcFile) (*DiscordMessage, *dcError) {
	mb, e := parseMessageBody(body, "", false)
	if e != nil {
		return nil, e
	}
	f.applyBody(m, mb)
	f.attach(m, files, mb)
	f.edited(m)
	return m, nil
}

// channelMessage serves GET/PATCH/DELETE /channels/{c}/messages/{m};
// f.mu is held.
func (f *Discord) channelMessage(method, channelID, messageID string, body []byte, files []dcFile) (int, any, *dcError) {
	c := f.channels[channelID]
	if c == nil {
		return 0, nil, dcNotFound(DiscordCodeUnknownChannel, DiscordUnknownChannel)
	}
	m := c.message(messageID)
	if m == nil || m.Ephemeral() {
		return 0, nil, dcNotFound(DiscordCodeUnknownMessage, DiscordUnknownMessage)
	}
	switch method {
	case http.MethodGet:
		return 200, m, nil
	case http.MethodDelete:
		m.Deleted = true
		return http.StatusNoContent, nil, nil
	}
	if m.Author.ID != f.me.ID {
		return 0, nil, &dcError{status: 403, code: 50005, message: "Cannot edit a message authored by another user"}
	}
	m, e := f.edit(m, body, files)
	if e != nil {
		return 0, nil, e
	}
	return 200, m, nil
}

// interactionBody is an interaction response as the bot sends it.
type interactionBody struct {
	Type int `json:"type"`
	Data *struct {
		messageBody
		Choices  *[]DiscordCommandOptionChoice `json:"choices"`
		CustomID string                        `json:"custom_id"`
		Title    string                        `json:"title"`
	} `json:"data"`
}

// callback serves POST /interactions/{id}/{token}/callback; f.mu is
// held.
func (f *Discord) callback(id, token string, body []byte, files []dcFile) (int, any, *dcError) {
	in := f.inters[id]
	if in == nil || in.Token != token {
		return 0, nil, dcNotFound(DiscordCodeUnknownInteraction, DiscordUnknownInter)
	}
	reject := func(e *dcError) (int, any, *dcError) {
		in.Rejected++
		return 0, nil, e
	}
	if in.Responded {
		return reject(&dcError{status: 400, code: DiscordCodeAlreadyAcked, message: DiscordAlreadyAcked})
	}
	if f.now().Sub(in.Created) > DiscordInteractionDeadline {
		return reject(dcNotFound(DiscordCodeUnknownInteraction, DiscordUnknownInter))
	}
	var ib interactionBody
	if err := json.Unmarshal(body, &ib); err != nil {
		return reject(formError("type", "MODEL_TYPE_CONVERT", "Could not interpret the body"))
	}
	allowed := map[int][]int{
		DiscordInteractionCommand:      {DiscordRespondMessage, DiscordRespondDeferred, DiscordRespondModal},
		DiscordInteractionComponent:    {DiscordRespondMessage, DiscordRespondDeferred, DiscordRespondDeferredUpdate, DiscordRespondUpdate, DiscordRespondModal},
		DiscordInteractionAutocomplete: {DiscordRespondAutocomplete},
		DiscordInteractionModalSubmit:  {DiscordRespondMessage, DiscordRespondDeferred, DiscordRespondDeferredUpdate, DiscordRespondUpdate},
	}[in.Type]
	if !slices.Contains(allowed, ib.Type) {
		return reject(&dcError{status: 400, code: 40043, message: "Interaction response type is not valid for this interaction"})
	}
	var mb *messageBody
	if ib.Data != nil {
		var e *dcError
		raw, _ := json.Marshal(ib.Data.messageBody)
		if mb, e = parseMessageBody(raw, "data.", ib.Type == DiscordRespondModal); e != nil {
			return reject(e)
		}
	} else {
		mb = &messageBody{}
	}
	c := f.channels[in.ChannelID]
	ephemeral := mb.Flags != nil && *mb.Flags&DiscordFlagEphemeral != 0
	switch ib.Type {
	case DiscordRespondAutocomplete:
		var choices []DiscordCommandOptionChoice
		if ib.Data != nil && ib.Data.Choices != nil {
			choices = *ib.Data.Choices
		}
		if len(choices) > DiscordMaxChoices {
			return reject(formError("data.choices", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", DiscordMaxChoices)))
		}
		var e *dcError
		for i, ch := range choices {
			if n := utf8.RuneCountInString(ch.Name); n == 0 || n > 100 {
				if e == nil {
					e = formError(fmt.Sprintf("data.choices.%d.name", i), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
				} else {
					e.add(fmt.Sprintf("data.choices.%d.name", i), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
				}
			}
		}
		if e != nil {
			return reject(e)
		}
		in.Choices = slices.Clone(choices)
	case DiscordRespondModal:
		if ib.Data == nil || ib.Data.CustomID == "" || ib.Data.Title == "" {
			return reject(formError("data.custom_id", "BASE_TYPE_REQUIRED", "This field is required"))
		}
		in.Modal = ib.Data.CustomID
	case DiscordRespondMessage, DiscordRespondDeferred:
		if c == nil {
			return reject(dcNotFound(DiscordCodeUnknownChannel, DiscordUnknownChannel))
		}
		if ib.Type == DiscordRespondMessage && mb.empty() && len(files) == 0 {
			return reject(&dcError{status: 400, code: DiscordCodeCannotSendEmpty, message: DiscordCannotSendEmpty})
		}
		m := f.newMessage(c, f.me)
		m.Type = 20
		if in.Type == DiscordInteractionComponent {
			m.Type = 0
		}
		m.ApplicationID, m.WebhookID, m.Interaction = f.appID, f.appID, in.ID
		if ephemeral {
			m.Flags |= DiscordFlagEphemeral
			m.EphemeralTo = in.User.ID
		}
		if ib.Type == DiscordRespondDeferred {
			m.Flags |= discordFlagLoading
		}
		f.applyBody(m, mb)
		f.attach(m, files, mb)
		f.created(c, m)
		in.Original = m.ID
		in.Ephemeral = ephemeral
	case DiscordRespondDeferredUpdate, DiscordRespondUpdate:
		if in.Type != DiscordInteractionComponent || c == nil {
			return reject(&dcError{status: 400, code: 40043, message: "Interaction response type is not valid for this interaction"})
		}
		m := c.message(in.MessageID)
		if m == nil {
			return reject(dcNotFound(DiscordCodeUnknownMessage, DiscordUnknownMessage))
		}
		in.Original = m.ID
		if ib.Type == DiscordRespondUpdate {
			f.applyBody(m, mb)
			f.attach(m, files, mb)
			f.edited(m)
		}
	}
	in.Responded, in.ResponseType, in.RespondedAt = true, ib.Type, f.now()
	return http.StatusNoContent, nil, nil
}

// tokenInteraction returns the interaction of a webhook token, or the
// error Discord answers; f.mu is held.
func (f *Discord) tokenInteraction(app, token string) (*DiscordInteraction, *dcError) {
	id, ok := f.byToken[token]
	if !ok || app != f.appID {
		return nil, dcNotFound(DiscordCodeUnknownWebhook, DiscordUnknownWebhook)
	}
	in := f.inters[id]
	if f.now().Sub(in.Created) > DiscordTokenLifetime {
		return nil, &dcError{status: 401, code: DiscordCodeInvalidWebhook, message: DiscordInvalidWebhook}
	}
	if !in.Responded {
		return nil, dcNotFound(DiscordCodeUnknownWebhook, DiscordUnknownWebhook)
	}
	return in, nil
}

// webhookMessage serves GET/PATCH/DELETE /webhooks/{app}/{token}/messages/{m};
// f.mu is held.
func (f *Discord) webhookMessage(method, app, token, mid string, body []byte, files []dcFile) (int, any, *dcError) {
	in, e := f.tokenInteraction(app, token)
	if e != nil {
		return 0, nil, e
	}
	if mid == "@original" {
		mid = in.Original
	} else if !slices.Contains(in.Followups, mid) && mid != in.Original {
		return 0, nil, dcNotFound(DiscordCodeUnknownMessage, DiscordUnknownMessage)
	}
	c := f.channels[in.ChannelID]
	var m *DiscordMessage
	if c != nil && mid != "" {
		m = c.message(mid)
	}
	if m == nil {
		return 0, nil, dcNotFound(DiscordCodeUnknownMessage, DiscordUnknownMessage)
	}
	switch method {
	case http.MethodGet:
		return 200, m, nil
	case http.MethodDelete:
		m.Deleted = true
		return http.StatusNoContent, nil, nil
	}
	m, e = f.edit(m, body, files)
	if e != nil {
		return 0, nil, e
	}
	m.Flags &^= discordFlagLoading
	return 200, m, nil
}

// followup serves POST /webhooks/{app}/{token}; f.mu is held.
func (f *Discord) followup(app, token string, wait bool, body []byte, files []dcFile) (int, any, *dcError) {
	in, e := f.tokenInteraction(app, token)
	if e != nil {
		return 0, nil, e
	}
	c := f.channels[in.ChannelID]
	if c == nil {
		return 0, nil, dcNotFound(DiscordCodeUnknownChannel, DiscordUnknownChannel)
	}
	mb, e := parseMessageBody(body, "", false)
	if e != nil {
		return 0, nil, e
	}
	if mb.empty() && len(files) == 0 {
		return 0, nil, &dcError{status: 400, code: DiscordCodeCannotSendEmpty, message: DiscordCannotSendEmpty}
	}
	// The first follow-up of a deferred response still "thinking"
	// replaces it, and keeps the ephemeral flag chosen at defer time.
	if orig := c.message(in.Original); in.ResponseType == DiscordRespondDeferred && orig != nil && orig.Flags&discordFlagLoading != 0 {
		f.applyBody(orig, mb)
		f.attach(orig, files, mb)
		orig.Flags &^= discordFlagLoading
		f.edited(orig)
		in.Followups = append(in.Followups, orig.ID)
		if !wait {
			return http.StatusNoContent, nil, nil
		}
		return 200, orig, nil
	}
	m := f.newMessage(c, f.me)
	m.ApplicationID, m.WebhookID, m.Interaction = f.appID, f.appID, in.ID
	if mb.Flags != nil && *mb.Flags&DiscordFlagEphemeral != 0 {
		m.Flags |= DiscordFlagEphemeral
		m.EphemeralTo = in.User.ID
	}
	f.applyBody(m, mb)
	f.attach(m, files, mb)
	f.created(c, m)
	in.Followups = append(in.Followups, m.ID)
	if !wait {
		return http.StatusNoContent, nil, nil
	}
	return 200, m, nil
}

// validName matches the name of a CHAT_INPUT command or option.
var validName = regexp.MustCompile(`^[-_'\p{L}\p{N}\p{Devanagari}\p{Thai}]{1,32}$`)

// putCommands serves a bulk overwrite; f.mu is held.
func (f *Discord) putCommands(guild string, body []byte) (int, any, *dcError) {
	var cmds []DiscordCommand
	if err := json.Unmarshal(body, &cmds); err != nil {
		return 0, nil, formError("_root", "MODEL_TYPE_CONVERT", "Only iterables may be used in a ListType")
	}
	var e *dcError
	fail := func(path, code, msg string) {
		if e == nil {
			e = formError(path, code, msg)
		} else {
			e.add(path, code, msg)
		}
	}
	if len(cmds) > 100 {
		fail("_root", "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
	}
	seen := map[string]bool{}
	for i, c := range cmds {
		p := strconv.Itoa(i)
		if c.Type == 0 {
			c.Type = 1
		}
		if c.Type == 1 {
			checkName(p+".name", c.Name, fail)
			checkDescription(p+".description", c.Description, fail)
			checkOptions(p+".options", c.Options, fail)
		} else if n := utf8.RuneCountInString(c.Name); n == 0 || n > 32 {
			fail(p+".name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length.")
		}
		if n := commandChars(c); n > 4000 {
			fail(p, "APPLICATION_COMMAND_TOO_LARGE", "Command exceeds maximum size (4000)")
		}
		key := strconv.Itoa(c.Type) + "/" + c.Name
		if seen[key] {
			fail(p+".name", "APPLICATION_COMMANDS_DUPLICATE_NAME", "Application command names must be unique")
		}
		seen[key] = true
	}
	if e != nil {
		return 0, nil, e
	}
	old := f.commands[guild]
	out := make([]DiscordCommand, len(cmds))
	for i, c := range cmds {
		if c.Type == 0 {
			c.Type = 1
		}
		c.ApplicationID, c.GuildID = f.appID, guild
		c.ID = ""
		for _, o := range old {
			if o.Name == c.Name && o.Type == c.Type {
				c.ID = o.ID
			}
		}
		if c.ID == "" {
			c.ID = f.snowflake()
		}
		c.Version = f.snowflake()
		out[i] = c
	}
	f.commands[guild] = out
	return 200, slices.Clone(out), nil
}

// commandChars counts a command's characters as Discord limits them
// (4,000): names, descriptions and choice names and values.
func commandChars(c DiscordCommand) int {
	n := utf8.RuneCountInString(c.Name) + utf8.RuneCountInString(c.Description)
	var opts func([]DiscordCommandOption)
	opts = func(os []DiscordCommandOption) {
		for _, o := range os {
			n += utf8.RuneCountInString(o.Name) + utf8.RuneCountInString(o.Description)
			for _, ch := range o.Choices {
				n += utf8.RuneCountInString(ch.Name) + utf8.RuneCountInString(fmt.Sprint(ch.Value))
			}
			opts(o.Options)
		}
	}
	opts(c.Options)
	return n
}

func checkName(path, name string, fail func(path, code, msg string)) {
	if n := utf8.RuneCountInString(name); n == 0 || n > 32 {
		fail(path, "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length.")
		return
	}
	if !validName.MatchString(name) || strings.ToLower(name) != name {
		fail(path, "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
	}
}

func checkDescription(path, d string, fail func(path, code, msg string)) {
	if n := utf8.RuneCountInString(d); n == 0 || n > 100 {
		fail(path, "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
	}
}

func checkOptions(path string, opts []DiscordCommandOption, fail func(path, code, msg string)) {
	if len(opts) > 25 {
		fail(path, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
	}
	optional := false
	names := map[string]bool{}
	for i, o := range opts {
		p := fmt.Sprintf("%s.%d", path, i)
		checkName(p+".name", o.Name, fail)
		checkDescription(p+".description", o.Description, fail)
		if names[o.Name] {
			fail(p+".name", "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS", "Option names must be unique")
		}
		names[o.Name] = true
		if o.Type < DiscordOptionSubCommand || o.Type > DiscordOptionAttachment {
			fail(p+".type", "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}.")
		}
		if o.Required && optional {
			fail(p+".required", "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID", "Required options must be placed before non-required options")
		}
		if !o.Required {
			optional = true
		}
		if len(o.Choices) > DiscordMaxChoices {
			fail(p+".choices", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
		}
		if len(o.Choices) > 0 && o.Autocomplete {
			fail(p+".autocomplete", "APPLICATION_COMMAND_OPTION_CHOICES_AUTOCOMPLETE", "Autocomplete cannot be set with choices")
		}
		for j, c := range o.Choices {
			if n := utf8.RuneCountInString(c.Name); n == 0 || n > 100 {
				fail(fmt.Sprintf("%s.choices.%d.name", p, j), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
			}
		}
		if o.Type == DiscordOptionSubCommand || o.Type == DiscordOptionSubCommandGroup {
			checkOptions(p+".options", o.Options, fail)
		}
	}
}
