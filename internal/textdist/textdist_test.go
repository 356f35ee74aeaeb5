package textdist

import "testing"

func TestOSA(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"model", "model", 0},
		{"modle", "model", 1}, // a transposition counts once
		{"sonet", "sonnet", 1},
		{"kitten", "sitting", 3},
		{"héllo", "hello", 1}, // runes, not bytes
	}
	for _, tt := range tests {
		if got := OSA(tt.a, tt.b); got != tt.want {
			t.Errorf("OSA(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestOSAModelTypos(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"abc", "", 3},
		{"hiaku", "haiku", 1},
		{"antropic", "anthropic", 1},
		{"ça", "ca", 1},
	} {
		if got := OSA(tc.a, tc.b); got != tc.want {
			t.Errorf("OSA(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
