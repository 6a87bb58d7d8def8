//! [`Metrics`] over sqlx. Each rollup has one key and one set of counts,
//! written as SQL over the record and its account and customer; the
//! increment applies them to one record (`INSERT … SELECT … ON CONFLICT`
//! adds to the row), the rebuild to all of them (`GROUP BY`), so that the
//! two cannot count differently.

use riskdesk_domain::metrics::UTILISATION_BANDS_BP;

use super::bulk::Columns;
use super::*;

/// A business day: days since 1970-01-01 in China time (UTC+8), as
/// `riskdesk_domain::billing::day_number` counts them.
const DAY_OF: &str = "+ 28800000) / 86400000";

/// A rollup the writers keep: its table, its columns (the key's first), and
/// the FROM that its key and counts are read over.
struct Kept {
    table: &'static str,
    columns: &'static [&'static str],
    keys: usize,
    from: &'static str,
    /// Narrows the FROM to some records: the condition before their ids,
    /// and the id's column.
    records: &'static str,
    id: &'static str,
    /// A partitioned table's time column: narrows it to the records' months.
    at: Option<&'static str>,
}

/// Decided payments `t`, with their account `a` and customer `c`.
const AUTHORIZATIONS: Kept = Kept {
    table: "metric_authorizations",
    columns: &[
        "day",
        "grade",
        "city",
        "channel",
        "approved",
        "review",
        "declined",
        "approved_fen",
    ],
    keys: 4,
    from: " FROM transactions t JOIN accounts a ON a.id = t.account_id \
        JOIN customers c ON c.id = a.customer_id WHERE t.decision IS NOT NULL",
    records: " AND",
    id: "t.id",
    at: Some("t.occurred_at"),
};

fn authorization_key() -> String {
    format!("(t.occurred_at {DAY_OF}, COALESCE(t.grade, ''), c.city, COALESCE(t.channel, '')")
}

const AUTHORIZATION_COUNTS: [&str; 4] = [
    "CASE WHEN t.decision = 'approve' THEN 1 ELSE 0 END",
    "CASE WHEN t.decision = 'review' THEN 1 ELSE 0 END",
    "CASE WHEN t.decision = 'decline' THEN 1 ELSE 0 END",
    "CASE WHEN t.decision = 'decline' THEN 0 ELSE t.amount_fen END",
];

/// Alerts `al`, with their account `a`, customer `c` and payment `t` (if any).
const ALERTS: Kept = Kept {
    table: "metric_alerts",
    columns: &[
        "day",
        "rule",
        "grade",
        "city",
        "channel",
        "raised",
        "confirmed_fraud",
        "false_positive",
        "benign",
        "confirmed_fen",
    ],
    keys: 5,
    from: " FROM alerts al JOIN accounts a ON a.id = al.account_id \
        JOIN customers c ON c.id = a.customer_id LEFT JOIN transactions t ON t.id = al.transaction_id",
    records: " WHERE",
    id: "al.id",
    at: None,
};

fn alert_key() -> String {
    format!(
        "(al.created_at {DAY_OF}, al.rule, COALESCE(al.grade, ''), c.city, \
         COALESCE(t.channel, '')"
    )
}

/// Raised, then the dispositions of a closed alert.
const ALERT_RAISED: &str = "1";
const ALERT_DISPOSED: [&str; 4] = [
    "CASE WHEN al.disposition = 'confirmed_fraud' THEN 1 ELSE 0 END",
    "CASE WHEN al.disposition = 'false_positive' THEN 1 ELSE 0 END",
    "CASE WHEN al.disposition = 'benign' THEN 1 ELSE 0 END",
    "CASE WHEN al.disposition = 'confirmed_fraud' THEN COALESCE(al.amount_fen, 0) ELSE 0 END",
];

/// Limit changes `lc`, with their account `a` and customer `c`.
const LIMIT_CHANGES: Kept = Kept {
    table: "metric_limit_changes",
    columns: &[
        "day",
        "grade",
        "city",
        "source",
        "proposed",
        "approved",
        "rejected",
        "expired",
        "approved_change_fen",
    ],
    keys: 4,
    from: " FROM limit_changes lc JOIN accounts a ON a.id = lc.account_id \
        JOIN customers c ON c.id = a.customer_id",
    records: " WHERE",
    id: "lc.id",
    at: None,
};

