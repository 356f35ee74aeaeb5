package grammar

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2"
)

// ref is a parsed model reference with rune offsets into it (-1 for an
// absent part). Its strings belong to the memo's copy of the reference.
type ref struct {
	provider, model, profile string
	providerAt, modelAt      int
	profileAt                int
}

// refMemo remembers the references participle has parsed (see the package
// documentation, "Cost").
var refMemo = newMemo[ref]()

// ParseModelRef splits a /model argument, [provider/]model[@profile], at
// its first "@" and then at the first "/" before it:
//
//	sonnet@anthropic:work                  → model sonnet, profile anthropic:work
//	openrouter/moonshotai/kimi-k2          → provider openrouter, model moonshotai/kimi-k2
//	opus@google-antigravity:me@x.com       → model opus, profile google-antigravity:me@x.com
//	@anthropic:work                        → profile only (pin it, keep the model)
//
// An empty argument, an empty part around "/" or after "@", or white
// space inside gives an *Error with the column (from a.Pos) and what was
// expected. Columns are exact when the argument was written without
// escapes. Whether the names exist is for the caller to check.
// ParseModelRef is safe for concurrent use.
func ParseModelRef(a Arg) (ModelRef, error) {
	col := max(a.Pos.Col, 1)
	v := a.Value
	switch {
	case len(v) > maxPart:
		return ModelRef{}, &Error{Col: col, Got: firstRune(v), Msg: fmt.Sprintf("the model reference is too long (over %d characters)", maxPart)}
	case !utf8.ValidString(v):
		return ModelRef{}, invalidUTF8(v, col)
	case v == "":
		return ModelRef{}, &Error{Col: col, Expected: "a model, provider/model or @profile"}
	}
	r, ok := refMemo.get(v)
	if !ok {
		var err error
		if r, err = parseRef(v, col); err != nil {
			return ModelRef{}, err
		}
	}
	m := ModelRef{Provider: r.provider, Model: r.model, Profile: r.profile}
	if r.providerAt >= 0 {
		m.ProviderPos = Pos{col + r.providerAt}
	}
	if r.modelAt >= 0 {
		m.ModelPos = Pos{col + r.modelAt}
	}
	if r.profileAt >= 0 {
		m.ProfilePos = Pos{col + r.profileAt}
	}
	return m, nil
}

// parseRef parses v with participle and remembers the result; col is the
// column of v's first rune, for errors.
func parseRef(v string, col int) (ref, error) {
	v = strings.Clone(v) // the memo must not keep the message alive
	ast, err := refParser.ParseString("", v)
	if err != nil {
		return ref{}, refError(v, col, err)
	}
	// The tokens are [Word {Slash Word}] [At Profile].
	r := ref{providerAt: -1, modelAt: -1, profileAt: -1}
	toks := ast.Tokens
	if n := len(toks); n >= 2 && toks[n-2].Type == tokAt {
		r.profile, r.profileAt = toks[n-1].Value, toks[n-1].Pos.Column-1
		toks = toks[:n-2]
	}
	if len(toks) >= 3 { // a "/" before the "@": the first word is the provider
		r.provider, r.providerAt = toks[0].Value, toks[0].Pos.Column-1
		toks = toks[2:]
	}
	if len(toks) > 0 {
		first, last := toks[0].Pos, toks[len(toks)-1]
		r.model, r.modelAt = v[first.Offset:last.Pos.Offset+len(last.Value)], first.Column-1
	}
	refMemo.put(v, r)
	return r, nil
}

// refError turns a participle error on reference v into an *Error, with
// what was expected decided from the text around it (see headError).
func refError(v string, col int, err error) error {
	var perr participle.Error
	if !errors.As(err, &perr) {
		return &Error{Col: col, Expected: "a model reference such as provider/model@profile", Got: firstRune(v)}
	}
	off := min(max(perr.Position().Offset, 0), len(v))
	got := firstRune(v[off:])
	e := &Error{Col: col + utf8.RuneCountInString(v[:off]), Got: got}
	prev := byte(0)
	if off > 0 {
		prev = v[off-1]
	}
	switch {
	case got != "" && unicode.IsSpace([]rune(got)[0]):
		e.Expected = "a model reference without spaces"
	case prev == '@':
		e.Expected = `a profile id after "@"`
	case prev == '/':
		e.Expected = `a model id after "/"`
	case off == 0 && got == "/":
		e.Expected = `a provider before "/"`
	default:
		e.Expected = "a model reference: [provider/]model[@profile]"
	}
	return e
}
