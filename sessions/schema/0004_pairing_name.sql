-- 0004: what the owner sees of a pairing request (bot pairing list): the
-- display name the platform gave with the DM, and whether the owner denied
-- it (bot pairing deny): a denied request stays until its hour is up, so
-- the stranger gets no new code before then, but it can no longer be
-- approved.

ALTER TABLE pairing_requests ADD COLUMN display_name TEXT NOT NULL DEFAULT '';
ALTER TABLE pairing_requests ADD COLUMN denied INTEGER NOT NULL DEFAULT 0;
