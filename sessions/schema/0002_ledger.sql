-- 0002: the update ledger of channels that poll their platform (Telegram):
-- the first update not yet confirmed to the platform, and the updates at or
-- above it that were handled already (answered out of order), so that after
-- a crash what was not finished is read again and nothing is answered twice.

CREATE TABLE channel_cursor (
    channel TEXT    PRIMARY KEY,
    next    INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE channel_handled (
    channel   TEXT    NOT NULL,
    update_id INTEGER NOT NULL,
    PRIMARY KEY (channel, update_id)
) STRICT, WITHOUT ROWID;
