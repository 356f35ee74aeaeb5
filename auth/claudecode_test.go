package auth

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/botgateway/bot/internal/testenv"
)

// The secrets planted in testdata/claude; no error may ever contain them.
const (
	claudeCanary        = "sk-ant-oat01-CANARY-7f3a9c2e5b1d4e8fa0b6-QZ"
	claudeRefreshCanary = "sk-ant-ort01-CANARY-REFRESH-d41d8cd98f00b204-QZ"
	// claudeFixtureExpiry is the expiresAt of the fixtures (2026-01-01T12:00Z).
	claudeFixtureExpiry = 1767268800000
)

// secretsEqual lets cmp compare credentials without revealing secrets in
// diffs (a Secret prints its mask).
var secretsEqual = cmp.Comparer(func(a, b Secret) bool { return a.Equal(b) })

// claudeHome returns a home directory whose Claude Code credentials file
// holds content, or no file when content is nil.
func claudeHome(t testing.TB, content []byte) string {
	t.Helper()
	env := testenv.New(t)
	if content != nil {
		env.ClaudeCode(string(content))
	}
	return env.Home
}

// claudeFixture returns testdata/claude/<name>.
func claudeFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "claude", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// assertNoCanary fails when err's message holds a planted secret or any
// recognisable part of one.
func assertNoCanary(t testing.TB, err error) {
	t.Helper()
	if err == nil {
		return
	}
	msg := err.Error()
	for _, s := range []string{claudeCanary, claudeRefreshCanary, "CANARY", "7f3a9c2e5b1d", "d41d8cd98f00"} {
		if strings.Contains(msg, s) {
			t.Errorf("error leaks a secret (%q): %s", s, msg)
		}
	}
}

func TestClaudeCodePath(t *testing.T) {
	cc := ClaudeCode{Home: "/home/u"}
	if got, want := cc.Path(), filepath.FromSlash("/home/u/.claude/.credentials.json"); got != want {
		t.Errorf("Path() = %q, want %q", got, want)
	}
}

