package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/botgateway/bot/config"
	"github.com/botgateway/bot/gateway"
	"github.com/botgateway/bot/gateway/gatewaytest"
	"github.com/botgateway/bot/internal/errline"
	"github.com/botgateway/bot/internal/fakes"
	"github.com/botgateway/bot/internal/logtest"
	"github.com/botgateway/bot/internal/usermsg"
	"github.com/botgateway/bot/models"
	"github.com/botgateway/bot/models/anthropic"
	"github.com/botgateway/bot/sessions"
)

const (
	keyWork = "sk-ant-api03-work-0123456789abcdef"
	keyHome = "sk-ant-api03-home-0123456789abcdef"

	agent = "main"
	chat  = sessions.Key("console:local")
)

// twoKeys is an auth-profiles.json with two Anthropic API keys (the format
// of integration/router_test.go).
const twoKeys = `{"version":1,"profiles":{
  "anthropic:work":{"type":"api_key","provider":"anthropic","key":"` + keyWork + `"},
  "anthropic:home":{"type":"api_key","provider":"anthropic","key":"` + keyHome + `"}}}`

// profileOf maps a key the fake saw to the profile holding it.
var profileOf = map[string]string{keyWork: "anthropic:work", keyHome: "anthropic:home"}

// conv is the Conversation of the shared stack (gatewaytest) over a temp
// HOME with the two keys, its Anthropic client against a loopback fake.
type conv struct {
	*gateway.Conversation
	sessions  *sessions.Store
	fake      *fakes.Anthropic
	storePath string
	paths     config.Paths
}

// newConv wires a Conversation with the models block of bot.json given by
// def and allow ("" and nil: none) and historyTurns. Both keys are valid
// at the fake.
func newConv(t *testing.T, def string, allow []string, historyTurns int) *conv {
	t.Helper()
	block := map[string]any{}
	if def != "" {
		block["default"] = def
	}
	if allow != nil {
		block["allow"] = allow
	}
	doc := map[string]any{"models": block}
	if historyTurns != 0 {
		doc["sessions"] = map[string]any{"historyTurns": historyTurns}
	}
	botJSON, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	fake := fakes.NewAnthropic(t)
	fake.Allow(keyWork, keyHome)
	h := gatewaytest.New(t, gatewaytest.Options{
		Files: map[string]string{
			".bot/agents/" + agent + "/agent/auth-profiles.json": twoKeys,
			".bot/bot.json": string(botJSON),
		},
		Providers: map[string]models.Provider{"anthropic": anthropic.New(anthropic.Config{BaseURL: fake.URL(), HTTPClient: fake.Client()})},
		Log:       logtest.New(t),
	})
	return &conv{
		Conversation: h.Stack.Conversation,
		sessions:     h.Stack.Sessions,
		fake:         fake,
		storePath:    h.Env.StorePath(agent),
		paths:        h.Paths,
	}
}

// reply sends text in the test session and returns what was sent back, in
// order, up to the moment Reply returned, and Reply's error.
func (c *conv) reply(t *testing.T, text string) ([]string, error) {
	t.Helper()
	return c.replyGiveUp(t, text, false)
}

// replyGiveUp is reply; with giveUp, Reply's context ends as soon as the
// answer is sent (the gateway shutting down, or the message's deadline).
func (c *conv) replyGiveUp(t *testing.T, text string, giveUp bool) ([]string, error) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	rec := &answers{}
	if giveUp {
		rec.onDone = cancel
	}
	err := c.Reply(ctx, agent, chat, text, rec)
	return rec.done, err
}

// answers is a gateway.Answer that keeps what a turn sent: the streamed
// updates and the final texts.
type answers struct {
	updates, done []string
	onDone        func()
}

func (a *answers) Update(text string) { a.updates = append(a.updates, text) }
func (a *answers) Done(text string) {
	a.done = append(a.done, text)
	if a.onDone != nil {
		a.onDone()
	}
}

// mustReply is reply for a message that must be answered.
func (c *conv) mustReply(t *testing.T, text string) {
	t.Helper()
	if _, err := c.reply(t, text); err != nil {
		t.Fatalf("Reply(%q): %v", text, err)
	}
}

