package gateway

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/internal/usermsg"
	"github.com/botgateway/bot/sessions"
)

// screen is a Replier that can show "typing…" and stream, and records
// what the user would see with the (fake) time of each event.
type screen struct {
	mu     sync.Mutex
	start  time.Time
	events []string
	stream bool // implements Streamer (streamingScreen) or not
}

func (s *screen) note(format string, args ...any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, fmt.Sprintf("%2.0fs ", time.Since(s.start).Seconds())+fmt.Sprintf(format, args...))
	return nil
}

func (s *screen) Reply(_ context.Context, r adapters.Reply) error { return s.note("reply %q", r.Text) }
func (s *screen) Typing(context.Context) error                    { return s.note("typing") }

// streamingScreen is a screen that streams.
type streamingScreen struct{ *screen }

func (s streamingScreen) StartStream(context.Context, bool) (adapters.Stream, error) {
	s.note("stream")
	return s, nil
}
func (s streamingScreen) Update(_ context.Context, text string) error {
	return s.note("update %q", text)
}
func (s streamingScreen) Finish(_ context.Context, r adapters.Reply) error {
	return s.note("finish %q", r.Text)
}

var (
	_ adapters.Typer    = (*screen)(nil)
	_ adapters.Streamer = streamingScreen{}
	_ adapters.Stream   = streamingScreen{}
)

// TestChatTypingAndStreaming: "typing…" from TypingDelay into a turn, renewed
// every adapters.TypingInterval until the first text; the reply streamed
// where the Replier can, sent whole where it cannot; a turn that fails
// after streaming text ends its stream with that text and the failure's
// line, one that fails before any text gets the line alone.
func TestChatTypingAndStreaming(t *testing.T) {
	// turn is what the model does: 10 s of thinking, a first piece, 5 s
	// more, then the rest (or a failure).
	turn := func(fail bool) ChatFunc {
		return func(ctx context.Context, _ string, _ sessions.Key, _ string, out Answer) error {
			time.Sleep(10 * time.Second)
			out.Update("Hello")
			time.Sleep(5 * time.Second)
			if fail {
				return usermsg.New("The reply was cut off: the provider stopped answering.")
			}
			out.Update("Hello, world")
			out.Done("Hello, world!")
			return nil
		}
	}
	silentFail := func(ctx context.Context, _ string, _ sessions.Key, _ string, out Answer) error {
		time.Sleep(9 * time.Second)
		return usermsg.New("No credential for anthropic. On the gateway host run: bot models status")
	}
	whole := func(ctx context.Context, _ string, _ sessions.Key, _ string, out Answer) error {
		time.Sleep(10 * time.Second)
		out.Done("Hello")
		return nil
	}
	fast := func(ctx context.Context, _ string, _ sessions.Key, _ string, out Answer) error {
		time.Sleep(TypingDelay / 2)
		out.Done("Hi")
		return nil
	}
	tests := []struct {
		name   string
		stream bool
		chat   ChatFunc
		want   []string
	}{
		// A reply sooner than TypingDelay goes without "typing…".
		{"fast, no typing", true, fast, []string{" 0s stream", ` 0s finish "Hi"`}},
		// A reply that arrives whole still goes through the stream, where
		// the platform renders model text.
		{"whole through the stream", true, whole, []string{
			" 0s typing", " 4s typing", " 8s typing", "10s stream", `10s finish "Hello"`}},
		{"streamed", true, turn(false), []string{
			" 0s typing", " 4s typing", " 8s typing",
			"10s stream", `10s update "Hello"`, `15s update "Hello, world"`, `15s finish "Hello, world!"`}},
		{"sent whole", false, turn(false), []string{
			" 0s typing", " 4s typing", " 8s typing", `15s reply "Hello, world!"`}},
		{"cut after text", true, turn(true), []string{
			" 0s typing", " 4s typing", " 8s typing",
			"10s stream", `10s update "Hello"`, `15s finish "Hello\n\nThe reply was cut off: the provider stopped answering."`}},
		{"failed before text", true, silentFail, []string{
			" 0s typing", " 4s typing", " 8s typing", ` 9s reply "No credential for anthropic. On the gateway host run: bot models status"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				g, err := New(Config{Adapters: []adapters.Adapter{&blocking{}}, Engine: newEngine(t), Agent: "main", Chat: tt.chat})
				if err != nil {
					t.Fatal(err)
				}
				s := &screen{start: time.Now()}
				var r adapters.Replier = s
				if tt.stream {
					r = streamingScreen{s}
				}
				done := make(chan struct{})
				g.Deliver(t.Context(), adapters.Message{Channel: "console", Chat: "local", Sender: adapters.Sender{IsOwner: true},
					Text: "hi", Reply: r, Done: func() { close(done) }})
				<-done
				time.Sleep(time.Minute) // no typing after the reply
				synctest.Wait()
				if diff := cmp.Diff(tt.want, s.events); diff != "" {
					t.Errorf("what the user saw (-want +got):\n%s", diff)
				}
			})
		})
	}
}
