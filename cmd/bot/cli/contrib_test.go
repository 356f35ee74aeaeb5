package cli

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/botgateway/bot/internal/fakes"
)

// TestSystemdUnit: contrib's unit runs a command line bot parses, and
// systemd-analyze finds nothing to say about it (where systemd exists).
func TestSystemdUnit(t *testing.T) {
	unit, err := os.ReadFile("../../../contrib/bot-gateway.service")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^ExecStart=(\S+)/bot (.*)$`).FindSubmatch(unit)
	if m == nil {
		t.Fatal("no ExecStart=.../bot ... line")
	}
	parses(t, strings.Fields(string(m[2])))
	for _, want := range []string{"EnvironmentFile=-%h/.bot/.env", "Restart=on-failure", "ReadWritePaths=%h/.bot", "NoNewPrivileges=yes", "ProtectSystem=strict"} {
		if !bytes.Contains(unit, []byte("\n"+want+"\n")) {
			t.Errorf("the unit lacks %s", want)
		}
	}
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("no systemd-analyze here")
	}
	// The binary's path is the user's; verify checks that it exists.
	path := filepath.Join(t.TempDir(), "bot-gateway.service")
	if err := os.WriteFile(path, bytes.Replace(unit, m[0], []byte("ExecStart=/bin/true "+string(m[2])), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// TestLaunchdPlist: contrib's plist is a well-formed property list that
// runs a command line bot parses (and plutil accepts it, on macOS).
func TestLaunchdPlist(t *testing.T) {
	const file = "../../../contrib/com.botgateway.bot.plist"
	args, _ := readPlist(t, file)
	if len(args) < 2 || filepath.Base(args[0]) != "bot" {
		t.Fatalf("ProgramArguments = %q, want bot and its arguments", args)
	}
	parses(t, args[1:])
}

// readPlist reads a launchd property list without plutil: the strings of
// its ProgramArguments, and its other top-level and EnvironmentVariables
// keys with their string or integer values. It fails t on a document that
// is not well-formed XML, and runs plutil -lint where there is one.
func readPlist(t *testing.T, file string) (args []string, values map[string]string) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	values = map[string]string{}
	var key, last string
	inArgs := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			last = ""
			if tok.Name.Local == "array" && key == "ProgramArguments" {
				inArgs = true
			}
		case xml.EndElement:
			switch tok.Name.Local {
			case "key":
				key = last
			case "string", "integer":
				if inArgs {
					args = append(args, last)
				} else {
					values[key] = last
				}
			case "true", "false":
				values[key] = tok.Name.Local
			case "array":
				inArgs = false
			}
		case xml.CharData:
			last = string(tok)
		}
	}
	if plutil, err := exec.LookPath("plutil"); err == nil {
		if out, err := exec.Command(plutil, "-lint", file).CombinedOutput(); err != nil {
			t.Errorf("plutil -lint: %v\n%s", err, out)
		}
	}
	return args, values
}

// TestCheckUnits: the monitoring units of contrib (a systemd service and
// timer running bot models status --check, the OnFailure hook that runs
// contrib/bot-check) run a command line bot parses, name each other and
// the script that exists, and systemd-analyze finds nothing to say about
// them (where systemd exists).
func TestCheckUnits(t *testing.T) {
	read := func(name string) []byte {
		b, err := os.ReadFile("../../../contrib/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	service, timer, notify := read("bot-check.service"), read("bot-check.timer"), read("bot-check-notify.service")
	m := regexp.MustCompile(`(?m)^ExecStart=(\S+)/bot (.*)$`).FindSubmatch(service)
	if m == nil {
		t.Fatal("bot-check.service: no ExecStart=.../bot ... line")
	}
	args := strings.Fields(string(m[2]))
	if !slices.Equal(args, []string{"models", "status", "--check"}) {
		t.Errorf("bot-check.service runs bot %s, want bot models status --check", m[2])
	}
	parses(t, args)
	for _, c := range []struct {
		file []byte
		name string
		want string
	}{
		{service, "bot-check.service", "Type=oneshot"},
		{service, "bot-check.service", "OnFailure=bot-check-notify.service"},
		{service, "bot-check.service", "EnvironmentFile=-%h/.bot/.env"},
		{timer, "bot-check.timer", "OnCalendar=hourly"},
		{timer, "bot-check.timer", "Persistent=true"},
		{timer, "bot-check.timer", "WantedBy=timers.target"},
		{notify, "bot-check-notify.service", "ExecStart=/bin/sh %h/.local/bin/bot-check"},
	} {
		if !bytes.Contains(c.file, []byte("\n"+c.want+"\n")) {
			t.Errorf("%s lacks %s", c.name, c.want)
		}
	}
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("no systemd-analyze here")
	}
	dir := t.TempDir()
	for name, b := range map[string][]byte{
		// The binary's path is the user's; verify checks that it exists.
		"bot-check.service":        bytes.Replace(service, m[0], []byte("ExecStart=/bin/true "+string(m[2])), 1),
		"bot-check.timer":          timer,
		"bot-check-notify.service": notify,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(analyze, "verify", "bot-check.service", "bot-check.timer", "bot-check-notify.service")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// TestCheckPlist: the launchd agent runs contrib/bot-check every hour with
// BOT naming a bot binary.
func TestCheckPlist(t *testing.T) {
	args, values := readPlist(t, "../../../contrib/com.botgateway.bot-check.plist")
	if len(args) != 2 || args[0] != "/bin/sh" || filepath.Base(args[1]) != "bot-check" {
		t.Errorf("ProgramArguments = %q, want /bin/sh .../bot-check", args)
	}
	if values["StartInterval"] != "3600" {
		t.Errorf("StartInterval = %q, want 3600 (every hour)", values["StartInterval"])
	}
	if filepath.Base(values["BOT"]) != "bot" {
		t.Errorf("EnvironmentVariables BOT = %q, want the bot binary", values["BOT"])
	}
	if values["Label"] != "com.botgateway.bot-check" {
		t.Errorf("Label = %q", values["Label"])
	}
}

// TestCheckScript: contrib/bot-check (launchd, Termux's job scheduler,
// systemd's OnFailure hook) is valid to every POSIX shell here and runs a
// bot command line that bot parses. testdata/script/contrib_check.txtar
// runs it against bot.
func TestCheckScript(t *testing.T) {
	const file = "../../../contrib/bot-check"
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*"\$bot" ([a-z -]+?) >&2$`).FindSubmatch(b)
	if m == nil {
		t.Fatal(`bot-check: no "$bot" ... line`)
	}
	if string(m[1]) != "models status --check" {
		t.Errorf("bot-check runs bot %s, want bot models status --check", m[1])
	}
	parses(t, strings.Fields(string(m[1])))
	if fi, err := os.Stat(file); err != nil || fi.Mode()&0o111 == 0 {
		t.Errorf("bot-check is not executable: %v", err)
	}
	ran := 0
	for _, sh := range []string{"sh", "dash", "bash", "busybox"} {
		path, err := exec.LookPath(sh)
		if err != nil {
			continue
		}
		args := []string{"-n", file}
		if sh == "busybox" {
			args = append([]string{"sh"}, args...)
		}
		if out, err := exec.Command(path, args...).CombinedOutput(); err != nil {
			t.Errorf("%s -n bot-check: %v\n%s", sh, err, out)
		}
		ran++
	}
	if ran == 0 {
		t.Skip("no POSIX shell here")
	}
}

