package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/botgateway/bot/internal/secret"
)

func TestReadDotenv(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, ".env")
	got, err := ReadDotenv(path)
	if err != nil || len(got) != 0 {
		t.Fatalf("ReadDotenv of a missing file = %v, %v; want none", got, err)
	}
	if err := os.WriteFile(path, []byte("# c\nexport A=1\nB=\"x y\"\nnot a line\nA=2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err = ReadDotenv(path)
	if err != nil {
		t.Fatal(err)
	}
	plain := map[string]bool{}
	for k, v := range got {
		plain[k] = v.Equal(secret.New(map[string]string{"A": "2", "B": "x y"}[k])) // compared, never printed
	}
	if diff := cmp.Diff(map[string]bool{"A": true, "B": true}, plain); diff != "" {
		t.Errorf("keys and values (-want +got):\n%s", diff)
	}
}
