package auth

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/botgateway/bot/internal/atomicfile"
	"github.com/botgateway/bot/internal/jsonobj"
)

// Claude Code keeps its login in ~/.claude/.credentials.json (and, on macOS,
// in a Keychain generic password), as
//
//	{"claudeAiOauth": {"accessToken": "...", "refreshToken": "...", "expiresAt": <ms>, ...}, ...}
//
// bot reuses it as the profile ClaudeCLIProfile (DESIGN §3 "Claude Code
// reuse"; reference §2.1–2.2).

// The names Claude Code uses for its credentials.
const (
	// ClaudeCodeKeychainService is the service of Claude Code's Keychain
	// generic password on macOS.
	ClaudeCodeKeychainService = "Claude Code-credentials"
	// claudeOAuthKey is the top-level key holding the OAuth object.
	claudeOAuthKey = "claudeAiOauth"
)

// ClaudeSyncWindow is how close to expiry the ClaudeCLIProfile profile may
// come before Claude Code's credentials are read again (NeedsClaudeSync).
const ClaudeSyncWindow = 10 * time.Minute

// keychainTimeout bounds every call of the macOS security tool.
const keychainTimeout = 5 * time.Second

// maxClaudeFile bounds how much of the credentials file is read; Claude Code
// writes well under a kilobyte.
const maxClaudeFile = 1 << 20

// Fixes named by ClaudeCodeError.
const (
	fixClaudeLogin = `run "claude", then /login, or remove the file`
	fixClaudePerm  = "make the file readable by this user (chmod 600) or remove it"
	fixClaudeWrite = "check that the file and its directory are writable by this user"
	fixKeychain    = `run "claude", then /login, to rewrite the Keychain item`
)

// ClaudeCode reads Claude Code's credentials and writes refreshed ones back.
// The zero value is not useful: Home must be set. A ClaudeCode does no I/O
// until Read or WriteBack is called and is safe for concurrent use.
type ClaudeCode struct {
	// Home is the user's home directory; the credentials file is
	// <Home>/.claude/.credentials.json. The library never looks it up
	// itself.
	Home string
	// UseKeychain makes Read and WriteBack use the macOS Keychain item
	// "Claude Code-credentials" before the file. It has no effect on other
	// systems. Reading the Keychain may show the user a permission prompt,
	// so leave it false where nobody can answer one.
	UseKeychain bool

	// security runs the macOS security tool; nil means the platform's
	// default (defaultSecurity), which is nil off macOS. Tests set it.
	security securityFunc
}

// securityFunc runs /usr/bin/security with args, feeding it stdin when stdin
// is not nil, and returns its standard output. An error never holds the
// tool's output.
type securityFunc func(ctx context.Context, stdin []byte, args ...string) ([]byte, error)

// ClaudeCodeError reports Claude Code credentials that bot cannot use or
// update: an unreadable or malformed file or Keychain item, or a failed
// write. Its message names the place, the problem and the fix, and never
// holds a secret.
type ClaudeCodeError struct {
	// Path is the credentials file, or a description of the Keychain item.
	Path string
	// Err is the problem; its message holds no file content.
	Err error
	// Fix tells the user what to do.
	Fix string
}

// Error returns "auth: <path>: <problem>; <fix>".
func (e *ClaudeCodeError) Error() string {
	if e.Err == nil {
		return "auth: " + e.Path + ": unusable Claude Code credentials; " + e.Fix
	}
	msg := e.Err.Error()
	// A read error names the path, which is already in front: say only
	// what failed. (Only the error itself: a wrapped one carries context.)
	if pe, ok := e.Err.(*fs.PathError); ok {
		msg = "cannot " + pe.Op + ": " + pe.Err.Error()
	}
	if e.Fix == "" {
		return "auth: " + e.Path + ": " + msg
	}
	return "auth: " + e.Path + ": " + msg + "; " + e.Fix
}

// Unwrap returns Err.
func (e *ClaudeCodeError) Unwrap() error { return e.Err }

