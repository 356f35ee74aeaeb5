//go:build unix

package safefile

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// ChmodNoFollow sets the mode of the regular file or directory at path to
// perm, never following a symbolic link and never changing anything but
// the file seen: seen is what the caller's Lstat returned, and the file
// opened (O_NOFOLLOW, so a link put in its place is not followed) must be
// that same file, of the same kind, or nothing is changed. The mode is set
// on the open file (fchmod), so nothing can be swapped in between.
func ChmodNoFollow(path string, perm fs.FileMode, seen fs.FileInfo) error {
	if !seen.Mode().IsRegular() && !seen.IsDir() {
		return errors.New("not a regular file or directory")
	}
	flags := os.O_RDONLY | syscall.O_NOFOLLOW | syscall.O_NONBLOCK | syscall.O_CLOEXEC
	if seen.IsDir() {
		flags |= syscall.O_DIRECTORY
	}
	f, err := os.OpenFile(path, flags, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !os.SameFile(fi, seen) || fi.Mode().Type() != seen.Mode().Type() {
		return errors.New("it changed while being checked; run bot doctor again")
	}
	return f.Chmod(perm)
}
