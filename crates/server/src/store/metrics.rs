//! The portfolio metrics' rollups: counts per business day kept up to date
//! by the writers (an authorization, an alert raised, an alert closed), in
//! the writer's own transaction, so that a metrics request reads a few
//! hundred rollup rows and never the transactions. `rebuild_metrics`
//! recomputes them from the records with the same expressions, and the
//! tests check that the two agree.

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
}
