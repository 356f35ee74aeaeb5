package commands

import (
	"fmt"
	"github.com/botgateway/bot/internal/textdist"
	"slices"
)

// Registry holds the commands by name and alias.
type Registry struct {
	cmds   []*Command
	byName map[string]*Command
}

// NewRegistry returns a registry of cmds. A duplicate name or alias is a
// programming error and panics, naming it.
func NewRegistry(cmds ...Command) *Registry {
	r := &Registry{byName: map[string]*Command{}}
	for i := range cmds {
		c := &cmds[i]
		r.cmds = append(r.cmds, c)
		for _, n := range append([]string{c.Name}, c.Aliases...) {
			if _, dup := r.byName[n]; dup {
				panic(fmt.Sprintf("commands: duplicate command name %q", n))
			}
			r.byName[n] = c
		}
	}
	return r
}

// Lookup finds a command by name or alias (names are lower-case).
func (r *Registry) Lookup(name string) (*Command, bool) {
	c, ok := r.byName[name]
	return c, ok
}

// Spec is a command as menus and /help show it.
type Spec struct {
	Name    string
	Aliases []string
	Usage   string
	Summary string
	// Args are the command's arguments, for the platforms' native
	// command definitions.
	Args []Arg
}

// Specs returns the spec of every command shown in /help and menus (not
// Hidden), in registration order.
func (r *Registry) Specs() []Spec {
	out := make([]Spec, 0, len(r.cmds))
	for _, c := range r.cmds {
		if c.Hidden {
			continue
		}
		out = append(out, Spec{Name: c.Name, Aliases: slices.Clone(c.Aliases), Usage: c.Usage, Summary: c.Summary, Args: slices.Clone(c.Args)})
	}
	return out
}

// Suggest returns the registered name closest to name (edit distance at
// most 2, or a prefix match), or "".
func (r *Registry) Suggest(name string) string {
	best, bestD := "", 3
	names := make([]string, 0, len(r.byName))
	for n := range r.byName {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		d := textdist.OSA(name, n)
		if d < bestD {
			best, bestD = n, d
		}
	}
	if best == "" {
		for _, n := range names {
			if len(name) >= 2 && len(n) > len(name) && n[:len(name)] == name {
				return n
			}
		}
	}
	return best
}
