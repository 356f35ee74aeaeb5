package auth

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/botgateway/bot/config"
)

// fakeUsage is a Usage from a map.
type fakeUsage struct {
	state    map[ProfileID]UsageState
	lastGood map[string]ProfileID
}

func (f fakeUsage) ProfileUsage(id ProfileID) UsageState { return f.state[id] }
func (f fakeUsage) LastGood(p string) ProfileID          { return f.lastGood[p] }

// fakeEnv is an EnvLookup from a map.
type fakeEnv map[string]string

func (f fakeEnv) Lookup(k string) (Secret, config.Source, bool) {
	v, ok := f[k]
	if !ok {
		return Secret{}, config.Source{}, false
	}
	return NewSecret(v), config.Source{Kind: config.SourceProcess, Key: k}, true
}

var t0 = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func testStore() *Store {
	s := NewStore()
	s.Set("anthropic:key-a", &Credential{Provider: "anthropic", Type: KindAPIKey, Key: NewSecret("sk-ant-api03-aaaaaaaaaaaaaaaaaaaa")})
	s.Set("anthropic:key-b", &Credential{Provider: "anthropic", Type: KindAPIKey, Key: NewSecret("sk-ant-api03-bbbbbbbbbbbbbbbbbbbb")})
	s.Set("anthropic:tok", &Credential{Provider: "anthropic", Type: KindToken, Token: NewSecret("sk-ant-oat01-tttttttttttttttttttt")})
	s.Set("anthropic:claude-cli", &Credential{Provider: "anthropic", Type: KindOAuth, Access: NewSecret("a"), Refresh: NewSecret("r"), Expires: t0.Add(time.Hour)})
	s.Set("anthropic:old", &Credential{Provider: "anthropic", Type: KindToken, Token: NewSecret("x"), Expires: t0.Add(-time.Hour)})
	s.Set("openai:default", &Credential{Provider: "openai", Type: KindAPIKey, Key: NewSecret("sk-proj-oooooooooooooooooooo")})
	return s
}

func labels(p Plan) []string {
	var out []string
	for _, c := range p.Candidates {
		out = append(out, c.Label())
	}
	return out
}

