package config

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/botgateway/bot/internal/atomicfile"
	"github.com/botgateway/bot/internal/safefile"
	"github.com/botgateway/bot/internal/secret"
	"github.com/tailscale/hujson"
)

// File is a loaded config file.
type File struct {
	// Path is the file's path, as given to Load.
	Path string
	// Exists is false when there is no file; Config then holds the defaults.
	Exists bool
	// Config is the validated, normalized configuration. Never nil.
	Config *Config
	// Warnings are lines to show the user once, such as
	// `Auto-migrated config: Updated auth.profiles["anthropic:claude-cli"].mode → "oauth".`
	Warnings []string
	// Pending lists the migrations Inspect applied in memory only
	// (Load saves them instead): what Migrate would write.
	Pending []string
}

// Load reads, migrates and validates the config file at path. A missing
// file is not an error: it yields a File with Exists false and a zero
// Config (the defaults). A file that cannot be read, is not valid JSON with
// comments, or does not match the schema is an error: an *Error, or
// several joined with errors.Join (see the package documentation). A file
// that another user owns or that group or others may write, or one in such
// a directory, is refused unread with a *safefile.Error.
//
// When the auth.profiles["anthropic:claude-cli"].mode migration applies,
// Load rewrites the file atomically, keeping its comments, layout and mode,
// and adds a warning. When that rewrite fails, Load still returns the
// migrated Config, with a second warning naming the failure.
func Load(path string) (*File, error) { return load(path, true) }

// Inspect reads and validates the config file at path like Load, but
// writes nothing: a pending migration is applied to the returned Config
// and listed in File.Pending, and the file is left as it is (bot doctor
// reports it; Migrate applies it).
func Inspect(path string) (*File, error) { return load(path, false) }

// Migrate applies the pending migrations of the config file at path and
// saves it atomically, keeping its comments, layout and mode, under the
// lock every config writer takes. A file with none is left unchanged.
func Migrate(path string) error { return saveMigrated(path) }

// load is Load, saving a migrated file only when save is set.
func load(path string, save bool) (*File, error) {
	recovered := recoverPending(path)
	data, err := readConfig(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &File{Path: path, Config: &Config{}}, nil
	}
	if err != nil {
		return nil, err
	}
	doc, err := parseDocument(path, data)
	if err != nil {
		return nil, err
	}
	changes := migrate(&doc.val)
	if len(changes) > 0 {
		if err := doc.reparse(); err != nil {
			return nil, err
		}
	}
	if err := doc.validate(); err != nil {
		return nil, err
	}
	cfg, err := doc.decode()
	if err != nil {
		return nil, err
	}
	f := &File{Path: path, Exists: true, Config: cfg}
	if recovered != "" {
		f.Warnings = append(f.Warnings, recovered)
	}
	if len(changes) > 0 && !save {
		f.Pending = changes
	} else if len(changes) > 0 {
		f.Warnings = append(f.Warnings, "Auto-migrated config: "+strings.Join(changes, " "))
		if err := saveMigrated(path); err != nil {
			f.Warnings = append(f.Warnings, fmt.Sprintf("Could not save the migrated config to %s (%v); the change applies in memory only until the file is writable.", path, err))
		}
	}
	return f, nil
}

// recoverPending finishes or undoes a change to the config and other files
// (EditWith) that a killed process left, before the config is read, so a
// reader never sees half of it for longer than the next command takes to
// start. It does nothing (one stat) when there is none, and never waits
// long: a writer holding the lock recovers itself. It returns a warning
// line when the change could not be finished.
func recoverPending(path string) string {
	if !atomicfile.Pending(path) {
		return ""
	}
	warning := ""
	withLock(context.Background(), path, func(ctx context.Context) error {
		if _, err := atomicfile.Recover(ctx, path); err != nil {
			warning = fmt.Sprintf("Could not finish an interrupted change to %s: %v", path, err)
		}
		return nil
	})
	return warning
}

