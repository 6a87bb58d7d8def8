-- The audit trail as a hash chain (riskdesk_domain::audit): each entry keeps
-- the previous entry's hash and its own; ids are consecutive from 1.
ALTER TABLE audit ADD COLUMN prev_hash TEXT;
ALTER TABLE audit ADD COLUMN hash TEXT;
CREATE INDEX audit_time ON audit (at, id);
CREATE INDEX audit_action ON audit (action, id);

-- The chain's head. Whoever appends locks it first, so entries are chained
-- one writer at a time on either database. Entries written before the chain
-- existed are chained when the store opens.
CREATE TABLE audit_head (
    id        SMALLINT PRIMARY KEY CHECK (id = 1),
    last_id   BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, last_id, last_hash)
    VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- The service's signed statements that the chain reached an entry: a chain
-- cut short no longer reaches its last checkpoint.
CREATE TABLE audit_checkpoints (
    id        INTEGER PRIMARY KEY,
    last_id   BIGINT NOT NULL,
    hash      TEXT NOT NULL,
    signed_at BIGINT NOT NULL,
    -- Ed25519 over riskdesk_domain::audit::Checkpoint::message, hex.
    signature TEXT NOT NULL,
    -- The first 8 bytes of the public key, hex.
    key_id    TEXT NOT NULL
);
CREATE INDEX audit_checkpoints_last ON audit_checkpoints (last_id);
