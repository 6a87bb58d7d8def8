-- The fraud rules as versioned records (the rule workbench).

-- Each version of the rules, immutable once saved: the rules as JSON (the
-- shape of rules.toml), who wrote it and why, and where it stands. `id` is
-- the version's number; `version` is the row's, for stale-write checks.
CREATE TABLE rule_sets (
    id           INTEGER PRIMARY KEY,
    status       TEXT NOT NULL,
    rules        TEXT NOT NULL,
    based_on     BIGINT REFERENCES rule_sets (id),
    author       TEXT NOT NULL,
    note         TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    published_by TEXT,
    published_at BIGINT,
    version      BIGINT NOT NULL DEFAULT 1
);
-- One live version, one in shadow, at a time.
CREATE UNIQUE INDEX rule_sets_one_live ON rule_sets (status) WHERE status = 'live';
CREATE UNIQUE INDEX rule_sets_one_shadow ON rule_sets (status) WHERE status = 'shadow';

-- The version of the rules that decided a payment (none before versions,
-- or when the rules come from a file).
ALTER TABLE transactions ADD COLUMN rules_version BIGINT;
