package integration

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/internal/fakes"
	"github.com/botgateway/bot/sessions"
)

// loadSessions is how many console sessions BenchmarkGatewayLoad drives at
// once.
const loadSessions = 64

// loadReply records when a reply was sent, and its text.
type loadReply struct {
	at   *time.Time
	text *string
}

func (r loadReply) Reply(_ context.Context, rep adapters.Reply) error {
	*r.at, *r.text = time.Now(), rep.Text
	return nil
}

// deliverTo sends one console message in chat through the gateway, waits
// until it is handled completely (history stored), and returns how long the
// reply took and its text.
func (s *stack) deliverTo(chat adapters.ChatRef, text string) (time.Duration, string) {
	done := make(chan struct{})
	var replied time.Time
	var reply string
	start := time.Now()
	s.gw.Deliver(context.Background(), adapters.Message{
		Channel: "console", Chat: chat, Sender: adapters.Sender{ID: "owner", IsOwner: true},
		Text: text, Reply: loadReply{&replied, &reply}, Done: func() { close(done) },
	})
	<-done
	return replied.Sub(start), reply
}

// BenchmarkGatewayLoad drives the chat path of BenchmarkGatewayOverhead
// (dispatch, session, history, resolver, router, provider client, the
// exchange stored) from loadSessions console sessions at once against the
// loopback fake provider. Each session has its own worker that sends its
// next message once the previous one is handled, as a chat does; b.N is the
// total number of messages. It reports the throughput (msgs/s) and the
// time to reply (from Deliver to the reply being sent) at p50 and p99.
// DESIGN §7 asks for a load benchmark but sets no budget for it: compare
// the figures across commits on one machine.
func BenchmarkGatewayLoad(b *testing.B) {
	fake := fakes.NewAnthropic(b)
	fake.Allow(keyWork, keyHome)
	s := newStack(b, fake)

	// Steady state: every session already holds a full history window (10
	// exchanges, as in BenchmarkGatewayOverhead) and has been read once
	// through the gateway, so its caches and automatic pin are in place.
	chats := make([]adapters.ChatRef, loadSessions)
	texts := make([]string, loadSessions)
	for i := range chats {
		chats[i] = adapters.ChatRef(fmt.Sprintf("load-%02d", i))
		texts[i] = fmt.Sprintf("hello from %s", chats[i])
		key := sessions.Key("console:" + string(chats[i]))
		for range 10 {
			turns := []sessions.Turn{{Role: sessions.RoleUser, Text: texts[i]}, {Role: sessions.RoleAssistant, Text: "echo: " + texts[i]}}
			if err := s.sessions.AppendTurns(context.Background(), "main", key, turns...); err != nil {
				b.Fatal(err)
			}
		}
		if _, got := s.deliverTo(chats[i], texts[i]); got != "echo: "+texts[i] {
			b.Fatalf("warm-up reply in %s = %q, want %q", chats[i], got, "echo: "+texts[i])
		}
	}

	var (
		next    atomic.Int64 // messages taken by the workers
		bad     atomic.Int64 // wrong replies
		badOnce sync.Once
		badText string
		lat     = make([][]time.Duration, loadSessions) // per worker
		wg      sync.WaitGroup
	)
	b.ResetTimer()
	start := time.Now()
	for i := range loadSessions {
		wg.Go(func() {
			want := "echo: " + texts[i]
			for next.Add(1) <= int64(b.N) {
				d, got := s.deliverTo(chats[i], texts[i])
				if got != want {
					bad.Add(1)
					badOnce.Do(func() { badText = fmt.Sprintf("%s: got %q, want %q", chats[i], got, want) })
				}
				lat[i] = append(lat[i], d)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if n := bad.Load(); n > 0 {
		b.Fatalf("%d of %d replies were wrong; first: %s", n, b.N, badText)
	}

	reportLoad(b, lat, elapsed)
	b.Logf("budget: none for %d concurrent sessions (no budget; compare across commits; DESIGN §7 asks for a load benchmark in integration/)", loadSessions)
}
