package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/adapters/discord"
	"github.com/botgateway/bot/config"
	"github.com/botgateway/bot/gateway"
	"github.com/botgateway/bot/internal/fakes"
	"github.com/botgateway/bot/internal/secret"
	"github.com/botgateway/bot/sessions"
)

// dcBench is the Discord path of bot gateway in-process (benchGateway),
// wired as cmd/bot/cli/gateway.go wires it (discordChannel): the real
// adapters/discord adapter against the Discord fake (its gateway websocket
// and REST API; the REST client is the adapter's default one, dcClient,
// with dcTap looking at the answers).
type dcBench struct {
	*benchGateway
	dc *fakes.Discord
}

// newDCBench starts the gateway with allowFrom in channels.discord and
// waits until the adapter's session is connected and the commands
// registered. want holds, by DM channel id, the reply each chat is to get
// (dcTap); it is not changed once the gateway runs.
func newDCBench(b *testing.B, dc *fakes.Discord, allowFrom []string, want map[string]*tapChat) *dcBench {
	b.Helper()
	dc.SetWaitTimeout(time.Minute)
	t := &dcBench{dc: dc}
	t.benchGateway = startBenchGateway(b, discord.Name, allowFrom, func(_ *gateway.Stack, f *config.Config, log *slog.Logger) adapters.Adapter {
		cfg := f.Channels.Discord
		a, err := discord.New(discord.Config{
			Token:          secret.New(dc.Token()),
			TokenSource:    "DISCORD_BOT_TOKEN (benchmark)",
			APIURL:         dc.URL(),
			HTTPClient:     dcClient(b, func(tr http.RoundTripper) http.RoundTripper { return &dcTap{base: tr, chats: want} }),
			Guilds:         cfg.Guilds,
			RequireMention: cfg.RequiresMention(),
			MessageContent: cfg.MessageContent,
			Log:            log,
		})
		if err != nil {
			b.Fatal(err)
		}
		return a
	})
	dc.WaitConnected(b)
	dc.WaitUntil(b, "the commands registered", func() bool { return len(dc.Commands("")) > 0 })
	return t
}

// dcClient is the adapter's default REST client (discord.Config.HTTPClient
// nil: discord.NewHTTPClient), its transport wrapped by wrap, its idle
// connections closed with the benchmark.
func dcClient(b *testing.B, wrap func(http.RoundTripper) http.RoundTripper) *http.Client {
	c := discord.NewHTTPClient()
	tr := c.Transport.(*http.Transport)
	b.Cleanup(tr.CloseIdleConnections)
	c.Transport = wrap(tr)
	return c
}

// dcTap is the adapter's HTTP transport with a look at the answers to
// creating and editing a message (POST and PATCH under
// /channels/{id}/messages): when the message they return (Discord answers
// with the message as it now is) shows the whole reply a chat is waiting
// for, it notes the time the answer came back — the moment the fake has
// stored the finished reply.
type dcTap struct {
	base  http.RoundTripper
	chats map[string]*tapChat // by channel id; read-only while the gateway runs
}

func (r *dcTap) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.base.RoundTrip(req)
	if err != nil || (req.Method != http.MethodPost && req.Method != http.MethodPatch) || !strings.Contains(req.URL.Path, "/messages") {
		return resp, err
	}
	at := time.Now()
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil || resp.StatusCode != http.StatusOK {
		return resp, nil
	}
	var m struct {
		ChannelID string `json:"channel_id"`
		Content   string `json:"content"`
	}
	if json.Unmarshal(body, &m) == nil {
		if c := r.chats[m.ChannelID]; c != nil {
			c.answered(req.Method == http.MethodPatch, m.Content, at)
		}
	}
	return resp, nil
}

// dcPlatform measures the Discord fake's own serving time, each through a
// discordgo session that does nothing else, on a second fake (so the
// gateway's session sees none of it) that has a session connected as the
// benchmark's fake has the adapter's: a MESSAGE_CREATE of a user's DM
// dispatched by the fake to the session, and a message create and edit
// round trip (which the fake also dispatches to the session, as it does
// the replies' to the adapter).
type dcPlatform struct {
	other *fakes.Discord
	user  fakes.DiscordUser // the DM's author
	dm    fakes.DiscordChannel
	got   chan time.Time // the session's MESSAGE_CREATE of user's messages
	s     *discordgo.Session
	msg   string // the message the edits change
}

