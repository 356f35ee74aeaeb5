package sessions

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const (
	agent = "main"
	key   = Key("telegram:42")
)

// step is one call on the store in a table case.
type step func(ctx context.Context, s *Store) error

func setModel(m string) step {
	return func(ctx context.Context, s *Store) error { return s.SetModel(ctx, agent, key, m) }
}

func setModelAndPin(m, p string, src PinSource) step {
	return func(ctx context.Context, s *Store) error { return s.SetModelAndPin(ctx, agent, key, m, p, src) }
}

func setPin(p string, src PinSource) step {
	return func(ctx context.Context, s *Store) error { return s.SetPin(ctx, agent, key, p, src) }
}

func appendTurns(n int) step {
	return func(ctx context.Context, s *Store) error {
		for i := range n {
			if err := s.AppendTurn(ctx, agent, key, RoleUser, fmt.Sprint("hello ", i)); err != nil {
				return err
			}
		}
		return nil
	}
}

var (
	clearPin        step = func(ctx context.Context, s *Store) error { return s.ClearPin(ctx, agent, key) }
	resetModel      step = func(ctx context.Context, s *Store) error { return s.ResetModel(ctx, agent, key) }
	newConversation step = func(ctx context.Context, s *Store) error { return s.NewConversation(ctx, agent, key) }
	deleteKey       step = func(ctx context.Context, s *Store) error { _, err := s.Delete(ctx, agent, key); return err }
)

// sess is the expected session of the table tests (all written at t0).
func sess(model, profile string, src PinSource) Session {
	return Session{Key: key, Agent: agent, Model: model, Profile: profile, PinSource: src, CreatedAt: t0, UpdatedAt: t0}
}