// readConfig reads the config file at path, refusing one that someone else
// could have written (see internal/safefile): a config can point a
// provider's base URL, and with it every credential, at another host. Such a
// refusal is returned as the *safefile.Error itself, whose line names the
// file and the fix; other errors are readError's.
func readConfig(path string) ([]byte, error) {
	data, err := safefile.ReadFile(path)
	if err == nil || errors.Is(err, fs.ErrNotExist) {
		return data, err
	}
	if _, ok := errors.AsType[*safefile.Error](err); ok {
		return nil, err
	}
	return nil, readError(path, err)
}

// saveMigrated writes a migrated config file: an Edit that changes nothing
// itself, so the file is re-read, migrated and written under the lock every
// config writer takes. Tests replace it to make the write fail (the tests
// run as root, so permissions cannot).
var saveMigrated = func(path string) error {
	// Load takes no context: the wait is Edit's default bound.
	return Edit(context.Background(), path, func(*Doc) error { return nil })
}

// readError describes a failed read of path without repeating the path. A
// permission error is a *safefile.DeniedError, which names the chmod or
// chown that fixes it.
func readError(path string, err error) error {
	if d := safefile.Denied(err); d != nil {
		return d
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	// Anything else (a directory, a FIFO or a device where the file
	// belongs, an I/O error) is the file's problem, named with its fix.
	return &Error{Path: path, Msg: "cannot read: " + err.Error(), Hint: "check that it is a readable file, or move it away", Unreadable: true}
}

// document is a parsed config file.
type document struct {
	file string
	data []byte       // the bytes val was parsed from (offsets refer to them)
	val  hujson.Value // the syntax tree, comments included
}

// utf8BOM is stripped from the start of a file; some editors write it.
var utf8BOM = []byte("\xef\xbb\xbf")

// parseDocument parses data, the content of file. A file with only
// whitespace and comments parses as {} (with those comments kept before it).
func parseDocument(file string, data []byte) (*document, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	d := &document{file: file}
	// hujson wants a line comment to end with a line break; a file whose
	// last line is a comment without one is still a fine file.
	if len(data) > 0 && data[len(data)-1] != '\n' {
		if _, err := hujson.Parse(data); err != nil {
			nl := append(bytes.Clone(data), '\n')
			if _, err := hujson.Parse(nl); err == nil || hujson.Extra(nl).IsValid() {
				data = nl
			}
		}
	}
	if hujson.Extra(data).IsValid() {
		if len(bytes.TrimSpace(data)) == 0 {
			data = []byte("{}\n")
		} else {
			data = append(bytes.Clone(data), "{}\n"...)
		}
	}
	val, err := hujson.Parse(data)
	if err != nil {
		return nil, syntaxError(file, data, err)
	}
	d.data, d.val = data, val
	return d, nil
}

// reparse packs the (patched) tree and parses it again, so that offsets,
// and therefore line numbers, match the bytes that will be written.
func (d *document) reparse() error {
	data := d.val.Pack()
	val, err := hujson.Parse(data)
	if err != nil {
		// Patching a valid tree yields a valid tree; report it as a
		// syntax error anyway rather than panic.
		return syntaxError(d.file, data, err)
	}
	d.data, d.val = data, val
	return nil
}

// packed returns the document's bytes, as they are to be written.
func (d *document) packed() []byte { return d.val.Pack() }

// validate checks the document against the schema.
func (d *document) validate() error { return validate(d.file, d.data, &d.val) }

// decode turns a validated document into a normalized Config.
func (d *document) decode() (*Config, error) {
	std := d.val.Clone()
	std.Standardize()
	var w wireConfig
	if err := json.Unmarshal(std.Pack(), &w); err != nil {
		// validate accepts only what decodes; this is a safety net.
		e := &Error{Path: d.file, Msg: "cannot decode: " + decodeProblem(err)}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			e.Line = 1 + bytes.Count(d.data[:min(int(te.Offset), len(d.data))], []byte("\n"))
		}
		return nil, e
	}
	return w.config(), nil
}

// decodeProblem describes a json decoding error without quoting values.
func decodeProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("%q must not be a %s", te.Field, te.Value)
	}
	return "unexpected structure"
}