func newDCPlatform(b *testing.B) *dcPlatform {
	b.Helper()
	p := &dcPlatform{other: fakes.NewDiscord(b), got: make(chan time.Time, 1)}
	p.user = p.other.AddUser("direct")
	p.dm = p.other.DM(p.user)
	var err error
	if p.s, err = discordgo.New("Bot " + p.other.Token()); err != nil {
		b.Fatal(err)
	}
	// The adapter's client, sending to the other fake.
	p.s.Client = dcClient(b, func(http.RoundTripper) http.RoundTripper { return p.other.Transport() })
	p.s.Identify.Intents = discordgo.IntentsDirectMessages
	p.s.LogLevel = -1
	p.s.SyncEvents = true
	p.s.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageCreate) {
		if m.Author == nil || m.Author.ID != p.user.ID {
			return
		}
		select {
		case p.got <- time.Now():
		default:
		}
	})
	if err := p.s.Open(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { p.s.Close() })
	p.other.WaitConnected(b)
	m, err := p.s.ChannelMessageSend(p.dm.ID, "echo: ")
	if err != nil {
		b.Fatal(err)
	}
	p.msg = m.ID
	p.dispatch(b) // warm
	return p
}

// dispatch returns the time from a user's DM posted at the other fake to
// the direct session's handler having it decoded.
func (p *dcPlatform) dispatch(b *testing.B) time.Duration {
	t0 := time.Now()
	p.other.SendText(p.dm, p.user, "hi")
	select {
	case at := <-p.got:
		return at.Sub(t0)
	case <-time.After(time.Minute):
		b.Fatal("the direct session got no MESSAGE_CREATE after a minute")
	}
	return 0
}

// send returns the time of one message create round trip.
func (p *dcPlatform) send(b *testing.B, text string) time.Duration {
	t0 := time.Now()
	if _, err := p.s.ChannelMessageSend(p.dm.ID, text); err != nil {
		b.Fatal(err)
	}
	return time.Since(t0)
}

// edit returns the time of one message edit round trip.
func (p *dcPlatform) edit(b *testing.B, text string) time.Duration {
	t0 := time.Now()
	if _, err := p.s.ChannelMessageEdit(p.dm.ID, p.msg, text); err != nil {
		b.Fatal(err)
	}
	return time.Since(t0)
}