func TestClaudeCodeRead(t *testing.T) {
	expires := time.UnixMilli(claudeFixtureExpiry)
	oauth := &Credential{
		Provider: "anthropic",
		Type:     KindOAuth,
		Access:   NewSecret(claudeCanary),
		Refresh:  NewSecret(claudeRefreshCanary),
		Expires:  expires,
	}
	tests := []struct {
		name    string
		fixture string // "" = no file
		want    *Credential
		wantErr string // the problem part of the *ClaudeCodeError, "" = no error
	}{
		{name: "no file"},
		{name: "oauth", fixture: "oauth.json", want: oauth},
		{name: "extra keys", fixture: "extra-keys.json", want: oauth},
		{name: "token only", fixture: "token-only.json", want: &Credential{
			Provider: "anthropic", Type: KindToken, Token: NewSecret(claudeCanary), Expires: expires,
		}},
		// An empty token is no credential, and a token or expiry of the
		// wrong type is reported, not skipped (issue 8, items 5 and 11).
		{name: "empty access", fixture: "empty-access.json", wantErr: "claudeAiOauth.accessToken is empty"},
		{name: "expiresAt a string", fixture: "bad-expires.json",
			wantErr: "claudeAiOauth.expiresAt is a string, want milliseconds since the epoch"},
		{name: "expiresAt zero", fixture: "zero-expires.json"},
		{name: "no claudeAiOauth key", fixture: "missing-key.json"},
		{name: "malformed", fixture: "malformed.json",
			wantErr: `invalid JSON at line 1, column 144: invalid character '"' after object key:value pair`},
		{name: "malformed bare token", fixture: "malformed-bare.json",
			wantErr: `invalid JSON at line 2, column 18: invalid character 's' looking for beginning of value`},
		{name: "claudeAiOauth not an object", fixture: "not-object.json",
			wantErr: `"claudeAiOauth" is not a JSON object`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var content []byte
			if tt.fixture != "" {
				content = claudeFixture(t, tt.fixture)
			}
			cc := ClaudeCode{Home: claudeHome(t, content)}
			got, err := cc.Read(t.Context())
			assertNoCanary(t, err)
			if tt.wantErr != "" {
				ce, ok := errors.AsType[*ClaudeCodeError](err)
				if !ok {
					t.Fatalf("Read() error = %v, want a *ClaudeCodeError", err)
				}
				want := fmt.Sprintf(`auth: %s: %s; run "claude", then /login, or remove the file`, cc.Path(), tt.wantErr)
				if err.Error() != want {
					t.Errorf("Read() error =\n%s\nwant\n%s", err, want)
				}
				if ce.Path != cc.Path() || ce.Fix == "" || ce.Unwrap() == nil {
					t.Errorf("ClaudeCodeError = %+v", ce)
				}
				return
			}
			if err != nil {
				t.Fatalf("Read() error = %v", err)
			}
			if diff := cmp.Diff(tt.want, got, secretsEqual); diff != "" {
				t.Errorf("Read() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestClaudeCodeReadMapping(t *testing.T) {
	// Value edge cases of reference §2.1, inline because each is one field.
	tests := []struct {
		name     string
		oauth    string // the claudeAiOauth value
		wantType Kind   // "" = no credential
		wantErr  string // the problem of the *ClaudeCodeError, "" = none
	}{
		{"refresh empty is token", `{"accessToken":"a","refreshToken":"","expiresAt":5}`, KindToken, ""},
		{"refresh null is token", `{"accessToken":"a","refreshToken":null,"expiresAt":5}`, KindToken, ""},
		{"refresh not a string", `{"accessToken":"a","refreshToken":7,"expiresAt":5}`, "", "claudeAiOauth.refreshToken is a number, want a string"},
		{"access blank", `{"accessToken":"  ","refreshToken":"r","expiresAt":5}`, "", "claudeAiOauth.accessToken is empty"},
		{"access not a string", `{"accessToken":12,"refreshToken":"r","expiresAt":5}`, "", "claudeAiOauth.accessToken is a number, want a string"},
		{"access null", `{"accessToken":null,"refreshToken":"r","expiresAt":5}`, "", "claudeAiOauth.accessToken is null, want a string"},
		{"access an object", `{"accessToken":{"v":"a"},"expiresAt":5}`, "", "claudeAiOauth.accessToken is an object, want a string"},
		{"access missing", `{"refreshToken":"r","expiresAt":5}`, "", "claudeAiOauth.accessToken is empty"},
		{"expiresAt missing", `{"accessToken":"a","refreshToken":"r"}`, "", ""},
		{"expiresAt negative", `{"accessToken":"a","refreshToken":"r","expiresAt":-1}`, "", ""},
		{"expiresAt null", `{"accessToken":"a","refreshToken":"r","expiresAt":null}`, "", ""},
		{"expiresAt absurd", `{"accessToken":"a","refreshToken":"r","expiresAt":1e300}`, "", ""},
		{"expiresAt a boolean", `{"accessToken":"a","refreshToken":"r","expiresAt":true}`, "", "claudeAiOauth.expiresAt is a boolean, want milliseconds since the epoch"},
		{"expiresAt fractional", `{"accessToken":"a","refreshToken":"r","expiresAt":1767268800000.5}`, KindOAuth, ""},
		{"claudeAiOauth null", `null`, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cc := ClaudeCode{Home: claudeHome(t, []byte(`{"claudeAiOauth":`+tt.oauth+`}`))}
			got, err := cc.Read(t.Context())
			if tt.wantErr != "" {
				want := fmt.Sprintf(`auth: %s: %s; run "claude", then /login, or remove the file`, cc.Path(), tt.wantErr)
				if _, ok := errors.AsType[*ClaudeCodeError](err); !ok || err.Error() != want {
					t.Fatalf("Read() error = %v, want %s", err, want)
				}
				return
			}
			if err != nil {
				t.Fatalf("Read() error = %v", err)
			}
			var gotType Kind
			if got != nil {
				gotType = got.Type
				if got.Provider != "anthropic" || got.Expires.IsZero() {
					t.Errorf("Read() = %+v, want provider anthropic and an expiry", got)
				}
			}
			if gotType != tt.wantType {
				t.Errorf("Read() type = %q, want %q", gotType, tt.wantType)
			}
		})
	}
}

func TestClaudeCodeReadErrors(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, env *testenv.Env)
		want  string // the message after "auth: <path>: "
	}{
		{"empty file", func(t *testing.T, env *testenv.Env) { env.ClaudeCode("") },
			`the file is empty; run "claude", then /login, or remove the file`},
		{"top-level array", func(t *testing.T, env *testenv.Env) { env.ClaudeCode(`["` + claudeCanary + `"]`) },
			`want a JSON object at the top level; run "claude", then /login, or remove the file`},
		{"top-level null", func(t *testing.T, env *testenv.Env) { env.ClaudeCode("null") },
			`want a JSON object at the top level; run "claude", then /login, or remove the file`},
		{"truncated", func(t *testing.T, env *testenv.Env) {
			env.ClaudeCode(`{"claudeAiOauth":{"accessToken":"` + claudeCanary)
		}, `invalid JSON at line 1, column 76: unexpected end of JSON input; run "claude", then /login, or remove the file`},
		{"unreadable (a directory)", func(t *testing.T, env *testenv.Env) {
			if err := os.MkdirAll(env.ClaudeCodePath(), 0o700); err != nil {
				t.Fatal(err)
			}
		}, "cannot read: is a directory; make the file readable by this user (chmod 600) or remove it"},
		{"too large", func(t *testing.T, env *testenv.Env) {
			env.ClaudeCode(`{"x":"` + strings.Repeat("a", maxClaudeFile))
		}, `the file is larger than 1 MiB; run "claude", then /login, or remove the file`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := testenv.New(t)
			tt.setup(t, env)
			cc := ClaudeCode{Home: env.Home}
			c, err := cc.Read(t.Context())
			if c != nil {
				t.Errorf("Read() = %v, want nil", c)
			}
			assertNoCanary(t, err)
			if _, ok := errors.AsType[*ClaudeCodeError](err); !ok {
				t.Fatalf("Read() error = %v, want a *ClaudeCodeError", err)
			}
			if want := "auth: " + cc.Path() + ": " + tt.want; err.Error() != want {
				t.Errorf("Read() error =\n%s\nwant\n%s", err, want)
			}
		})
	}
	t.Run("no home", func(t *testing.T) {
		if _, err := (ClaudeCode{}).Read(t.Context()); err == nil {
			t.Error("Read() with no Home: want an error")
		}
	})
	t.Run("unreadable is fs.ErrPermission-compatible", func(t *testing.T) {
		env := testenv.New(t)
		if err := os.MkdirAll(env.ClaudeCodePath(), 0o700); err != nil {
			t.Fatal(err)
		}
		_, err := ClaudeCode{Home: env.Home}.Read(t.Context())
		if _, ok := errors.AsType[*fs.PathError](err); !ok {
			t.Errorf("Read() error %v does not unwrap to *fs.PathError", err)
		}
	})
}

