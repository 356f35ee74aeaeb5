package config

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad loads arbitrary files: Load must never panic, and every file it
// accepts must stay valid through an Edit.
func FuzzLoad(f *testing.F) {
	for _, seed := range []string{
		"",
		"// comment only",
		"{}",
		`{"models": {"defualt": "x"}}`,
		"{\n  \"auth\": {\"profiles\": {\"anthropic:claude-cli\": {\"provider\": \"anthropic\", \"mode\": \"token\"}}, \"order\": {\"anthropic\": [\"a\", /* c */ \"b\",]}},\n}\n",
		`{"channels": {"telegram": {"allowFrom": [1, "2"], "webhook": {"url": "https://x", "secret": "s"}}}, "env": {"A": "b", "vars": {}, "shellEnv": {"enabled": true}}}`,
		`{"auth": null, "sessions": {"historyTurns": 1e400}}`,
		"{\"a\": sk-ant-x}",
		"\ufeff[1, 2",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "bot.json")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		file, err := Load(path)
		if err != nil {
			return
		}
		if file.Config == nil {
			t.Fatal("Load returned a nil Config")
		}
		err = Edit(t.Context(), path, func(d *Doc) error {
			if err := d.SetAuthProfile("anthropic:fuzz", "anthropic", ModeOAuth); err != nil {
				return err
			}
			if err := d.SetAuthProfile("anthropic:claude-cli", "anthropic", ModeOAuth); err != nil {
				return err
			}
			_, err := d.RemoveAuthProfile("anthropic:claude-cli")
			return err
		})
		if err != nil {
			t.Fatalf("Edit of a valid file failed: %v\n%s", err, data)
		}
		again, err := Load(path)
		if err != nil {
			t.Fatalf("edited file does not load: %v\nbefore:\n%s\nafter:\n%s", err, data, readFile(t, path))
		}
		if p := again.Config.Auth.Profiles["anthropic:fuzz"]; p.Mode != ModeOAuth {
			t.Fatalf("edited file lost the profile: %+v", again.Config.Auth.Profiles)
		}
	})
}

// FuzzParseDotenv parses arbitrary .env content: it must never panic, and
// every entry must have a valid name.
func FuzzParseDotenv(f *testing.F) {
	for _, seed := range []string{"A=1\n", "export B='x'\n", "C=\"a\\n\nb\"\n", "#x\n=\n", "D=\"\\"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data string) {
		entries, _ := parseDotenv(data)
		for _, e := range entries {
			if !validEnvName(e.key) {
				t.Fatalf("entry with invalid name %q", e.key)
			}
		}
	})
}