fn limit_change_key() -> String {
    format!("(lc.created_at {DAY_OF}, COALESCE(lc.grade, ''), c.city, lc.source")
}

const LIMIT_CHANGE_PROPOSED: &str = "1";
const LIMIT_CHANGE_DECIDED: [&str; 4] = [
    "CASE WHEN lc.status = 'applied' THEN 1 ELSE 0 END",
    "CASE WHEN lc.status = 'rejected' THEN 1 ELSE 0 END",
    "CASE WHEN lc.status = 'expired' THEN 1 ELSE 0 END",
    "CASE WHEN lc.status = 'applied' THEN lc.proposed_limit_fen - lc.current_limit_fen ELSE 0 END",
];

/// What a limit change adds to its rollup row at a step of its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum LimitChangeStep {
    Proposed,
    /// Applied, rejected or expired.
    Decided,
}

/// Adds a limit change's step to the rollup of the day it was proposed.
pub(super) async fn count_limit_change<DB>(
    conn: &mut DB::Connection,
    limit_change_id: i64,
    step: LimitChangeStep,
) -> StoreResult<()>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    i64: Type<DB> + for<'q> Encode<'q, DB>,
    String: Type<DB> + for<'q> Encode<'q, DB>,
{
    let counts = match step {
        LimitChangeStep::Proposed => [LIMIT_CHANGE_PROPOSED, "0", "0", "0", "0"],
        LimitChangeStep::Decided => {
            let [a, b, c, d] = LIMIT_CHANGE_DECIDED;
            ["0", a, b, c, d]
        }
    };
    add_counts(
        conn,
        &LIMIT_CHANGES,
        &limit_change_key(),
        &counts,
        &[limit_change_id],
        None,
    )
    .await
}

/// Adds the records `ids`' `counts` (SQL over one record) to their rollup
/// rows, summed per key, in key order: two writers wanting the same rows
/// take them in one order. `span`: the earliest and latest time of the
/// records, for a partitioned table.
async fn add_counts<DB>(
    conn: &mut DB::Connection,
    kept: &Kept,
    key: &str,
    counts: &[&str],
    ids: &[i64],
    span: Option<(i64, i64)>,
) -> StoreResult<()>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    i64: Type<DB> + for<'q> Encode<'q, DB>,
    String: Type<DB> + for<'q> Encode<'q, DB>,
{
    debug_assert_eq!(
        kept.columns.len(),
        kept.keys + counts.len(),
        "{}",
        kept.table
    );
    // One record (an operator's decision, a payment alone) by its id, its
    // counts as they are: a list's plan and a grouping cost more than the
    // row they find, inside a write that holds its locks meanwhile.
    let one = ids.len() == 1;
    let counts: Vec<String> = counts
        .iter()
        .map(|c| {
            if one {
                (*c).to_owned()
            } else {
                format!("SUM({c})")
            }
        })
        .collect();
    let positions: Vec<String> = (1..=kept.keys).map(|i| i.to_string()).collect();
    let positions = positions.join(", ");
    execute(conn, |q| {
        q.push(&format!(
            "INSERT INTO {} ({}) SELECT {key}, {}",
            kept.table,
            kept.columns.join(", "),
            counts.join(", ")
        ))
        .push(kept.from);
        q.push(kept.records);
        is_one_of(q, kept.id, ids, "BIGINT");
        if let (Some(at), Some((from, to))) = (kept.at, span) {
            q.push(" AND ").push(at).push(" BETWEEN ").bind(from);
            q.push(" AND ").bind(to);
        }
        if !one {
            q.push(" GROUP BY ").push(&positions);
            q.push(" ORDER BY ").push(&positions);
        }
        q.push(&upsert(kept));
    })
    .await
}

/// The delinquency bucket of `dpd` days past due, as `DpdBucket::of` and its index.
fn bucket_of(dpd: &str) -> String {
    format!(
        "CASE WHEN {dpd} <= 0 THEN 0 WHEN {dpd} <= 30 THEN 1 WHEN {dpd} <= 60 THEN 2 \
         WHEN {dpd} <= 90 THEN 3 ELSE 4 END"
    )
}

