package models

import (
	"strings"

	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/models/catalog"
)

// Choice is what a chat session chose: its model and its credential pin,
// as the session store holds them.
type Choice struct {
	// Model is the stored "provider/model", "" for the default.
	Model string
	// Pin is the pinned profile, "" for none.
	Pin auth.ProfileID
	// PinIsUser reports a pin the user set (/model …@profile); otherwise
	// the pin is automatic, kept for the conversation.
	PinIsUser bool
}

// Target is where a session's next call goes: the catalog model and the
// resolver query that picks its credential. TargetFor is the one place
// that turns a session's Choice into a Target, and /model, /model status,
// the conversation and the router all use what it returns, so what status
// shows is what the next call does (DESIGN §6).
type Target struct {
	// Agent is whose credentials the call uses.
	Agent string
	// Ref is the model: the session's choice while the catalog still has
	// and allows it, else the default.
	catalog.Ref
	// Stale reports that the session chose a model the catalog no longer
	// has or allows; Ref is then the default.
	Stale bool
	// Query asks the resolver for Ref's provider, with the session's pin
	// when the pin is a profile of that provider (a pin of another
	// provider waits until the session goes back to it).
	Query auth.Query
}

// TargetFor returns the target of a session of agent that chose c.
func TargetFor(cat *catalog.Catalog, agent string, c Choice) Target {
	t := Target{Agent: agent, Ref: cat.Default()}
	if c.Model != "" {
		p, m, _ := strings.Cut(c.Model, "/")
		if ref, err := cat.Resolve(p, m); err == nil && cat.Allowed(ref) {
			t.Ref = ref
		} else {
			t.Stale = true
		}
	}
	t.Query = auth.Query{Provider: t.Provider}
	if c.Pin != "" && c.Pin.Provider() == t.Provider {
		t.Query.Pin, t.Query.PinIsUser = c.Pin, c.PinIsUser
	}
	return t
}

// QueryFor returns the resolver query for provider as seen from t: t's own
// query for t's provider, and a query without pin for any other.
func (t Target) QueryFor(provider string) auth.Query {
	if provider == t.Provider {
		return t.Query
	}
	return auth.Query{Provider: provider}
}

// Pinned reports a user pin: the router uses it alone and never rotates
// away from it.
func (t Target) Pinned() bool { return t.Query.PinIsUser && t.Query.Pin != "" }
