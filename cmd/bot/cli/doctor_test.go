package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/botgateway/bot/adapters/console"
	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/internal/doctor"
	"github.com/botgateway/bot/internal/fakes"
	"github.com/botgateway/bot/internal/providers"
	"github.com/botgateway/bot/internal/sqlitetest"
	"github.com/botgateway/bot/internal/testenv"
	"github.com/botgateway/bot/sessions"
)

// doctorEnv is a state every check passes: an API key for the default
// model's provider, and every outbound endpoint (the local gateway's
// too) on a closed loopback port.
func doctorEnv(t *testing.T) *testenv.Env {
	t.Helper()
	e := testenv.New(t)
	for _, k := range append(providers.EndpointVars(), "BOT_TELEGRAM_API_URL", "BOT_DISCORD_API_URL") {
		e.Set(k, "http://127.0.0.1:1")
	}
	e.Set("ANTHROPIC_API_KEY", "sk-ant-api03-doctor-test-0123456789abcdef")
	e.Config(`{"gateway": {"listen": "127.0.0.1:1"}}`)
	return e
}

// runDoctor runs bot doctor with args in e and returns its exit code, its
// text output (without --json) or its decoded --json.
func runDoctor(t *testing.T, e *testenv.Env, args ...string) (int, string, doctorJSON) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), append([]string{"doctor"}, args...), strings.NewReader(""), &stdout, &stderr, e.Getenv)
	t.Logf("bot doctor %s: exit %d\n%s%s", strings.Join(args, " "), code, stdout.String(), stderr.String())
	var out doctorJSON
	if strings.Contains(strings.Join(args, " "), "--json") {
		if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
			t.Fatalf("--json output does not decode: %v", err)
		}
	}
	return code, stdout.String(), out
}

