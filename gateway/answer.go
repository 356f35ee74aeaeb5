package gateway

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/internal/logkeys"
)

// Answer is where a chat turn sends its reply. Update shows the reply as
// it grows (the whole text so far, each call extending the last) where
// the adapter can stream, and Done sends the final text, once. A turn
// calls Done before it stores anything, so the user never waits for the
// store. Both are called from the turn's goroutine.
type Answer interface {
	Update(text string)
	Done(text string)
}

// answer is the gateway's Answer for one message: it shows "typing…" from
// the start of the turn until the first text (adapters.Typer), streams
// through adapters.Streamer when the Replier has it, and otherwise sends
// the final text as one reply.
type answer struct {
	ctx    context.Context
	reply  adapters.Replier
	log    *slog.Logger
	typing func() // stops "typing…"; idempotent

	stream   adapters.Stream
	shown    string // the text of the last update, streamed or not
	noStream bool   // the Replier cannot stream, or starting a stream failed
	done     bool
}

// newAnswer returns the answer to m's turn and starts "typing…" where the
// adapter can show it, renewed every adapters.TypingInterval until the
// first text or ctx ends.
func newAnswer(ctx context.Context, m adapters.Message, log *slog.Logger) *answer {
	a := &answer{ctx: ctx, reply: m.Reply, log: log, typing: func() {}}
	if _, ok := m.Reply.(adapters.Streamer); !ok {
		a.noStream = true
	}
	if t, ok := m.Reply.(adapters.Typer); ok {
		a.typing = startTyping(ctx, t, log)
	}
	return a
}

// TypingDelay is how long a model call runs before "typing…" is shown:
// a first text sooner than that (a fast model, a command-like answer)
// arrives without it, and without waiting for its request; a model that
// thinks longer shows it about as soon as a person would notice.
const TypingDelay = 200 * time.Millisecond

// startTyping calls t.Typing after TypingDelay and every adapters.TypingInterval until
// the returned stop is called or ctx ends. stop lets a Typing call under
// way finish before it returns, so "typing…" never reaches the platform
// after the reply that follows it. A failed call is logged at Debug and
// does not stop the renewals: "typing…" is a courtesy.
func startTyping(ctx context.Context, t adapters.Typer, log *slog.Logger) (stop func()) {
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1) // the indicator's loop, or the timer stopped before it ran
	// Nothing runs until TypingDelay has passed: a reply that starts
	// sooner (the common case) needs no indicator, and stopping a timer
	// that has not fired costs no goroutine and no wake-up on the way to
	// the first text.
	first := time.AfterFunc(TypingDelay, func() {
		defer wg.Done()
		tick := time.NewTicker(adapters.TypingInterval)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				return
			case <-ctx.Done():
				return
			default:
			}
			// Bounded, so that a platform that hangs holds the reply up by
			// one interval at most.
			cctx, cancel := context.WithTimeout(ctx, adapters.TypingInterval)
			if err := t.Typing(cctx); err != nil && ctx.Err() == nil {
				log.Debug("typing indicator failed", logkeys.Err, err)
			}
			cancel()
			select {
			case <-quit:
				return
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	})
	return sync.OnceFunc(func() {
		close(quit)
		if first.Stop() {
			wg.Done() // it never ran
		}
		wg.Wait()
	})
}

// Update implements Answer.
func (a *answer) Update(text string) {
	a.typing()
	if a.done || text == "" {
		return
	}
	a.shown = text
	if a.noStream {
		return
	}
	if a.stream == nil {
		s, err := a.reply.(adapters.Streamer).StartStream(a.ctx, false)
		if err != nil {
			a.log.Warn("streaming the reply failed; it is sent whole", logkeys.Err, err)
			a.noStream = true
			return
		}
		a.stream = s
	}
	if err := a.stream.Update(a.ctx, text); err != nil {
		a.log.Warn("streamed reply update failed", logkeys.Err, err)
	}
}

// Done implements Answer.
func (a *answer) Done(text string) {
	a.typing()
	if a.done {
		return
	}
	a.done = true
	if a.stream == nil && !a.noStream && text != "" {
		// A reply that arrived whole still goes through the stream where
		// the adapter has one: that is where a platform renders model
		// text (Telegram: Markdown as HTML), while Reply is for the
		// gateway's and the commands' plain lines.
		if s, err := a.reply.(adapters.Streamer).StartStream(a.ctx, false); err == nil {
			a.stream = s
		} else {
			a.log.Warn("streaming the reply failed; it is sent whole", logkeys.Err, err)
		}
	}
	var err error
	if a.stream != nil {
		err = a.stream.Finish(a.ctx, adapters.Reply{Text: text})
	} else {
		err = a.reply.Reply(a.ctx, adapters.Reply{Text: text})
	}
	if err != nil {
		a.log.Warn("reply failed", logkeys.Err, err)
	}
}

// fail ends the answer of a turn that failed with line, the user's line
// for the failure. When text had arrived (a reply cut off midway), the
// user gets that text with the line below it — the stream finished with
// it, or one reply where the adapter cannot stream — so a stream is never
// left half-drawn; otherwise the line is a reply of its own.
func (a *answer) fail(line string) {
	a.typing()
	if a.shown != "" && !a.done {
		a.Done(a.shown + "\n\n" + line)
		return
	}
	a.done = true
	if err := a.reply.Reply(a.ctx, adapters.Reply{Text: line}); err != nil {
		a.log.Warn("reply failed", logkeys.Err, err)
	}
}