/// The utilisation band of a month-end row `m`: 0 when nothing is owed,
/// then one band per bound of `UTILISATION_BANDS_BP` after the first.
fn band_of() -> String {
    let mut case = String::from("CASE WHEN m.balance_fen <= 0 THEN 0");
    for (band, bound) in (1..).zip(&UTILISATION_BANDS_BP[1..]) {
        case.push_str(&format!(
            " WHEN m.balance_fen * 10000 < m.limit_fen * {bound} THEN {band}"
        ));
    }
    case.push_str(&format!(" ELSE {} END", UTILISATION_BANDS_BP.len()));
    case
}

/// The month-end rollups: table, columns, and the grouped SELECT over
/// `account_months m` whose months are bound after it (`m.month BETWEEN`).
fn month_rollups() -> [(&'static str, &'static str, String); 4] {
    let bucket = bucket_of("m.dpd");
    [
        (
            "metric_buckets",
            "month, grade, city, bucket, accounts, balance_fen",
            format!(
                "SELECT m.month, m.grade, m.city, {bucket}, COUNT(*), SUM(m.balance_fen) \
                 FROM account_months m"
            ),
        ),
        (
            "metric_lines",
            "month, grade, city, band, accounts, limit_fen, balance_fen",
            format!(
                "SELECT m.month, m.grade, m.city, {}, COUNT(*), SUM(m.limit_fen), \
                 SUM(m.balance_fen) FROM account_months m",
                band_of()
            ),
        ),
        (
            "metric_vintages",
            "month, grade, city, cohort, accounts, dpd30",
            "SELECT m.month, m.grade, m.city, m.cohort, COUNT(*), \
             SUM(CASE WHEN m.dpd >= 30 THEN 1 ELSE 0 END) FROM account_months m"
                .to_owned(),
        ),
        (
            "metric_rolls",
            "month, grade, city, from_bucket, to_bucket, accounts",
            format!(
                "SELECT m.month, m.grade, m.city, {bucket}, {}, COUNT(*) FROM account_months m \
                 JOIN account_months n ON n.account_id = m.account_id AND n.month = m.month + 1",
                bucket_of("n.dpd")
            ),
        ),
    ]
}

/// Recounts the month-end rollups of months `from..=to` (and the rolls into
/// `from`), or of every month.
async fn recount_months<DB>(
    conn: &mut DB::Connection,
    months: Option<(i32, i32)>,
) -> StoreResult<()>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    i32: Type<DB> + for<'q> Encode<'q, DB>,
{
    for (table, columns, select) in month_rollups() {
        // A roll is counted under the month it leaves.
        let months = months.map(|(from, to)| {
            if table == "metric_rolls" {
                (from - 1, to)
            } else {
                (from, to)
            }
        });
        let within = |q: &mut Query<'_, DB>, column: &str| {
            if let Some((from, to)) = months {
                q.and().push(column).push(" BETWEEN ").bind(from);
                q.push(" AND ").bind(to);
            }
        };
        execute(&mut *conn, |q| {
            q.push("DELETE FROM ").push(table);
            within(q, "month");
        })
        .await?;
        execute(&mut *conn, |q| {
            q.push(&format!("INSERT INTO {table} ({columns}) {select}"));
            within(q, "m.month");
            let keys = if table == "metric_rolls" { 5 } else { 4 };
            let positions: Vec<String> = (1..=keys).map(|i| i.to_string()).collect();
            q.push(" GROUP BY ").push(&positions.join(", "));
        })
        .await?;
    }
    Ok(())
}

/// Writes month-end rows; a row already there for the month is replaced.
pub(super) async fn insert_account_months<DB>(
    conn: &mut DB::Connection,
    rows: &[AccountMonthRow],
) -> StoreResult<()>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    i32: Type<DB> + for<'q> Encode<'q, DB>,
    i64: Type<DB> + for<'q> Encode<'q, DB>,
    String: Type<DB> + for<'q> Encode<'q, DB>,
{
    for chunk in rows.chunks(INSERT_CHUNK) {
        execute(&mut *conn, |q| {
            q.push("INSERT INTO account_months (")
                .push(<AccountMonthRow as Columns>::NAMES)
                .push(")");
            q.values(chunk, |t, r| {
                t.bind(r.month)
                    .bind(r.account_id)
                    .bind(r.grade.clone())
                    .bind(r.city.clone())
                    .bind(r.cohort)
                    .bind(r.dpd)
                    .bind(r.limit_fen)
                    .bind(r.balance_fen);
            });
            q.push(
                " ON CONFLICT (month, account_id) DO UPDATE SET grade = excluded.grade, \
                 city = excluded.city, cohort = excluded.cohort, dpd = excluded.dpd, \
                 limit_fen = excluded.limit_fen, balance_fen = excluded.balance_fen",
            );
        })
        .await?;
    }
    Ok(())
}