// parses fails t when bot's command line parser refuses args.
func parses(t *testing.T, args []string) {
	t.Helper()
	var root CLI
	parser, err := newParser(&root, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parser.Parse(args); err != nil {
		t.Errorf("bot %s: %v", strings.Join(args, " "), err)
	}
}

// TestCheckScriptTelegram: with NOTIFY_TELEGRAM_CHAT, bot-check sends its
// line to the owner through the Bot API (the loopback fake here), with the
// token from ~/.bot/.env, never in curl's arguments or its output.
func TestCheckScriptTelegram(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("no curl here")
	}
	tg := fakes.NewTelegram(t)
	owner := fakes.TelegramUser{ID: 4242, FirstName: "Owner"}
	tg.AddChat(fakes.PrivateChat(owner))
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, ".bot"), 0o700); err != nil {
		t.Fatal(err)
	}
	env := "TELEGRAM_BOT_TOKEN=\"" + tg.Token() + "\"\nNOTIFY_TELEGRAM_CHAT=4242\n"
	if err := os.WriteFile(filepath.Join(home, ".bot", ".env"), []byte(env), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", "../../../contrib/bot-check")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "MONITOR_EXIT_STATUS=2", "BOT_TELEGRAM_API_URL=" + tg.URL()}
	out, err := cmd.CombinedOutput()
	if ee, ok := errors.AsType[*exec.ExitError](err); !ok || ee.ExitCode() != 2 {
		t.Fatalf("bot-check: %v, want exit 2\n%s", err, out)
	}
	if strings.Contains(string(out), tg.Token()) || strings.Contains(string(out), "failed") {
		t.Errorf("bot-check's output:\n%s", out)
	}
	msgs := tg.BotMessages(owner.ID)
	if len(msgs) != 1 || !strings.Contains(msgs[0].Text, "a credential expires soon. See: bot models status") {
		t.Errorf("messages to the owner: %+v", msgs)
	}
}

// TestCheckScriptSignal: systemd passes a killed check's signal name in
// MONITOR_EXIT_STATUS (TERM, KILL); bot-check still notifies and exits 1,
// not with a shell error.
func TestCheckScriptSignal(t *testing.T) {
	ran := 0
	for _, sh := range []string{"sh", "dash", "bash"} {
		path, err := exec.LookPath(sh)
		if err != nil {
			continue
		}
		ran++
		cmd := exec.Command(path, "../../../contrib/bot-check")
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "MONITOR_EXIT_STATUS=TERM"}
		out, err := cmd.CombinedOutput()
		if ee, ok := errors.AsType[*exec.ExitError](err); !ok || ee.ExitCode() != 1 {
			t.Errorf("%s bot-check with TERM: %v, want exit 1\n%s", sh, err, out)
		}
		if want := "bot-check: bot on "; !strings.HasPrefix(string(out), want) || !strings.Contains(string(out), "the check itself failed (TERM)") || strings.Count(string(out), "\n") != 1 {
			t.Errorf("%s bot-check with TERM said:\n%s", sh, out)
		}
	}
	if ran == 0 {
		t.Skip("no POSIX shell here")
	}
}
