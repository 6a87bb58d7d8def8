-- Transactions partitioned by month (China time): a month is one table with
-- its own indexes, so a query for recent payments reads recent months, an
-- index stays the size of a month, and an old month can be archived whole.
--
-- A partitioned table's keys must include the month, so on PostgreSQL:
-- the primary key is (id, occurred_at); an order id's uniqueness across all
-- months is kept by `transaction_orders`; and the references into
-- transactions (alerts, freezes, disputes, refunds) are no longer foreign
-- keys: the store writes them only with an id it read or wrote in the same
-- database transaction.

ALTER TABLE alerts DROP CONSTRAINT alerts_transaction_id_fkey;
ALTER TABLE freezes DROP CONSTRAINT freezes_transaction_id_fkey;
ALTER TABLE disputes DROP CONSTRAINT disputes_transaction_id_fkey;
ALTER TABLE disputes DROP CONSTRAINT disputes_refund_transaction_id_fkey;

ALTER TABLE transactions RENAME TO transactions_unpartitioned;
-- Its constraints' names go to the new table.
ALTER TABLE transactions_unpartitioned DROP CONSTRAINT transactions_account_id_fkey;
ALTER TABLE transactions_unpartitioned DROP CONSTRAINT transactions_refund_of_fkey;
ALTER INDEX transactions_pkey RENAME TO transactions_unpartitioned_pkey;
DROP INDEX transactions_order;
DROP INDEX transactions_account_time;
DROP INDEX transactions_device_time;
DROP INDEX transactions_ip_time;

-- Identity columns on partitioned tables come with PostgreSQL 17: a
-- sequence owned by the column instead (pg_get_serial_sequence finds it).
CREATE SEQUENCE transaction_ids;

-- Its keys, indexes and the order ids' trigger come after the copy below:
-- built once over all rows rather than row by row.
CREATE TABLE transactions (
    id             BIGINT NOT NULL DEFAULT nextval('transaction_ids'),
    account_id     BIGINT NOT NULL,
    kind           TEXT NOT NULL,
    order_id       TEXT NOT NULL,
    merchant       TEXT NOT NULL,
    category       TEXT,
    channel        TEXT,
    amount_fen     BIGINT NOT NULL,
    installments   INTEGER NOT NULL,
    device_id      TEXT,
    ip             TEXT,
    lat            DOUBLE PRECISION,
    lon            DOUBLE PRECISION,
    city           TEXT,
    status         TEXT NOT NULL,
    decision       TEXT,
    -- JSON array of {rule, evidence}, or NULL when no rule fired.
    rule_hits      TEXT,
    occurred_at    BIGINT NOT NULL,
    decline_reason TEXT,
    -- Refunds point at the payment they refund.
    refund_of      BIGINT,
    grade          TEXT
) PARTITION BY RANGE (occurred_at);
ALTER SEQUENCE transaction_ids OWNED BY transactions.id;

-- Rows of a month that has no partition yet (the service creates them
-- ahead, so normally none); transactions_cover moves them out.
CREATE TABLE transactions_default PARTITION OF transactions DEFAULT;

-- Creates the month partitions that cover [from_ms, to_ms] and are missing,
-- moving any of their rows out of the default partition; returns how many
-- it created (NULL for no range: the MIN and MAX of no rows). Instances
-- call it concurrently: one at a time creates.
CREATE FUNCTION transactions_cover(from_ms BIGINT, to_ms BIGINT) RETURNS INTEGER
STRICT LANGUAGE plpgsql AS $$
DECLARE
    month TIMESTAMP := date_trunc('month', to_timestamp(from_ms / 1000.0) AT TIME ZONE 'Asia/Shanghai');
    last TIMESTAMP := to_timestamp(to_ms / 1000.0) AT TIME ZONE 'Asia/Shanghai';
    start_ms BIGINT;
    end_ms BIGINT;
    name TEXT;
    created INTEGER := 0;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('transactions_cover'));
    WHILE month <= last LOOP
        name := 'transactions_' || to_char(month, 'YYYY_MM');
        IF to_regclass(name) IS NULL THEN
            start_ms := (extract(epoch FROM month AT TIME ZONE 'Asia/Shanghai') * 1000)::BIGINT;
            end_ms := (extract(epoch FROM (month + INTERVAL '1 month') AT TIME ZONE 'Asia/Shanghai') * 1000)::BIGINT;
            EXECUTE format('CREATE TABLE %I (LIKE transactions INCLUDING DEFAULTS)', name);
            EXECUTE format(
                'WITH moved AS (DELETE FROM transactions_default WHERE occurred_at >= %s AND occurred_at < %s RETURNING *) '
                'INSERT INTO %I SELECT * FROM moved', start_ms, end_ms, name);
            EXECUTE format('ALTER TABLE transactions ATTACH PARTITION %I FOR VALUES FROM (%s) TO (%s)',
                name, start_ms, end_ms);
            created := created + 1;
        END IF;
        month := month + INTERVAL '1 month';
    END LOOP;
    RETURN created;
END $$;

-- The months of the rows so far, and the next two from today.
SELECT transactions_cover(MIN(occurred_at), MAX(occurred_at)) FROM transactions_unpartitioned;
SELECT transactions_cover((extract(epoch FROM now()) * 1000)::BIGINT,
                          (extract(epoch FROM now() + INTERVAL '2 months') * 1000)::BIGINT);

INSERT INTO transactions (id, account_id, kind, order_id, merchant, category, channel, amount_fen,
                          installments, device_id, ip, lat, lon, city, status, decision, rule_hits,
                          occurred_at, decline_reason, refund_of, grade)
    SELECT id, account_id, kind, order_id, merchant, category, channel, amount_fen, installments,
           device_id, ip, lat, lon, city, status, decision, rule_hits, occurred_at, decline_reason,
           refund_of, grade
    FROM transactions_unpartitioned;

-- The generator drops and rebuilds these around a bulk load (BEFORE_LOAD,
-- AFTER_LOAD in store/sql/bulk.rs).
ALTER TABLE transactions ADD CONSTRAINT transactions_pkey PRIMARY KEY (id, occurred_at);
ALTER TABLE transactions ADD CONSTRAINT transactions_account_id_fkey
    FOREIGN KEY (account_id) REFERENCES accounts (id);
CREATE INDEX transactions_order ON transactions (order_id);
CREATE INDEX transactions_account_time ON transactions (account_id, occurred_at, id);
CREATE INDEX transactions_device_time ON transactions (device_id, occurred_at);
CREATE INDEX transactions_ip_time ON transactions (ip, occurred_at);

-- Every order id once, whatever its month: a retried authorization or a
-- refund key seen before fails its INSERT with a unique violation, as it
-- did when transactions had a unique index of its own.
CREATE TABLE transaction_orders (order_id TEXT NOT NULL);
INSERT INTO transaction_orders (order_id) SELECT order_id FROM transactions;
ALTER TABLE transaction_orders ADD CONSTRAINT transaction_orders_pkey PRIMARY KEY (order_id);

CREATE FUNCTION transaction_orders_add() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO transaction_orders (order_id) SELECT order_id FROM inserted;
    RETURN NULL;
END $$;

-- Once per statement: a COPY of a hundred thousand rows is one INSERT here.
CREATE TRIGGER transactions_order_once AFTER INSERT ON transactions
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION transaction_orders_add();

SELECT setval('transaction_ids', COALESCE((SELECT MAX(id) FROM transactions), 0) + 1, false);

DROP TABLE transactions_unpartitioned;