// result returns the check called name of out.
func result(t *testing.T, out doctorJSON, name string) doctor.Result {
	t.Helper()
	for _, r := range out.Checks {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no check %q in %+v", name, out)
	return doctor.Result{}
}

// openSessions creates sessions.db in e with f run on it.
func withSessions(t *testing.T, e *testenv.Env, f func(st *sessions.Store)) {
	t.Helper()
	st, err := sessions.Open(t.Context(), e.Path(".bot/sessions.db"), sessions.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f(st)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	os.Chmod(e.Path(".bot/sessions.db"), 0o600)
}

// claudeCode is Claude Code's login, valid until 2100: the
// anthropic:claude-cli profile a migrated config declares.
const claudeCode = `{"claudeAiOauth":{"accessToken":"sk-ant-oat01-access-0123456789abcdef","refreshToken":"sk-ant-ort01-refresh-0123456789","expiresAt":4102444800000}}`

const workKey = `{"version":1,"profiles":{"anthropic:work":{"type":"api_key","provider":"anthropic","key":"sk-ant-api03-work-0123456789abcdef"}}}`

// TestDoctorChecks gives each check a state where it finds its problem
// (or note) and one where it passes, with doctor's exit code; a problem
// doctor can repair is repaired by --fix, and a second run finds the
// check clean.
func TestDoctorChecks(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(t *testing.T, e *testenv.Env)
		check  string
		status doctor.Status
		want   string // in a finding's text; "" for none
		exit   int
		fixed  bool // --fix repairs it, and a second run finds the check ok
	}{
		{name: "files ok", check: "files", status: doctor.StatusOK},
		{name: "files open", check: "files", status: doctor.StatusProblem, exit: 1, fixed: true,
			setup: func(t *testing.T, e *testenv.Env) { os.Chmod(e.ConfigPath(), 0o644) },
			want:  "bot.json is mode 644, readable by group or others"},
		{name: "filesystem local", check: "filesystem", status: doctor.StatusOK},
		{name: "config ok", check: "config", status: doctor.StatusOK},
		{name: "config syntax", check: "config", status: doctor.StatusProblem, exit: 1,
			setup: func(t *testing.T, e *testenv.Env) { e.Config(`{"models": `) }, want: "bot.json"},
		{name: "config migration pending", check: "config", status: doctor.StatusProblem, exit: 1, fixed: true,
			setup: func(t *testing.T, e *testenv.Env) {
				e.ClaudeCode(claudeCode)
				e.Config(`{"gateway": {"listen": "127.0.0.1:1"}, // kept
					"auth": {"profiles": {"anthropic:claude-cli": {"provider": "anthropic", "mode": "token"}}}}`)
			},
			want: `needs a migration: Updated auth.profiles["anthropic:claude-cli"].mode → "oauth".`},
		{name: "environment same value", check: "environment", status: doctor.StatusOK,
			setup: func(t *testing.T, e *testenv.Env) {
				e.Write(".bot/.env", "ANTHROPIC_API_KEY=sk-ant-api03-doctor-test-0123456789abcdef\n")
			}},
		{name: "environment shadowed", check: "environment", status: doctor.StatusProblem, exit: 1,
			setup: func(t *testing.T, e *testenv.Env) {
				e.Write(".bot/.env", "ANTHROPIC_API_KEY=sk-ant-api03-dotenv-0123456789abcdef\n")
			},
			want: "ANTHROPIC_API_KEY is set in this shell's environment and in ~/.bot/.env with a different value"},
		{name: "sessions none", check: "sessions", status: doctor.StatusOK},
		{name: "sessions sound", check: "sessions", status: doctor.StatusOK,
			setup: func(t *testing.T, e *testenv.Env) {
				withSessions(t, e, func(st *sessions.Store) {
					st.SetModel(t.Context(), "main", "console:local", "anthropic/claude-haiku-4-5")
				})
			}},
		{name: "sessions damaged", check: "sessions", status: doctor.StatusProblem, exit: 1,
			setup: func(t *testing.T, e *testenv.Env) {
				withSessions(t, e, func(st *sessions.Store) {
					st.AppendTurn(t.Context(), "main", "console:local", sessions.RoleUser, "hi")
				})
				sqlitetest.DamageTable(t, e.Path(".bot/sessions.db"), "turns")
			},
			want: "sessions.db is damaged"},
		{name: "credentials ok", check: "credentials", status: doctor.StatusOK},
		{name: "credentials missing", check: "credentials", status: doctor.StatusProblem, exit: 1,
			setup: func(t *testing.T, e *testenv.Env) { e.Set("ANTHROPIC_API_KEY", "") },
			want:  "no credential for anthropic, the provider of the default model. Set ANTHROPIC_API_KEY (recommended"},
		{name: "credentials expired", check: "credentials", status: doctor.StatusProblem, exit: 1,
			setup: func(t *testing.T, e *testenv.Env) {
				e.Store("main", `{"version":1,"profiles":{"anthropic:old":{"type":"token","provider":"anthropic","token":"sk-ant-oat01-old-0123456789abcdef","expires":1000000000000}}}`)
			},
			want: "anthropic:old: expired — Paste a new token: bot models auth paste-token --provider anthropic --profile-id anthropic:old"},
		{name: "setup-token within 30 days of its year", check: "credentials", status: doctor.StatusNote,
			setup: func(t *testing.T, e *testenv.Env) { setupTokenStored(t, e, 340*24*time.Hour) },
			want:  "anthropic:sub is a setup-token stored "},
		{name: "setup-token within 7 days of its year", check: "credentials", status: doctor.StatusProblem, exit: 1,
			setup: func(t *testing.T, e *testenv.Env) { setupTokenStored(t, e, 360*24*time.Hour) },
			want:  "setup-tokens last a year, which ends in "},
		{name: "setup-token young", check: "credentials", status: doctor.StatusOK,
			setup: func(t *testing.T, e *testenv.Env) { setupTokenStored(t, e, 100*24*time.Hour) }},
		{name: "cooldowns none", check: "cooldowns", status: doctor.StatusOK},
		{name: "cooldown", check: "cooldowns", status: doctor.StatusNote,
			setup: func(t *testing.T, e *testenv.Env) {
				e.Store("main", workKey)
				withSessions(t, e, func(st *sessions.Store) {
					if err := st.RecordFailure(t.Context(), "anthropic:work", "rate_limit", time.Now().Add(time.Hour)); err != nil {
						t.Fatal(err)
					}
				})
			},
			want: "anthropic:work is cooling down until"},
		{name: "pins valid", check: "pins", status: doctor.StatusOK,
			setup: func(t *testing.T, e *testenv.Env) {
				e.Store("main", workKey)
				withSessions(t, e, func(st *sessions.Store) {
					st.SetPin(t.Context(), "main", "console:local", "anthropic:work", sessions.SourceUser)
				})
			}},
		{name: "pins stale", check: "pins", status: doctor.StatusProblem, exit: 1, fixed: true,
			setup: func(t *testing.T, e *testenv.Env) {
				e.Store("main", workKey)
				withSessions(t, e, func(st *sessions.Store) {
					st.SetModelAndPin(t.Context(), "main", "console:a", "anthropic/claude-haiku-4-5", "anthropic:gone", sessions.SourceUser)
					st.SetPin(t.Context(), "main", "console:b", "anthropic:gone", sessions.SourceAuto)
					st.SetPin(t.Context(), "main", "console:c", "anthropic:work", sessions.SourceUser)
				})
			},
			want: "2 session(s) of agent main are pinned to anthropic:gone, which is no longer stored"},
		{name: "models builtin", check: "models", status: doctor.StatusOK},
		{name: "models unknown to the catalog", check: "models", status: doctor.StatusNote,
			setup: func(t *testing.T, e *testenv.Env) {
				e.Config(`{"gateway": {"listen": "127.0.0.1:1"}, "models": {"default": "anthropic/claude-sonet-4-5", "aliases": {"typo": "anthropic/claude-hiaku"}}}`)
			},
			want: "models.default anthropic/claude-sonet-4-5 is not in bot's model catalog"},
		{name: "models refused", check: "models", status: doctor.StatusProblem, exit: 1,
			setup: func(t *testing.T, e *testenv.Env) {
				e.Config(`{"gateway": {"listen": "127.0.0.1:1"}, "models": {"default": "nosuch"}}`)
			},
			want: `models.default: "nosuch" is neither <provider>/<model> nor an alias`},
		{name: "channels none", check: "channels", status: doctor.StatusNote, want: "no chat channel is enabled"},
		{name: "channels enabled without token", check: "channels", status: doctor.StatusProblem, exit: 1,
			setup: func(t *testing.T, e *testenv.Env) {
				e.Config(`{"gateway": {"listen": "127.0.0.1:1"}, "channels": {"discord": {"enabled": true, "allowFrom": ["1"]}}}`)
			},
			want: "channels.discord is enabled but has no token: set DISCORD_BOT_TOKEN"},
		{name: "channels without allowFrom", check: "channels", status: doctor.StatusNote,
			setup: func(t *testing.T, e *testenv.Env) {
				e.Set("TELEGRAM_BOT_TOKEN", "123456:telegram-token-0123456789abcdef")
			},
			want: "channels.telegram.allowFrom is empty"},
		{name: "telegram unreachable", check: "telegram", status: doctor.StatusNote,
			setup: func(t *testing.T, e *testenv.Env) {
				e.Set("TELEGRAM_BOT_TOKEN", "123456:telegram-token-0123456789abcdef")
			},
			want: "could not reach Telegram at http://127.0.0.1:1"},
		{name: "telegram not enabled", check: "telegram", status: doctor.StatusSkipped},
		{name: "discord not enabled", check: "discord", status: doctor.StatusSkipped},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := doctorEnv(t)
			if tt.setup != nil {
				tt.setup(t, e)
			}
			code, _, out := runDoctor(t, e, "--json", "--non-interactive")
			if code != tt.exit {
				t.Errorf("exit %d, want %d", code, tt.exit)
			}
			res := result(t, out, tt.check)
			if res.Status != tt.status {
				t.Errorf("%s: status %s, want %s (%+v)", tt.check, res.Status, tt.status, res.Findings)
			}
			if tt.want != "" && !hasFinding(res, tt.want) {
				t.Errorf("%s: no finding with %q in %+v", tt.check, tt.want, res.Findings)
			}
			if !tt.fixed {
				return
			}
			code, _, out = runDoctor(t, e, "--json", "--fix")
			if res := result(t, out, tt.check); res.Status != doctor.StatusNote || !res.Findings[0].Fixed {
				t.Errorf("--fix: %s is %s, want repaired: %+v", tt.check, res.Status, res.Findings)
			}
			if code != 0 {
				t.Errorf("--fix: exit %d, want 0", code)
			}
			code, _, out = runDoctor(t, e, "--json")
			if res := result(t, out, tt.check); res.Status != doctor.StatusOK || code != 0 {
				t.Errorf("after --fix: exit %d, %s is %s: %+v", code, tt.check, res.Status, res.Findings)
			}
		})
	}
}

