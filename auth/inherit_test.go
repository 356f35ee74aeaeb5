package auth

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// An agent without credentials of its own for a provider reads the main
// agent's; its own win as soon as it has any (issue 8 item 14).
func TestInherit(t *testing.T) {
	main := NewStore()
	main.Set("anthropic:work", &Credential{Provider: "anthropic", Type: KindAPIKey, Key: NewSecret("sk-ant-api03-mainmainmainmain")})
	main.Set("anthropic:oa", &Credential{Provider: "anthropic", Type: KindOAuth, Access: NewSecret("acc"), Refresh: NewSecret("ref"), Expires: t0.Add(-time.Minute)})
	main.Set("openai:default", &Credential{Provider: "openai", Type: KindAPIKey, Key: NewSecret("sk-proj-mainmainmainmainmain")})
	main.Order = map[string][]ProfileID{"anthropic": {"anthropic:oa", "anthropic:work"}}

	own := NewStore()
	own.Set("openai:mine", &Credential{Provider: "openai", Type: KindAPIKey, Key: NewSecret("sk-proj-ownownownownownown")})
	own.Set("anthropic:blank", &Credential{Provider: "anthropic", Type: KindAPIKey, Key: NewSecret("  ")})
	ownBefore := own.Clone()

	v := Inherit(own, main, "main")
	r := &Resolver{Store: v, Now: func() time.Time { return t0 }}

	// anthropic: the agent has only a blank key, which is no credential:
	// main's are used, in main's order; main's expired OAuth token is not
	// refreshed from here.
	plan := r.Resolve(Query{Provider: "anthropic"})
	if diff := cmp.Diff([]string{"anthropic:work"}, labels(plan)); diff != "" {
		t.Errorf("anthropic candidates (-want +got):\n%s", diff)
	}
	if c, _ := plan.Next(); c.From != "main" || c.Basis != BasisStoreOrder {
		t.Errorf("next = %+v, want from main by main's order", c)
	}
	var oa Candidate
	for _, c := range plan.Excluded {
		if c.ProfileID == "anthropic:oa" {
			oa = c
		}
	}
	if oa.From != "main" || oa.Excluded == "" {
		t.Errorf("main's expired oauth = %+v, want excluded with the reason", oa)
	}
	// openai: the agent's own key wins; main's is not even listed.
	plan = r.Resolve(Query{Provider: "openai"})
	if diff := cmp.Diff([]string{"openai:mine"}, labels(plan)); diff != "" {
		t.Errorf("openai candidates (-want +got):\n%s", diff)
	}
	if c, _ := plan.Next(); c.From != "" {
		t.Errorf("own candidate From = %q", c.From)
	}
	// A pin on an inherited profile is honoured.
	plan = r.Resolve(Query{Provider: "anthropic", Pin: "anthropic:work", PinIsUser: true})
	if c, ok := plan.Next(); !ok || c.ProfileID != "anthropic:work" || c.From != "main" {
		t.Errorf("pinned = %+v", plan)
	}

	// Read-only: neither store changed, and the view cannot be encoded.
	if diff := cmp.Diff(ownBefore.IDs(), own.IDs()); diff != "" || own.Order != nil {
		t.Errorf("own store changed: %s %v", diff, own.Order)
	}
	if _, err := v.Encode(); err == nil {
		t.Error("a view with inherited profiles encodes")
	}
	if Inherit(main, main, "main") != main || Inherit(own, nil, "main") != own {
		t.Error("Inherit of the main agent itself made a new view")
	}
}
