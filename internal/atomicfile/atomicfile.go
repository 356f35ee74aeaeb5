// Package atomicfile writes files so that a reader, or a process that crashes
// mid-write, only ever sees the old content or the new content, never a mix.
//
// A path that is a symbolic link stays one: the write goes to the file the
// link names (people share one credential store between agents this way),
// and the temporary file is made next to that file, so the final rename
// never crosses a filesystem. Every writer of a file takes the same
// cross-process lock (Lock), on the link's target, so writers reaching one
// file through different links exclude each other. The temporary files of a
// writer killed mid-write are removed by the next writer (RemoveTemps), and
// a change to several files at once goes through a Txn.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// maxLinks bounds the symbolic links Target follows, as Linux's ELOOP does.
const maxLinks = 40

// Target returns the file a write to path changes: path itself when it is
// not a symbolic link (or does not exist), else the file the chain of links
// finally names, which need not exist yet (a dangling link is written
// through, as a shell's redirection would, rather than replaced).
func Target(path string) (string, error) {
	p := path
	for range maxLinks {
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return p, nil
		}
		if err != nil {
			return "", fmt.Errorf("atomicfile: resolve %s: %w", path, err)
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			return p, nil
		}
		if t, err := filepath.EvalSymlinks(p); err == nil {
			return t, nil
		}
		// A dangling link: follow one step by hand, relative to the
		// link's real directory.
		link, err := os.Readlink(p)
		if err != nil {
			return "", fmt.Errorf("atomicfile: resolve %s: %w", path, err)
		}
		if !filepath.IsAbs(link) {
			dir, err := filepath.EvalSymlinks(filepath.Dir(p))
			if err != nil {
				return "", fmt.Errorf("atomicfile: resolve %s: %w", path, err)
			}
			link = filepath.Join(dir, link)
		}
		p = link
	}
	return "", fmt.Errorf("atomicfile: resolve %s: too many levels of symbolic links", path)
}

// tempPrefix is the name prefix of WriteFile's temporary files for target.
func tempPrefix(target string) string { return "." + filepath.Base(target) + ".tmp-" }

// WriteFile writes data to path atomically: to a temporary file in the
// directory of path's Target, synced and given mode perm, then renamed over
// the target, and the directory synced. A symbolic link at path is kept.
// The target's directory must exist. On error the file is untouched and the
// temporary file is removed.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	target, err := Target(path)
	if err != nil {
		return err
	}
	tmp, err := writeTemp(target, tempPrefix(target)+"*", data, perm)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, target); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("atomicfile: rename to %s: %w", target, err)
	}
	syncDir(filepath.Dir(target))
	return nil
}

// writeTemp creates a temporary file next to target named after pattern
// (os.CreateTemp's), writes data to it, syncs it, gives it mode perm and
// returns its path. On error nothing is left behind.
func writeTemp(target, pattern string, data []byte, perm os.FileMode) (_ string, err error) {
	f, err := os.CreateTemp(filepath.Dir(target), pattern)
	if err != nil {
		return "", fmt.Errorf("atomicfile: create temp for %s: %w", target, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(perm); err != nil {
		return "", fmt.Errorf("atomicfile: chmod %s: %w", tmp, err)
	}
	if _, err := f.Write(data); err != nil {
		return "", fmt.Errorf("atomicfile: write %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		return "", fmt.Errorf("atomicfile: sync %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("atomicfile: close %s: %w", tmp, err)
	}
	return tmp, nil
}

// syncDir syncs a directory so that a rename in it survives a power loss.
// Some filesystems refuse to sync directories; the rename already happened,
// so that is not an error worth failing the write for.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// RemoveTemps removes the temporary files that writers of path killed
// during WriteFile left next to its Target. Such files may hold secrets
// since removed from the file. The caller must hold path's Lock, which
// every writer holds while its temporary file exists, so that any such file
// is an orphan. Failures are ignored: the files are only litter.
func RemoveTemps(path string) {
	target, err := Target(path)
	if err != nil {
		return
	}
	dir, prefix := filepath.Dir(target), tempPrefix(target)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) && e.Type().IsRegular() {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}
