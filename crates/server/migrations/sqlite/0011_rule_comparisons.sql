-- The rule workbench's comparisons of a version with the live rules: on
-- recorded history (backtests) and on payments as they arrive (shadow).

-- A backtest: a job on one instance, its progress (and last sign of life),
-- a request to stop, and the comparison as JSON once done.
CREATE TABLE backtests (
    id          INTEGER PRIMARY KEY,
    rule_set_id BIGINT NOT NULL REFERENCES rule_sets (id),
    against     BIGINT NOT NULL REFERENCES rule_sets (id),
    days        BIGINT NOT NULL,
    from_at     BIGINT NOT NULL,
    to_at       BIGINT NOT NULL,
    status      TEXT NOT NULL,
    done        BIGINT NOT NULL DEFAULT 0,
    total       BIGINT NOT NULL DEFAULT 0,
    report      TEXT,
    error       TEXT,
    started_by  TEXT NOT NULL,
    started_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    finished_at BIGINT,
    cancel_at   BIGINT
);
-- One running backtest per version.
CREATE UNIQUE INDEX backtests_one_running ON backtests (rule_set_id) WHERE status = 'running';
CREATE INDEX backtests_rule_set ON backtests (rule_set_id, id);

-- What the version in shadow made of a payment, never acted on: its
-- number, its decision and the rules that fired (a JSON list of names).
ALTER TABLE transactions ADD COLUMN shadow_version BIGINT;
ALTER TABLE transactions ADD COLUMN shadow_decision TEXT;
ALTER TABLE transactions ADD COLUMN shadow_hits TEXT;
-- The shadow's comparison reads these payments alone.
CREATE INDEX transactions_shadow ON transactions (shadow_version) WHERE shadow_version IS NOT NULL;
