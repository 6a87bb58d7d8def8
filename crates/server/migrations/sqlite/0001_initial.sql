-- SQLite: the same tables as PostgreSQL, with SQLite's type affinities.
-- Times are UTC milliseconds since the epoch; money is whole fen.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE operators (
    id              TEXT PRIMARY KEY,
    display_name    TEXT NOT NULL,
    role            TEXT NOT NULL,
    password_hash   TEXT NOT NULL,
    totp_secret     TEXT NOT NULL,
    -- The last TOTP time step accepted: a code is never accepted twice.
    totp_last_step  BIGINT NOT NULL DEFAULT 0,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until    BIGINT,
    created_at      BIGINT NOT NULL
);

CREATE TABLE sessions (
    -- SHA-256 of the bearer token: the token itself is never stored.
    token_hash   TEXT PRIMARY KEY,
    operator_id  TEXT NOT NULL REFERENCES operators (id),
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    revoked_at   BIGINT
);
CREATE INDEX sessions_operator ON sessions (operator_id);

CREATE TABLE customers (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL,
    name_masked    TEXT NOT NULL,
    phone          TEXT NOT NULL,
    phone_tail     TEXT NOT NULL,
    national_id    TEXT NOT NULL,
    age            INTEGER NOT NULL,
    occupation     TEXT NOT NULL,
    income_band    TEXT NOT NULL,
    city           TEXT NOT NULL,
    home_lat       DOUBLE PRECISION NOT NULL,
    home_lon       DOUBLE PRECISION NOT NULL,
    kyc_level      TEXT NOT NULL,
    night_login_bp INTEGER NOT NULL,
    created_at     BIGINT NOT NULL
);

CREATE TABLE accounts (
    id                  INTEGER PRIMARY KEY,
    customer_id         BIGINT NOT NULL REFERENCES customers (id),
    limit_fen           BIGINT NOT NULL CHECK (limit_fen >= 0),
    used_fen            BIGINT NOT NULL CHECK (used_fen >= 0),
    frozen_fen          BIGINT NOT NULL CHECK (frozen_fen >= 0),
    outstanding_fen     BIGINT NOT NULL,
    utilisation_bp      BIGINT NOT NULL,
    dpd                 INTEGER NOT NULL,
    max_dpd_12m         INTEGER NOT NULL,
    on_time_bp          INTEGER NOT NULL,
    purchases_per_month INTEGER NOT NULL,
    bill_to_limit_bp    INTEGER NOT NULL,
    score               INTEGER NOT NULL,
    -- When the score was computed: months on book are counted to here.
    scored_at           BIGINT NOT NULL,
    grade               TEXT NOT NULL,
    status              TEXT NOT NULL,
    bill_day            INTEGER NOT NULL,
    due_day             INTEGER NOT NULL,
    opened_at           BIGINT NOT NULL,
    version             BIGINT NOT NULL DEFAULT 1,
    CHECK (used_fen + frozen_fen <= limit_fen)
);
CREATE INDEX accounts_customer ON accounts (customer_id);
CREATE INDEX accounts_score ON accounts (score, id);
CREATE INDEX accounts_utilisation ON accounts (utilisation_bp, id);
CREATE INDEX accounts_dpd ON accounts (dpd, id);
CREATE INDEX accounts_limit ON accounts (limit_fen, id);
CREATE INDEX customers_phone_tail ON customers (phone_tail);
CREATE INDEX customers_name_masked ON customers (name_masked);

CREATE TABLE transactions (
    id           INTEGER PRIMARY KEY,
    account_id   BIGINT NOT NULL REFERENCES accounts (id),
    kind         TEXT NOT NULL,
    order_id     TEXT NOT NULL,
    merchant     TEXT NOT NULL,
    category     TEXT,
    channel      TEXT,
    amount_fen   BIGINT NOT NULL,
    installments INTEGER NOT NULL,
    device_id    TEXT,
    ip           TEXT,
    lat          DOUBLE PRECISION,
    lon          DOUBLE PRECISION,
    city         TEXT,
    status       TEXT NOT NULL,
    decision     TEXT,
    -- JSON array of {rule, evidence}, or NULL when no rule fired.
    rule_hits    TEXT,
    occurred_at  BIGINT NOT NULL
);
-- The generator drops and rebuilds these two around a bulk load (Store::bulk_load_mode).
CREATE UNIQUE INDEX transactions_order ON transactions (order_id);
CREATE INDEX transactions_account_time ON transactions (account_id, occurred_at, id);

CREATE TABLE alerts (
    id             INTEGER PRIMARY KEY,
    account_id     BIGINT NOT NULL REFERENCES accounts (id),
    transaction_id BIGINT REFERENCES transactions (id),
    rule           TEXT NOT NULL,
    severity_rank  SMALLINT NOT NULL,
    status         TEXT NOT NULL,
    assignee       TEXT,
    amount_fen     BIGINT,
    evidence       TEXT NOT NULL,
    disposition    TEXT,
    created_at     BIGINT NOT NULL,
    sla_due_at     BIGINT NOT NULL,
    version        BIGINT NOT NULL DEFAULT 1
);
-- The queue's order (most severe, then oldest), with and without a status filter.
CREATE INDEX alerts_queue ON alerts (status, severity_rank DESC, created_at, id);
CREATE INDEX alerts_severity ON alerts (severity_rank DESC, created_at, id);
CREATE INDEX alerts_time ON alerts (created_at, id);
CREATE INDEX alerts_account ON alerts (account_id, created_at);

CREATE TABLE blacklist (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,
    value      TEXT NOT NULL,
    reason     TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    removed_at BIGINT
);
CREATE INDEX blacklist_kind_value ON blacklist (kind, value);

CREATE TABLE limit_changes (
    id                 INTEGER PRIMARY KEY,
    account_id         BIGINT NOT NULL REFERENCES accounts (id),
    current_limit_fen  BIGINT NOT NULL,
    proposed_limit_fen BIGINT NOT NULL,
    reason             TEXT NOT NULL,
    source             TEXT NOT NULL,
    status             TEXT NOT NULL,
    maker              TEXT NOT NULL,
    checker            TEXT,
    created_at         BIGINT NOT NULL,
    expires_at         BIGINT NOT NULL,
    decided_at         BIGINT,
    version            BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX limit_changes_status ON limit_changes (status, id);
CREATE INDEX limit_changes_account ON limit_changes (account_id, id);

CREATE TABLE disputes (
    id             INTEGER PRIMARY KEY,
    account_id     BIGINT NOT NULL REFERENCES accounts (id),
    transaction_id BIGINT NOT NULL REFERENCES transactions (id),
    reason         TEXT NOT NULL,
    status         TEXT NOT NULL,
    statement      TEXT NOT NULL,
    opened_by      TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    sla_due_at     BIGINT NOT NULL,
    resolved_at    BIGINT,
    version        BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX disputes_status ON disputes (status, id);
CREATE INDEX disputes_account ON disputes (account_id, id);
