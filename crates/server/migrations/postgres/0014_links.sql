-- Links between accounts: one row for each account and thing it used (a
-- device, an IP address and its /24 block, a cash-out merchant — counted
-- on each payment; its phone, national ID and home square — by keyed hash
-- or cell, written with the customer). Accounts sharing a thing are linked.
-- Keyed by the thing first, so that its accounts are one range of the
-- index (read from the index alone once vacuumed); no foreign key, so that
-- a payment's upsert checks nothing more.
CREATE TABLE links (
    kind       TEXT NOT NULL,
    value      TEXT NOT NULL,
    account_id BIGINT NOT NULL,
    payments   BIGINT NOT NULL,
    first_at   BIGINT NOT NULL,
    last_at    BIGINT NOT NULL,
    PRIMARY KEY (kind, value, account_id) INCLUDE (payments, first_at, last_at)
);
-- What one account used.
CREATE INDEX links_account ON links (account_id, kind, value);
