package catalog

import (
	"fmt"
	"slices"
	"strings"
)

// ProvidersText is the reply to /models: each provider that has allowed
// models, with their number, then how to go on. It is plain text:
//
//	Providers:
//	- anthropic (5)
//	- openai (5)
//	- openrouter (5)
//
//	Use: /models <provider>
//	Switch: /model <provider/model>
func (c *Catalog) ProvidersText() string {
	var b strings.Builder
	b.WriteString("Providers:\n")
	for _, p := range knownProviders {
		if n := c.allowedCount(p); n > 0 {
			fmt.Fprintf(&b, "- %s (%d)\n", p, n)
		}
	}
	b.WriteString("\nUse: /models <provider>\nSwitch: /model <provider/model>")
	return b.String()
}

// ModelsText is the reply to /models <provider>: the provider's allowed
// models, sorted, each with its aliases in parentheses. provider is trimmed
// and lower-cased; an empty one gives ProvidersText. An unknown provider is
// a *ResolveError (UnknownProvider) whose message is the reply.
//
//	Models (anthropic):
//	- anthropic/claude-haiku-4-5 (haiku)
//	- anthropic/claude-opus-4-1
//	…
//
//	Switch: /model <provider/model>
//
// When a models.allow pattern opens the whole provider, a line before
// Switch says that other ids are accepted too.
func (c *Catalog) ModelsText(provider string) (string, error) {
	p := normalizeProvider(provider)
	if p == "" {
		return c.ProvidersText(), nil
	}
	if !slices.Contains(knownProviders, p) {
		return "", unknownProvider(strings.TrimSpace(provider))
	}
	if c.allowedCount(p) == 0 {
		return fmt.Sprintf("No %s models are allowed. Use /models to list providers.", p), nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Models (%s):\n", p)
	for _, e := range c.byProvider[p] {
		if !e.allowed {
			continue
		}
		b.WriteString("- ")
		b.WriteString(e.Ref.String())
		if as := c.aliasesFor[e.Ref]; len(as) > 0 {
			b.WriteString(" (" + strings.Join(as, ", ") + ")")
		}
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	if c.hasAllow && c.patternAllows(p, "") {
		fmt.Fprintf(&b, "Other %s models are allowed too: /model %s/<model>\n", p, p)
	}
	b.WriteString("Switch: /model <provider/model>")
	return b.String(), nil
}

// allowedCount returns the number of allowed catalog models of provider p.
func (c *Catalog) allowedCount(p string) int {
	n := 0
	for _, e := range c.byProvider[p] {
		if e.allowed {
			n++
		}
	}
	return n
}
