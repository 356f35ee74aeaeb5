//go:build race

package sessions

// raceEnabled reports a build with the race detector, under which SQLite
// runs several times slower.
const raceEnabled = true