// hasFinding reports whether a finding of res holds want.
func hasFinding(res doctor.Result, want string) bool {
	for _, f := range res.Findings {
		if strings.Contains(f.Text, want) {
			return true
		}
	}
	return false
}

// TestDoctorFixKeepsTheRest checks what the repairs leave: the migrated
// config keeps its comment, and clearing stale pins keeps the sessions,
// their models and the valid pin.
func TestDoctorFixKeepsTheRest(t *testing.T) {
	e := doctorEnv(t)
	e.ClaudeCode(claudeCode)
	e.Config(`{"gateway": {"listen": "127.0.0.1:1"}, // kept
		"auth": {"profiles": {"anthropic:claude-cli": {"provider": "anthropic", "mode": "token"}}}}`)
	e.Store("main", workKey)
	withSessions(t, e, func(st *sessions.Store) {
		st.SetModelAndPin(t.Context(), "main", "console:a", "anthropic/claude-haiku-4-5", "anthropic:gone", sessions.SourceUser)
		st.SetPin(t.Context(), "main", "console:c", "anthropic:work", sessions.SourceUser)
	})
	if code, _, _ := runDoctor(t, e, "--fix"); code != 0 {
		t.Fatalf("--fix: exit %d", code)
	}
	b, err := os.ReadFile(e.ConfigPath())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "// kept") || !strings.Contains(string(b), `"mode": "oauth"`) {
		t.Errorf("config after --fix:\n%s", b)
	}
	st, err := sessions.OpenReadOnly(t.Context(), e.Path(".bot/sessions.db"), sessions.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	list, err := st.List(t.Context(), "main")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range list {
		got[string(s.Key)] = s.Model + "@" + s.Profile
	}
	want := map[string]string{"console:a": "anthropic/claude-haiku-4-5@", "console:c": "@anthropic:work"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("sessions after --fix = %v, want %v", got, want)
	}
}

