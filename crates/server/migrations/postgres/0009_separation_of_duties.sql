-- Separation of duties and operator administration (as SQLite's 0008).

-- An escalation binds: who escalated an alert or a dispute may no longer
-- decide it.
ALTER TABLE alerts ADD COLUMN escalated_by TEXT;
ALTER TABLE disputes ADD COLUMN escalated_by TEXT;

-- A refund above the maker's own limit waits here for a second person.
ALTER TABLE disputes ADD COLUMN refund_fen BIGINT;
ALTER TABLE disputes ADD COLUMN refund_proposed_by TEXT;
ALTER TABLE disputes ADD COLUMN refund_tier TEXT;

-- Operators an admin runs: disabled ones cannot sign in and their sessions
-- end; every change is versioned like the other records.
ALTER TABLE operators ADD COLUMN disabled_at BIGINT;
ALTER TABLE operators ADD COLUMN last_sign_in_at BIGINT;
ALTER TABLE operators ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
-- An admin's initial password is one-time: 1 until the operator sets their own.
ALTER TABLE operators ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;

-- A session's public name, for an admin to end one: the first 16 hex digits
-- of its token's hash (not enough to sign in with, and unique in practice).
ALTER TABLE sessions ADD COLUMN id TEXT;
UPDATE sessions SET id = substr(token_hash, 1, 16);
CREATE UNIQUE INDEX sessions_id ON sessions (id);

ALTER TABLE service_clients ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
