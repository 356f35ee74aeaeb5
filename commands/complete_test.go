package commands_test

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/botgateway/bot/commands"
)

// completionStore is an agent's store with two anthropic profiles and an
// openai one.
const completionStore = `{"version":1,"profiles":{
  "anthropic:work":{"type":"api_key","provider":"anthropic","key":"sk-ant-api03-work-0123456789work"},
  "anthropic:home":{"type":"api_key","provider":"anthropic","key":"sk-ant-api03-home-0123456789home"},
  "openai:main":{"type":"api_key","provider":"openai","key":"sk-proj-main-0123456789main0123"}}}`

const storeFile = ".bot/agents/main/agent/auth-profiles.json"

// values returns the values of cs.
func values(cs []commands.Completion) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Value
	}
	return out
}

func complete(h *harness, command, arg, text string, allowed bool) []commands.Completion {
	return h.Stack.Engine.Complete(context.Background(), commands.CompletionQuery{
		Command: command, Arg: arg, Text: text, Agent: "main", Session: "console:local", Allowed: allowed,
	})
}

// son is what "son" completes to: the alias, its pins, then the models
// with a word starting with it.
var son = []string{
	"sonnet", "sonnet@anthropic:work", "sonnet@anthropic:home",
	"anthropic/claude-sonnet-4", "anthropic/claude-sonnet-4-5", "openrouter/anthropic/claude-sonnet-4.5",
}

func TestComplete(t *testing.T) {
	h := newHarness(t, map[string]string{storeFile: completionStore})
	tests := []struct {
		name, command, arg, text string
		stranger                 bool
		want                     []string
	}{
		{name: "words", command: "model", arg: "model", text: "st", want: []string{"status"}},
		{name: "alias, its pins, then models with a word that starts so", command: "model", arg: "model", text: "son", want: son},
		{name: "any case", command: "model", arg: "model", text: "SON", want: son},
		{name: "a model id without its provider", command: "model", arg: "model", text: "claude-s", want: []string{
			"anthropic/claude-sonnet-4", "anthropic/claude-sonnet-4-5",
			"anthropic/claude-sonnet-4@anthropic:work", "anthropic/claude-sonnet-4@anthropic:home",
			"anthropic/claude-sonnet-4-5@anthropic:work", "anthropic/claude-sonnet-4-5@anthropic:home",
			"sonnet", "openrouter/anthropic/claude-sonnet-4.5",
		}},
		{name: "a word of the model's name", command: "model", arg: "model", text: "gem", want: []string{"gemini", "openrouter/google/gemini-2.5-pro"}},
		{name: "leading spaces", command: "model", arg: "model", text: "  gem", want: []string{"gemini", "openrouter/google/gemini-2.5-pro"}},
		{name: "profiles of an alias", command: "model", arg: "model", text: "sonnet@", want: []string{"sonnet@anthropic:work", "sonnet@anthropic:home"}},
		{name: "a profile by part of its id", command: "model", arg: "model", text: "sonnet@ho", want: []string{"sonnet@anthropic:home"}},
		{name: "profiles of another spelling of a model", command: "model", arg: "model", text: "opus-4.5@",
			want: []string{"anthropic/claude-opus-4-5@anthropic:work", "anthropic/claude-opus-4-5@anthropic:home"}},
		{name: "profiles of a model's id without its provider", command: "model", arg: "model", text: "claude-haiku-4-5@w",
			want: []string{"anthropic/claude-haiku-4-5@anthropic:work"}},
		{name: "profiles of a model's provider only", command: "model", arg: "model", text: "gpt@", want: []string{"gpt@openai:main"}},
		{name: "the session's provider's profiles", command: "model", arg: "model", text: "@", want: []string{"@anthropic:work", "@anthropic:home"}},
		{name: "no profile of a provider", command: "model", arg: "model", text: "kimi@", want: nil},
		{name: "unknown model", command: "model", arg: "model", text: "nosuch@", want: nil},
		{name: "the word after list", command: "model", arg: "model", text: "list op", want: []string{
			"list openai", "list openrouter", "list openai/gpt-4.1", "list openai/gpt-4.1-mini", "list openai/gpt-5",
			"list openai/gpt-5-mini", "list openai/o3", "list openrouter/anthropic/claude-sonnet-4.5",
			"list openrouter/deepseek/deepseek-chat", "list openrouter/google/gemini-2.5-pro",
			"list openrouter/moonshotai/kimi-k2", "list openrouter/openai/gpt-5",
			"list anthropic/claude-opus-4-1", "list anthropic/claude-opus-4-5",
		}},
		{name: "list without a space is the word", command: "model", arg: "model", text: "list", want: []string{"list"}},
		{name: "models' provider", command: "models", arg: "provider", text: "open", want: []string{"openai", "openrouter"}},
		{name: "an alias of the command", command: "reset", arg: "x", text: "", want: nil},
		{name: "unknown command", command: "nosuch", arg: "model", text: "", want: nil},
		{name: "unknown argument", command: "model", arg: "provider", text: "", want: nil},
		{name: "stranger", command: "model", arg: "model", text: "", stranger: true, want: nil},
		{name: "stranger's @", command: "model", arg: "model", text: "@", stranger: true, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := values(complete(h, tt.command, tt.arg, tt.text, !tt.stranger))
			if len(got) == 0 {
				got = nil
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Complete(/%s %s %q) (-want +got):\n%s", tt.command, tt.arg, tt.text, diff)
			}
		})
	}
}

