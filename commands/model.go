package commands

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/config"
	"github.com/botgateway/bot/grammar"
	"github.com/botgateway/bot/internal/errline"
	"github.com/botgateway/bot/models/catalog"
	"github.com/botgateway/bot/sessions"
)

// runModel is /model: summary, list, status, default, or a model reference
// with an optional @profile.
func runModel(ctx context.Context, e *Engine, r *Request) error {
	if len(r.Cmd.Args) == 0 {
		return modelSummary(ctx, e, r)
	}
	arg := r.Cmd.Args[0]
	switch strings.ToLower(arg.Value) {
	case "list":
		return modelList(ctx, e, r)
	case "status":
		return modelStatus(ctx, e, r)
	case "default":
		if err := e.cfg.Sessions.ResetModel(ctx, r.Agent, r.Session); err != nil {
			return err
		}
		return r.Out.Reply(ctx, fmt.Sprintf("Model reset to default (%s).", e.cfg.Catalog.Default()), false)
	}
	ref, err := grammar.ParseModelRef(arg)
	if err != nil {
		if ge, ok := errors.AsType[*grammar.Error](err); ok {
			return grammarError(ge)
		}
		return &UserError{Msg: sentence(err.Error())}
	}
	if ref.Model == "" && ref.Provider == "" {
		// "/model @profile": pin the credential, keep the model.
		cur, err := e.current(ctx, r)
		if err != nil {
			return err
		}
		if err := e.checkProfile(ctx, r.Agent, ref.Profile, cur.Provider); err != nil {
			return err
		}
		if err := e.cfg.Sessions.SetPin(ctx, r.Agent, r.Session, ref.Profile, sessions.SourceUser); err != nil {
			return err
		}
		return r.Out.Reply(ctx, fmt.Sprintf("Auth profile set to %s.", ref.Profile)+e.pinNote(ctx, r, cur.Provider, ref.Profile), false)
	}
	target, err := e.cfg.Catalog.Resolve(ref.Provider, ref.Model)
	if err != nil {
		col := ref.ModelPos.Col
		if ref.Provider != "" {
			col = ref.ProviderPos.Col
		}
		return atColumn(col, err.Error())
	}
	if ref.Profile != "" {
		if err := e.checkProfile(ctx, r.Agent, ref.Profile, target.Provider); err != nil {
			return err
		}
		if err := e.cfg.Sessions.SetModelAndPin(ctx, r.Agent, r.Session, target.String(), ref.Profile, sessions.SourceUser); err != nil {
			return err
		}
		msg := fmt.Sprintf("Model set to %s.\nAuth profile set to %s.", e.cfg.Catalog.Label(target), ref.Profile)
		return r.Out.Reply(ctx, msg+e.pinNote(ctx, r, target.Provider, ref.Profile), false)
	}
	if target == e.cfg.Catalog.Default() {
		if err := e.cfg.Sessions.ResetModel(ctx, r.Agent, r.Session); err != nil {
			return err
		}
		return r.Out.Reply(ctx, fmt.Sprintf("Model reset to default (%s).", target), false)
	}
	if err := e.cfg.Sessions.SetModel(ctx, r.Agent, r.Session, target.String()); err != nil {
		return err
	}
	return r.Out.Reply(ctx, fmt.Sprintf("Model set to %s.", e.cfg.Catalog.Label(target)), false)
}

// pinNote warns, on a line of its own, when a profile just pinned can not
// be used right now (an expired token, a config mode that excludes it):
// the pin stands, since a user pin is used as is, but the user should know.
func (e *Engine) pinNote(ctx context.Context, r *Request, provider, id string) string {
	res, _, err := e.resolver(ctx, r.Agent)
	if err != nil {
		return ""
	}
	plan := res.Resolve(auth.Query{Provider: provider, Pin: auth.ProfileID(id), PinIsUser: true})
	if len(plan.Excluded) > 0 {
		return fmt.Sprintf("\nNote: %s cannot be used now (%s); calls will fail until it is fixed or you pick another with /model @<profile>.", id, plan.Excluded[0].Excluded)
	}
	if c, ok := plan.Next(); ok && c.InCooldown {
		return fmt.Sprintf("\nNote: %s is cooling down for %s after a failure; a pinned profile is used anyway.", id, auth.FormatRemaining(c.Usage.UnusableUntil().Sub(e.now())))
	}
	return ""
}

