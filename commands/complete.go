package commands

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/models/catalog"
	"github.com/botgateway/bot/sessions"
)

// MaxCompletions is the most values Complete suggests at once: Discord's
// limit on the choices of one autocomplete answer.
const MaxCompletions = 25

// Discord's limits on one autocomplete choice: a name (the label) and a
// string value of 1–100 characters each. A label is cut to fit; a value is
// left out, since cut short it would be wrong.
const (
	maxCompletionLabel = 100
	maxCompletionValue = 100
)

// CompletionQuery asks for the values of one argument of a command, while
// the user types it.
type CompletionQuery struct {
	// Command is the command's name or one of its aliases.
	Command string
	// Arg is the argument's name (Arg.Name).
	Arg string
	// Text is what the user has typed of the argument so far.
	Text string
	// Agent is the agent whose credentials the chat uses.
	Agent string
	// Session is the chat's session: "@" offers the profiles of its
	// model's provider.
	Session sessions.Key
	// Allowed is Caller.Allowed. A sender who is not allowed gets no
	// suggestion at all (DESIGN §5.1): they would name profile ids.
	Allowed bool
}

// Completion is one suggested value of an argument.
type Completion struct {
	// Value is what the argument becomes when the user picks it: text the
	// command's text form takes ("sonnet@anthropic:work").
	Value string
	// Label is what the user sees ("sonnet — anthropic/claude-sonnet-4-5").
	Label string
}

// Complete suggests values for the argument q names, best first, at most
// MaxCompletions. Nothing is suggested to a sender who is not allowed, for
// an argument that is not completable (Arg.Complete), or for an unknown
// command.
//
// For /model's argument, matching is case-insensitive and the order is:
// the entries whose value (or model id without its provider) starts with
// the text — the words list, status and default, then the aliases, then
// the models, by provider — then "<model>@<profile>" for each of those
// models and each profile of its provider that exists in the agent's
// credentials, then the entries with another word that starts with the
// text (a word of a model's id or name: "gem" finds
// openrouter/google/gemini-2.5-pro, "son" anthropic/claude-sonnet-4).
// Text with an "@" completes the profile after it, by a prefix of its id
// or of a word of it: "sonnet@" offers sonnet@<each anthropic profile>,
// "sonnet@ho" sonnet@anthropic:home, and a bare "@" the profiles of the
// session's provider, as "/model @<profile>" takes. Any spelling the text
// form resolves completes ("opus-4.5@" offers
// anthropic/claude-opus-4-5@<profile>). "list " followed by text completes
// the word after it with the providers, then the models. /models'
// argument is completed with the providers that have an allowed model.
// Only the catalog's models are offered: a model that only a models.allow
// pattern admits is taken when typed but cannot be listed.
//
// Complete answers from memory: what does not depend on the text is built
// once per engine (the catalog does not change) and once per version of an
// agent's credentials (auth.Stores hands out the same *auth.Opened while
// the store file is unchanged). It may stat the store files, and may read
// the session (cached by sessions.Store) for a bare "@". It is safe for
// concurrent use.
func (e *Engine) Complete(ctx context.Context, q CompletionQuery) []Completion {
	if !q.Allowed {
		return nil
	}
	c, ok := e.registry.Lookup(q.Command)
	if !ok || !completable(c, q.Arg) {
		return nil
	}
	cp := e.completer()
	text := strings.ToLower(strings.TrimLeft(q.Text, " "))
	switch c.Name {
	case "model":
		return cp.model(ctx, e, q, text)
	case "models":
		return pick(make([]Completion, 0, len(cp.providers)), cp.providers, text, true)
	}
	return nil
}

// completable reports whether c has an argument named arg that Complete
// answers for.
func completable(c *Command, arg string) bool {
	for _, a := range c.Args {
		if a.Name == arg {
			return a.Complete
		}
	}
	return false
}

// completer is what Complete precomputes: the entries that depend only on
// the catalog, and per agent those that depend on its credentials.
type completer struct {
	// words are /model's first word: list, status, default, the aliases,
	// then the models; modelAt indexes the entries by lower-case value
	// (and the models' also by their ids without the provider, where
	// those resolve to them), modelOf the models' entries by Ref.
	words   []entry
	modelAt map[string]int
	modelOf map[catalog.Ref]int
	// list are the words after "/model list": providers, then models.
	list []entry
	// providers are /models' argument.
	providers []entry

	mu    sync.Mutex
	views map[string]*profileView // by agent
}

// entry is one precomputed suggestion with what the text is matched
// against.
type entry struct {
	c Completion
	// keys are lower-case strings a typed prefix is matched against: the
	// value, and for a model its id without the provider.
	keys []string
	// text is the lower-case text whose words a typed prefix is matched
	// against too: "gem" finds openrouter/google/gemini-2.5-pro.
	text string
	// ref is the model an alias or a model entry stands for.
	ref catalog.Ref
}

