package cli

import (
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
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
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	// The strings of ProgramArguments, in a well-formed document.
	dec := xml.NewDecoder(bytes.NewReader(data))
	var args []string
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
			if tok.Name.Local == "array" && key == "ProgramArguments" {
				inArgs = true
			}
		case xml.EndElement:
			switch tok.Name.Local {
			case "key":
				key = last
			case "string":
				if inArgs {
					args = append(args, last)
				}
			case "array":
				inArgs = false
			}
		case xml.CharData:
			last = string(tok)
		}
	}
	if len(args) < 2 || filepath.Base(args[0]) != "bot" {
		t.Fatalf("ProgramArguments = %q, want bot and its arguments", args)
	}
	parses(t, args[1:])
	if plutil, err := exec.LookPath("plutil"); err == nil {
		if out, err := exec.Command(plutil, "-lint", file).CombinedOutput(); err != nil {
			t.Errorf("plutil -lint: %v\n%s", err, out)
		}
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
