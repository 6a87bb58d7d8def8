//! [`Metrics`] over sqlx. Each rollup has one key and one set of counts,
//! written as SQL over the record and its account and customer; the
//! increment applies them to one record (`INSERT … SELECT … ON CONFLICT`
//! adds to the row), the rebuild to all of them (`GROUP BY`), so that the
//! two cannot count differently.

use super::*;

/// A business day: days since 1970-01-01 in China time (UTC+8), as
/// `riskdesk_domain::billing::day_number` counts them.
const DAY_OF: &str = "+ 28800000) / 86400000";

const AUTHORIZATION_COLUMNS: [&str; 8] = [
    "day",
    "grade",
    "city",
    "channel",
    "approved",
    "review",
    "declined",
    "approved_fen",
];
/// The rollup's key: the first columns.
const AUTHORIZATION_KEYS: usize = 4;
/// A decided payment `t`, its account `a` and customer `c`.
const AUTHORIZATION_FROM: &str = " FROM transactions t JOIN accounts a ON a.id = t.account_id \
    JOIN customers c ON c.id = a.customer_id WHERE t.decision IS NOT NULL";

fn authorization_key() -> String {
    format!("(t.occurred_at {DAY_OF}, COALESCE(t.grade, ''), c.city, COALESCE(t.channel, '')")
}

const AUTHORIZATION_COUNTS: [&str; 4] = [
    "CASE WHEN t.decision = 'approve' THEN 1 ELSE 0 END",
    "CASE WHEN t.decision = 'review' THEN 1 ELSE 0 END",
    "CASE WHEN t.decision = 'decline' THEN 1 ELSE 0 END",
    "CASE WHEN t.decision = 'decline' THEN 0 ELSE t.amount_fen END",
];

const ALERT_COLUMNS: [&str; 10] = [
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
];
const ALERT_KEYS: usize = 5;
/// An alert `al`, its account `a`, customer `c` and payment `t` (if any).
const ALERT_FROM: &str = " FROM alerts al JOIN accounts a ON a.id = al.account_id \
    JOIN customers c ON c.id = a.customer_id LEFT JOIN transactions t ON t.id = al.transaction_id";

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

/// What an alert adds to its rollup row at a step of its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum AlertStep {
    Raised,
    Closed,
}

/// Adds one decided payment to its day's rollup.
pub(super) async fn count_authorization<DB>(
    conn: &mut DB::Connection,
    transaction_id: i64,
) -> StoreResult<()>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    i64: Type<DB> + for<'q> Encode<'q, DB>,
{
    let values = format!(
        "{}, {}",
        authorization_key(),
        AUTHORIZATION_COUNTS.join(", ")
    );
    execute(conn, |q| {
        q.push(&format!(
            "INSERT INTO metric_authorizations ({}) SELECT {values}",
            AUTHORIZATION_COLUMNS.join(", ")
        ))
        .push(AUTHORIZATION_FROM)
        .push(" AND t.id = ")
        .bind(transaction_id);
        q.push(&upsert(
            "metric_authorizations",
            &AUTHORIZATION_COLUMNS,
            AUTHORIZATION_KEYS,
        ));
    })
    .await
}

/// Adds an alert's step to its day's rollup: raised, or closed with its disposition.
pub(super) async fn count_alert<DB>(
    conn: &mut DB::Connection,
    alert_id: i64,
    step: AlertStep,
) -> StoreResult<()>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    i64: Type<DB> + for<'q> Encode<'q, DB>,
{
    let counts = match step {
        AlertStep::Raised => format!("{ALERT_RAISED}, 0, 0, 0, 0"),
        AlertStep::Closed => format!("0, {}", ALERT_DISPOSED.join(", ")),
    };
    execute(conn, |q| {
        q.push(&format!(
            "INSERT INTO metric_alerts ({}) SELECT {}, {counts}",
            ALERT_COLUMNS.join(", "),
            alert_key()
        ))
        .push(ALERT_FROM)
        .push(" WHERE al.id = ")
        .bind(alert_id);
        q.push(&upsert("metric_alerts", &ALERT_COLUMNS, ALERT_KEYS));
    })
    .await
}

/// `ON CONFLICT (key columns) DO UPDATE` adding the new counts to the row's.
fn upsert(table: &str, columns: &[&str], key: usize) -> String {
    let adds: Vec<String> = columns[key..]
        .iter()
        .map(|c| format!("{c} = {table}.{c} + excluded.{c}"))
        .collect();
    format!(
        " ON CONFLICT ({}) DO UPDATE SET {}",
        columns[..key].join(", "),
        adds.join(", ")
    )
}

/// Sums of the counts per key, for the rebuild.
fn grouped(key: &str, counts: &[&str], from: &str, key_columns: usize) -> String {
    let sums: Vec<String> = counts.iter().map(|c| format!("SUM({c})")).collect();
    let positions: Vec<String> = (1..=key_columns).map(|i| i.to_string()).collect();
    format!(
        "SELECT {key}, {}{from} GROUP BY {}",
        sums.join(", "),
        positions.join(", ")
    )
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

#[async_trait::async_trait]
impl<DB> Metrics for SqlStore<DB>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    i16: Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB>,
    i32: Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB>,
    i64: Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB>,
    f64: Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB>,
    String: Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB>,
    Option<i64>: Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB>,
    Option<f64>: Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB>,
    Option<String>: Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB>,
    for<'s> &'s str: ColumnIndex<DB::Row>,
    usize: ColumnIndex<DB::Row>,
{
    async fn rebuild_metrics(&self) -> StoreResult<u64> {
        let mut tx = self.begin_write().await?;
        let authorizations = grouped(
            &authorization_key(),
            &AUTHORIZATION_COUNTS,
            AUTHORIZATION_FROM,
            AUTHORIZATION_KEYS,
        );
        let alert_counts: Vec<&str> = std::iter::once(ALERT_RAISED)
            .chain(ALERT_DISPOSED)
            .collect();
        let alerts = grouped(&alert_key(), &alert_counts, ALERT_FROM, ALERT_KEYS);
        for (table, columns, select) in [
            (
                "metric_authorizations",
                &AUTHORIZATION_COLUMNS[..],
                authorizations,
            ),
            ("metric_alerts", &ALERT_COLUMNS[..], alerts),
        ] {
            execute(&mut *tx, |q| {
                q.push("DELETE FROM ").push(table);
            })
            .await?;
            execute(&mut *tx, |q| {
                q.push(&format!("INSERT INTO {table} ({}) ", columns.join(", ")))
                    .push(&select);
            })
            .await?;
        }
        let written: Option<(i64,)> = fetch_optional(&mut *tx, |q| {
            q.push(
                "SELECT (SELECT COUNT(*) FROM metric_authorizations) \
                 + (SELECT COUNT(*) FROM metric_alerts)",
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
}