// BenchmarkDiscordOverhead measures the gateway's own time per message
// through the Discord path. One iteration: the user's DM "hi" is posted at
// the Discord fake, which dispatches MESSAGE_CREATE on the adapter's
// gateway websocket, and the clock stops when the answer to the REST call
// that shows the whole reply ("echo: hi": the stream's final edit, or its
// only message) comes back to the adapter. Between the two: the fake's
// dispatch, discordgo decoding the event, the adapter screening it, the
// gateway's intake, session, history, resolver and router, the Anthropic
// client's streaming call to its fake, and the stream's message create and
// edit(s) through discordgo's REST client (with its rate-limit
// bookkeeping). "Typing…" starts only after 200 ms of model call, so
// never here.
//
// In the same run it measures, with clients that do nothing else: a
// direct streaming call of a twin of the same provider client to the same
// fake with the same request (the session's 20 earlier turns and "hi"),
// a MESSAGE_CREATE dispatched to a connected discordgo session, and a
// message create and a message edit round trip of discordgo (dcPlatform:
// on a second fake, which dispatches them to that session as the first
// dispatches the replies to the adapter). It reports
// the medians, and the overhead: the Discord path's median minus the
// medians of the provider call, of the dispatch and of the REST calls the
// reply took (the creates and edits counted by dcTap, per message);
// and, for comparison, minus the provider call only. DESIGN §7: ≤ 100 µs
// at p50 through a platform adapter.
func BenchmarkDiscordOverhead(b *testing.B) {
	dc := fakes.NewDiscord(b)
	user := dc.AddUser("owner")
	dm := dc.DM(user)
	tap := newTapChat("echo: hi")
	t := newDCBench(b, dc, []string{user.ID}, map[string]*tapChat{dm.ID: tap})
	p := newDCPlatform(b)

	// say sends "hi" and returns the time to the finished reply. It then
	// waits until the exchange is stored (the session's newest turn is the
	// reply, written in t0's millisecond or later: the store keeps
	// milliseconds, so say first lets a millisecond pass after the newest
	// turn), so the direct measurements that follow do not overlap the
	// gateway's work. Nothing at the fakes shows that moment, so the store
	// is polled, off the clock.
	key := sessions.Key("discord:dm:" + user.ID)
	newest := func() sessions.Turn {
		h, err := t.stack.Sessions.History(context.Background(), "main", key, 1)
		if err != nil {
			b.Fatal(err)
		}
		if len(h) == 0 {
			return sessions.Turn{}
		}
		return h[0]
	}
	say := func() time.Duration {
		for last := newest().At; !time.Now().Truncate(time.Millisecond).After(last); {
			time.Sleep(50 * time.Microsecond)
		}
		t0 := time.Now()
		dc.SendText(dm, user, "hi")
		var d time.Duration
		select {
		case at := <-tap.got:
			d = at.Sub(t0)
		case <-time.After(time.Minute):
			b.Fatalf("no reply after a minute; the bot's messages: %d", len(dc.BotMessages(dm.ID)))
		}
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Microsecond) {
			if h := newest(); h.Role == sessions.RoleAssistant && !h.At.Before(t0.Truncate(time.Millisecond)) {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("the exchange not stored in %s after a minute", key)
			}
		}
		return d
	}
	t.measureOverhead(b, "discord", tap, say, platformCalls{
		deliverName: "dispatch", sendName: "create",
		deliver: p.dispatch, send: p.send, edit: p.edit,
	})
}

// BenchmarkDiscordLoad drives the Discord path of BenchmarkDiscordOverhead
// from loadChats users at once, each in a DM of their own (allowFrom
// "*"), each sending its next message once the previous one is answered
// (dcTap saw the finished reply); b.N is the total number of messages. It
// reports the throughput (msgs/s) and the time to the finished reply
// (from the message posted at the fake) at p50 and p99. DESIGN §7:
// ≥ 1,000 messages per second with 1,000 concurrent chats on a 2-core
// machine.
func BenchmarkDiscordLoad(b *testing.B) {
	dc := fakes.NewDiscord(b)
	users := make([]fakes.DiscordUser, loadChats)
	dms := make([]fakes.DiscordChannel, loadChats)
	texts := make([]string, loadChats)
	want := map[string]*tapChat{}
	for i := range users {
		users[i] = dc.AddUser("user" + strconv.Itoa(i))
		dms[i] = dc.DM(users[i])
		texts[i] = "hello from " + strconv.Itoa(i)
		want[dms[i].ID] = newTapChat("echo: " + texts[i])
	}
	t := newDCBench(b, dc, []string{"*"}, want)

	// Steady state: every session holds a full history window (10
	// exchanges) and has answered once through the gateway.
	ctx := context.Background()
	for i, u := range users {
		var turns []sessions.Turn
		for range 10 {
			turns = append(turns, sessions.Turn{Role: sessions.RoleUser, Text: texts[i]}, sessions.Turn{Role: sessions.RoleAssistant, Text: "echo: " + texts[i]})
		}
		if err := t.stack.Sessions.AppendTurns(ctx, "main", sessions.Key("discord:dm:"+u.ID), turns...); err != nil {
			b.Fatal(err)
		}
	}
	ask := func(i int) (time.Duration, bool) {
		t0 := time.Now()
		dc.SendText(dms[i], users[i], texts[i])
		select {
		case at := <-want[dms[i].ID].got:
			return at.Sub(t0), true
		case <-time.After(time.Minute):
			return 0, false
		}
	}
	runLoad(b, loadChats, ask, func() {
		if c := t.ai.Calls(); c[len(c)-1].Messages != 21 {
			b.Fatalf("a warm-up call sent %d messages, want 21 (the seeded window is not the session's)", c[len(c)-1].Messages)
		}
	})
}