// TestDoctorRefreshesExpiredLogin checks the repair of an OAuth login
// whose last refresh failed: --fix refreshes it against the token
// endpoint (the loopback fake), and a second run finds it healthy.
func TestDoctorRefreshesExpiredLogin(t *testing.T) {
	oauth := fakes.NewOAuth(t)
	oauth.Seed("sk-ant-ort01-refresh-doctor-0123456789")
	e := doctorEnv(t)
	e.Set("BOT_OAUTH_TOKEN_URL_ANTHROPIC", oauth.URL())
	e.Store("main", `{"version":1,"profiles":{"anthropic:sub":{"type":"oauth","provider":"anthropic",
		"access":"sk-ant-oat01-old-access-0123456789abcdef","refresh":"sk-ant-ort01-refresh-doctor-0123456789","expires":1000}}}`)
	withSessions(t, e, func(st *sessions.Store) {
		if err := st.SetRefreshFailed(t.Context(), "anthropic:sub", true); err != nil {
			t.Fatal(err)
		}
	})
	code, _, out := runDoctor(t, e, "--json")
	if res := result(t, out, "credentials"); code != 1 || !hasFinding(res, "anthropic:sub: expired") {
		t.Fatalf("exit %d, credentials %+v; want the expired login", code, res.Findings)
	}
	code, _, out = runDoctor(t, e, "--json", "--fix")
	if res := result(t, out, "credentials"); code != 0 || !hasFinding(res, "anthropic:sub: refreshed the OAuth login") {
		t.Errorf("--fix: exit %d, credentials %+v", code, res.Findings)
	}
	if oauth.Refreshes() != 1 {
		t.Errorf("%d refreshes, want 1", oauth.Refreshes())
	}
	if code, _, out = runDoctor(t, e, "--json"); code != 0 || result(t, out, "credentials").Status != doctor.StatusOK {
		t.Errorf("after --fix: exit %d, %+v", code, result(t, out, "credentials"))
	}
}

