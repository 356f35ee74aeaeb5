-- 0003: pairing requests (DESIGN §5.1): a stranger who writes to the bot in
-- a DM gets a one-time code; the owner approves it on the gateway host
-- (bot pairing approve <channel> <code>). Times are Unix milliseconds.

CREATE TABLE pairing_requests (
    channel    TEXT    NOT NULL,
    user_id    TEXT    NOT NULL,
    code       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (channel, user_id),
    UNIQUE (channel, code)
) STRICT, WITHOUT ROWID;
