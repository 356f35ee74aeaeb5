package config

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/botgateway/bot/internal/secret"
	"github.com/google/go-cmp/cmp"
)

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    string // "$F" stands for the file's path
	}{
		{
			name: "unknown key with suggestion and line",
			content: `{
  // the models
  "models": {
    "aliases": {"fast": "anthropic/claude-haiku-4-5"},


    "defualt": "anthropic/claude-opus-4",
  },
}`,
			want: `config: $F:7: unknown key "models.defualt" (did you mean "models.default"?)`,
		},
		{
			name:    "unknown key differing in case",
			content: "{\n  \"sessions\": {\"HistoryTurns\": 3}\n}",
			want:    `config: $F:2: unknown key "sessions.HistoryTurns" (did you mean "sessions.historyTurns"?)`,
		},
		{
			name:    "known key at the wrong level",
			content: "{\n  \"telegram\": {\"token\": \"x\"}\n}",
			want:    `config: $F:2: unknown key "telegram" (did you mean "channels.telegram"?)`,
		},
		{
			name:    "unknown key in a channel",
			content: "{\"channels\": {\"discord\": {\"allowfrom\": []}}}",
			want:    `config: $F:1: unknown key "channels.discord.allowfrom" (did you mean "channels.discord.allowFrom"?)`,
		},
		{
			name:    "telegram-only key on discord",
			content: "{\"channels\": {\"discord\": {\"rateLimit\": 5}}}",
			want:    `config: $F:1: unknown key "channels.discord.rateLimit" (did you mean "channels.telegram.rateLimit"?)`,
		},
		{
			name:    "unknown key inside a profile",
			content: "{\"auth\": {\"profiles\": {\"anthropic:work\": {\"provider\": \"anthropic\", \"mode\": \"api_key\", \"emial\": \"\"}}}}",
			want:    `config: $F:1: unknown key "auth.profiles.anthropic:work.emial" (did you mean "auth.profiles.anthropic:work.email"?)`,
		},
		{
			name:    "reserved env key misspelt",
			content: "{\"env\": {\"shellenv\": {\"enabled\": true}}}",
			want:    `config: $F:1: unknown key "env.shellenv" (did you mean "env.shellEnv"?)`,
		},
		{
			name:    "type error with line",
			content: "{\n\n\n\n\n\n\n\n\n\n  \"sessions\": {\n    \"historyTurns\": \"twenty\"\n  }\n}",
			want:    `config: $F:12: "sessions.historyTurns" must be a number`,
		},
		{
			name:    "fraction",
			content: `{"sessions": {"historyTurns": 2.5}}`,
			want:    `config: $F:1: "sessions.historyTurns" must be a whole number`,
		},
		{
			name:    "negative",
			content: `{"env": {"shellEnv": {"timeoutMs": -1}}}`,
			want:    `config: $F:1: "env.shellEnv.timeoutMs" must not be negative`,
		},
		{
			name:    "bool",
			content: `{"channels": {"telegram": {"enabled": "yes"}}}`,
			want:    `config: $F:1: "channels.telegram.enabled" must be true or false`,
		},
		{
			name:    "object expected",
			content: `{"models": ["a"]}`,
			want:    `config: $F:1: "models" must be an object ({...})`,
		},
		{
			name:    "list expected",
			content: `{"models": {"allow": "anthropic/*"}}`,
			want:    `config: $F:1: "models.allow" must be a list of strings`,
		},
		{
			name:    "mode not allowed",
			content: `{"auth": {"profiles": {"anthropic:work": {"provider": "anthropic", "mode": "apikey"}}}}`,
			want:    `config: $F:1: "auth.profiles.anthropic:work.mode" must be one of "api_key", "oauth", "token"`,
		},
		{
			name:    "mode missing",
			content: "{\"auth\": {\"profiles\": {\n  \"anthropic:work\": {\"provider\": \"anthropic\"}\n}}}",
			want:    `config: $F:2: "auth.profiles.anthropic:work.mode" is required (one of "api_key", "oauth", "token")`,
		},
		{
			name:    "map key with a dot",
			content: `{"models": {"aliases": {"sonnet-4.5": 1}}}`,
			want:    `config: $F:1: "models.aliases["sonnet-4.5"]" must be a string`,
		},
		{
			name:    "duplicate key",
			content: "{\n  \"log\": {\"level\": \"info\"},\n  \"log\": {\"level\": \"debug\"}\n}",
			want:    `config: $F:3: duplicate key "log" (first on line 2)`,
		},
		{
			name:    "provider twice in different case",
			content: "{\"auth\": {\"order\": {\n  \"anthropic\": [\"anthropic:a\"],\n  \"Anthropic\": [\"anthropic:b\"]\n}}}",
			want:    `config: $F:3: "auth.order.Anthropic" names the same provider as "auth.order.anthropic" on line 2 (provider ids ignore case)`,
		},
		{
			name:    "env key not a variable name",
			content: `{"env": {"MY-KEY": "x"}}`,
			want:    `config: $F:1: "env.MY-KEY" is not a valid environment variable name`,
		},
		{
			name:    "env value not a string",
			content: `{"env": {"vars": {"PORT": 8080}}}`,
			want:    `config: $F:1: "env.vars.PORT" must be a string`,
		},
		{
			name:    "allowFrom element",
			content: `{"channels": {"telegram": {"allowFrom": ["42", 1.5]}}}`,
			want:    `config: $F:1: "channels.telegram.allowFrom[1]" must be a whole number or a string`,
		},
		{
			name:    "allowFrom not ids",
			content: `{"channels": {"telegram": {"allowFrom": [true]}}}`,
			want:    `config: $F:1: "channels.telegram.allowFrom[0]" must be a string or a number`,
		},
		{
			name:    "webhook without secret",
			content: "{\"channels\": {\"telegram\": {\"webhook\": {\n  \"url\": \"https://bot.example/tg\"\n}}}}",
			want:    `config: $F:2: "channels.telegram.webhook.secret" is required with "channels.telegram.webhook.url": Telegram sends it with every update, so bot can refuse posts that are not Telegram's`,
		},
		{
			name:    "base URL",
			content: `{"models": {"providers": {"anthropic": {"baseUrl": "localhost:8080"}}}}`,
			want:    `config: $F:1: "models.providers.anthropic.baseUrl" must be an http:// or https:// URL`,
		},
		{
			name:    "agent id",
			content: `{"agents": {"default": "../../etc"}}`,
			want:    `config: $F:1: "agents.default" is not a valid agent id ("../../etc"): use ` + AgentIDForm,
		},
		{
			// A key pasted as the id is refused, and named masked.
			name:    "agent id that is a key",
			content: `{"agents": {"default": "sk-ant-api03-CANARYabcdef0123456789abcdefXYZ"}}`,
			want:    `config: $F:1: "agents.default" is not a valid agent id ("sk-a...fXYZ"): use ` + AgentIDForm,
		},
		{
			name:    "log level",
			content: `{"log": {"level": "verbose"}}`,
			want:    `config: $F:1: "log.level" must be one of "debug", "info", "warn", "error"`,
		},
		{
			name:    "top level not an object",
			content: `["models"]`,
			want:    `config: $F:1: the config must be a JSON object ({...})`,
		},
		{
			name:    "syntax error with line and column",
			content: "{\n  \"models\": {\n    \"default\": \"x\" \"aliases\": {}\n  }\n}",
			want:    `config: $F:3:20: invalid JSON: invalid character '"' after object value (expecting ',' or '}'); fix the file or move it away`,
		},
		{
			name:    "unquoted value",
			content: "{\n  \"env\": {\"OPENAI_API_KEY\": sk-canary-123}\n}",
			want:    `config: $F:2:29: invalid JSON: invalid value (strings need double quotes; other values are true, false, null or a number); fix the file or move it away`,
		},
		{
			name:    "raw line break in a string",
			content: "{\"env\": {\"A\": \"sk-canary\n-123\"}}",
			want:    `config: $F:1:15: invalid JSON: invalid string (a raw line break or control character, or a bad \ escape); fix the file or move it away`,
		},
		{
			name:    "unterminated object",
			content: "{\n  \"models\": {\"default\": \"x\"}\n",
			want:    `config: $F:3:1: invalid JSON: unexpected end of file inside an object (a closing } is missing); fix the file or move it away`,
		},
		{
			name:    "unterminated comment",
			content: "{} /* comment",
			want:    `config: $F:1:4: invalid JSON: unexpected end of file inside a comment (a closing */ is missing); fix the file or move it away`,
		},
		{
			name:    "several problems, one per line",
			content: "{\n  \"modles\": {},\n  \"sessions\": {\"historyTurns\": true}\n}",
			want: `config: $F:2: unknown key "modles" (did you mean "models"?)` + "\n" +
				`config: $F:3: "sessions.historyTurns" must be a number`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.content)
			f, err := Load(path)
			if err == nil {
				t.Fatalf("Load = %+v, want error", f)
			}
			want := strings.ReplaceAll(tt.want, "$F", path)
			if diff := cmp.Diff(want, err.Error()); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not an *Error", err)
			}
			if e.Path != path || e.Line == 0 {
				t.Errorf("Error = %+v, want Path and Line set", e)
			}
			if strings.Contains(err.Error(), "canary") {
				t.Errorf("error quotes a value from the file: %v", err)
			}
		})
	}
}