// checkProfile verifies that id exists in agent's store and belongs to
// provider, with the exact replies of DESIGN §5.
func (e *Engine) checkProfile(ctx context.Context, agent, id, provider string) error {
	o, err := e.store(ctx, agent)
	if err != nil {
		return err
	}
	c, ok := o.Store.Profiles[auth.ProfileID(id)]
	if !ok {
		if u, bad := o.Store.UnusableEntry(auth.ProfileID(id)); bad {
			file := e.cfg.Paths.Display(o.Path)
			if !u.Malformed {
				return userErrorf("Auth profile %q in %s cannot be used: %s.", id, file, u.Problem)
			}
			return userErrorf("Auth profile %q is malformed in %s: %s. To fix it, %s.", id, file, u.Problem, u.Fix())
		}
		if auth.ProfileID(id) == auth.ClaudeCLIProfile && o.ClaudeErr != nil {
			// It is missing because Claude Code's login could not be
			// synced: say why, with the fix, rather than "not found".
			line, _ := errline.Line(o.ClaudeErr, e.cfg.Paths)
			return userErrorf("Auth profile %q is Claude Code's login, which bot cannot use: %s.", id, line)
		}
		return userErrorf("Auth profile %q not found.", id)
	}
	if p := auth.NormalizeProvider(c.Provider); p != provider {
		return userErrorf("Auth profile %q is for %s, not %s.", id, p, provider)
	}
	return nil
}

// sessionState is a session's model and pin with the defaults applied.
type sessionState struct {
	catalog.Ref
	Pin       string
	PinSource sessions.PinSource
	Stale     bool // the stored model is no longer in the catalog or allowed
}

// current returns the session's model (the default when it has none) and
// its pin.
func (e *Engine) current(ctx context.Context, r *Request) (sessionState, error) {
	st := sessionState{Ref: e.cfg.Catalog.Default()}
	s, ok, err := e.cfg.Sessions.Get(ctx, r.Agent, r.Session)
	if err != nil {
		return st, err
	}
	if !ok {
		return st, nil
	}
	st.Pin, st.PinSource = s.Profile, s.PinSource
	if s.Model != "" {
		p, m, _ := strings.Cut(s.Model, "/")
		if ref, err := e.cfg.Catalog.Resolve(p, m); err == nil && e.cfg.Catalog.Allowed(ref) {
			st.Ref = ref
		} else {
			st.Stale = true
		}
	}
	return st, nil
}

// plan resolves the candidates of the session's provider, exactly as the
// router will before its next call.
func (e *Engine) plan(ctx context.Context, r *Request, st sessionState) (auth.Plan, *auth.Opened, error) {
	res, o, err := e.resolver(ctx, r.Agent)
	if err != nil {
		return auth.Plan{}, nil, err
	}
	q := auth.Query{Provider: st.Provider}
	if st.Pin != "" && auth.ProfileID(st.Pin).Provider() == st.Provider {
		q.Pin = auth.ProfileID(st.Pin)
		q.PinIsUser = st.PinSource == sessions.SourceUser
	}
	return res.Resolve(q), o, nil
}

// why says in words why the next call uses candidate c.
func why(c auth.Candidate) string {
	switch c.Basis {
	case auth.BasisPinned:
		return "pinned by you"
	case auth.BasisAuto:
		return "auto: kept for this conversation"
	case auth.BasisStoreOrder:
		return "first in the agent's order"
	case auth.BasisConfig:
		return "first in config auth.order"
	case auth.BasisConfigured, auth.BasisStored:
		return "auto: first available"
	}
	return "from the environment"
}

