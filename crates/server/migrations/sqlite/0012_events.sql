-- The live event stream's outbox: one row for each change an operator may
-- be told of as it happens, written in the transaction that makes the
-- change, so that none is sent for a change that rolled back and none is
-- lost for one that committed. SQLite has one writer at a time, so ids
-- are in commit order; AUTOINCREMENT keeps them growing after a prune.
CREATE TABLE events (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    -- PostgreSQL's transaction id; one writer here, so always 0.
    txid     BIGINT NOT NULL DEFAULT 0,
    at       BIGINT NOT NULL,
    kind     TEXT NOT NULL,
    target   TEXT NOT NULL,
    actor    TEXT,
    -- The permission that may read it.
    audience TEXT NOT NULL,
    -- A summary of the record after the change (JSON; ids, states, never
    -- personal data).
    data     TEXT NOT NULL
);
CREATE INDEX events_at ON events (at);
