package gateway_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/gateway/gatewaytest"
)

// TestPickerChoiceNoLongerValid: a choice runs its command as typed, so a
// choice whose profile was removed after the list was shown gets the
// command's own answer, and a number past a list that shrank says to look
// again.
func TestPickerChoiceNoLongerValid(t *testing.T) {
	h := gatewaytest.New(t, gatewaytest.Options{Files: map[string]string{
		".bot/agents/main/agent/auth-profiles.json": twoKeys,
	}})
	replies := h.Send(t, "/model list anthropic/claude-opus-4-5")
	if len(replies) != 1 {
		t.Fatalf("replies = %+v, want one", replies)
	}
	want := []adapters.Choice{
		{Label: "auto (the order decides)", Command: "/model anthropic/claude-opus-4-5"},
		{Label: "anthropic:work=sk-a...cdef", Command: "/model anthropic/claude-opus-4-5@anthropic:work"},
		{Label: "anthropic:home=sk-a...cdef", Command: "/model anthropic/claude-opus-4-5@anthropic:home"},
	}
	if diff := cmp.Diff(want, replies[0].Choices); diff != "" {
		t.Fatalf("choices (-want +got):\n%s", diff)
	}
	// The owner removes anthropic:home on the host meanwhile.
	h.Env.Store("main", `{"version":1,"profiles":{
  "anthropic:work":{"type":"api_key","provider":"anthropic","key":"`+keyWork+`"}}}`)
	if got := gatewaytest.Texts(h.Send(t, "/model 3")); !cmp.Equal(got, []string{`Auth profile "anthropic:home" not found.`}) {
		t.Errorf("/model 3 after the profile was removed = %q", got)
	}
	// The list shown again is shorter; the old number is past its end.
	h.Send(t, "/model list anthropic/claude-opus-4-5")
	got := gatewaytest.Texts(h.Send(t, "/model 3"))
	if len(got) != 1 || !strings.HasPrefix(got[0], "The last list has entries 1 to 2, not 3;") {
		t.Errorf("/model 3 past the new list = %q", got)
	}
	if got := gatewaytest.Texts(h.Send(t, "/model 2")); !cmp.Equal(got, []string{"Model set to opus (anthropic/claude-opus-4-5).\nAuth profile set to anthropic:work."}) {
		t.Errorf("/model 2 = %q", got)
	}
}