// profileView holds the suggestions that name profiles, for one version
// of an agent's credentials.
type profileView struct {
	o *auth.Opened
	// pinned holds, per index of completer.words, "<value>@<profile>" for
	// each profile of the entry's provider (none for the plain words).
	pinned [][]entry
	// bare holds, per provider, "@<profile>" for each of its profiles.
	bare map[string][]entry
}

// completer returns the engine's completer, built on first use.
func (e *Engine) completer() *completer {
	e.compOnce.Do(func() { e.comp = newCompleter(e.cfg.Catalog) })
	return e.comp
}

// newCompleter precomputes the suggestions that depend only on cat.
func newCompleter(cat *catalog.Catalog) *completer {
	cp := &completer{modelAt: map[string]int{}, modelOf: map[catalog.Ref]int{}, views: map[string]*profileView{}}
	if cat == nil {
		return cp
	}
	add := func(value, label, text string, ref catalog.Ref, keys ...string) {
		if len(value) > maxCompletionValue {
			return
		}
		cp.modelAt[value] = len(cp.words)
		cp.words = append(cp.words, newEntry(value, label, text, ref, keys...))
	}
	add("list", "list — browse the models and credentials", "list", catalog.Ref{})
	add("status", "status — every credential, in the order calls try them", "status", catalog.Ref{})
	add("default", "default — back to the default model, no pinned credential", "default", catalog.Ref{})
	for _, a := range cat.Aliases() {
		if cat.Allowed(a.Ref) {
			add(a.Name, a.Name+" — "+a.Ref.String(), a.Name+" "+a.Ref.String(), a.Ref)
		}
	}
	for _, p := range cat.Providers() {
		n := 0
		for _, m := range cat.Models(p) {
			if !cat.Allowed(m.Ref) {
				continue
			}
			n++
			id := m.Ref.String()
			label := id
			if m.Name != m.Ref.Model {
				label += " — " + m.Name
			}
			if len("list "+id) > maxCompletionValue {
				continue
			}
			cp.modelOf[m.Ref] = len(cp.words)
			add(id, label, label, m.Ref, m.Ref.Model)
			cp.list = append(cp.list, newEntry("list "+id, "list "+id+" — its credentials", label, m.Ref, id, m.Ref.Model))
		}
		if n == 0 {
			continue
		}
		models := " models"
		if n == 1 {
			models = " model"
		}
		count := p + " — " + strconv.Itoa(n) + models
		cp.providers = append(cp.providers, newEntry(p, count, p, catalog.Ref{}))
		cp.list = append(cp.list, newEntry("list "+p, "list "+count, p, catalog.Ref{}, p))
	}
	// A model's id without its provider, where the text form reads it as
	// that model, finds it too without asking the catalog each time.
	for ref, i := range cp.modelOf {
		if _, taken := cp.modelAt[ref.Model]; !taken {
			if got, err := cat.Resolve("", ref.Model); err == nil && got == ref {
				cp.modelAt[ref.Model] = i
			}
		}
	}
	// The providers first after "list ": move them before the models,
	// keeping each group's order.
	var provs, models []entry
	for _, en := range cp.list {
		if en.ref == (catalog.Ref{}) {
			provs = append(provs, en)
		} else {
			models = append(models, en)
		}
	}
	cp.list = append(provs, models...)
	return cp
}

// newEntry builds an entry whose words in text are matched too; the value
// is always one of its keys.
func newEntry(value, label, text string, ref catalog.Ref, keys ...string) entry {
	return entry{
		c:    Completion{Value: value, Label: clip(label, maxCompletionLabel)},
		keys: append([]string{strings.ToLower(value)}, lower(keys)...),
		text: strings.ToLower(text),
		ref:  ref,
	}
}

// model completes /model's argument; text is lower-case.
func (cp *completer) model(ctx context.Context, e *Engine, q CompletionQuery, text string) []Completion {
	if rest, ok := afterWord(text, "list"); ok {
		return pick(make([]Completion, 0, MaxCompletions), cp.list, rest, true)
	}
	if at := strings.IndexByte(text, '@'); at >= 0 {
		return cp.profiles(ctx, e, q, text[:at], text[at+1:])
	}
	out := pick(make([]Completion, 0, MaxCompletions), cp.words, text, false)
	if text == "" {
		return out
	}
	// "<model>@<profile>" for each model whose value or id starts with the
	// text, in the same order; the credentials are read only then.
	var v *profileView
	for i := 0; i < len(cp.words) && len(out) < MaxCompletions; i++ {
		if cp.words[i].ref == (catalog.Ref{}) || !hasPrefix(cp.words[i].keys, text) {
			continue
		}
		if v == nil {
			if v = cp.view(ctx, e, q.Agent); v == nil {
				break
			}
		}
		out = pick(out, v.pinned[i], "", false)
	}
	return contains(out, cp.words, text)
}

