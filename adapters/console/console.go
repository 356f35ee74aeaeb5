// Package console is the stdin/stdout chat channel of "bot chat": each
// input line is a message from the owner, each reply is written to the
// output.
package console

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/botgateway/bot/adapters"
)

// Name is the console's channel name.
const Name = "console"

// maxLine bounds one input line; longer lines are cut and the rest of the
// line is dropped (the gateway rejects over-long commands anyway).
const maxLine = 64 << 10

// Config configures the console adapter.
type Config struct {
	In  io.Reader
	Out io.Writer
	// Session is the chat name: the session key is console:<Session>.
	// Empty means "local".
	Session string
	// Messages, when not nil, are delivered instead of reading In (bot
	// chat --message).
	Messages []string
}

// Adapter reads messages from In and writes replies to Out. Messages are
// handled one at a time, so replies come out in input order.
type Adapter struct {
	cfg Config
	mu  sync.Mutex // serializes writes to Out
}

// New returns a console adapter.
func New(cfg Config) *Adapter {
	if cfg.Session == "" {
		cfg.Session = "local"
	}
	return &Adapter{cfg: cfg}
}

// Name returns "console".
func (a *Adapter) Name() string { return Name }

// Run delivers each line (or each of Config.Messages) and waits for it to
// be handled before reading the next. It returns nil at the end of input or
// when ctx ends.
func (a *Adapter) Run(ctx context.Context, in adapters.Inbox) error {
	if a.cfg.Messages != nil {
		for _, m := range a.cfg.Messages {
			if !a.deliver(ctx, in, m) {
				return nil
			}
		}
		return nil
	}
	lines := make(chan string)
	errc := make(chan error, 1)
	go func() {
		defer close(lines)
		r := bufio.NewReaderSize(a.cfg.In, 4096)
		for {
			line, err := readLine(r)
			if line != "" || err == nil {
				select {
				case lines <- line:
				case <-ctx.Done():
					return
				}
			}
			if err != nil {
				if err != io.EOF {
					errc <- err
				}
				return
			}
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case line, ok := <-lines:
			if !ok {
				select {
				case err := <-errc:
					return fmt.Errorf("console: read input: %w", err)
				default:
					return nil
				}
			}
			if strings.TrimSpace(line) == "" {
				continue
			}
			if !a.deliver(ctx, in, line) {
				return nil
			}
		}
	}
}

// deliver hands one message to the inbox and waits until it is handled.
// It reports false when ctx ended first.
func (a *Adapter) deliver(ctx context.Context, in adapters.Inbox, text string) bool {
	done := make(chan struct{})
	in.Deliver(ctx, adapters.Message{
		Channel: Name,
		Chat:    adapters.ChatRef(a.cfg.Session),
		Sender:  adapters.Sender{ID: "owner", Name: "console", IsOwner: true},
		Text:    text,
		Reply:   replier{a},
		Done:    sync.OnceFunc(func() { close(done) }),
	})
	select {
	case <-done:
		return true
	case <-ctx.Done():
		return false
	}
}

// readLine reads one line without its line ending, at most maxLine bytes.
func readLine(r *bufio.Reader) (string, error) {
	var b strings.Builder
	for {
		chunk, isPrefix, err := r.ReadLine()
		if b.Len() < maxLine {
			b.Write(chunk[:min(len(chunk), maxLine-b.Len())])
		}
		if err != nil {
			return b.String(), err
		}
		if !isPrefix {
			return b.String(), nil
		}
	}
}

// replier writes replies to the console's output.
type replier struct{ a *Adapter }

// Reply writes r's text and a newline.
func (r replier) Reply(_ context.Context, rep adapters.Reply) error {
	r.a.mu.Lock()
	defer r.a.mu.Unlock()
	text := strings.TrimRight(rep.Text, "\n")
	if _, err := fmt.Fprintln(r.a.cfg.Out, text); err != nil {
		return fmt.Errorf("console: write reply: %w", err)
	}
	return nil
}

var (
	_ adapters.Adapter = (*Adapter)(nil)
	_ adapters.Replier = replier{}
)
