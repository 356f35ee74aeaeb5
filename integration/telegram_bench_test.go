package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tg "github.com/go-telegram/bot"
	tgmodels "github.com/go-telegram/bot/models"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/adapters/telegram"
	"github.com/botgateway/bot/config"
	"github.com/botgateway/bot/gateway"
	"github.com/botgateway/bot/internal/fakes"
	"github.com/botgateway/bot/internal/secret"
	"github.com/botgateway/bot/sessions"
)

// tgBench is the Telegram path of bot gateway in-process (benchGateway),
// wired as cmd/bot/cli/gateway.go wires it: the real adapters/telegram
// adapter against the Telegram fake (long polling, sessions.db as its
// ledger, the send rate limit off).
type tgBench struct {
	*benchGateway
	tg *fakes.Telegram
	// tap sees the adapter's requests (replyTap).
	tap *replyTap
}

// newTGBench starts the gateway with allowFrom in channels.telegram and
// waits until its poller waits on the fake. want holds the reply each chat
// is to get (replyTap); it is not changed once the gateway runs.
func newTGBench(b *testing.B, allowFrom []string, want map[int64]*tapChat) *tgBench {
	b.Helper()
	t := &tgBench{tg: fakes.NewTelegram(b)}
	t.tg.SetWaitTimeout(time.Minute)
	t.tap = &replyTap{base: telegram.NewTransport(), chats: want}
	t.benchGateway = startBenchGateway(b, telegram.Name, allowFrom, func(st *gateway.Stack, f *config.Config, log *slog.Logger) adapters.Adapter {
		a, err := telegram.New(telegram.Config{
			Token:          secret.New(t.tg.Token()),
			TokenSource:    "TELEGRAM_BOT_TOKEN (benchmark)",
			APIURL:         t.tg.URL(),
			HTTPClient:     &http.Client{Transport: t.tap, Timeout: 5 * time.Second},
			RequireMention: f.Channels.Telegram.RequiresMention(),
			RateLimit:      0, // off: the benchmarks measure the gateway, not Telegram's 30 a second
			Ledger:         st.Sessions,
			Log:            log,
			PollTimeout:    2 * time.Second,
		})
		if err != nil {
			b.Fatal(err)
		}
		return a
	})
	t.tg.WaitUntil(b, "the adapter polling", t.tg.Polling)
	return t
}

// replyTap is the adapter's HTTP transport: the adapter's own transport
// (telegram.NewTransport) plus a look at the answers to sendMessage and
// editMessageText. When the message they return (the Bot API answers with
// the message as it now is) shows the whole reply a chat is waiting for,
// it notes the time the answer came back: the moment the user sees the
// finished reply, as the fake has stored it.
type replyTap struct {
	base  http.RoundTripper
	chats map[int64]*tapChat // read-only while the gateway runs
}

func (r *replyTap) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.base.RoundTrip(req)
	if err != nil || !(strings.HasSuffix(req.URL.Path, "/sendMessage") || strings.HasSuffix(req.URL.Path, "/editMessageText")) {
		return resp, err
	}
	at := time.Now()
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return resp, nil // the adapter reads the (short) body and sees the failure
	}
	var m struct {
		OK     bool `json:"ok"`
		Result struct {
			Chat struct {
				ID int64 `json:"id"`
			} `json:"chat"`
			Text string `json:"text"`
		} `json:"result"`
	}
	if json.Unmarshal(body, &m) == nil && m.OK {
		if c := r.chats[m.Result.Chat.ID]; c != nil {
			c.answered(strings.HasSuffix(req.URL.Path, "/editMessageText"), m.Result.Text, at)
		}
	}
	return resp, nil
}

// platform measures the Telegram fake's own serving time, each call
// through a client that does nothing else: a getUpdates woken by a queued
// update (on a second fake: one bot has one poller), and sendMessage and
// editMessageText round trips of go-telegram/bot.
type platform struct {
	main, other *fakes.Telegram
	bot         *tg.Bot // on main
	raw         *http.Client
	chat        int64 // a chat of main the direct calls write in
	msg         int   // the message the edits change
	user        fakes.TelegramUser
	offset      int64
}

