//go:build linux

package cli

import "syscall"

// networkFS reports whether path is on a network file system, and which,
// from the file system's magic number (statfs(2)).
func networkFS(path string) (string, bool) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return "", false
	}
	return networkMagic(int64(st.Type))
}

// networkMagic names the network file systems by their statfs magic
// numbers (linux/magic.h and the file systems' own headers).
func networkMagic(magic int64) (string, bool) {
	switch uint32(magic) {
	case 0x6969:
		return "NFS", true
	case 0x517B:
		return "SMB", true
	case 0xFF534D42:
		return "CIFS", true
	case 0xFE534D42:
		return "SMB2", true
	case 0x5346414F:
		return "AFS", true
	case 0x73757245:
		return "Coda", true
	case 0x564C:
		return "NCP", true
	case 0x00C36400:
		return "Ceph", true
	case 0x01021997:
		return "9P", true
	}
	return "", false
}