// TestCompleteEmpty checks what a user sees before typing: at most
// MaxCompletions, the words first, values and labels within Discord's 100
// characters.
func TestCompleteEmpty(t *testing.T) {
	h := newHarness(t, map[string]string{storeFile: completionStore})
	got := complete(h, "model", "model", "", true)
	if len(got) != commands.MaxCompletions {
		t.Fatalf("%d suggestions, want %d", len(got), commands.MaxCompletions)
	}
	if diff := cmp.Diff([]string{"list", "status", "default", "deepseek"}, values(got[:4])); diff != "" {
		t.Errorf("first suggestions (-want +got):\n%s", diff)
	}
	for _, c := range got {
		if utf8.RuneCountInString(c.Value) > 100 || utf8.RuneCountInString(c.Label) > 100 || c.Value == "" || c.Label == "" {
			t.Errorf("%+v: value and label must be 1 to 100 characters", c)
		}
	}
	if diff := cmp.Diff([]string{"anthropic", "openai", "openrouter"}, values(complete(h, "models", "provider", "", true))); diff != "" {
		t.Errorf("/models provider (-want +got):\n%s", diff)
	}
}

// TestCompletionsAreAccepted runs every suggestion for a few typed texts
// as "/model <value>": each must be taken by the text form (no error
// line), since a Discord option's value becomes that text.
func TestCompletionsAreAccepted(t *testing.T) {
	h := newHarness(t, map[string]string{storeFile: completionStore})
	for _, text := range []string{"", "son", "claude-s", "gpt", "sonnet@", "opus-4.5@", "claude-haiku-4-5@", "kimi-k2@", "@", "list ", "list op", "st"} {
		seen := map[string]bool{}
		for _, c := range complete(h, "model", "model", text, true) {
			if seen[c.Value] {
				t.Errorf("typed %q: %q suggested twice", text, c.Value)
			}
			seen[c.Value] = true
			for _, r := range h.Send(t, "/model "+c.Value) {
				if strings.HasPrefix(r.Text, "At column") || strings.Contains(r.Text, "not found") || strings.Contains(r.Text, "Something went wrong") {
					t.Errorf("typed %q, picked %q: %s", text, c.Value, r.Text)
				}
			}
		}
	}
	for _, c := range complete(h, "models", "provider", "", true) {
		for _, r := range h.Send(t, "/models "+c.Value) {
			if strings.HasPrefix(r.Text, "At column") {
				t.Errorf("picked %q: %s", c.Value, r.Text)
			}
		}
	}
}

// TestCompleteFollowsTheStore checks that a profile added to the store
// file is offered at the next completion, and a removed one no more: the
// cache lasts only while auth.Stores hands out the same load.
func TestCompleteFollowsTheStore(t *testing.T) {
	h := newHarness(t, map[string]string{storeFile: completionStore})
	if diff := cmp.Diff([]string{"sonnet@anthropic:work", "sonnet@anthropic:home"}, values(complete(h, "model", "model", "sonnet@", true))); diff != "" {
		t.Fatalf("before (-want +got):\n%s", diff)
	}
	path := h.Env.Path(storeFile)
	rewritten := `{"version":1,"profiles":{
  "anthropic:lab":{"type":"api_key","provider":"anthropic","key":"sk-ant-api03-lab-0123456789lab012345"}}}`
	if err := os.WriteFile(path, []byte(rewritten), 0o600); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"sonnet@anthropic:lab"}, values(complete(h, "model", "model", "sonnet@", true))); diff != "" {
		t.Errorf("after the store changed (-want +got):\n%s", diff)
	}
}

// BenchmarkComplete measures Complete for typical texts on a warm engine:
// the catalog's suggestions and the credentials' are built by then, so
// this is what each Discord autocomplete request costs (the stat of the
// store files included). The issue asks for microseconds.
func BenchmarkComplete(b *testing.B) {
	h := newHarness(b, map[string]string{storeFile: completionStore})
	for _, text := range []string{"", "son", "claude-s", "sonnet@", "opus-4.5@", "nosuch@", "@", "list op", "zzz"} {
		b.Run(strings.NewReplacer(" ", "_", "@", "at").Replace("text="+text), func(b *testing.B) {
			q := commands.CompletionQuery{Command: "model", Arg: "model", Text: text, Agent: "main", Session: "console:local", Allowed: true}
			ctx := context.Background()
			h.Stack.Engine.Complete(ctx, q) // warm
			b.ReportAllocs()
			for b.Loop() {
				h.Stack.Engine.Complete(ctx, q)
			}
		})
	}
	// For comparison: what reading the credentials costs on its own (two
	// stat calls), which the texts above that name models pay.
	b.Run("credentials_alone", func(b *testing.B) {
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := h.Stack.Credentials.Credentials(ctx, "main"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Logf("goal: microseconds per completion (issue 9, item 5)")
}

// TestCompleteConcurrent completes from several goroutines while the
// store file changes, for the race detector: the per-agent cache is
// shared.
func TestCompleteConcurrent(t *testing.T) {
	h := newHarness(t, map[string]string{storeFile: completionStore})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 50 {
				for _, text := range []string{"son", "sonnet@", "@", "list "} {
					complete(h, "model", "model", text, true)
				}
			}
		})
	}
	for i := range 5 {
		store := strings.Replace(completionStore, "anthropic:home", "anthropic:home"+strings.Repeat("x", i+1), 2)
		if err := os.WriteFile(h.Env.Path(storeFile), []byte(store), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
}
