package openclaw

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/config"
	"github.com/botgateway/bot/internal/testenv"
)

// fixture copies testdata/openclaw (a realistic ~/.openclaw: two agents,
// oauth, api_key and token profiles, usageStats, an order, a JSON5 config
// with comments, a .env) into a temp HOME and returns HOME and the copy.
func fixture(t *testing.T) (home, dir string) {
	t.Helper()
	e := testenv.New(t)
	dir = e.Path(".openclaw")
	if err := testenv.CopyTree("testdata/openclaw", dir); err != nil {
		t.Fatal(err)
	}
	return e.Home, dir
}

func botPaths(t *testing.T, home string) config.Paths {
	t.Helper()
	p, err := config.ResolvePaths(func(k string) string {
		if k == "HOME" {
			return home
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The canary every secret of the fixture holds.
const canary = "CANARY"

func TestReadFixture(t *testing.T) {
	home, dir := fixture(t)
	s, err := Read(dir, home)
	if err != nil {
		t.Fatal(err)
	}
	var agents []string
	for _, a := range s.Agents {
		for _, id := range a.Store.IDs() {
			agents = append(agents, a.ID+" "+string(id)+" "+string(a.Store.Profiles[id].Type))
		}
	}
	got := map[string]any{
		"version": s.Version,
		"agents":  agents,
		"model":   s.model,
		"aliases": s.aliases,
		"order":   s.order,
	}
	want := map[string]any{
		"version": "2026.1.25",
		"agents": []string{
			"coder openrouter:default api_key", "coder anthropic:coder token", "coder google-antigravity:me@example.com oauth",
			"main anthropic:claude-cli oauth", "main anthropic:work api_key", "main anthropic:manual token", "main openai:default api_key",
		},
		"model":   "anthropic/claude-opus-4-5",
		"aliases": []alias{{"fast", "anthropic/claude-haiku-4-5"}, {"opus", "anthropic/claude-opus-4-5"}, {"gpt", "openai/gpt-5.2"}},
		"order":   map[string][]string{"anthropic": {"anthropic:work", "anthropic:claude-cli"}},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(alias{})); diff != "" {
		t.Errorf("read (-want +got):\n%s", diff)
	}
	var decl []string
	for _, p := range s.profiles {
		decl = append(decl, p.id+" "+p.value.Mode)
	}
	// anthropic:claude-cli's mode "token" is migrated, as bot's loader does.
	if diff := cmp.Diff([]string{"anthropic:claude-cli oauth", "anthropic:manual token", "anthropic:work api_key", "openai:default api_key"}, decl); diff != "" {
		t.Errorf("auth.profiles (-want +got):\n%s", diff)
	}
	var chans []string
	for _, c := range s.channels {
		chans = append(chans, c.name+" "+strings.Join(c.allowFrom, ",")+" "+c.tokenKey)
	}
	if diff := cmp.Diff([]string{
		"telegram 111111111,222222222 channels.telegram.botToken",
		"discord 333333333333333333,444444444444444444 channels.discord.token",
	}, chans); diff != "" {
		t.Errorf("channels (-want +got):\n%s", diff)
	}
	var env []string
	for _, v := range s.env {
		env = append(env, v.Key+" "+filepath.Base(s.envSource[v.Key]))
	}
	// The .env wins over the config's env block, as in OpenClaw.
	if diff := cmp.Diff([]string{"ANTHROPIC_API_KEY .env", "OPENROUTER_API_KEY .env"}, env); diff != "" {
		t.Errorf("env (-want +got):\n%s", diff)
	}
}

func TestImport(t *testing.T) {
	home, dir := fixture(t)
	paths := botPaths(t, home)
	// bot already has a profile of the same id, a default model and a
	// variable: none of them may change.
	mine := auth.NewStore()
	mine.Set("anthropic:work", &auth.Credential{Provider: "anthropic", Type: auth.KindAPIKey, Key: auth.NewSecret("sk-ant-api03-mine-0123456789abcdef")})
	b, _ := mine.Encode()
	writeFile(t, auth.StorePath(paths.AgentDir("main")), string(b))
	// Its config also has a migration pending (claude-cli's old "token"
	// mode): planning reads it without applying it, so the dry run leaves
	// the file as it is.
	writeFile(t, paths.ConfigPath, "// mine\n{\"models\": {\"default\": \"openai/gpt-5.2\"}, \"auth\": {\"profiles\": {\"anthropic:claude-cli\": {\"provider\": \"anthropic\", \"mode\": \"token\"}}}, \"channels\": {\"telegram\": {\"allowFrom\": [\"222222222\"]}}}\n")
	writeFile(t, paths.EnvFile(), "TELEGRAM_BOT_TOKEN=mine\n")
	before := snapshot(t, home)

	s, err := Read(dir, home)
	if err != nil {
		t.Fatal(err)
	}
	dry, err := Import(context.Background(), s, paths, true)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, snapshot(t, home)); diff != "" {
		t.Fatalf("the dry run wrote (-before +after):\n%s", diff)
	}
	items, err := Import(context.Background(), s, paths, false)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(dry, items); diff != "" {
		t.Errorf("the dry run's plan differs from the import (-dry +import):\n%s", diff)
	}
	for _, it := range items {
		if strings.Contains(it.What+it.Why, canary) {
			t.Errorf("item shows a secret: %+v", it)
		}
	}

	main, _, err := auth.LoadStore(auth.StorePath(paths.AgentDir("main")))
	if err != nil {
		t.Fatal(err)
	}
	if got := main.Profiles["anthropic:work"].Key; !got.Equal(auth.NewSecret("sk-ant-api03-mine-0123456789abcdef")) {
		t.Errorf("bot's own anthropic:work was replaced")
	}
	if c := main.Profiles["anthropic:claude-cli"]; c == nil || !c.Refreshable() {
		t.Errorf("anthropic:claude-cli not imported as an OAuth login: %v", c)
	}
	coder, _, err := auth.LoadStore(auth.StorePath(paths.AgentDir("coder")))
	if err != nil {
		t.Fatal(err)
	}
	if c := coder.Profiles["google-antigravity:me@example.com"]; c == nil || string(c.Extra["projectId"]) != `"proj-123"` {
		t.Errorf("coder's OAuth profile lost its projectId: %v", c)
	}
	raw, _ := os.ReadFile(auth.StorePath(paths.AgentDir("main")))
	if strings.Contains(string(raw), "usageStats") {
		t.Errorf("usageStats imported into the store")
	}

	cf, err := config.Load(paths.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	c := cf.Config
	got := map[string]any{
		"default":  c.Models.Default,
		"aliases":  c.Models.Aliases,
		"order":    c.Auth.Order,
		"declared": len(c.Auth.Profiles),
		"tg":       c.Channels.Telegram.AllowFrom,
		"dc":       c.Channels.Discord.AllowFrom,
		"guilds":   c.Channels.Discord.Guilds,
	}
	want := map[string]any{
		"default":  "openai/gpt-5.2",
		"aliases":  map[string]string{"fast": "anthropic/claude-haiku-4-5", "gpt": "openai/gpt-5.2", "opus": "anthropic/claude-opus-4-5"},
		"order":    map[string][]string{"anthropic": {"anthropic:work", "anthropic:claude-cli"}},
		"declared": 4,
		"tg":       []string{"222222222", "111111111"},
		"dc":       []string{"333333333333333333", "444444444444444444"},
		"guilds":   []string{"987654321098765432"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("bot.json (-want +got):\n%s", diff)
	}
	if conf, _ := os.ReadFile(paths.ConfigPath); !strings.HasPrefix(string(conf), "// mine\n") {
		t.Errorf("the config's comment is gone:\n%s", conf)
	}
	env, err := config.ReadDotenv(paths.EnvFile())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"ANTHROPIC_API_KEY", "DISCORD_BOT_TOKEN", "OPENROUTER_API_KEY", "TELEGRAM_BOT_TOKEN"}, sortedKeys(env)); diff != "" {
		t.Errorf(".env keys (-want +got):\n%s", diff)
	}
	if !env["TELEGRAM_BOT_TOKEN"].Equal(auth.NewSecret("mine")) {
		t.Errorf("TELEGRAM_BOT_TOKEN in .env was replaced")
	}
	if fi, err := os.Stat(paths.EnvFile()); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf(".env: %v, mode %v", err, fi.Mode())
	}

	// Again: nothing is taken, nothing changes.
	after := snapshot(t, home)
	again, err := Import(context.Background(), s, paths, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range again {
		if it.Taken {
			t.Errorf("the second import took %s", it.What)
		}
	}
	if diff := cmp.Diff(after, snapshot(t, home)); diff != "" {
		t.Errorf("the second import changed files (-before +after):\n%s", diff)
	}
}

// TestReadRefuses: a directory that is partial, newer or corrupt is an
// *Error of that kind naming the problem, never a secret
// (testdata/script/import_openclaw_refused.txtar checks that nothing is
// written).
func TestReadRefuses(t *testing.T) {
	tests := []struct {
		name   string
		change func(t *testing.T, dir string)
		kind   Kind
		msg    string
	}{
		{"no config", func(t *testing.T, dir string) { remove(t, dir, "openclaw.json") }, Partial, "the config file is missing"},
		{"legacy auth.json only", func(t *testing.T, dir string) {
			remove(t, dir, "agents/coder/agent/auth-profiles.json")
			writeFile(t, filepath.Join(dir, "agents/coder/agent/auth.json"), `{"anthropic": {"type": "api_key", "key": "sk-ant-CANARY"}}`)
		}, Partial, "agent coder has only the legacy auth.json"},
		{"no stores at all", func(t *testing.T, dir string) { remove(t, dir, "agents") }, Partial, "no agent has an auth-profiles.json"},
		{"token file gone", func(t *testing.T, dir string) {
			replaceIn(t, dir, "openclaw.json", `botToken: "123456789:AAH-CANARYtelegram-0123456789xyz"`, `tokenFile: "~/.secrets/telegram"`)
		}, Partial, "channels.telegram.tokenFile names this file"},
		{"store version 2", func(t *testing.T, dir string) {
			replaceIn(t, dir, "agents/main/agent/auth-profiles.json", `"version": 1`, `"version": 2`)
		}, Newer, "newer version"},
		{"credentials in SQLite", func(t *testing.T, dir string) {
			remove(t, dir, "agents/coder/agent/auth-profiles.json")
			writeFile(t, filepath.Join(dir, "agents/coder/agent/openclaw-agent.sqlite"), "SQLite format 3\x00")
		}, Newer, "keeps its credentials in SQLite"},
		{"secret reference", func(t *testing.T, dir string) {
			replaceIn(t, dir, "agents/coder/agent/auth-profiles.json", `"key": "sk-or-v1-CANARYcoder-0123456789abcdef"`, `"keyRef": {"source": "env", "id": "OPENROUTER_API_KEY"}`)
		}, Newer, "holds a keyRef"},
		{"unknown mode", func(t *testing.T, dir string) {
			replaceIn(t, dir, "openclaw.json", `mode: "api_key" }`, `mode: "aws-sdk" }`)
		}, Newer, `mode is "aws-sdk"`},
		{"unknown shape", func(t *testing.T, dir string) {
			replaceIn(t, dir, "openclaw.json", `allowFrom: ["tg:111111111", 222222222, "@alice"]`, `allowFrom: {"*": true}`)
		}, Newer, "channels.telegram.allowFrom is a object"},
		{"config not JSON5", func(t *testing.T, dir string) { replaceIn(t, dir, "openclaw.json", `gateway: {`, `gateway: {{`) }, Corrupt, "invalid JSON5: line 51, column 15"},
		{"store not JSON", func(t *testing.T, dir string) {
			replaceIn(t, dir, "agents/main/agent/auth-profiles.json", `"order": {`, `"order": {,`)
		}, Corrupt, "invalid JSON at line 28"},
		{"store without profiles", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "agents/main/agent/auth-profiles.json"), `{"version": 1}`)
		}, Corrupt, `no "profiles" object`},
		{"malformed profile", func(t *testing.T, dir string) {
			replaceIn(t, dir, "agents/main/agent/auth-profiles.json", `"key": "sk-ant-api03-CANARYwork-0123456789abcdef"`, `"key": 42`)
		}, Corrupt, `profile anthropic:work: "key" is a number`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home, dir := fixture(t)
			tt.change(t, dir)
			s, err := Read(dir, home)
			oe, ok := errors.AsType[*Error](err)
			if !ok {
				t.Fatalf("Read = %v, %v; want an *Error", s, err)
			}
			if !strings.Contains(err.Error(), tt.msg) || oe.Problems[0].Kind != tt.kind {
				t.Errorf("Read: %v\nwant kind %s and %q", err, tt.kind, tt.msg)
			}
			if strings.Contains(err.Error(), canary) {
				t.Errorf("the error shows a secret: %v", err)
			}
		})
	}
}

