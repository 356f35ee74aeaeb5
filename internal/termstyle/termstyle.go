// Package termstyle keeps Bubble Tea v1 from querying the terminal when
// bot starts. Bubble Tea's init asks the terminal for its background
// colour (OSC 11, through Lip Gloss and termenv) in every program that
// imports it, whatever the command: a terminal that answers neither that
// nor the cursor report (a bare pseudo-terminal, some serial consoles)
// makes every bot command wait 5 s before it starts.
//
// This package's init runs first: Go initializes packages in the order of
// their import paths among those whose imports are ready, and
// "github.com/botgateway/…" sorts before "github.com/charmbracelet/bubbletea",
// which needs Lip Gloss too. It tells Lip Gloss the background is dark, so
// the init asks nothing. Detect asks the real question, once, where a
// form is about to be drawn (bot onboard at a terminal).
package termstyle

import (
	"io"

	"github.com/charmbracelet/lipgloss"
)

func init() {
	lipgloss.SetHasDarkBackground(true)
}

// Detect asks the terminal w writes to for its background colour and
// makes Lip Gloss's adaptive colours follow it. It is called only right
// before a form is drawn on w, never while one runs.
func Detect(w io.Writer) {
	lipgloss.SetHasDarkBackground(lipgloss.NewRenderer(w).HasDarkBackground())
}
