package auth

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/botgateway/bot/internal/jsonobj"
)

// rawJSONEqual compares raw JSON values by meaning, not by layout. Numbers
// compare as written (json.Number), so one beyond float64's range
// (176E200000000, which a store may hold in a field bot keeps untouched)
// is still compared by meaning rather than byte by byte.
var rawJSONEqual = cmp.Comparer(func(a, b json.RawMessage) bool {
	x, errA := decodeRaw(a)
	y, errB := decodeRaw(b)
	if errA != nil || errB != nil {
		return bytes.Equal(a, b)
	}
	return cmp.Equal(x, y)
})

// decodeRaw decodes b into generic values, numbers as json.Number.
func decodeRaw(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	err := d.Decode(&v)
	return v, err
}

// storeOpts compares two Stores field by field, unexported ones included,
// with raw JSON compared by meaning (Secret and time.Time compare through
// their Equal methods).
var storeOpts = cmp.Options{cmp.AllowUnexported(Store{}, jsonobj.Object{}), rawJSONEqual}

// storeFixture returns testdata/store/<name>.
func storeFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "store", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// parseJSON decodes b into generic values for semantic comparison.
func parseJSON(t testing.TB, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	return v
}

func mustDecodeStore(t testing.TB, b []byte) *Store {
	t.Helper()
	s, err := DecodeStore(b)
	if err != nil {
		t.Fatalf("DecodeStore: %v", err)
	}
	return s
}

func mustEncodeStore(t testing.TB, s *Store) []byte {
	t.Helper()
	b, err := s.Encode()
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	return b
}