// TestDoctorWithoutFixWritesNothing checks that doctor without --fix
// reports a pending migration and leaves the config as it was.
func TestDoctorWithoutFixWritesNothing(t *testing.T) {
	e := doctorEnv(t)
	doc := `{"gateway": {"listen": "127.0.0.1:1"}, "auth": {"profiles": {"anthropic:claude-cli": {"provider": "anthropic", "mode": "token"}}}}`
	e.Config(doc)
	if code, _, _ := runDoctor(t, e); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if b, _ := os.ReadFile(e.ConfigPath()); string(b) != doc {
		t.Errorf("doctor without --fix changed the config:\n%s", b)
	}
}

// TestDoctorTelegram runs the Telegram check against the loopback fake:
// a token it accepts, one it rejects (401), and a second poller (409).
func TestDoctorTelegram(t *testing.T) {
	tg := fakes.NewTelegram(t)
	tests := []struct {
		name    string
		token   string
		poller  bool // another program polls the bot's updates
		webhook bool // Telegram holds a webhook for the bot
		status  doctor.Status
		want    string
		exit    int
	}{
		{name: "ok", token: tg.Token(), status: doctor.StatusOK},
		{name: "rejected", token: "123456:not-the-token-0123456789abcdef", status: doctor.StatusProblem, exit: 1,
			want: "the bot token was rejected (401 Unauthorized): copy it again from @BotFather"},
		{name: "not a bot token", token: "telegram-token-without-its-bot-id-0123", status: doctor.StatusProblem, exit: 1,
			want: "Telegram answered 404 Not Found: the bot token is not of the form 123456789:ABC"},
		{name: "second poller", token: tg.Token(), poller: true, status: doctor.StatusProblem, exit: 1,
			want: "another program is polling this bot's updates (409 Conflict)"},
		{name: "webhook held", token: tg.Token(), webhook: true, status: doctor.StatusNote,
			want: "Telegram holds a webhook for this bot, so it is not polled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := doctorEnv(t)
			e.Set("BOT_TELEGRAM_API_URL", tg.URL())
			e.Set("TELEGRAM_BOT_TOKEN", tt.token)
			e.Config(`{"gateway": {"listen": "127.0.0.1:1"}, "channels": {"telegram": {"allowFrom": ["42"]}}}`)
			if tt.poller {
				stop := pollForever(t, tg.URL()+"/bot"+tg.Token()+"/getUpdates")
				defer stop()
			}
			if tt.webhook {
				resp, err := http.PostForm(tg.URL()+"/bot"+tg.Token()+"/setWebhook", url.Values{"url": {"https://example.org/hook"}})
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				defer http.PostForm(tg.URL()+"/bot"+tg.Token()+"/deleteWebhook", nil)
			}
			code, _, out := runDoctor(t, e, "--json")
			res := result(t, out, "telegram")
			if code != tt.exit || res.Status != tt.status {
				t.Errorf("exit %d, telegram %s; want %d, %s: %+v", code, res.Status, tt.exit, tt.status, res.Findings)
			}
			if tt.want != "" && !hasFinding(res, tt.want) {
				t.Errorf("no finding with %q: %+v", tt.want, res.Findings)
			}
			if strings.Contains(fmt.Sprint(out), tt.token) {
				t.Error("the token is in doctor's output")
			}
		})
	}
}

// pollForever long-polls url in a loop, as a second bot instance does,
// until the returned stop is called.
func pollForever(t *testing.T, url string) (stop func()) {
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	wg.Go(func() {
		for ctx.Err() == nil {
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url+"?timeout=30", nil)
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
			}
		}
	})
	return func() { cancel(); wg.Wait() }
}

