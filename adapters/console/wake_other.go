//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package console

// readerWakes reports whether termread.Reader's Read returns when its
// context ends. Here it reads the terminal itself, which cannot be woken:
// the typeahead pump is left blocked and ends with the process, as a
// plain reader of stdin does.
const readerWakes = false
