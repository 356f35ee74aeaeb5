package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/botgateway/bot/internal/testenv"
)

// TestCanaryChatEcho types a secret where a chat command expects a model
// or a profile (issue 8 item 2): no reply may repeat it, however the
// command fails; the replies say what went wrong with the secret masked.
// A malformed profile is named as such, not as missing (item 11).
func TestCanaryChatEcho(t *testing.T) {
	e := testenv.New(t)
	e.Store("main", `{"version":1,"profiles":{
		"anthropic:work":{"type":"api_key","provider":"anthropic","key":"sk-ant-api03-work-0123456789abcdef"},
		"anthropic:bad":{"type":"api_key","provider":"anthropic","key":42}}}`)
	secret := "sk-ant-api03-" + canaryCore + "-0123456789abcdefWXYZ"
	hex := "0123456789abcdef" + canaryCore + "0123456789abcdef" // no known prefix, just random
	env := map[string]string{"HOME": e.Home, "PATH": "", "ANTHROPIC_BASE_URL": "http://127.0.0.1:1"}
	var args []string
	for _, m := range []string{
		"/model sonnet@" + secret,
		"/model @" + secret,
		"/model " + secret,
		"/model anthropic/" + secret,
		"/model sonnet@anthropic:work " + secret,
		"/" + secret,
		"/models " + secret,
		"/model sonnet@" + hex,
		"/model sonnet@anthropic:bad",
	} {
		args = append(args, "--message", m)
	}
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), append([]string{"chat"}, args...), strings.NewReader(""), &stdout, &stderr, func(k string) string { return env[k] })
	out := stdout.String() + stderr.String()
	if code != 0 {
		t.Fatalf("bot chat exit %d:\n%s", code, out)
	}
	if strings.Contains(out, canaryCore) {
		t.Errorf("a reply repeats the secret:\n%s", out)
	}
	for _, want := range []string{
		`Auth profile "sk-a...WXYZ" not found.`,
		"sk-a...WXYZ",
		`Auth profile "anthropic:bad" is malformed in ~/.bot/agents/main/agent/auth-profiles.json: "key" is a number, want a string. To fix it, store it again (bot models auth paste-token --provider anthropic --profile-id anthropic:bad) or remove it (bot models auth remove anthropic:bad).`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in the replies:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "\n"); n < 9 {
		t.Errorf("%d reply lines for 9 commands:\n%s", n, out)
	}
}
