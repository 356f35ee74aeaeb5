package auth

import (
	"context"
	"os"
	"sync"
	"time"
)

// Live keeps one agent's store current for a long-running process (the
// gateway, bot chat): Current returns the loaded store and reloads it, with
// the Claude Code sync, only when auth-profiles.json or Claude Code's file
// has changed on disk since the last load. The check is two stat calls.
//
// Live is safe for concurrent use. The returned *Opened must be treated as
// read-only: a later reload replaces it rather than changing it.
type Live struct {
	opener Opener

	mu     sync.Mutex
	cur    *Opened
	stamps [2]stamp // the store file, Claude Code's file
}

// stamp identifies a version of a file cheaply.
type stamp struct {
	exists bool
	mod    time.Time
	size   int64
}

func statStamp(path string) stamp {
	fi, err := os.Stat(path)
	if err != nil {
		return stamp{}
	}
	return stamp{exists: true, mod: fi.ModTime(), size: fi.Size()}
}

// NewLive returns a Live over o. Nothing is read until Current.
func NewLive(o Opener) *Live { return &Live{opener: o} }

// Current returns the store, reloading it when a file changed. A reload
// error is returned (the previous store is kept for the next call).
func (l *Live) Current(ctx context.Context) (*Opened, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := [2]stamp{statStamp(StorePath(l.opener.AgentDir)), statStamp(l.opener.Claude.Path())}
	if l.cur != nil && now == l.stamps {
		return l.cur, nil
	}
	o, err := l.opener.Open(ctx)
	if err != nil {
		return nil, err
	}
	// Keep the stamps taken before the load: a file written while it ran
	// then differs at the next call and is read again. (Stamping after the
	// load would miss such a write for good; the cost of this way is one
	// more load after a Claude Code sync has written the store.)
	l.cur = o
	l.stamps = now
	return o, nil
}

// Path returns the store file's path.
func (l *Live) Path() string { return StorePath(l.opener.AgentDir) }
