// Package openclaw knows OpenClaw's state directory (~/.openclaw, formerly
// ~/.clawdbot): its config file (JSON5), its agents' credential stores and
// its .env, and brings what bot can use across into bot's own files: the
// credential stores (the same format, DESIGN §3), the auth declarations and
// order, the default model and aliases, the channels' allowFrom, and the
// channel tokens and provider keys into ~/.bot/.env.
//
// Read validates the whole directory before anything is written: a
// directory that is partial, newer than this import knows or corrupt is an
// *Error listing every problem, and nothing is imported. Import then writes
// each file through bot's own writers (the store's lock and atomic write,
// config.EditWith with config.SetDotenvIn), never replacing anything bot
// already has.
package openclaw

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/config"
	"github.com/botgateway/bot/internal/providers"
	"github.com/botgateway/bot/internal/safefile"
	"github.com/botgateway/bot/internal/secret"
)

// ConfigNames are the names OpenClaw's config file had, newest first.
var ConfigNames = []string{"openclaw.json", "clawdbot.json", "moltbot.json"}

// DirNames are the names OpenClaw's state directory had under $HOME,
// newest first.
var DirNames = []string{".openclaw", ".clawdbot", ".moltbot"}

// Kind is the kind of a Problem.
type Kind string

// The kinds of problems that stop an import.
const (
	Partial Kind = "partial"
	Newer   Kind = "newer"
	Corrupt Kind = "corrupt"
)

// Problem is one reason a directory cannot be imported.
type Problem struct {
	Kind Kind
	// Path is the file or directory at fault.
	Path string
	// Msg says what is wrong, never quoting a value.
	Msg string
	// Fix says what to do.
	Fix string
}

// Error is Read's error: every problem found, in a stable order.
type Error struct {
	Problems []Problem
}

// Error returns one line per problem: "<path>: <problem> (<kind>); <fix>".
func (e *Error) Error() string {
	var lines []string
	for _, p := range e.Problems {
		lines = append(lines, fmt.Sprintf("%s: %s (%s); %s", p.Path, p.Msg, p.Kind, p.Fix))
	}
	return strings.Join(lines, "\n")
}

// Setup is what Read found in an OpenClaw state directory.
type Setup struct {
	// Dir is the directory read.
	Dir string
	// ConfigPath is its config file.
	ConfigPath string
	// Version is meta.lastTouchedVersion of the config ("" when absent).
	Version string
	// Agents are the agents with a credential store, by id.
	Agents []Agent
	// Notes are what Read saw and will not import, with why.
	Notes []Item

	profiles  []declaredProfile
	order     map[string][]string
	model     string
	aliases   []alias
	channels  []channel
	env       []config.DotenvVar // from OpenClaw's .env and config env block
	envSource map[string]string
}

// Agent is one agent's credential store.
type Agent struct {
	ID        string
	StorePath string
	Store     *auth.Store
}

type declaredProfile struct {
	id    string
	value config.AuthProfile
}

type alias struct{ name, model string }

// channel is what the import takes of one OpenClaw channel.
type channel struct {
	name      string // telegram, discord
	allowFrom []string
	guilds    []string // discord: the guild ids of channels.discord.guilds
	token     secret.Secret
	tokenKey  string // where the token was: channels.telegram.botToken
}

// The config keys Read understands; the rest is noted as not imported.
type wireConfig struct {
	Meta struct {
		LastTouchedVersion string `json:"lastTouchedVersion"`
	} `json:"meta"`
	Auth struct {
		Profiles map[string]wireProfile `json:"profiles"`
		Order    map[string][]string    `json:"order"`
	} `json:"auth"`
	Agents struct {
		Defaults struct {
			Model  json.RawMessage            `json:"model"`
			Models map[string]json.RawMessage `json:"models"`
		} `json:"defaults"`
		List []struct {
			ID       string `json:"id"`
			AgentDir string `json:"agentDir"`
		} `json:"list"`
	} `json:"agents"`
	Channels struct {
		Telegram *wireChannel `json:"telegram"`
		Discord  *wireChannel `json:"discord"`
	} `json:"channels"`
	Env map[string]json.RawMessage `json:"env"`
}

