package fakes

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// TelegramLimits are flood limits the fake enforces once switched on
// (EnforceLimits): a message (sendMessage, editMessageText,
// editMessageReplyMarkup) over a limit is answered 429 "Too Many
// Requests: retry after N" with parameters.retry_after N, the seconds
// until the window lets it through. Telegram does not publish exact
// figures; its FAQ says to stay under about one message a second per
// chat (short bursts pass), 20 a minute per group and about 30 a second
// overall. A zero count switches its limit off.
type TelegramLimits struct {
	PerChat        int
	PerChatWindow  time.Duration
	PerGroup       int
	PerGroupWindow time.Duration
	Global         int
	GlobalWindow   time.Duration
}

// DefaultTelegramLimits returns the FAQ's figures: 3 messages in any 3 s
// per chat (one a second with a short burst), 20 a minute per group or
// supergroup, 30 a second overall.
func DefaultTelegramLimits() TelegramLimits {
	return TelegramLimits{
		PerChat: 3, PerChatWindow: 3 * time.Second,
		PerGroup: 20, PerGroupWindow: time.Minute,
		Global: 30, GlobalWindow: time.Second,
	}
}

// tgLimiter keeps the times of recent messages.
type tgLimiter struct {
	limits TelegramLimits
	global []time.Time
	chats  map[int64][]time.Time
}

// EnforceLimits switches flood limits on (nil switches them off). Time is
// the fake's clock (SetClock), so a test moves a Clock instead of
// sleeping through a retry_after.
func (f *Telegram) EnforceLimits(l *TelegramLimits) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if l == nil {
		f.limiter = nil
		return
	}
	f.limiter = &tgLimiter{limits: *l, chats: map[int64][]time.Time{}}
}

// limited answers 429 when method may not send to the chat now; with
// record (after the method succeeded) it counts the message instead.
// f.mu is held.
func (f *Telegram) limited(method string, p map[string]string, record bool) *tgError {
	switch strings.ToLower(method) {
	case "sendmessage", "editmessagetext", "editmessagereplymarkup":
	default:
		return nil
	}
	lim := f.limiter
	if lim == nil {
		return nil
	}
	id, err := strconv.ParseInt(strings.TrimSpace(p["chat_id"]), 10, 64)
	if err != nil || f.chats[id] == nil {
		return nil // the method answers "chat not found"
	}
	now := f.now()
	prune := func(ts []time.Time, window time.Duration) []time.Time {
		i := 0
		for i < len(ts) && !ts[i].After(now.Add(-window)) {
			i++
		}
		return ts[i:]
	}
	wait := time.Duration(0)
	check := func(ts []time.Time, n int, window time.Duration) {
		if n > 0 && len(ts) >= n {
			wait = max(wait, ts[len(ts)-n].Add(window).Sub(now))
		}
	}
	l := lim.limits
	lim.global = prune(lim.global, l.GlobalWindow)
	check(lim.global, l.Global, l.GlobalWindow)
	chat := f.chats[id].chat
	window := l.PerChatWindow
	if chat.Type != "private" && l.PerGroup > 0 {
		window = max(window, l.PerGroupWindow)
	}
	ts := prune(lim.chats[id], window)
	check(prune(ts, l.PerChatWindow), l.PerChat, l.PerChatWindow)
	if chat.Type != "private" {
		check(prune(ts, l.PerGroupWindow), l.PerGroup, l.PerGroupWindow)
	}
	lim.chats[id] = ts
	if !record && wait > 0 {
		secs := int((wait + time.Second - 1) / time.Second)
		return &tgError{status: 429, desc: "Too Many Requests: retry after " + strconv.Itoa(secs), retryAfter: secs}
	}
	if record {
		lim.global = append(lim.global, now)
		lim.chats[id] = append(ts, now)
	}
	return nil
}

// TelegramDelivery is one attempt to deliver an update to the webhook.
type TelegramDelivery struct {
	UpdateID int64
	URL      string
	// Secret is the X-Telegram-Bot-Api-Secret-Token header sent.
	Secret string
	// Status is the webhook's HTTP status (0 when the request failed).
	Status int
	Err    string
}

// WebhookDeliveries returns the webhook delivery attempts, in order.
func (f *Telegram) WebhookDeliveries() []TelegramDelivery {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.deliveries)
}

// deliver runs while the fake lives: with a webhook set, it POSTs the
// queued updates to it one by one, as JSON with the secret token header,
// and confirms each one the webhook answers 2xx. A failed delivery is
// retried at the next change of the fake or after a second.
func (f *Telegram) deliver(ctx context.Context) {
	client := &http.Client{Timeout: 30 * time.Second}
	for {
		f.mu.Lock()
		ch := f.changed
		wh := f.webhook
		var u tgUpdate
		ok := wh.URL != "" && len(f.queue) > 0
		if ok {
			u = f.queue[0]
		}
		f.mu.Unlock()
		if !ok {
			select {
			case <-ch:
				continue
			case <-ctx.Done():
				return
			}
		}
		d := TelegramDelivery{UpdateID: u.id, URL: wh.URL, Secret: wh.SecretToken}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, wh.URL, bytes.NewReader(u.body))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
			if wh.SecretToken != "" {
				req.Header.Set("X-Telegram-Bot-Api-Secret-Token", wh.SecretToken)
			}
			var resp *http.Response
			if resp, err = client.Do(req); err == nil {
				resp.Body.Close()
				d.Status = resp.StatusCode
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			d.Err = err.Error()
		}
		f.mu.Lock()
		f.deliveries = append(f.deliveries, d)
		delivered := d.Status >= 200 && d.Status < 300
		if delivered && f.webhook.URL == wh.URL {
			f.confirm(u.id + 1)
		}
		f.notify()
		ch = f.changed
		f.mu.Unlock()
		if !delivered {
			t := time.NewTimer(time.Second)
			select {
			case <-ch:
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return
			}
			t.Stop()
		}
	}
}