// syntaxError converts a hujson parse error into an *Error with line and
// column. hujson reports errors as text ("hujson: line 3, column 14: ..."),
// so the position is read back from it. Messages that would quote a value
// from the file (hujson's "invalid literal: <text>") are replaced, so that
// a token pasted without quotes never reaches an error message.
func syntaxError(file string, data []byte, err error) *Error {
	e := &Error{Path: file, Hint: "fix the file or move it away"}
	what := err.Error()
	if m := hujsonPos.FindStringSubmatch(what); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		e.Col, _ = strconv.Atoi(m[2])
		what = m[3]
	}
	switch {
	case strings.HasPrefix(what, "invalid literal"):
		if off := offsetOf(data, e.Line, e.Col); off < len(data) && data[off] == '"' {
			what = "invalid string (a raw line break or control character, or a bad \\ escape)"
		} else {
			what = "invalid value (strings need double quotes; other values are true, false, null or a number)"
		}
	case errors.Is(err, io.ErrUnexpectedEOF):
		switch {
		case strings.Contains(what, "string"):
			what = "unexpected end of file inside a string (a closing \" is missing)"
		case strings.Contains(what, "comment"):
			what = "unexpected end of file inside a comment (a closing */ is missing)"
		case strings.Contains(what, "object"):
			what = "unexpected end of file inside an object (a closing } is missing)"
		case strings.Contains(what, "array"):
			what = "unexpected end of file inside a list (a closing ] is missing)"
		default:
			what = "unexpected end of file"
		}
	}
	e.Msg = "invalid JSON: " + what
	return e
}

// hujsonPos matches the position prefix of hujson's parse errors.
var hujsonPos = regexp.MustCompile(`(?s)^hujson: line (\d+), column (\d+): (.*)$`)

// offsetOf returns the byte offset of 1-based line and column in data.
func offsetOf(data []byte, line, col int) int {
	off := 0
	for l := 1; l < line; l++ {
		i := bytes.IndexByte(data[off:], '\n')
		if i < 0 {
			return len(data)
		}
		off += i + 1
	}
	return min(off+max(col-1, 0), len(data))
}

// writeFile writes data to path atomically. An existing file keeps its
// mode (and a symlink keeps pointing at the file it names: see
// atomicfile.WriteFile); a new file gets 0600, and missing parent
// directories are created with 0700 when create is set.
func writeFile(path string, data []byte, create bool) error {
	perm := fileMode(path)
	if _, err := os.Stat(path); err != nil && create {
		target, err := atomicfile.Target(path)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
			return err
		}
	}
	return atomicfile.WriteFile(path, data, perm)
}

// fileMode returns the mode a write of the config file at path gives it:
// the existing file's, else 0600.
func fileMode(path string) os.FileMode {
	if fi, err := os.Stat(path); err == nil {
		return fi.Mode().Perm()
	}
	return 0o600
}

// wireConfig is the decoding shape of bot.json; config turns it into a
// Config.
type wireConfig struct {
	Agents   AgentsConfig               `json:"agents"`
	Models   ModelsConfig               `json:"models"`
	Auth     AuthConfig                 `json:"auth"`
	Env      map[string]json.RawMessage `json:"env"`
	Channels struct {
		Telegram wireChannel `json:"telegram"`
		Discord  wireChannel `json:"discord"`
	} `json:"channels"`
	Gateway  GatewayConfig  `json:"gateway"`
	Sessions SessionsConfig `json:"sessions"`
	Log      LogConfig      `json:"log"`
}

// wireChannel is the decoding shape of a channel block.
type wireChannel struct {
	Enabled        *bool             `json:"enabled"`
	Token          string            `json:"token"`
	AllowFrom      []json.RawMessage `json:"allowFrom"`
	RequireMention *bool             `json:"requireMention"`
	DMPolicy       string            `json:"dmPolicy"`
	RateLimit      *int              `json:"rateLimit"`
	Webhook        struct {
		URL    string `json:"url"`
		Secret string `json:"secret"`
		Listen string `json:"listen"`
	} `json:"webhook"`
	Guilds         []json.RawMessage `json:"guilds"`
	MessageContent bool              `json:"messageContent"`
}

