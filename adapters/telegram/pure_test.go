package telegram

import (
	"encoding/xml"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"
	"github.com/google/go-cmp/cmp"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/adapters/adaptertest"
	"github.com/botgateway/bot/internal/secret"
)

func TestToHTML(t *testing.T) {
	tests := []struct {
		name, md, want string
	}{
		{"plain", "hello world", "hello world"},
		{"escape", "a < b && c > d", "a &lt; b &amp;&amp; c &gt; d"},
		{"bold", "**bold** and __also__", "<b>bold</b> and <b>also</b>"},
		{"italic", "*it* and _it_", "<i>it</i> and <i>it</i>"},
		{"snake case", "my_var_name stays", "my_var_name stays"},
		{"strike", "~~gone~~", "<s>gone</s>"},
		{"nested", "**bold *it***", "<b>bold <i>it</i></b>"},
		{"code", "use `a<b` here", "use <code>a&lt;b</code> here"},
		{"code keeps markers", "`**x**`", "<code>**x**</code>"},
		{"link", "[site](https://example.com/?a=1&b=2)", `<a href="https://example.com/?a=1&amp;b=2">site</a>`},
		{"javascript link stays text", "[x](javascript:alert(1))", "[x](javascript:alert(1))"},
		{"unbalanced bold", "**not closed", "**not closed"},
		{"lone star", "2 * 3 = 6", "2 * 3 = 6"},
		{"heading", "# Title\ntext", "<b>Title</b>\ntext"},
		{"list", "- one\n* two\n  - nested", "• one\n• two\n  • nested"},
		{"pre with language", "```go\nx := 1 < 2\n```\nafter", "<pre><code class=\"language-go\">x := 1 &lt; 2</code></pre>\nafter"},
		{"pre without language", "```\nplain\n```", "<pre><code>plain</code></pre>"},
		{"unclosed pre", "```py\nprint(1)", "<pre><code class=\"language-py\">print(1)</code></pre>"},
		{"non-ASCII", "naïve *café* ✓", "naïve <i>café</i> ✓"},
		{"underscore after non-ASCII letter", "é_x_ y", "é_x_ y"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := toHTML(tt.md); got != tt.want {
				t.Errorf("toHTML(%q) =\n%q\nwant\n%q", tt.md, got, tt.want)
			}
		})
	}
}

func TestSplit(t *testing.T) {
	para := strings.Repeat("word ", 15) // 75
	tests := []struct {
		name  string
		text  string
		limit int
		want  []string
	}{
		{"fits", "short", 100, []string{"short"}},
		{"paragraphs", para + "\n\n" + para + "\n\n" + para, 160,
			[]string{para + "\n\n" + para, para}},
		{"lines", "aaaa\nbbbb\ncccc", 9, []string{"aaaa\nbbbb", "cccc"}},
		{"code block kept whole", "intro\n```go\nx\ny\n```\nend", 17,
			[]string{"intro", "```go\nx\ny\n```\nend"}},
		{"long code block reopened", "```go\n" + "l1\nl2\nl3\nl4\n```", 16,
			[]string{"```go\nl1\nl2\n```", "```go\nl3\nl4\n```"}},
		{"long line at a space", "aaaa bbbb cccc", 10, []string{"aaaa bbbb", "cccc"}},
		{"long word", "abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := split(tt.text, tt.limit)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("split (-want +got):\n%s", diff)
			}
			for _, p := range got {
				if len16(p) > tt.limit {
					t.Errorf("part of %d units > %d: %q", len16(p), tt.limit, p)
				}
			}
		})
	}
}

