package sessions

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
)

// Key names a chat session: "console:local", "telegram:42",
// "telegram:42:topic:7", "discord:dm:123", "discord:456:thread:789"
// (DESIGN §3). The store checks only that a key is well-formed (Validate);
// the gateway decides which keys exist.
type Key string

// MaxKeyLen is the longest session key, in bytes.
const MaxKeyLen = 256

// maxNameLen bounds agent ids, models, profile ids and roles.
const maxNameLen = 256

// Validate reports whether k is a usable key: non-empty, at most MaxKeyLen
// bytes of valid UTF-8, without control characters.
func (k Key) Validate() error {
	return checkName("session key", string(k), MaxKeyLen)
}

// PinSource says who pinned a session's auth profile.
type PinSource string

const (
	// SourceUser is a pin set with "/model …@profile" or "/model @profile":
	// the router uses it as is, even in cooldown, and /new keeps it.
	SourceUser PinSource = "user"
	// SourceAuto is a pin the router set for stickiness: /new clears it.
	SourceAuto PinSource = "auto"
)

// Session is the model and profile state of one session key for one agent.
type Session struct {
	Key   Key
	Agent string
	// Model is the session's model override, "provider/model", or "" for
	// the configured default.
	Model string
	// Profile is the pinned auth profile id, or "" for none.
	Profile string
	// PinSource is set exactly when Profile is.
	PinSource PinSource
	// CreatedAt is when the session was first written; UpdatedAt when it
	// was last changed or had a turn appended.
	CreatedAt, UpdatedAt time.Time
}

// skey is the cache key of a session.
type skey struct {
	agent string
	key   Key
}

// centry is a cached session; ok is false for a key known to be absent.
type centry struct {
	s  Session
	ok bool
}

// Get returns the session key of agent, and whether it exists. It is served
// from memory after the first lookup of a key (a map lookup, whatever the
// number of sessions); a miss reads one row. Get also runs the periodic
// check for other processes' writes (Options.Recheck).
func (s *Store) Get(ctx context.Context, agent string, key Key) (Session, bool, error) {
	if err := checkAgentKey(agent, key); err != nil {
		return Session{}, false, fmt.Errorf("sessions: get: %w", err)
	}
	s.maybeRecheck(ctx)
	k := skey{agent, key}
	s.mu.RLock()
	e, hit := s.sessions[k]
	epoch := s.epoch
	s.mu.RUnlock()
	if hit {
		return e.s, e.ok, nil
	}
	sess, ok, err := s.load(ctx, agent, key)
	if err != nil {
		return Session{}, false, fmt.Errorf("sessions: get %s %q: %w", agent, key, err)
	}
	s.mu.Lock()
	// A write that committed meanwhile has put a newer entry, and a drop
	// (eviction, another process's write) has bumped the epoch: in both
	// cases what was read may be stale, so it is returned but not cached.
	if _, hit := s.sessions[k]; !hit && s.epoch == epoch {
		s.putLocked(k, centry{sess, ok})
	}
	s.mu.Unlock()
	return sess, ok, nil
}

// load reads one session from disk.
func (s *Store) load(ctx context.Context, agent string, key Key) (Session, bool, error) {
	sess, err := scanSession(s.readRow(ctx, qLoadSession, agent, string(key)), agent, key)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, false, nil
	}
	if err != nil {
		return Session{}, false, err
	}
	return sess, true, nil
}

// scanSession reads the leading columns into lead, then the sessionRow
// columns.
func scanSession(row *sql.Row, agent string, key Key, lead ...any) (Session, error) {
	sess := Session{Key: key, Agent: agent}
	var created, updated int64
	var src string
	dest := append(lead, &sess.Model, &sess.Profile, &src, &created, &updated)
	if err := row.Scan(dest...); err != nil {
		return Session{}, err
	}
	sess.PinSource = PinSource(src)
	sess.CreatedAt, sess.UpdatedAt = fromMS(created), fromMS(updated)
	return sess, nil
}