// modelSummary is bare /model.
func modelSummary(ctx context.Context, e *Engine, r *Request) error {
	st, err := e.current(ctx, r)
	if err != nil {
		return err
	}
	plan, _, err := e.plan(ctx, r, st)
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Current: %s\n", e.cfg.Catalog.Label(st.Ref))
	if next, ok := plan.Next(); ok {
		label := next.Label()
		if next.From != "" {
			label += " of agent " + next.From
		}
		fmt.Fprintf(&b, "Next call uses: %s (%s)\n", label, why(next))
	} else if len(plan.Excluded) > 0 && plan.Excluded[0].Basis == auth.BasisPinned {
		fmt.Fprintf(&b, "Next call uses: nothing: pinned %s %s\n", plan.Excluded[0].ProfileID, plan.Excluded[0].Excluded)
	} else {
		fmt.Fprintf(&b, "Next call uses: no credential for %s (run bot models status on the host)\n", st.Provider)
	}
	b.WriteString("\nSwitch: /model <model>[@profile]\n")
	b.WriteString("Pin a credential: /model @<profile>\n")
	b.WriteString("Browse: /model list, /models <provider>\n")
	b.WriteString("More: /model status")
	return r.Out.Reply(ctx, b.String(), false)
}

// modelList is the compact picker: models by provider, the current one
// marked, and whether each provider has a usable credential.
func modelList(ctx context.Context, e *Engine, r *Request) error {
	st, err := e.current(ctx, r)
	if err != nil {
		return err
	}
	res, _, err := e.resolver(ctx, r.Agent)
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Current: %s\n", e.cfg.Catalog.Label(st.Ref))
	for _, p := range e.cfg.Catalog.Providers() {
		plan := res.Resolve(auth.Query{Provider: p})
		usable := "no credential"
		if n := len(plan.Candidates); n == 1 {
			usable = "1 credential"
		} else if n > 1 {
			usable = fmt.Sprintf("%d credentials", n)
		}
		var lines []string
		for _, m := range e.cfg.Catalog.Models(p) {
			if !e.cfg.Catalog.Allowed(m.Ref) {
				continue
			}
			mark := "  "
			if m.Ref == st.Ref {
				mark = "* "
			}
			line := mark + m.Ref.String()
			if as := e.cfg.Catalog.AliasesFor(m.Ref); len(as) > 0 {
				line += " (" + strings.Join(as, ", ") + ")"
			}
			lines = append(lines, line)
		}
		if len(lines) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n%s — %s\n%s\n", p, usable, strings.Join(lines, "\n"))
	}
	b.WriteString("\nPick: /model <model>[@profile]")
	return r.Out.Reply(ctx, b.String(), false)
}

// modelStatus is the full view: every auth candidate of each provider in
// the order the router will try them, with flags; secrets masked.
func modelStatus(ctx context.Context, e *Engine, r *Request) error {
	st, err := e.current(ctx, r)
	if err != nil {
		return err
	}
	res, o, err := e.resolver(ctx, r.Agent)
	if err != nil {
		return err
	}
	now := e.now()
	var b strings.Builder
	fmt.Fprintf(&b, "Current: %s\n", st.Ref)
	fmt.Fprintf(&b, "Default: %s\n", e.cfg.Catalog.Default())
	fmt.Fprintf(&b, "Agent: %s\n", r.Agent)
	fmt.Fprintf(&b, "Auth file: %s\n", e.cfg.Paths.Display(o.Path))
	if st.Pin != "" {
		fmt.Fprintf(&b, "Pin: %s (%s)\n", st.Pin, st.PinSource)
	}
	if st.Stale {
		b.WriteString("(the model stored for this chat is no longer available; using the default)\n")
	}
	providers := e.cfg.Catalog.Providers()
	slices.SortStableFunc(providers, func(a, b string) int {
		// The session's provider first.
		switch {
		case a == st.Provider:
			return -1
		case b == st.Provider:
			return 1
		}
		return 0
	})
	for _, p := range providers {
		q := auth.Query{Provider: p}
		if p == st.Provider && st.Pin != "" && auth.ProfileID(st.Pin).Provider() == p {
			q.Pin, q.PinIsUser = auth.ProfileID(st.Pin), st.PinSource == sessions.SourceUser
		}
		plan := res.Resolve(q)
		if p != st.Provider && len(plan.Candidates) == 0 && len(plan.Excluded) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n[%s] endpoint: %s\n", p, e.endpoint(p))
		if len(plan.Candidates) == 0 {
			b.WriteString("  no usable credential\n")
		}
		for i, c := range plan.Candidates {
			fmt.Fprintf(&b, "  %d. %s", i+1, candidateLabel(c))
			if flags := candidateFlags(c, i == 0, now); len(flags) > 0 {
				fmt.Fprintf(&b, " (%s)", strings.Join(flags, ", "))
			}
			b.WriteByte('\n')
		}
		for _, c := range plan.Excluded {
			fmt.Fprintf(&b, "  - %s: skipped, %s\n", c.ProfileID, c.Excluded)
		}
	}
	return r.Out.Reply(ctx, strings.TrimRight(b.String(), "\n"), true)
}