// Path returns the credentials file: <Home>/.claude/.credentials.json.
func (cc ClaudeCode) Path() string {
	return filepath.Join(cc.Home, ".claude", ".credentials.json")
}

// keychainLabel names the Keychain item in errors.
func keychainLabel() string {
	return fmt.Sprintf("macOS Keychain item %q", ClaudeCodeKeychainService)
}

// runner returns the security tool to use, or nil when the Keychain is not
// to be used.
func (cc ClaudeCode) runner() securityFunc {
	if !cc.UseKeychain {
		return nil
	}
	if cc.security != nil {
		return cc.security
	}
	return defaultSecurity()
}

// Read returns Claude Code's credential mapped to the store's types
// (reference §2.1): with a refresh token an oauth credential {Provider
// "anthropic", Access, Refresh, Expires}, without one a token credential
// {Provider "anthropic", Token, Expires}.
//
// With UseKeychain on macOS the Keychain item is tried first; when it is
// missing, unreadable or holds no credential, the file is read.
//
// Read returns (nil, nil) when Claude Code is not set up: no file, no
// "claudeAiOauth" object, or an expiresAt that is missing or not positive.
// An unreadable or malformed file is a *ClaudeCodeError, and so is one whose
// accessToken is empty or only white space (no credential, DESIGN §6) or
// whose tokens or expiresAt have the wrong JSON type.
func (cc ClaudeCode) Read(ctx context.Context) (*Credential, error) {
	if cc.Home == "" {
		return nil, errors.New("auth: claude code: home directory not set")
	}
	var kcErr error
	if run := cc.runner(); run != nil {
		c, err := readKeychain(ctx, run)
		if c != nil {
			return c, nil
		}
		kcErr = err
	}
	c, err := cc.readFile()
	if err != nil {
		return nil, err
	}
	if c == nil && kcErr != nil {
		// Nothing usable in the file either: say what is wrong with the
		// Keychain item.
		return nil, kcErr
	}
	return c, nil
}

// readFile reads and maps the credentials file.
func (cc ClaudeCode) readFile() (*Credential, error) {
	path := cc.Path()
	b, err := readLimited(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, &ClaudeCodeError{Path: path, Err: err, Fix: readFix(err)}
	}
	c, err := parseClaudeCode(b)
	if err != nil {
		return nil, &ClaudeCodeError{Path: path, Err: err, Fix: fixClaudeLogin}
	}
	return c, nil
}

// errClaudeTooLarge is returned for a credentials file over maxClaudeFile.
var errClaudeTooLarge = errors.New("the file is larger than 1 MiB")

// readLimited reads at most maxClaudeFile bytes of path.
func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxClaudeFile+1))
	if err != nil {
		return nil, err // a *fs.PathError from f.Read
	}
	if len(b) > maxClaudeFile {
		return nil, errClaudeTooLarge
	}
	return b, nil
}

// readFix is the fix for an error of readLimited.
func readFix(err error) string {
	if errors.Is(err, errClaudeTooLarge) {
		return fixClaudeLogin
	}
	return fixClaudePerm
}

// readKeychain reads the Keychain item. A missing item, or one that holds no
// credential, is (nil, nil); a malformed one is a *ClaudeCodeError.
func readKeychain(ctx context.Context, run securityFunc) (*Credential, error) {
	b, err := keychainPayload(ctx, run)
	if err != nil || len(bytes.TrimSpace(b)) == 0 {
		// Not found, locked, denied, timed out or empty: the file is next.
		return nil, nil
	}
	c, err := parseClaudeCode(b)
	if err != nil {
		return nil, &ClaudeCodeError{Path: keychainLabel(), Err: err, Fix: fixKeychain}
	}
	return c, nil
}

// keychainPayload returns the Keychain item's password data.
func keychainPayload(ctx context.Context, run securityFunc) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, keychainTimeout)
	defer cancel()
	out, err := run(ctx, nil, "find-generic-password", "-s", ClaudeCodeKeychainService, "-w")
	if err != nil {
		return nil, err
	}
	return decodeSecurityPassword(out), nil
}

