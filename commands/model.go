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
	"github.com/botgateway/bot/internal/usermsg"
	"github.com/botgateway/bot/models"
	"github.com/botgateway/bot/models/catalog"
	"github.com/botgateway/bot/sessions"
)

// modelUsage is /model's usage line.
const modelUsage = "/model [list [provider|model]|status|default|<model>[@profile]|@<profile>]"

// runModel is /model: summary, list, status, default, or a model reference
// with an optional @profile.
func runModel(ctx context.Context, e *Engine, r *Request) (Reply, error) {
	if len(r.Cmd.Args) == 0 {
		return modelSummary(ctx, e, r)
	}
	arg := r.Cmd.Args[0]
	word := strings.ToLower(arg.Value)
	if len(r.Cmd.Args) > 1 && word != "list" {
		a := r.Cmd.Args[1]
		return Reply{}, atColumn(a.Pos.Col, fmt.Sprintf("unexpected argument %q. Usage: %s", a.Value, modelUsage))
	}
	switch word {
	case "list":
		return modelList(ctx, e, r)
	case "status":
		return modelStatus(ctx, e, r)
	case "default":
		if err := e.cfg.Sessions.ResetModel(ctx, r.Agent, r.Session); err != nil {
			return Reply{}, err
		}
		return text(fmt.Sprintf("Model reset to default (%s).", e.cfg.Catalog.Default())), nil
	}
	ref, err := grammar.ParseModelRef(arg)
	if err != nil {
		if ge, ok := errors.AsType[*grammar.Error](err); ok {
			return Reply{}, grammarError(ge)
		}
		return Reply{}, usermsg.Wrap(err, sentence(err.Error()))
	}
	if ref.Model == "" && ref.Provider == "" {
		// "/model @profile": pin the credential, keep the model.
		cur, _, err := e.target(ctx, r)
		if err != nil {
			return Reply{}, err
		}
		if err := e.checkProfile(ctx, r.Agent, ref.Profile, cur.Provider); err != nil {
			return Reply{}, err
		}
		if err := e.cfg.Sessions.SetPin(ctx, r.Agent, r.Session, ref.Profile, sessions.SourceUser); err != nil {
			return Reply{}, err
		}
		return text(fmt.Sprintf("Auth profile set to %s.", ref.Profile) + e.pinNote(ctx, r, ref.Profile)), nil
	}
	target, err := e.cfg.Catalog.Resolve(ref.Provider, ref.Model)
	if err != nil {
		col := ref.ModelPos.Col
		if ref.Provider != "" {
			col = ref.ProviderPos.Col
		}
		return Reply{}, atColumn(col, err.Error())
	}
	if ref.Profile != "" {
		if err := e.checkProfile(ctx, r.Agent, ref.Profile, target.Provider); err != nil {
			return Reply{}, err
		}
		if err := e.cfg.Sessions.SetModelAndPin(ctx, r.Agent, r.Session, target.String(), ref.Profile, sessions.SourceUser); err != nil {
			return Reply{}, err
		}
		msg := fmt.Sprintf("Model set to %s.\nAuth profile set to %s.", e.cfg.Catalog.Label(target), ref.Profile)
		return text(msg + e.pinNote(ctx, r, ref.Profile)), nil
	}
	if target == e.cfg.Catalog.Default() {
		if err := e.cfg.Sessions.ResetModel(ctx, r.Agent, r.Session); err != nil {
			return Reply{}, err
		}
		return text(fmt.Sprintf("Model reset to default (%s).", target)), nil
	}
	if err := e.cfg.Sessions.SetModel(ctx, r.Agent, r.Session, target.String()); err != nil {
		return Reply{}, err
	}
	return text(fmt.Sprintf("Model set to %s.", e.cfg.Catalog.Label(target))), nil
}

// text is a plain reply.
func text(s string) Reply { return Reply{Text: s} }

