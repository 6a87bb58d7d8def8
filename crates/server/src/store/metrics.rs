//! The portfolio metrics' rollups: counts per business day kept up to date
//! by the writers (an authorization, an alert raised or closed, a limit
//! change proposed, decided or expired), in the writer's own transaction,
//! and counts per month recounted from the accounts' month-end rows when
//! the end of day rewrites them, so that a metrics request reads a few
//! hundred rollup rows and never the transactions or the accounts. `rebuild_metrics`
//! recomputes them from the records with the same expressions, and the
//! tests check that the two agree.

use riskdesk_domain::billing::from_day_number;
use riskdesk_domain::metrics::Month;

use super::StoreResult;

/// Which rollups to read: business days `from_day..to_day` (days since
/// 1970-01-01, China time) and the dimensions, each `None` for all.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct MetricFilter {
    pub from_day: Option<i64>,
    pub to_day: Option<i64>,
    pub grade: Option<String>,
    /// The customer's home city.
    pub city: Option<String>,
    pub channel: Option<String>,
}

impl MetricFilter {
    /// The months the filter's days touch, for the month-end rollups
    /// (`Month::index`, both included).
    pub fn months(&self) -> (Option<i32>, Option<i32>) {
        let month = |day: i64| {
            let date = from_day_number(i32::try_from(day).unwrap_or(0));
            Month::of(date).index()
        };
        (self.from_day.map(month), self.to_day.map(|d| month(d - 1)))
    }
}

/// Authorization decisions on one business day.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct AuthorizationDayRow {
    pub day: i64,
    pub approved: i64,
    pub review: i64,
    pub declined: i64,
    /// What the approved and reviewed payments reserved.
    pub approved_fen: i64,
}

/// One rule's alerts raised on one business day, and how those that are
/// closed were disposed of.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct AlertDayRow {
    pub day: i64,
    pub rule: String,
    pub raised: i64,
    pub confirmed_fraud: i64,
    pub false_positive: i64,
    pub benign: i64,
    /// The amounts of the confirmed-fraud alerts.
    pub confirmed_fen: i64,
}

/// An account as it stood at a month's end (`riskdesk_domain::metrics::Month::index`).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct AccountMonthRow {
    pub month: i32,
    pub account_id: i64,
    pub grade: String,
    /// The customer's home city.
    pub city: String,
    /// The month the account was opened.
    pub cohort: i32,
    pub dpd: i32,
    pub limit_fen: i64,
    /// What the account owes.
    pub balance_fen: i64,
}

/// The accounts of one delinquency bucket (0 = M0 … 4 = M3+) at a month's end.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct BucketRow {
    pub month: i32,
    pub bucket: i16,
    pub accounts: i64,
    pub balance_fen: i64,
}

/// The lines of one grade in one utilisation band (0 = nothing owed, then
/// one per `riskdesk_domain::metrics::UTILISATION_BANDS_BP`) at a month's end.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct LineBandRow {
    pub grade: String,
    pub band: i16,
    pub accounts: i64,
    pub limit_fen: i64,
    pub balance_fen: i64,
}

/// One cohort's accounts at a month's end, and those 30+ days past due.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct VintageRow {
    pub cohort: i32,
    pub month: i32,
    pub accounts: i64,
    pub dpd30: i64,
}

/// Accounts that were in `from_bucket` at the end of `month` and in
/// `to_bucket` a month later.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct RollRow {
    pub month: i32,
    pub from_bucket: i16,
    pub to_bucket: i16,
    pub accounts: i64,
}

/// Limit changes proposed on one business day, and how they were decided.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct LimitChangeDayRow {
    pub day: i64,
    pub proposed: i64,
    pub approved: i64,
    pub rejected: i64,
    pub expired: i64,
    pub approved_change_fen: i64,
}

#[async_trait::async_trait]
pub trait Metrics {
    /// Recomputes every rollup from the records, in one transaction;
    /// returns the rollup rows written.
    async fn rebuild_metrics(&self) -> StoreResult<u64>;
    async fn authorization_days(
        &self,
        filter: &MetricFilter,
    ) -> StoreResult<Vec<AuthorizationDayRow>>;
    /// By day, then rule.
    async fn alert_days(&self, filter: &MetricFilter) -> StoreResult<Vec<AlertDayRow>>;

    /// Writes (or rewrites) accounts' month-end rows.
    async fn record_account_months(&self, rows: &[AccountMonthRow]) -> StoreResult<()>;
    /// The accounts' rows at the end of `month`, by account.
    async fn account_months(&self, month: i32) -> StoreResult<Vec<AccountMonthRow>>;
    /// Recounts the month-end rollups of months `from..=to` and of the rolls
    /// into them, in one transaction.
    async fn recount_months(&self, from: i32, to: i32) -> StoreResult<()>;
    /// The delinquency buckets of the filter's months, by month and bucket.
    async fn bucket_months(&self, filter: &MetricFilter) -> StoreResult<Vec<BucketRow>>;
    /// The lines by grade and utilisation band at the end of `month`.
    async fn line_bands(&self, filter: &MetricFilter, month: i32) -> StoreResult<Vec<LineBandRow>>;
    /// The cohorts opened in the filter's months, at each month's end up to its last.
    async fn vintages(&self, filter: &MetricFilter) -> StoreResult<Vec<VintageRow>>;
    /// The rolls from each of the filter's months into the next.
    async fn rolls(&self, filter: &MetricFilter) -> StoreResult<Vec<RollRow>>;
    /// By the day proposed.
    async fn limit_change_days(&self, filter: &MetricFilter)
    -> StoreResult<Vec<LimitChangeDayRow>>;
}
