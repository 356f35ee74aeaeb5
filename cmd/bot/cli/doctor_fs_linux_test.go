//go:build linux

package cli

import "testing"

// TestNetworkMagic checks the network file systems doctor recognizes.
func TestNetworkMagic(t *testing.T) {
	for _, tt := range []struct {
		magic int64
		name  string
	}{{0x6969, "NFS"}, {0xFF534D42, "CIFS"}, {0xFE534D42, "SMB2"}, {0x01021997, "9P"}, {0xEF53, ""}, {0x01021994, ""}} {
		name, ok := networkMagic(tt.magic)
		if name != tt.name || ok != (tt.name != "") {
			t.Errorf("networkMagic(%#x) = %q, %v; want %q", tt.magic, name, ok, tt.name)
		}
	}
}
