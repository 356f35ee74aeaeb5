package providers

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestTable(t *testing.T) {
	if diff := cmp.Diff([]string{"anthropic", "openai", "openrouter"}, IDs()); diff != "" {
		t.Errorf("IDs (-want +got):\n%s", diff)
	}
	for _, s := range All() {
		if s.ID != strings.ToLower(strings.TrimSpace(s.ID)) {
			t.Errorf("%q: ids are normalized (trimmed, lower case)", s.ID)
		}
		if len(s.KeyVars) == 0 || !strings.HasSuffix(s.APIKeyVar(), "_API_KEY") {
			t.Errorf("%s: KeyVars %v must end with the API key's variable", s.ID, s.KeyVars)
		}
		for _, u := range []string{s.DefaultURL, s.TokenURL} {
			if pu, err := url.Parse(u); u != "" && (err != nil || pu.Scheme != "https" || pu.Host == "") {
				t.Errorf("%s: %q is not an https URL", s.ID, u)
			}
		}
		if s.DefaultURL == "" {
			t.Errorf("%s: no default URL", s.ID)
		}
	}
	if !slices.IsSorted(IDs()) {
		t.Errorf("IDs %v not sorted", IDs())
	}
}

func TestLookup(t *testing.T) {
	tests := []struct {
		id                            string
		known                         bool
		baseVar, tokenVar, defaultURL string
	}{
		{"anthropic", true, "ANTHROPIC_BASE_URL", "BOT_OAUTH_TOKEN_URL_ANTHROPIC", "https://api.anthropic.com"},
		{"openrouter", true, "OPENROUTER_BASE_URL", "BOT_OAUTH_TOKEN_URL_OPENROUTER", "https://openrouter.ai/api/v1"},
		{"google-gemini", false, "GOOGLE_GEMINI_BASE_URL", "BOT_OAUTH_TOKEN_URL_GOOGLE_GEMINI", ""},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			_, ok := Lookup(tt.id)
			got := []any{ok, BaseURLVar(tt.id), TokenURLVar(tt.id), DefaultURL(tt.id)}
			want := []any{tt.known, tt.baseVar, tt.tokenVar, tt.defaultURL}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	// The table cannot be changed through what it hands out.
	s, _ := Lookup("anthropic")
	s.KeyVars[0] = "X"
	if KeyVars("anthropic")[0] == "X" {
		t.Error("Lookup shares the table's KeyVars")
	}
}

func TestEndpointVars(t *testing.T) {
	want := []string{"ANTHROPIC_BASE_URL", "BOT_OAUTH_TOKEN_URL_ANTHROPIC", "OPENAI_BASE_URL", "OPENROUTER_BASE_URL"}
	if diff := cmp.Diff(want, EndpointVars()); diff != "" {
		t.Errorf("EndpointVars (-want +got):\n%s", diff)
	}
	want = []string{"ANTHROPIC_OAUTH_TOKEN", "ANTHROPIC_API_KEY", "OPENAI_API_KEY", "OPENROUTER_API_KEY"}
	if diff := cmp.Diff(want, CredentialVars()); diff != "" {
		t.Errorf("CredentialVars (-want +got):\n%s", diff)
	}
}