func newPlatform(b *testing.B, main *fakes.Telegram) *platform {
	b.Helper()
	p := &platform{main: main, other: fakes.NewTelegram(b), raw: &http.Client{Transport: wholeBodies{telegram.NewTransport()}}}
	p.user = fakes.TelegramUser{ID: 4242, FirstName: "Direct"}
	p.chat = p.user.ID
	main.AddChat(fakes.PrivateChat(p.user))
	var err error
	p.bot, err = tg.New(main.Token(), tg.WithSkipGetMe(), tg.WithServerURL(main.URL()),
		tg.WithHTTPClient(2*time.Second, &http.Client{Transport: wholeBodies{telegram.NewTransport()}}))
	if err != nil {
		b.Fatal(err)
	}
	m, err := p.bot.SendMessage(context.Background(), &tg.SendMessageParams{ChatID: p.chat, Text: "echo: "})
	if err != nil {
		b.Fatal(err)
	}
	p.msg = m.ID
	p.getUpdates(b) // warm: the connection
	return p
}

// send returns the time of one sendMessage round trip.
func (p *platform) send(b *testing.B, text string) time.Duration {
	t0 := time.Now()
	if _, err := p.bot.SendMessage(context.Background(), &tg.SendMessageParams{ChatID: p.chat, Text: text}); err != nil {
		b.Fatal(err)
	}
	return time.Since(t0)
}

// edit returns the time of one editMessageText round trip (its text
// alternates, as Telegram refuses an edit that changes nothing).
func (p *platform) edit(b *testing.B, text string) time.Duration {
	t0 := time.Now()
	if _, err := p.bot.EditMessageText(context.Background(), &tg.EditMessageTextParams{ChatID: p.chat, MessageID: p.msg, Text: text}); err != nil {
		b.Fatal(err)
	}
	return time.Since(t0)
}

