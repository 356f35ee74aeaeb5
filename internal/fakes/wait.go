package fakes

import "time"

// waitChanged is the wait rule of the platform fakes' WaitUntil: it checks
// cond, then again at every change of the fake (changed returns the
// channel closed at the next one), until cond holds; it fails t when
// timeout passes first or the fake closes (done). name is the fake's, what
// the condition's, for the failure line. cond must not block.
func waitChanged(t Failer, name, what string, timeout time.Duration, changed func() <-chan struct{}, done <-chan struct{}, cond func() bool) {
	t.Helper()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		ch := changed() // taken before cond: a change during cond wakes us
		if cond() {
			return
		}
		select {
		case <-ch:
		case <-timer.C:
			t.Fatalf("fakes: %s: gave up after %v waiting for %s", name, timeout, what)
			return
		case <-done:
			t.Fatalf("fakes: %s closed while waiting for %s", name, what)
			return
		}
	}
}
