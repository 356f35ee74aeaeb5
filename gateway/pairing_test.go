package gateway_test

import (
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/gateway"
	"github.com/botgateway/bot/gateway/gatewaytest"
)

// TestStrangerPairing: a stranger's DM (plain text or /start) gets the
// pairing reply once an hour at most, never a model call; in a group a
// stranger's plain text gets nothing and a command the refusal; with
// dmPolicy "allowlist" a stranger's DM gets nothing at all.
func TestStrangerPairing(t *testing.T) {
	stranger := adapters.Sender{ID: "555"}
	dm := func(text string) adapters.Message {
		return adapters.Message{Channel: "telegram", Chat: "555", Direct: true, Sender: stranger, Text: text}
	}
	group := func(text string) adapters.Message {
		return adapters.Message{Channel: "telegram", Chat: "-100", Sender: stranger, Text: text}
	}
	code := regexp.MustCompile(`code: ([A-Z2-9]{6})\.`)

	t.Run("pairing", func(t *testing.T) {
		h := gatewaytest.New(t, gatewaytest.Options{AllowFrom: map[string][]string{"telegram": {"42"}}})
		got := gatewaytest.Texts(h.Deliver(t, dm("hello?")))
		if len(got) != 1 {
			t.Fatalf("first DM: replies %q, want the pairing reply", got)
		}
		m := code.FindStringSubmatch(got[0])
		if m == nil || got[0] != gateway.PairingLine("telegram", m[1]) {
			t.Fatalf("first DM: %q, want the pairing reply with a code", got[0])
		}
		for _, text := range []string{"hello again", "/start"} {
			if got := h.Deliver(t, dm(text)); len(got) != 0 {
				t.Errorf("%q within the hour: replies %q, want none", text, gatewaytest.Texts(got))
			}
		}
		if got := gatewaytest.Texts(h.Deliver(t, dm("/model status"))); !cmp.Equal(got, []string{"You are not authorized to use this command."}) {
			t.Errorf("a stranger's /model status in a DM: %q", got)
		}
		ps, err := h.Stack.Sessions.Pairings(t.Context())
		if err != nil || len(ps) != 1 || ps[0].UserID != "555" || ps[0].Code != m[1] {
			t.Errorf("pending pairings = %+v, %v; want 555's", ps, err)
		}
		if got := h.Deliver(t, group("hello group")); len(got) != 0 {
			t.Errorf("a stranger's plain text in a group: replies %q, want none", gatewaytest.Texts(got))
		}
		if got := gatewaytest.Texts(h.Deliver(t, group("/model opus"))); !cmp.Equal(got, []string{"You are not authorized to use this command."}) {
			t.Errorf("a stranger's command in a group: %q", got)
		}
	})
	t.Run("allowlist", func(t *testing.T) {
		h := gatewaytest.New(t, gatewaytest.Options{
			Files:     map[string]string{".bot/bot.json": `{"channels": {"telegram": {"dmPolicy": "allowlist"}}}`},
			AllowFrom: map[string][]string{"telegram": {"42"}},
		})
		for _, text := range []string{"hello?", "/start", "/model status"} {
			if got := h.Deliver(t, dm(text)); len(got) != 0 {
				t.Errorf("%q from a stranger under allowlist: replies %q, want none", text, gatewaytest.Texts(got))
			}
		}
		if ps, _ := h.Stack.Sessions.Pairings(t.Context()); len(ps) != 0 {
			t.Errorf("pairings under allowlist: %+v", ps)
		}
	})
}