type wireProfile struct {
	Provider string `json:"provider"`
	Mode     string `json:"mode"`
	Email    string `json:"email"`
}

type wireChannel struct {
	BotToken  string            `json:"botToken"`
	TokenFile string            `json:"tokenFile"`
	Token     string            `json:"token"`
	AllowFrom []json.RawMessage `json:"allowFrom"`
	DM        struct {
		AllowFrom []json.RawMessage `json:"allowFrom"`
	} `json:"dm"`
	Accounts map[string]json.RawMessage `json:"accounts"`
	Guilds   map[string]json.RawMessage `json:"guilds"`
}

// reader collects problems and notes while reading one directory.
type reader struct {
	s        *Setup
	problems []Problem
	home     string
}

func (r *reader) problem(k Kind, path, fix, format string, args ...any) {
	r.problems = append(r.problems, Problem{Kind: k, Path: path, Msg: fmt.Sprintf(format, args...), Fix: fix})
}

func (r *reader) note(what, why string) {
	r.s.Notes = append(r.s.Notes, Item{What: what, Why: why})
}

// The fixes of Problems.
const (
	fixCorrupt = "fix the file (or restore it from a backup) and run the import again; nothing was imported"
	fixNewer   = "this import reads OpenClaw 2026.1 setups (auth-profiles.json version 1); nothing was imported"
	fixPartial = "point --dir at a complete OpenClaw state directory; nothing was imported"
)

// Read reads and validates the OpenClaw state directory dir. home expands a
// leading "~" in the config's paths. It returns an *Error when dir cannot
// be imported as a whole.
func Read(dir, home string) (*Setup, error) {
	r := &reader{s: &Setup{Dir: dir, order: map[string][]string{}, envSource: map[string]string{}}, home: home}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		r.problem(Partial, dir, "point --dir at OpenClaw's state directory (~/.openclaw by default)", "no OpenClaw state directory here")
		return nil, &Error{Problems: r.problems}
	}
	var w wireConfig
	for _, name := range ConfigNames {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			r.s.ConfigPath = p
			break
		}
	}
	if r.s.ConfigPath == "" {
		r.problem(Partial, filepath.Join(dir, ConfigNames[0]), fixPartial, "the config file is missing")
	} else {
		r.readConfig(&w)
	}
	r.readAgents(&w)
	r.readEnv(&w)
	if len(r.problems) > 0 {
		return nil, &Error{Problems: r.problems}
	}
	return r.s, nil
}

// readConfig decodes the config file into w and takes what it imports.
func (r *reader) readConfig(w *wireConfig) {
	path := r.s.ConfigPath
	b, err := safefile.ReadFile(path)
	if err != nil {
		r.problem(Corrupt, path, "make it readable by this user", "cannot read it: %v", unwrapPath(err))
		return
	}
	if len(bytes.TrimSpace(b)) == 0 {
		r.problem(Corrupt, path, fixCorrupt, "the file is empty")
		return
	}
	std, err := standardize(b)
	if err != nil {
		r.problem(Corrupt, path, fixCorrupt, "%v", err)
		return
	}
	if err := json.Unmarshal(std, w); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			r.problem(Newer, path, fixNewer, "%s is a %s, which this import does not know", te.Field, te.Value)
			return
		}
		r.problem(Corrupt, path, fixCorrupt, "%v", err)
		return
	}
	r.s.Version = w.Meta.LastTouchedVersion
	for _, id := range sortedKeys(w.Auth.Profiles) {
		p := w.Auth.Profiles[id]
		mode := p.Mode
		if auth.ProfileID(id) == auth.ClaudeCLIProfile && mode == config.ModeToken {
			mode = config.ModeOAuth // DESIGN §3: the claude-cli mode migration
		}
		switch {
		case !auth.ProfileID(id).Valid() || strings.TrimSpace(p.Provider) == "":
			r.problem(Corrupt, path, fixCorrupt, "auth.profiles: %q is not a <provider>:<name> profile with a provider", id)
			continue
		case mode != config.ModeAPIKey && mode != config.ModeOAuth && mode != config.ModeToken:
			r.problem(Newer, path, fixNewer, "auth.profiles.%s.mode is %q, which this import does not know", id, p.Mode)
			continue
		}
		r.s.profiles = append(r.s.profiles, declaredProfile{id, config.AuthProfile{Provider: auth.NormalizeProvider(p.Provider), Mode: mode, Email: p.Email}})
	}
	for _, p := range sortedKeys(w.Auth.Order) {
		var ids []string
		for _, id := range w.Auth.Order[p] {
			if id = strings.TrimSpace(id); id != "" && !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
		if len(ids) > 0 {
			r.s.order[auth.NormalizeProvider(p)] = ids
		}
	}
	r.readModels(w)
	r.readChannel("telegram", w.Channels.Telegram)
	r.readChannel("discord", w.Channels.Discord)
}