// fakeKeychain is a loopback stand-in for the macOS security tool holding
// one generic password.
type fakeKeychain struct {
	password []byte // nil = no item
	acct     string
	hexOut   bool  // print the password hex-encoded, as security does for binary data
	failI    error // error of "security -i"
	calls    [][]string
	inputs   [][]byte
}

func (k *fakeKeychain) run(ctx context.Context, stdin []byte, args ...string) ([]byte, error) {
	if _, ok := ctx.Deadline(); !ok {
		return nil, errors.New("fake security: called without a deadline")
	}
	k.calls = append(k.calls, args)
	switch {
	case len(args) == 4 && args[0] == "find-generic-password" && args[1] == "-s" && args[3] == "-w":
		if k.password == nil || args[2] != ClaudeCodeKeychainService {
			return nil, errors.New("exit status 44")
		}
		if k.hexOut {
			return []byte(hex.EncodeToString(k.password) + "\n"), nil
		}
		return append(bytes.Clone(k.password), '\n'), nil
	case len(args) == 3 && args[0] == "find-generic-password" && args[1] == "-s":
		if k.password == nil || args[2] != ClaudeCodeKeychainService {
			return nil, errors.New("exit status 44")
		}
		return fmt.Appendf(nil, "keychain: \"/Users/u/Library/Keychains/login.keychain-db\"\nclass: \"genp\"\nattributes:\n    \"acct\"<blob>=%q\n    \"svce\"<blob>=%q\n", k.acct, ClaudeCodeKeychainService), nil
	case len(args) == 1 && args[0] == "-i":
		k.inputs = append(k.inputs, stdin)
		if k.failI != nil {
			return nil, k.failI
		}
		prefix := fmt.Sprintf("add-generic-password -U -s '%s' -a '%s' -w '", ClaudeCodeKeychainService, k.acct)
		line, ok := bytes.CutSuffix(stdin, []byte("'\n"))
		payload, ok2 := bytes.CutPrefix(line, []byte(prefix))
		if !ok || !ok2 {
			return nil, errors.New("fake security: unexpected command")
		}
		k.password = bytes.Clone(payload)
		return nil, nil
	}
	return nil, fmt.Errorf("fake security: unexpected arguments %q", args)
}

// assertNoSecretArgs fails when a secret reached the security tool's argv.
func (k *fakeKeychain) assertNoSecretArgs(t testing.TB, secrets ...string) {
	t.Helper()
	for _, args := range k.calls {
		for _, a := range args {
			for _, s := range secrets {
				if strings.Contains(a, s) {
					t.Errorf("secret in argv of security: %q", args)
				}
			}
		}
	}
}