// putLocked caches e under k; the caller holds mu. A full cache first
// loses about an eighth of its entries (Go's map order picks them).
func (s *Store) putLocked(k skey, e centry) {
	if _, exists := s.sessions[k]; !exists && len(s.sessions) >= s.cacheSize {
		n := s.cacheSize/8 + 1
		for old := range s.sessions {
			delete(s.sessions, old)
			if n--; n == 0 {
				break
			}
		}
		s.epoch++
	}
	s.sessions[k] = e
}

// lockedAfter wraps a cache update that needs mu into the after function
// of a write.
func (s *Store) lockedAfter(f func()) func() {
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		f()
	}
}

// putSession caches the committed state of k.
func (s *Store) putSession(k skey, e centry) {
	s.mu.Lock()
	s.putLocked(k, e)
	s.mu.Unlock()
}

// dropSession forgets k's session and history, so that the next Get and
// History read them from disk. An empty k.agent stands for every agent.
func (s *Store) dropSession(k skey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.epoch++
	if k.agent != "" {
		delete(s.sessions, k)
		s.dropHistoryLocked(k)
		return
	}
	for c := range s.sessions {
		if c.key == k.key {
			delete(s.sessions, c)
		}
	}
	for c := range s.hist {
		if c.key == k.key {
			s.dropHistoryLocked(c)
		}
	}
	for c := range s.fills {
		if c.key == k.key {
			s.dropHistoryLocked(c)
		}
	}
}

// SetModel sets the session's model override ("provider/model") and clears
// its profile pin, whatever its source (DESIGN §5: "/model <ref>" clears a
// profile pin). The session is created if needed.
func (s *Store) SetModel(ctx context.Context, agent string, key Key, model string) error {
	if err := s.setModelAndPin(ctx, agent, key, model, "", ""); err != nil {
		return fmt.Errorf("sessions: set model: %w", err)
	}
	return nil
}

// SetModelAndPin sets the model override and pins profile with source src
// in one transaction ("/model alias@profile").
func (s *Store) SetModelAndPin(ctx context.Context, agent string, key Key, model, profile string, src PinSource) error {
	if err := checkPin(profile, src); err != nil {
		return fmt.Errorf("sessions: set model and pin: %w", err)
	}
	if err := s.setModelAndPin(ctx, agent, key, model, profile, src); err != nil {
		return fmt.Errorf("sessions: set model and pin: %w", err)
	}
	return nil
}

func (s *Store) setModelAndPin(ctx context.Context, agent string, key Key, model, profile string, src PinSource) error {
	if err := checkAgentKey(agent, key); err != nil {
		return err
	}
	if err := checkName("model", model, maxNameLen); err != nil {
		return err
	}
	return s.upsert(ctx, agent, key, qSetModelAndPin, model, profile, string(src))
}

// SetPin pins profile with source src and keeps the model override
// ("/model @profile", or the router's automatic pin). The session is
// created if needed.
func (s *Store) SetPin(ctx context.Context, agent string, key Key, profile string, src PinSource) error {
	err := checkAgentKey(agent, key)
	if err == nil {
		err = checkPin(profile, src)
	}
	if err == nil {
		err = s.upsert(ctx, agent, key, qSetPin, profile, string(src))
	}
	if err != nil {
		return fmt.Errorf("sessions: set pin: %w", err)
	}
	return nil
}

// ClearPin removes the session's profile pin, whatever its source, and
// keeps the model override (for the router, when the pinned profile has
// vanished or belongs to another provider). A missing session is left
// missing.
func (s *Store) ClearPin(ctx context.Context, agent string, key Key) error {
	if err := s.update(ctx, agent, key, qClearPin); err != nil {
		return fmt.Errorf("sessions: clear pin: %w", err)
	}
	return nil
}

