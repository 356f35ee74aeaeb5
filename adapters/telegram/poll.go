package telegram

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/internal/logkeys"
)

// tracker is the bookkeeping of update ids that makes delivery
// at-least-once towards the gateway and exactly-once across restarts
// (with the Ledger): Telegram forgets the updates below the offset of a
// getUpdates call, so the offset never passes an update whose message is
// still being handled. It is safe for concurrent use.
type tracker struct {
	mu       sync.Mutex
	floor    int64              // every update below it is confirmed
	maxSeen  int64              // the highest update id taken in (0: none yet)
	inflight map[int64]struct{} // delivered, not yet done
	done     map[int64]struct{} // done, at or above floor (polling)
	anyOrder bool               // webhook: updates come in any order (admitAny)
}

// newTracker starts from a Ledger's next and handled ids.
func newTracker(next int64, handled []int64) *tracker {
	t := &tracker{floor: next, inflight: map[int64]struct{}{}, done: map[int64]struct{}{}}
	if next > 0 {
		t.maxSeen = next - 1
	}
	for _, id := range handled {
		if id >= next {
			t.done[id] = struct{}{}
		}
	}
	return t
}

// admit reports whether update id, fetched by a poll, is new: not taken
// in before (polls repeat the updates still in flight) and not handled
// before a restart. Polled updates come in increasing order.
func (t *tracker) admit(id int64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if id <= t.maxSeen || id < t.floor {
		return false
	}
	t.maxSeen = id
	_, handled := t.done[id]
	return !handled
}

// admitAny is admit for webhook updates, which may come in any order
// (Telegram posts on several connections) and again when a post was not
// answered: an update below the floor may still be new, so only the ids
// handled or in flight are refused.
func (t *tracker) admitAny(id int64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.anyOrder = true
	_, handled := t.done[id]
	_, busy := t.inflight[id]
	if handled || busy {
		return false
	}
	t.maxSeen = max(t.maxSeen, id)
	return true
}

// start records that update id's message was delivered.
func (t *tracker) start(id int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.inflight[id] = struct{}{}
}

// finish records that update id's message was handled and returns the
// first update id not yet done, which becomes the confirmed floor.
func (t *tracker) finish(id int64) (next int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.inflight, id)
	t.done[id] = struct{}{}
	next = t.nextLocked()
	t.floor = next
	if t.anyOrder {
		// Webhook: remember the last maxRecent handled ids, below the
		// floor too (admitAny refuses them).
		if len(t.done) > maxRecent {
			ids := slices.Sorted(maps.Keys(t.done))
			for _, d := range ids[:len(ids)-maxRecent] {
				delete(t.done, d)
			}
		}
		return next
	}
	for d := range t.done {
		if d < next {
			delete(t.done, d)
		}
	}
	return next
}

// maxRecent bounds the handled ids a webhook's tracker remembers.
const maxRecent = 4096

// busy reports whether a delivered message is still being handled.
func (t *tracker) busy() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.inflight) > 0
}

// next returns the offset of the next getUpdates call.
func (t *tracker) next() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.nextLocked()
}

func (t *tracker) nextLocked() int64 {
	if len(t.inflight) > 0 {
		low := int64(-1)
		for id := range t.inflight {
			if low < 0 || id < low {
				low = id
			}
		}
		return low
	}
	if t.maxSeen == 0 {
		return t.floor
	}
	return max(t.floor, t.maxSeen+1)
}

// loadTracker reads the Ledger, when there is one.
func (a *Adapter) loadTracker(ctx context.Context) (*tracker, error) {
	if a.cfg.Ledger == nil {
		return newTracker(0, nil), nil
	}
	next, handled, err := a.cfg.Ledger.Ledger(ctx, Name)
	if err != nil {
		return nil, err
	}
	if len(handled) > 0 {
		a.log.Info("telegram resumes after updates handled before a restart", "next", next, "handled", len(handled))
	}
	return newTracker(next, handled), nil
}

// doneFunc returns the Message.Done of update id: it confirms the update
// in the Ledger and wakes the poller, once.
func (a *Adapter) doneFunc(id int64) func() {
	a.tracker.start(id)
	return sync.OnceFunc(func() {
		next := a.tracker.finish(id)
		if a.cfg.Ledger != nil {
			ctx, cancel := context.WithTimeout(context.Background(), ledgerTimeout)
			err := a.cfg.Ledger.MarkHandled(ctx, Name, id, next)
			cancel()
			if err != nil {
				a.log.Error("telegram update handled but not recorded; it may be answered again after a restart", "update", id, logkeys.Err, err)
			}
		}
		select {
		case a.wake <- struct{}{}:
		default:
		}
	})
}

// ledgerTimeout bounds one Ledger write.
const ledgerTimeout = 5 * time.Second

// busyPoll is how long the poller waits, while messages are in flight and
// Telegram has nothing new, before asking again (unless one finishes
// first): getUpdates answers at once while an unconfirmed update remains.
const busyPoll = 500 * time.Millisecond

// pollLimit is getUpdates' limit: the most updates one call returns, and
// so the most messages in flight before intake waits for one to finish.
const pollLimit = 100