func TestStandardize(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{a: 1, 'b': 'it\'s', "c": [1, 2,], // x` + "\n}", `{"a":1,"b":"it's","c":[1,2]}`},
		{`{a: 'say "hi"', b: true, c: null}`, `{"a":"say \"hi\"","b":true,"c":null}`},
		{`/* head */ {x_1: {$y: "z:w"}}`, `{"x_1":{"$y":"z:w"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			out, err := standardize([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			var got, want any
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("%s: %v", out, err)
			}
			json.Unmarshal([]byte(tt.want), &want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	for _, bad := range []string{`{a: 0x10}`, `{a: 'open}`, `{a: 1 /* open}`} {
		if _, err := standardize([]byte(bad)); err == nil {
			t.Errorf("standardize(%s) = nil error", bad)
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func remove(t *testing.T, dir, rel string) {
	t.Helper()
	if err := os.RemoveAll(filepath.Join(dir, rel)); err != nil {
		t.Fatal(err)
	}
}

// replaceIn replaces old, which must be there, with new in dir/rel.
func replaceIn(t *testing.T, dir, rel, old, new string) {
	t.Helper()
	path := filepath.Join(dir, rel)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s has no %s", rel, old)
	}
	writeFile(t, path, strings.Replace(string(b), old, new, 1))
}

// snapshot returns every file under dir with its content.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(path)
			out[path] = string(b)
		}
		return nil
	})
	return out
}