// TestSetters checks the semantics of every setter, both as served from
// memory and as stored on disk (a fresh Open of the same file).
func TestSetters(t *testing.T) {
	tests := []struct {
		name   string
		steps  []step
		want   Session
		wantOK bool
		turns  int
	}{
		{
			name: "no session",
		},
		{
			name:   "SetModel creates the session",
			steps:  []step{setModel("anthropic/claude-haiku-4-5")},
			want:   sess("anthropic/claude-haiku-4-5", "", ""),
			wantOK: true,
		},
		{
			name:   "SetModel clears a user pin",
			steps:  []step{setModelAndPin("anthropic/a", "anthropic:work", SourceUser), setModel("openai/gpt-5")},
			want:   sess("openai/gpt-5", "", ""),
			wantOK: true,
		},
		{
			name:   "SetModel clears an auto pin",
			steps:  []step{setPin("anthropic:work", SourceAuto), setModel("openai/gpt-5")},
			want:   sess("openai/gpt-5", "", ""),
			wantOK: true,
		},
		{
			name:   "SetModelAndPin sets both",
			steps:  []step{setModelAndPin("anthropic/a", "anthropic:work", SourceUser)},
			want:   sess("anthropic/a", "anthropic:work", SourceUser),
			wantOK: true,
		},
		{
			name:   "SetModelAndPin replaces both",
			steps:  []step{setModelAndPin("anthropic/a", "anthropic:work", SourceUser), setModelAndPin("openai/b", "openai:me", SourceAuto)},
			want:   sess("openai/b", "openai:me", SourceAuto),
			wantOK: true,
		},
		{
			name:   "SetPin keeps the model",
			steps:  []step{setModel("anthropic/a"), setPin("anthropic:work", SourceUser)},
			want:   sess("anthropic/a", "anthropic:work", SourceUser),
			wantOK: true,
		},
		{
			name:   "SetPin on a new session has no model",
			steps:  []step{setPin("anthropic:work", SourceAuto)},
			want:   sess("", "anthropic:work", SourceAuto),
			wantOK: true,
		},
		{
			name:   "SetPin replaces a pin and its source",
			steps:  []step{setModelAndPin("anthropic/a", "anthropic:work", SourceUser), setPin("anthropic:home", SourceAuto)},
			want:   sess("anthropic/a", "anthropic:home", SourceAuto),
			wantOK: true,
		},
		{
			name:   "ClearPin keeps the model",
			steps:  []step{setModelAndPin("anthropic/a", "anthropic:work", SourceUser), clearPin},
			want:   sess("anthropic/a", "", ""),
			wantOK: true,
		},
		{
			name:  "ClearPin of a missing session leaves it missing",
			steps: []step{clearPin},
		},
		{
			name:   "ResetModel clears model and pin, keeps history",
			steps:  []step{setModelAndPin("anthropic/a", "anthropic:work", SourceUser), appendTurns(3), resetModel},
			want:   sess("", "", ""),
			wantOK: true,
			turns:  3,
		},
		{
			name:  "ResetModel of a missing session leaves it missing",
			steps: []step{resetModel},
		},
		{
			name:   "NewConversation keeps a user pin and the model, clears history",
			steps:  []step{setModelAndPin("anthropic/a", "anthropic:work", SourceUser), appendTurns(3), newConversation},
			want:   sess("anthropic/a", "anthropic:work", SourceUser),
			wantOK: true,
		},
		{
			name:   "NewConversation clears an auto pin and history, keeps the model",
			steps:  []step{setModelAndPin("anthropic/a", "anthropic:work", SourceAuto), appendTurns(3), newConversation},
			want:   sess("anthropic/a", "", ""),
			wantOK: true,
		},
		{
			name:  "NewConversation of a missing session leaves it missing",
			steps: []step{newConversation},
		},
		{
			name:  "Delete removes model, pin and history",
			steps: []step{setModelAndPin("anthropic/a", "anthropic:work", SourceUser), appendTurns(3), deleteKey},
		},
		{
			name:   "a session deleted can start again",
			steps:  []step{setModelAndPin("anthropic/a", "anthropic:work", SourceUser), appendTurns(3), deleteKey, setModel("openai/b")},
			want:   sess("openai/b", "", ""),
			wantOK: true,
		},
		{
			name:  "Delete of a missing session is no error",
			steps: []step{deleteKey},
		},
		{
			name:   "AppendTurn creates a session without model or pin",
			steps:  []step{appendTurns(2)},
			want:   sess("", "", ""),
			wantOK: true,
			turns:  2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t, nil, Options{})
			for i, st := range tt.steps {
				if err := st(t.Context(), s); err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
			}
			check := func(t *testing.T, s *Store) {
				t.Helper()
				got, ok := mustGet(t, s, agent, key)
				if ok != tt.wantOK {
					t.Errorf("Get ok = %v, want %v", ok, tt.wantOK)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("Get (-want +got):\n%s", diff)
				}
				h, err := s.History(t.Context(), agent, key, 0)
				if err != nil {
					t.Fatal(err)
				}
				if len(h) != tt.turns {
					t.Errorf("History has %d turns, want %d", len(h), tt.turns)
				}
			}
			t.Run("memory", func(t *testing.T) { check(t, s) })
			t.Run("disk", func(t *testing.T) { check(t, openAt(t, s.Path(), nil, Options{})) })
		})
	}
}

// TestTimestamps checks that CreatedAt stays and UpdatedAt follows writes.
func TestTimestamps(t *testing.T) {
	c := newClock()
	s := newStore(t, c, Options{})
	ctx := t.Context()
	if err := s.SetModel(ctx, agent, key, "anthropic/a"); err != nil {
		t.Fatal(err)
	}
	c.Advance(time.Minute)
	if err := s.SetPin(ctx, agent, key, "anthropic:work", SourceUser); err != nil {
		t.Fatal(err)
	}
	got, _ := mustGet(t, s, agent, key)
	if !got.CreatedAt.Equal(t0) || !got.UpdatedAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("CreatedAt, UpdatedAt = %v, %v; want %v, %v", got.CreatedAt, got.UpdatedAt, t0, t0.Add(time.Minute))
	}
	c.Advance(time.Minute)
	if err := s.AppendTurn(ctx, agent, key, RoleUser, "hi"); err != nil {
		t.Fatal(err)
	}
	got, _ = mustGet(t, s, agent, key)
	if !got.UpdatedAt.Equal(t0.Add(2 * time.Minute)) {
		t.Errorf("after AppendTurn UpdatedAt = %v, want %v", got.UpdatedAt, t0.Add(2*time.Minute))
	}
}

