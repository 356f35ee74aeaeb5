package auth

import (
	"context"
	"fmt"
	"time"
)

// Opener loads an agent's credential store the way every command needs it:
// read the file, then sync Claude Code's credentials into the
// anthropic:claude-cli profile when that profile is missing, not OAuth, or
// within 10 minutes of expiry (DESIGN §3).
type Opener struct {
	AgentDir string
	Claude   ClaudeCode
	Now      func() time.Time
}

// Opened is the result of Open.
type Opened struct {
	Path   string
	Store  *Store
	Exists bool // the store file existed (or was created by the sync)
	// Synced reports that Claude Code's credentials were written into the
	// store.
	Synced bool
	// ClaudeErr is a problem reading Claude Code's credentials: the store
	// is still usable, so it is reported rather than returned.
	ClaudeErr error
}

// Open loads the store and syncs Claude Code's credentials into it. A
// store that can not be read is an error (a *StoreError naming the file);
// nothing is written then.
func (o Opener) Open(ctx context.Context) (*Opened, error) {
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	path := StorePath(o.AgentDir)
	s, exists, err := LoadStore(path)
	if err != nil {
		return nil, err
	}
	res := &Opened{Path: path, Store: s, Exists: exists}
	if !NeedsClaudeSync(s, now()) {
		return res, nil
	}
	cred, err := o.Claude.Read(ctx)
	if err != nil {
		res.ClaudeErr = err
		return res, nil
	}
	if cred == nil || !MergeClaudeCode(s.Clone(), cred, now()) {
		return res, nil
	}
	written, err := UpdateStore(ctx, path, func(fresh *Store) (bool, error) {
		return MergeClaudeCode(fresh, cred, now()), nil
	})
	if err != nil {
		return nil, fmt.Errorf("auth: sync Claude Code credentials: %w", err)
	}
	res.Store, res.Exists, res.Synced = written, true, true
	return res, nil
}
