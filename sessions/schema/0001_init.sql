-- 0001: sessions (model override and profile pin per agent and session key),
-- their message history, and the runtime usage of auth profiles.
-- Times are Unix milliseconds; 0 means "never" / "not set".

CREATE TABLE sessions (
    id         INTEGER PRIMARY KEY,
    agent      TEXT    NOT NULL,
    key        TEXT    NOT NULL,
    model      TEXT    NOT NULL DEFAULT '',
    profile    TEXT    NOT NULL DEFAULT '',
    pin_source TEXT    NOT NULL DEFAULT '' CHECK (pin_source IN ('', 'user', 'auto')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (agent, key),
    CHECK ((profile = '') = (pin_source = ''))
) STRICT;

CREATE TABLE turns (
    id         INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    role       TEXT    NOT NULL,
    text       TEXT    NOT NULL,
    at         INTEGER NOT NULL
) STRICT;

CREATE INDEX turns_by_session ON turns (session_id, id);

CREATE TABLE profile_usage (
    profile_id          TEXT    PRIMARY KEY,
    last_used           INTEGER NOT NULL DEFAULT 0,
    cooldown_until      INTEGER NOT NULL DEFAULT 0,
    disabled_until      INTEGER NOT NULL DEFAULT 0,
    disabled_reason     TEXT    NOT NULL DEFAULT '',
    error_count         INTEGER NOT NULL DEFAULT 0,
    failure_counts      TEXT    NOT NULL DEFAULT '{}', -- JSON object: reason → count
    last_failure_at     INTEGER NOT NULL DEFAULT 0,
    last_refresh_failed INTEGER NOT NULL DEFAULT 0 CHECK (last_refresh_failed IN (0, 1))
) STRICT, WITHOUT ROWID;

CREATE TABLE last_good (
    provider   TEXT    PRIMARY KEY,
    profile_id TEXT    NOT NULL,
    at         INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
