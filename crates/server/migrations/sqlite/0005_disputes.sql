-- Disputes worked by customer-service agents: the customer's attachments
-- (references, JSON array), the escalation, the resolution, and a timeline.
ALTER TABLE disputes ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]';
ALTER TABLE disputes ADD COLUMN resolution_note TEXT;
-- The refund that resolved it, if it was resolved by refund.
ALTER TABLE disputes ADD COLUMN refund_transaction_id BIGINT REFERENCES transactions (id);
CREATE INDEX disputes_transaction ON disputes (transaction_id, status);

CREATE TABLE dispute_events (
    id         INTEGER PRIMARY KEY,
    dispute_id BIGINT NOT NULL REFERENCES disputes (id),
    at         BIGINT NOT NULL,
    actor      TEXT NOT NULL,
    -- opened, escalated, refunded, rejected, note.
    kind       TEXT NOT NULL,
    note       TEXT
);
CREATE INDEX dispute_events_dispute ON dispute_events (dispute_id, id);
