package config

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/botgateway/bot/internal/atomicfile"
	"github.com/botgateway/bot/internal/safefile"
	"github.com/botgateway/bot/internal/secret"
)

// DotenvVar is one variable to set in a .env file.
type DotenvVar struct {
	Key   string
	Value secret.Secret
}

// dotenvMode is the mode of a .env file bot writes: it holds tokens.
const dotenvMode = 0o600

// SetDotenvIn adds to txn the .env file at path (~/.bot/.env) with each of
// vars set, and calls commit while it holds the file's cross-process lock,
// so that the change and the other files of txn land together (a Txn's
// caller holds every file's lock while it commits). A variable already in
// the file is replaced in place, on its first line (an "export " prefix is
// kept), and its later lines are removed, since the last one would win;
// a new one is appended. Comments, blank lines and every other line stay
// as they are; the file is created at 0600, its directory at 0700.
//
// A file someone else could have written (internal/safefile) is refused,
// as the loader ignores it.
func SetDotenvIn(ctx context.Context, path string, txn *atomicfile.Txn, vars []DotenvVar, commit func() error) error {
	for _, v := range vars {
		if !validEnvName(v.Key) {
			return fmt.Errorf("config: %q is not a variable name", v.Key)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("config: create the directory of %s: %w", path, err)
	}
	err := atomicfile.WithLock(ctx, path, func(_ context.Context, target string) error {
		data, err := safefile.ReadFile(target)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("config: read %s: %w", path, err)
		}
		out := string(data)
		for _, v := range vars {
			out = setDotenv(out, v.Key, v.Value)
		}
		atomicfile.RemoveTemps(target)
		if err := txn.Add(target, []byte(out), dotenvMode); err != nil {
			return fmt.Errorf("config: %w", err)
		}
		return commit()
	})
	return err
}

// setDotenv returns data with key set to value (see SetDotenvIn).
func setDotenv(data, key string, value secret.Secret) string {
	line := key + "=" + dotenvQuote(value.Reveal())
	entries, _ := parseDotenv(data)
	lines := strings.Split(data, "\n")
	drop := map[int]bool{}
	found := false
	for _, e := range entries {
		if e.key != key {
			continue
		}
		if found {
			for n := e.line; n <= e.end; n++ {
				drop[n-1] = true
			}
			continue
		}
		found = true
		first := strings.TrimLeft(lines[e.line-1], " \t")
		if strings.HasPrefix(first, "export") {
			line = "export " + line
		}
		lines[e.line-1] = line
		for n := e.line + 1; n <= e.end; n++ {
			drop[n-1] = true
		}
	}
	if !found {
		if n := len(lines); n > 0 && lines[n-1] == "" {
			lines = lines[:n-1]
		}
		lines = append(lines, line, "")
	}
	kept := lines[:0]
	for i, l := range lines {
		if !drop[i] {
			kept = append(kept, l)
		}
	}
	return strings.Join(kept, "\n")
}

// dotenvQuote returns value as parseDotenv reads it back: as is when it is
// plain, else double-quoted with escapes.
func dotenvQuote(value string) string {
	if value != "" && !strings.ContainsAny(value, " \t\r\n#\"'\\$`") {
		return value
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`)
	return `"` + r.Replace(value) + `"`
}

// DotenvSecrets reads data as .env lines (KEY=value, comments and blank
// lines) when it is nothing else and sets at least one variable: how
// "bot onboard --non-interactive" takes several secrets on stdin. ok is
// false for anything else (a bare key, a malformed line).
func DotenvSecrets(data string) (vars map[string]secret.Secret, ok bool) {
	entries, problems := parseDotenv(data)
	if len(entries) == 0 || len(problems) > 0 {
		return nil, false
	}
	vars = map[string]secret.Secret{}
	for _, e := range entries {
		vars[e.key] = secret.New(strings.TrimSpace(e.value))
	}
	return vars, true
}