func TestClaudeCodeReadKeychain(t *testing.T) {
	kcJSON := []byte(`{"claudeAiOauth":{"accessToken":"kc-access","refreshToken":"kc-refresh","expiresAt":1767268800000}}`)
	fromKeychain := &Credential{Provider: "anthropic", Type: KindOAuth,
		Access: NewSecret("kc-access"), Refresh: NewSecret("kc-refresh"), Expires: time.UnixMilli(claudeFixtureExpiry)}
	fromFile := &Credential{Provider: "anthropic", Type: KindToken,
		Token: NewSecret(claudeCanary), Expires: time.UnixMilli(claudeFixtureExpiry)}
	tests := []struct {
		name        string
		kc          *fakeKeychain
		file        string // fixture, "" = none
		useKeychain bool
		want        *Credential
		wantErr     bool
	}{
		{"keychain first", &fakeKeychain{password: kcJSON}, "token-only.json", true, fromKeychain, false},
		{"keychain hex output", &fakeKeychain{password: kcJSON, hexOut: true}, "", true, fromKeychain, false},
		{"keychain off", &fakeKeychain{password: kcJSON}, "token-only.json", false, fromFile, false},
		{"no item, file", &fakeKeychain{}, "token-only.json", true, fromFile, false},
		{"no item, no file", &fakeKeychain{}, "", true, nil, false},
		{"item without credential, file", &fakeKeychain{password: []byte(`{"mcpOAuth":{}}`)}, "token-only.json", true, fromFile, false},
		{"malformed item, file", &fakeKeychain{password: claudeFixture(t, "malformed.json")}, "token-only.json", true, fromFile, false},
		{"malformed item, no file", &fakeKeychain{password: claudeFixture(t, "malformed.json")}, "", true, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var content []byte
			if tt.file != "" {
				content = claudeFixture(t, tt.file)
			}
			cc := ClaudeCode{Home: claudeHome(t, content), UseKeychain: tt.useKeychain, security: tt.kc.run}
			got, err := cc.Read(t.Context())
			assertNoCanary(t, err)
			if tt.wantErr {
				ce, ok := errors.AsType[*ClaudeCodeError](err)
				if !ok {
					t.Fatalf("Read() error = %v, want a *ClaudeCodeError", err)
				}
				if want := `macOS Keychain item "Claude Code-credentials"`; ce.Path != want {
					t.Errorf("ClaudeCodeError.Path = %q, want %q", ce.Path, want)
				}
				return
			}
			if err != nil {
				t.Fatalf("Read() error = %v", err)
			}
			if diff := cmp.Diff(tt.want, got, secretsEqual); diff != "" {
				t.Errorf("Read() mismatch (-want +got):\n%s", diff)
			}
			if !tt.useKeychain && len(tt.kc.calls) > 0 {
				t.Errorf("security called with UseKeychain off: %q", tt.kc.calls)
			}
		})
	}
}

