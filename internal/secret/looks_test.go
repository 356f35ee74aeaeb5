package secret

import "testing"

func TestLooks(t *testing.T) {
	tests := []struct {
		word string
		want bool
	}{
		{"sk-ant-api03-Zx9_Qw8-Lm7Np6Kj5Hg4Fd3Sa2Pz1Xc0Vb", true},
		{"sk-ant-oat01-abc", true},
		{"sk-or-v1-0123456789abcdef0123456789abcdef", true},
		{"sk-proj-abc", true},
		{"SK-ant-x", true},
		{"sk_live_abc", true},
		{"123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", true},      // Telegram bot token
		{"MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7", true}, // Discord bot token
		{"0123456789abcdef0123", true},                              // bare hex
		{"sk-", false},
		{"sk-1", false},
		{"sonnet", false},
		{"claude-sonnet-4-5-20250929", false},
		{"openrouter/moonshotai/kimi-k2", false},
		{"meta-llama/llama-3.1-405b-instruct", false},
		{"anthropic:claude-cli", false},
		{"google-antigravity:me@x.com", false},
		{"~/.bot/agents/main/agent/auth-profiles.json", false},
		{"abcdefghijklmnopqrstuvwxyz", false}, // letters alone: a word, not a key
		{"12345678901234567890", false},       // digits alone: an id (Discord user ids are 18 digits)
	}
	for _, tt := range tests {
		if got := Looks(tt.word); got != tt.want {
			t.Errorf("Looks(%q) = %v, want %v", tt.word, got, tt.want)
		}
	}
}

func TestMaskText(t *testing.T) {
	key := "sk-ant-api03-CANARY0123456789abcdefWXYZ"
	tests := []struct{ in, want string }{
		{`Auth profile "` + key + `" not found.`, `Auth profile "sk-a...WXYZ" not found.`},
		{"At column 8: unknown model sonnet@" + key + ". Use /models.", "At column 8: unknown model sonnet@sk-a...WXYZ. Use /models."},
		{"Unexpected argument " + key, "Unexpected argument sk-a...WXYZ"},
		{key, "sk-a...WXYZ"},
		{"sk-ant-x.", "****."},
		{"Model set to sonnet (anthropic/claude-sonnet-4-5).", "Model set to sonnet (anthropic/claude-sonnet-4-5)."},
		{"", ""},
	}
	for _, tt := range tests {
		if got := MaskText(tt.in); got != tt.want {
			t.Errorf("MaskText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	clean := "Unknown model \"sonet\". Did you mean sonnet?"
	if n := testing.AllocsPerRun(10, func() { MaskText(clean) }); n != 0 {
		t.Errorf("MaskText of a text without secrets allocates %v times", n)
	}
}