// getUpdates returns the time from queueing a user's message on the
// other fake to a waiting getUpdates having it decoded.
func (p *platform) getUpdates(b *testing.B) time.Duration {
	got := make(chan error, 1)
	go func() {
		form := url.Values{"offset": {strconv.FormatInt(p.offset, 10)}, "limit": {"100"}, "timeout": {"2"},
			"allowed_updates": {`["message","callback_query"]`}}
		resp, err := p.raw.PostForm(p.other.URL()+"/bot"+p.other.Token()+"/getUpdates", form)
		if err != nil {
			got <- err
			return
		}
		defer resp.Body.Close()
		var r struct {
			OK     bool               `json:"ok"`
			Result []*tgmodels.Update `json:"result"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
			got <- err
			return
		}
		if !r.OK || len(r.Result) != 1 {
			got <- fmt.Errorf("getUpdates: ok %v, %d updates", r.OK, len(r.Result))
			return
		}
		p.offset = r.Result[0].ID + 1
		got <- nil
	}()
	p.other.WaitUntil(b, "the direct poller waiting", p.other.Polling)
	t0 := time.Now()
	p.other.SendText(fakes.PrivateChat(p.user), p.user, "hi")
	if err := <-got; err != nil {
		b.Fatal(err)
	}
	return time.Since(t0)
}

// wholeBodies sends each request body in one piece, with its length, as
// the adapter does (adapters/telegram's own wholeBodies): go-telegram/bot
// streams its forms, which net/http would send chunked.
type wholeBodies struct{ base http.RoundTripper }

func (w wholeBodies) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body == nil || req.Body == http.NoBody || req.ContentLength != 0 {
		return w.base.RoundTrip(req)
	}
	buf, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	r := req.Clone(req.Context())
	r.Body, r.ContentLength = http.NoBody, 0
	if len(buf) > 0 {
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(buf)), int64(len(buf))
	}
	return w.base.RoundTrip(r)
}

// BenchmarkTelegramOverhead measures the gateway's own time per message
// through the Telegram path. One iteration: the owner's private message
// "hi" is queued at the Telegram fake while the adapter's getUpdates waits
// on it, and the clock stops when the answer to the request that shows
// the whole reply (the stream's final editMessageText of "echo: hi") comes
// back to the adapter. Between the two: the fake answering getUpdates, the
// adapter decoding and screening the update, the gateway's intake,
// session, history, resolver and router, the Anthropic client's streaming
// call to its fake, "typing…" (sendChatAction, beside the call), the
// stream's sendMessage of the first text and its final edit. Each
// iteration then waits until the message is handled completely (exchange
// stored, update marked handled in sessions.db and confirmed by the next
// getUpdates), so the next one finds the poller waiting.
//
// In the same run it measures, with clients that do nothing else: a
// direct streaming call of a twin of the same provider client to the same
// fake with the same request (the session's 20 earlier turns and "hi"),
// a getUpdates woken by a queued update, a sendMessage and an
// editMessageText round trip of go-telegram/bot. It reports the medians
// and the overhead: the Telegram path's median minus the medians of the
// provider call and of the three Telegram calls that are on the reply's
// path (platform time); and, for comparison, minus the provider call
// only. DESIGN §7: ≤ 100 µs at p50 through a platform adapter.
//
// The fake streams "echo: hi" in two deltas, so the reply is a
// sendMessage and an edit, as a real model's reply is. Two things beside
// the reply weigh on it on two cores: "typing…", whose sendChatAction the
// first text waits for (the gateway stops "typing…" before it sends), and
// the poller's getUpdates right after delivering the update, which
// Telegram answers at once with the update still in flight.

func BenchmarkTelegramOverhead(b *testing.B) {
	user := fakes.TelegramUser{ID: 42, FirstName: "Owner", Username: "owner"}
	chat := fakes.PrivateChat(user)
	tap := newTapChat("echo: hi")
	t := newTGBench(b, []string{"42"}, map[int64]*tapChat{user.ID: tap})
	p := newPlatform(b, t.tg)

	// say sends "hi" and returns the time to the finished reply, once the
	// message is handled completely.
	say := func() time.Duration {
		t0 := time.Now()
		id := t.tg.SendText(chat, user, "hi").UpdateID
		var d time.Duration
		select {
		case at := <-tap.got:
			d = at.Sub(t0)
		case <-time.After(time.Minute):
			b.Fatalf("no reply to update %d after a minute; the bot's last message: %+v", id, last(t.tg.BotMessages(user.ID)))
		}
		t.tg.WaitUntil(b, "the update confirmed and the poller waiting", func() bool {
			return t.tg.Confirmed() >= id && t.tg.Polling()
		})
		return d
	}
	t.measureOverhead(b, "telegram", tap, say, platformCalls{
		deliverName: "getUpdates", sendName: "sendMessage",
		deliver: p.getUpdates, send: p.send, edit: p.edit,
	})
}

// last returns the last of ms, or the zero message.
func last(ms []fakes.TelegramMessage) fakes.TelegramMessage {
	if len(ms) == 0 {
		return fakes.TelegramMessage{}
	}
	return ms[len(ms)-1]
}

// loadChats is how many private chats BenchmarkTelegramLoad drives at
// once (DESIGN §7: 1,000 concurrent chats).
const loadChats = 1000

// BenchmarkTelegramLoad drives the Telegram path of
// BenchmarkTelegramOverhead from loadChats users at once, each in a
// private chat of their own (allowFrom "*"), each sending its next message
// once the previous one is answered (replyTap saw the finished reply);
// b.N is the total number of messages. It reports the throughput (msgs/s)
// and the time to the finished reply (from the update queued at the fake)
// at p50 and p99. DESIGN §7: ≥ 1,000 messages per second with 1,000
// concurrent chats on a 2-core machine.
func BenchmarkTelegramLoad(b *testing.B) {
	users := make([]fakes.TelegramUser, loadChats)
	texts := make([]string, loadChats)
	want := map[int64]*tapChat{}
	for i := range users {
		users[i] = fakes.TelegramUser{ID: int64(100000 + i), FirstName: "User" + strconv.Itoa(i)}
		texts[i] = "hello from " + strconv.Itoa(i)
		want[users[i].ID] = newTapChat("echo: " + texts[i])
	}
	t := newTGBench(b, []string{"*"}, want)

	// Steady state: every session holds a full history window (10
	// exchanges) and has answered once through the gateway.
	ctx := context.Background()
	for i, u := range users {
		var turns []sessions.Turn
		for range 10 {
			turns = append(turns, sessions.Turn{Role: sessions.RoleUser, Text: texts[i]}, sessions.Turn{Role: sessions.RoleAssistant, Text: "echo: " + texts[i]})
		}
		if err := t.stack.Sessions.AppendTurns(ctx, "main", sessions.Key("telegram:"+strconv.FormatInt(u.ID, 10)), turns...); err != nil {
			b.Fatal(err)
		}
	}
	ask := func(i int) (time.Duration, bool) {
		t0 := time.Now()
		t.tg.SendText(fakes.PrivateChat(users[i]), users[i], texts[i])
		select {
		case at := <-want[users[i].ID].got:
			return at.Sub(t0), true
		case <-time.After(time.Minute):
			return 0, false
		}
	}
	runLoad(b, loadChats, ask, nil)
}

// memChats is how many chats BenchmarkTelegramSessionMemory opens.
const memChats = 10000

// BenchmarkTelegramSessionMemory measures the heap an idle session costs
// the gateway: memChats users each send one message through the Telegram
// path of BenchmarkTelegramOverhead (at most loadChats at once) and get
// their reply; once every message is handled completely (its update
// confirmed) and the gateway is idle, the live heap (runtime.GC, then
// runtime.MemStats.HeapAlloc) is compared with the live heap before the
// first of them, and divided by memChats. It reports two figures:
//
//   - heap-B/session: the whole difference, which includes what the fakes
//     keep of each chat (the Telegram fake's chats and call log, the
//     Anthropic fake's call log with each request body);
//   - gateway-B/session: the same without the fakes' part, attributed
//     with the heap profile (runtime.MemProfile, sampled every 512 bytes
//     for this benchmark): the live bytes allocated under a function of
//     internal/fakes are taken out.
//
// What stays per session in the gateway is its bounded caches: the
// sessions store's model and pin state and its history cache. It runs
// once, whatever b.N; DESIGN §7 sets no budget for it.
func BenchmarkTelegramSessionMemory(b *testing.B) {
	defer func(rate int) { runtime.MemProfileRate = rate }(runtime.MemProfileRate)
	runtime.MemProfileRate = 512

	users := make([]fakes.TelegramUser, memChats+loadChats) // the last loadChats warm up
	want := make(map[int64]*tapChat, len(users))
	for i := range users {
		users[i] = fakes.TelegramUser{ID: int64(200000 + i), FirstName: "User" + strconv.Itoa(i)}
		want[users[i].ID] = newTapChat("echo: hello")
	}
	t := newTGBench(b, []string{"*"}, want)
	run := func(users []fakes.TelegramUser) {
		b.Helper()
		var next atomic.Int64
		var lost atomic.Int64
		var maxID atomic.Int64
		var wg sync.WaitGroup
		for range min(loadChats, len(users)) {
			wg.Go(func() {
				for i := next.Add(1) - 1; i < int64(len(users)); i = next.Add(1) - 1 {
					u := users[i]
					id := t.tg.SendText(fakes.PrivateChat(u), u, "hello").UpdateID
					for old := maxID.Load(); id > old && !maxID.CompareAndSwap(old, id); old = maxID.Load() {
					}
					select {
					case <-want[u.ID].got:
					case <-time.After(time.Minute):
						lost.Add(1)
					}
				}
			})
		}
		wg.Wait()
		if n := lost.Load(); n > 0 {
			b.Fatalf("%d of %d chats got no reply within a minute", n, len(users))
		}
		t.tg.WaitUntil(b, "every update confirmed, the poller waiting", func() bool {
			return t.tg.Confirmed() >= maxID.Load() && t.tg.Polling()
		})
	}
	run(users[memChats:]) // warm: connections, pools, caches' first growth

	heapBefore, fakesBefore := liveHeap()
	run(users[:memChats])
	heapAfter, fakesAfter := liveHeap()

	all := float64(heapAfter-heapBefore) / memChats
	fake := float64(fakesAfter-fakesBefore) / memChats
	b.ReportMetric(all, "heap-B/session")
	b.ReportMetric(fake, "fakes-B/session")
	b.ReportMetric(all-fake, "gateway-B/session")
	b.Logf("no budget (DESIGN §7 asks for the figure): heap per idle session after %d chats with one exchange each", memChats)
}

// liveHeap returns the live heap after a full collection, and the part of
// it the heap profile attributes to the fakes (allocated under a function
// of internal/fakes), both in bytes.
func liveHeap() (heap, fakesPart int64) {
	for range 3 { // the profile lags up to two cycles behind
		runtime.GC()
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	var recs []runtime.MemProfileRecord
	n, _ := runtime.MemProfile(nil, true)
	for {
		recs = make([]runtime.MemProfileRecord, n+50)
		var ok bool
		if n, ok = runtime.MemProfile(recs, true); ok {
			recs = recs[:n]
			break
		}
	}
	rate := int64(runtime.MemProfileRate)
	for _, r := range recs {
		if !underFakes(r.Stack()) {
			continue
		}
		fakesPart += scaledBytes(r.InUseObjects(), r.InUseBytes(), rate)
	}
	return int64(ms.HeapAlloc), fakesPart
}

// underFakes reports whether a stack runs through internal/fakes.
func underFakes(stk []uintptr) bool {
	frames := runtime.CallersFrames(stk)
	for {
		f, more := frames.Next()
		if strings.HasPrefix(f.Function, "github.com/botgateway/bot/internal/fakes.") {
			return true
		}
		if !more {
			return false
		}
	}
}

// scaledBytes estimates the bytes a heap-profile record stands for, as
// runtime/pprof does: each allocation was sampled with probability
// 1 - exp(-size/rate).
func scaledBytes(count, size, rate int64) int64 {
	if count == 0 || size == 0 || rate <= 1 {
		return size
	}
	avg := float64(size) / float64(count)
	return int64(float64(size) / (1 - math.Exp(-avg/float64(rate))))
}
