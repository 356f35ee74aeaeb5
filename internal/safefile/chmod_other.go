//go:build !unix

package safefile

import (
	"errors"
	"io/fs"
	"os"
)

// ChmodNoFollow sets the mode of the regular file or directory at path to
// perm when it is still the file seen (the caller's Lstat). Without
// O_NOFOLLOW here, a link swapped in between the check and the change
// could be followed; such systems have no Unix modes to fix anyway.
func ChmodNoFollow(path string, perm fs.FileMode, seen fs.FileInfo) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return err
	}
	if !os.SameFile(fi, seen) || (!fi.Mode().IsRegular() && !fi.IsDir()) {
		return errors.New("it changed while being checked; run bot doctor again")
	}
	return os.Chmod(path, perm)
}
