-- Cases: an investigation worked as one. The checklist and the tags are
-- small and change with the case's version, so they live in its row
-- (JSON); members, notes and attachments grow, so they have tables.
CREATE TABLE cases (
    id          INTEGER PRIMARY KEY,
    title       TEXT NOT NULL,
    severity    TEXT NOT NULL,
    status      TEXT NOT NULL,
    owner       TEXT NOT NULL,
    due_at      BIGINT NOT NULL,
    -- JSON: [{"item", "done_by", "done_at"}] of the items checked off.
    checklist   TEXT NOT NULL DEFAULT '[]',
    -- JSON: ["tag", …].
    tags        TEXT NOT NULL DEFAULT '[]',
    disposition TEXT,
    outcome     TEXT,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    closed_by   TEXT,
    closed_at   BIGINT,
    version     BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX cases_status ON cases (status, due_at, id);

-- What a case holds: an account, an alert, a dispute or a freeze, once.
CREATE TABLE case_members (
    case_id  BIGINT NOT NULL REFERENCES cases (id),
    kind     TEXT NOT NULL,
    ref_id   BIGINT NOT NULL,
    added_by TEXT NOT NULL,
    added_at BIGINT NOT NULL,
    PRIMARY KEY (case_id, kind, ref_id)
);
-- The cases a record is in.
CREATE INDEX case_members_ref ON case_members (kind, ref_id);

CREATE TABLE case_notes (
    id         INTEGER PRIMARY KEY,
    case_id    BIGINT NOT NULL REFERENCES cases (id),
    author     TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX case_notes_case ON case_notes (case_id, id);

-- Files a customer or the platform sent, kept as sent (never opened by
-- the service beyond reading their first bytes for their type).
CREATE TABLE case_attachments (
    id           INTEGER PRIMARY KEY,
    case_id      BIGINT NOT NULL REFERENCES cases (id),
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes   BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    content      BLOB NOT NULL,
    uploaded_by  TEXT NOT NULL,
    uploaded_at  BIGINT NOT NULL
);
CREATE INDEX case_attachments_case ON case_attachments (case_id, id);
