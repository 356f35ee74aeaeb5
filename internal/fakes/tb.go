package fakes

// TB is the part of testing.TB a fake needs; *testing.T satisfies it. A
// program that runs the fakes outside go test (fakeprovider) passes its
// own: Cleanup then registers what to close when it shuts down.
type TB interface {
	Helper()
	Cleanup(func())
}