// decodeSecurityPassword undoes the output conventions of
// "security find-generic-password -w": a trailing newline, and hex encoding
// of password data that is not printable text.
func decodeSecurityPassword(out []byte) []byte {
	out = bytes.TrimRight(out, "\r\n")
	t := bytes.TrimSpace(out)
	if len(t) > 0 && len(t)%2 == 0 && t[0] != '{' {
		if d, err := hex.DecodeString(string(t)); err == nil {
			return d
		}
	}
	return out
}

// parseClaudeCode maps the content of Claude Code's credentials to a
// credential. Its errors never quote the content.
func parseClaudeCode(b []byte) (*Credential, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, errors.New("the file is empty")
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		if se, ok := errors.AsType[*json.SyntaxError](err); ok {
			line, col := lineCol(b, se.Offset)
			return nil, fmt.Errorf("invalid JSON at line %d, column %d: %w", line, col, se)
		}
		return nil, errors.New("want a JSON object at the top level")
	}
	if top == nil {
		return nil, errors.New("want a JSON object at the top level")
	}
	raw, ok := top[claudeOAuthKey]
	if !ok || string(raw) == "null" {
		return nil, nil
	}
	var o map[string]json.RawMessage
	if err := json.Unmarshal(raw, &o); err != nil || o == nil {
		return nil, fmt.Errorf("%q is not a JSON object", claudeOAuthKey)
	}
	// A field of the wrong type is reported, never skipped in silence
	// (the messages name the field, never its value).
	for _, k := range []string{"accessToken", "refreshToken"} {
		if v, ok := o[k]; ok && string(v) != "null" && jsonString(v) == "" && !isJSONString(v) {
			return nil, fmt.Errorf("%s.%s is %s, want a string", claudeOAuthKey, k, jsonKind(v))
		}
	}
	if v, ok := o["accessToken"]; ok && string(v) == "null" {
		return nil, fmt.Errorf("%s.accessToken is null, want a string", claudeOAuthKey)
	}
	var ms float64
	if v, ok := o["expiresAt"]; ok && string(v) != "null" && json.Unmarshal(v, &ms) != nil {
		return nil, fmt.Errorf("%s.expiresAt is %s, want milliseconds since the epoch", claudeOAuthKey, jsonKind(v))
	}
	access := jsonString(o["accessToken"])
	if access == "" {
		// Empty or only white space: no credential (DESIGN §6), and
		// not "Claude Code is not set up" either.
		return nil, errClaudeNoAccess
	}
	if math.IsNaN(ms) || ms <= 0 || ms >= 1e16 {
		return nil, nil
	}
	expires := time.UnixMilli(int64(ms))
	if refresh := jsonString(o["refreshToken"]); refresh != "" {
		return &Credential{
			Provider: "anthropic",
			Type:     KindOAuth,
			Access:   NewSecret(access),
			Refresh:  NewSecret(refresh),
			Expires:  expires,
		}, nil
	}
	return &Credential{
		Provider: "anthropic",
		Type:     KindToken,
		Token:    NewSecret(access),
		Expires:  expires,
	}, nil
}

// errClaudeNoAccess is the problem of a "claudeAiOauth" object whose
// accessToken is missing, empty or only white space.
var errClaudeNoAccess = fmt.Errorf("%s.accessToken is empty", claudeOAuthKey)

// isJSONString reports whether v is a JSON string.
func isJSONString(v json.RawMessage) bool {
	var s string
	return v != nil && json.Unmarshal(v, &s) == nil
}

// jsonString returns v decoded as a trimmed string, or "" when v is not a
// JSON string.
func jsonString(v json.RawMessage) string {
	var s string
	if v == nil || json.Unmarshal(v, &s) != nil {
		return ""
	}
	return strings.TrimSpace(s)
}