func TestDecodeStoreOpenClaw(t *testing.T) {
	s := mustDecodeStore(t, storeFixture(t, "openclaw.json"))

	if s.Version != 1 {
		t.Errorf("Version = %d, want 1", s.Version)
	}
	raw := func(s string) json.RawMessage { return json.RawMessage(s) }
	ms := func(n int64) time.Time { return time.UnixMilli(n) }
	want := map[ProfileID]*Credential{
		"anthropic:default": {
			Provider: "anthropic", Type: KindAPIKey,
			Key: NewSecret("sk-ant-api03-FIXTURE-key-0000000000000000"),
		},
		"anthropic:manual": {
			Provider: "anthropic", Type: KindToken,
			Token:   NewSecret("sk-ant-oat01-FIXTURE-token-1111111111111111"),
			Expires: ms(1893456000000),
		},
		"anthropic:claude-cli": {
			Provider: "anthropic", Type: KindOAuth,
			Access:  NewSecret("sk-ant-oat01-FIXTURE-access-2222222222222222"),
			Refresh: NewSecret("sk-ant-ort01-FIXTURE-refresh-3333333333333333"),
			Expires: ms(1767225600000), Email: "me@example.com",
		},
		"openai-codex:default": {
			Provider: "openai-codex", Type: KindOAuth,
			Access:  NewSecret("eyJhbGciOiJSUzI1NiJ9.FIXTURE.access"),
			Refresh: NewSecret("rt_FIXTURE_refresh_4444"),
			Expires: ms(1767312000000),
			Extra:   map[string]json.RawMessage{"accountId": raw(`"acct_8f1c2d3e"`)},
		},
		"google-antigravity:me@x.com": {
			Provider: "google-antigravity", Type: KindOAuth,
			Access:  NewSecret("ya29.FIXTURE-access-5555"),
			Refresh: NewSecret("1//FIXTURE-refresh-6666"),
			Expires: ms(1767398400000), Email: "me@x.com",
			Extra: map[string]json.RawMessage{
				"clientId":  raw(`"1071006060591-FIXTURE.apps.googleusercontent.com"`),
				"projectId": raw(`"rising-fact-p41fc"`),
			},
		},
		"github-copilot:default": {
			Provider: "github-copilot", Type: KindOAuth,
			Access:  NewSecret("tid=FIXTURE;exp=1767398400"),
			Refresh: NewSecret("ghu_FIXTURE7777"),
			Expires: ms(1767398400000),
			Extra:   map[string]json.RawMessage{"enterpriseUrl": raw(`"github.example.com"`)},
		},
	}
	if diff := cmp.Diff(want, s.Profiles, rawJSONEqual); diff != "" {
		t.Errorf("Profiles (-want +got):\n%s", diff)
	}

	wantIDs := []ProfileID{
		"anthropic:default", "anthropic:manual", "anthropic:claude-cli",
		"openai-codex:default", "google-antigravity:me@x.com", "github-copilot:default",
	}
	if diff := cmp.Diff(wantIDs, s.IDs()); diff != "" {
		t.Errorf("IDs (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]ProfileID{"anthropic:default", "anthropic:manual", "anthropic:claude-cli"}, s.ForProvider("anthropic")); diff != "" {
		t.Errorf("ForProvider(anthropic) (-want +got):\n%s", diff)
	}
	wantOrder := map[string][]ProfileID{
		"anthropic":    {"anthropic:claude-cli", "anthropic:manual", "anthropic:default"},
		"openai-codex": {"openai-codex:default"},
	}
	if diff := cmp.Diff(wantOrder, s.Order); diff != "" {
		t.Errorf("Order (-want +got):\n%s", diff)
	}

	// The entry of an unknown type is kept aside, never used.
	if _, ok := s.Profiles["anthropic:old-session"]; ok {
		t.Error("the session_cookie entry was decoded as a credential")
	}
	if _, ok := s.foreign["anthropic:old-session"]; !ok {
		t.Error("the session_cookie entry was not kept")
	}
	if diff := cmp.Diff([]string{"lastGood", "usageStats", "x-migrated-from"}, s.extra.Keys()); diff != "" {
		t.Errorf("unknown top-level keys (-want +got):\n%s", diff)
	}
}

func TestStoreEncodeStable(t *testing.T) {
	for _, name := range []string{"openclaw.json", "minimal.json", "legacy-no-version.json"} {
		t.Run(name, func(t *testing.T) {
			first := mustEncodeStore(t, mustDecodeStore(t, storeFixture(t, name)))
			second := mustEncodeStore(t, mustDecodeStore(t, first))
			if diff := cmp.Diff(string(first), string(second)); diff != "" {
				t.Errorf("Encode → Decode → Encode changed the bytes (-first +second):\n%s", diff)
			}
			if !bytes.HasSuffix(first, []byte("}\n")) {
				t.Errorf("encoded store does not end in a newline: %q", first[max(0, len(first)-10):])
			}
			if !bytes.HasPrefix(first, []byte("{\n  \"version\": 1,\n  \"profiles\": {")) {
				t.Errorf("encoded store is not 2-space indented:\n%s", first)
			}
		})
	}
}

// TestStoreRewriteKeepsUnknown checks that a rewrite of an OpenClaw store is
// the same document, unknown fields and entries included, and that adding
// and removing profiles touches nothing else.
func TestStoreRewriteKeepsUnknown(t *testing.T) {
	orig := storeFixture(t, "openclaw.json")

	tests := []struct {
		name   string
		change func(s *Store)
		// want applies the same change to the parsed original document.
		want func(doc map[string]any)
	}{
		{
			name:   "unchanged",
			change: func(s *Store) {},
			want:   func(doc map[string]any) {},
		},
		{
			name: "add a profile",
			change: func(s *Store) {
				s.Set("openai:work", &Credential{Provider: "openai", Type: KindAPIKey, Key: NewSecret("sk-proj-NEW")})
			},
			want: func(doc map[string]any) {
				doc["profiles"].(map[string]any)["openai:work"] = map[string]any{
					"type": "api_key", "provider": "openai", "key": "sk-proj-NEW",
				}
			},
		},
		{
			name: "refresh an oauth profile with extra fields",
			change: func(s *Store) {
				c := s.Profiles["google-antigravity:me@x.com"].Clone()
				c.Access = NewSecret("ya29.NEW")
				c.Expires = time.UnixMilli(1767500000000)
				s.Set("google-antigravity:me@x.com", c)
			},
			want: func(doc map[string]any) {
				p := doc["profiles"].(map[string]any)["google-antigravity:me@x.com"].(map[string]any)
				p["access"] = "ya29.NEW"
				p["expires"] = float64(1767500000000)
			},
		},
		{
			name:   "delete a profile",
			change: func(s *Store) { s.Delete("anthropic:manual") },
			want: func(doc map[string]any) {
				delete(doc["profiles"].(map[string]any), "anthropic:manual")
				o := doc["order"].(map[string]any)
				o["anthropic"] = []any{"anthropic:claude-cli", "anthropic:default"}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustDecodeStore(t, orig)
			tt.change(s)
			got := parseJSON(t, mustEncodeStore(t, s))
			want := parseJSON(t, orig)
			tt.want(want.(map[string]any))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("rewritten store (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeStore(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		wantIDs   []ProfileID
		wantOrder map[string][]ProfileID
		// wantOut is the semantic content of Encode's output.
		wantOut string
	}{
		{
			name:    "minimal",
			in:      `{"version":1,"profiles":{}}`,
			wantIDs: []ProfileID{},
			wantOut: `{"version":1,"profiles":{}}`,
		},
		{
			name:    "version missing means 1",
			in:      `{"profiles":{"openai:default":{"type":"api_key","provider":"openai","key":"k"}}}`,
			wantIDs: []ProfileID{"openai:default"},
			wantOut: `{"version":1,"profiles":{"openai:default":{"type":"api_key","provider":"openai","key":"k"}}}`,
		},
		{
			name:    "entries without a known type or a provider are kept but not used",
			in:      `{"version":1,"profiles":{"a:x":{"type":"password","provider":"a"},"a:y":{"type":"api_key"},"a:z":{"type":"api_key","provider":"a","key":"k"}}}`,
			wantIDs: []ProfileID{"a:z"},
			wantOut: `{"version":1,"profiles":{"a:x":{"type":"password","provider":"a"},"a:y":{"type":"api_key"},"a:z":{"type":"api_key","provider":"a","key":"k"}}}`,
		},
		{
			name:      "order lists are trimmed like OpenClaw does",
			in:        `{"version":1,"profiles":{},"order":{" Anthropic ":[" anthropic:a ","",7],"openai":"x","openrouter":[]}}`,
			wantIDs:   []ProfileID{},
			wantOrder: map[string][]ProfileID{"anthropic": {"anthropic:a"}},
			wantOut:   `{"version":1,"profiles":{},"order":{"anthropic":["anthropic:a"]}}`,
		},
		{
			name:    "null order",
			in:      `{"version":1,"profiles":{},"order":null}`,
			wantIDs: []ProfileID{},
			wantOut: `{"version":1,"profiles":{}}`,
		},
		{
			name:    "unknown top-level keys are kept",
			in:      `{"future":[1,{"a":null}],"version":1,"profiles":{},"lastGood":{"anthropic":"anthropic:a"}}`,
			wantIDs: []ProfileID{},
			wantOut: `{"version":1,"profiles":{},"future":[1,{"a":null}],"lastGood":{"anthropic":"anthropic:a"}}`,
		},
		{
			name:    "expires null or zero means none",
			in:      `{"version":1,"profiles":{"a:t":{"type":"token","provider":"a","token":"t","expires":null},"a:u":{"type":"token","provider":"a","token":"u","expires":0}}}`,
			wantIDs: []ProfileID{"a:t", "a:u"},
			wantOut: `{"version":1,"profiles":{"a:t":{"type":"token","provider":"a","token":"t"},"a:u":{"type":"token","provider":"a","token":"u"}}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustDecodeStore(t, []byte(tt.in))
			if diff := cmp.Diff(tt.wantIDs, s.IDs()); diff != "" {
				t.Errorf("IDs (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantOrder, s.Order); diff != "" {
				t.Errorf("Order (-want +got):\n%s", diff)
			}
			out := mustEncodeStore(t, s)
			if diff := cmp.Diff(parseJSON(t, []byte(tt.wantOut)), parseJSON(t, out)); diff != "" {
				t.Errorf("Encode (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeStoreErrors(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		wantErr   string // a part of the message
		wantNewer bool
	}{
		{"empty", ``, "file is empty", false},
		{"blank", " \n\t\n", "file is empty", false},
		{"array", `[]`, "want a JSON object", false},
		{"string", `"profiles"`, "want a JSON object", false},
		{"null", `null`, "want a JSON object", false},
		{"no profiles", `{"version":1}`, `no "profiles" object`, false},
		{"profiles not an object", `{"version":1,"profiles":[]}`, `"profiles"`, false},
		{"profiles null", `{"version":1,"profiles":null}`, `"profiles"`, false},
		{"version 2", `{"version":2,"profiles":{}}`, "newer version", true},
		{"version x", `{"version":"x","profiles":{}}`, `"version"`, false},
		{"version 1.5", `{"version":1.5,"profiles":{}}`, `"version"`, false},
		{"version 0", `{"version":0,"profiles":{}}`, `"version"`, false},
		{"trailing garbage", `{"version":1,"profiles":{}} x`, "invalid JSON", false},
		{"two documents", `{"version":1,"profiles":{}}{}`, "invalid JSON", false},
		{"truncated", `{"version":1,"profiles":{`, "invalid JSON", false},
		{"syntax error", `{"version":1,,"profiles":{}}`, "invalid JSON", false},
		{"order not an object", `{"version":1,"profiles":{},"order":[]}`, `"order"`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := DecodeStore([]byte(tt.in))
			if err == nil {
				t.Fatalf("DecodeStore(%q) = %+v, want an error", tt.in, s)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not contain %q", err, tt.wantErr)
			}
			if got := errors.Is(err, ErrNewerStore); got != tt.wantNewer {
				t.Errorf("errors.Is(err, ErrNewerStore) = %v, want %v (err: %v)", got, tt.wantNewer, err)
			}
		})
	}
}

// FuzzDecodeStore checks that DecodeStore never panics, and that a store it
// accepts encodes to a document that decodes to the same store and encodes
// to the same bytes.
func FuzzDecodeStore(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "store", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, seed := range []string{
		``, `{}`, `[]`, `{"profiles":{}}`, `{"version":2,"profiles":{}}`,
		`{"profiles":{"a:b":{"type":"token","provider":"a","token":"t","expires":1.5}}}`,
		`{"profiles":{"a:b":{"type":"token","provider":"a","token":"t","expires":0.5}}}`,
		`{"profiles":{"a:b":null,"a:c":{"type":"oauth","provider":"a"}},"order":{"A":["a:b"],"a":["a:c"]}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeStore(b)
		if err != nil {
			return
		}
		first, err := s.Encode()
		if err != nil {
			t.Fatalf("Encode of a decoded store: %v", err)
		}
		again, err := DecodeStore(first)
		if err != nil {
			t.Fatalf("DecodeStore of Encode's output: %v\n%s", err, first)
		}
		if diff := cmp.Diff(s, again, storeOpts); diff != "" {
			t.Fatalf("Decode(Encode(s)) != s (-s +again):\n%s\nencoded:\n%s", diff, first)
		}
		second, err := again.Encode()
		if err != nil {
			t.Fatalf("second Encode: %v", err)
		}
		if !bytes.Equal(first, second) {
			t.Fatalf("Encode is not stable:\nfirst:\n%s\nsecond:\n%s", first, second)
		}
	})
}

// TestDecodeStoreKeepsMalformedEntries: an entry that is not a credential
// of a known shape is never used, but survives a rewrite unchanged.
func TestDecodeStoreKeepsMalformedEntries(t *testing.T) {
	in := `{"version":1,"profiles":{"a:b":{"type":"api_key","provider":"a","key":5},"a:c":5,"a:d":{"type":"api_key","provider":"a","key":"k"}}}`
	s, err := DecodeStore([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Profiles["a:b"]; ok {
		t.Error("malformed entry a:b is usable")
	}
	if _, ok := s.Profiles["a:d"]; !ok {
		t.Error("valid entry a:d missing")
	}
	out, err := s.Encode()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"key": 5`, `"a:c": 5`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("rewrite lost %s:\n%s", want, out)
		}
	}
}
