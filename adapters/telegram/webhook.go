package telegram

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/botgateway/bot/adapters"
)

// DefaultWebhookListen is where the webhook server listens when
// Config.Webhook.Listen is empty.
const DefaultWebhookListen = "127.0.0.1:8443"

// runWebhook serves Telegram's update posts on Webhook.Listen until ctx
// ends: setWebhook with the secret token first, then each post is
// answered once its message has been handled, so Telegram posts again
// what a crash interrupted (and the tracker skips what was handled).
func (a *Adapter) runWebhook(ctx context.Context, in adapters.Inbox) error {
	listen := a.cfg.Webhook.Listen
	if listen == "" {
		listen = DefaultWebhookListen
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return a.wrap("webhook listen", err)
	}
	a.webhookAddr.Store(ln.Addr().String())
	srv := &http.Server{Handler: a.webhookHandler(ctx, in), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	err = a.retry(ctx, "setWebhook", func() error {
		_, err := a.bot.SetWebhook(ctx, &tg.SetWebhookParams{
			URL:            a.cfg.Webhook.URL,
			SecretToken:    reveal(a.cfg.Webhook.Secret),
			AllowedUpdates: allowedUpdates,
		})
		return err
	})
	stopped := false // Serve has returned
	if err == nil {
		a.log.Info("telegram webhook set", "listen", ln.Addr().String())
		select {
		case <-ctx.Done():
		case err = <-served:
			stopped = true
		}
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	if !stopped {
		<-served // Run returns after its goroutine
	}
	if err == nil || errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return a.fatal(ctx, "webhook", err)
}

// webhookHandler checks the secret token in constant time, takes in one
// update and answers once its message is handled (or at once for an
// update that is not delivered).
func (a *Adapter) webhookHandler(ctx context.Context, in adapters.Inbox) http.Handler {
	want := []byte(reveal(a.cfg.Webhook.Secret))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		got := []byte(r.Header.Get("X-Telegram-Bot-Api-Secret-Token"))
		if subtle.ConstantTimeCompare(got, want) != 1 {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		var u models.Update
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&u); err != nil {
			http.Error(w, "bad update", http.StatusBadRequest)
			return
		}
		if !a.tracker.admitAny(u.ID) {
			return // handled already, or in flight
		}
		wi := &webhookInbox{in: in, done: make(chan struct{})}
		a.handle(ctx, wi, &u)
		if !wi.delivered {
			return
		}
		select {
		case <-wi.done:
		case <-ctx.Done():
			w.WriteHeader(http.StatusServiceUnavailable) // Telegram posts it again
		case <-r.Context().Done():
		}
	})
}

// webhookInbox delivers to in, closing done when the message is handled,
// and at once when nothing was delivered.
type webhookInbox struct {
	in        adapters.Inbox
	done      chan struct{}
	delivered bool
}

func (w *webhookInbox) Deliver(ctx context.Context, m adapters.Message) {
	w.delivered = true
	inner := m.Done
	m.Done = sync.OnceFunc(func() {
		inner()
		close(w.done)
	})
	w.in.Deliver(ctx, m)
}