// pinNote warns, on a line of its own, when the profile id just pinned
// cannot be used right now (an expired token, a config mode that excludes
// it): the pin stands, since a user pin is used as is, but the user should
// know. It reads the session back and resolves its target as the router
// will.
func (e *Engine) pinNote(ctx context.Context, r *Request, id string) string {
	t, _, err := e.target(ctx, r)
	if err != nil {
		return ""
	}
	res, _, err := e.resolver(ctx, r.Agent)
	if err != nil {
		return ""
	}
	plan := res.Resolve(t.Query)
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
	o, err := e.cfg.Credentials.Credentials(ctx, agent)
	if err != nil {
		return err
	}
	c, ok := o.Store.Profiles[auth.ProfileID(id)]
	if !ok {
		if u, bad := o.Store.UnusableEntry(auth.ProfileID(id)); bad {
			file := e.cfg.Paths.Display(o.Path)
			if !u.Malformed {
				return usermsg.Errorf("Auth profile %q in %s cannot be used: %s.", id, file, u.Problem)
			}
			return usermsg.Errorf("Auth profile %q is malformed in %s: %s. To fix it, %s.", id, file, u.Problem, u.Fix())
		}
		if auth.ProfileID(id) == auth.ClaudeCLIProfile && o.ClaudeErr != nil {
			// It is missing because Claude Code's login could not be
			// synced: say why, with the fix, rather than "not found".
			line, _ := errline.Line(o.ClaudeErr, e.cfg.Paths)
			return usermsg.Errorf("Auth profile %q is Claude Code's login, which bot cannot use: %s.", id, line)
		}
		return usermsg.Errorf("Auth profile %q not found.", id)
	}
	if p := auth.NormalizeProvider(c.Provider); p != provider {
		return usermsg.Errorf("Auth profile %q is for %s, not %s.", id, p, provider)
	}
	return nil
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
func modelSummary(ctx context.Context, e *Engine, r *Request) (Reply, error) {
	t, _, err := e.target(ctx, r)
	if err != nil {
		return Reply{}, err
	}
	res, _, err := e.resolver(ctx, r.Agent)
	if err != nil {
		return Reply{}, err
	}
	plan := res.Resolve(t.Query)
	var b strings.Builder
	fmt.Fprintf(&b, "Current: %s\n", e.cfg.Catalog.Label(t.Ref))
	if next, ok := plan.Next(); ok {
		label := next.Label()
		if next.From != "" {
			label += " of agent " + next.From
		}
		fmt.Fprintf(&b, "Next call uses: %s (%s)\n", label, why(next))
	} else if len(plan.Excluded) > 0 && plan.Excluded[0].Basis == auth.BasisPinned {
		fmt.Fprintf(&b, "Next call uses: nothing: pinned %s %s\n", plan.Excluded[0].ProfileID, plan.Excluded[0].Excluded)
	} else {
		fmt.Fprintf(&b, "Next call uses: no credential for %s (run bot models status on the host)\n", t.Provider)
	}
	b.WriteString("\nSwitch: /model <model>[@profile]\n")
	b.WriteString("Pin a credential: /model @<profile>\n")
	b.WriteString("Browse: /model list, /models <provider>\n")
	b.WriteString("More: /model status")
	return text(b.String()), nil
}

// modelList is the picker, in three steps that each reply offers as
// choices: /model list shows every provider's models (the current one
// marked) and how many credentials each provider has, and offers the
// providers; /model list <provider> offers that provider's models;
// /model list <model> offers the credentials to use it with, and choosing
// one runs /model <model>[@profile]. Text and choices come from the same
// data, so what a platform renders as buttons is what the text says.
func modelList(ctx context.Context, e *Engine, r *Request) (Reply, error) {
	t, _, err := e.target(ctx, r)
	if err != nil {
		return Reply{}, err
	}
	res, _, err := e.resolver(ctx, r.Agent)
	if err != nil {
		return Reply{}, err
	}
	if len(r.Cmd.Args) < 2 {
		return e.listProviders(t, res), nil
	}
	arg := r.Cmd.Args[1]
	if slices.Contains(e.cfg.Catalog.Providers(), strings.ToLower(arg.Value)) {
		return e.listModels(t, res, strings.ToLower(arg.Value)), nil
	}
	ref, err := grammar.ParseModelRef(arg)
	if err == nil && ref.Profile != "" {
		err = errors.New("a model without @profile")
	}
	if err != nil {
		return Reply{}, atColumn(arg.Pos.Col, fmt.Sprintf("expected a provider or a model after /model list, got %q.", arg.Value))
	}
	m, err := e.cfg.Catalog.Resolve(ref.Provider, ref.Model)
	if err != nil {
		return Reply{}, atColumn(arg.Pos.Col, err.Error())
	}
	return e.listCredentials(t, res, m), nil
}

// usableText says how many credentials a plan offers.
func usableText(plan auth.Plan) string {
	switch n := len(plan.Candidates); n {
	case 0:
		return "no credential"
	case 1:
		return "1 credential"
	default:
		return fmt.Sprintf("%d credentials", n)
	}
}

// allowedModels returns the models of provider p that the allowlist
// leaves, each with its line of /model list: marked when current, with
// its aliases.
func (e *Engine) allowedModels(t models.Target, p string) (refs []catalog.Ref, lines []string) {
	for _, m := range e.cfg.Catalog.Models(p) {
		if !e.cfg.Catalog.Allowed(m.Ref) {
			continue
		}
		mark := "  "
		if m.Ref == t.Ref {
			mark = "* "
		}
		line := mark + m.Ref.String()
		if as := e.cfg.Catalog.AliasesFor(m.Ref); len(as) > 0 {
			line += " (" + strings.Join(as, ", ") + ")"
		}
		refs, lines = append(refs, m.Ref), append(lines, line)
	}
	return refs, lines
}

// listProviders is /model list.
func (e *Engine) listProviders(t models.Target, res *auth.Resolver) Reply {
	var b strings.Builder
	var choices []Choice
	fmt.Fprintf(&b, "Current: %s\n", e.cfg.Catalog.Label(t.Ref))
	for _, p := range e.cfg.Catalog.Providers() {
		_, lines := e.allowedModels(t, p)
		if len(lines) == 0 {
			continue
		}
		usable := usableText(res.Resolve(auth.Query{Provider: p}))
		fmt.Fprintf(&b, "\n%s — %s\n%s\n", p, usable, strings.Join(lines, "\n"))
		choices = append(choices, Choice{Label: p + " — " + usable, Command: "/model list " + p})
	}
	b.WriteString("\nPick: /model <n> for an entry below, or /model <model>[@profile]")
	return Reply{Text: b.String(), Choices: choices}
}

// listModels is /model list <provider>. The models are the choices, so a
// platform renders them once (as buttons, a menu, or the console's
// numbered lines) rather than also in the text.
func (e *Engine) listModels(t models.Target, res *auth.Resolver, p string) Reply {
	refs, lines := e.allowedModels(t, p)
	if len(refs) == 0 {
		return text(fmt.Sprintf("The allowlist (models.allow) leaves no %s model. See /model list.", p))
	}
	choices := make([]Choice, len(refs))
	for i, ref := range refs {
		label := strings.TrimSpace(lines[i])
		if ref == t.Ref {
			label = strings.TrimSpace(strings.TrimPrefix(label, "*")) + " — current"
		}
		choices[i] = Choice{Label: label, Command: "/model list " + ref.String()}
	}
	usable := usableText(res.Resolve(auth.Query{Provider: p}))
	return Reply{Text: fmt.Sprintf("%s — %s. Pick a model (/model <n>), then a credential:", p, usable), Choices: choices}
}

// listCredentials is /model list <model>: the credentials m can be used
// with, as choices. "auto" leaves the choice to the order; a profile pins
// it. An environment variable cannot be pinned, so it is named in the
// text but not offered.
func (e *Engine) listCredentials(t models.Target, res *auth.Resolver, m catalog.Ref) Reply {
	plan := res.Resolve(auth.Query{Provider: m.Provider})
	var b strings.Builder
	fmt.Fprintf(&b, "Credentials for %s — pick one (/model <n>):", e.cfg.Catalog.Label(m))
	choices := []Choice{{Label: "auto (the order decides)", Command: "/model " + m.String()}}
	for _, c := range plan.Candidates {
		if c.ProfileID == "" {
			fmt.Fprintf(&b, "\n%s is used after the profiles; it cannot be pinned.", candidateLabel(c))
			continue
		}
		choices = append(choices, Choice{Label: candidateLabel(c), Command: "/model " + m.String() + "@" + string(c.ProfileID)})
	}
	if len(plan.Candidates) == 0 {
		fmt.Fprintf(&b, "\nNone stored: add one on the gateway host with bot models auth paste-token --provider %s", m.Provider)
	}
	if t.Pinned() && t.Provider == m.Provider {
		fmt.Fprintf(&b, "\nThis chat is pinned to %s.", t.Query.Pin)
	}
	return Reply{Text: b.String(), Choices: choices}
}

// modelStatus is the full view: every auth candidate of each provider in
// the order the router will try them, with flags; secrets masked. With a
// user pin the session's provider lists the pinned profile first, as the
// next call uses it, and the others as not used while the pin stands.
func modelStatus(ctx context.Context, e *Engine, r *Request) (Reply, error) {
	t, s, err := e.target(ctx, r)
	if err != nil {
		return Reply{}, err
	}
	res, o, err := e.resolver(ctx, r.Agent)
	if err != nil {
		return Reply{}, err
	}
	now := e.now()
	var b strings.Builder
	fmt.Fprintf(&b, "Current: %s\n", t.Ref)
	fmt.Fprintf(&b, "Default: %s\n", e.cfg.Catalog.Default())
	fmt.Fprintf(&b, "Agent: %s\n", r.Agent)
	fmt.Fprintf(&b, "Auth file: %s\n", e.cfg.Paths.Display(o.Path))
	if s.Profile != "" {
		fmt.Fprintf(&b, "Pin: %s (%s)\n", s.Profile, s.PinSource)
	}
	if t.Stale {
		b.WriteString("(the model stored for this chat is no longer available; using the default)\n")
	}
	providers := e.cfg.Catalog.Providers()
	slices.SortStableFunc(providers, func(a, b string) int {
		// The session's provider first.
		switch {
		case a == t.Provider:
			return -1
		case b == t.Provider:
			return 1
		}
		return 0
	})
	for _, p := range providers {
		q := t.QueryFor(p)
		plan := res.Resolve(q)
		var unused []auth.Candidate
		if q.PinIsUser && q.Pin != "" {
			for _, c := range res.Resolve(auth.Query{Provider: p}).Candidates {
				if c.ProfileID != q.Pin {
					unused = append(unused, c)
				}
			}
		}
		if p != t.Provider && len(plan.Candidates) == 0 && len(plan.Excluded) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n[%s] endpoint: %s\n", p, config.Endpoint(e.cfg.Env, e.cfg.Config, p))
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
		for _, c := range unused {
			fmt.Fprintf(&b, "  - %s (not used while %s is pinned)\n", candidateLabel(c), q.Pin)
		}
		for _, c := range plan.Excluded {
			fmt.Fprintf(&b, "  - %s: skipped, %s\n", c.ProfileID, c.Excluded)
		}
	}
	return Reply{Text: strings.TrimRight(b.String(), "\n"), Private: true}, nil
}

// candidateLabel names a candidate with its secret masked, and the agent
// it is read from when it is not the session's agent's own.
func candidateLabel(c auth.Candidate) string {
	if c.From != "" {
		return c.MaskedLabel() + " (from agent " + c.From + ")"
	}
	return c.MaskedLabel()
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