// TestDoctorTelegramLocalGateway checks that doctor asks the bot gateway
// on this host before probing for a second poller: it polls, so doctor
// does not, and its failing channel is reported.
func TestDoctorTelegramLocalGateway(t *testing.T) {
	tg := fakes.NewTelegram(t)
	for _, tt := range []struct {
		name, health string
		status       doctor.Status
	}{
		{"running", `{"status":"ok","channels":{"telegram":{"state":"running"}}}`, doctor.StatusOK},
		{"failed", `{"status":"degraded","channels":{"telegram":{"state":"failed","error":"telegram: getUpdates: 409 Conflict"}}}`, doctor.StatusProblem},
		// The gateway polls beside another poller: it runs, and warns.
		{"second poller", `{"status":"ok","channels":{"telegram":{"state":"running","warning":"telegram: getUpdates: another program is polling this bot's updates (409 Conflict)"}}}`, doctor.StatusProblem},
	} {
		t.Run(tt.name, func(t *testing.T) {
			gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/healthz" {
					fmt.Fprint(w, tt.health)
				}
			}))
			defer gw.Close()
			e := doctorEnv(t)
			e.Set("BOT_TELEGRAM_API_URL", tg.URL())
			e.Set("TELEGRAM_BOT_TOKEN", tg.Token())
			e.Config(`{"gateway": {"listen": "` + strings.TrimPrefix(gw.URL, "http://") + `"}, "channels": {"telegram": {"allowFrom": ["42"]}}}`)
			before := len(tg.Calls("getUpdates"))
			_, _, out := runDoctor(t, e, "--json")
			if res := result(t, out, "telegram"); res.Status != tt.status {
				t.Errorf("telegram %s, want %s: %+v", res.Status, tt.status, res.Findings)
			}
			if n := len(tg.Calls("getUpdates")) - before; n != 0 {
				t.Errorf("doctor called getUpdates %d times while the local gateway polls", n)
			}
		})
	}
}

// TestDoctorDiscord runs the Discord check against the loopback fake: a
// rejected token (401), commands not registered (repaired by --fix), and
// a bot without the applications.commands scope (50001).
func TestDoctorDiscord(t *testing.T) {
	tests := []struct {
		name   string
		token  func(dc *fakes.Discord) string
		fault  bool // GET commands answers 403 / 50001
		status doctor.Status
		want   string
		fixed  bool
	}{
		{name: "rejected", token: func(*fakes.Discord) string { return "not-the-discord-token-0123456789" }, status: doctor.StatusProblem,
			want: "the bot token was rejected (401 Unauthorized)"},
		{name: "commands missing", token: (*fakes.Discord).Token, status: doctor.StatusProblem, fixed: true,
			want: "the slash commands Discord holds are not bot's globally: missing /model"},
		{name: "no commands scope", token: (*fakes.Discord).Token, fault: true, status: doctor.StatusProblem,
			want: "Missing Access"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dc := fakes.NewDiscord(t)
			e := doctorEnv(t)
			e.Set("BOT_DISCORD_API_URL", dc.URL())
			e.Set("DISCORD_BOT_TOKEN", tt.token(dc))
			e.Config(`{"gateway": {"listen": "127.0.0.1:1"}, "channels": {"discord": {"allowFrom": ["1"]}}}`)
			if tt.fault {
				dc.FailNext(fakes.DiscordRouteGetCommands, 1, fakes.DiscordMissingAccess())
			}
			code, _, out := runDoctor(t, e, "--json")
			res := result(t, out, "discord")
			if code != 1 || res.Status != tt.status {
				t.Errorf("exit %d, discord %s; want 1, %s: %+v", code, res.Status, tt.status, res.Findings)
			}
			if !hasFinding(res, tt.want) {
				t.Errorf("no finding with %q: %+v", tt.want, res.Findings)
			}
			if !tt.fixed {
				return
			}
			if code, _, _ := runDoctor(t, e, "--fix"); code != 0 {
				t.Errorf("--fix: exit %d", code)
			}
			code, _, out = runDoctor(t, e, "--json")
			if res := result(t, out, "discord"); code != 0 || res.Status != doctor.StatusOK {
				t.Errorf("after --fix: exit %d, discord %s: %+v", code, res.Status, res.Findings)
			}
		})
	}
}

