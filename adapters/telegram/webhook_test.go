package telegram

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/go-telegram/bot/models"

	"github.com/botgateway/bot/adapters/adaptertest"
	"github.com/botgateway/bot/internal/fakes"
	"github.com/botgateway/bot/internal/secret"
)

// Webhook mode: setWebhook with the secret, posts without it refused, a
// post answered once its message is done, the same update posted again
// not delivered twice.
func TestWebhook(t *testing.T) {
	f := fakes.NewTelegram(t)
	cfg := config(t, f)
	cfg.Webhook = Webhook{URL: "http://127.0.0.1:8443/telegram", Secret: secret.New("s3cret_token-1"), Listen: "127.0.0.1:0"}
	a := mustNew(t, cfg)
	in := adaptertest.NewInbox()
	adaptertest.Running(t, a, in)
	f.WaitUntil(t, "the webhook set", func() bool { return f.Webhook().URL != "" })
	if wh := f.Webhook(); wh.SecretToken != "s3cret_token-1" || wh.URL != cfg.Webhook.URL {
		t.Fatalf("webhook %+v", wh)
	}
	addr := "http://" + a.webhookAddr.Load().(string) + "/telegram"
	u := models.Update{ID: 900, Message: &models.Message{ID: 1, From: &models.User{ID: 501, FirstName: "Ada"},
		Chat: models.Chat{ID: 501, Type: models.ChatTypePrivate}, Text: "hello"}}
	body, _ := json.Marshal(u)
	post := func(token string) int {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, addr, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", token)
		}
		resp, err := cfg.HTTPClient.Do(req)
		if err != nil {
			t.Errorf("post: %v", err)
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post("wrong"); code != http.StatusForbidden {
		t.Errorf("a post with the wrong secret: %d, want 403", code)
	}
	answered := make(chan int, 1)
	go func() { answered <- post("s3cret_token-1") }()
	m := in.Next(t)
	if m.Text != "hello" || m.Chat != "501" {
		t.Fatalf("delivered %q in %q", m.Text, m.Chat)
	}
	select {
	case code := <-answered:
		t.Fatalf("the post was answered %d before its message was done", code)
	default:
	}
	m.Done()
	if code := <-answered; code != http.StatusOK {
		t.Errorf("the post: %d, want 200", code)
	}
	if code := post("s3cret_token-1"); code != http.StatusOK {
		t.Errorf("the repeated post: %d, want 200", code)
	}
	if m, ok := in.Poll(); ok {
		t.Errorf("the repeated update was delivered again: %q", m.Text)
	}
}