// config returns the normalized Config.
func (w *wireConfig) config() *Config {
	c := &Config{
		Agents:   w.Agents,
		Models:   w.Models,
		Auth:     w.Auth,
		Gateway:  GatewayConfig{Listen: strings.TrimSpace(w.Gateway.Listen)},
		Sessions: w.Sessions,
		Log:      w.Log,
	}
	c.Agents.Default = strings.TrimSpace(c.Agents.Default)
	c.Models.Default = strings.TrimSpace(c.Models.Default)
	for k, v := range c.Models.Aliases {
		c.Models.Aliases[k] = strings.TrimSpace(v)
	}
	for i, v := range c.Models.Allow {
		c.Models.Allow[i] = strings.TrimSpace(v)
	}
	c.Models.Providers = normalizeKeys(c.Models.Providers)
	for k, p := range c.Models.Providers {
		p.BaseURL = strings.TrimSpace(p.BaseURL)
		c.Models.Providers[k] = p
	}
	for id, p := range c.Auth.Profiles {
		p.Provider = normalizeProvider(p.Provider)
		p.Email = strings.TrimSpace(p.Email)
		c.Auth.Profiles[id] = p
	}
	c.Auth.Order = normalizeKeys(c.Auth.Order)
	for p, ids := range c.Auth.Order {
		for i, id := range ids {
			ids[i] = strings.TrimSpace(id)
		}
		c.Auth.Order[p] = ids
	}
	c.Auth.OAuth = normalizeKeys(c.Auth.OAuth)
	for k, o := range c.Auth.OAuth {
		o.TokenURL = strings.TrimSpace(o.TokenURL)
		c.Auth.OAuth[k] = o
	}
	c.Env = w.envConfig()
	c.Channels.Telegram = w.Channels.Telegram.config()
	c.Channels.Discord = w.Channels.Discord.config()
	return c
}

// envConfig splits the env block into variables and shellEnv.
func (w *wireConfig) envConfig() EnvConfig {
	var e EnvConfig
	if len(w.Env) == 0 {
		return e
	}
	e.Vars = map[string]string{}
	if raw, ok := w.Env["vars"]; ok {
		var vars map[string]string
		_ = json.Unmarshal(raw, &vars) // validated
		for k, v := range vars {
			e.Vars[k] = v
		}
	}
	for k, raw := range w.Env {
		switch k {
		case "vars":
		case "shellEnv":
			_ = json.Unmarshal(raw, &e.ShellEnv) // validated
		default:
			var s string
			if json.Unmarshal(raw, &s) == nil {
				e.Vars[k] = s
			}
		}
	}
	return e
}

// config returns the normalized ChannelConfig.
func (w wireChannel) config() ChannelConfig {
	c := ChannelConfig{
		Enabled:        w.Enabled,
		Token:          secret.New(strings.TrimSpace(w.Token)),
		AllowFrom:      ids(w.AllowFrom),
		RequireMention: w.RequireMention,
		DMPolicy:       strings.TrimSpace(w.DMPolicy),
		RateLimit:      w.RateLimit,
		Webhook: WebhookConfig{
			URL:    strings.TrimSpace(w.Webhook.URL),
			Secret: secret.New(strings.TrimSpace(w.Webhook.Secret)),
			Listen: strings.TrimSpace(w.Webhook.Listen),
		},
		Guilds:         ids(w.Guilds),
		MessageContent: w.MessageContent,
	}
	return c
}

// ids returns platform ids as strings: a number keeps its digits exactly
// (ids exceed float64).
func ids(raws []json.RawMessage) []string {
	var out []string
	for _, raw := range raws {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			s = string(raw)
		}
		out = append(out, strings.TrimSpace(s))
	}
	return out
}

// normalizeKeys returns m with provider-id keys normalized.
func normalizeKeys[V any](m map[string]V) map[string]V {
	if m == nil {
		return nil
	}
	out := make(map[string]V, len(m))
	for k, v := range m {
		out[normalizeProvider(k)] = v
	}
	return out
}
