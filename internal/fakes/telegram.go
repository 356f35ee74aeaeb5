package fakes

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Telegram's own error descriptions, as the Bot API sends them.
const (
	TelegramUnauthorized       = "Unauthorized"
	TelegramConflictPolling    = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
	TelegramConflictSetWebhook = "Conflict: terminated by setWebhook request"
	TelegramConflictWebhook    = "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
	TelegramTooLong            = "Bad Request: message is too long"
	TelegramEditTooLong        = "Bad Request: MESSAGE_TOO_LONG"
	TelegramEmptyText          = "Bad Request: message text is empty"
	TelegramCantParse          = "Bad Request: can't parse entities: "
	TelegramNotModified        = "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"
	TelegramButtonData         = "Bad Request: BUTTON_DATA_INVALID"
	TelegramButtonURL          = "Bad Request: BUTTON_URL_INVALID"
	TelegramTextButton         = "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
	TelegramQueryTooOld        = "Bad Request: query is too old and response timeout expired or query ID is invalid"
	TelegramChatNotFound       = "Bad Request: chat not found"
	TelegramThreadNotFound     = "Bad Request: message thread not found"
	TelegramReplyNotFound      = "Bad Request: message to be replied not found"
	TelegramEditNotFound       = "Bad Request: message to edit not found"
	TelegramCantEdit           = "Bad Request: message can't be edited"
	TelegramDeleteNotFound     = "Bad Request: message to delete not found"
	TelegramMigrated           = "Bad Request: group chat was upgraded to a supergroup chat"
	TelegramCommandInvalid     = "Bad Request: BOT_COMMAND_INVALID"
	TelegramCommandsTooMuch    = "Bad Request: BOT_COMMANDS_TOO_MUCH"
	TelegramDescriptionEmpty   = "Bad Request: command description must be non-empty"
	TelegramDescriptionLong    = "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID"
	TelegramBadAction          = "Bad Request: wrong parameter action in request"
	TelegramBadParseMode       = "Bad Request: unsupported parse_mode"
	telegramFloodFmt           = "Too Many Requests: retry after %d"
	TelegramNotFound           = "Not Found"
	TelegramBlocked            = "Forbidden: bot was blocked by the user"
)

// TelegramMaxText is the longest message text, in UTF-16 code units after
// entity parsing.
const TelegramMaxText = 4096

// TelegramUser is a Telegram user (or the bot itself), as the Bot API's
// User object.
type TelegramUser struct {
	ID           int64  `json:"id"`
	IsBot        bool   `json:"is_bot"`
	FirstName    string `json:"first_name"`
	LastName     string `json:"last_name,omitempty"`
	Username     string `json:"username,omitempty"`
	LanguageCode string `json:"language_code,omitempty"`
}

// TelegramChat is a chat, as the Bot API's Chat object. Private chats
// have the user's id; groups negative ids; supergroups -100….
type TelegramChat struct {
	ID        int64  `json:"id"`
	Type      string `json:"type"` // private, group, supergroup, channel
	Title     string `json:"title,omitempty"`
	Username  string `json:"username,omitempty"`
	FirstName string `json:"first_name,omitempty"`
	IsForum   bool   `json:"is_forum,omitempty"`
}

// PrivateChat returns u's private chat with the bot.
func PrivateChat(u TelegramUser) TelegramChat {
	return TelegramChat{ID: u.ID, Type: "private", Username: u.Username, FirstName: u.FirstName}
}

// GroupChat returns a basic group (id should be negative).
func GroupChat(id int64, title string) TelegramChat {
	return TelegramChat{ID: id, Type: "group", Title: title}
}

// SupergroupChat returns a supergroup (id should be -100…); forum makes it
// a forum with topics.
func SupergroupChat(id int64, title string, forum bool) TelegramChat {
	return TelegramChat{ID: id, Type: "supergroup", Title: title, IsForum: forum}
}

// TelegramButton is an inline keyboard button.
type TelegramButton struct {
	Text         string `json:"text"`
	URL          string `json:"url,omitempty"`
	CallbackData string `json:"callback_data,omitempty"`
}

// TelegramKeyboard is an inline keyboard (InlineKeyboardMarkup).
type TelegramKeyboard struct {
	InlineKeyboard [][]TelegramButton `json:"inline_keyboard"`
}

// TelegramPhoto is one size of a photo.
type TelegramPhoto struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	Width        int    `json:"width"`
	Height       int    `json:"height"`
}

// TelegramSticker is a sticker (only what a chat bot looks at).
type TelegramSticker struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	Type         string `json:"type"`
	Width        int    `json:"width"`
	Height       int    `json:"height"`
	IsAnimated   bool   `json:"is_animated"`
	IsVideo      bool   `json:"is_video"`
	Emoji        string `json:"emoji,omitempty"`
}

// TelegramTopic is the forum_topic_created service content.
type TelegramTopic struct {
	Name      string `json:"name"`
	IconColor int    `json:"icon_color"`
}

