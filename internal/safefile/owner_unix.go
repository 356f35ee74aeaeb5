//go:build unix

package safefile

import (
	"io/fs"
	"syscall"
)

// ownerOf returns the uid fi belongs to.
func ownerOf(fi fs.FileInfo) (int, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}
