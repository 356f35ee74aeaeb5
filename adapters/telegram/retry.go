package telegram

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	tg "github.com/go-telegram/bot"

	"github.com/botgateway/bot/internal/logkeys"
)

// apiError is an error answer of the Bot API to a request the adapter
// made itself (getUpdates).
type apiError struct {
	Method      string
	Code        int
	Description string
	RetryAfter  int // seconds, from parameters.retry_after
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%s: %d %s", e.Method, e.Code, e.Description)
}

// Is makes an apiError match the library's sentinels, so one
// classification serves both.
func (e *apiError) Is(target error) bool {
	switch target {
	case errUnauthorized, tg.ErrorUnauthorized:
		return e.Code == http.StatusUnauthorized
	case tg.ErrorConflict:
		return e.Code == http.StatusConflict
	case tg.ErrorBadRequest:
		return e.Code == http.StatusBadRequest
	case tg.ErrorForbidden:
		return e.Code == http.StatusForbidden
	case tg.ErrorNotFound:
		return e.Code == http.StatusNotFound
	}
	return false
}

// errUnauthorized is what a 401 of our own requests matches.
var errUnauthorized = errors.New("unauthorized")

// verdict is what to do after a failed request.
type verdict int

const (
	giveUp  verdict = iota // a permanent failure: the request is wrong
	backoff                // transient: retry after a growing pause
	waitFor                // rate limited: retry after the given pause
)

// classify says whether err is worth retrying, and after how long when
// Telegram said so (429 retry_after).
func classify(err error) (verdict, time.Duration) {
	if ra, ok := errors.AsType[*tg.TooManyRequestsError](err); ok {
		return waitFor, time.Duration(max(ra.RetryAfter, 1)) * time.Second
	}
	if ae, ok := errors.AsType[*apiError](err); ok && ae.Code == http.StatusTooManyRequests {
		return waitFor, time.Duration(max(ae.RetryAfter, 1)) * time.Second
	}
	if _, ok := errors.AsType[*tg.MigrateError](err); ok {
		return giveUp, 0
	}
	for _, permanent := range []error{tg.ErrorUnauthorized, errUnauthorized, tg.ErrorBadRequest, tg.ErrorForbidden, tg.ErrorNotFound} {
		if errors.Is(err, permanent) {
			return giveUp, 0
		}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return giveUp, 0
	}
	// 409 (another poller, a webhook), 5xx, a dropped connection, a body
	// that does not decode.
	return backoff, 0
}

// Backoff bounds.
const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 30 * time.Second
	// startAttempts is how often Run's first calls are tried before Run
	// gives up and leaves the retrying to the gateway.
	startAttempts = 5
)

// nextBackoff doubles d within the bounds.
func nextBackoff(d time.Duration) time.Duration {
	if d < minBackoff {
		return minBackoff
	}
	return min(2*d, maxBackoff)
}

// retry runs f until it succeeds, fails for good, ctx ends, or
// startAttempts transient failures have passed.
func (a *Adapter) retry(ctx context.Context, op string, f func() error) error {
	var pause time.Duration
	for attempt := 1; ; attempt++ {
		err := f()
		if err == nil {
			return nil
		}
		v, wait := classify(err)
		if v == giveUp || attempt >= startAttempts || ctx.Err() != nil {
			return err
		}
		if v == backoff {
			pause = nextBackoff(pause)
			wait = pause
		}
		a.log.Warn("telegram request failed; retrying", "op", op, "in", wait, logkeys.Err, a.redact(err))
		if !sleep(ctx, wait) {
			return ctx.Err()
		}
	}
}

// sleep waits d or until ctx ends, and reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