// TelegramMessage is a message in a chat of the fake, as the Bot API's
// Message object, plus what the fake knows about how it was made (the
// fields without a JSON name).
type TelegramMessage struct {
	ID                int               `json:"message_id"`
	ThreadID          int               `json:"message_thread_id,omitempty"`
	From              *TelegramUser     `json:"from,omitempty"`
	Chat              TelegramChat      `json:"chat"`
	Date              int64             `json:"date"`
	EditDate          int64             `json:"edit_date,omitempty"`
	IsTopicMessage    bool              `json:"is_topic_message,omitempty"`
	ReplyTo           *TelegramMessage  `json:"reply_to_message,omitempty"`
	Text              string            `json:"text,omitempty"`
	Entities          []TelegramEntity  `json:"entities,omitempty"`
	Caption           string            `json:"caption,omitempty"`
	CaptionEntities   []TelegramEntity  `json:"caption_entities,omitempty"`
	Photo             []TelegramPhoto   `json:"photo,omitempty"`
	Sticker           *TelegramSticker  `json:"sticker,omitempty"`
	ForumTopicCreated *TelegramTopic    `json:"forum_topic_created,omitempty"`
	MigrateToChatID   int64             `json:"migrate_to_chat_id,omitempty"`
	MigrateFromChatID int64             `json:"migrate_from_chat_id,omitempty"`
	ReplyMarkup       *TelegramKeyboard `json:"reply_markup,omitempty"`

	// UpdateID is the update that brought a user's message (or its last
	// edit) to the bot; 0 for the bot's own messages.
	UpdateID int64 `json:"-"`
	// Source is the text as the bot sent it, before parse_mode was
	// applied; ParseMode is the parse_mode it was sent with.
	Source    string `json:"-"`
	ParseMode string `json:"-"`
	// Edits counts successful edits (text or keyboard) of the message.
	Edits int `json:"-"`
	// Deleted reports a message the bot deleted.
	Deleted bool `json:"-"`
}

// FromBot reports whether the bot sent m.
func (m TelegramMessage) FromBot() bool { return m.From != nil && m.From.IsBot }

// clone returns a deep enough copy of m for a caller to keep.
func (m *TelegramMessage) clone() TelegramMessage {
	c := *m
	c.Entities = slices.Clone(m.Entities)
	c.CaptionEntities = slices.Clone(m.CaptionEntities)
	c.Photo = slices.Clone(m.Photo)
	c.ReplyMarkup = m.ReplyMarkup.clone()
	if m.From != nil {
		f := *m.From
		c.From = &f
	}
	return c
}

// quoted returns m as it appears in reply_to_message: without its own
// reply.
func (m *TelegramMessage) quoted() *TelegramMessage {
	c := m.clone()
	c.ReplyTo = nil
	return &c
}

func (k *TelegramKeyboard) clone() *TelegramKeyboard {
	if k == nil {
		return nil
	}
	c := &TelegramKeyboard{InlineKeyboard: make([][]TelegramButton, len(k.InlineKeyboard))}
	for i, row := range k.InlineKeyboard {
		c.InlineKeyboard[i] = slices.Clone(row)
	}
	return c
}

// TelegramAction is a chat action (sendChatAction) the bot sent.
type TelegramAction struct {
	Action   string
	ThreadID int
}

// TelegramCallback is a callback query: a user pressed an inline button.
type TelegramCallback struct {
	ID        string
	From      TelegramUser
	ChatID    int64
	MessageID int
	Data      string
	UpdateID  int64
	// Answered reports an answerCallbackQuery; the answer's fields follow.
	Answered  bool
	Text      string
	ShowAlert bool
	URL       string
	// Expired reports a query made too old by ExpireCallbacks.
	Expired bool
}

// TelegramCommand is a BotCommand of a command menu.
type TelegramCommand struct {
	Command     string `json:"command"`
	Description string `json:"description"`
}

// TelegramWebhook is the webhook the bot set (setWebhook).
type TelegramWebhook struct {
	URL            string
	SecretToken    string
	AllowedUpdates []string
}

// TelegramCall is one request the fake received. The token is never
// recorded: Path shows it as "***".
type TelegramCall struct {
	Method string
	Path   string
	// Params holds the request's parameters as sent: plain values as
	// text, JSON-valued ones (reply_markup, commands, scope …) as JSON.
	Params map[string]string
	// Status is the HTTP status answered; Description the error's
	// description. A call still in flight (held by Delay, or a waiting
	// getUpdates) has Status 0 and no Description; a dropped connection
	// or a client that went away has Status 0 and says so.
	Status      int
	Description string
}

// TelegramFault is a scripted failure (FailNext).
type TelegramFault struct {
	// Status is the HTTP status and error_code (429, 409, 500, …).
	Status      int
	Description string
	// RetryAfter fills parameters.retry_after.
	RetryAfter int
	// MigrateTo fills parameters.migrate_to_chat_id.
	MigrateTo int64
	// Drop closes the connection without an answer.
	Drop bool
}

// TelegramFlood is the 429 Telegram answers a flood, with retry_after.
func TelegramFlood(retryAfter int) TelegramFault {
	return TelegramFault{Status: 429, Description: fmt.Sprintf(telegramFloodFmt, retryAfter), RetryAfter: retryAfter}
}

// TelegramPollConflict is the 409 a getUpdates gets when another one took over.
func TelegramPollConflict() TelegramFault {
	return TelegramFault{Status: 409, Description: TelegramConflictPolling}
}

// TelegramServerError is a 5xx answer of the Bot API's front end.
func TelegramServerError(status int) TelegramFault {
	return TelegramFault{Status: status, Description: strconv.Itoa(status) + " " + http.StatusText(status)}
}