func TestNeedsClaudeSync(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	oauth := func(provider string, expires time.Time) *Credential {
		return &Credential{Provider: provider, Type: KindOAuth, Access: NewSecret("a"), Refresh: NewSecret("r"), Expires: expires}
	}
	tests := []struct {
		name string
		c    *Credential // the anthropic:claude-cli profile, nil = none
		want bool
	}{
		{"missing", nil, true},
		{"other provider", oauth("openai", now.Add(time.Hour)), true},
		{"token", &Credential{Provider: "anthropic", Type: KindToken, Token: NewSecret("t"), Expires: now.Add(time.Hour)}, true},
		{"api key", &Credential{Provider: "anthropic", Type: KindAPIKey, Key: NewSecret("k")}, true},
		{"oauth fresh", oauth("anthropic", now.Add(time.Hour)), false},
		{"oauth provider not normalized", oauth(" Anthropic ", now.Add(time.Hour)), false},
		{"oauth 10m01s left", oauth("anthropic", now.Add(10*time.Minute+time.Second)), false},
		{"oauth exactly 10m left", oauth("anthropic", now.Add(10*time.Minute)), true},
		{"oauth 5m left", oauth("anthropic", now.Add(5*time.Minute)), true},
		{"oauth expired", oauth("anthropic", now.Add(-time.Hour)), true},
		{"oauth no expiry", oauth("anthropic", time.Time{}), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewStore()
			s.Set("anthropic:work", oauth("anthropic", now.Add(time.Hour)))
			if tt.c != nil {
				s.Set(ClaudeCLIProfile, tt.c)
			}
			if got := NeedsClaudeSync(s, now); got != tt.want {
				t.Errorf("NeedsClaudeSync() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMergeClaudeCode(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	later, soon, past := now.Add(8*time.Hour), now.Add(2*time.Hour), now.Add(-time.Hour)
	oauth := func(provider, access string, exp time.Time) *Credential {
		return &Credential{Provider: provider, Type: KindOAuth, Access: NewSecret(access), Refresh: NewSecret("r-" + access), Expires: exp}
	}
	token := func(provider, tok string, exp time.Time) *Credential {
		return &Credential{Provider: provider, Type: KindToken, Token: NewSecret(tok), Expires: exp}
	}
	apiKey := &Credential{Provider: "anthropic", Type: KindAPIKey, Key: NewSecret("key")}
	tests := []struct {
		name string
		old  *Credential // nil = no profile
		cli  *Credential
		want bool
	}{
		// CLI gave oauth.
		{"oauth into empty store", nil, oauth("anthropic", "new", soon), true},
		{"oauth over token (upgrade)", token("anthropic", "old", later), oauth("anthropic", "new", soon), true},
		{"oauth over expired token (upgrade)", token("anthropic", "old", past), oauth("anthropic", "new", past), true},
		{"oauth over api key", apiKey, oauth("anthropic", "new", soon), true},
		{"oauth over other provider", oauth("openai", "old", later), oauth("anthropic", "new", soon), true},
		{"oauth over expired oauth", oauth("anthropic", "old", past), oauth("anthropic", "new", past.Add(-time.Hour)), true},
		{"oauth over oauth without expiry", oauth("anthropic", "old", time.Time{}), oauth("anthropic", "new", soon), true},
		{"oauth later than stored", oauth("anthropic", "old", soon), oauth("anthropic", "new", later), true},
		{"oauth earlier than stored", oauth("anthropic", "old", later), oauth("anthropic", "new", soon), false},
		{"oauth same expiry, other token", oauth("anthropic", "old", soon), oauth("anthropic", "new", soon), false},
		{"oauth already expired, stored valid", oauth("anthropic", "old", soon), oauth("anthropic", "new", past), false},
		{"oauth identical", oauth("anthropic", "same", soon), oauth("anthropic", "same", soon), false},
		{"oauth identical even if expired", oauth("anthropic", "same", past), oauth("anthropic", "same", past), false},
		// CLI gave token.
		{"token into empty store", nil, token("anthropic", "new", soon), true},
		{"token over api key", apiKey, token("anthropic", "new", soon), true},
		{"token never replaces valid oauth", oauth("anthropic", "old", soon), token("anthropic", "new", later), false},
		{"token never replaces expired oauth", oauth("anthropic", "old", past), token("anthropic", "new", later), false},
		{"token never replaces oauth of other provider", oauth("openai", "old", soon), token("anthropic", "new", later), false},
		{"token over token of other provider", token("openai", "old", later), token("anthropic", "new", soon), true},
		{"token over expired token", token("anthropic", "old", past), token("anthropic", "new", past.Add(-time.Hour)), true},
		{"token over token without expiry", token("anthropic", "old", time.Time{}), token("anthropic", "new", soon), true},
		{"token later than stored", token("anthropic", "old", soon), token("anthropic", "new", later), true},
		{"token earlier than stored", token("anthropic", "old", later), token("anthropic", "new", soon), false},
		{"token identical", token("anthropic", "same", soon), token("anthropic", "same", soon), false},
		// Nothing to merge.
		{"nil credential", oauth("anthropic", "old", soon), nil, false},
		{"api key from CLI", nil, apiKey, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewStore()
			if tt.old != nil {
				old := tt.old.Clone()
				old.Email = "me@example.com"
				old.Extra = map[string]json.RawMessage{"clientId": json.RawMessage(`"abc"`)}
				s.Set(ClaudeCLIProfile, old)
			}
			before := s.Clone()
			got := MergeClaudeCode(s, tt.cli, now)
			if got != tt.want {
				t.Errorf("MergeClaudeCode() = %v, want %v", got, tt.want)
			}
			if !tt.want {
				if diff := cmp.Diff(before.Profiles, s.Profiles, secretsEqual); diff != "" {
					t.Errorf("store changed without a write (-before +after):\n%s", diff)
				}
				return
			}
			want := tt.cli.Clone()
			if tt.old != nil {
				want.Email = "me@example.com"
				want.Extra = map[string]json.RawMessage{"clientId": json.RawMessage(`"abc"`)}
			}
			if diff := cmp.Diff(want, s.Profiles[ClaudeCLIProfile], secretsEqual); diff != "" {
				t.Errorf("profile mismatch (-want +got):\n%s", diff)
			}
			if s.Profiles[ClaudeCLIProfile] == tt.cli {
				t.Error("MergeClaudeCode stored the caller's credential instead of a copy")
			}
		})
	}
}

func TestMergeClaudeCodeIntoNilStore(t *testing.T) {
	if MergeClaudeCode(nil, &Credential{Type: KindOAuth}, time.Now()) {
		t.Error("MergeClaudeCode(nil store) = true")
	}
}

func TestClaudeCodeWriteBack(t *testing.T) {
	newExp := time.UnixMilli(1767300000000)
	refreshed := &Credential{Provider: "anthropic", Type: KindOAuth,
		Access: NewSecret("sk-ant-oat01-NEW-access-000000000000"), Refresh: NewSecret("sk-ant-ort01-NEW-refresh-00000000000"), Expires: newExp}

	t.Run("other keys preserved", func(t *testing.T) {
		orig := claudeFixture(t, "extra-keys.json")
		home := claudeHome(t, orig)
		cc := ClaudeCode{Home: home}
		if err := os.Chmod(cc.Path(), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := cc.WriteBack(t.Context(), refreshed); err != nil {
			t.Fatalf("WriteBack() error = %v", err)
		}
		got, err := os.ReadFile(cc.Path())
		if err != nil {
			t.Fatal(err)
		}
		var want, have map[string]any
		if err := json.Unmarshal(orig, &want); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(got, &have); err != nil {
			t.Fatalf("written file is not JSON: %v", err)
		}
		o := want["claudeAiOauth"].(map[string]any)
		o["accessToken"] = refreshed.Access.Reveal()
		o["refreshToken"] = refreshed.Refresh.Reveal()
		o["expiresAt"] = float64(newExp.UnixMilli())
		if diff := cmp.Diff(want, have); diff != "" {
			t.Errorf("file content mismatch (-want +got):\n%s", diff)
		}
		// Layout kept: 2-space indent, key order, trailing newline.
		var compact, indented bytes.Buffer
		if err := json.Compact(&compact, got); err != nil {
			t.Fatal(err)
		}
		if err := json.Indent(&indented, compact.Bytes(), "", "  "); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(indented.Bytes(), bytes.TrimSuffix(got, []byte("\n"))) || !bytes.HasSuffix(got, []byte("}\n")) {
			t.Errorf("layout not kept:\n%s", got)
		}
		for i, k := range []string{`"claudeAiOauth"`, `"accessToken"`, `"refreshToken"`, `"expiresAt"`, `"scopes"`, `"subscriptionType"`, `"rateLimitTier"`, `"mcpOAuth"`, `"organizationUuid"`} {
			if j := bytes.Index(got, []byte(k)); j < 0 || (i > 0 && j < bytes.Index(got, []byte(`"claudeAiOauth"`))) {
				t.Errorf("key %s missing or moved", k)
			}
		}
		if bytes.Index(got, []byte(`"mcpOAuth"`)) > bytes.Index(got, []byte(`"organizationUuid"`)) {
			t.Error("top-level key order changed")
		}
		fi, err := os.Stat(cc.Path())
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("mode = %v, want 0600", fi.Mode().Perm())
		}
		back, err := cc.Read(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(refreshed, back, secretsEqual); diff != "" {
			t.Errorf("Read() after WriteBack mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("compact file stays compact", func(t *testing.T) {
		cc := ClaudeCode{Home: claudeHome(t, claudeFixture(t, "oauth.json"))}
		if err := cc.WriteBack(t.Context(), refreshed); err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(cc.Path())
		want := `{"claudeAiOauth":{"accessToken":"sk-ant-oat01-NEW-access-000000000000","refreshToken":"sk-ant-ort01-NEW-refresh-00000000000","expiresAt":1767300000000,"scopes":["user:inference","user:profile"],"subscriptionType":"max"}}` + "\n"
		if diff := cmp.Diff(want, string(got)); diff != "" {
			t.Errorf("file mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("no refresh token keeps the stored one", func(t *testing.T) {
		cc := ClaudeCode{Home: claudeHome(t, claudeFixture(t, "oauth.json"))}
		c := refreshed.Clone()
		c.Refresh = Secret{}
		if err := cc.WriteBack(t.Context(), c); err != nil {
			t.Fatal(err)
		}
		back, err := cc.Read(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if !back.Refresh.Equal(NewSecret(claudeRefreshCanary)) || !back.Access.Equal(c.Access) {
			t.Errorf("Read() after WriteBack = %+v", back)
		}
	})

	t.Run("symlink target updated", func(t *testing.T) {
		env := testenv.New(t)
		target := env.Write("real.json", string(claudeFixture(t, "oauth.json")))
		if err := os.MkdirAll(filepath.Dir(env.ClaudeCodePath()), 0o700); err != nil {
			t.Fatal(err)
		}
		cc := ClaudeCode{Home: env.Home}
		if err := os.Symlink(target, cc.Path()); err != nil {
			t.Skip("no symlinks:", err)
		}
		if err := cc.WriteBack(t.Context(), refreshed); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Lstat(cc.Path()); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			t.Errorf("symlink replaced: %v %v", fi, err)
		}
		back, err := cc.Read(t.Context())
		if err != nil || back == nil || !back.Access.Equal(refreshed.Access) {
			t.Errorf("Read() after WriteBack = %v, %v", back, err)
		}
	})

	noOps := []struct {
		name    string
		content []byte // nil = no file
	}{
		{"no file", nil},
		{"no claudeAiOauth key", claudeFixture(t, "missing-key.json")},
		{"claudeAiOauth null", []byte(`{"claudeAiOauth":null}`)},
	}
	for _, tt := range noOps {
		t.Run(tt.name, func(t *testing.T) {
			cc := ClaudeCode{Home: claudeHome(t, tt.content)}
			if err := cc.WriteBack(t.Context(), refreshed); err != nil {
				t.Fatalf("WriteBack() error = %v", err)
			}
			got, err := os.ReadFile(cc.Path())
			if tt.content == nil {
				if !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("WriteBack created the file (err %v)", err)
				}
				if _, err := os.Stat(filepath.Dir(cc.Path())); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("WriteBack created %s", filepath.Dir(cc.Path()))
				}
				return
			}
			if !bytes.Equal(got, tt.content) {
				t.Errorf("file changed:\n%s", got)
			}
		})
	}

	errCases := []struct {
		name    string
		content []byte
		c       *Credential
		want    string // "" = any error
	}{
		{"malformed file", claudeFixture(t, "malformed.json"), refreshed,
			`invalid JSON at line 1, column 144: invalid character '"' after object key:value pair; run "claude", then /login, or remove the file`},
		{"claudeAiOauth not an object", claudeFixture(t, "not-object.json"), refreshed,
			`"claudeAiOauth" is not a JSON object; run "claude", then /login, or remove the file`},
		{"token credential", claudeFixture(t, "oauth.json"), &Credential{Provider: "anthropic", Type: KindToken, Token: NewSecret(claudeCanary)}, ""},
		{"no access token", claudeFixture(t, "oauth.json"), &Credential{Provider: "anthropic", Type: KindOAuth, Refresh: NewSecret(claudeRefreshCanary)}, ""},
		{"nil credential", claudeFixture(t, "oauth.json"), nil, ""},
	}
	for _, tt := range errCases {
		t.Run(tt.name, func(t *testing.T) {
			cc := ClaudeCode{Home: claudeHome(t, tt.content)}
			err := cc.WriteBack(t.Context(), tt.c)
			if err == nil {
				t.Fatal("WriteBack() error = nil")
			}
			assertNoCanary(t, err)
			if tt.want != "" {
				if _, ok := errors.AsType[*ClaudeCodeError](err); !ok {
					t.Errorf("WriteBack() error %v is not a *ClaudeCodeError", err)
				}
				if want := "auth: " + cc.Path() + ": " + tt.want; err.Error() != want {
					t.Errorf("WriteBack() error =\n%s\nwant\n%s", err, want)
				}
			}
			if got, _ := os.ReadFile(cc.Path()); !bytes.Equal(got, tt.content) {
				t.Errorf("file changed:\n%s", got)
			}
		})
	}
}

func TestClaudeCodeWriteBackKeychain(t *testing.T) {
	refreshed := &Credential{Provider: "anthropic", Type: KindOAuth,
		Access: NewSecret("sk-ant-oat01-NEW-access-000000000000"), Refresh: NewSecret("sk-ant-ort01-NEW-refresh-00000000000"),
		Expires: time.UnixMilli(1767300000000)}
	secrets := []string{refreshed.Access.Reveal(), refreshed.Refresh.Reveal(), claudeCanary, claudeRefreshCanary}

	t.Run("item updated in place through stdin", func(t *testing.T) {
		kc := &fakeKeychain{password: claudeFixture(t, "oauth.json"), acct: "alice"}
		kc.password = bytes.TrimSuffix(kc.password, []byte("\n"))
		cc := ClaudeCode{Home: claudeHome(t, nil), UseKeychain: true, security: kc.run}
		if err := cc.WriteBack(t.Context(), refreshed); err != nil {
			t.Fatalf("WriteBack() error = %v", err)
		}
		kc.assertNoSecretArgs(t, secrets...)
		if len(kc.inputs) != 1 {
			t.Fatalf("security -i ran %d times, want 1", len(kc.inputs))
		}
		want := `{"claudeAiOauth":{"accessToken":"sk-ant-oat01-NEW-access-000000000000","refreshToken":"sk-ant-ort01-NEW-refresh-00000000000","expiresAt":1767300000000,"scopes":["user:inference","user:profile"],"subscriptionType":"max"}}`
		if diff := cmp.Diff(want, string(kc.password)); diff != "" {
			t.Errorf("Keychain item mismatch (-want +got):\n%s", diff)
		}
		back, err := cc.Read(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(refreshed, back, secretsEqual); diff != "" {
			t.Errorf("Read() after WriteBack mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("keychain and file both updated", func(t *testing.T) {
		kc := &fakeKeychain{password: []byte(`{"claudeAiOauth":{"accessToken":"a","refreshToken":"r","expiresAt":1}}`), acct: "Claude Code"}
		cc := ClaudeCode{Home: claudeHome(t, claudeFixture(t, "oauth.json")), UseKeychain: true, security: kc.run}
		if err := cc.WriteBack(t.Context(), refreshed); err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(kc.password, []byte(refreshed.Access.Reveal())) {
			t.Error("Keychain item not updated")
		}
		file, _ := os.ReadFile(cc.Path())
		if !bytes.Contains(file, []byte(refreshed.Access.Reveal())) {
			t.Error("file not updated")
		}
	})

	t.Run("no item: nothing added", func(t *testing.T) {
		kc := &fakeKeychain{}
		cc := ClaudeCode{Home: claudeHome(t, nil), UseKeychain: true, security: kc.run}
		if err := cc.WriteBack(t.Context(), refreshed); err != nil {
			t.Fatal(err)
		}
		if len(kc.inputs) != 0 || kc.password != nil {
			t.Errorf("Keychain item added: %q", kc.inputs)
		}
	})

	t.Run("update fails", func(t *testing.T) {
		kc := &fakeKeychain{password: []byte(`{"claudeAiOauth":{"accessToken":"a","refreshToken":"r","expiresAt":1}}`), acct: "alice",
			failI: errors.New("security -i: the command failed")}
		cc := ClaudeCode{Home: claudeHome(t, claudeFixture(t, "oauth.json")), UseKeychain: true, security: kc.run}
		err := cc.WriteBack(t.Context(), refreshed)
		if _, ok := errors.AsType[*ClaudeCodeError](err); !ok {
			t.Fatalf("WriteBack() error = %v, want a *ClaudeCodeError", err)
		}
		for _, s := range secrets {
			if strings.Contains(err.Error(), s) {
				t.Errorf("error leaks a secret: %v", err)
			}
		}
		// The file is still written.
		if file, _ := os.ReadFile(cc.Path()); !bytes.Contains(file, []byte(refreshed.Access.Reveal())) {
			t.Error("file not updated after a Keychain failure")
		}
	})

	t.Run("malformed item", func(t *testing.T) {
		kc := &fakeKeychain{password: claudeFixture(t, "malformed.json"), acct: "alice"}
		cc := ClaudeCode{Home: claudeHome(t, nil), UseKeychain: true, security: kc.run}
		err := cc.WriteBack(t.Context(), refreshed)
		assertNoCanary(t, err)
		if _, ok := errors.AsType[*ClaudeCodeError](err); !ok {
			t.Fatalf("WriteBack() error = %v, want a *ClaudeCodeError", err)
		}
		if len(kc.inputs) != 0 {
			t.Error("malformed item overwritten")
		}
	})
}

func TestKeychainAccount(t *testing.T) {
	tests := []struct {
		name, attrs, want string
		ok                bool
	}{
		{"quoted", "attributes:\n    \"acct\"<blob>=\"alice\"\n    \"svce\"<blob>=\"Claude Code-credentials\"\n", "alice", true},
		{"with space", "    \"acct\"<blob>=\"Claude Code\"\n", "Claude Code", true},
		{"hex", "    \"acct\"<blob>=0x616C696365  \"alice\"\n", "alice", true},
		{"missing", "    \"svce\"<blob>=\"x\"\n", "", false},
		{"null", "    \"acct\"<blob>=<NULL>\n", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := keychainAccount([]byte(tt.attrs))
			if got != tt.want || ok != tt.ok {
				t.Errorf("keychainAccount() = %q, %v, want %q, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestKeychainUpdateCommand(t *testing.T) {
	tests := []struct {
		name    string
		acct    string
		payload string
		want    string // "" = refused
	}{
		{"plain", "alice", `{"a":1}`, "add-generic-password -U -s 'Claude Code-credentials' -a 'alice' -w '{\"a\":1}'\n"},
		{"quote in payload", "alice", `{"a":"it's"}`, ""},
		{"quote in account", "o'neil", `{"a":1}`, ""},
		{"line break", "alice", "{\"a\":\n1}", ""},
		{"backslash", "alice", `{"a":"\u0041"}`, ""},
		{"too long", "alice", `{"a":"` + strings.Repeat("x", maxSecurityLine) + `"}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := keychainUpdateCommand(tt.acct, []byte(tt.payload))
			if tt.want == "" {
				if err == nil {
					t.Errorf("keychainUpdateCommand() = %q, want an error", got)
				} else if strings.Contains(err.Error(), tt.payload) {
					t.Errorf("error quotes the payload: %v", err)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Errorf("keychainUpdateCommand() = %q, %v, want %q", got, err, tt.want)
			}
		})
	}
}

func TestDecodeSecurityPassword(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"json", "{\"a\":1}\n", `{"a":1}`},
		{"hex", hex.EncodeToString([]byte(`{"a":1}`)) + "\n", `{"a":1}`},
		{"odd hex-like", "abc\n", "abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(decodeSecurityPassword([]byte(tt.in))); got != tt.want {
				t.Errorf("decodeSecurityPassword(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzClaudeCodeFile(f *testing.F) {
	entries, err := os.ReadDir(filepath.Join("testdata", "claude"))
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		f.Add(claudeFixture(f, e.Name()))
	}
	f.Add([]byte(`{"claudeAiOauth":{"accessToken":"a","expiresAt":1e15},"claudeAiOauth":{}}`))
	f.Add([]byte("\xff{\"claudeAiOauth\":{\"accessToken\":\"\xfe\",\"refreshToken\":\"r\",\"expiresAt\":1}}"))
	refreshed := &Credential{Provider: "anthropic", Type: KindOAuth,
		Access: NewSecret("fuzz-access"), Refresh: NewSecret("fuzz-refresh"), Expires: time.UnixMilli(1767300000000)}
	f.Fuzz(func(t *testing.T, data []byte) {
		cc := ClaudeCode{Home: claudeHome(t, data)}
		c, err := cc.Read(context.Background())
		if err != nil {
			if _, ok := errors.AsType[*ClaudeCodeError](err); !ok {
				t.Fatalf("Read() error %v is not a *ClaudeCodeError", err)
			}
		}
		if c != nil {
			if c.Provider != "anthropic" || (c.Type != KindOAuth && c.Type != KindToken) || c.Expires.IsZero() || c.Secret().IsZero() {
				t.Fatalf("Read() = %+v", c)
			}
		}
		werr := cc.WriteBack(context.Background(), refreshed)
		// An empty access token is no credential to read, but the
		// refreshed one may fill it.
		if (err == nil) != (werr == nil) && !errors.Is(err, errClaudeNoAccess) {
			t.Fatalf("Read() error %v but WriteBack() error %v", err, werr)
		}
		if werr != nil {
			return
		}
		after, _ := os.ReadFile(cc.Path())
		back, err := cc.Read(context.Background())
		if err != nil {
			t.Fatalf("Read() after WriteBack error = %v; file:\n%q", err, after)
		}
		if !bytes.Equal(after, data) && (back == nil || !back.Access.Equal(refreshed.Access) || !back.Refresh.Equal(refreshed.Refresh) || !back.Expires.Equal(refreshed.Expires)) {
			t.Fatalf("WriteBack changed the file but Read() = %+v; file:\n%q", back, after)
		}
	})
}