// readModels takes the default model and the aliases.
func (r *reader) readModels(w *wireConfig) {
	d := w.Agents.Defaults
	if len(d.Model) > 0 && string(d.Model) != "null" {
		var primary string
		var obj struct {
			Primary   string   `json:"primary"`
			Fallbacks []string `json:"fallbacks"`
		}
		switch {
		case json.Unmarshal(d.Model, &primary) == nil:
		case json.Unmarshal(d.Model, &obj) == nil:
			primary = obj.Primary
			if len(obj.Fallbacks) > 0 {
				r.note("agents.defaults.model.fallbacks", "bot has no fallback models; the router fails over between credentials instead")
			}
		default:
			r.problem(Newer, r.s.ConfigPath, fixNewer, "agents.defaults.model is neither a model nor {primary, fallbacks}")
		}
		r.s.model = strings.TrimSpace(primary)
	}
	allow := 0
	for _, key := range sortedKeys(d.Models) {
		allow++
		var m struct {
			Alias string `json:"alias"`
		}
		if err := json.Unmarshal(d.Models[key], &m); err != nil {
			r.problem(Newer, r.s.ConfigPath, fixNewer, "agents.defaults.models.%s is not an object with an alias", key)
			continue
		}
		if a := strings.TrimSpace(m.Alias); a != "" {
			if !strings.Contains(key, "/") {
				r.note("alias "+a, fmt.Sprintf("its model %q is not provider/model", key))
				continue
			}
			r.s.aliases = append(r.s.aliases, alias{a, key})
		}
	}
	if allow > 0 {
		r.note(fmt.Sprintf("the model allowlist (agents.defaults.models, %d models)", allow),
			"not imported, so every model stays allowed; to limit them, set models.allow in bot.json")
	}
}

// readChannel takes a channel's allowFrom and token.
func (r *reader) readChannel(name string, c *wireChannel) {
	if c == nil {
		return
	}
	ch := channel{name: name}
	key := "channels." + name
	list := c.AllowFrom
	if name == "discord" {
		// OpenClaw 2026.1 kept Discord's owner list in dm.allowFrom, later
		// ones in allowFrom; a config edited across versions has both.
		list = slices.Concat(list, c.DM.AllowFrom)
	}
	var skipped int
	for _, raw := range list {
		id, ok := userID(name, raw)
		if !ok {
			skipped++
			continue
		}
		if !slices.Contains(ch.allowFrom, id) {
			ch.allowFrom = append(ch.allowFrom, id)
		}
	}
	if skipped > 0 {
		what := fmt.Sprintf("%s.allowFrom: %d entries", key, skipped)
		if skipped == 1 {
			what = key + ".allowFrom: 1 entry"
		}
		r.note(what, "not a user id (a name or handle): bot matches ids only; let those users in with bot pairing")
	}
	for _, g := range sortedKeys(c.Guilds) {
		if name != "discord" {
			break
		}
		if g != "" && strings.Trim(g, "0123456789") == "" {
			ch.guilds = append(ch.guilds, g)
		} else {
			r.note(key+".guilds."+g, "not a guild id (bot lists guilds by id)")
		}
	}
	token, tokenKey := c.Token, key+".token"
	if name == "telegram" {
		token, tokenKey = c.BotToken, key+".botToken"
		if strings.TrimSpace(token) == "" && c.TokenFile != "" {
			tokenKey = key + ".tokenFile"
			p := expandHome(c.TokenFile, r.home)
			b, err := safefile.ReadFile(p)
			if err != nil {
				r.problem(Partial, p, "restore the file or remove "+tokenKey+" from "+r.s.ConfigPath, "%s names this file, which cannot be read: %v", tokenKey, unwrapPath(err))
				return
			}
			token = string(bytes.TrimSpace(b))
		}
	}
	token = strings.TrimSpace(token)
	switch {
	case strings.Contains(token, "${"):
		r.note(tokenKey, "it refers to an environment variable; set that token in ~/.bot/.env yourself")
	case token != "":
		ch.token, ch.tokenKey = secret.New(token), tokenKey
	}
	if len(c.Accounts) > 0 {
		r.note(key+".accounts", "bot runs one bot per platform; only the default account is imported")
	}
	r.s.channels = append(r.s.channels, ch)
}