// TelegramDropped closes the connection without an answer.
func TelegramDropped() TelegramFault { return TelegramFault{Drop: true} }

// Failer is the part of testing.TB the Wait helpers need.
type Failer interface {
	Helper()
	Fatalf(format string, args ...any)
}

// Telegram is a fake Telegram Bot API server: it routes
// POST /bot<token>/<method> like api.telegram.org, accepts
// multipart/form-data (what github.com/go-telegram/bot sends), urlencoded
// and JSON bodies, and answers {"ok":true,"result":…} or Telegram's own
// error answers. It keeps the state a user would see: the chats with the
// messages in them (after edits), chat actions, callback queries and their
// answers, the command menus per scope and language, the webhook.
//
// Tests play the users: Send, SendText, Edit, Press and CreateTopic queue
// updates, which getUpdates hands out with Telegram's offset semantics.
//
// Deviations from Telegram, for tests: a getUpdates with timeout 0 waits
// up to ShortPoll (1 s by default) for an update instead of answering at
// once, because go-telegram/bot sends timeout 0 for poll timeouts under
// 2 s and would otherwise spin; setWebhook accepts http URLs on loopback.
// A Telegram is safe for concurrent use.
type Telegram struct {
	srv   *httptest.Server
	done  chan struct{}
	token string

	mu          sync.Mutex
	changed     chan struct{} // closed and replaced at every change
	me          TelegramUser
	shortPoll   time.Duration
	waitTimeout time.Duration
	now         func() time.Time

	queue      []tgUpdate
	nextUpdate int64
	offset     int64 // every update below it is confirmed
	allowed    []string
	poller     *tgPoller
	webhook    TelegramWebhook

	chats     map[int64]*tgChat
	callbacks map[string]*TelegramCallback
	cbSeq     int
	commands  map[string][]TelegramCommand
	calls     []TelegramCall
	script    script[TelegramFault]

	privacy    bool
	limiter    *tgLimiter
	deliveries []TelegramDelivery
}

type tgUpdate struct {
	id   int64
	kind string
	body []byte
}

// tgPoller is a waiting getUpdates; kick ends it with a 409 that says
// reason.
type tgPoller struct {
	kick   chan struct{}
	reason string
}

type tgChat struct {
	chat       TelegramChat
	msgs       []*TelegramMessage
	nextID     int
	actions    []TelegramAction
	migratedTo int64
	blocked    bool
	topics     map[int]*TelegramMessage
}

// defaultAllowed are the update types delivered when allowed_updates was
// never given.
var defaultAllowed = []string{
	"message", "edited_message", "channel_post", "edited_channel_post", "business_connection",
	"business_message", "edited_business_message", "deleted_business_messages", "inline_query",
	"chosen_inline_result", "callback_query", "shipping_query", "pre_checkout_query",
	"purchased_paid_media", "poll", "poll_answer", "my_chat_member", "chat_join_request",
	"chat_boost", "removed_chat_boost",
}

// NewTelegram starts a fake Bot API on loopback for the bot
// 7000000001:fake-telegram-token (username fake_bot); it is closed when
// the test ends.
func NewTelegram(t TB) *Telegram {
	t.Helper()
	f := &Telegram{
		done:        make(chan struct{}),
		token:       "7000000001:AAFakeTelegramTokenForTests000000000",
		changed:     make(chan struct{}),
		me:          TelegramUser{ID: 7000000001, IsBot: true, FirstName: "Fake", Username: "fake_bot"},
		shortPoll:   time.Second,
		waitTimeout: 10 * time.Second,
		now:         time.Now,
		nextUpdate:  1,
		chats:       map[int64]*tgChat{},
		callbacks:   map[string]*TelegramCallback{},
		commands:    map[string][]TelegramCommand{},
		script:      script[TelegramFault]{fold: true},
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	ctx, cancel := context.WithCancel(context.Background())
	delivered := make(chan struct{})
	go func() {
		defer close(delivered)
		f.deliver(ctx)
	}()
	t.Cleanup(func() {
		close(f.done)
		cancel()
		<-delivered
		f.srv.Close()
	})
	return f
}

// URL returns the server's base URL, for bot.WithServerURL.
func (f *Telegram) URL() string { return f.srv.URL }

// Token returns the bot token the fake accepts.
func (f *Telegram) Token() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.token
}

// SetToken changes the accepted token (the old one is then answered 401,
// as a token revoked with BotFather).
func (f *Telegram) SetToken(token string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.token = token
}

// Me returns the bot's own user (getMe).
func (f *Telegram) Me() TelegramUser {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.me
}

// SetUsername sets the bot's username (without '@').
func (f *Telegram) SetUsername(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.me.Username = name
}

// SetNextUpdateID sets the id of the next queued update (1 at first);
// Telegram's ids are large and only grow.
func (f *Telegram) SetNextUpdateID(id int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextUpdate = id
}

// SetShortPoll sets how long a getUpdates with timeout 0 waits for an
// update; 0 answers at once, as Telegram does.
func (f *Telegram) SetShortPoll(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.shortPoll = d
}

// SetWaitTimeout sets how long the Wait helpers wait before failing the
// test (10 s by default).
func (f *Telegram) SetWaitTimeout(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.waitTimeout = d
}