// profiles completes "<model>@<profile>" (model may be "": the session's
// model) with the profiles of the model's provider that match profile.
func (cp *completer) profiles(ctx context.Context, e *Engine, q CompletionQuery, model, profile string) []Completion {
	if model == "" {
		v := cp.view(ctx, e, q.Agent)
		if v == nil {
			return nil
		}
		s, _, err := e.cfg.Sessions.Get(ctx, q.Agent, q.Session)
		if err != nil {
			return nil
		}
		bare := v.bare[SessionTarget(e.cfg.Catalog, q.Agent, s).Provider]
		return pick(make([]Completion, 0, min(len(bare), MaxCompletions)), bare, profile, true)
	}
	i, ok := cp.modelAt[model]
	if !ok {
		// Any other spelling the text form takes ("opus-4.5") completes
		// as the model's id. (An unknown model costs the most here: the
		// catalog's error path looks for suggestions.)
		p, m, qualified := strings.Cut(model, "/")
		if !qualified {
			p, m = "", model
		}
		ref, err := e.cfg.Catalog.Resolve(p, m)
		if err != nil {
			return nil
		}
		if i, ok = cp.modelOf[ref]; !ok {
			return nil
		}
	}
	v := cp.view(ctx, e, q.Agent)
	if v == nil {
		return nil
	}
	return pick(make([]Completion, 0, min(len(v.pinned[i]), MaxCompletions)), v.pinned[i], profile, true)
}

// view returns the profile suggestions of agent's current credentials,
// rebuilt only when auth.Stores hands out a new version; nil when they
// cannot be read.
func (cp *completer) view(ctx context.Context, e *Engine, agent string) *profileView {
	o, err := e.cfg.Credentials.Credentials(ctx, agent)
	if err != nil {
		return nil
	}
	cp.mu.Lock()
	defer cp.mu.Unlock()
	if v := cp.views[agent]; v != nil && v.o == o {
		return v
	}
	v := &profileView{o: o, pinned: make([][]entry, len(cp.words)), bare: map[string][]entry{}}
	byProvider := map[string][]string{}
	for _, id := range o.Store.IDs() {
		p := auth.NormalizeProvider(o.Store.Profiles[id].Provider)
		byProvider[p] = append(byProvider[p], string(id))
	}
	for p, ids := range byProvider {
		for _, id := range ids {
			if value := "@" + id; len(value) <= maxCompletionValue {
				v.bare[p] = append(v.bare[p], newProfileEntry(value, value+" — pin it, keep the model", id))
			}
		}
	}
	for i, w := range cp.words {
		if w.ref == (catalog.Ref{}) {
			continue
		}
		for _, id := range byProvider[w.ref.Provider] {
			if value := w.c.Value + "@" + id; len(value) <= maxCompletionValue {
				v.pinned[i] = append(v.pinned[i], newProfileEntry(value, value, id))
			}
		}
	}
	cp.views[agent] = v
	return v
}

// newProfileEntry is an entry naming profile id, matched on the id.
func newProfileEntry(value, label, id string) entry {
	l := strings.ToLower(id)
	return entry{c: Completion{Value: value, Label: clip(label, maxCompletionLabel)}, keys: []string{l}, text: l}
}

// pick appends to out the completions of the entries that have a key
// starting with prefix, in order, and with more also those that have a
// word starting with it elsewhere, up to MaxCompletions.
func pick(out []Completion, es []entry, prefix string, more bool) []Completion {
	for i := range es {
		if len(out) == MaxCompletions {
			return out
		}
		if hasPrefix(es[i].keys, prefix) {
			out = append(out, es[i].c)
		}
	}
	if more && prefix != "" {
		out = contains(out, es, prefix)
	}
	return out
}

// contains appends to out the completions of the entries that have a
// word in their text starting with s but no key starting with it (pick
// took those), up to MaxCompletions.
func contains(out []Completion, es []entry, s string) []Completion {
	for i := range es {
		if len(out) == MaxCompletions {
			return out
		}
		if !hasPrefix(es[i].keys, s) && hasWord(es[i].text, s) {
			out = append(out, es[i].c)
		}
	}
	return out
}

// hasWord reports whether a word of text starts with p: at the start of
// text or after a character that is not a letter or digit ("son" in
// "claude-sonnet-4", "home" in "anthropic:home", but not "op" in
// "anthropic").
func hasWord(text, p string) bool {
	for i := 0; i+len(p) <= len(text); {
		j := strings.Index(text[i:], p)
		if j < 0 {
			return false
		}
		if k := i + j; k == 0 || !isAlnum(text[k-1]) {
			return true
		}
		i += j + 1
	}
	return false
}

// isAlnum reports whether b is an ASCII letter or digit; the other bytes
// of UTF-8 text separate words.
func isAlnum(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

// hasPrefix reports whether one of keys starts with p.
func hasPrefix(keys []string, p string) bool {
	for _, k := range keys {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

// afterWord returns what follows word and at least one space at the
// start of s.
func afterWord(s, word string) (string, bool) {
	rest, ok := strings.CutPrefix(s, word)
	if !ok || rest == "" || rest[0] != ' ' {
		return "", false
	}
	return strings.TrimLeft(rest, " "), true
}

// lower returns ss in lower case.
func lower(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToLower(s)
	}
	return out
}

// clip cuts s to at most n characters.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
