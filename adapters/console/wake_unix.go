//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package console

// readerWakes reports whether termread.Reader's Read returns when its
// context ends, so the typeahead pump can be waited for.
const readerWakes = true