// allowedUpdates are the update kinds the adapter asks for.
var allowedUpdates = []string{models.AllowedUpdateMessage, models.AllowedUpdateCallbackQuery}

// poll long-polls getUpdates until ctx ends.
func (a *Adapter) poll(ctx context.Context, in adapters.Inbox) error {
	var pause time.Duration
	conflict := false
	for ctx.Err() == nil {
		ups, err := a.getUpdates(ctx, a.tracker.next())
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, errUnauthorized) {
				return a.rejected("getUpdates")
			}
			v, wait := classify(err)
			if v != waitFor {
				pause = nextBackoff(pause)
				wait = pause
			}
			if errors.Is(err, tg.ErrorConflict) {
				a.conflictAt.Store(time.Now().UnixNano())
			}
			switch {
			case errors.Is(err, tg.ErrorConflict) && !conflict:
				conflict = true
				a.log.Error("telegram getUpdates conflict (409): another process polls this bot, or a webhook is set; stop the other bot process (or run bot doctor); retrying",
					logkeys.Err, err)
			case errors.Is(err, tg.ErrorConflict):
			default:
				a.log.Warn("telegram getUpdates failed; retrying", "in", wait, logkeys.Err, err)
			}
			if !sleep(ctx, wait) {
				return nil
			}
			continue
		}
		if conflict {
			conflict = false
			a.log.Info("telegram polling resumed after a conflict")
		}
		pause = 0
		fresh := 0
		for _, u := range ups {
			if !a.tracker.admit(u.ID) {
				continue
			}
			fresh++
			a.handle(ctx, in, u)
		}
		if len(ups) > 0 && a.tracker.busy() {
			// Asked again now, Telegram would answer at once with the
			// updates still in flight (the offset is the oldest of them):
			// wait for one to finish (or a while) first. This also saves
			// the round trip right after a fresh batch is delivered.
			t := time.NewTimer(busyPoll)
			select {
			case <-ctx.Done():
			case <-a.wake:
			case <-t.C:
			}
			t.Stop()
		}
	}
	return nil
}

// getUpdates calls getUpdates itself: the library's poller confirms
// updates as soon as it fetches them, and its getUpdates is unexported.
// The request is the library's wire format (multipart form); the answer
// decodes into the library's models.Update.
func (a *Adapter) getUpdates(ctx context.Context, offset int64) ([]*models.Update, error) {
	allowed, _ := json.Marshal(allowedUpdates)
	return a.requestUpdates(ctx, [][2]string{
		{"offset", strconv.FormatInt(offset, 10)},
		{"limit", strconv.Itoa(pollLimit)},
		{"timeout", strconv.Itoa(int(a.cfg.PollTimeout / time.Second))},
		{"allowed_updates", string(allowed)},
	})
}

// requestUpdates sends one getUpdates with fields. Telegram keeps the
// allowed_updates of a call as the bot's setting, so only the poller's
// own calls name them (doctor's probe must change nothing).
func (a *Adapter) requestUpdates(ctx context.Context, fields [][2]string) ([]*models.Update, error) {
	var body bytes.Buffer
	form := multipart.NewWriter(&body)
	for _, f := range fields {
		if err := form.WriteField(f[0], f[1]); err != nil {
			return nil, err
		}
	}
	if err := form.Close(); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.api+"/bot"+a.token+"/getUpdates", &body)
	if err != nil {
		return nil, a.redact(fmt.Errorf("getUpdates: %w", err))
	}
	req.Header.Set("Content-Type", form.FormDataContentType())
	resp, err := a.client.Do(req)
	if err != nil {
		if ue, ok := errors.AsType[*url.Error](err); ok {
			ue.URL = strings.ReplaceAll(ue.URL, a.token, "***")
		}
		return nil, a.redact(fmt.Errorf("getUpdates: %w", err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxUpdatesBody))
	if err != nil {
		return nil, fmt.Errorf("getUpdates: read: %w", err)
	}
	var r struct {
		OK          bool            `json:"ok"`
		Result      json.RawMessage `json:"result"`
		ErrorCode   int             `json:"error_code"`
		Description string          `json:"description"`
		Parameters  struct {
			RetryAfter int `json:"retry_after"`
		} `json:"parameters"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("getUpdates: HTTP %d, undecodable answer: %w", resp.StatusCode, err)
	}
	if !r.OK {
		code := r.ErrorCode
		if code == 0 {
			code = resp.StatusCode
		}
		return nil, &apiError{Method: "getUpdates", Code: code, Description: r.Description, RetryAfter: r.Parameters.RetryAfter}
	}
	var ups []*models.Update
	if err := json.Unmarshal(r.Result, &ups); err != nil {
		return nil, fmt.Errorf("getUpdates: decode result: %w", err)
	}
	ups = slices.DeleteFunc(ups, func(u *models.Update) bool { return u == nil })
	slices.SortStableFunc(ups, func(x, y *models.Update) int { return cmp.Compare(x.ID, y.ID) })
	return ups, nil
}

// maxUpdatesBody bounds one getUpdates answer (100 updates of at most a
// few kB each).
const maxUpdatesBody = 32 << 20