// SetClock makes the fake read the time (message dates) from now.
func (f *Telegram) SetClock(now func() time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = now
}

// FailNext answers the next n calls of method ("" for any method) with
// fault instead of serving them. Scripts queue up in order.
func (f *Telegram) FailNext(method string, n int, fault TelegramFault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.script.failNext(method, n, fault)
}

// Delay holds back every later call of method ("" for all methods) by d
// before serving it, as a slow Bot API would; 0 removes the delay. A
// waiting call ends unanswered when its client goes away or the fake
// closes.
func (f *Telegram) Delay(method string, d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.script.setDelay(method, d)
}

// notify wakes every waiter; the caller holds f.mu.
func (f *Telegram) notify() {
	close(f.changed)
	f.changed = make(chan struct{})
}

// tgError is an error answer of the Bot API.
type tgError struct {
	status     int
	desc       string
	retryAfter int
	migrateTo  int64
}

func badRequest(desc string) *tgError { return &tgError{status: 400, desc: desc} }

func (f *Telegram) serve(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	token, method, ok2 := strings.Cut(rest, "/")
	call := TelegramCall{Method: method, Path: "/bot***/" + method}
	if !ok || !ok2 || !strings.Contains(token, ":") {
		// Telegram answers 404 to a path that is not /bot<id:secret>/<method>.
		call.Path = "/***"
		f.record(call, 404, TelegramNotFound)
		writeTelegramError(w, &tgError{status: 404, desc: TelegramNotFound})
		return
	}
	params, perr := parseTelegramParams(r)
	call.Params = params
	f.mu.Lock()
	idx := len(f.calls) // the call is logged now, in flight (Status 0)
	f.calls = append(f.calls, call)
	f.notify()
	if token != f.token {
		f.finish(idx, 401, TelegramUnauthorized)
		f.mu.Unlock()
		writeTelegramError(w, &tgError{status: 401, desc: TelegramUnauthorized})
		return
	}
	if fault, ok := f.script.pop(method); ok {
		if fault.Drop {
			f.finish(idx, 0, "dropped")
			f.mu.Unlock()
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					conn.Close()
					return
				}
			}
			panic(http.ErrAbortHandler)
		}
		e := &tgError{status: fault.Status, desc: fault.Description, retryAfter: fault.RetryAfter, migrateTo: fault.MigrateTo}
		f.finish(idx, e.status, e.desc)
		f.mu.Unlock()
		writeTelegramError(w, e)
		return
	}
	if perr != nil {
		e := badRequest(perr.Error())
		f.finish(idx, 400, e.desc)
		f.mu.Unlock()
		writeTelegramError(w, e)
		return
	}
	delay := f.script.delay(method)
	f.mu.Unlock()
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			f.mu.Lock()
			f.finish(idx, 0, "client went away")
			f.mu.Unlock()
			return
		case <-f.done:
			t.Stop()
			return
		}
	}
	if strings.EqualFold(method, "getUpdates") {
		f.serveGetUpdates(w, r, idx, params)
		return
	}
	f.mu.Lock()
	result, e := any(nil), f.limited(method, params, false)
	if e == nil {
		if result, e = f.dispatch(method, params); e == nil {
			f.limited(method, params, true)
		}
	}
	var body []byte
	if e != nil {
		f.finish(idx, e.status, e.desc)
	} else {
		f.finish(idx, 200, "")
		body = okBody(result) // under the lock: result may be a chat's message
	}
	f.mu.Unlock()
	if e != nil {
		writeTelegramError(w, e)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(body)
}

// finish sets the outcome of the logged call idx; f.mu is held.
func (f *Telegram) finish(idx, status int, desc string) {
	f.calls[idx].Status, f.calls[idx].Description = status, desc
	f.notify()
}

func withStatus(c TelegramCall, status int, desc string) TelegramCall {
	c.Status, c.Description = status, desc
	return c
}

// record appends a call to the log.
func (f *Telegram) record(c TelegramCall, status int, desc string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, withStatus(c, status, desc))
	f.notify()
}

// okBody renders a successful answer.
func okBody(result any) []byte {
	b, err := json.Marshal(map[string]any{"ok": true, "result": result})
	if err != nil {
		panic(err) // the fake's own types always marshal
	}
	return b
}

func writeTelegramOK(w http.ResponseWriter, result any) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(okBody(result))
}

func writeTelegramError(w http.ResponseWriter, e *tgError) {
	body := map[string]any{"ok": false, "error_code": e.status, "description": e.desc}
	params := map[string]any{}
	if e.retryAfter > 0 {
		params["retry_after"] = e.retryAfter
	}
	if e.migrateTo != 0 {
		params["migrate_to_chat_id"] = e.migrateTo
	}
	if len(params) > 0 {
		body["parameters"] = params
	}
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.status)
	w.Write(b)
}