// A long reply of every shape splits into parts within the limit, each
// rendering to well-formed HTML, and nothing is lost but the whitespace
// at the cuts.
func TestSplitLongReply(t *testing.T) {
	var b strings.Builder
	for i := range 300 {
		switch i % 4 {
		case 0:
			b.WriteString("A paragraph with **bold** and a café ☕ and 🎉 emoji, number ")
			b.WriteString(strings.Repeat("x", i%50))
			b.WriteString("\n\n")
		case 1:
			b.WriteString("- an item\n- another item\n\n")
		case 2:
			b.WriteString("```python\n")
			for j := range 40 {
				b.WriteString("print('line ")
				b.WriteString(strings.Repeat("y", j))
				b.WriteString("')\n")
			}
			b.WriteString("```\n\n")
		case 3:
			b.WriteString(strings.Repeat("long line without breaks ", 30) + "\n")
		}
	}
	text := b.String()
	parts := split(text, maxText)
	if len(parts) < 3 {
		t.Fatalf("%d parts of a %d-unit text", len(parts), len16(text))
	}
	squash := func(s string) string {
		s = strings.NewReplacer("```python", "", "```", "").Replace(s)
		return strings.Join(strings.Fields(s), "")
	}
	if got, want := squash(strings.Join(parts, "\n")), squash(text); got != want {
		t.Errorf("the parts do not hold the text: %d characters, want %d", len(got), len(want))
	}
	for i, p := range parts {
		if n := len16(p); n > maxText {
			t.Errorf("part %d: %d units", i, n)
		}
		if strings.Count(p, "```")%2 != 0 {
			t.Errorf("part %d has an unbalanced code fence", i)
		}
	}
}

func TestChatRef(t *testing.T) {
	tests := []struct {
		chat  int64
		topic int
		ref   adapters.ChatRef
	}{
		{42, 0, "42"},
		{-100123, 7, "-100123:topic:7"},
		{-5, 0, "-5"},
	}
	for _, tt := range tests {
		if got := chatRef(tt.chat, tt.topic); got != tt.ref {
			t.Errorf("chatRef(%d, %d) = %q, want %q", tt.chat, tt.topic, got, tt.ref)
		}
		chat, topic, ok := parseChatRef(tt.ref)
		if !ok || chat != tt.chat || topic != tt.topic {
			t.Errorf("parseChatRef(%q) = %d, %d, %v", tt.ref, chat, topic, ok)
		}
	}
	for _, bad := range []adapters.ChatRef{"", "x", "1:topic:", "1:topic:-2"} {
		if _, _, ok := parseChatRef(bad); ok {
			t.Errorf("parseChatRef(%q) ok", bad)
		}
	}
}