// OpenClaw's config env block holds variables flat and under env.vars
// (§4.1); both are taken, a flat entry first. Discord's owner list may be
// in allowFrom and in dm.allowFrom at once: both are taken.
func TestReadEnvVarsAndDiscordLists(t *testing.T) {
	home, dir := fixture(t)
	remove(t, dir, ".env")
	replaceIn(t, dir, "openclaw.json", `env: { OPENROUTER_API_KEY: "sk-or-v1-CANARYconfigenv-0123456789" }`,
		`env: { OPENROUTER_API_KEY: "sk-or-v1-CANARYconfigenv-0123456789", vars: { ANTHROPIC_API_KEY: "sk-ant-api03-CANARYvars-0123456789", OPENROUTER_API_KEY: "sk-or-v1-CANARYvars-loses" } }`)
	replaceIn(t, dir, "openclaw.json", `dm: { enabled: true,`, `allowFrom: ["555555555555555555"], dm: { enabled: true,`)
	s, err := Read(dir, home)
	if err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, v := range s.env {
		env = append(env, v.Key+" "+s.envSource[v.Key]+" "+v.Value.Mask())
	}
	want := []string{
		"OPENROUTER_API_KEY env.OPENROUTER_API_KEY of openclaw.json sk-o...6789",
		"ANTHROPIC_API_KEY env.vars.ANTHROPIC_API_KEY of openclaw.json sk-a...6789",
	}
	if diff := cmp.Diff(want, env); diff != "" {
		t.Errorf("env (-want +got):\n%s", diff)
	}
	var chans []string
	for _, c := range s.channels {
		chans = append(chans, c.name+" "+strings.Join(c.allowFrom, ","))
	}
	if diff := cmp.Diff([]string{"telegram 111111111,222222222", "discord 555555555555555555,333333333333333333,444444444444444444"}, chans); diff != "" {
		t.Errorf("channels (-want +got):\n%s", diff)
	}
}