// TestAgentsAreSeparate checks that one key has separate state per agent,
// and that Delete with agent "" removes it for all of them.
func TestAgentsAreSeparate(t *testing.T) {
	s := newStore(t, nil, Options{})
	ctx := t.Context()
	for _, a := range []string{"main", "work"} {
		if err := s.SetModel(ctx, a, key, "anthropic/"+a); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := mustGet(t, s, "work", key); got.Model != "anthropic/work" {
		t.Errorf("work model = %q", got.Model)
	}
	if err := s.SetModel(ctx, "other", "console:local", "anthropic/x"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Delete(ctx, "", key); err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"main", "work"} {
		if _, ok := mustGet(t, s, a, key); ok {
			t.Errorf("%s %s still there after Delete of all agents", a, key)
		}
	}
	if _, ok := mustGet(t, s, "other", "console:local"); !ok {
		t.Error("Delete removed another key")
	}
}

// TestList checks the order and the agent filter.
func TestList(t *testing.T) {
	c := newClock()
	s := newStore(t, c, Options{})
	ctx := t.Context()
	write := func(a string, k Key) {
		t.Helper()
		if err := s.SetModel(ctx, a, k, "anthropic/x"); err != nil {
			t.Fatal(err)
		}
	}
	write("main", "telegram:2")
	write("main", "telegram:1") // same time as telegram:2: ordered by key
	c.Advance(time.Second)
	write("work", "discord:dm:9")
	c.Advance(time.Second)
	write("main", "console:local")

	keys := func(ss []Session) []string {
		var out []string
		for _, x := range ss {
			out = append(out, x.Agent+" "+string(x.Key))
		}
		return out
	}
	tests := []struct {
		agent string
		want  []string
	}{
		{"", []string{"main console:local", "work discord:dm:9", "main telegram:1", "main telegram:2"}},
		{"main", []string{"main console:local", "main telegram:1", "main telegram:2"}},
		{"nobody", nil},
	}
	for _, tt := range tests {
		t.Run("agent="+tt.agent, func(t *testing.T) {
			got, err := s.List(ctx, tt.agent)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, keys(got)); diff != "" {
				t.Errorf("List (-want +got):\n%s", diff)
			}
		})
	}
}

// TestInvalidArguments checks validation of keys, agents, pins and models.
func TestInvalidArguments(t *testing.T) {
	s := newStore(t, nil, Options{})
	ctx := t.Context()
	long := Key("telegram:" + strings.Repeat("1", MaxKeyLen))
	tests := []struct {
		name string
		call func() error
	}{
		{"empty key", func() error { return s.SetModel(ctx, agent, "", "a/b") }},
		{"long key", func() error { return s.SetModel(ctx, agent, long, "a/b") }},
		{"newline in key", func() error { return s.SetModel(ctx, agent, "telegram:1\n", "a/b") }},
		{"NUL in key", func() error { return s.SetPin(ctx, agent, "telegram:\x00", "p:x", SourceUser) }},
		{"invalid UTF-8 key", func() error { return s.AppendTurn(ctx, agent, "telegram:\xff", RoleUser, "x") }},
		{"empty agent", func() error { return s.SetModel(ctx, "", key, "a/b") }},
		{"empty model", func() error { return s.SetModel(ctx, agent, key, "") }},
		{"empty profile", func() error { return s.SetPin(ctx, agent, key, "", SourceUser) }},
		{"bad source", func() error { return s.SetPin(ctx, agent, key, "p:x", "manual") }},
		{"empty source", func() error { return s.SetModelAndPin(ctx, agent, key, "a/b", "p:x", "") }},
		{"empty role", func() error { return s.AppendTurn(ctx, agent, key, "", "x") }},
		{"negative trim", func() error { return s.TrimHistory(ctx, agent, key, -1) }},
		{"Get empty key", func() error { _, _, err := s.Get(ctx, agent, ""); return err }},
		{"Delete bad key", func() error { _, err := s.Delete(ctx, "", "a\tb"); return err }},
		{"bad reason", func() error { return s.RecordFailure(ctx, "p:x", "Rate Limit", t0) }},
		{"empty provider", func() error { return s.RecordSuccess(ctx, "", "p:x") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			if !strings.HasPrefix(err.Error(), "sessions: ") {
				t.Errorf("err = %q, want the sessions: prefix", err)
			}
		})
	}
	if list, err := s.List(ctx, ""); err != nil || len(list) != 0 {
		t.Errorf("List after refused writes = %v, %v; want nothing", list, err)
	}
	if err := Key("discord:" + strings.Repeat("1", MaxKeyLen-len("discord:"))).Validate(); err != nil {
		t.Errorf("a key of exactly MaxKeyLen bytes: %v", err)
	}
}

