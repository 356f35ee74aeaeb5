package console

import (
	"context"
	"strings"
	"sync"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/botgateway/bot/adapters"
)

func TestSanitize(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "Hello, wörld!\n\tindented", "Hello, wörld!\n\tindented"},
		{"OSC 52 clipboard, BEL-terminated", "a\x1b]52;c;cm0gLXJmIH4=\x07b", "ab"},
		{"OSC 0 title, ST-terminated", "a\x1b]0;pwned\x1b\\b", "ab"},
		{"OSC 8 hyperlink", "\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\", "link"},
		{"unterminated OSC swallows the rest", "a\x1b]52;c;AAAA", "a"},
		{"CSI colour and cursor", "\x1b[31mred\x1b[0m \x1b[2J\x1b[1;1Hhome\x1b[?25l", "red home"},
		{"8-bit CSI and OSC", "a\u009b31mb\u009d0;t\u009cc", "abc"},
		{"DCS, APC, PM, SOS", "a\x1bPq#0\x1b\\b\x1b_x\x1b\\c\x1b^y\x1b\\d\x1bXz\x1b\\e", "abcde"},
		{"two-byte escapes", "\x1bcreset \x1b7save\x1b8 \x1b(Bcharset", "reset save charset"},
		{"C0 and DEL", "a\x00b\x07c\x08d\x7fe\x1af\rg", "abcdefg"},
		{"C1 controls", "a\u0085b\u008ec", "abc"},
		{"CRLF becomes LF", "one\r\ntwo\r\n", "one\ntwo\n"},
		{"lone ESC at the end", "end\x1b", "end"},
		{"invalid UTF-8", "a\xffb\x9bc", "a\ufffdb\ufffdc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Sanitize(tt.in); got != tt.want {
				t.Errorf("Sanitize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// checkSafe fails when s could do more on a terminal than show text.
func checkSafe(t *testing.T, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Fatalf("not UTF-8: %q", s)
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			t.Fatalf("control %U in %q", r, s)
		}
	}
}

func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"plain", "\x1b]52;c;AAAA\x07", "\x1b[31mx", "\u009b1m", "\xff\x1b", "a\r\nb"} {
		f.Add(s)
	}
	for _, s := range hostile {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := Sanitize(in)
		checkSafe(t, out)
		if again := Sanitize(out); again != out {
			t.Fatalf("not idempotent: %q → %q → %q", in, out, again)
		}
		checkStreamed(t, in, false)
	})
}

// syncInbox answers each message at once with its own text.
type syncInbox struct {
	mu   sync.Mutex
	seen []string
}

func (in *syncInbox) Deliver(ctx context.Context, m adapters.Message) {
	in.mu.Lock()
	in.seen = append(in.seen, m.Text)
	in.mu.Unlock()
	_ = m.Reply.Reply(ctx, adapters.Reply{Text: m.Text})
	m.Done()
}

// FuzzConsoleReader feeds arbitrary input to the console: every message is
// one line of at most maxLine bytes, and what reaches the output is safe
// for a terminal.
func FuzzConsoleReader(f *testing.F) {
	for _, s := range []string{"hello\n/model\n", "a\r\nb\rc\n", "\x1b]0;t\x07\n\x00", strings.Repeat("x", maxLine+3) + "\ny", "\n\n  \n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var out strings.Builder
		inbox := &syncInbox{}
		if err := New(Config{In: strings.NewReader(string(in)), Out: &out}).Run(context.Background(), inbox); err != nil {
			t.Fatal(err)
		}
		for _, m := range inbox.seen {
			if len(m) > maxLine || strings.ContainsRune(m, '\n') || strings.TrimSpace(m) == "" {
				t.Fatalf("message %q: want one non-blank line of at most %d bytes", m, maxLine)
			}
		}
		checkSafe(t, out.String())
	})
}

// hostile are inputs whose escape sequences and characters a stream may
// cut anywhere.
var hostile = []string{
	"plain text, no escapes",
	"clip\x1b]52;c;cm0gLXJmIH4=\x07board \x1b]0;pwned\x1b\\title \x1b[31mred\x1b[0m \x1bcreset\a\x00 \rover \u009b2Jdone.",
	"naïve café ✓ 日本語 🙂 done",
	"a\u009b31mb\u009d0;t\u009cc\u0085d",
	"a\x1bPq#0\x1b\\b\x1b_x\x1b\\c\x1b^y\x1b\\d\x1bXz\x1b\\e",
	"\x1b(B\x1b7\x1b8 \x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\ end",
	"osc cut by another \x1b]0;t\x1b[31mred",
	"osc with C2 inside \x1b]0;\xc2\x07x \x1b]0;\xc2\xc2\x9cy",
	"invalid \xff\xfe \xe2\x82 \xf0\x9f\x98 \xe2(\xed\xa0\x80 end",
	"unterminated \x1b]52;c;AAAA",
	"ends in ESC\x1b",
	"ends in CSI \x1b[1;3",
	"ends mid-rune \xe2\x82",
	"\r\n\t\x7f\x1b\x1b[\x1b]\u009b\u009d",
}

// streamed sanitizes in through a streamSanitizer, cut at cuts.
func streamed(in string, cuts []int) string {
	var z streamSanitizer
	var out []byte
	prev := 0
	for _, c := range cuts {
		out = z.Write(out, in[prev:c])
		prev = c
	}
	out = z.Write(out, in[prev:])
	return string(z.Flush(out))
}

// checkStreamed fails unless every way of cutting in that checkStreamed
// tries gives Sanitize(in): chunks of 1 to 7 bytes (a cut at every
// position at once), a single cut anywhere in the first 512 bytes and, when
// pairs is set, every pair of cuts in an input of at most 64 bytes. The
// fuzz target leaves pairs out to stay cheap.
func checkStreamed(t *testing.T, in string, pairs bool) {
	t.Helper()
	want := Sanitize(in)
	check := func(cuts []int) {
		t.Helper()
		if got := streamed(in, cuts); got != want {
			t.Fatalf("%q cut at %v: got %q, want Sanitize's %q", in, cuts, got, want)
		}
	}
	n := len(in)
	for i := 0; i <= n && i <= 512; i++ {
		check([]int{i})
		if pairs && n <= 64 {
			for j := i; j <= n; j++ {
				check([]int{i, j})
			}
		}
	}
	for size := 1; size <= 7; size++ {
		var cuts []int
		for c := size; c < n; c += size {
			cuts = append(cuts, c)
		}
		check(cuts)
	}
}

func TestStreamSanitizer(t *testing.T) {
	for _, in := range hostile {
		checkStreamed(t, in, true)
	}
}
