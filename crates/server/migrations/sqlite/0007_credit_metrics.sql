-- The credit side of the portfolio metrics. (SQLite keeps these tables in
-- their keys' order, WITHOUT ROWID: a period's rows are read in one range.)
--
-- Each account as it stood at each month's end (months as year * 12 +
-- month - 1, China time): the record that delinquency buckets, vintages,
-- roll rates and utilisation are counted from. The end of day rewrites the
-- current month's rows, so the current month reads as of the last end of
-- day; a month's last end of day leaves it as it closed.
CREATE TABLE account_months (
    month       INTEGER NOT NULL,
    account_id  BIGINT NOT NULL REFERENCES accounts (id),
    grade       TEXT NOT NULL,
    -- The customer's home city.
    city        TEXT NOT NULL,
    -- The month the account was opened: its vintage.
    cohort      INTEGER NOT NULL,
    dpd         INTEGER NOT NULL,
    limit_fen   BIGINT NOT NULL,
    balance_fen BIGINT NOT NULL,
    PRIMARY KEY (month, account_id)
) WITHOUT ROWID;

-- Rollups of account_months, one set of rows per month, recounted for the
-- month (and the roll into it) whenever its snapshot is rewritten.
-- Buckets: 0 = M0 (current), 1 = M1 … 4 = M3+.
CREATE TABLE metric_buckets (
    month       INTEGER NOT NULL,
    grade       TEXT NOT NULL,
    city        TEXT NOT NULL,
    bucket      SMALLINT NOT NULL,
    accounts    BIGINT NOT NULL,
    balance_fen BIGINT NOT NULL,
    PRIMARY KEY (month, grade, city, bucket)
) WITHOUT ROWID;

-- Utilisation bands: 0 = nothing used, then under 30 %, 30–60 %, 60–90 %, 90 % and over.
CREATE TABLE metric_lines (
    month       INTEGER NOT NULL,
    grade       TEXT NOT NULL,
    city        TEXT NOT NULL,
    band        SMALLINT NOT NULL,
    accounts    BIGINT NOT NULL,
    limit_fen   BIGINT NOT NULL,
    balance_fen BIGINT NOT NULL,
    PRIMARY KEY (month, grade, city, band)
) WITHOUT ROWID;

-- Each cohort's accounts at a month's end, and those 30 or more days past
-- due. Keyed by cohort first: the dashboard reads the cohorts of a period.
CREATE TABLE metric_vintages (
    month    INTEGER NOT NULL,
    grade    TEXT NOT NULL,
    city     TEXT NOT NULL,
    cohort   INTEGER NOT NULL,
    accounts BIGINT NOT NULL,
    dpd30    BIGINT NOT NULL,
    PRIMARY KEY (cohort, month, grade, city)
) WITHOUT ROWID;

-- Accounts in from_bucket at the end of `month` and in to_bucket a month
-- later, by their grade and city at the end of `month`.
CREATE TABLE metric_rolls (
    month       INTEGER NOT NULL,
    grade       TEXT NOT NULL,
    city        TEXT NOT NULL,
    from_bucket SMALLINT NOT NULL,
    to_bucket   SMALLINT NOT NULL,
    accounts    BIGINT NOT NULL,
    PRIMARY KEY (month, grade, city, from_bucket, to_bucket)
) WITHOUT ROWID;

-- Limit changes by the business day they were proposed, the account's
-- grade then, city and source, and how they were decided; kept by the
-- writers that propose, decide and expire them.
ALTER TABLE limit_changes ADD COLUMN grade TEXT;
UPDATE limit_changes SET grade = (SELECT grade FROM accounts WHERE accounts.id = limit_changes.account_id);
CREATE TABLE metric_limit_changes (
    day                 INTEGER NOT NULL,
    grade               TEXT NOT NULL,
    city                TEXT NOT NULL,
    source              TEXT NOT NULL,
    proposed            BIGINT NOT NULL,
    approved            BIGINT NOT NULL,
    rejected            BIGINT NOT NULL,
    expired             BIGINT NOT NULL,
    -- The approved (applied) changes' proposed minus current limits, summed.
    approved_change_fen BIGINT NOT NULL,
    PRIMARY KEY (day, grade, city, source)
) WITHOUT ROWID;
