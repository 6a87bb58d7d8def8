-- The risk engine: service clients, freezes, idempotency, notification nonces,
-- and the indexes the rules' look-backs read.

CREATE TABLE service_clients (
    id         TEXT PRIMARY KEY,
    -- SHA-256 of the client's key: the key itself is never stored.
    key_hash   TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

-- Part of an account's limit set aside. accounts.frozen_fen is always the sum
-- of the live freezes (not released), so every frozen fen has a reason here.
CREATE TABLE freezes (
    id             INTEGER PRIMARY KEY,
    account_id     BIGINT NOT NULL REFERENCES accounts (id),
    amount_fen     BIGINT NOT NULL CHECK (amount_fen > 0),
    reason         TEXT NOT NULL,
    -- system (the engine) or operator.
    source         TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    transaction_id BIGINT REFERENCES transactions (id),
    created_at     BIGINT NOT NULL,
    -- The freeze lapses by itself at this time; NULL: until released.
    lapses_at      BIGINT,
    released_at    BIGINT,
    released_by    TEXT
);
CREATE INDEX freezes_account ON freezes (account_id, released_at);
CREATE INDEX freezes_lapse ON freezes (lapses_at) WHERE released_at IS NULL;

-- The first outcome of each idempotent request, returned again on a retry.
CREATE TABLE idempotency (
    scope        TEXT NOT NULL,
    key          TEXT NOT NULL,
    -- SHA-256 of the request: the same key with another request is refused.
    request_hash TEXT NOT NULL,
    outcome      TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (scope, key)
);

-- Nonces of accepted payment-platform notifications: a replay is refused.
CREATE TABLE notification_nonces (
    nonce   TEXT PRIMARY KEY,
    seen_at BIGINT NOT NULL
);

-- Statements: what an account was billed, and how much of it is unpaid.
-- Repayments and refunds pay the oldest bills first.
CREATE TABLE bills (
    id            INTEGER PRIMARY KEY,
    account_id    BIGINT NOT NULL REFERENCES accounts (id),
    -- Business dates (China time) as days since 1970-01-01.
    bill_date     INTEGER NOT NULL,
    due_date      INTEGER NOT NULL,
    amount_fen    BIGINT NOT NULL CHECK (amount_fen > 0),
    remaining_fen BIGINT NOT NULL CHECK (remaining_fen >= 0),
    UNIQUE (account_id, bill_date)
);
CREATE INDEX bills_open ON bills (account_id, due_date) WHERE remaining_fen > 0;

-- One end-of-day run per business date; an unfinished one is taken over
-- when it is stale (its instance died).
CREATE TABLE eod_runs (
    business_date INTEGER PRIMARY KEY,
    started_at    BIGINT NOT NULL,
    finished_at   BIGINT,
    summary       TEXT
);

ALTER TABLE transactions ADD COLUMN decline_reason TEXT;
-- Refunds point at the payment they refund.
ALTER TABLE transactions ADD COLUMN refund_of BIGINT REFERENCES transactions (id);

CREATE INDEX transactions_device_time ON transactions (device_id, occurred_at);
CREATE INDEX transactions_ip_time ON transactions (ip, occurred_at);
