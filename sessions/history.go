package sessions

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Roles of a turn. The store accepts any short role; these are the ones
// the router writes.
const (
	RoleUser      = "user"
	RoleAssistant = "assistant"
)

// Turn is one message of a session's history.
type Turn struct {
	Role string
	Text string
	At   time.Time
}

// AppendTurn adds a turn at the end of the session's history, creating the
// session if needed and touching its UpdatedAt. In the same transaction it
// deletes the turns beyond the newest Options.MaxTurns, so a session's
// history never grows without bound.
func (s *Store) AppendTurn(ctx context.Context, agent string, key Key, role, text string) error {
	return s.AppendTurns(ctx, agent, key, Turn{Role: role, Text: text})
}

// AppendTurns appends several turns to the session's history in one
// transaction (a user message and the reply: one durable write, not two),
// creating the session when needed and trimming the history to the bound.
// Each turn's At is the time of the write; the At passed in is ignored.
func (s *Store) AppendTurns(ctx context.Context, agent string, key Key, turns ...Turn) error {
	err := checkAgentKey(agent, key)
	for _, t := range turns {
		if err == nil {
			err = checkName("role", t.Role, 32)
		}
	}
	if err == nil && len(turns) > 0 {
		k := skey{agent, key}
		err = s.write(ctx, &k, func(t tx) (func(), error) {
			now := toMS(s.now())
			var id, prev, last int64
			sess, err := scanSession(t.QueryRowContext(ctx, qTouchSession, agent, string(key), now), agent, key, &id, &prev)
			if err != nil {
				return nil, err
			}
			for _, turn := range turns {
				res, err := t.ExecContext(ctx, qInsertTurn, id, turn.Role, turn.Text, now)
				if err != nil {
					return nil, err
				}
				if last, err = res.LastInsertId(); err != nil {
					return nil, err
				}
			}
			if _, err := t.ExecContext(ctx, qTrim, id, s.maxTurns); err != nil {
				return nil, err
			}
			return func() {
				s.mu.Lock()
				defer s.mu.Unlock()
				s.putLocked(k, centry{sess, true})
				s.appendHistoryLocked(k, prev, last, turns, fromMS(now))
			}, nil
		})
	}
	if err != nil {
		return fmt.Errorf("sessions: append turn: %w", err)
	}
	return nil
}

// History returns the newest limit turns of the session, oldest first; all
// of them when limit <= 0. A missing session has no history. The slice is
// the caller's to keep and change.
//
// It is served from memory once the key has been read (the history cache,
// Options.HistoryCache), except for a limit larger than the cache holds,
// which reads the disk. Like Get, it runs the periodic check for other
// processes' writes.
func (s *Store) History(ctx context.Context, agent string, key Key, limit int) ([]Turn, error) {
	if err := checkAgentKey(agent, key); err != nil {
		return nil, fmt.Errorf("sessions: history: %w", err)
	}
	s.maybeRecheck(ctx)
	k := skey{agent, key}
	var out []Turn
	var err error
	switch {
	case s.hcap == 0 || limit > s.hcap:
		out, _, err = s.readHistory(ctx, k, limit)
	default:
		var ok bool
		if out, ok = s.cachedHistory(k, limit); !ok {
			out, err = s.fillHistory(ctx, k, limit)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("sessions: history: %w", err)
	}
	return out, nil
}

// readHistory reads the newest limit turns of k from disk (all of them
// when limit <= 0), oldest first, and the row id of the newest, 0 when
// there is none.
func (s *Store) readHistory(ctx context.Context, k skey, limit int) ([]Turn, int64, error) {
	s.diskReads.Add(1)
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := s.read(ctx, qHistory, k.agent, string(k.key), limit)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Turn
	var last int64
	for rows.Next() {
		var t Turn
		var id, at int64
		if err := rows.Scan(&id, &t.Role, &t.Text, &at); err != nil {
			return nil, 0, err
		}
		if out == nil {
			last = id
		}
		t.At = fromMS(at)
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	slices.Reverse(out)
	return out, last, nil
}

// TrimHistory deletes all but the newest keep turns of the session (all of
// them when keep is 0), for a caller that wants a tighter bound than
// Options.MaxTurns. It does not touch UpdatedAt.
func (s *Store) TrimHistory(ctx context.Context, agent string, key Key, keep int) error {
	err := checkAgentKey(agent, key)
	if err == nil && keep < 0 {
		err = fmt.Errorf("negative number of turns to keep (%d): %w", keep, ErrInvalid)
	}
	if err == nil {
		k := skey{agent, key}
		err = s.write(ctx, &k, func(t tx) (func(), error) {
			var id int64
			err := t.QueryRowContext(ctx, qSessionID, agent, string(key)).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) {
				return s.lockedAfter(func() { s.clearHistoryLocked(k) }), nil
			}
			if err != nil {
				return nil, err
			}
			if _, err = t.ExecContext(ctx, qTrim, id, keep); err != nil {
				return nil, err
			}
			return s.lockedAfter(func() { s.trimHistoryLocked(k, keep) }), nil
		})
	}
	if err != nil {
		return fmt.Errorf("sessions: trim history: %w", err)
	}
	return nil
}