func TestResolveOrder(t *testing.T) {
	cooldown := fakeUsage{state: map[ProfileID]UsageState{
		"anthropic:claude-cli": {CooldownUntil: t0.Add(5 * time.Minute)},
		"anthropic:key-a":      {LastUsed: t0.Add(-time.Minute)},
		"anthropic:key-b":      {LastUsed: t0.Add(-time.Hour)},
	}}
	tests := []struct {
		name   string
		store  func(*Store)
		cfg    config.Config
		usage  Usage
		env    fakeEnv
		q      Query
		want   []string
		basis  Basis
		exclud []string
	}{
		{
			name:  "stored round-robin: oauth, token, keys; expired token excluded",
			q:     Query{Provider: "anthropic"},
			want:  []string{"anthropic:claude-cli", "anthropic:tok", "anthropic:key-a", "anthropic:key-b"},
			basis: BasisStored, exclud: []string{"anthropic:old"},
		},
		{
			name:  "least recently used first, cooldown last",
			usage: cooldown,
			q:     Query{Provider: "anthropic"},
			want:  []string{"anthropic:tok", "anthropic:key-b", "anthropic:key-a", "anthropic:claude-cli"},
			basis: BasisStored, exclud: []string{"anthropic:old"},
		},
		{
			name:  "store order wins over config order",
			store: func(s *Store) { s.Order = map[string][]ProfileID{"anthropic": {"anthropic:key-b", "anthropic:key-a"}} },
			cfg:   config.Config{Auth: config.AuthConfig{Order: map[string][]string{"anthropic": {"anthropic:tok"}}}},
			q:     Query{Provider: "anthropic"},
			want:  []string{"anthropic:key-b", "anthropic:key-a"},
			basis: BasisStoreOrder, exclud: []string{"anthropic:tok", "anthropic:claude-cli", "anthropic:old"},
		},
		{
			name:  "config order, foreign and unknown ids excluded",
			cfg:   config.Config{Auth: config.AuthConfig{Order: map[string][]string{"Anthropic": {"anthropic:tok", "openai:default", "anthropic:gone", "anthropic:key-a"}}}},
			q:     Query{Provider: "anthropic"},
			want:  []string{"anthropic:tok", "anthropic:key-a"},
			basis: BasisConfig, exclud: []string{"openai:default", "anthropic:gone", "anthropic:key-b", "anthropic:claude-cli", "anthropic:old"},
		},
		{
			name: "configured profiles; mode oauth accepts a token, mode token rejects oauth",
			cfg: config.Config{Auth: config.AuthConfig{Profiles: map[string]config.AuthProfile{
				"anthropic:tok":        {Provider: "anthropic", Mode: "oauth"},
				"anthropic:claude-cli": {Provider: "anthropic", Mode: "token"},
				"anthropic:key-a":      {Provider: "anthropic", Mode: "api_key"},
			}}},
			q:     Query{Provider: "anthropic"},
			want:  []string{"anthropic:tok", "anthropic:key-a"},
			basis: BasisConfigured, exclud: []string{"anthropic:claude-cli", "anthropic:key-b", "anthropic:old"},
		},
		{
			name:  "user pin alone, even in cooldown",
			usage: cooldown,
			env:   fakeEnv{"ANTHROPIC_API_KEY": "sk-ant-api03-envenvenvenvenvenvenv"},
			q:     Query{Provider: "anthropic", Pin: "anthropic:claude-cli", PinIsUser: true},
			want:  []string{"anthropic:claude-cli"},
			basis: BasisPinned,
		},
		{
			name:  "auto pin first unless cooling down",
			q:     Query{Provider: "anthropic", Pin: "anthropic:key-b"},
			want:  []string{"anthropic:key-b", "anthropic:claude-cli", "anthropic:tok", "anthropic:key-a"},
			basis: BasisAuto, exclud: []string{"anthropic:old"},
		},
		{
			name:  "env after profiles; ANTHROPIC_OAUTH_TOKEN before ANTHROPIC_API_KEY",
			env:   fakeEnv{"ANTHROPIC_API_KEY": "k", "ANTHROPIC_OAUTH_TOKEN": "o"},
			q:     Query{Provider: "openai"},
			want:  []string{"openai:default"},
			basis: BasisStored,
		},
		{
			name:  "env only",
			env:   fakeEnv{"OPENROUTER_API_KEY": "sk-or-v1-0000000000000000000000"},
			q:     Query{Provider: "openrouter"},
			want:  []string{"env: OPENROUTER_API_KEY"},
			basis: BasisEnv,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testStore()
			if tt.store != nil {
				tt.store(s)
			}
			cfg := tt.cfg
			r := &Resolver{Store: s, Config: &cfg, Usage: tt.usage, Now: func() time.Time { return t0 }}
			if tt.env != nil {
				r.Env = tt.env
			}
			plan := r.Resolve(tt.q)
			if diff := cmp.Diff(tt.want, labels(plan)); diff != "" {
				t.Errorf("order (-want +got):\n%s", diff)
			}
			if len(plan.Candidates) > 0 && plan.Candidates[0].Basis != tt.basis {
				t.Errorf("basis = %s, want %s", plan.Candidates[0].Basis, tt.basis)
			}
			var ex []string
			for _, c := range plan.Excluded {
				ex = append(ex, string(c.ProfileID))
				if c.Excluded == "" {
					t.Errorf("%s excluded without a reason", c.ProfileID)
				}
			}
			if diff := cmp.Diff(tt.exclud, ex); diff != "" {
				t.Errorf("excluded (-want +got):\n%s", diff)
			}
		})
	}
}

// TestResolveEnvKind: an OAuth token from the environment is a bearer
// token, an API key a key.
func TestResolveEnvKind(t *testing.T) {
	r := &Resolver{Store: NewStore(), Config: &config.Config{}, Env: fakeEnv{"ANTHROPIC_OAUTH_TOKEN": "o", "ANTHROPIC_API_KEY": "k"}, Now: func() time.Time { return t0 }}
	c, ok := r.Resolve(Query{Provider: "anthropic"}).Next()
	if !ok || c.Credential.Type != KindToken || c.EnvSource != "env: ANTHROPIC_OAUTH_TOKEN" {
		t.Fatalf("next = %+v, want the OAuth token from env", c)
	}
}

func BenchmarkResolve(b *testing.B) {
	s := testStore()
	r := &Resolver{Store: s, Config: &config.Config{}, Now: func() time.Time { return t0 }}
	b.ReportAllocs()
	for b.Loop() {
		r.Resolve(Query{Provider: "anthropic"})
	}
}
