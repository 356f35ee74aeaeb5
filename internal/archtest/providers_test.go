package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"testing"

	"github.com/botgateway/bot/internal/providers"
)

// TestProviderTableOnce: a provider's variables and URLs are spelled only in
// internal/providers. Any other non-test file holding one of them as a
// string literal is a second copy of the table, which the next provider
// added would leave behind.
func TestProviderTableOnce(t *testing.T) {
	owned := map[string]string{}
	for _, s := range providers.All() {
		for _, v := range append(s.KeyVars, s.BaseURLVar, s.TokenURLVar, s.DefaultURL, s.TokenURL) {
			if v != "" {
				owned[v] = s.ID
			}
		}
	}
	fset := token.NewFileSet()
	walkSource(t, func(path, rel string) error {
		if strings.HasPrefix(rel, "internal/providers/") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			v, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			if id, ok := owned[v]; ok {
				t.Errorf("%s: %q is %s's, from the table in internal/providers; ask it there", fset.Position(lit.Pos()), v, id)
			}
			return true
		})
		return nil
	})
}
