package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/botgateway/bot/internal/fakes"
	"github.com/botgateway/bot/internal/testenv"
)

// TestChatMessageIsOneMessage: each --message is one message, whatever it
// holds. kong splits []string flags at commas unless told otherwise, which
// made "Hello, how are you, bot?" three paid provider calls, and a long
// message took seconds to split.
func TestChatMessageIsOneMessage(t *testing.T) {
	near := strings.Repeat("word, and \\, more; ", 4000/19) // just under gateway.MaxMessage
	long := strings.Repeat("word, and \\, more; ", 100<<10/19)
	for _, tc := range []struct {
		name  string
		args  []string
		want  []string // the prompts the provider saw, in order
		reply string   // a line of the replies
	}{
		{"commas", []string{"--message", "Hello, how are you, bot?"}, []string{"Hello, how are you, bot?"}, "echo: Hello, how are you, bot?"},
		{"equals form and short flag", []string{"--message=a,b", "-m", `c\,d`}, []string{"a,b", `c\,d`}, "echo: a,b"},
		{"near the limit", []string{"--message", near}, []string{near}, "echo: word, and"},
		// 100 kB: one message, refused at once by the gateway's limit.
		{"long", []string{"--message", long}, nil, fmt.Sprintf("That message is %d characters long", len(long))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := testenv.New(t)
			key := "sk-ant-api03-0123456789abcdef0123"
			e.Store("main", `{"version":1,"profiles":{"anthropic:work":{"type":"api_key","provider":"anthropic","key":"`+key+`"}}}`)
			f := fakes.NewAnthropic(t)
			f.Allow(key)
			env := map[string]string{"HOME": e.Home, "ANTHROPIC_BASE_URL": f.URL()}
			var stdout, stderr bytes.Buffer
			args := append([]string{"chat"}, tc.args...)
			if code := Main(context.Background(), args, strings.NewReader(""), &stdout, &stderr, func(k string) string { return env[k] }); code != 0 {
				t.Fatalf("bot chat exited %d\nstderr:\n%s", code, stderr.String())
			}
			var got []string
			for _, c := range f.Calls() {
				got = append(got, c.Prompt)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("prompts the provider saw (-want +got):\n%s", diff)
			}
			if !strings.Contains(stdout.String(), tc.reply) {
				t.Errorf("replies lack %q:\n%.500s", tc.reply, stdout.String())
			}
		})
	}
}

// BenchmarkParseLongMessage parses `bot chat --message TEXT` with 100 kB of
// text. kong's comma splitting built each piece a rune at a time (quadratic:
// 8 s for 100 kB); as one string it is linear (kong transcodes it through
// JSON: about 3 ms for 100 kB, which the gateway then refuses at 4096
// characters).
func BenchmarkParseLongMessage(b *testing.B) {
	// A pasted document: long lines, few commas.
	long := strings.Repeat("lorem ipsum dolor sit amet ", 3793)
	args := []string{"chat", "--message", long}
	b.SetBytes(int64(len(long)))
	for b.Loop() {
		var root CLI
		parser, err := newParser(&root, io.Discard, io.Discard)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := parser.Parse(args); err != nil {
			b.Fatal(err)
		}
		if len(root.Chat.Message) != 1 {
			b.Fatalf("%d messages, want 1", len(root.Chat.Message))
		}
	}
}
