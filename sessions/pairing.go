package sessions

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// PairingTTL is how long a pairing code stays valid, and so how often a
// stranger can get a reply at most (DESIGN §5.1: once per hour).
const PairingTTL = time.Hour

// codeAlphabet is what pairing codes are made of: capitals and digits
// without the ones read alike (0/O, 1/I).
const codeAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// codeLen is the length of a pairing code.
const codeLen = 6

// ErrNoPairing is returned by TakePairing for a code that is unknown or
// expired.
var ErrNoPairing = errors.New("no pending pairing request with that code")

// Pairing is a pending pairing request.
type Pairing struct {
	Channel string
	UserID  string
	// DisplayName is the name the platform gave with the stranger's DM,
	// as sent (platform text: sanitize before printing it); "" if none.
	DisplayName string
	Code        string
	CreatedAt   time.Time
}

// maxDisplayName bounds the display name kept with a request, in bytes.
const maxDisplayName = 128

// Expires returns when the request's code stops being valid.
func (p Pairing) Expires() time.Time { return p.CreatedAt.Add(PairingTTL) }

// RequestPairing records that userID, a stranger called displayName on the
// platform, wrote to the bot on channel. When the user has no unexpired
// request, it makes one with a new code and returns it with reply set: the
// caller answers with the code. Within PairingTTL of that it returns reply
// false: one reply per hour at most, whatever the stranger sends, and also
// after the owner denied the request (DenyPairing).
func (s *Store) RequestPairing(ctx context.Context, channel, userID, displayName string) (code string, reply bool, err error) {
	displayName = truncateUTF8(strings.TrimSpace(displayName), maxDisplayName)
	if err := checkName("channel", channel, maxChannelLen); err != nil {
		return "", false, fmt.Errorf("sessions: pairing request: %w", err)
	}
	if err := checkName("user id", userID, maxNameLen); err != nil {
		return "", false, fmt.Errorf("sessions: pairing request: %w", err)
	}
	err = s.write(ctx, nil, func(t tx) (func(), error) {
		now := s.now()
		var created int64
		err := t.QueryRowContext(ctx, `SELECT code, created_at FROM pairing_requests WHERE channel = ? AND user_id = ?`, channel, userID).Scan(&code, &created)
		switch {
		case err == nil && now.Before(fromMS(created).Add(PairingTTL)):
			return nil, nil // asked within the hour: no second reply
		case err != nil && !errors.Is(err, sql.ErrNoRows):
			return nil, err
		}
		if _, err := t.ExecContext(ctx, `DELETE FROM pairing_requests WHERE created_at <= ?`, toMS(now.Add(-PairingTTL))); err != nil {
			return nil, err
		}
		for range 8 { // a code already pending on the channel: draw again
			code = newCode()
			var taken int
			if err := t.QueryRowContext(ctx, `SELECT count(*) FROM pairing_requests WHERE channel = ? AND code = ?`, channel, code).Scan(&taken); err != nil {
				return nil, err
			}
			if taken > 0 {
				continue
			}
			if _, err := t.ExecContext(ctx, `INSERT INTO pairing_requests (channel, user_id, code, created_at, display_name) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (channel, user_id) DO UPDATE SET code = excluded.code, created_at = excluded.created_at,
					display_name = excluded.display_name, denied = 0`,
				channel, userID, code, toMS(now), displayName); err != nil {
				return nil, err
			}
			reply = true
			return nil, nil
		}
		return nil, errors.New("no free pairing code")
	})
	if err != nil {
		return "", false, fmt.Errorf("sessions: pairing request of %s on %s: %w", userID, channel, err)
	}
	return code, reply, nil
}

// Pairings returns the unexpired pairing requests not denied, oldest
// first.
func (s *Store) Pairings(ctx context.Context) ([]Pairing, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT channel, user_id, display_name, code, created_at FROM pairing_requests
		WHERE created_at > ? AND denied = 0 ORDER BY created_at, channel, user_id`,
		toMS(s.now().Add(-PairingTTL)))
	if err != nil {
		return nil, fmt.Errorf("sessions: pairing requests: %w", err)
	}
	defer rows.Close()
	var out []Pairing
	for rows.Next() {
		var p Pairing
		var created int64
		if err := rows.Scan(&p.Channel, &p.UserID, &p.DisplayName, &p.Code, &created); err != nil {
			return nil, fmt.Errorf("sessions: pairing requests: %w", err)
		}
		p.CreatedAt = fromMS(created)
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sessions: pairing requests: %w", err)
	}
	return out, nil
}

// TakePairing removes the unexpired request with code on channel (codes
// are compared ignoring case) and returns it; ErrNoPairing when there is
// none (unknown, expired, denied or already taken: a code is used once).
func (s *Store) TakePairing(ctx context.Context, channel, code string) (Pairing, error) {
	return s.endPairing(ctx, channel, code, false)
}

// DenyPairing refuses the unexpired request with code on channel and
// returns it; ErrNoPairing when there is none. The request is kept, marked
// denied, until its PairingTTL is up: its code can no longer be approved,
// and the stranger gets no new one before then.
func (s *Store) DenyPairing(ctx context.Context, channel, code string) (Pairing, error) {
	return s.endPairing(ctx, channel, code, true)
}

// endPairing is TakePairing (deny false) and DenyPairing.
func (s *Store) endPairing(ctx context.Context, channel, code string, deny bool) (Pairing, error) {
	p := Pairing{Channel: channel, Code: strings.ToUpper(strings.TrimSpace(code))}
	err := s.write(ctx, nil, func(t tx) (func(), error) {
		var created int64
		err := t.QueryRowContext(ctx, `SELECT user_id, display_name, created_at FROM pairing_requests
			WHERE channel = ? AND code = ? AND created_at > ? AND denied = 0`,
			channel, p.Code, toMS(s.now().Add(-PairingTTL))).Scan(&p.UserID, &p.DisplayName, &created)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNoPairing
		}
		if err != nil {
			return nil, err
		}
		p.CreatedAt = fromMS(created)
		if deny {
			_, err = t.ExecContext(ctx, `UPDATE pairing_requests SET denied = 1 WHERE channel = ? AND code = ?`, channel, p.Code)
		} else {
			_, err = t.ExecContext(ctx, `DELETE FROM pairing_requests WHERE channel = ? AND code = ?`, channel, p.Code)
		}
		return nil, err
	})
	if err != nil {
		if errors.Is(err, ErrNoPairing) {
			return Pairing{}, err
		}
		return Pairing{}, fmt.Errorf("sessions: end pairing %s on %s: %w", p.Code, channel, err)
	}
	return p, nil
}

// newCode draws a pairing code.
func newCode() string {
	var b [codeLen]byte
	rand.Read(b[:])
	for i := range b {
		b[i] = codeAlphabet[int(b[i])%len(codeAlphabet)]
	}
	return string(b[:])
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