// parseTelegramParams reads a request's parameters from the query and a
// multipart, urlencoded or JSON body. JSON bodies' non-string values are
// kept as JSON text, the way multipart clients send them.
func parseTelegramParams(r *http.Request) (map[string]string, error) {
	params := map[string]string{}
	for k, v := range r.URL.Query() {
		params[k] = v[0]
	}
	if r.Method != http.MethodPost || r.Body == nil {
		return params, nil
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return params, fmt.Errorf("Bad Request: can't read request body")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return params, nil // a method without parameters (getMe)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "multipart/form-data":
		if err := r.ParseMultipartForm(50 << 20); err != nil {
			return params, fmt.Errorf("Bad Request: can't parse request body")
		}
		for k, v := range r.MultipartForm.Value {
			params[k] = v[0]
		}
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return params, fmt.Errorf("Bad Request: can't parse request body")
		}
		for k, v := range r.PostForm {
			params[k] = v[0]
		}
	case "application/json":
		var m map[string]json.RawMessage
		if err := json.Unmarshal(body, &m); err != nil {
			return params, fmt.Errorf("Bad Request: can't parse JSON encoded request body")
		}
		for k, v := range m {
			var s string
			if json.Unmarshal(v, &s) == nil {
				params[k] = s
			} else {
				params[k] = string(v)
			}
		}
	}
	return params, nil
}

// dispatch serves every method but getUpdates; f.mu is held.
func (f *Telegram) dispatch(method string, p map[string]string) (any, *tgError) {
	switch strings.ToLower(method) {
	case "getme":
		return f.me, nil
	case "logout", "close":
		return true, nil
	case "deletewebhook":
		f.webhook = TelegramWebhook{}
		if p["drop_pending_updates"] == "true" {
			f.dropPending()
		}
		return true, nil
	case "setwebhook":
		return f.setWebhook(p)
	case "getwebhookinfo":
		info := map[string]any{"url": f.webhook.URL, "has_custom_certificate": false, "pending_update_count": len(f.queue)}
		if f.webhook.AllowedUpdates != nil {
			info["allowed_updates"] = f.webhook.AllowedUpdates
		}
		return info, nil
	case "sendmessage":
		return f.sendMessage(p)
	case "editmessagetext":
		return f.editMessageText(p)
	case "editmessagereplymarkup":
		return f.editMessageReplyMarkup(p)
	case "deletemessage":
		c, e := f.chatParam(p)
		if e != nil {
			return nil, e
		}
		m := c.message(atoi(p["message_id"]))
		if m == nil || m.Deleted {
			return nil, badRequest(TelegramDeleteNotFound)
		}
		m.Deleted = true
		return true, nil
	case "sendchataction":
		return f.sendChatAction(p)
	case "answercallbackquery":
		return f.answerCallbackQuery(p)
	case "setmycommands":
		return f.setMyCommands(p)
	case "getmycommands":
		key, e := f.scopeKey(p)
		if e != nil {
			return nil, e
		}
		cmds := f.commands[key]
		if cmds == nil {
			cmds = []TelegramCommand{}
		}
		return cmds, nil
	case "deletemycommands":
		key, e := f.scopeKey(p)
		if e != nil {
			return nil, e
		}
		delete(f.commands, key)
		return true, nil
	}
	return nil, &tgError{status: 404, desc: TelegramNotFound}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(s))
	return n
}

// dropPending confirms every queued update; f.mu is held.
func (f *Telegram) dropPending() {
	if n := len(f.queue); n > 0 {
		f.offset = f.queue[n-1].id + 1
		f.queue = nil
	}
}

func (f *Telegram) setWebhook(p map[string]string) (any, *tgError) {
	raw := p["url"]
	if raw == "" {
		f.webhook = TelegramWebhook{}
		return true, nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, badRequest("Bad Request: bad webhook: Failed to resolve host: Name or service not known")
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname())) {
		return nil, badRequest("Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
	}
	secret := p["secret_token"]
	if len(secret) > 256 || strings.IndexFunc(secret, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-')
	}) >= 0 {
		return nil, badRequest("Bad Request: secret token contains unallowed characters")
	}
	wh := TelegramWebhook{URL: raw, SecretToken: secret}
	if a := p["allowed_updates"]; a != "" {
		if err := json.Unmarshal([]byte(a), &wh.AllowedUpdates); err != nil {
			return nil, badRequest("Bad Request: can't parse allowed updates")
		}
	}
	if p["drop_pending_updates"] == "true" {
		f.dropPending()
	}
	f.webhook = wh
	if f.poller != nil { // a waiting getUpdates ends: updates go to the webhook now
		f.poller.reason = TelegramConflictSetWebhook
		close(f.poller.kick)
		f.poller = nil
	}
	return true, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// serveGetUpdates answers getUpdates: it confirms what is below offset,