// lineCol converts a byte offset into a 1-based line and column.
func lineCol(b []byte, off int64) (line, col int) {
	if off < 0 {
		off = 0
	}
	if off > int64(len(b)) {
		off = int64(len(b))
	}
	// Offset counts the bytes read up to and including the offending one.
	if off > 0 {
		off--
	}
	before := b[:off]
	line = bytes.Count(before, []byte{'\n'}) + 1
	col = int(off) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}

// NeedsClaudeSync reports whether Claude Code's credentials should be read
// into s: when the ClaudeCLIProfile profile is missing, is not an anthropic
// oauth credential, or its access token expires within ClaudeSyncWindow of
// now (or has expired, or has no expiry); never when s.ClaudeSyncOff.
func NeedsClaudeSync(s *Store, now time.Time) bool {
	if s == nil {
		return true
	}
	if s.ClaudeSyncOff {
		return false
	}
	c := s.Profiles[ClaudeCLIProfile]
	if c == nil || c.Type != KindOAuth || NormalizeProvider(c.Provider) != "anthropic" {
		return true
	}
	return !c.Expires.After(now.Add(ClaudeSyncWindow))
}

// MergeClaudeCode applies Claude Code's credential c (as returned by
// ClaudeCode.Read) to the ClaudeCLIProfile profile of s, following the
// update rule of reference §2.2, and reports whether s changed:
//
//   - an oauth c replaces a missing or non-oauth profile (token → oauth
//     always upgrades), one of another provider, an expired one (or one
//     without expiry), or one that expires before c does when c has not
//     expired;
//   - a token c never replaces an oauth profile (DESIGN §3: no downgrade);
//     it replaces a missing profile or an API key, and a token profile under
//     the same comparisons as above (a token without expiry counts as
//     expired);
//   - a c equal to the stored profile (provider, type, secrets, expiry)
//     changes nothing.
//
// The stored profile's Email and Extra are kept. A nil c, or one that is
// neither oauth nor token, changes nothing, and so does any c while
// s.ClaudeSyncOff (the user removed the profile). MergeClaudeCode does not write
// the store file.
func MergeClaudeCode(s *Store, c *Credential, now time.Time) (changed bool) {
	if s == nil || c == nil || s.ClaudeSyncOff || (c.Type != KindOAuth && c.Type != KindToken) {
		return false
	}
	old := s.Profiles[ClaudeCLIProfile]
	if old != nil && sameClaudeCredential(old, c) {
		return false
	}
	if !claudeShouldReplace(old, c, now) {
		return false
	}
	n := c.Clone()
	if n.Provider == "" {
		n.Provider = "anthropic"
	}
	if old != nil {
		n.Email = old.Email
		n.Extra = old.Clone().Extra
	}
	s.Set(ClaudeCLIProfile, n)
	return true
}

// claudeShouldReplace is the update rule of MergeClaudeCode for a stored
// profile old (nil when missing) that differs from c.
func claudeShouldReplace(old, c *Credential, now time.Time) bool {
	if old == nil {
		return true
	}
	if old.Type != c.Type {
		// token → oauth upgrades; oauth → token never downgrades; an API
		// key under the reserved id gives way to either.
		return old.Type != KindOAuth
	}
	if NormalizeProvider(old.Provider) != "anthropic" {
		return true
	}
	if old.Expires.IsZero() || !now.Before(old.Expires) {
		return true
	}
	return now.Before(c.Expires) && c.Expires.After(old.Expires)
}

// sameClaudeCredential reports whether a and b hold the same provider, type,
// secrets and expiry.
func sameClaudeCredential(a, b *Credential) bool {
	return NormalizeProvider(a.Provider) == NormalizeProvider(b.Provider) &&
		a.Type == b.Type &&
		a.Key.Equal(b.Key) && a.Token.Equal(b.Token) &&
		a.Access.Equal(b.Access) && a.Refresh.Equal(b.Refresh) &&
		a.Expires.Equal(b.Expires)
}