// ClearPinsTo removes every pin of agent's sessions that names profile,
// whatever its source, keeping their models ("bot models auth remove":
// those sessions fall back to the candidate order). It returns how many
// sessions had such a pin. The sessions' histories are kept.
func (s *Store) ClearPinsTo(ctx context.Context, agent, profile string) (int, error) {
	err := checkAgent(agent)
	if err == nil {
		err = checkName("profile id", profile, maxNameLen)
	}
	var keys []Key
	if err == nil {
		err = s.write(ctx, nil, func(t tx) (func(), error) {
			rows, err := t.QueryContext(ctx, `UPDATE sessions SET profile = '', pin_source = '', updated_at = ?3
				WHERE agent = ?1 AND profile = ?2 RETURNING key`, agent, profile, toMS(s.now()))
			if err != nil {
				return nil, err
			}
			for rows.Next() {
				var k string
				if err := rows.Scan(&k); err != nil {
					rows.Close()
					return nil, err
				}
				keys = append(keys, Key(k))
			}
			if err := errors.Join(rows.Err(), rows.Close()); err != nil {
				return nil, err
			}
			return s.lockedAfter(func() {
				for _, k := range keys {
					// Read again from disk on next use: only the pin changed.
					delete(s.sessions, skey{agent, k})
				}
				s.epoch++
			}), nil
		})
	}
	if err != nil {
		return 0, fmt.Errorf("sessions: clear pins to %q: %w", profile, err)
	}
	return len(keys), nil
}

// ResetModel returns the session to the default: no model override and no
// profile pin ("/model default"). The history is kept. A missing session
// is left missing.
func (s *Store) ResetModel(ctx context.Context, agent string, key Key) error {
	if err := s.update(ctx, agent, key, qResetModel); err != nil {
		return fmt.Errorf("sessions: reset model: %w", err)
	}
	return nil
}

// NewConversation starts a new conversation in the session ("/new",
// "/reset"): the history is deleted and an automatic pin cleared; a user
// pin and the model override are kept (DESIGN §5). A missing session is
// left missing.
func (s *Store) NewConversation(ctx context.Context, agent string, key Key) error {
	err := checkAgentKey(agent, key)
	if err == nil {
		k := skey{agent, key}
		err = s.write(ctx, &k, func(t tx) (func(), error) {
			var id int64
			sess, err := scanSession(t.QueryRowContext(ctx, qNewConversation, agent, string(key), toMS(s.now())), agent, key, &id)
			e := centry{sess, true}
			if errors.Is(err, sql.ErrNoRows) {
				e, err = centry{}, nil
			} else if err == nil {
				_, err = t.ExecContext(ctx, qDeleteTurns, id)
			}
			if err != nil {
				return nil, err
			}
			return s.lockedAfter(func() {
				s.putLocked(k, e)
				s.clearHistoryLocked(k)
			}), nil
		})
	}
	if err != nil {
		return fmt.Errorf("sessions: new conversation: %w", err)
	}
	return nil
}

// Delete removes everything stored for the session key: model, pin and
// history ("bot sessions reset KEY"). An empty agent deletes the key for
// every agent. It returns how many sessions it removed; deleting a missing
// session removes none and is not an error.
func (s *Store) Delete(ctx context.Context, agent string, key Key) (int, error) {
	var deleted int
	err := key.Validate()
	if err == nil && agent != "" {
		err = checkAgent(agent)
	}
	if err == nil {
		// An empty agent in drop stands for every agent.
		drop := skey{agent, key}
		err = s.write(ctx, &drop, func(t tx) (func(), error) {
			rows, err := t.QueryContext(ctx, qDeleteSession, string(key), agent)
			if err != nil {
				return nil, err
			}
			var agents []string
			for rows.Next() {
				var a string
				if err := rows.Scan(&a); err != nil {
					rows.Close()
					return nil, err
				}
				agents = append(agents, a)
			}
			if err := errors.Join(rows.Err(), rows.Close()); err != nil {
				return nil, err
			}
			deleted = len(agents)
			return s.lockedAfter(func() {
				if agent != "" {
					s.putLocked(skey{agent, key}, centry{})
					s.clearHistoryLocked(skey{agent, key})
				}
				for _, a := range agents {
					s.putLocked(skey{a, key}, centry{})
				}
				if agent == "" {
					// Every agent's history of key is gone, including
					// histories cached for rows this Store never saw.
					for c := range s.hist {
						if c.key == key {
							s.clearHistoryLocked(c)
						}
					}
					for c := range s.fills {
						if c.key == key {
							s.clearHistoryLocked(c)
						}
					}
				}
			}), nil
		})
	}
	if err != nil {
		return 0, fmt.Errorf("sessions: delete %q: %w", key, err)
	}
	return deleted, nil
}

