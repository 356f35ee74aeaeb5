package sessions

import (
	"context"
	"fmt"
)

// maxChannelLen bounds a channel name in the ledger.
const maxChannelLen = 64

// Ledger returns where channel's updates are to be read from: next, the
// first update id not yet confirmed to the platform (0 when none was ever
// recorded), and the ids at or above next that were handled already, in
// order. A channel that polls its platform (Telegram's getUpdates) starts
// from next and skips the handled ids when the platform delivers them
// again after a crash.
func (s *Store) Ledger(ctx context.Context, channel string) (next int64, handled []int64, err error) {
	if err := checkName("channel", channel, maxChannelLen); err != nil {
		return 0, nil, fmt.Errorf("sessions: ledger: %w", err)
	}
	if err := s.rdb.QueryRowContext(ctx, `SELECT coalesce((SELECT next FROM channel_cursor WHERE channel = ?), 0)`, channel).Scan(&next); err != nil {
		return 0, nil, fmt.Errorf("sessions: ledger of %s: %w", channel, err)
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT update_id FROM channel_handled WHERE channel = ? AND update_id >= ? ORDER BY update_id`, channel, next)
	if err != nil {
		return 0, nil, fmt.Errorf("sessions: ledger of %s: %w", channel, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return 0, nil, fmt.Errorf("sessions: ledger of %s: %w", channel, err)
		}
		handled = append(handled, id)
	}
	if err := rows.Err(); err != nil {
		return 0, nil, fmt.Errorf("sessions: ledger of %s: %w", channel, err)
	}
	return next, handled, nil
}

// MarkHandled records, in one transaction, that update id of channel was
// handled and that every update before next is confirmed: handled ids
// below next are forgotten, and next never moves back. A caller marks an
// update once its message has been answered and its exchange stored.
func (s *Store) MarkHandled(ctx context.Context, channel string, id, next int64) error {
	if err := checkName("channel", channel, maxChannelLen); err != nil {
		return fmt.Errorf("sessions: mark update handled: %w", err)
	}
	err := s.write(ctx, nil, func(t tx) (func(), error) {
		if _, err := t.ExecContext(ctx, `INSERT INTO channel_cursor (channel, next) VALUES (?, ?)
			ON CONFLICT (channel) DO UPDATE SET next = max(next, excluded.next)`, channel, next); err != nil {
			return nil, err
		}
		if id >= next {
			if _, err := t.ExecContext(ctx, `INSERT OR IGNORE INTO channel_handled (channel, update_id) VALUES (?, ?)`, channel, id); err != nil {
				return nil, err
			}
		}
		_, err := t.ExecContext(ctx, `DELETE FROM channel_handled WHERE channel = ? AND update_id < (SELECT next FROM channel_cursor WHERE channel = ?)`, channel, channel)
		return nil, err
	})
	if err != nil {
		return fmt.Errorf("sessions: mark update %d of %s handled: %w", id, channel, err)
	}
	return nil
}