// endpoint returns a provider's base URL as configured, or "default".
func (e *Engine) endpoint(p string) string {
	if u := config.BaseURL(e.cfg.Env, e.cfg.Config, p); u != "" {
		return u
	}
	return "default"
}

// candidateLabel names a candidate with its secret masked, and the agent
// it is read from when it is not the session's agent's own.
func candidateLabel(c auth.Candidate) string {
	if c.From != "" {
		return ownLabel(c) + " (from agent " + c.From + ")"
	}
	return ownLabel(c)
}

// ownLabel is candidateLabel without the agent.
func ownLabel(c auth.Candidate) string {
	cred := c.Credential
	switch {
	case c.ProfileID == "":
		return fmt.Sprintf("%s=%s", c.EnvSource, cred.Secret().Mask())
	case cred.Type == auth.KindAPIKey:
		return fmt.Sprintf("%s=%s", c.ProfileID, cred.Key.Mask())
	case cred.Type == auth.KindToken:
		return fmt.Sprintf("%s=token:%s", c.ProfileID, cred.Token.Mask())
	case cred.Email != "":
		return fmt.Sprintf("%s=OAuth %s", c.ProfileID, cred.Email)
	}
	return fmt.Sprintf("%s=OAuth", c.ProfileID)
}

// candidateFlags are the flags of DESIGN §5: next, pinned, lastGood,
// cooldown 4m, expires in 3h.
func candidateFlags(c auth.Candidate, next bool, now time.Time) []string {
	var f []string
	if next {
		f = append(f, "next")
	}
	if c.Basis == auth.BasisPinned {
		f = append(f, "pinned")
	}
	if c.Basis == auth.BasisAuto {
		f = append(f, "auto-pinned")
	}
	if c.LastGood {
		f = append(f, "lastGood")
	}
	if c.InCooldown {
		until := c.Usage.UnusableUntil()
		label := "cooldown"
		if c.Usage.DisabledReason != "" && !c.Usage.DisabledUntil.Before(c.Usage.CooldownUntil) {
			label = "disabled:" + c.Usage.DisabledReason
		}
		f = append(f, label+" "+auth.FormatRemaining(until.Sub(now)))
	}
	switch c.Health.Status {
	case auth.StatusExpired:
		f = append(f, "expired")
	case auth.StatusRefreshable:
		f = append(f, "refreshable")
	default:
		if !c.Health.ExpiresAt.IsZero() {
			f = append(f, "expires in "+auth.FormatRemaining(c.Health.ExpiresAt.Sub(now)))
		}
	}
	if c.Credential != nil && c.ProfileID == auth.ClaudeCLIProfile {
		f = append(f, "Claude subscription (personal use)")
	}
	return f
}

// sentence capitalizes s and ends it with a period.
func sentence(s string) string {
	if s == "" {
		return s
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}
