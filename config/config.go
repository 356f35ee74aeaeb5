package config

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/botgateway/bot/internal/secret"
)

// The credential types an auth profile can declare (AuthProfile.Mode).
const (
	ModeAPIKey = "api_key"
	ModeOAuth  = "oauth"
	ModeToken  = "token"
)

// Config is the content of bot.json. The zero Config holds the defaults;
// the methods give the effective values. A *Config from Load is validated
// and normalized and must be treated as read-only.
type Config struct {
	// Agents chooses the default agent.
	Agents AgentsConfig `json:"agents"`
	// Models sets the default model, aliases, the allow list and provider
	// endpoints.
	Models ModelsConfig `json:"models"`
	// Auth declares auth profiles and their order (no secrets).
	Auth AuthConfig `json:"auth"`
	// Env holds variables for the layered environment and the shell switch.
	Env EnvConfig `json:"env"`
	// Channels configures the chat platforms.
	Channels ChannelsConfig `json:"channels"`
	// Gateway configures bot gateway's own listener.
	Gateway GatewayConfig `json:"gateway"`
	// Sessions configures chat sessions.
	Sessions SessionsConfig `json:"sessions"`
	// Log configures logging.
	Log LogConfig `json:"log"`
}

// AgentsConfig is the "agents" block.
type AgentsConfig struct {
	// Default is the agent id used when none is given ("main" when empty).
	Default string `json:"default,omitempty"`
}

// ModelsConfig is the "models" block.
type ModelsConfig struct {
	// Default is the default model as provider/model; see Config.DefaultModel.
	Default string `json:"default,omitempty"`
	// Aliases maps short names to provider/model ids, merged over the
	// built-in aliases.
	Aliases map[string]string `json:"aliases,omitempty"`
	// Allow, when not empty, limits the models users may pick; entries are
	// ids or patterns such as "anthropic/*".
	Allow []string `json:"allow,omitempty"`
	// Providers holds per-provider settings, keyed by normalized provider id.
	Providers map[string]ProviderConfig `json:"providers,omitempty"`
}

// ProviderConfig is one entry of models.providers.
type ProviderConfig struct {
	// BaseURL replaces the provider's API endpoint (an http or https URL).
	BaseURL string `json:"baseUrl,omitempty"`
}

// AuthConfig is the "auth" block: metadata and routing only, never secrets.
type AuthConfig struct {
	// Profiles declares the expected provider and credential type of
	// profile ids, keyed by profile id ("anthropic:work").
	Profiles map[string]AuthProfile `json:"profiles,omitempty"`
	// Order is the global candidate order per normalized provider id. The
	// per-agent order in the credential store overrides it.
	Order map[string][]string `json:"order,omitempty"`
	// OAuth holds per-provider OAuth settings, keyed by normalized provider id.
	OAuth map[string]OAuthConfig `json:"oauth,omitempty"`
}

// AuthProfile is one entry of auth.profiles.
type AuthProfile struct {
	// Provider is the normalized provider id.
	Provider string `json:"provider"`
	// Mode is the credential type the profile is expected to hold: ModeAPIKey,
	// ModeOAuth or ModeToken. ModeOAuth also accepts a stored token.
	Mode string `json:"mode"`
	// Email is an optional label shown in status (it wins over the store's).
	Email string `json:"email,omitempty"`
}

// OAuthConfig is one entry of auth.oauth.
type OAuthConfig struct {
	// TokenURL replaces the provider's OAuth token endpoint.
	TokenURL string `json:"tokenUrl,omitempty"`
}

// EnvConfig is the "env" block: variables applied below the process
// environment and the .env files (never overriding them), and the
// login-shell import switch. It prints and encodes its values masked.
type EnvConfig struct {
	// Vars holds the block's variables: its flat KEY: "value" entries merged
	// over the entries of its "vars" object (a flat entry wins when a key is
	// in both).
	Vars map[string]string `json:"-"`
	// ShellEnv controls the login-shell import.
	ShellEnv ShellEnvConfig `json:"shellEnv"`
}

// ShellEnvConfig is env.shellEnv.
type ShellEnvConfig struct {
	// Enabled turns on the login-shell import.
	Enabled bool `json:"enabled,omitempty"`
	// TimeoutMs bounds the login shell's run, in milliseconds (0: default).
	TimeoutMs int `json:"timeoutMs,omitempty"`
}

// ChannelsConfig is the "channels" block.
type ChannelsConfig struct {
	// Telegram is channels.telegram.
	Telegram ChannelConfig `json:"telegram"`
	// Discord is channels.discord (its RateLimit and Webhook are always
	// empty).
	Discord ChannelConfig `json:"discord"`
}

// Named returns the block of the channel called name ("telegram" or
// "discord"; the zero block for any other name).
func (c ChannelsConfig) Named(name string) ChannelConfig {
	switch name {
	case "telegram":
		return c.Telegram
	case "discord":
		return c.Discord
	}
	return ChannelConfig{}
}

