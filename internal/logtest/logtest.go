// Package logtest gives tests a logger that writes to the test's output
// (STYLE §2 rule 8), so that log lines show up with the test that produced
// them, and only when it fails or runs with -v. It imports nothing beyond
// the standard library, and every package's tests may import it.
package logtest

import (
	"log/slog"
	"testing"
)

// New returns a logger that writes every level, Debug included, as text to
// t.Output(). Tests that check what was logged capture the lines in a
// buffer of their own instead.
func New(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}