// TestFailedWriteLeavesMemory checks that a write that does not commit
// changes neither memory nor disk.
func TestFailedWriteLeavesMemory(t *testing.T) {
	s := newStore(t, nil, Options{})
	if err := s.SetModelAndPin(t.Context(), agent, key, "anthropic/a", "anthropic:work", SourceUser); err != nil {
		t.Fatal(err)
	}
	want, _ := mustGet(t, s, agent, key)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := s.SetModel(ctx, agent, key, "openai/b"); err == nil {
		t.Fatal("SetModel with a canceled context succeeded")
	}
	if err := s.NewConversation(ctx, agent, key); err == nil {
		t.Fatal("NewConversation with a canceled context succeeded")
	}
	got, _ := mustGet(t, s, agent, key)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after failed writes (-want +got):\n%s", diff)
	}
}

// TestConcurrentSessions has 1000 goroutines each pin and read its own
// session; run it with -race.
func TestConcurrentSessions(t *testing.T) {
	s := newStore(t, nil, Options{})
	const n = 1000
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			k := Key(fmt.Sprintf("telegram:%d", i))
			profile := fmt.Sprintf("anthropic:p%d", i)
			if _, ok, err := s.Get(t.Context(), agent, k); err != nil || ok {
				errs <- fmt.Errorf("%s: Get before = %v, %v", k, ok, err)
				return
			}
			if err := s.SetModelAndPin(t.Context(), agent, k, "anthropic/a", profile, SourceUser); err != nil {
				errs <- err
				return
			}
			got, ok, err := s.Get(t.Context(), agent, k)
			if err != nil || !ok || got.Profile != profile {
				errs <- fmt.Errorf("%s: Get after = %+v, %v, %v", k, got, ok, err)
			}
			_ = s.ProfileUsage(profile)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	list, err := s.List(t.Context(), agent)
	if err != nil || len(list) != n {
		t.Errorf("List = %d sessions, %v; want %d", len(list), err, n)
	}
}

// TestCacheBound checks that a small cache still answers correctly.
func TestCacheBound(t *testing.T) {
	s := newStore(t, nil, Options{CacheSize: 16})
	ctx := t.Context()
	for i := range 100 {
		if err := s.SetModel(ctx, agent, Key(fmt.Sprint("console:", i)), fmt.Sprint("anthropic/m", i)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 100 {
		got, ok := mustGet(t, s, agent, Key(fmt.Sprint("console:", i)))
		if !ok || got.Model != fmt.Sprint("anthropic/m", i) {
			t.Errorf("console:%d = %+v, %v", i, got, ok)
		}
	}
	s.mu.RLock()
	n := len(s.sessions)
	s.mu.RUnlock()
	if n > 16 {
		t.Errorf("cache holds %d entries, want at most 16", n)
	}
}

// TestSameKeyConcurrent races writers and readers of one key, with a
// cache small enough to evict, and checks that memory ends equal to disk.
func TestSameKeyConcurrent(t *testing.T) {
	s := newStore(t, nil, Options{CacheSize: 4})
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			var err error
			switch i % 3 {
			case 0:
				err = s.SetModel(t.Context(), agent, key, fmt.Sprint("anthropic/m", i))
			case 1:
				err = s.SetPin(t.Context(), agent, key, fmt.Sprint("anthropic:p", i), SourceAuto)
			default:
				_, _, err = s.Get(t.Context(), agent, Key(fmt.Sprint("console:", i))) // evicts
				if err == nil {
					_, _, err = s.Get(t.Context(), agent, key)
				}
			}
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	mem, _ := mustGet(t, s, agent, key)
	disk, _, err := s.load(t.Context(), agent, key)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(disk, mem); diff != "" {
		t.Errorf("memory differs from disk (-disk +memory):\n%s", diff)
	}
}