// session returns the test session's stored state.
func (c *conv) session(t *testing.T) sessions.Session {
	t.Helper()
	s, _, err := c.sessions.Get(t.Context(), agent, chat)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// history returns the test session's whole history.
func (c *conv) history(t *testing.T) []sessions.Turn {
	t.Helper()
	h, err := c.sessions.History(t.Context(), agent, chat, 0)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// seed stores exchanges (user text, assistant text) without a model call.
func (c *conv) seed(t *testing.T, exchanges ...[2]string) {
	t.Helper()
	for _, x := range exchanges {
		err := c.sessions.AppendTurns(t.Context(), agent, chat,
			sessions.Turn{Role: sessions.RoleUser, Text: x[0]},
			sessions.Turn{Role: sessions.RoleAssistant, Text: x[1]})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// set gives the test session a model override and a pin, either of them
// "" for none, with the setter /model would use.
func (c *conv) set(t *testing.T, model, profile string, src sessions.PinSource) {
	t.Helper()
	ctx := t.Context()
	var err error
	switch {
	case model != "" && profile != "":
		err = c.sessions.SetModelAndPin(ctx, agent, chat, model, profile, src)
	case model != "":
		err = c.sessions.SetModel(ctx, agent, chat, model)
	case profile != "":
		err = c.sessions.SetPin(ctx, agent, chat, profile, src)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// profiles lists the profiles whose keys the fake's calls carried, in order.
func (c *conv) profiles() []string {
	var out []string
	for _, call := range c.fake.Calls() {
		out = append(out, profileOf[call.Credential])
	}
	return out
}

// msg is one message of a request as it went over the wire.
type msg struct{ Role, Text string }

// wireMessages decodes the messages of a request body sent to the fake.
func wireMessages(t *testing.T, call fakes.Call) []msg {
	t.Helper()
	var body struct {
		Messages []struct {
			Role    string          `json:"role"`
			Content json.RawMessage `json:"content"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(call.Body, &body); err != nil {
		t.Fatalf("request body: %v\n%s", err, call.Body)
	}
	var out []msg
	for _, m := range body.Messages {
		var text string
		if json.Unmarshal(m.Content, &text) != nil {
			var blocks []struct{ Text string }
			if err := json.Unmarshal(m.Content, &blocks); err != nil {
				t.Fatalf("message content: %v\n%s", err, m.Content)
			}
			for _, b := range blocks {
				text += b.Text
			}
		}
		out = append(out, msg{m.Role, text})
	}
	return out
}

// ignoreAt compares turns without their timestamps.
var ignoreAt = cmpopts.IgnoreFields(sessions.Turn{}, "At")

func user(text string) sessions.Turn { return sessions.Turn{Role: sessions.RoleUser, Text: text} }
func assistant(text string) sessions.Turn {
	return sessions.Turn{Role: sessions.RoleAssistant, Text: text}
}

func TestReplySendsBoundedHistory(t *testing.T) {
	tests := []struct {
		name         string
		historyTurns int
		exchanges    int // answered before the message under test
		want         []msg
	}{
		{
			name: "first message has no history", historyTurns: 4, exchanges: 0,
			want: []msg{{"user", "m1"}},
		},
		{
			name: "fewer turns than the bound", historyTurns: 4, exchanges: 1,
			want: []msg{{"user", "m1"}, {"assistant", "echo: m1"}, {"user", "m2"}},
		},
		{
			name: "bound of 4 after 5 exchanges", historyTurns: 4, exchanges: 5,
			want: []msg{
				{"user", "m4"}, {"assistant", "echo: m4"},
				{"user", "m5"}, {"assistant", "echo: m5"},
				{"user", "m6"},
			},
		},
		{
			name: "bound of 2", historyTurns: 2, exchanges: 3,
			want: []msg{{"user", "m3"}, {"assistant", "echo: m3"}, {"user", "m4"}},
		},
		{
			name: "zero means 20", historyTurns: 0, exchanges: 11,
			want: func() []msg {
				var w []msg
				for i := 2; i <= 11; i++ { // the newest 10 exchanges
					m := "m" + strconv.Itoa(i)
					w = append(w, msg{"user", m}, msg{"assistant", "echo: " + m})
				}
				return append(w, msg{"user", "m12"})
			}(),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newConv(t, "", nil, tt.historyTurns)
			for i := 1; i <= tt.exchanges; i++ {
				c.mustReply(t, "m"+strconv.Itoa(i))
			}
			c.mustReply(t, "m"+strconv.Itoa(tt.exchanges+1))
			calls := c.fake.Calls()
			if len(calls) != tt.exchanges+1 {
				t.Fatalf("%d provider calls, want %d", len(calls), tt.exchanges+1)
			}
			if diff := cmp.Diff(tt.want, wireMessages(t, calls[len(calls)-1])); diff != "" {
				t.Errorf("messages sent to the provider (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReplySendsOnceAndStoresTheExchange(t *testing.T) {
	tests := []struct {
		name   string
		seed   [][2]string
		answer string // the fake's answer; "" = its echo
		giveUp bool   // the context ends once the answer is sent
		want   string // the reply
	}{
		{name: "new session", want: "echo: hello"},
		{name: "context ends after the answer is sent", seed: [][2]string{{"hi", "hi there"}}, giveUp: true, want: "echo: hello"},
		{name: "after earlier turns", seed: [][2]string{{"hi", "hi there"}}, want: "echo: hello"},
		{name: "the provider's text as is", answer: "Hello! How can I help?\n\n- a\n- b", want: "Hello! How can I help?\n\n- a\n- b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newConv(t, "", nil, 0)
			c.seed(t, tt.seed...)
			if tt.answer != "" {
				c.fake.Handle(func(fakes.Call) fakes.Response { return fakes.OK(tt.answer) })
			}
			sent, err := c.replyGiveUp(t, "hello", tt.giveUp)
			if err != nil {
				t.Fatalf("Reply: %v", err)
			}
			if diff := cmp.Diff([]string{tt.want}, sent); diff != "" {
				t.Errorf("sent before Reply returned (-want +got):\n%s", diff)
			}
			var want []sessions.Turn
			for _, x := range tt.seed {
				want = append(want, user(x[0]), assistant(x[1]))
			}
			want = append(want, user("hello"), assistant(tt.want))
			if diff := cmp.Diff(want, c.history(t), ignoreAt); diff != "" {
				t.Errorf("history (-want +got):\n%s", diff)
			}
		})
	}
}

// pin is the part of a session the pin tests look at.
type pin struct {
	Profile string
	Source  sessions.PinSource
}

func pinOf(s sessions.Session) pin { return pin{s.Profile, s.PinSource} }

func TestReplyAutoPinFollowsTheAnsweringProfile(t *testing.T) {
	tests := []struct {
		name      string
		autoPin   string   // set before the message; "" = none
		limited   []string // keys answering 429 once
		giveUp    bool     // the context ends once the answer is sent
		wantCalls []string // nil: one call, to whichever profile comes first
	}{
		{name: "no pin: the answering profile is pinned"},
		{name: "pinned even when the context ends after the answer", giveUp: true},
		{name: "auto pin kept when it answers", autoPin: "anthropic:home", wantCalls: []string{"anthropic:home"}},
		{name: "429 moves the auto pin from work to home", autoPin: "anthropic:work", limited: []string{keyWork},
			wantCalls: []string{"anthropic:work", "anthropic:home"}},
		{name: "429 moves the auto pin from home to work", autoPin: "anthropic:home", limited: []string{keyHome},
			wantCalls: []string{"anthropic:home", "anthropic:work"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newConv(t, "", nil, 0)
			c.set(t, "", tt.autoPin, sessions.SourceAuto)
			for _, k := range tt.limited {
				c.fake.Script(k, fakes.RateLimited(30))
			}
			if _, err := c.replyGiveUp(t, "hello", tt.giveUp); err != nil {
				t.Fatalf("Reply: %v", err)
			}
			calls := c.profiles()
			if tt.wantCalls != nil {
				if diff := cmp.Diff(tt.wantCalls, calls); diff != "" {
					t.Errorf("profiles called (-want +got):\n%s", diff)
				}
			} else if len(calls) != 1 || calls[0] == "" {
				t.Fatalf("profiles called = %q, want one of the stored profiles", calls)
			}
			want := pin{calls[len(calls)-1], sessions.SourceAuto}
			if diff := cmp.Diff(want, pinOf(c.session(t))); diff != "" {
				t.Errorf("pin after the reply (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReplyNeverChangesAUserPin(t *testing.T) {
	tests := []struct {
		name      string
		model     string // session model override; "" = none
		profile   string // user pin
		limited   []string
		allow     []string // models.allow
		wantErr   bool
		wantCalls []string // nil: one call, to either stored profile
	}{
		{name: "pinned profile answers", profile: "anthropic:home", wantCalls: []string{"anthropic:home"}},
		{name: "other profile pinned", profile: "anthropic:work", wantCalls: []string{"anthropic:work"}},
		{name: "pinned profile rate limited, the other would answer", profile: "anthropic:home",
			limited: []string{keyHome}, wantErr: true, wantCalls: []string{"anthropic:home"}},
		{name: "pin with a model", model: "anthropic/claude-haiku-4-5", profile: "anthropic:home",
			wantCalls: []string{"anthropic:home"}},
		// The session's model is no longer allowed, so the default
		// (anthropic) answers; the openai pin is not the answering
		// provider's, but it is still the user's.
		{name: "pin of another provider", model: "openai/gpt-5", profile: "openai:me", allow: []string{"anthropic/*"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newConv(t, "", tt.allow, 0)
			c.set(t, tt.model, tt.profile, sessions.SourceUser)
			for _, k := range tt.limited {
				c.fake.Script(k, fakes.RateLimited(30))
			}
			_, err := c.reply(t, "hello")
			if (err != nil) != tt.wantErr {
				t.Fatalf("Reply error = %v, want error: %t", err, tt.wantErr)
			}
			calls := c.profiles()
			if tt.wantCalls == nil {
				if len(calls) != 1 || calls[0] == "" {
					t.Errorf("profiles called = %q, want one of the stored profiles", calls)
				}
			} else if diff := cmp.Diff(tt.wantCalls, calls); diff != "" {
				t.Errorf("profiles called (-want +got):\n%s", diff)
			}
			s := c.session(t)
			if diff := cmp.Diff(pin{tt.profile, sessions.SourceUser}, pinOf(s)); diff != "" {
				t.Errorf("pin after the reply (-want +got):\n%s", diff)
			}
			if s.Model != tt.model {
				t.Errorf("model after the reply = %q, want %q", s.Model, tt.model)
			}
		})
	}
}

func TestReplyModelOnTheWire(t *testing.T) {
	tests := []struct {
		name  string
		def   string   // models.default
		allow []string // models.allow
		model string   // session override; "" = none
		want  string   // model id sent
	}{
		{name: "no override: the default", want: "claude-sonnet-4-5"},
		{name: "override", model: "anthropic/claude-haiku-4-5", want: "claude-haiku-4-5"},
		{name: "override in another case", model: "Anthropic/Claude-Opus-4-5", want: "claude-opus-4-5"},
		{name: "override allowed by a pattern", allow: []string{"anthropic/*"}, model: "anthropic/claude-opus-4-1", want: "claude-opus-4-1"},
		{name: "unknown id allowed by a pattern", allow: []string{"anthropic/*"}, model: "anthropic/claude-future-9", want: "claude-future-9"},
		{name: "not allowed: the default", allow: []string{"anthropic/claude-haiku-4-5"}, model: "anthropic/claude-opus-4-5", want: "claude-sonnet-4-5"},
		{name: "not allowed: the configured default", def: "anthropic/claude-haiku-4-5", allow: []string{"anthropic/claude-sonnet-4-5"},
			model: "anthropic/claude-opus-4-5", want: "claude-haiku-4-5"},
		{name: "configured default", def: "anthropic/claude-opus-4-1", want: "claude-opus-4-1"},
		{name: "unknown model: the default", model: "anthropic/claude-nonexistent-1", want: "claude-sonnet-4-5"},
		{name: "unknown provider: the default", model: "nowhere/claude-opus-4-5", want: "claude-sonnet-4-5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newConv(t, tt.def, tt.allow, 0)
			c.set(t, tt.model, "", "")
			c.mustReply(t, "hello")
			calls := c.fake.Calls()
			if len(calls) != 1 {
				t.Fatalf("%d provider calls, want 1", len(calls))
			}
			if calls[0].Model != tt.want {
				t.Errorf("model sent = %q, want %q", calls[0].Model, tt.want)
			}
		})
	}
}

func TestReplyRouterFailure(t *testing.T) {
	tests := []struct {
		name    string
		model   string // session override; "" = none
		userPin string
		limited []string
		want    string // prefix of the reply error
	}{
		{name: "every credential rate limited", limited: []string{keyWork, keyHome},
			want: "All anthropic credentials failed (tried "},
		{name: "user pin rate limited", userPin: "anthropic:work", limited: []string{keyWork},
			want: "anthropic:work: rate limited (HTTP 429). It is set aside until "},
		{name: "provider not in this build", model: "openai/gpt-5",
			want: "Provider openai is not available in this build."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newConv(t, "", nil, 0)
			c.seed(t, [2]string{"hi", "hi there"})
			c.set(t, tt.model, tt.userPin, sessions.SourceUser)
			before := c.session(t)
			for _, k := range tt.limited {
				c.fake.Script(k, fakes.RateLimited(30))
			}
			sent, err := c.reply(t, "hello")
			re, ok := errors.AsType[*usermsg.Error](err)
			if !ok || re.Text == "" {
				t.Fatalf("Reply error = %#v, want a *usermsg.Error", err)
			}
			if got := errline.Chat(err, config.Paths{}, logtest.New(t)); got != re.Text {
				t.Errorf("user reads %q, want the user-facing message %q", got, re.Text)
			}
			if !strings.HasPrefix(re.Text, tt.want) {
				t.Errorf("error text = %q, want it to start with %q", re.Text, tt.want)
			}
			if len(sent) != 0 {
				t.Errorf("sent %q, want nothing", sent)
			}
			want := []sessions.Turn{user("hi"), assistant("hi there")}
			if diff := cmp.Diff(want, c.history(t), ignoreAt); diff != "" {
				t.Errorf("history (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(pinOf(before), pinOf(c.session(t))); diff != "" {
				t.Errorf("pin changed by a failed turn (-before +after):\n%s", diff)
			}
		})
	}
}

// TestReplyUnusableStore: a chat message on a credential store bot cannot
// use is answered with the store's own line (the file, the problem, the
// fix), like the /model commands, not the router's generic sentence.
func TestReplyUnusableStore(t *testing.T) {
	c := newConv(t, "", nil, 0)
	if err := os.WriteFile(c.storePath, []byte(`{"version":1,"profiles":`), 0o600); err != nil {
		t.Fatal(err)
	}
	sent, err := c.reply(t, "hello")
	want := "~/.bot/agents/main/agent/auth-profiles.json: invalid JSON at line 1: unexpected end of JSON input; fix the file or restore it from a backup (it was not changed)"
	if got := errline.Chat(err, c.paths, logtest.New(t)); err == nil || got != want {
		t.Errorf("user reads %q (error %v)\nwant %s", got, err, want)
	}
	if len(sent) != 0 || len(c.fake.Calls()) != 0 {
		t.Errorf("sent %q and called the provider %d times, want neither", sent, len(c.fake.Calls()))
	}
}

// TestReplyStreamsAndStoresNothingCut: the answer reaches the user as it
// streams, then whole; an answer cut off after its first text (an error
// event, a dropped connection) is an error in models.ErrCut's chain with
// the user's line, the text already shown stays shown, and the session
// stores nothing of the exchange, nor moves its automatic pin.
func TestReplyStreamsAndStoresNothingCut(t *testing.T) {
	tests := []struct {
		name     string
		response fakes.Response
		wantCut  string // the start of the user's line; "" = not cut
	}{
		{name: "whole", response: fakes.OK("one two three four")},
		{name: "error event after text", response: fakes.Overloaded().InStream(), wantCut: "The reply from anthropic:"},
		{name: "connection dropped after text", response: fakes.Response{Text: "one two three four", Truncated: true}, wantCut: "The reply from anthropic:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newConv(t, "", nil, 0)
			c.seed(t, [2]string{"hi", "hi there"})
			before := c.session(t)
			c.fake.Handle(func(fakes.Call) fakes.Response { return tt.response })
			rec := &answers{}
			err := c.Reply(t.Context(), agent, chat, "hello", rec)
			if len(rec.updates) == 0 {
				t.Fatalf("no streamed update; want the first text as it arrived")
			}
			for i := 1; i < len(rec.updates); i++ {
				if !strings.HasPrefix(rec.updates[i], rec.updates[i-1]) {
					t.Errorf("update %d %q does not extend %q", i, rec.updates[i], rec.updates[i-1])
				}
			}
			if tt.wantCut == "" {
				if err != nil {
					t.Fatalf("Reply: %v", err)
				}
				if diff := cmp.Diff([]string{"one two three four"}, rec.done); diff != "" {
					t.Errorf("final text (-want +got):\n%s", diff)
				}
				if got := len(c.history(t)); got != 4 {
					t.Errorf("history has %d turns, want 4", got)
				}
				return
			}
			if !errors.Is(err, models.ErrCut) {
				t.Fatalf("Reply error = %v, want one in models.ErrCut's chain", err)
			}
			if got := errline.Chat(err, config.Paths{}, logtest.New(t)); !strings.HasPrefix(got, tt.wantCut) {
				t.Errorf("user reads %q, want it to start with %q", got, tt.wantCut)
			}
			if len(rec.done) != 0 {
				t.Errorf("Done(%q) on a cut reply; the gateway adds the line to what was shown", rec.done)
			}
			want := []sessions.Turn{user("hi"), assistant("hi there")}
			if diff := cmp.Diff(want, c.history(t), ignoreAt); diff != "" {
				t.Errorf("history after a cut reply (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(pinOf(before), pinOf(c.session(t))); diff != "" {
				t.Errorf("pin moved by a cut reply (-before +after):\n%s", diff)
			}
		})
	}
}