// setupTokenStored stores a setup-token in e's main agent as paste-token
// does, recorded as stored age ago.
func setupTokenStored(t *testing.T, e *testenv.Env, age time.Duration) {
	t.Helper()
	cred := &auth.Credential{Provider: "anthropic", Type: auth.KindToken, Token: auth.NewSecret(auth.SetupTokenPrefix + strings.Repeat("s", 90))}
	cred.SetStoredAt(time.Now().Add(-age))
	st := auth.NewStore()
	st.Set("anthropic:sub", cred)
	b, err := st.Encode()
	if err != nil {
		t.Fatal(err)
	}
	e.Store("main", string(b))
}

// TestDoctorJSONSanitizesPlatformText checks that an error description
// from a platform reaches neither the text report nor --json with its
// control characters: JSON escapes C0 controls but writes C1 ones (CSI
// U+009B) as they are, which a terminal obeys.
func TestDoctorJSONSanitizesPlatformText(t *testing.T) {
	const evil = "Bad Request: \u009b2J\x1b]0;owned\x07 sent \u009b31mred"
	tg := fakes.NewTelegram(t)
	e := doctorEnv(t)
	e.Set("BOT_TELEGRAM_API_URL", tg.URL())
	e.Set("TELEGRAM_BOT_TOKEN", tg.Token())
	e.Config(`{"gateway": {"listen": "127.0.0.1:1"}, "channels": {"telegram": {"allowFrom": ["42"]}}}`)
	for _, args := range [][]string{{"--json"}, nil} {
		tg.FailNext("getMe", 1, fakes.TelegramFault{Status: 400, Description: evil})
		var stdout, stderr bytes.Buffer
		Main(t.Context(), append([]string{"doctor"}, args...), strings.NewReader(""), &stdout, &stderr, e.Getenv)
		if !strings.Contains(stdout.String(), "sent") {
			t.Fatalf("doctor %v: the description is not reported:\n%s", args, stdout.String())
		}
		if strings.ContainsAny(stdout.String(), "\u009b\x1b\x07") {
			t.Errorf("doctor %v: raw control characters in the output: %q", args, stdout.String())
		}
		if args == nil {
			continue
		}
		var out doctorJSON
		if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
			t.Fatal(err)
		}
		for _, f := range result(t, out, "telegram").Findings {
			if f.Text != console.Sanitize(f.Text) {
				t.Errorf("--json finding holds control characters: %q", f.Text)
			}
		}
	}
}

// TestDoctorTelegramLocalGatewayWithoutTelegram checks that a bot gateway
// on this host that does not run Telegram is not taken for its poller:
// doctor probes, and finds the second poller.
func TestDoctorTelegramLocalGatewayWithoutTelegram(t *testing.T) {
	tg := fakes.NewTelegram(t)
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			fmt.Fprint(w, `{"status":"ok","channels":{"discord":{"state":"running"}}}`)
		}
	}))
	defer gw.Close()
	e := doctorEnv(t)
	e.Set("BOT_TELEGRAM_API_URL", tg.URL())
	e.Set("TELEGRAM_BOT_TOKEN", tg.Token())
	e.Config(`{"gateway": {"listen": "` + strings.TrimPrefix(gw.URL, "http://") + `"}, "channels": {"telegram": {"allowFrom": ["42"]}}}`)
	stop := pollForever(t, tg.URL()+"/bot"+tg.Token()+"/getUpdates")
	defer stop()
	code, _, out := runDoctor(t, e, "--json")
	if res := result(t, out, "telegram"); code != 1 || !hasFinding(res, "another program is polling this bot's updates (409 Conflict)") {
		t.Errorf("exit %d, telegram %s: %+v; want the second poller", code, res.Status, res.Findings)
	}
}

// TestDoctorInterrupted checks that doctor stopped by a signal (its
// context ends) exits 130 and never says it found no problems.
func TestDoctorInterrupted(t *testing.T) {
	e := doctorEnv(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var stdout, stderr bytes.Buffer
	code := Main(ctx, []string{"doctor"}, strings.NewReader(""), &stdout, &stderr, e.Getenv)
	if code != exitInterrupted || strings.Contains(stdout.String(), "no problems") {
		t.Errorf("exit %d, want %d:\n%s%s", code, exitInterrupted, stdout.String(), stderr.String())
	}
}
