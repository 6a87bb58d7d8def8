-- Portfolio metrics, kept as rollups by the writers (a request never scans
-- the transactions) and rebuilt from scratch by `rebuild-metrics`.
--
-- The grade an account had when a payment was decided or an alert raised:
-- metrics are cut by the grade at the time, which a later re-scoring must
-- not rewrite. Rows from before this column carry the grade of today.
ALTER TABLE transactions ADD COLUMN grade TEXT;
ALTER TABLE alerts ADD COLUMN grade TEXT;
UPDATE transactions SET grade = (SELECT grade FROM accounts WHERE accounts.id = transactions.account_id)
    WHERE decision IS NOT NULL;
UPDATE alerts SET grade = (SELECT grade FROM accounts WHERE accounts.id = alerts.account_id);

-- Authorization decisions per business day (days since 1970-01-01, China
-- time, as `eod_runs` counts them), grade, customer's home city and channel:
-- hundreds of rows a day, which also spreads concurrent writers.
CREATE TABLE metric_authorizations (
    day          INTEGER NOT NULL,
    grade        TEXT NOT NULL,
    city         TEXT NOT NULL,
    channel      TEXT NOT NULL,
    approved     BIGINT NOT NULL,
    review       BIGINT NOT NULL,
    declined     BIGINT NOT NULL,
    approved_fen BIGINT NOT NULL,
    PRIMARY KEY (day, grade, city, channel)
);

-- Alerts by the day they were raised, and how the closed ones were disposed of.
CREATE TABLE metric_alerts (
    day             INTEGER NOT NULL,
    rule            TEXT NOT NULL,
    grade           TEXT NOT NULL,
    city            TEXT NOT NULL,
    channel         TEXT NOT NULL,
    raised          BIGINT NOT NULL,
    confirmed_fraud BIGINT NOT NULL,
    false_positive  BIGINT NOT NULL,
    benign          BIGINT NOT NULL,
    confirmed_fen   BIGINT NOT NULL,
    PRIMARY KEY (day, rule, grade, city, channel)
);
