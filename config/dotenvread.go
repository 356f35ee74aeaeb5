package config

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/botgateway/bot/internal/safefile"
	"github.com/botgateway/bot/internal/secret"
)

// ReadDotenv returns the variables the .env file at path sets (the last
// line wins for a key set twice). A missing file sets none. Malformed lines
// are left out, as the environment loader leaves them out; a file someone
// else could have written is refused (internal/safefile).
func ReadDotenv(path string) (map[string]secret.Secret, error) {
	data, err := safefile.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]secret.Secret{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("config: read %s: %w", path, err)
	}
	entries, _ := parseDotenv(string(data))
	out := make(map[string]secret.Secret, len(entries))
	for _, e := range entries {
		out[e.key] = secret.New(e.value)
	}
	return out, nil
}