// userID returns the platform user id of an allowFrom entry: a number or a
// string of digits, with OpenClaw's prefixes ("telegram:", "tg:",
// "discord:", "user:", "<@…>") removed; "*" is kept.
func userID(channel string, raw json.RawMessage) (string, bool) {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		var n json.Number
		if json.Unmarshal(raw, &n) != nil {
			return "", false
		}
		s = n.String()
	}
	s = strings.TrimSpace(s)
	if s == "*" {
		return s, true
	}
	prefixes := []string{"telegram:", "tg:"}
	if channel == "discord" {
		prefixes = []string{"discord:", "user:"}
		s = strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(s, "<@"), "!"), ">")
	}
	for _, p := range prefixes {
		if len(s) > len(p) && strings.EqualFold(s[:len(p)], p) {
			s = s[len(p):]
		}
	}
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return "", false
	}
	return s, true
}

// readAgents reads every agent's credential store.
func (r *reader) readAgents(w *wireConfig) {
	dirs := map[string]string{}
	entries, err := os.ReadDir(filepath.Join(r.s.Dir, "agents"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		r.problem(Corrupt, filepath.Join(r.s.Dir, "agents"), "make it readable by this user", "cannot read it: %v", unwrapPath(err))
	}
	for _, e := range entries {
		if e.IsDir() {
			dirs[e.Name()] = filepath.Join(r.s.Dir, "agents", e.Name(), "agent")
		}
	}
	for _, a := range w.Agents.List {
		if a.ID != "" && a.AgentDir != "" {
			dirs[a.ID] = expandHome(a.AgentDir, r.home)
		}
	}
	for _, id := range sortedKeys(dirs) {
		r.readAgent(id, dirs[id])
	}
	if len(r.s.Agents) == 0 && len(r.s.profiles) > 0 {
		r.problem(Partial, filepath.Join(r.s.Dir, "agents"), fixPartial,
			"the config declares %d auth profiles but no agent has an %s", len(r.s.profiles), auth.StoreFile)
	}
}

// readAgent reads the store of agent id in dir.
func (r *reader) readAgent(id, dir string) {
	if !config.ValidAgent(config.NormalizeAgent(id)) {
		r.note("agent "+id, "its id is not one bot accepts (letters, digits, '-' and '_')")
		return
	}
	path := auth.StorePath(dir)
	b, err := safefile.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		switch {
		case exists(filepath.Join(dir, "openclaw-agent.sqlite")):
			r.problem(Newer, filepath.Join(dir, "openclaw-agent.sqlite"), fixNewer, "agent %s keeps its credentials in SQLite (OpenClaw 2026.2 or later)", id)
		case exists(filepath.Join(dir, "auth.json")):
			r.problem(Partial, filepath.Join(dir, "auth.json"), "start OpenClaw once so that it moves auth.json into auth-profiles.json, then import again; nothing was imported",
				"agent %s has only the legacy auth.json", id)
		default:
			r.note("agent "+id, "it has no "+auth.StoreFile+" (OpenClaw gives it the main agent's credentials)")
		}
		return
	}
	if err != nil {
		r.problem(Corrupt, path, "make it readable by this user", "cannot read it: %v", unwrapPath(err))
		return
	}
	var se *json.SyntaxError
	if err := json.Unmarshal(b, new(json.RawMessage)); errors.As(err, &se) {
		// DecodeStore's offsets are those of the member it was reading.
		line := 1 + bytes.Count(b[:min(max(se.Offset-1, 0), int64(len(b)))], []byte{'\n'})
		r.problem(Corrupt, path, fixCorrupt, "invalid JSON at line %d: %v", line, se)
		return
	}
	s, err := auth.DecodeStore(b)
	switch {
	case errors.Is(err, auth.ErrNewerStore):
		r.problem(Newer, path, fixNewer, "%v", err)
		return
	case err != nil:
		r.problem(Corrupt, path, fixCorrupt, "%v", err)
		return
	}
	for _, u := range s.Unusable() {
		if u.Malformed {
			r.problem(Corrupt, path, fixCorrupt, "profile %s: %s", u.ID, u.Problem)
		} else {
			r.note(fmt.Sprintf("profile %s (agent %s)", u.ID, id), fmt.Sprintf("its type %q is not one bot uses", u.Type))
		}
	}
	for _, pid := range s.IDs() {
		c := s.Profiles[pid]
		for _, ref := range []string{"keyRef", "tokenRef"} {
			if _, ok := c.Extra[ref]; ok {
				r.problem(Newer, path, fixNewer, "profile %s holds a %s (a secret reference of OpenClaw 2026.2 or later)", pid, ref)
			}
		}
	}
	var usage struct{ UsageStats, LastGood json.RawMessage }
	if json.Unmarshal(b, &usage) == nil && (usage.UsageStats != nil || usage.LastGood != nil) {
		r.note("usageStats and lastGood of agent "+id, "bot records usage in sessions.db: cooldowns and round-robin start afresh")
	}
	r.s.Agents = append(r.s.Agents, Agent{ID: config.NormalizeAgent(id), StorePath: path, Store: s})
}

