package catalog

import (
	"cmp"
	"fmt"
	"github.com/botgateway/bot/internal/textdist"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrorKind classifies a *ResolveError.
type ErrorKind int

// The kinds of resolution failure.
const (
	// UnknownModel: no alias or model of the catalog matches the input.
	UnknownModel ErrorKind = iota + 1
	// UnknownProvider: the part before '/' names no provider.
	UnknownProvider
	// NotAllowed: the model exists but models.allow excludes it.
	NotAllowed
	// Ambiguous: a bare model id that several providers offer.
	Ambiguous
	// MissingModel: no model id was given (empty input, "anthropic/", or a
	// provider name alone).
	MissingModel
)

// ResolveError is a failure of Resolve or ModelsText. Its message is one
// line meant for the user as is: it says what was expected and suggests the
// closest choices.
type ResolveError struct {
	// Kind says what went wrong.
	Kind ErrorKind
	// Input is what the user typed: "provider/model", or the bare model.
	Input string
	// Suggestions are at most three things the user could type instead,
	// best first: aliases, provider/model ids, or provider ids (for
	// UnknownProvider).
	Suggestions []string
	// Msg is the message for the user.
	Msg string
}

// Error returns Msg.
func (e *ResolveError) Error() string { return e.Msg }

// listHint ends the messages about models.
const listHint = "Use /models to list providers, or /models <provider> to list models."

// maxSuggestions caps ResolveError.Suggestions.
const maxSuggestions = 3

// maxFuzzyLen is the longest input (in bytes) suggestions are computed for;
// longer inputs cannot be typos of a catalog id.
const maxFuzzyLen = 80

// Resolve turns the already-split parts of "[provider/]model" into a Ref:
//
//  1. with no provider, an alias (any case);
//  2. with a provider (trimmed, any case, one of Providers), its model of
//     that id (any case; for anthropic also "opus-4.5" for
//     "claude-opus-4-5"), or, when models.allow has a pattern covering it,
//     an id the catalog does not know;
//  3. with no provider, the model of that id under the default provider;
//  4. with no provider, the model of that id if exactly one provider has it.
//
// A provider that is not known is tried as the first part of a bare id
// ("moonshotai/kimi-k2" finds openrouter's). A model that is found but not
// Allowed is refused. A provider of "" and a model holding '/' are split at
// the first '/', so Resolve("", s) accepts a whole stored id.
//
// Every error is a *ResolveError. Resolve allocates nothing when it succeeds
// on an alias or a provider/model id typed in lower case.
func (c *Catalog) Resolve(provider, model string) (Ref, error) {
	p, m := strings.TrimSpace(provider), strings.TrimSpace(model)
	if p == "" {
		if m == "" {
			return Ref{}, &ResolveError{Kind: MissingModel, Msg: "Expected a model: an alias or <provider>/<model>. " + listHint}
		}
		if a, ok := c.aliases[strings.ToLower(m)]; ok {
			if !a.allowed {
				return Ref{}, notAllowed(m, a.ref)
			}
			return a.ref, nil
		}
		if rp, rm, ok := strings.Cut(m, "/"); ok {
			return c.resolveQualified(strings.TrimSpace(rp), strings.TrimSpace(rm))
		}
		if ref, err, found := c.resolveBare(m); found {
			return ref, err
		}
		if lp := normalizeProvider(m); slices.Contains(knownProviders, lp) {
			return Ref{}, &ResolveError{Kind: MissingModel, Input: m,
				Msg: fmt.Sprintf("%s is a provider, not a model. Use /models %s to list its models.", quote(m), lp)}
		}
		return Ref{}, c.unknownModel(m, "")
	}
	return c.resolveQualified(p, m)
}

// resolveQualified resolves provider p and model m, both trimmed.
func (c *Catalog) resolveQualified(p, m string) (Ref, error) {
	lp := normalizeProvider(p)
	if !slices.Contains(knownProviders, lp) {
		input := p + "/" + m
		if ref, err, found := c.resolveBare(input); found {
			return ref, err
		}
		// Unless p looks like a misspelt provider, "moonshot/kimi-k2" is
		// better answered with the models it resembles.
		if len(providerSuggestions(lp)) == 0 {
			if e := c.unknownModel(input, ""); len(e.Suggestions) > 0 {
				return Ref{}, e
			}
		}
		return Ref{}, unknownProvider(p)
	}
	if m == "" {
		return Ref{}, &ResolveError{Kind: MissingModel, Input: p + "/",
			Msg: fmt.Sprintf("Expected a model after %s. Use /models %s to list its models.", quote(p+"/"), lp)}
	}
	if e := c.lookup(lp, m); e != nil {
		if !e.allowed {
			return Ref{}, notAllowed(p+"/"+m, e.Ref)
		}
		return e.Ref, nil
	}
	if lm := strings.ToLower(m); c.hasAllow && validModelID(lm) && c.patternAllows(lp, lm) {
		return Ref{lp, lm}, nil
	}
	return Ref{}, c.unknownModel(p+"/"+m, lp)
}

// resolveBare looks up a bare model id (steps 3 and 4 of Resolve). found
// is false when no provider has it; else ref or err is the answer.
func (c *Catalog) resolveBare(m string) (ref Ref, err error, found bool) {
	var refused *entry // the first match that is not allowed
	if e := c.lookup(c.def.Provider, m); e != nil {
		if e.allowed {
			return e.Ref, nil, true
		}
		refused = e
	}
	var hits []Ref
	for _, p := range knownProviders {
		if p == c.def.Provider {
			continue
		}
		if e := c.lookup(p, m); e != nil {
			if e.allowed {
				hits = append(hits, e.Ref)
			} else if refused == nil {
				refused = e
			}
		}
	}
	switch {
	case len(hits) == 1:
		return hits[0], nil, true
	case len(hits) > 1:
		ids := make([]string, len(hits))
		shown := make([]string, len(hits))
		for i, h := range hits {
			ids[i], shown[i] = h.String(), c.Label(h)
		}
		if len(ids) > maxSuggestions {
			ids, shown = ids[:maxSuggestions], shown[:maxSuggestions]
		}
		return Ref{}, &ResolveError{Kind: Ambiguous, Input: m, Suggestions: ids,
			Msg: fmt.Sprintf("Model %s is offered by several providers. Did you mean %s? Use /model <provider/model> to choose one.", quote(m), orList(shown))}, true
	case refused != nil:
		return Ref{}, notAllowed(m, refused.Ref), true
	}
	return Ref{}, nil, false
}

// notAllowed is the error for a model that exists but is not allowed.
func notAllowed(input string, ref Ref) *ResolveError {
	return &ResolveError{Kind: NotAllowed, Input: input,
		Msg: fmt.Sprintf("Model %s is not allowed. %s", quote(ref.String()), listHint)}
}

// unknownProvider is the error for an unknown provider p (as typed).
func unknownProvider(p string) *ResolveError {
	s := providerSuggestions(normalizeProvider(p))
	msg := "Unknown provider " + quote(p) + "."
	if len(s) > 0 {
		msg += " Did you mean " + orList(s) + "?"
	}
	msg += " Providers: " + strings.Join(knownProviders, ", ") + "."
	return &ResolveError{Kind: UnknownProvider, Input: p, Suggestions: s, Msg: msg}
}

// providerSuggestions returns the known providers close to p (lower case):
// within the edit distance allowed for its length, or starting with it.
func providerSuggestions(p string) []string {
	if p == "" || len(p) > maxFuzzyLen {
		return nil
	}
	type cand struct {
		name string
		d    int
	}
	var cs []cand
	for i, kp := range knownProviders {
		d := textdist.OSA(p, kp)
		switch {
		case d <= maxDistance(p):
		case len(p) >= 2 && (strings.HasPrefix(kp, p) || strings.HasPrefix(p, kp)):
			d = maxDistance(p) + 1
		default:
			continue
		}
		cs = append(cs, cand{kp, d*len(knownProviders) + i})
	}
	slices.SortFunc(cs, func(a, b cand) int { return cmp.Compare(a.d, b.d) })
	var out []string
	for _, c := range cs {
		out = append(out, c.name)
	}
	return out
}

// unknownModel is the error for input that matches no model. restrict, when
// set, is the provider the user named: suggestions come from it first.
func (c *Catalog) unknownModel(input, restrict string) *ResolveError {
	tokens, shown := c.suggest(strings.ToLower(input), restrict)
	msg := "Unknown model " + quote(input) + "."
	if len(shown) > 0 {
		msg += " Did you mean " + orList(shown) + "?"
	}
	return &ResolveError{Kind: UnknownModel, Input: input, Suggestions: tokens, Msg: msg + " " + listHint}
}

// suggestion is one candidate of suggest.
type suggestion struct {
	ref   Ref
	token string // what to type: an alias or the id
	alias bool
	score int // edit distance, or maxDistance+1 for a substring match
}

// suggest returns up to maxSuggestions choices close to q (lower case):
// what to type, and how to show it. Only allowed targets are suggested.
func (c *Catalog) suggest(q, restrict string) (tokens, shown []string) {
	if q == "" || len(q) > maxFuzzyLen {
		return nil, nil
	}
	best := c.candidates(q, restrict)
	if len(best) == 0 && restrict != "" {
		best = c.candidates(q, "")
	}
	list := make([]suggestion, 0, len(best))
	for _, s := range best {
		list = append(list, s)
	}
	slices.SortFunc(list, func(a, b suggestion) int {
		return cmp.Or(cmp.Compare(a.score, b.score), c.compareRefs(a.ref, b.ref))
	})
	if len(list) > maxSuggestions {
		list = list[:maxSuggestions]
	}
	for _, s := range list {
		tokens = append(tokens, s.token)
		if s.alias {
			shown = append(shown, s.token+" ("+s.ref.String()+")")
		} else {
			shown = append(shown, c.Label(s.ref))
		}
	}
	return tokens, shown
}

// candidates scores every allowed alias and catalog id against q and keeps
// the best match per model. With restrict set, only models of that
// provider are considered.
func (c *Catalog) candidates(q, restrict string) map[Ref]suggestion {
	// A q of "provider/model" is also compared by its model part, so that
	// "anthropic/gpt-5" finds openai/gpt-5 and "anthropic/opus" finds opus.
	_, qm, qualified := strings.Cut(q, "/")
	maxD, maxDm := maxDistance(q), maxDistance(qm)
	dist := func(s string) int {
		d := textdist.OSA(q, s)
		if d > maxD {
			d = maxD + 2 // no match
		}
		if qualified && qm != "" {
			if dm := textdist.OSA(qm, s); dm <= maxDm && dm < d {
				d = dm
			}
		}
		return d
	}
	best := make(map[Ref]suggestion)
	keep := func(s suggestion) {
		old, ok := best[s.ref]
		if !ok || cmp.Or(cmp.Compare(s.score, old.score), -cmp.Compare(b2i(s.alias), b2i(old.alias)), strings.Compare(s.token, old.token)) < 0 {
			best[s.ref] = s
		}
	}
	substr := len(q) >= 3
	for name, a := range c.aliases {
		if !a.allowed || restrict != "" && a.ref.Provider != restrict {
			continue
		}
		d := dist(name)
		if d > maxD {
			if !substr || !strings.Contains(name, q) && (len(name) < 3 || !strings.Contains(q, name)) {
				continue
			}
			d = maxD + 1
		}
		keep(suggestion{ref: a.ref, token: name, alias: true, score: d})
	}
	for ref, e := range c.models {
		if !e.allowed || restrict != "" && ref.Provider != restrict {
			continue
		}
		id := ref.String()
		d := min(dist(id), dist(ref.Model))
		if i := strings.LastIndexByte(ref.Model, '/'); i >= 0 {
			d = min(d, dist(ref.Model[i+1:]))
		}
		if d > maxD {
			if !substr || !strings.Contains(id, q) {
				continue
			}
			d = maxD + 1
		}
		keep(suggestion{ref: ref, token: id, score: d})
	}
	return best
}

// b2i is 1 for true, 0 for false.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// maxDistance is the largest edit distance at which s still looks like a
// typo: 1 up to 4 characters, 2 up to 8, else 3.
func maxDistance(s string) int {
	switch n := utf8.RuneCountInString(s); {
	case n <= 4:
		return 1
	case n <= 8:
		return 2
	}
	return 3
}

// orList joins items as "a", "a or b", "a, b or c".
func orList(items []string) string {
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

// quote returns s in double quotes for a message, cut to 64 characters so
// that a pasted paragraph does not come back whole.
func quote(s string) string {
	const maxRunes = 64
	if utf8.RuneCountInString(s) > maxRunes {
		s = string([]rune(s)[:maxRunes]) + "…"
	}
	return strconv.Quote(s)
}
