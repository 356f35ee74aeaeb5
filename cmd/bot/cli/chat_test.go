package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"unicode"

	"github.com/botgateway/bot/internal/fakes"
	"github.com/botgateway/bot/internal/testenv"
)

// A model's reply reaches stdout with its escape sequences and control
// characters removed, through the real console path (bot chat, piped).
func TestChatRepliesAreSanitized(t *testing.T) {
	const key = "sk-ant-api03-work-0123456789abcdef"
	e := testenv.New(t)
	e.Store("main", `{"version":1,"profiles":{
		"anthropic:work":{"type":"api_key","provider":"anthropic","key":"`+key+`"}}}`)
	provider := fakes.NewAnthropic(t)
	provider.Script(key, fakes.Response{Text: hostileReply})
	env := map[string]string{"HOME": e.Home, "ANTHROPIC_BASE_URL": provider.URL()}
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), []string{"chat", "--message", "hello"}, strings.NewReader(""), &stdout, &stderr, func(k string) string { return env[k] })
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if got, want := stdout.String(), "clipboard title red reset over done.\n"; got != want {
		t.Errorf("stdout = %q, want %q", got, want)
	}
	for _, r := range stdout.String() {
		if unicode.IsControl(r) && r != '\n' {
			t.Errorf("stdout holds control character %U", r)
		}
	}
}