// ChannelConfig is the configuration of one chat channel. A channel runs
// when its token is available (here or in the environment) unless Enabled
// is false.
type ChannelConfig struct {
	// Enabled is nil when not set.
	Enabled *bool `json:"enabled,omitempty"`
	// Token is the bot token; the environment may provide it instead.
	Token secret.Secret `json:"token,omitzero"`
	// AllowFrom lists the platform user ids allowed to run commands, as
	// strings (numbers in the file are converted); "*" allows everyone.
	AllowFrom []string `json:"allowFrom,omitempty"`
	// RequireMention is nil when not set (RequiresMention: true).
	RequireMention *bool `json:"requireMention,omitempty"`
	// DMPolicy is "pairing" or "allowlist" ("" when not set: Policy).
	DMPolicy string `json:"dmPolicy,omitempty"`
	// RateLimit is Telegram's sends per second across chats; nil when not
	// set (SendRate: 30), 0 turns the limiter off.
	RateLimit *int `json:"rateLimit,omitempty"`
	// Webhook, when its URL is set, makes Telegram deliver updates to
	// Listen instead of being polled (Telegram only).
	Webhook WebhookConfig `json:"webhook,omitzero"`
	// Guilds are the Discord guild ids the application commands are also
	// registered to, so they appear at once (Discord only).
	Guilds []string `json:"guilds,omitempty"`
	// MessageContent requests Discord's message-content intent, so text
	// commands work in any channel (Discord only).
	MessageContent bool `json:"messageContent,omitempty"`
}

// WebhookConfig is channels.telegram.webhook.
type WebhookConfig struct {
	// URL is the public HTTPS URL Telegram posts updates to.
	URL string `json:"url,omitempty"`
	// Secret is the secret token Telegram sends with every update
	// (X-Telegram-Bot-Api-Secret-Token); required with URL.
	Secret secret.Secret `json:"secret,omitzero"`
	// Listen is the local address the webhook server listens on
	// (DefaultWebhookListen when empty).
	Listen string `json:"listen,omitempty"`
}

// Defaults of the channel keys.
const (
	DefaultDMPolicy      = "pairing"
	DefaultTelegramRate  = 30
	DefaultWebhookListen = "127.0.0.1:8443"
	DefaultGatewayListen = "127.0.0.1:18789"
)

// Disabled reports whether the channel is switched off explicitly
// ("enabled": false).
func (c ChannelConfig) Disabled() bool { return c.Enabled != nil && !*c.Enabled }

// RequiresMention reports whether plain text in a group is answered only
// when the bot is mentioned or replied to (requireMention, default true).
func (c ChannelConfig) RequiresMention() bool { return c.RequireMention == nil || *c.RequireMention }

// Policy returns dmPolicy, or DefaultDMPolicy when it is not set.
func (c ChannelConfig) Policy() string {
	if c.DMPolicy == "" {
		return DefaultDMPolicy
	}
	return c.DMPolicy
}

// SendRate returns rateLimit, or DefaultTelegramRate when it is not set.
func (c ChannelConfig) SendRate() int {
	if c.RateLimit == nil {
		return DefaultTelegramRate
	}
	return *c.RateLimit
}

// GatewayConfig is the "gateway" block.
type GatewayConfig struct {
	// Listen is the address of /healthz and /metrics
	// (DefaultGatewayListen when empty).
	Listen string `json:"listen,omitempty"`
}

// SessionsConfig is the "sessions" block.
type SessionsConfig struct {
	// HistoryTurns is how many turns of history a session keeps (0: default).
	HistoryTurns int `json:"historyTurns,omitempty"`
}

// LogConfig is the "log" block.
type LogConfig struct {
	// Level is "debug", "info", "warn" or "error" (empty: default).
	Level string `json:"level,omitempty"`
	// Format is "text" or "json" (empty: text on a terminal, JSON
	// otherwise; BOT_LOG_FORMAT overrides).
	Format string `json:"format,omitempty"`
}

// DefaultAgent returns the normalized default agent id: agents.default, or
// DefaultAgent when it is not set. It accepts a nil receiver.
func (c *Config) DefaultAgent() string {
	if c == nil {
		return DefaultAgent
	}
	return NormalizeAgent(c.Agents.Default)
}

// DefaultModel returns models.default, or DefaultModel when it is not set.
// It accepts a nil receiver.
func (c *Config) DefaultModel() string {
	if c == nil {
		return DefaultModel
	}
	if m := strings.TrimSpace(c.Models.Default); m != "" {
		return m
	}
	return DefaultModel
}

// EnvVars returns a copy of the env block's variables, blank values left
// out. It accepts a nil receiver.
func (c *Config) EnvVars() map[string]string {
	out := map[string]string{}
	if c == nil {
		return out
	}
	for k, v := range c.Env.Vars {
		if strings.TrimSpace(v) != "" {
			out[k] = v
		}
	}
	return out
}

// Format prints the block with its values masked, so a Config printed with
// %v or %+v (or logged) never shows a secret from the env block.
func (e EnvConfig) Format(f fmt.State, verb rune) {
	var b strings.Builder
	b.WriteString("{Vars:map[")
	for i, k := range slices.Sorted(maps.Keys(e.Vars)) {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(k + ":" + secret.New(e.Vars[k]).Mask())
	}
	fmt.Fprintf(&b, "] ShellEnv:{Enabled:%t TimeoutMs:%d}}", e.ShellEnv.Enabled, e.ShellEnv.TimeoutMs)
	f.Write([]byte(b.String()))
}

// MarshalJSON encodes the block in the file's shape with its values masked.
func (e EnvConfig) MarshalJSON() ([]byte, error) {
	m := map[string]any{}
	for k, v := range e.Vars {
		m[k] = secret.New(v).Mask()
	}
	m["shellEnv"] = e.ShellEnv
	return json.Marshal(m)
}

// normalizeProvider is the provider-id normalization of config keys:
// trimmed and lower-cased.
func normalizeProvider(p string) string { return strings.ToLower(strings.TrimSpace(p)) }
