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
			var id int64
			sess, err := scanSession(t.QueryRowContext(ctx, qTouchSession, agent, string(key), now), agent, key, &id)
			if err != nil {
				return nil, err
			}
			for _, turn := range turns {
				if _, err := t.ExecContext(ctx, qInsertTurn, id, turn.Role, turn.Text, now); err != nil {
					return nil, err
				}
			}
			if _, err := t.ExecContext(ctx, qTrim, id, s.maxTurns); err != nil {
				return nil, err
			}
			return func() { s.putSession(k, centry{sess, true}) }, nil
		})
	}
	if err != nil {
		return fmt.Errorf("sessions: append turn: %w", err)
	}
	return nil
}

// History returns the newest limit turns of the session, oldest first; all
// of them when limit <= 0. A missing session has no history.
func (s *Store) History(ctx context.Context, agent string, key Key, limit int) ([]Turn, error) {
	if err := checkAgentKey(agent, key); err != nil {
		return nil, fmt.Errorf("sessions: history: %w", err)
	}
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := s.read(ctx, qHistory, agent, string(key), limit)
	if err != nil {
		return nil, fmt.Errorf("sessions: history: %w", err)
	}
	defer rows.Close()
	var out []Turn
	for rows.Next() {
		var t Turn
		var at int64
		if err := rows.Scan(&t.Role, &t.Text, &at); err != nil {
			return nil, fmt.Errorf("sessions: history: %w", err)
		}
		t.At = fromMS(at)
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sessions: history: %w", err)
	}
	slices.Reverse(out)
	return out, nil
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
		err = s.write(ctx, nil, func(t tx) (func(), error) {
			var id int64
			err := t.QueryRowContext(ctx, qSessionID, agent, string(key)).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) {
				return nil, nil
			}
			if err != nil {
				return nil, err
			}
			_, err = t.ExecContext(ctx, qTrim, id, keep)
			return nil, err
		})
	}
	if err != nil {
		return fmt.Errorf("sessions: trim history: %w", err)
	}
	return nil
}