/// What an alert adds to its rollup row at a step of its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum AlertStep {
    Raised,
    Closed,
}

/// Adds decided payments (`ids`, made between `span`'s two times) and the
/// alerts they raised to their days' rollups. The last statements of a
/// payment's write: a rollup row is shared by every payment of its day,
/// grade, city and channel, so a write holds it from here to its commit
/// only, and the writers of two instances wait on each other the
/// least. Payments' rows before alerts', in every write that takes both.
pub(super) async fn count_payments<DB>(
    conn: &mut DB::Connection,
    ids: &[i64],
    span: (i64, i64),
    raised: &[i64],
) -> StoreResult<()>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    i64: Type<DB> + for<'q> Encode<'q, DB>,
    String: Type<DB> + for<'q> Encode<'q, DB>,
{
    add_counts(
        &mut *conn,
        &AUTHORIZATIONS,
        &authorization_key(),
        &AUTHORIZATION_COUNTS,
        ids,
        Some(span),
    )
    .await?;
    if raised.is_empty() {
        return Ok(());
    }
    count_alerts::<DB>(conn, raised, AlertStep::Raised).await
}

/// Adds alerts' step to their days' rollups: raised, or closed with their dispositions.
pub(super) async fn count_alerts<DB>(
    conn: &mut DB::Connection,
    ids: &[i64],
    step: AlertStep,
) -> StoreResult<()>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    i64: Type<DB> + for<'q> Encode<'q, DB>,
    String: Type<DB> + for<'q> Encode<'q, DB>,
{
    let counts = match step {
        AlertStep::Raised => [ALERT_RAISED, "0", "0", "0", "0"],
        AlertStep::Closed => {
            let [a, b, c, d] = ALERT_DISPOSED;
            ["0", a, b, c, d]
        }
    };
    add_counts(conn, &ALERTS, &alert_key(), &counts, ids, None).await
}

/// `ON CONFLICT (key columns) DO UPDATE` adding the new counts to the row's.
fn upsert(kept: &Kept) -> String {
    let adds: Vec<String> = kept.columns[kept.keys..]
        .iter()
        .map(|c| format!("{c} = {}.{c} + excluded.{c}", kept.table))
        .collect();
    format!(
        " ON CONFLICT ({}) DO UPDATE SET {}",
        kept.columns[..kept.keys].join(", "),
        adds.join(", ")
    )
}

/// The rebuild of a kept rollup: the sums of the counts per key.
fn rebuilt(kept: &Kept, key: &str, counts: &[&str]) -> String {
    let sums: Vec<String> = counts.iter().map(|c| format!("SUM({c})")).collect();
    let positions: Vec<String> = (1..=kept.keys).map(|i| i.to_string()).collect();
    format!(
        "INSERT INTO {} ({}) SELECT {key}, {}{} GROUP BY {}",
        kept.table,
        kept.columns.join(", "),
        sums.join(", "),
        kept.from,
        positions.join(", ")
    )
}

/// The month-end rollups' filter: months and dimensions.
fn filtered_months<'q, DB: Database>(q: &mut Query<'q, DB>, f: &MetricFilter, column: &str)
where
    i32: Type<DB> + Encode<'q, DB>,
    String: Type<DB> + Encode<'q, DB>,
{
    let (from, to) = f.months();
    if let Some(from) = from {
        q.and().push(column).push(" >= ").bind(from);
    }
    if let Some(to) = to {
        q.and().push(column).push(" <= ").bind(to);
    }
    eq(q, "grade", &f.grade);
    eq(q, "city", &f.city);
}

