package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/internal/logkeys"
	"github.com/botgateway/bot/internal/usermsg"
)

// ErrCut is in the chain of the error Stream returns when the reply was cut
// off after text had reached the caller (errors.Is(err, ErrCut)).
var ErrCut = errors.New("models: reply cut off after text was sent")

// Stream calls the target's provider like Complete and hands the answer to
// emit piece by piece as it arrives. emit is called from the calling
// goroutine, with non-empty text; Stream does not return while emit runs.
//
// The rules are Complete's (DESIGN §6) as long as no text has reached emit:
// the resolver's order, a user pin alone and never rotated, an expired
// OAuth credential refreshed before use and once more on a 401 that says
// it expired, failed profiles set aside, failover to the next candidate.
// Once text has reached emit the reply belongs to that candidate: a failure
// ends it, with no refresh and no failover, and is recorded as any other
// (a cancelled ctx is nobody's failure and is not recorded).
//
// On success Result.Response.Text is the whole text. A reply cut off after
// text returns both a Result, whose Response.Text is the text that reached
// emit, and a *usermsg.Error whose one-line message says the reply was cut off
// and why; errors.Is(err, ErrCut) holds. Any other failure returns a nil
// Result and the same errors as Complete. Stream's Response holds only the
// text: the providers' streams report no model or token counts.
//
// Cancelling ctx stops the provider call at once.
func (r *Router) Stream(ctx context.Context, t Target, req Request, emit func(text string)) (*Result, error) {
	if emit == nil {
		emit = func(string) {}
	}
	return r.route(ctx, t, req, &streamer{emit: emit})
}

// streamer is what route and try need of a Stream call: how to call a
// provider, and whether text has reached the caller. A nil *streamer is a
// Complete call.
type streamer struct {
	emit func(string)
	text strings.Builder
	sent bool // text reached emit
}

// call sends req with cred: p.Complete for a nil s, else p.Stream, handing
// each piece to emit as it arrives.
func (s *streamer) call(ctx context.Context, p Provider, req Request, cred *auth.Credential) (*Response, error) {
	if s == nil {
		return p.Complete(ctx, req, cred)
	}
	for ch, err := range p.Stream(ctx, req, cred) {
		if err != nil {
			return nil, err
		}
		if ch.Text == "" {
			continue
		}
		s.sent = true
		s.text.WriteString(ch.Text)
		s.emit(ch.Text)
	}
	return &Response{Text: s.text.String()}, nil
}

// started reports whether text has reached the caller: from then on a
// failure ends the reply, without refresh or failover.
func (s *streamer) started() bool { return s != nil && s.sent }

// cut ends a reply that failed (f) after text had reached the caller: the
// text that arrived, and one line that says the reply was cut off and why.
// try has already recorded the failure.
func (r *Router) cut(s *streamer, res *Result, f failure, now time.Time) (*Result, error) {
	res.Response, res.Profile, res.EnvSource = &Response{Text: s.text.String()}, f.c.ProfileID, f.c.EnvSource
	ce, ok := errors.AsType[*CallError](f.err)
	if !ok {
		ce = TransportError(f.err)
	}
	var why string
	switch {
	case errors.Is(ce, context.Canceled):
		why = "the call was cancelled."
	case ce.Kind == KindTimeout:
		why = "the provider did not finish in time."
	case unreachable(ce):
		// A stream that broke off or ended without its end event.
		why = "the connection to the provider broke off."
	default:
		why = kindText(ce)
	}
	r.log.Warn("reply cut off after text was sent", logkeys.Profile, f.c.Label(), logkeys.Err, f.err)
	return res, usermsg.Wrap(fmt.Errorf("%w: %w", ErrCut, f.err),
		fmt.Sprintf("The reply from %s was cut off: %s%s", f.c.Label(), why, r.asideText(f.c, ce, now)))
}
