package telegram

import (
	"context"
	"sync"
	"time"
)

// Telegram's published limits on sending: about 30 messages a second
// across chats, and 20 a minute into one group.
const (
	groupBurst = 20
	groupRate  = 20.0 / 60 // per second
	// maxGroupBuckets bounds the per-group state; full (idle) buckets are
	// dropped when it is reached.
	maxGroupBuckets = 4096
)

// limiter spaces sends within Telegram's limits by reservation: a send
// that would exceed a limit waits for its turn (ctx-aware), and private
// chats are only held to the overall rate, so a peer's replies are never
// spaced a second apart. A nil *limiter (rate 0) never waits. It is safe
// for concurrent use.
type limiter struct {
	mu     sync.Mutex
	rate   float64 // sends per second across chats
	global bucket
	groups map[int64]*bucket
	now    func() time.Time
}

// bucket is a token bucket: tokens may go negative, the debt of sends
// already promised a later turn.
type bucket struct {
	tokens float64
	last   time.Time
}

// newLimiter returns the limiter of perSecond sends per second overall
// (and 20 a minute per group), or nil when perSecond is 0 (off).
func newLimiter(perSecond int) *limiter {
	if perSecond <= 0 {
		return nil
	}
	return &limiter{rate: float64(perSecond), global: bucket{tokens: float64(perSecond)}, groups: map[int64]*bucket{}, now: time.Now}
}

// refill adds the tokens earned since b.last, up to burst.
func (b *bucket) refill(now time.Time, rate, burst float64) {
	if !b.last.IsZero() {
		b.tokens = min(burst, b.tokens+now.Sub(b.last).Seconds()*rate)
	}
	b.last = now
}

// reserve takes a turn for a send to chat (groups have negative ids) and
// returns how long to wait for it; with wait false it takes the turn only
// when it is free now, and reports whether it did.
func (l *limiter) reserve(chat int64, wait bool) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.global.refill(now, l.rate, l.rate)
	var g *bucket
	if chat < 0 {
		if g = l.groups[chat]; g == nil {
			if len(l.groups) >= maxGroupBuckets {
				for id, b := range l.groups {
					if b.refill(now, groupRate, groupBurst); b.tokens >= groupBurst {
						delete(l.groups, id)
					}
				}
			}
			g = &bucket{tokens: groupBurst}
			l.groups[chat] = g
		}
		g.refill(now, groupRate, groupBurst)
	}
	if !wait && (l.global.tokens < 1 || (g != nil && g.tokens < 1)) {
		return 0, false
	}
	l.global.tokens--
	d := debt(l.global.tokens, l.rate)
	if g != nil {
		g.tokens--
		d = max(d, debt(g.tokens, groupRate))
	}
	return d, true
}

// debt is how long a bucket at tokens takes to get back to zero.
func debt(tokens, rate float64) time.Duration {
	if tokens >= 0 {
		return 0
	}
	return time.Duration(-tokens / rate * float64(time.Second))
}

// wait waits for a turn to send to chat.
func (l *limiter) wait(ctx context.Context, chat int64) error {
	if l == nil {
		return nil
	}
	d, _ := l.reserve(chat, true)
	if d > 0 && !sleep(ctx, d) {
		return ctx.Err()
	}
	return nil
}

// try takes a turn to send to chat only when one is free now.
func (l *limiter) try(chat int64) bool {
	if l == nil {
		return true
	}
	_, ok := l.reserve(chat, false)
	return ok
}
