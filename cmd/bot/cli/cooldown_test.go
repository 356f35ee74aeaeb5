package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/botgateway/bot/internal/testenv"
	"github.com/botgateway/bot/sessions"
)

// TestCooldownListClear lists what a router recorded in sessions.db and
// clears it, one profile and then all, while another Store (a running
// gateway's) holds the file open and sees the clear.
func TestCooldownListClear(t *testing.T) {
	e := testenv.New(t)
	e.Store("main", `{"version":1,"profiles":{
		"anthropic:work":{"type":"api_key","provider":"anthropic","key":"sk-ant-api03-work-0123456789abcdef"}}}`)
	e.Store("other", `{"version":1,"profiles":{
		"openai:team":{"type":"api_key","provider":"openai","key":"sk-proj-team-0123456789abcdef"}}}`)
	now := time.Now()
	gw, err := sessions.Open(t.Context(), e.Path(".bot/sessions.db"), sessions.Options{Recheck: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	for _, f := range []struct {
		id, reason string
		d          time.Duration
	}{
		{"anthropic:work", "rate_limit", 25 * time.Minute},
		{"anthropic:work", "rate_limit", 25 * time.Minute},
		{"openai:team", sessions.ReasonBilling, 5 * time.Hour},
	} {
		if err := gw.RecordFailure(t.Context(), f.id, f.reason, now.Add(f.d)); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) (string, string, int) { return botRun(e.Getenv, args...) }

	out, errOut, code := run("models", "cooldown", "list")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"PROFILE", "anthropic:work  cooldown  rate_limit", "(in 25m)  2", "openai:team     disabled  billing", "(in 5h)   1"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	// Agent main holds no openai profile (agent other inherits main's
	// anthropic one, so main is the one that shows the filter).
	out, _, _ = run("models", "cooldown", "list", "--json", "--agent", "main")
	var got []cooldownJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	for i := range got {
		got[i].Until = ""
	}
	if diff := cmp.Diff([]cooldownJSON{{ProfileID: "anthropic:work", Kind: "cooldown", Reason: "rate_limit", ErrorCount: 2}}, got); diff != "" {
		t.Errorf("--json --agent main (-want +got):\n%s", diff)
	}

	if _, errOut, code := run("models", "cooldown", "clear", "openai:team", "--agent", "main"); code == 0 || !strings.Contains(errOut, "openai:team is not a profile of agent main") {
		t.Errorf("clear of another agent's profile: exit %d, %q", code, errOut)
	}
	out, _, code = run("models", "cooldown", "clear", "anthropic:work")
	if code != 0 || out != "Cleared anthropic:work: usable again now (a running bot gateway sees it at its next message).\n" {
		t.Errorf("clear: exit %d, %q", code, out)
	}
	if out, _, _ = run("models", "cooldown", "clear", "anthropic:work"); out != "anthropic:work is not cooling down or disabled; nothing to clear.\n" {
		t.Errorf("second clear: %q", out)
	}
	if out, _, _ = run("models", "cooldown", "clear"); out != "Cleared openai:team: usable again now (a running bot gateway sees it at its next message).\n" {
		t.Errorf("clear all: %q", out)
	}
	if out, _, _ = run("models", "cooldown", "list"); out != "No credential is cooling down or disabled.\n" {
		t.Errorf("list after clear: %q", out)
	}
	// The gateway's Store, open all along, reads the change from disk.
	reopened, err := sessions.OpenReadOnly(t.Context(), e.Path(".bot/sessions.db"), sessions.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer reopened.Close()
	if ids := reopened.SetAside(); len(ids) != 0 {
		t.Errorf("still set aside on disk: %v", ids)
	}
}
