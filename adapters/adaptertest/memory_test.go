package adaptertest_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/adapters/adaptertest"
)

// The suite passes on a minimal platform adapter: a group chat of two users
// with native pickers, private replies only the sender sees, replies
// edited in place while they stream and "typing…". It is the model of a platform
// adapter's harness (Telegram's and Discord's drive loopback fakes of
// their APIs instead of memory).
func TestRunOnMemoryPlatform(t *testing.T) {
	adaptertest.Run(t, memHarness{})
}

type memHarness struct{}

func (memHarness) Start(*testing.T) (adapters.Adapter, adaptertest.Platform) {
	p := &memPlatform{updates: make(chan memUpdate, 64)}
	return &memAdapter{p: p}, p
}

// memPlatform is a chat platform in memory: what users send waits in
// updates for the adapter; what the bot posts is kept per chat.
type memPlatform struct {
	updates chan memUpdate
	mu      sync.Mutex
	posts   map[adapters.ChatRef][]*memPost
	typing  int // "typing…" indicators shown
}

type memUpdate struct {
	user string
	chat adapters.ChatRef
	text string
}

// memPost is one message of the bot; to is the only user who sees it, or
// "" for everyone in the chat.
type memPost struct {
	text    string
	choices []adapters.Choice
	to      string
}

var seats = []adaptertest.Seat{{UserID: "ada", Chat: "group"}, {UserID: "bob", Chat: "group"}}

func (p *memPlatform) Seats() []adaptertest.Seat { return seats }

func (p *memPlatform) Send(_ context.Context, s adaptertest.Seat, text string) error {
	p.updates <- memUpdate{user: s.UserID, chat: s.Chat, text: text}
	return nil
}

func (p *memPlatform) Choose(_ context.Context, s adaptertest.Seat, n int) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	posts := p.posts[s.Chat]
	for i := len(posts) - 1; i >= 0; i-- {
		if c := posts[i].choices; len(c) > 0 && (posts[i].to == "" || posts[i].to == s.UserID) {
			if n < 1 || n > len(c) {
				return "", fmt.Errorf("no entry %d in a picker of %d", n, len(c))
			}
			// The platform sends the button's data back; the adapter
			// turns it into the choice's command.
			p.updates <- memUpdate{user: s.UserID, chat: s.Chat, text: c[n-1].Command}
			return "", nil
		}
	}
	return "", errors.New("no picker shown")
}

func (p *memPlatform) Seen(_ context.Context, s adaptertest.Seat) ([]adaptertest.Shown, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var shown []adaptertest.Shown
	for _, m := range p.posts[s.Chat] {
		if m.to != "" && m.to != s.UserID {
			continue
		}
		sh := adaptertest.Shown{Text: m.text}
		for _, c := range m.choices {
			sh.Choices = append(sh.Choices, c.Label)
		}
		shown = append(shown, sh)
	}
	return shown, nil
}

// post adds a message of the bot to chat and returns it, to be edited.
func (p *memPlatform) post(chat adapters.ChatRef, m *memPost) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.posts == nil {
		p.posts = map[adapters.ChatRef][]*memPost{}
	}
	p.posts[chat] = append(p.posts[chat], m)
}

// memAdapter is the adapter of the memory platform.
type memAdapter struct{ p *memPlatform }

func (a *memAdapter) Name() string { return "memory" }

func (a *memAdapter) Run(ctx context.Context, in adapters.Inbox) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case u := <-a.p.updates:
			in.Deliver(ctx, adapters.Message{
				Channel: a.Name(),
				Chat:    u.chat,
				Sender:  adapters.Sender{ID: u.user},
				Text:    u.text,
				Reply:   memReplier{a.p, u.chat, u.user},
			})
		}
	}
}

type memReplier struct {
	p    *memPlatform
	chat adapters.ChatRef
	user string
}

func (r memReplier) Reply(_ context.Context, rep adapters.Reply) error {
	r.p.post(r.chat, r.postOf(rep))
	return nil
}

func (r memReplier) postOf(rep adapters.Reply) *memPost {
	m := &memPost{text: rep.Text, choices: rep.Choices}
	if rep.Private {
		m.to = r.user
	}
	return m
}

// Typing counts the indicators shown: the platform shows no message.
func (r memReplier) Typing(context.Context) error {
	r.p.mu.Lock()
	defer r.p.mu.Unlock()
	r.p.typing++
	return nil
}

func (r memReplier) StartStream(_ context.Context, private bool) (adapters.Stream, error) {
	return &memStream{r: r, private: private}, nil
}

// memStream posts at the first update and edits that post in place.
type memStream struct {
	r       memReplier
	private bool
	m       *memPost
}

func (s *memStream) Update(_ context.Context, text string) error {
	s.r.p.mu.Lock()
	if s.m != nil {
		s.m.text = text
		s.r.p.mu.Unlock()
		return nil
	}
	s.r.p.mu.Unlock()
	s.m = s.r.postOf(adapters.Reply{Text: text, Private: s.private})
	s.r.p.post(s.r.chat, s.m)
	return nil
}

func (s *memStream) Finish(ctx context.Context, rep adapters.Reply) error {
	if err := s.Update(ctx, rep.Text); err != nil {
		return err
	}
	s.r.p.mu.Lock()
	s.m.choices = rep.Choices
	s.r.p.mu.Unlock()
	return nil
}

var (
	_ adapters.Adapter  = (*memAdapter)(nil)
	_ adapters.Streamer = memReplier{}
	_ adapters.Typer    = memReplier{}
)
