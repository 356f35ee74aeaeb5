package config

import "testing"

func TestEnvValueRefusesSecrets(t *testing.T) {
	vals := map[string]string{
		"ANTHROPIC_BASE_URL":            "http://127.0.0.1:9/",
		"ANTHROPIC_API_KEY":             "sk-ant-api03-secret",
		"BOT_LOG_LEVEL":                 "debug",
		"BOT_OAUTH_TOKEN_URL_ANTHROPIC": "http://127.0.0.1:9/token",
	}
	e := &Env{getenv: func(k string) string { return vals[k] }}
	tests := []struct {
		key  string
		want string
		ok   bool
	}{
		{"ANTHROPIC_BASE_URL", "http://127.0.0.1:9/", true},
		{"BOT_LOG_LEVEL", "debug", true},
		{"ANTHROPIC_API_KEY", "", false},
		{"BOT_OAUTH_TOKEN_URL_ANTHROPIC", "http://127.0.0.1:9/token", true},
		{"BOT_SECRET_THING", "", false},
		{"UNSET_BASE_URL", "", false},
	}
	for _, tt := range tests {
		got, _, ok := e.Value(tt.key)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Value(%q) = %q, %v; want %q, %v", tt.key, got, ok, tt.want, tt.ok)
		}
	}
}