// readEnv takes the credential variables of OpenClaw's .env and of its
// config's env block (in OpenClaw's order: the .env first).
func (r *reader) readEnv(w *wireConfig) {
	wanted := envWanted()
	var other []string
	add := func(key string, v secret.Secret, source string) {
		if !slices.Contains(wanted, key) {
			other = append(other, key)
			return
		}
		if _, seen := r.s.envSource[key]; seen || v.IsBlank() {
			return
		}
		r.s.env = append(r.s.env, config.DotenvVar{Key: key, Value: v})
		r.s.envSource[key] = source
	}
	path := filepath.Join(r.s.Dir, ".env")
	vars, err := config.ReadDotenv(path)
	if err != nil {
		r.problem(Corrupt, path, "make it readable by this user", "%v", unwrapPath(err))
	}
	for _, k := range sortedKeys(vars) {
		add(k, vars[k], path)
	}
	// The env block holds variables flat and under env.vars (§4.1), a
	// flat entry first.
	var envVars map[string]json.RawMessage
	if raw, ok := w.Env["vars"]; ok && json.Unmarshal(raw, &envVars) != nil {
		r.problem(Newer, r.s.ConfigPath, fixNewer, "env.vars is not an object of variables")
	}
	for _, block := range []struct {
		prefix string
		m      map[string]json.RawMessage
	}{{"env.", w.Env}, {"env.vars.", envVars}} {
		for _, k := range sortedKeys(block.m) {
			if block.prefix == "env." && (k == "shellEnv" || k == "vars") {
				continue
			}
			var s string
			if json.Unmarshal(block.m[k], &s) == nil {
				add(k, secret.New(s), block.prefix+k+" of "+filepath.Base(r.s.ConfigPath))
			}
		}
	}
	if len(other) > 0 {
		slices.Sort(other)
		r.note("variables "+strings.Join(slices.Compact(other), ", "), "not a provider key or channel token bot reads; copy the ones you need to ~/.bot/.env")
	}
}

// envWanted are the variables the import brings across: the providers'
// credential variables and the channel tokens.
func envWanted() []string {
	return append(providers.CredentialVars(), "TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN")
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// expandHome expands a leading "~/" of p.
func expandHome(p, home string) string {
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		return filepath.Join(home, rest)
	}
	return p
}

// unwrapPath drops the path of an *fs.PathError (the message names it).
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