// then waits for an update, the timeout, a newer poller (409), the client
// leaving or the fake closing.
func (f *Telegram) serveGetUpdates(w http.ResponseWriter, r *http.Request, idx int, p map[string]string) {
	f.mu.Lock()
	finish := func(status int, desc string) { f.finish(idx, status, desc) }
	if f.webhook.URL != "" {
		finish(409, TelegramConflictWebhook)
		f.mu.Unlock()
		writeTelegramError(w, &tgError{status: 409, desc: TelegramConflictWebhook})
		return
	}
	if s, ok := p["offset"]; ok {
		off, _ := strconv.ParseInt(s, 10, 64)
		f.confirm(off)
	}
	if a, ok := p["allowed_updates"]; ok {
		var list []string
		if err := json.Unmarshal([]byte(a), &list); err == nil {
			f.allowed = list
			if len(list) == 0 {
				f.allowed = nil
			}
		}
	}
	limit := atoi(p["limit"])
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	wait := time.Duration(atoi(p["timeout"])) * time.Second
	if wait <= 0 {
		wait = f.shortPoll
	}
	if f.poller != nil {
		close(f.poller.kick)
	}
	me := &tgPoller{kick: make(chan struct{}), reason: TelegramConflictPolling}
	f.poller = me
	f.notify()
	f.mu.Unlock()

	var timer <-chan time.Time
	if wait > 0 {
		tm := time.NewTimer(wait)
		defer tm.Stop()
		timer = tm.C
	}
	for {
		f.mu.Lock()
		select {
		case <-me.kick:
			finish(409, me.reason)
			f.mu.Unlock()
			writeTelegramError(w, &tgError{status: 409, desc: me.reason})
			return
		default:
		}
		if len(f.queue) > 0 || wait <= 0 {
			out := make([]json.RawMessage, 0, min(limit, len(f.queue)))
			for _, u := range f.queue[:min(limit, len(f.queue))] {
				out = append(out, u.body)
			}
			f.poller = nil
			finish(200, "")
			f.mu.Unlock()
			writeTelegramOK(w, out)
			return
		}
		ch := f.changed
		f.mu.Unlock()
		select {
		case <-ch:
		case <-me.kick:
		case <-timer:
			wait = 0 // answer what there is: nothing
		case <-r.Context().Done():
			f.mu.Lock()
			if f.poller == me {
				f.poller = nil
			}
			finish(0, "client went away")
			f.mu.Unlock()
			return
		case <-f.done:
			return
		}
	}
}

// confirm applies a getUpdates offset; f.mu is held.
func (f *Telegram) confirm(off int64) {
	if off < 0 {
		keep := int(-off)
		if keep < len(f.queue) {
			f.offset = f.queue[len(f.queue)-keep].id
			f.queue = slices.Clone(f.queue[len(f.queue)-keep:])
		}
		return
	}
	if off <= f.offset {
		return
	}
	f.offset = off
	i := 0
	for i < len(f.queue) && f.queue[i].id < off {
		i++
	}
	f.queue = slices.Clone(f.queue[i:])
}

// enqueue adds an update of kind carrying payload, unless allowed_updates
// excludes kind (then it returns 0); f.mu is held.
func (f *Telegram) enqueue(kind string, payload any) int64 {
	allowed := f.allowed
	if f.webhook.URL != "" {
		allowed = f.webhook.AllowedUpdates
	}
	if len(allowed) == 0 {
		allowed = defaultAllowed
	}
	if !slices.Contains(allowed, kind) {
		return 0
	}
	id := f.nextUpdate
	f.nextUpdate++
	b, err := json.Marshal(map[string]any{"update_id": id, kind: payload})
	if err != nil {
		panic(err)
	}
	f.queue = append(f.queue, tgUpdate{id: id, kind: kind, body: b})
	f.notify()
	return id
}

// chat returns the chat with id, creating it from c when new; f.mu is held.
func (f *Telegram) chat(c TelegramChat) *tgChat {
	ch := f.chats[c.ID]
	if ch == nil {
		ch = &tgChat{chat: c, nextID: 1, topics: map[int]*TelegramMessage{}}
		f.chats[c.ID] = ch
	}
	return ch
}

// message returns the message id of the chat, nil when there is none.
// Ids are given in order from 1 (add) and messages are never removed, so
// message id is msgs[id-1]: a lookup does not grow with the chat (a
// benchmark's chat holds thousands).
func (c *tgChat) message(id int) *TelegramMessage {
	if id < 1 || id > len(c.msgs) {
		return nil
	}
	return c.msgs[id-1]
}

func (c *tgChat) add(m *TelegramMessage) *TelegramMessage {
	m.ID = c.nextID
	c.nextID++
	m.Chat = c.chat
	c.msgs = append(c.msgs, m)
	return m
}

// chatParam resolves chat_id; f.mu is held.
func (f *Telegram) chatParam(p map[string]string) (*tgChat, *tgError) {
	if strings.TrimSpace(p["chat_id"]) == "" {
		return nil, badRequest("Bad Request: chat_id is empty")
	}
	id, err := strconv.ParseInt(strings.TrimSpace(p["chat_id"]), 10, 64)
	if err != nil {
		return nil, badRequest(TelegramChatNotFound)
	}
	c := f.chats[id]
	if c == nil {
		return nil, badRequest(TelegramChatNotFound)
	}
	if c.migratedTo != 0 {
		return nil, &tgError{status: 400, desc: TelegramMigrated, migrateTo: c.migratedTo}
	}
	if c.blocked {
		return nil, &tgError{status: 403, desc: TelegramBlocked}
	}
	return c, nil
}

