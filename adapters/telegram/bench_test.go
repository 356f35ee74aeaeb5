package telegram

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-telegram/bot/models"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/adapters/adaptertest"
	"github.com/botgateway/bot/internal/fakes"
	"github.com/botgateway/bot/internal/secret"
	"github.com/botgateway/bot/sessions"
)

// doneInbox marks every message done at once.
type doneInbox struct{ n int }

func (d *doneInbox) Deliver(_ context.Context, m adapters.Message) {
	d.n++
	m.Done()
}

// getUpdatesAnswer is a getUpdates answer with one group message that
// mentions the bot, as Telegram sends it.
const getUpdatesAnswer = `[{"update_id":%d,"message":{"message_id":77,"from":{"id":501,"is_bot":false,"first_name":"Ada","username":"ada","language_code":"en"},"chat":{"id":-1001234,"title":"team","type":"supergroup"},"date":1796210250,"text":"@fake_bot what is the capital of France?","entities":[{"offset":0,"length":9,"type":"mention"}]}}]`

// The adapter's own time per incoming message: decoding the getUpdates
// answer's update, the bookkeeping, normalizing and delivering, and the
// Done that confirms it (no Ledger). DESIGN §7: the gateway's overhead
// through a platform adapter ≤ 100 µs at p50; this is the adapter's part.
func BenchmarkIntake(b *testing.B) {
	b.Run("memory", func(b *testing.B) { benchIntake(b, nil) })
	// With the sessions ledger: Done's MarkHandled, one SQLite write
	// transaction per message.
	b.Run("ledger", func(b *testing.B) {
		st, err := sessions.Open(b.Context(), filepath.Join(b.TempDir(), "sessions.db"), sessions.Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		benchIntake(b, st)
	})
}

func benchIntake(b *testing.B, ledger adapters.Ledger) {
	a, err := New(Config{Token: secret.New("123:abc"), RequireMention: true, Ledger: ledger})
	if err != nil {
		b.Fatal(err)
	}
	a.me.Store(&models.User{ID: 7000000001, IsBot: true, Username: "fake_bot"})
	a.tracker = newTracker(0, nil)
	in := &doneInbox{}
	ctx := b.Context()
	raw := []byte(strings.Replace(getUpdatesAnswer, "%d", "1", 1))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		var ups []*models.Update
		if err := json.Unmarshal(raw, &ups); err != nil {
			b.Fatal(err)
		}
		ups[0].ID = int64(i + 1)
		if a.tracker.admit(ups[0].ID) {
			a.handle(ctx, in, ups[0])
		}
	}
	if in.n == 0 {
		b.Fatal("nothing delivered")
	}
}

// The adapter's own time to prepare a model reply: Markdown to Telegram
// HTML and the split, for a reply of about 1 kB.
func BenchmarkRender(b *testing.B) {
	md := strings.Repeat("Here is **bold**, `code`, a [link](https://example.com) and a list:\n- one\n- two\n\n", 12)
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range split(md, maxText) {
			_ = toHTML(p)
		}
	}
}

// One message through the adapter and the fake Bot API: the user's
// update fetched by getUpdates and delivered, and the reply sent with
// sendMessage. It includes the fake's HTTP round trips (loopback): the
// adapter's own part is BenchmarkIntake plus BenchmarkRender.
func BenchmarkRoundTrip(b *testing.B) {
	f := fakes.NewTelegram(b)
	in := adaptertest.NewInbox()
	cfg := config(b, f)
	cfg.Log = nil
	adaptertest.Running(b, mustNew(b, cfg), in)
	chat := fakes.PrivateChat(ada)
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		f.SendText(chat, ada, "hello")
		m := in.Next(b)
		if err := m.Reply.Reply(ctx, adapters.Reply{Text: "hi there"}); err != nil {
			b.Fatal(err)
		}
		m.Done()
	}
}

// A reply sent: the adapter's work and one sendMessage round trip to the
// fake over loopback.
func BenchmarkReply(b *testing.B) {
	f := fakes.NewTelegram(b)
	in := adaptertest.NewInbox()
	cfg := config(b, f)
	cfg.Log = nil
	adaptertest.Running(b, mustNew(b, cfg), in)
	f.SendText(fakes.PrivateChat(ada), ada, "hello")
	m := in.Next(b)
	defer m.Done()
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if err := m.Reply.Reply(ctx, adapters.Reply{Text: "hi there"}); err != nil {
			b.Fatal(err)
		}
	}
}
