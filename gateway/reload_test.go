package gateway

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/sessions"
)

// TestReloadWhileServing swaps allowFrom and the chat function while
// messages are handled (run with -race): each message sees one whole
// configuration, and the ones after the last Reload see it.
func TestReloadWhileServing(t *testing.T) {
	engine := newEngine(t)
	chatAs := func(name string) ChatFunc {
		return func(_ context.Context, _ string, _ sessions.Key, _ string, out Answer) error {
			out.Done(name)
			return nil
		}
	}
	g, err := New(Config{Adapters: []adapters.Adapter{&blocking{}}, Engine: engine, Chat: chatAs("old"),
		AllowFrom: map[string][]string{"telegram": {"1"}}})
	if err != nil {
		t.Fatal(err)
	}
	deliver := func(sender, chat string) []string {
		c := &replies{}
		done := make(chan struct{})
		g.Deliver(t.Context(), adapters.Message{Channel: "telegram", Chat: adapters.ChatRef(chat), Sender: adapters.Sender{ID: sender},
			Text: "hi", Reply: c, Done: func() { close(done) }})
		<-done
		return c.get()
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 20 {
				if got := deliver("1", string(rune('a'+i))); len(got) != 1 || (got[0] != "old" && got[0] != "new") {
					t.Errorf("replies %q, want one of old or new", got)
				}
			}
		})
	}
	wg.Go(func() {
		for i := range 50 {
			if i%2 == 0 {
				g.Reload(Live{Engine: engine, Chat: chatAs("new"), AllowFrom: map[string][]string{"telegram": {"1", "2"}}})
			} else {
				g.Reload(Live{Chat: chatAs("old"), AllowFrom: map[string][]string{"telegram": {"1"}}})
			}
		}
	})
	wg.Wait()
	g.Reload(Live{Chat: chatAs("new"), AllowFrom: map[string][]string{"telegram": {"1", "2"}}})
	if got := strings.Join(deliver("2", "z"), ""); got != "new" {
		t.Errorf("after Reload, a sender added to allowFrom got %q, want new", got)
	}
	g.Reload(Live{Chat: chatAs("new"), AllowFrom: map[string][]string{"telegram": {"1"}}})
	if got := deliver("2", "z"); len(got) != 0 {
		t.Errorf("after Reload, a sender removed from allowFrom got %q, want nothing", got)
	}
}

// replies is a Replier that keeps the replies' text.
type replies struct {
	mu    sync.Mutex
	texts []string
}

func (r *replies) Reply(_ context.Context, rep adapters.Reply) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.texts = append(r.texts, rep.Text)
	return nil
}

func (r *replies) get() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.texts
}