// importOver imports the fixture over bot's files as prepare leaves them
// (checking that the dry run plans what the import does) and returns the
// paths, the items and the resulting config.
func importOver(t *testing.T, prepare func(paths config.Paths)) (config.Paths, []Item, *config.Config) {
	t.Helper()
	home, dir := fixture(t)
	paths := botPaths(t, home)
	prepare(paths)
	s, err := Read(dir, home)
	if err != nil {
		t.Fatal(err)
	}
	dry, err := Import(context.Background(), s, paths, true)
	if err != nil {
		t.Fatal(err)
	}
	items, err := Import(context.Background(), s, paths, false)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(dry, items); diff != "" {
		t.Errorf("the dry run's plan differs from the import (-dry +import):\n%s", diff)
	}
	cf, err := config.Load(paths.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	return paths, items, cf.Config
}

// skipped checks that the items starting with prefix (at least one) were
// skipped with a why that names why.
func skipped(t *testing.T, items []Item, prefix, why string) {
	t.Helper()
	found := false
	for _, it := range items {
		if strings.HasPrefix(it.What, prefix) {
			found = true
			if it.Taken || !strings.Contains(it.Why, why) {
				t.Errorf("item %+v; want skipped, naming %s", it, why)
			}
		}
	}
	if !found {
		t.Errorf("no item %s… in %+v", prefix, items)
	}
}

// TestImportKeepsConfigToken: a channel token bot.json already holds
// (channels.<ch>.token) is what bot runs with; a variable in .env would
// win over it, so the import adds none for that channel.
func TestImportKeepsConfigToken(t *testing.T) {
	paths, items, _ := importOver(t, func(paths config.Paths) {
		writeFile(t, paths.ConfigPath, `{"channels": {"discord": {"token": "MTIzNDU2Nzg5MDEyMzQ1Njc4.mine.bot-0123456789abcdefgh"}}}`+"\n")
	})
	env, err := config.ReadDotenv(paths.EnvFile())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := env["DISCORD_BOT_TOKEN"]; ok {
		t.Errorf("DISCORD_BOT_TOKEN added to .env, overriding bot.json's channels.discord.token")
	}
	if _, ok := env["TELEGRAM_BOT_TOKEN"]; !ok {
		t.Errorf("TELEGRAM_BOT_TOKEN not imported")
	}
	skipped(t, items, "DISCORD_BOT_TOKEN ", "channels.discord.token")
}

// TestImportKeepsOwnProfilesRouted: bot.json declares a profile of bot's
// own and no order; OpenClaw's auth.order for that provider leaves it out,
// so importing it would stop bot from ever trying its own credential: the
// order is skipped, saying why.
func TestImportKeepsOwnProfilesRouted(t *testing.T) {
	_, items, cfg := importOver(t, func(paths config.Paths) {
		writeFile(t, paths.ConfigPath, `{"auth": {"profiles": {"anthropic:mine": {"provider": "anthropic", "mode": "token"}}}}`+"\n")
	})
	if o, ok := cfg.Auth.Order["anthropic"]; ok {
		t.Errorf("auth.order.anthropic = %v imported: anthropic:mine would no longer be tried", o)
	}
	skipped(t, items, "auth.order.anthropic ", "anthropic:mine")
}

// TestImportKeepsStoredProfilesRouted: bot's store holds a profile its
// config does not declare (Claude Code's login, synced), and bot.json has
// no declaration or order for that provider, so the router tries every
// stored profile. Declaring OpenClaw's profiles of that provider would
// make the router try only those: they are skipped, and the profiles
// still come across into the store (tried as bot's are).
func TestImportKeepsStoredProfilesRouted(t *testing.T) {
	paths, items, cfg := importOver(t, func(paths config.Paths) {
		mine := auth.NewStore()
		mine.Set("anthropic:synced", &auth.Credential{Provider: "anthropic", Type: auth.KindAPIKey, Key: auth.NewSecret("sk-ant-api03-mine-0123456789abcdef")})
		b, _ := mine.Encode()
		writeFile(t, auth.StorePath(paths.AgentDir("main")), string(b))
	})
	var anthropic []string
	for id := range cfg.Auth.Profiles {
		if strings.HasPrefix(id, "anthropic:") {
			anthropic = append(anthropic, id)
		}
	}
	if len(anthropic) > 0 || cfg.Auth.Order["anthropic"] != nil {
		t.Errorf("anthropic declared %v, order %v: anthropic:synced would no longer be tried", anthropic, cfg.Auth.Order["anthropic"])
	}
	if _, ok := cfg.Auth.Profiles["openai:default"]; !ok {
		t.Errorf("openai:default not declared (bot has no openai profile of its own)")
	}
	skipped(t, items, "auth.profiles.anthropic:", "anthropic:synced")
	skipped(t, items, "auth.order.anthropic ", "anthropic:synced")
	st, _, err := auth.LoadStore(auth.StorePath(paths.AgentDir("main")))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := st.Profiles["anthropic:work"]; !ok {
		t.Errorf("anthropic:work not imported into the store")
	}
}