// List returns the sessions of agent, or of every agent when agent is "",
// most recently updated first, then by key and agent. It reads the
// database, not the cache.
func (s *Store) List(ctx context.Context, agent string) ([]Session, error) {
	if agent != "" {
		if err := checkAgent(agent); err != nil {
			return nil, fmt.Errorf("sessions: list: %w", err)
		}
	}
	rows, err := s.rdb.QueryContext(ctx, `
		SELECT agent, key, model, profile, pin_source, created_at, updated_at
		FROM sessions WHERE ?1 = '' OR agent = ?1
		ORDER BY updated_at DESC, key, agent`, agent)
	if err != nil {
		return nil, fmt.Errorf("sessions: list: %w", err)
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		var sess Session
		var key, src string
		var created, updated int64
		if err := rows.Scan(&sess.Agent, &key, &sess.Model, &sess.Profile, &src, &created, &updated); err != nil {
			return nil, fmt.Errorf("sessions: list: %w", err)
		}
		sess.Key, sess.PinSource = Key(key), PinSource(src)
		sess.CreatedAt, sess.UpdatedAt = fromMS(created), fromMS(updated)
		out = append(out, sess)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sessions: list: %w", err)
	}
	return out, nil
}

// upsert runs an INSERT … ON CONFLICT … RETURNING statement whose
// parameters are ?1 agent, ?2 key, ?3 now, then args, and caches the row
// it returns.
func (s *Store) upsert(ctx context.Context, agent string, key Key, query string, args ...any) error {
	k := skey{agent, key}
	return s.write(ctx, &k, func(t tx) (func(), error) {
		params := append([]any{agent, string(key), toMS(s.now())}, args...)
		sess, err := scanSession(t.QueryRowContext(ctx, query, params...), agent, key)
		if err != nil {
			return nil, err
		}
		return func() { s.putSession(k, centry{sess, true}) }, nil
	})
}

// update runs an UPDATE … RETURNING statement with parameters ?1 agent,
// ?2 key, ?3 now, and caches the row it returns, or the session's absence.
func (s *Store) update(ctx context.Context, agent string, key Key, query string) error {
	if err := checkAgentKey(agent, key); err != nil {
		return err
	}
	k := skey{agent, key}
	return s.write(ctx, &k, func(t tx) (func(), error) {
		sess, err := scanSession(t.QueryRowContext(ctx, query, agent, string(key), toMS(s.now())), agent, key)
		if errors.Is(err, sql.ErrNoRows) {
			return func() { s.putSession(k, centry{}) }, nil
		}
		if err != nil {
			return nil, err
		}
		return func() { s.putSession(k, centry{sess, true}) }, nil
	})
}

// checkName validates a short identifier-like string: non-empty, at most
// max bytes of valid UTF-8, no control characters.
func checkName(what, v string, max int) error {
	switch {
	case v == "":
		return fmt.Errorf("empty %s: %w", what, ErrInvalid)
	case len(v) > max:
		return fmt.Errorf("%s longer than %d bytes: %w", what, max, ErrInvalid)
	case !utf8.ValidString(v):
		return fmt.Errorf("%s %q is not valid UTF-8: %w", what, v, ErrInvalid)
	}
	for _, r := range v {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return fmt.Errorf("%s %q contains a control character: %w", what, v, ErrInvalid)
		}
	}
	return nil
}

func checkAgent(agent string) error { return checkName("agent id", agent, maxNameLen) }

func checkAgentKey(agent string, key Key) error {
	if err := checkAgent(agent); err != nil {
		return err
	}
	return key.Validate()
}

func checkPin(profile string, src PinSource) error {
	if err := checkName("profile id", profile, maxNameLen); err != nil {
		return err
	}
	if src != SourceUser && src != SourceAuto {
		return fmt.Errorf("pin source %q is neither %q nor %q: %w", src, SourceUser, SourceAuto, ErrInvalid)
	}
	return nil
}