func TestLoadErrorFields(t *testing.T) {
	path := writeConfig(t, "{\n  \"models\": {\"defualt\": \"x\"}\n}")
	_, err := Load(path)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Load error = %v, want *Error", err)
	}
	want := &Error{Path: path, Line: 2, Key: "models.defualt", Msg: `unknown key "models.defualt" (did you mean "models.default"?)`}
	if diff := cmp.Diff(want, e); diff != "" {
		t.Errorf("Error (-want +got):\n%s", diff)
	}

	path = writeConfig(t, "{\n  \"a\": 1,,\n}")
	_, err = Load(path)
	if !errors.As(err, &e) {
		t.Fatalf("Load error = %v, want *Error", err)
	}
	if e.Line != 2 || e.Col != 10 || e.Key != "" || e.Hint == "" {
		t.Errorf("syntax Error = %+v, want line 2, column 10, no key, a hint", e)
	}
}

func TestLoadAccepts(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    *Config
	}{
		{name: "empty file", content: "", want: &Config{}},
		{name: "whitespace only", content: " \n\t\n", want: &Config{}},
		{name: "comments only", content: "// nothing yet\n/* really */", want: &Config{}},
		{name: "empty object", content: "{}", want: &Config{}},
		{name: "comment on the last line without a line break", content: "{} // done", want: &Config{}},
		{name: "only a comment without a line break", content: "// later", want: &Config{}},
		{name: "byte order mark", content: "\ufeff{\"log\": {\"level\": \"debug\"}}", want: &Config{Log: LogConfig{Level: "debug"}}},
		{
			name: "comments and trailing commas",
			content: `// bot config
{
  /* agents */
  "agents": {"default": "Work",},
  "models": {
    "default": "anthropic/claude-opus-4", // the big one
    "aliases": {"fast": "anthropic/claude-haiku-4-5", "My Alias": "openai/gpt-5",},
    "allow": ["anthropic/*", "openrouter/moonshotai/kimi-k2",],
  },
  "sessions": {"historyTurns": 20,},
  "log": {"level": "warn"},
}
`,
			want: &Config{
				Agents: AgentsConfig{Default: "Work"},
				Models: ModelsConfig{
					Default: "anthropic/claude-opus-4",
					Aliases: map[string]string{"fast": "anthropic/claude-haiku-4-5", "My Alias": "openai/gpt-5"},
					Allow:   []string{"anthropic/*", "openrouter/moonshotai/kimi-k2"},
				},
				Sessions: SessionsConfig{HistoryTurns: 20},
				Log:      LogConfig{Level: "warn"},
			},
		},
		{
			name: "numbers in allowFrom",
			content: `{"channels": {
  "telegram": {"allowFrom": [42, "  7 ", -100123], "token": " 123:abc ", "requireMention": false, "dmPolicy": "allowlist", "rateLimit": 0,
               "webhook": {"url": "https://bot.example/tg", "secret": " s3cret ", "listen": "0.0.0.0:8443"}},
  "discord": {"allowFrom": [123456789012345678, "*"], "enabled": false, "guilds": [987654321098765432], "messageContent": true}
},
"gateway": {"listen": " 127.0.0.1:9000 "}}`,
			want: &Config{
				Channels: ChannelsConfig{
					Telegram: ChannelConfig{AllowFrom: []string{"42", "7", "-100123"}, Token: secret.New("123:abc"), RequireMention: ptr(false),
						DMPolicy: "allowlist", RateLimit: ptr(0),
						Webhook: WebhookConfig{URL: "https://bot.example/tg", Secret: secret.New("s3cret"), Listen: "0.0.0.0:8443"}},
					Discord: ChannelConfig{AllowFrom: []string{"123456789012345678", "*"}, Enabled: ptr(false), Guilds: []string{"987654321098765432"}, MessageContent: true},
				},
				Gateway: GatewayConfig{Listen: "127.0.0.1:9000"},
			},
		},
		{
			name: "provider ids normalized",
			content: `{
  "models": {"providers": {" Anthropic ": {"baseUrl": "http://127.0.0.1:9/"}}},
  "auth": {
    "profiles": {"anthropic:work": {"provider": "ANTHROPIC", "mode": "api_key", "email": " me@example.com "}},
    "order": {"Anthropic": [" anthropic:work ", "anthropic:claude-cli"]},
    "oauth": {"ANTHROPIC": {"tokenUrl": "http://127.0.0.1:9/token"}},
  },
}`,
			want: &Config{
				Models: ModelsConfig{Providers: map[string]ProviderConfig{"anthropic": {BaseURL: "http://127.0.0.1:9/"}}},
				Auth: AuthConfig{
					Profiles: map[string]AuthProfile{"anthropic:work": {Provider: "anthropic", Mode: "api_key", Email: "me@example.com"}},
					Order:    map[string][]string{"anthropic": {"anthropic:work", "anthropic:claude-cli"}},
					OAuth:    map[string]OAuthConfig{"anthropic": {TokenURL: "http://127.0.0.1:9/token"}},
				},
			},
		},
		{
			name: "env block: flat entries win over vars",
			content: `{"env": {
  "OPENROUTER_API_KEY": "sk-or",
  "vars": {"OPENROUTER_API_KEY": "older", "OPENAI_API_KEY": "sk-oa"},
  "shellEnv": {"enabled": true, "timeoutMs": 5000},
}}`,
			want: &Config{Env: EnvConfig{
				Vars:     map[string]string{"OPENROUTER_API_KEY": "sk-or", "OPENAI_API_KEY": "sk-oa"},
				ShellEnv: ShellEnvConfig{Enabled: true, TimeoutMs: 5000},
			}},
		},
		{
			name:    "null means not set",
			content: `{"models": null, "channels": {"telegram": {"enabled": null, "token": null}}}`,
			want:    &Config{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Load(writeConfig(t, tt.content))
			if err != nil {
				t.Fatal(err)
			}
			if !f.Exists || len(f.Warnings) != 0 {
				t.Errorf("Exists = %v, Warnings = %q; want true, none", f.Exists, f.Warnings)
			}
			if diff := cmp.Diff(tt.want, f.Config, secretCmp); diff != "" {
				t.Errorf("Config (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	path := t.TempDir() + "/nope/bot.json"
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if f.Exists || f.Path != path || f.Config == nil {
		t.Fatalf("Load = %+v, want Exists false and a Config", f)
	}
	if got := f.Config.DefaultModel(); got != DefaultModel {
		t.Errorf("DefaultModel = %q, want %q", got, DefaultModel)
	}
	if got := f.Config.DefaultAgent(); got != "main" {
		t.Errorf("DefaultAgent = %q, want main", got)
	}
}

func TestLoadUnreadable(t *testing.T) {
	dir := t.TempDir()
	_, err := Load(dir) // a directory cannot be read as a file
	// One line naming the file and the fix (issue 8, item 13), a *Error
	// that errline explains.
	ce, ok := errors.AsType[*Error](err)
	if !ok || ce.Path != dir || !strings.HasPrefix(ce.Msg, "cannot read: ") || ce.Hint == "" {
		t.Fatalf("Load(dir) error = %v, want a *Error naming %s, the problem and the fix", err, dir)
	}
}

func TestConfigMethods(t *testing.T) {
	var nilCfg *Config
	tests := []struct {
		name              string
		cfg               *Config
		agent, model      string
		env               map[string]string
		telegramDisabled  bool
		discordDisabledIs bool
	}{
		{name: "nil", cfg: nilCfg, agent: "main", model: DefaultModel, env: map[string]string{}},
		{name: "zero", cfg: &Config{}, agent: "main", model: DefaultModel, env: map[string]string{}},
		{
			name: "set",
			cfg: &Config{
				Agents:   AgentsConfig{Default: " Work "},
				Models:   ModelsConfig{Default: " openai/gpt-5 "},
				Env:      EnvConfig{Vars: map[string]string{"A": "1", "BLANK": "  "}},
				Channels: ChannelsConfig{Telegram: ChannelConfig{Enabled: ptr(false)}, Discord: ChannelConfig{Enabled: ptr(true)}},
			},
			agent: "work", model: "openai/gpt-5", env: map[string]string{"A": "1"}, telegramDisabled: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.cfg.DefaultAgent(); got != tt.agent {
				t.Errorf("DefaultAgent = %q, want %q", got, tt.agent)
			}
			if got := tt.cfg.DefaultModel(); got != tt.model {
				t.Errorf("DefaultModel = %q, want %q", got, tt.model)
			}
			if diff := cmp.Diff(tt.env, tt.cfg.EnvVars()); diff != "" {
				t.Errorf("EnvVars (-want +got):\n%s", diff)
			}
			if tt.cfg != nil {
				if got := tt.cfg.Channels.Telegram.Disabled(); got != tt.telegramDisabled {
					t.Errorf("Telegram.Disabled = %v, want %v", got, tt.telegramDisabled)
				}
				if tt.cfg.Channels.Discord.Disabled() {
					t.Errorf("Discord.Disabled = true, want false")
				}
			}
		})
	}
}

func TestConfigNeverPrintsEnvValues(t *testing.T) {
	const canary = "sk-canary-0123456789abcdef"
	path := writeConfig(t, `{"env": {"OPENAI_API_KEY": "`+canary+`"}, "channels": {"telegram": {"token": "`+canary+`"}}}`)
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		formatAll(f.Config),
	} {
		if strings.Contains(s, canary) {
			t.Errorf("printed config holds the secret: %s", s)
		}
	}
}

// formatAll prints cfg in every way a careless caller might.
func formatAll(cfg *Config) string {
	var b strings.Builder
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		b.WriteString(sprintf(verb, *cfg))
		b.WriteString(sprintf(verb, cfg))
	}
	j, _ := jsonMarshal(cfg)
	b.Write(j)
	return b.String()
}

func TestLoadKeepsFileUntouched(t *testing.T) {
	content := "{\n  // keep me\n  \"auth\": {\"profiles\": {\"anthropic:x\": {\"provider\": \"anthropic\", \"mode\": \"token\"}}},\n}\n"
	path := writeConfig(t, content)
	before, _ := os.Stat(path)
	if _, err := Load(path); err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(path)
	if got := readFile(t, path); got != content || !after.ModTime().Equal(before.ModTime()) {
		t.Errorf("Load changed a file that needs no migration:\n%s", got)
	}
}
