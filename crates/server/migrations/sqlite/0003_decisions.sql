-- Operators' decisions: alert notes, limit-change tiers, blacklist removal
-- under four eyes, versioned freezes, and the audit trail.

CREATE TABLE alert_notes (
    id         INTEGER PRIMARY KEY,
    alert_id   BIGINT NOT NULL REFERENCES alerts (id),
    author     TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX alert_notes_alert ON alert_notes (alert_id, id);
-- "Next alert": the most severe, oldest open one nobody holds.
CREATE INDEX alerts_unassigned ON alerts (severity_rank DESC, created_at, id)
    WHERE status = 'open' AND assignee IS NULL;

-- The tier that must approve (officer or manager), fixed when proposed.
ALTER TABLE limit_changes ADD COLUMN tier TEXT NOT NULL DEFAULT 'officer';
ALTER TABLE limit_changes ADD COLUMN note TEXT;
-- The checker's reason for a rejection.
ALTER TABLE limit_changes ADD COLUMN decision_note TEXT;

ALTER TABLE blacklist ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
-- Removal needs a second person: one asks, another approves.
ALTER TABLE blacklist ADD COLUMN removal_requested_by TEXT;
ALTER TABLE blacklist ADD COLUMN removal_requested_at BIGINT;
ALTER TABLE blacklist ADD COLUMN removal_reason TEXT;
ALTER TABLE blacklist ADD COLUMN removed_by TEXT;
-- One entry per value: earlier duplicates are retired before the index.
UPDATE blacklist SET removed_at = created_at, removed_by = 'duplicate'
    WHERE removed_at IS NULL AND id NOT IN
        (SELECT MIN(id) FROM blacklist WHERE removed_at IS NULL GROUP BY kind, value);
CREATE UNIQUE INDEX blacklist_one_live ON blacklist (kind, value) WHERE removed_at IS NULL;

ALTER TABLE freezes ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE freezes ADD COLUMN release_reason TEXT;
CREATE INDEX freezes_recent ON freezes (account_id, id);

-- Every operator decision: who, when, what, the record before and after
-- (JSON). Issue 6 chains these entries with hashes.
CREATE TABLE audit (
    id     INTEGER PRIMARY KEY,
    at     BIGINT NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    -- kind:id, e.g. alert:42, account:80000001.
    target TEXT NOT NULL,
    before TEXT,
    after  TEXT
);
CREATE INDEX audit_target ON audit (target, id);
CREATE INDEX audit_actor ON audit (actor, id);
