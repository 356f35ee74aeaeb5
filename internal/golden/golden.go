// Package golden reads the txtar golden files of the test runners
// (grammar/testdata/parse, commands/testdata/replies) and refuses a file
// whose sections the runner would not read: a misspelt section name is
// silently ignored otherwise, and of a section written twice only one
// counts, so a golden file could pass while it checks nothing.
package golden

import (
	"fmt"
	"strings"

	"github.com/rogpeppe/go-internal/txtar"
)

// Read parses the golden file at path and checks its sections (Check).
func Read(path string, known ...string) (*txtar.Archive, error) {
	a, err := txtar.ParseFile(path)
	if err != nil {
		return nil, err
	}
	if err := Check(a, known...); err != nil {
		return nil, fmt.Errorf("golden file %s: %w", path, err)
	}
	return a, nil
}

// Check reports the first section of a whose name is not known or that
// appears twice. A known name ending in "/" admits every name under it
// ("home/" admits "home/.bot/bot.json").
func Check(a *txtar.Archive, known ...string) error {
	seen := make(map[string]bool, len(a.Files))
	for _, f := range a.Files {
		if seen[f.Name] {
			return fmt.Errorf("section %q appears twice; merge the two", f.Name)
		}
		seen[f.Name] = true
		if !isKnown(f.Name, known) {
			return fmt.Errorf("section %q is not one this runner reads (%s); rename or remove it", f.Name, strings.Join(known, ", "))
		}
	}
	return nil
}

func isKnown(name string, known []string) bool {
	for _, k := range known {
		if dir, ok := strings.CutSuffix(k, "/"); ok {
			if rest, under := strings.CutPrefix(name, dir+"/"); under && rest != "" {
				return true
			}
		} else if name == k {
			return true
		}
	}
	return false
}
