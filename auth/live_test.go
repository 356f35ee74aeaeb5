package auth

import (
	"context"
	"testing"

	"github.com/botgateway/bot/internal/testenv"
)

func TestLiveReloadsOnChange(t *testing.T) {
	dir := t.TempDir()
	env := testenv.New(t)
	l := NewLive(Opener{AgentDir: dir, Claude: ClaudeCode{Home: env.Home}})
	ctx := context.Background()
	o1, err := l.Current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(o1.Store.Profiles) != 0 {
		t.Fatalf("fresh store has %d profiles", len(o1.Store.Profiles))
	}
	if o2, _ := l.Current(ctx); o2 != o1 {
		t.Error("unchanged files reloaded")
	}
	if _, err := UpdateStore(ctx, StorePath(dir), func(s *Store) (bool, error) {
		s.Set("anthropic:work", &Credential{Provider: "anthropic", Type: KindAPIKey, Key: NewSecret("k")})
		return true, nil
	}); err != nil {
		t.Fatal(err)
	}
	o3, err := l.Current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := o3.Store.Profiles["anthropic:work"]; !ok {
		t.Error("store change not picked up")
	}
	// Claude Code's file appearing triggers a sync.
	env.ClaudeCode(`{"claudeAiOauth":{"accessToken":"sk-ant-oat01-x","refreshToken":"r","expiresAt":4102444800000}}`)
	o4, err := l.Current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := o4.Store.Profiles[ClaudeCLIProfile]; !ok {
		t.Error("Claude Code file not synced after it appeared")
	}
	// The sync wrote the store, so the next call loads it once more; then
	// nothing changes and nothing is loaded.
	o5, err := l.Current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if o6, _ := l.Current(ctx); o6 != o5 {
		t.Error("the store is loaded again and again after a sync")
	}
}