// WriteBack stores c, the ClaudeCLIProfile oauth credential that bot has just
// refreshed, where Claude Code reads it, so the claude CLI keeps working
// with the rotated tokens: accessToken, refreshToken (when c has one) and
// expiresAt (when c has one) are set in the existing "claudeAiOauth" object,
// and every other key, top-level or inside that object, is kept.
//
// The file is rewritten atomically with mode 0600 (through a symlink, its
// target is), and only when it exists and holds a "claudeAiOauth" object;
// otherwise it is left alone. With UseKeychain on macOS the Keychain item is
// updated in place too, when it exists: the secret is passed to the security
// tool on its standard input ("security -i"), never in its arguments.
//
// WriteBack does not lock against Claude Code writing the same file at the
// same moment; the last writer wins, and both hold a valid login.
func (cc ClaudeCode) WriteBack(ctx context.Context, c *Credential) error {
	if c == nil || c.Type != KindOAuth || c.Access.IsZero() {
		return errors.New("auth: claude code write-back: want an oauth credential with an access token")
	}
	if cc.Home == "" {
		return errors.New("auth: claude code: home directory not set")
	}
	var errs []error
	if run := cc.runner(); run != nil {
		if err := writeKeychain(ctx, run, c); err != nil {
			errs = append(errs, err)
		}
	}
	if err := cc.writeFile(c); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// writeFile merges c into the credentials file, if it exists and has a
// "claudeAiOauth" object.
func (cc ClaudeCode) writeFile(c *Credential) error {
	path := cc.Path()
	if p, err := filepath.EvalSymlinks(path); err == nil {
		path = p
	} else if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	b, err := readLimited(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return &ClaudeCodeError{Path: path, Err: err, Fix: readFix(err)}
	}
	out, ok, err := mergeClaudeJSON(b, c)
	if err != nil {
		return &ClaudeCodeError{Path: path, Err: err, Fix: fixClaudeLogin}
	}
	if !ok {
		return nil
	}
	if err := atomicfile.WriteFile(path, out, 0o600); err != nil {
		return &ClaudeCodeError{Path: path, Err: err, Fix: fixClaudeWrite}
	}
	return nil
}

// writeKeychain merges c into the Keychain item, if it exists.
func writeKeychain(ctx context.Context, run securityFunc, c *Credential) error {
	ctx, cancel := context.WithTimeout(ctx, keychainTimeout)
	defer cancel()
	// The item's account, so that -U updates this very item instead of
	// adding a second one under another account.
	attrs, err := run(ctx, nil, "find-generic-password", "-s", ClaudeCodeKeychainService)
	if err != nil {
		return nil // no item (or no access): nothing to update
	}
	acct, ok := keychainAccount(attrs)
	if !ok {
		return &ClaudeCodeError{Path: keychainLabel(), Err: errors.New("cannot tell the item's account"), Fix: fixKeychain}
	}
	cur, err := run(ctx, nil, "find-generic-password", "-s", ClaudeCodeKeychainService, "-w")
	if err != nil {
		return nil
	}
	out, ok, err := mergeClaudeJSON(decodeSecurityPassword(cur), c)
	if err != nil {
		return &ClaudeCodeError{Path: keychainLabel(), Err: err, Fix: fixKeychain}
	}
	if !ok {
		return nil
	}
	cmd, err := keychainUpdateCommand(acct, out)
	if err != nil {
		return &ClaudeCodeError{Path: keychainLabel(), Err: err, Fix: fixKeychain}
	}
	if _, err := run(ctx, cmd, "-i"); err != nil {
		return &ClaudeCodeError{Path: keychainLabel(), Err: fmt.Errorf("update: %w", err), Fix: fixKeychain}
	}
	return nil
}

// maxSecurityLine is the longest command line "security -i" reads.
const maxSecurityLine = 4095

// keychainUpdateCommand returns the "security -i" input that updates the
// item of account acct with password data payload: one add-generic-password
// -U line, single-quoted words. The security tool's line parser cannot be
// trusted with a single quote inside a quoted word, a backslash (an escape
// character to it) or a line over 4 KiB, so such payloads are refused;
// Claude Code's JSON holds none of them.
func keychainUpdateCommand(acct string, payload []byte) ([]byte, error) {
	const unsafe = "'\\\n\r"
	if bytes.ContainsAny(payload, unsafe) || strings.ContainsAny(acct, unsafe) {
		return nil, errors.New("cannot pass the new credentials to the security tool (they contain a quote, a backslash or a line break)")
	}
	var b bytes.Buffer
	b.WriteString("add-generic-password -U -s '" + ClaudeCodeKeychainService + "' -a '" + acct + "' -w '")
	b.Write(payload)
	b.WriteString("'\n")
	if b.Len() > maxSecurityLine {
		return nil, fmt.Errorf("cannot pass the new credentials to the security tool (%d bytes, at most %d)", b.Len(), maxSecurityLine)
	}
	return b.Bytes(), nil
}

// keychainAccount finds the account in the attribute listing of
// "security find-generic-password": a line `"acct"<blob>="name"`, or
// `"acct"<blob>=0x6E616D65  "name"` for non-printable names.
func keychainAccount(attrs []byte) (string, bool) {
	const key = `"acct"<blob>=`
	for line := range strings.Lines(string(attrs)) {
		line = strings.TrimSpace(line)
		v, ok := strings.CutPrefix(line, key)
		if !ok {
			continue
		}
		if h, ok := strings.CutPrefix(v, "0x"); ok {
			h, _, _ = strings.Cut(h, " ")
			d, err := hex.DecodeString(h)
			if err != nil {
				return "", false
			}
			return string(d), true
		}
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			return v[1 : len(v)-1], true
		}
		return "", false
	}
	return "", false
}

