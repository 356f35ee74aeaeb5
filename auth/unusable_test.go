package auth

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// A credential that is empty or only white space is no credential (DESIGN
// §6, issue 8 item 5): never a candidate, and missing in health.
func TestBlankCredentialIsNone(t *testing.T) {
	s := NewStore()
	s.Set("anthropic:key", &Credential{Provider: "anthropic", Type: KindAPIKey, Key: NewSecret("  ")})
	s.Set("anthropic:tok", &Credential{Provider: "anthropic", Type: KindToken, Token: NewSecret("\t\n")})
	s.Set("anthropic:oa", &Credential{Provider: "anthropic", Type: KindOAuth, Access: NewSecret(" "), Refresh: NewSecret(" "), Expires: t0.Add(time.Hour)})
	s.Set("anthropic:good", &Credential{Provider: "anthropic", Type: KindAPIKey, Key: NewSecret("sk-ant-api03-goodgoodgoodgood")})
	r := &Resolver{Store: s, Env: fakeEnv{"ANTHROPIC_OAUTH_TOKEN": "  ", "ANTHROPIC_API_KEY": "\t"}, Now: func() time.Time { return t0 }}
	plan := r.Resolve(Query{Provider: "anthropic"})
	if diff := cmp.Diff([]string{"anthropic:good"}, labels(plan)); diff != "" {
		t.Errorf("candidates (-want +got):\n%s", diff)
	}
	excluded := map[ProfileID]string{}
	for _, c := range plan.Excluded {
		excluded[c.ProfileID] = c.Excluded
	}
	for _, id := range []ProfileID{"anthropic:key", "anthropic:tok", "anthropic:oa"} {
		if !strings.Contains(excluded[id], "empty or only white space") {
			t.Errorf("%s excluded as %q, want it excluded as empty", id, excluded[id])
		}
		if h := CredentialHealth(s.Profiles[id], t0, false); h.Status != StatusMissing {
			t.Errorf("health of %s = %s, want missing", id, h.Status)
		}
		if s.Profiles[id].Usable(t0) {
			t.Errorf("%s is usable", id)
		}
	}
	// A pin on a blank profile is no candidate either.
	plan = r.Resolve(Query{Provider: "anthropic", Pin: "anthropic:key", PinIsUser: true})
	if len(plan.Candidates) != 0 {
		t.Errorf("pinned blank key is a candidate: %v", labels(plan))
	}
}

// Entries the loader cannot use are kept, reported with what is wrong, and
// excluded with that reason (issue 8 item 11).
func TestStoreUnusableEntries(t *testing.T) {
	const doc = `{"version":1,"profiles":{
  "anthropic:num":{"type":"api_key","provider":"anthropic","key":42},
  "anthropic:soon":{"type":"token","provider":"anthropic","token":"sk-ant-oat01-x","expires":"soon"},
  "anthropic:null":{"type":"api_key","provider":"anthropic","key":null},
  "openai:notype":{"provider":"openai","key":"sk-proj-x"},
  "openai:noprov":{"type":"api_key","key":"sk-proj-x"},
  "anthropic:list":["sk-ant-api03-x"],
  "anthropic:cookie":{"type":"session_cookie","provider":"anthropic","cookie":"x"},
  "anthropic:good":{"type":"api_key","provider":"anthropic","key":"sk-ant-api03-good"}
}}`
	s, err := DecodeStore([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := []Unusable{
		{ID: "anthropic:num", Provider: "anthropic", Type: "api_key", Problem: `"key" is a number, want a string`, Malformed: true},
		{ID: "anthropic:soon", Provider: "anthropic", Type: "token", Problem: `"expires" is a string, want milliseconds since the epoch`, Malformed: true},
		{ID: "anthropic:null", Provider: "anthropic", Type: "api_key", Problem: `"key" is null, want a string`, Malformed: true},
		{ID: "openai:notype", Provider: "openai", Problem: `no "type" (want api_key, token or oauth)`, Malformed: true},
		{ID: "openai:noprov", Provider: "openai", Type: "api_key", Problem: `no "provider"`, Malformed: true},
		{ID: "anthropic:list", Provider: "anthropic", Problem: "the entry is a list, want an object", Malformed: true},
		{ID: "anthropic:cookie", Provider: "anthropic", Type: "session_cookie", Problem: `type "session_cookie" is not one bot uses (api_key, token, oauth)`},
	}
	if diff := cmp.Diff(want, s.Unusable()); diff != "" {
		t.Errorf("Unusable() (-want +got):\n%s", diff)
	}
	for _, u := range s.Unusable() {
		if strings.Contains(u.Problem, "sk-") || strings.Contains(u.Fix(), "sk-") {
			t.Errorf("%s: the report quotes a value: %s; %s", u.ID, u.Problem, u.Fix())
		}
	}
	if got := want[0].Fix(); got != "store it again (bot models auth paste-token --provider anthropic --profile-id anthropic:num) or remove it (bot models auth remove anthropic:num)" {
		t.Errorf("Fix() = %q", got)
	}
	// Kept unchanged on rewrite.
	b, err := s.Encode()
	if err != nil {
		t.Fatal(err)
	}
	for _, frag := range []string{`"key": 42`, `"expires": "soon"`, `"key": null`, `"cookie": "x"`} {
		if !strings.Contains(string(b), frag) {
			t.Errorf("rewrite lost %s:\n%s", frag, b)
		}
	}
	// Named in an order, such an entry is excluded with the problem.
	s.Order = map[string][]ProfileID{"anthropic": {"anthropic:num", "anthropic:good"}}
	plan := (&Resolver{Store: s, Now: func() time.Time { return t0 }}).Resolve(Query{Provider: "anthropic"})
	if len(plan.Excluded) == 0 || plan.Excluded[0].Excluded != ExcludedUnusable+`"key" is a number, want a string` {
		t.Errorf("excluded = %+v", plan.Excluded)
	}
	// Deleting one drops it from the report.
	s.Delete("anthropic:num")
	if _, ok := s.UnusableEntry("anthropic:num"); ok || len(s.Unusable()) != len(want)-1 {
		t.Errorf("after Delete: %v", s.Unusable())
	}
}

// A store whose Claude Code sync was turned off keeps it off across a
// rewrite, and nothing syncs into it.
func TestClaudeSyncOff(t *testing.T) {
	s, err := DecodeStore([]byte(`{"version":1,"profiles":{},"syncClaudeCode":false,"x":1}`))
	if err != nil {
		t.Fatal(err)
	}
	if !s.ClaudeSyncOff || NeedsClaudeSync(s, t0) {
		t.Fatalf("ClaudeSyncOff = %v, NeedsClaudeSync = %v", s.ClaudeSyncOff, NeedsClaudeSync(s, t0))
	}
	c := &Credential{Provider: "anthropic", Type: KindOAuth, Access: NewSecret("a"), Refresh: NewSecret("r"), Expires: t0.Add(time.Hour)}
	if MergeClaudeCode(s, c, t0) {
		t.Error("MergeClaudeCode changed a store whose sync is off")
	}
	b, err := s.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"syncClaudeCode": false`) || !strings.Contains(string(b), `"x": 1`) {
		t.Errorf("rewrite:\n%s", b)
	}
	s.ClaudeSyncOff = false
	if b, _ := s.Encode(); strings.Contains(string(b), "syncClaudeCode") {
		t.Errorf("sync on is written:\n%s", b)
	}
}