func TestNormalize(t *testing.T) {
	me := &models.User{ID: 99, IsBot: true, Username: "OurBot"}
	user := &models.User{ID: 7, FirstName: "Ada"}
	private := models.Chat{ID: 7, Type: models.ChatTypePrivate}
	group := models.Chat{ID: -100, Type: models.ChatTypeSupergroup}
	forum := models.Chat{ID: -200, Type: models.ChatTypeSupergroup, IsForum: true}
	mentionAt := func(text, m string) []models.MessageEntity {
		i := strings.Index(text, m)
		return []models.MessageEntity{{Type: models.MessageEntityTypeMention, Offset: len16(text[:i]), Length: len16(m)}}
	}
	tests := []struct {
		name     string
		m        models.Message
		mention  bool
		want     string // "" = dropped
		wantChat adapters.ChatRef
	}{
		{"private text", models.Message{From: user, Chat: private, Text: "hi"}, true, "hi", "7"},
		{"group text without mention", models.Message{From: user, Chat: group, Text: "hi all"}, true, "", ""},
		{"group text, mention off", models.Message{From: user, Chat: group, Text: "hi all"}, false, "hi all", "-100"},
		{"group mention", models.Message{From: user, Chat: group, Text: "@OurBot hello", Entities: mentionAt("@OurBot hello", "@OurBot")}, true, "hello", "-100"},
		{"group mention, other case, mid-text", models.Message{From: user, Chat: group, Text: "héllo @ourbot, how are you", Entities: mentionAt("héllo @ourbot, how are you", "@ourbot")}, true, "héllo how are you", "-100"},
		{"group mention of another bot", models.Message{From: user, Chat: group, Text: "@OtherBot hello", Entities: mentionAt("@OtherBot hello", "@OtherBot")}, true, "", ""},
		{"group reply to the bot", models.Message{From: user, Chat: group, Text: "and then?", ReplyToMessage: &models.Message{From: me}}, true, "and then?", "-100"},
		{"group command", models.Message{From: user, Chat: group, Text: "/model@OurBot list"}, true, "/model@OurBot list", "-100"},
		{"group command of another bot reaches the grammar", models.Message{From: user, Chat: group, Text: "/model@OtherBot"}, true, "/model@OtherBot", "-100"},
		{"forum topic", models.Message{From: user, Chat: forum, Text: "/start", IsTopicMessage: true, MessageThreadID: 5}, true, "/start", "-200:topic:5"},
		{"reply thread in a plain group is the group", models.Message{From: user, Chat: group, Text: "/new", MessageThreadID: 5}, true, "/new", "-100"},
		{"a bot", models.Message{From: &models.User{ID: 3, IsBot: true}, Chat: private, Text: "hi"}, true, "", ""},
		{"no sender", models.Message{Chat: group, Text: "/model"}, true, "", ""},
		{"sticker", models.Message{From: user, Chat: private, Sticker: &models.Sticker{}}, true, "", ""},
		{"photo with caption", models.Message{From: user, Chat: private, Caption: "look", Photo: []models.PhotoSize{{}}}, true, "", ""},
		{"only the mention", models.Message{From: user, Chat: group, Text: "@OurBot", Entities: mentionAt("@OurBot", "@OurBot")}, true, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := normalize(&tt.m, me, tt.mention)
			if tt.want == "" {
				if ok {
					t.Fatalf("delivered %q, want dropped", got.Text)
				}
				return
			}
			if !ok {
				t.Fatalf("dropped, want %q", tt.want)
			}
			want := adapters.Message{Channel: "telegram", Chat: tt.wantChat, Sender: adapters.Sender{ID: "7", Name: "Ada"}, Text: tt.want,
				Direct: tt.m.Chat.Type == models.ChatTypePrivate, BotName: "OurBot"}
			if diff := cmp.Diff(want, got, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Reply" || p.Last().String() == ".Done" }, cmp.Ignore())); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestSpan(t *testing.T) {
	text := "🎉 @Bot x" // 🎉 is 2 UTF-16 units
	s, e, ok := span(text, 3, 4)
	if !ok || text[s:e] != "@Bot" {
		t.Errorf("span = %d, %d, %v: %q", s, e, ok, text[s:e])
	}
	if _, _, ok := span(text, 3, 40); ok {
		t.Error("span past the end: ok")
	}
}

// The tracker never lets the poll offset pass an update in flight, skips
// what polls repeat and what was handled before a restart, and each
// finish returns the first update not yet done.
func TestTracker(t *testing.T) {
	tr := newTracker(10, []int64{11, 12})
	if got := tr.next(); got != 10 {
		t.Fatalf("next = %d, want 10", got)
	}
	var admitted []int64
	for _, id := range []int64{10, 11, 12, 13, 14} {
		if tr.admit(id) {
			admitted = append(admitted, id)
			tr.start(id)
		}
	}
	if diff := cmp.Diff([]int64{10, 13, 14}, admitted); diff != "" {
		t.Fatalf("admitted (-want +got):\n%s", diff)
	}
	// A poll at offset 10 repeats them: none is new.
	for _, id := range []int64{10, 13, 14} {
		if tr.admit(id) {
			t.Errorf("update %d admitted twice", id)
		}
	}
	steps := []struct {
		finish, next int64
	}{{13, 10}, {10, 14}, {14, 15}}
	for _, s := range steps {
		if got := tr.finish(s.finish); got != s.next {
			t.Errorf("finish(%d) = %d, want %d", s.finish, got, s.next)
		}
	}
	if got := tr.next(); got != 15 {
		t.Errorf("next = %d, want 15", got)
	}
	// An update not delivered (a sticker) is passed by the next poll.
	if !tr.admit(15) || tr.next() != 16 {
		t.Errorf("after an ignored update 15: next = %d, want 16", tr.next())
	}

	fresh := newTracker(0, nil)
	if fresh.next() != 0 || !fresh.admit(1) {
		t.Error("a fresh tracker does not start at 0")
	}

	// Webhook: any order, never twice.
	wh := newTracker(0, nil)
	if !wh.admitAny(5) || !wh.admitAny(3) {
		t.Fatal("webhook updates out of order refused")
	}
	wh.start(5)
	if wh.admitAny(5) {
		t.Error("an update in flight admitted again")
	}
	wh.finish(5)
	if !wh.admitAny(4) {
		t.Error("a webhook update posted after a later one finished is refused")
	}
	if wh.admitAny(5) {
		t.Error("a handled webhook update admitted again")
	}
}

func TestPickerTokens(t *testing.T) {
	ps := newPickers(2)
	a := ps.add(&picker{opener: "7", commands: []string{"/model a", "/model b"}})
	tok := token(a, 1)
	if len(tok) > 64 {
		t.Fatalf("token %q longer than Telegram's 64 bytes", tok)
	}
	if _, _, ok, mine := ps.take(tok, "8"); !ok || mine {
		t.Errorf("another user's press: ok %v, mine %v; want true, false", ok, mine)
	}
	p, n, ok, mine := ps.take(tok, "7")
	if !ok || !mine || p.commands[n] != "/model b" {
		t.Fatalf("the opener's press: %v %v %d", ok, mine, n)
	}
	if _, _, ok, _ := ps.take(tok, "7"); ok {
		t.Error("a picker pressed twice")
	}
	// Bounded: the oldest is forgotten.
	b := ps.add(&picker{opener: "7", commands: []string{"x"}})
	ps.add(&picker{opener: "7", commands: []string{"y"}})
	ps.add(&picker{opener: "7", commands: []string{"z"}})
	if _, _, ok, _ := ps.take(token(b, 0), "7"); ok {
		t.Error("a picker beyond the bound is still remembered")
	}
	for _, bad := range []string{"", "p", "pzz", "q1.0", "p1.-1", "p1.9", strings.Repeat("p", 70)} {
		if _, _, ok, _ := ps.take(bad, "7"); ok {
			t.Errorf("take(%q) ok", bad)
		}
	}
	if tok := token(^uint64(0), 99); len(tok) > 64 {
		t.Errorf("the longest token %q exceeds 64 bytes", tok)
	}
	ad, err := New(Config{Token: secret.New("1:x")})
	if err != nil {
		t.Fatal(err)
	}
	if k := ad.keyboard(1, 0, true, "7", make([]adapters.Choice, 150)); len(k.InlineKeyboard) != maxButtons {
		t.Errorf("a keyboard of 150 choices has %d buttons, want %d", len(k.InlineKeyboard), maxButtons)
	}
}

func TestMenu(t *testing.T) {
	specs := []adapters.CommandSpec{
		{Name: "model", Description: "Show or set the model"},
		{Name: "new", Description: "  New   conversation "},
		{Name: "x", Description: "X"},
		{Name: "long", Description: strings.Repeat("é", 300)},
	}
	got, err := menu(specs)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Show or set the model", "New conversation", "/x X", strings.Repeat("é", 255) + "…"}
	for i, c := range got {
		if c.Description != want[i] {
			t.Errorf("%s: %q, want %q", c.Command, c.Description, want[i])
		}
	}
	if _, err := menu([]adapters.CommandSpec{{Name: "Model", Description: "bad"}}); err == nil {
		t.Error("an upper-case name: no error")
	}
	if _, err := menu(make([]adapters.CommandSpec, 101)); err == nil {
		t.Error("101 commands: no error")
	}
}

// The limiter lets a burst through, then spaces sends at the rate; a
// group is held to 20 a minute; a private chat only to the overall rate;
// try never takes a turn that is not free.
func TestLimiter(t *testing.T) {
	now := time.Unix(1000, 0)
	l := newLimiter(30)
	l.now = func() time.Time { return now }
	for i := range 30 {
		if d, _ := l.reserve(42, true); d != 0 {
			t.Fatalf("send %d of the burst waits %v", i+1, d)
		}
	}
	if d, _ := l.reserve(42, true); d <= 0 || d > time.Second/30+time.Millisecond {
		t.Errorf("send 31 waits %v, want about 1/30 s", d)
	}
	if l.try(43) {
		t.Error("try took a turn that is not free")
	}
	now = now.Add(10 * time.Second)
	for i := range 20 {
		if d, _ := l.reserve(-100, true); d != 0 {
			t.Fatalf("group send %d waits %v", i+1, d)
		}
	}
	if d, _ := l.reserve(-100, true); d < 2*time.Second {
		t.Errorf("group send 21 waits %v, want about 3 s", d)
	}
	if d, _ := l.reserve(7, true); d != 0 {
		t.Errorf("a private chat waits %v behind a busy group", d)
	}
	var off *limiter = newLimiter(0)
	if off != nil || !off.try(1) || off.wait(t.Context(), 1) != nil {
		t.Error("rate 0 does not turn the limiter off")
	}
}

// Every prefix of a Markdown reply (what a stream shows) converts to
// well-formed markup: tags balanced and nested, entities escaped.
func TestToHTMLWellFormed(t *testing.T) {
	md := "# Title\n\nSome **bold *and italic*** text, `code <x>`, ~~old~~ and a [link](https://e.com/?a=1&b=2).\n" +
		"- item with _emphasis_ and snake_case_name\n* star item **unclosed\n\n```go\nif a < b && c > d {\n\treturn \"x\"\n}\n```\n" +
		"After the block: 2 * 3 * 4, __dunder__, [not a link](javascript:x), tail_"
	for i := range len(md) + 1 {
		if !utf8.ValidString(md[:i]) {
			continue
		}
		out := toHTML(md[:i])
		dec := xml.NewDecoder(strings.NewReader("<r>" + out + "</r>"))
		dec.Strict = true
		for {
			_, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("toHTML(%q) = %q: %v", md[:i], out, err)
			}
		}
	}
}

// The service messages of a migration (in the old group, and in the new
// supergroup) make sends follow the new chat id; they are not delivered.
func TestMigrationUpdates(t *testing.T) {
	for _, m := range []*models.Message{
		{Chat: models.Chat{ID: -5, Type: models.ChatTypeGroup}, MigrateToChatID: -100777},
		{Chat: models.Chat{ID: -100777, Type: models.ChatTypeSupergroup}, MigrateFromChatID: -5},
	} {
		a, err := New(Config{Token: secret.New("1:x")})
		if err != nil {
			t.Fatal(err)
		}
		a.tracker = newTracker(0, nil)
		in := adaptertest.NewInbox()
		a.handle(t.Context(), in, &models.Update{ID: 1, Message: m})
		if got := a.chatID(-5); got != -100777 {
			t.Errorf("after %+v, sends to -5 go to %d", m, got)
		}
		if _, ok := in.Poll(); ok {
			t.Errorf("the service message was delivered")
		}
	}
}

func TestNewChecks(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no token", Config{}},
		{"blank token", Config{Token: secret.New("  ")}},
		{"token with a slash", Config{Token: secret.New("1:ab/c")}},
		{"webhook without secret", Config{Token: secret.New("1:x"), Webhook: Webhook{URL: "https://bot.example.com/tg"}}},
		{"client timeout under the poll", Config{Token: secret.New("1:x"), PollTimeout: 30 * time.Second, HTTPClient: &http.Client{Timeout: 10 * time.Second}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.cfg); err == nil {
				t.Error("New: no error")
			}
		})
	}
	if _, err := New(Config{Token: secret.New("123:abc")}); err != nil {
		t.Errorf("New with a token: %v", err)
	}
}