// parseText applies parse_mode to text and checks the result the way
// Telegram does.
// tooLong is the description of an over-long text: sendMessage and
// editMessageText word it differently.
func parseText(text, parseMode, entitiesJSON, tooLong string) (string, []TelegramEntity, *tgError) {
	var plain string
	var ents []TelegramEntity
	switch strings.ToLower(parseMode) {
	case "":
		plain = text
		if entitiesJSON != "" {
			if err := json.Unmarshal([]byte(entitiesJSON), &ents); err != nil {
				return "", nil, badRequest("Bad Request: can't parse entities JSON object")
			}
		}
	case "html":
		var err error
		plain, ents, err = ParseTelegramHTML(text)
		if err != nil {
			return "", nil, badRequest(TelegramCantParse + err.Error())
		}
	case "markdownv2":
		var err error
		plain, ents, err = ParseTelegramMarkdownV2(text)
		if err != nil {
			return "", nil, badRequest(TelegramCantParse + err.Error())
		}
	case "markdown":
		var err error
		plain, ents, err = ParseTelegramMarkdown(text)
		if err != nil {
			return "", nil, badRequest(TelegramCantParse + err.Error())
		}
	default:
		return "", nil, badRequest(TelegramBadParseMode)
	}
	if strings.TrimSpace(plain) == "" {
		return "", nil, badRequest(TelegramEmptyText)
	}
	plain, ents = trimText(plain, ents)
	if UTF16Len(plain) > TelegramMaxText {
		return "", nil, badRequest(tooLong)
	}
	return plain, ents, nil
}

// parseMarkup reads reply_markup; only inline keyboards are kept.
func parseMarkup(raw string) (*TelegramKeyboard, *tgError) {
	if raw == "" {
		return nil, nil
	}
	var m struct {
		InlineKeyboard [][]map[string]json.RawMessage `json:"inline_keyboard"`
	}
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return nil, badRequest("Bad Request: can't parse reply keyboard markup JSON object")
	}
	if m.InlineKeyboard == nil {
		return nil, nil // a reply keyboard, remove_keyboard or force_reply
	}
	k := &TelegramKeyboard{InlineKeyboard: make([][]TelegramButton, 0, len(m.InlineKeyboard))}
	for _, row := range m.InlineKeyboard {
		var out []TelegramButton
		for _, btn := range row {
			var b TelegramButton
			json.Unmarshal(btn["text"], &b.Text)
			actions := 0
			for key, v := range btn {
				switch key {
				case "text", "icon_custom_emoji_id", "style":
				case "copy_text":
					// go-telegram/bot always sends copy_text (a struct
					// without omitempty effect); empty, it is no action.
					var ct struct{ Text string }
					if json.Unmarshal(v, &ct) == nil && ct.Text != "" {
						actions++
					}
				default:
					actions++
				}
			}
			if raw, ok := btn["callback_data"]; ok {
				json.Unmarshal(raw, &b.CallbackData)
				if n := len(b.CallbackData); n < 1 || n > 64 {
					return nil, badRequest(TelegramButtonData)
				}
			}
			if raw, ok := btn["url"]; ok {
				json.Unmarshal(raw, &b.URL)
				u, err := url.Parse(b.URL)
				if err != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "tg") {
					return nil, badRequest(TelegramButtonURL)
				}
			}
			if actions == 0 {
				return nil, badRequest(TelegramTextButton)
			}
			if b.Text == "" {
				return nil, badRequest("Bad Request: BUTTON_TEXT_INVALID")
			}
			out = append(out, b)
		}
		k.InlineKeyboard = append(k.InlineKeyboard, out)
	}
	return k, nil
}

func (f *Telegram) sendMessage(p map[string]string) (any, *tgError) {
	c, e := f.chatParam(p)
	if e != nil {
		return nil, e
	}
	text, ents, e := parseText(p["text"], p["parse_mode"], p["entities"], TelegramTooLong)
	if e != nil {
		return nil, e
	}
	kb, e := parseMarkup(p["reply_markup"])
	if e != nil {
		return nil, e
	}
	me := f.me
	m := &TelegramMessage{From: &me, Date: f.now().Unix(), Text: text, Entities: ents,
		ReplyMarkup: kb, Source: p["text"], ParseMode: p["parse_mode"]}
	thread := atoi(p["message_thread_id"])
	if thread != 0 && c.chat.IsForum {
		topic := c.topics[thread]
		if topic == nil {
			return nil, badRequest(TelegramThreadNotFound)
		}
		m.ThreadID, m.IsTopicMessage, m.ReplyTo = thread, true, topic.quoted()
	}
	replyID, allowMissing := atoi(p["reply_to_message_id"]), p["allow_sending_without_reply"] == "true"
	if rp := p["reply_parameters"]; rp != "" {
		var r struct {
			MessageID                int  `json:"message_id"`
			AllowSendingWithoutReply bool `json:"allow_sending_without_reply"`
		}
		if err := json.Unmarshal([]byte(rp), &r); err != nil {
			return nil, badRequest("Bad Request: can't parse reply parameters JSON object")
		}
		replyID, allowMissing = r.MessageID, r.AllowSendingWithoutReply
	}
	if replyID != 0 {
		if to := c.message(replyID); to != nil && !to.Deleted {
			m.ReplyTo = to.quoted()
		} else if !allowMissing {
			return nil, badRequest(TelegramReplyNotFound)
		}
	}
	c.add(m)
	return m, nil
}

// editable finds the bot's message named by chat_id and message_id.
func (f *Telegram) editable(p map[string]string) (*TelegramMessage, *tgError) {
	if p["inline_message_id"] != "" {
		return nil, badRequest(TelegramEditNotFound)
	}
	c, e := f.chatParam(p)
	if e != nil {
		return nil, e
	}
	m := c.message(atoi(p["message_id"]))
	if m == nil || m.Deleted {
		return nil, badRequest(TelegramEditNotFound)
	}
	if !m.FromBot() {
		return nil, badRequest(TelegramCantEdit)
	}
	return m, nil
}

func sameJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func (f *Telegram) editMessageText(p map[string]string) (any, *tgError) {
	m, e := f.editable(p)
	if e != nil {
		return nil, e
	}
	text, ents, e := parseText(p["text"], p["parse_mode"], p["entities"], TelegramEditTooLong)
	if e != nil {
		return nil, e
	}
	kb, e := parseMarkup(p["reply_markup"])
	if e != nil {
		return nil, e
	}
	if text == m.Text && sameJSON(ents, m.Entities) && sameJSON(kb, m.ReplyMarkup) {
		return nil, badRequest(TelegramNotModified)
	}
	m.Text, m.Entities, m.ReplyMarkup = text, ents, kb
	m.Source, m.ParseMode = p["text"], p["parse_mode"]
	m.EditDate = f.now().Unix()
	m.Edits++
	return m, nil
}

func (f *Telegram) editMessageReplyMarkup(p map[string]string) (any, *tgError) {
	m, e := f.editable(p)
	if e != nil {
		return nil, e
	}
	kb, e := parseMarkup(p["reply_markup"])
	if e != nil {
		return nil, e
	}
	if sameJSON(kb, m.ReplyMarkup) {
		return nil, badRequest(TelegramNotModified)
	}
	m.ReplyMarkup = kb
	m.EditDate = f.now().Unix()
	m.Edits++
	return m, nil
}

var chatActions = []string{"typing", "upload_photo", "record_video", "upload_video", "record_voice",
	"upload_voice", "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note"}

func (f *Telegram) sendChatAction(p map[string]string) (any, *tgError) {
	c, e := f.chatParam(p)
	if e != nil {
		return nil, e
	}
	if !slices.Contains(chatActions, p["action"]) {
		return nil, badRequest(TelegramBadAction)
	}
	thread := atoi(p["message_thread_id"])
	if thread != 0 && c.chat.IsForum && c.topics[thread] == nil {
		return nil, badRequest(TelegramThreadNotFound)
	}
	c.actions = append(c.actions, TelegramAction{Action: p["action"], ThreadID: thread})
	return true, nil
}

func (f *Telegram) answerCallbackQuery(p map[string]string) (any, *tgError) {
	q := f.callbacks[p["callback_query_id"]]
	if q == nil || q.Answered || q.Expired {
		return nil, badRequest(TelegramQueryTooOld)
	}
	if UTF16Len(p["text"]) > 200 {
		return nil, badRequest("Bad Request: MESSAGE_TOO_LONG")
	}
	q.Answered, q.Text, q.ShowAlert, q.URL = true, p["text"], p["show_alert"] == "true", p["url"]
	return true, nil
}

// scopeKey names the menu a scope and language_code select.
func (f *Telegram) scopeKey(p map[string]string) (string, *tgError) {
	key, e := f.parseScope(p["scope"])
	if e != nil {
		return "", e
	}
	return key + "|" + p["language_code"], nil
}

func (f *Telegram) parseScope(raw string) (string, *tgError) {
	if raw == "" || raw == "null" {
		return "default", nil
	}
	var s struct {
		Type   string          `json:"type"`
		ChatID json.RawMessage `json:"chat_id"`
		UserID int64           `json:"user_id"`
	}
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return "", badRequest("Bad Request: can't parse BotCommandScope JSON object")
	}
	switch s.Type {
	case "default", "all_private_chats", "all_group_chats", "all_chat_administrators":
		return s.Type, nil
	case "chat", "chat_administrators", "chat_member":
		var id int64
		if err := json.Unmarshal(s.ChatID, &id); err != nil {
			var str string
			if json.Unmarshal(s.ChatID, &str) != nil {
				return "", badRequest(TelegramChatNotFound)
			}
			if id, err = strconv.ParseInt(str, 10, 64); err != nil {
				return "", badRequest(TelegramChatNotFound)
			}
		}
		if f.chats[id] == nil {
			return "", badRequest(TelegramChatNotFound)
		}
		if s.Type == "chat_member" {
			return fmt.Sprintf("chat_member:%d:%d", id, s.UserID), nil
		}
		return fmt.Sprintf("%s:%d", s.Type, id), nil
	}
	return "", badRequest("Bad Request: unsupported bot command scope type")
}

func (f *Telegram) setMyCommands(p map[string]string) (any, *tgError) {
	var cmds []TelegramCommand
	if raw := p["commands"]; raw != "" && raw != "null" {
		if err := json.Unmarshal([]byte(raw), &cmds); err != nil {
			return nil, badRequest("Bad Request: can't parse commands JSON object")
		}
	}
	if len(cmds) > 100 {
		return nil, badRequest(TelegramCommandsTooMuch)
	}
	for _, c := range cmds {
		if n := len(c.Command); n < 1 || n > 32 || strings.IndexFunc(c.Command, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_')
		}) >= 0 {
			return nil, badRequest(TelegramCommandInvalid)
		}
		if strings.TrimSpace(c.Description) == "" {
			return nil, badRequest(TelegramDescriptionEmpty)
		}
		if UTF16Len(c.Description) > 256 {
			return nil, badRequest(TelegramDescriptionLong)
		}
	}
	key, e := f.scopeKey(p)
	if e != nil {
		return nil, e
	}
	if len(cmds) == 0 {
		delete(f.commands, key)
	} else {
		f.commands[key] = cmds
	}
	return true, nil
}