/// The rollups' filter: days and dimensions.
fn filtered<'q, DB: Database>(q: &mut Query<'q, DB>, f: &MetricFilter)
where
    i64: Type<DB> + Encode<'q, DB>,
    String: Type<DB> + Encode<'q, DB>,
{
    cmp(q, "day >= ", f.from_day);
    cmp(q, "day < ", f.to_day);
    eq(q, "grade", &f.grade);
    eq(q, "city", &f.city);
    eq(q, "channel", &f.channel);
}

#[for_backends]
#[async_trait::async_trait]
impl<DB> Metrics for SqlStore<DB> {
    async fn rebuild_metrics(&self) -> StoreResult<u64> {
        let mut tx = self.begin_write().await?;
        // Proposals from before their grade was kept carry the grade of today.
        execute(&mut *tx, |q| {
            q.push(
                "UPDATE limit_changes SET grade = (SELECT grade FROM accounts \
                 WHERE accounts.id = limit_changes.account_id) WHERE grade IS NULL",
            );
        })
        .await?;
        let alert_counts: Vec<&str> = std::iter::once(ALERT_RAISED)
            .chain(ALERT_DISPOSED)
            .collect();
        let limit_change_counts: Vec<&str> = std::iter::once(LIMIT_CHANGE_PROPOSED)
            .chain(LIMIT_CHANGE_DECIDED)
            .collect();
        for (kept, insert) in [
            (
                &AUTHORIZATIONS,
                rebuilt(&AUTHORIZATIONS, &authorization_key(), &AUTHORIZATION_COUNTS),
            ),
            (&ALERTS, rebuilt(&ALERTS, &alert_key(), &alert_counts)),
            (
                &LIMIT_CHANGES,
                rebuilt(&LIMIT_CHANGES, &limit_change_key(), &limit_change_counts),
            ),
        ] {
            execute(&mut *tx, |q| {
                q.push("DELETE FROM ").push(kept.table);
            })
            .await?;
            execute(&mut *tx, |q| {
                q.push(&insert);
            })
            .await?;
        }
        recount_months::<DB>(&mut tx, None).await?;
        let written: Option<(i64,)> = fetch_optional(&mut *tx, |q| {
            q.push(
                "SELECT (SELECT COUNT(*) FROM metric_authorizations) \
                 + (SELECT COUNT(*) FROM metric_alerts) \
                 + (SELECT COUNT(*) FROM metric_limit_changes) \
                 + (SELECT COUNT(*) FROM metric_buckets) + (SELECT COUNT(*) FROM metric_lines) \
                 + (SELECT COUNT(*) FROM metric_vintages) + (SELECT COUNT(*) FROM metric_rolls)",
            );
        })
        .await?;
        tx.commit().await?;
        Ok(written.map_or(0, |(n,)| u64::try_from(n).unwrap_or(0)))
    }

    async fn authorization_days(&self, f: &MetricFilter) -> StoreResult<Vec<AuthorizationDayRow>> {
        fetch_all(&self.pool, |q| {
            q.push(
                "SELECT CAST(day AS BIGINT) AS day, CAST(SUM(approved) AS BIGINT) AS approved, \
                 CAST(SUM(review) AS BIGINT) AS review, CAST(SUM(declined) AS BIGINT) AS declined, \
                 CAST(SUM(approved_fen) AS BIGINT) AS approved_fen FROM metric_authorizations",
            );
            filtered(q, f);
            q.push(" GROUP BY day ORDER BY day");
        })
        .await
    }

    async fn alert_days(&self, f: &MetricFilter) -> StoreResult<Vec<AlertDayRow>> {
        fetch_all(&self.pool, |q| {
            q.push(
                "SELECT CAST(day AS BIGINT) AS day, rule, CAST(SUM(raised) AS BIGINT) AS raised, \
                 CAST(SUM(confirmed_fraud) AS BIGINT) AS confirmed_fraud, \
                 CAST(SUM(false_positive) AS BIGINT) AS false_positive, \
                 CAST(SUM(benign) AS BIGINT) AS benign, \
                 CAST(SUM(confirmed_fen) AS BIGINT) AS confirmed_fen FROM metric_alerts",
            );
            filtered(q, f);
            q.push(" GROUP BY day, rule ORDER BY day, rule");
        })
        .await
    }