// mergeClaudeJSON sets c's tokens in the "claudeAiOauth" object of the
// document b, keeping every other key and the order of keys. It reports
// false, and no error, when b has no such object. Its errors never quote b.
func mergeClaudeJSON(b []byte, c *Credential) ([]byte, bool, error) {
	if _, err := parseClaudeCode(b); err != nil && !errors.Is(err, errClaudeNoAccess) {
		return nil, false, err
	}
	// Its errors never quote b: jsonobj's would quote a character.
	bad := errors.New("want a JSON object")
	top, err := jsonobj.Parse(b)
	if err != nil {
		return nil, false, bad
	}
	raw, ok := top.Get(claudeOAuthKey)
	if !ok || string(raw) == "null" {
		return nil, false, nil
	}
	o, err := jsonobj.Parse(raw)
	if err != nil {
		return nil, false, bad
	}
	// Strings and integers always marshal.
	o.SetValue("accessToken", c.Access.Reveal())
	if !c.Refresh.IsZero() {
		o.SetValue("refreshToken", c.Refresh.Reveal())
	}
	if !c.Expires.IsZero() {
		o.SetValue("expiresAt", c.Expires.UnixMilli())
	}
	top.Set(claudeOAuthKey, o.Encode())
	var compact bytes.Buffer
	if err := json.Compact(&compact, top.Encode()); err != nil {
		return nil, false, errors.New("cannot re-encode the document")
	}
	out := compact.Bytes()
	if indent := claudeIndent(b); indent != "" {
		var buf bytes.Buffer
		if err := json.Indent(&buf, out, "", indent); err != nil {
			return nil, false, errors.New("cannot re-encode the document")
		}
		out = buf.Bytes()
	}
	if bytes.HasSuffix(b, []byte("\n")) {
		out = append(out, '\n')
	}
	return out, true, nil
}

// claudeIndent returns the indentation of the first key of the document b,
// or "" when b is written on one line.
func claudeIndent(b []byte) string {
	b = bytes.TrimSpace(b)
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return ""
	}
	rest := b[i+1:]
	n := 0
	for n < len(rest) && (rest[n] == ' ' || rest[n] == '\t') {
		n++
	}
	if n == 0 {
		return ""
	}
	return string(rest[:n])
}