    async fn record_account_months(&self, rows: &[AccountMonthRow]) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        insert_account_months::<DB>(&mut tx, rows).await?;
        tx.commit().await
    }

    async fn account_months(&self, month: i32) -> StoreResult<Vec<AccountMonthRow>> {
        fetch_all(&self.pool, |q| {
            q.push("SELECT * FROM account_months WHERE month = ")
                .bind(month)
                .push(" ORDER BY account_id");
        })
        .await
    }

    async fn recount_months(&self, from: i32, to: i32) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        recount_months::<DB>(&mut tx, Some((from, to))).await?;
        tx.commit().await
    }

    async fn bucket_months(&self, f: &MetricFilter) -> StoreResult<Vec<BucketRow>> {
        fetch_all(&self.pool, |q| {
            q.push(
                "SELECT month, bucket, CAST(SUM(accounts) AS BIGINT) AS accounts, \
                 CAST(SUM(balance_fen) AS BIGINT) AS balance_fen FROM metric_buckets",
            );
            filtered_months(q, f, "month");
            q.push(" GROUP BY month, bucket ORDER BY month, bucket");
        })
        .await
    }

    async fn line_bands(&self, f: &MetricFilter, month: i32) -> StoreResult<Vec<LineBandRow>> {
        fetch_all(&self.pool, |q| {
            q.push(
                "SELECT grade, band, CAST(SUM(accounts) AS BIGINT) AS accounts, \
                 CAST(SUM(limit_fen) AS BIGINT) AS limit_fen, \
                 CAST(SUM(balance_fen) AS BIGINT) AS balance_fen FROM metric_lines",
            );
            q.and().push("month = ").bind(month);
            eq(q, "grade", &f.grade);
            eq(q, "city", &f.city);
            q.push(" GROUP BY grade, band ORDER BY grade, band");
        })
        .await
    }

    async fn vintages(&self, f: &MetricFilter) -> StoreResult<Vec<VintageRow>> {
        fetch_all(&self.pool, |q| {
            q.push(
                "SELECT cohort, month, CAST(SUM(accounts) AS BIGINT) AS accounts, \
                 CAST(SUM(dpd30) AS BIGINT) AS dpd30 FROM metric_vintages",
            );
            // Cohorts opened in the period, seen up to its end (and so not
            // before its start: the key's first column narrows the read).
            filtered_months(q, f, "cohort");
            let (from, to) = f.months();
            if let Some(from) = from {
                q.and().push("month >= ").bind(from);
            }
            if let Some(to) = to {
                q.and().push("month <= ").bind(to);
            }
            q.push(" GROUP BY cohort, month ORDER BY cohort, month");
        })
        .await
    }

    async fn rolls(&self, f: &MetricFilter) -> StoreResult<Vec<RollRow>> {
        let last = f.months().1;
        fetch_all(&self.pool, |q| {
            q.push(
                "SELECT month, from_bucket, to_bucket, CAST(SUM(accounts) AS BIGINT) AS accounts \
                 FROM metric_rolls",
            );
            filtered_months(q, f, "month");
            // Only rolls that end inside the period.
            if let Some(last) = last {
                q.and().push("month < ").bind(last);
            }
            q.push(
                " GROUP BY month, from_bucket, to_bucket ORDER BY month, from_bucket, to_bucket",
            );
        })
        .await
    }

    async fn limit_change_days(&self, f: &MetricFilter) -> StoreResult<Vec<LimitChangeDayRow>> {
        fetch_all(&self.pool, |q| {
            q.push(
                "SELECT CAST(day AS BIGINT) AS day, CAST(SUM(proposed) AS BIGINT) AS proposed, \
                 CAST(SUM(approved) AS BIGINT) AS approved, \
                 CAST(SUM(rejected) AS BIGINT) AS rejected, \
                 CAST(SUM(expired) AS BIGINT) AS expired, \
                 CAST(SUM(approved_change_fen) AS BIGINT) AS approved_change_fen \
                 FROM metric_limit_changes",
            );
            cmp(q, "day >= ", f.from_day);
            cmp(q, "day < ", f.to_day);
            eq(q, "grade", &f.grade);
            eq(q, "city", &f.city);
            q.push(" GROUP BY day ORDER BY day");
        })
        .await
    }
}
