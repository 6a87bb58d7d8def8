//! Backtests of a version of the rules (`Backtests`): each a job with its
//! progress, a way to stop it, and its report kept with the version; and
//! the recorded history the job replays, read in a few large queries.

use super::{AccountDetailRow, StoreResult, TransactionRow};

/// The columns of a [`PastRow`].
pub const PAST_FIELDS: &str = "id, account_id, kind, order_id, merchant, category, amount_fen, \
    device_id, ip, lat, lon, city, status, occurred_at, rule_hits, rules_version";

/// A backtest: `rule_set_id` beside `against` (the live version when it
/// started) on the payments from `from_at` until `to_at`.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct BacktestRow {
    pub id: i64,
    pub rule_set_id: i64,
    pub against: i64,
    pub days: i64,
    pub from_at: i64,
    pub to_at: i64,
    /// running, done, cancelled or failed.
    pub status: String,
    pub done: i64,
    pub total: i64,
    /// The comparison as JSON, once done.
    pub report: Option<String>,
    pub error: Option<String>,
    pub started_by: String,
    pub started_at: i64,
    /// The job's last sign of life.
    pub updated_at: i64,
    pub finished_at: Option<i64>,
    pub cancel_at: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewBacktest {
    pub rule_set_id: i64,
    pub against: i64,
    pub days: i64,
    pub from_at: i64,
    pub to_at: i64,
    pub started_by: String,
    pub now: i64,
}

/// Why a backtest did not start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotStarted {
    NoRuleSet,
    /// One of this version is running; its id.
    Running(i64),
}

/// A recorded transaction as the workbench reads it: what the rules read,
/// what fired and which version decided (read as JSON, in [`PAST_FIELDS`]'
/// order).
#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
pub struct PastRow {
    pub id: i64,
    pub account_id: i64,
    pub kind: String,
    pub order_id: String,
    pub merchant: String,
    pub category: Option<String>,
    pub amount_fen: i64,
    pub device_id: Option<String>,
    pub ip: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub city: Option<String>,
    pub status: String,
    pub occurred_at: i64,
    pub rule_hits: Option<String>,
    pub rules_version: Option<i64>,
}

/// A blacklist entry with its times, as the backtest replays them.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct ListedRow {
    pub id: i64,
    pub kind: String,
    pub value: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub removed_at: Option<i64>,
}

/// An alert on a payment, as the comparisons and the rules' record read it.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct RaisedRow {
    pub transaction_id: i64,
    pub rule: String,
    pub disposition: Option<String>,
}

/// A running job that has not reported for this long has lost its instance.
pub const BACKTEST_SILENT_MS: i64 = 30_000;

#[async_trait::async_trait]
pub trait Backtests {
    /// Starts a backtest (after failing any of the version's that went
    /// silent), or says why not.
    async fn start_backtest(&self, b: &NewBacktest)
    -> StoreResult<Result<BacktestRow, NotStarted>>;
    /// The job's progress; true when someone asked it to stop.
    async fn backtest_progress(
        &self,
        id: i64,
        done: i64,
        total: i64,
        now: i64,
    ) -> StoreResult<bool>;
    /// The job's end: done with its report, cancelled or failed with why.
    async fn finish_backtest(
        &self,
        id: i64,
        status: &str,
        report: Option<&str>,
        error: Option<&str>,
        now: i64,
    ) -> StoreResult<()>;
    /// Asks a running backtest to stop; the row as it is now, if any.
    async fn cancel_backtest(&self, id: i64, now: i64) -> StoreResult<Option<BacktestRow>>;
    async fn backtest(&self, id: i64) -> StoreResult<Option<BacktestRow>>;
    /// A version's backtests, newest first (at most `limit`).
    async fn backtests(&self, rule_set_id: i64, limit: u32) -> StoreResult<Vec<BacktestRow>>;

    /// The payments judged by version `version` in shadow, oldest first.
    async fn shadowed_by(&self, version: i64) -> StoreResult<Vec<TransactionRow>>;
    /// Every transaction from `from` (inclusive) until `to` (exclusive).
    async fn transactions_between(&self, from: i64, to: i64) -> StoreResult<Vec<PastRow>>;
    /// Every approved purchase before `before`, as (account, time, amount
    /// in fen), in no order.
    async fn approved_before(&self, before: i64) -> StoreResult<Vec<(i64, i64, i64)>>;
    /// Each account's devices seen before `before`, as (account, device).
    async fn devices_before(&self, before: i64) -> StoreResult<Vec<(i64, String)>>;
    /// The alerts on payments raised from `from` on: the payment, the
    /// rule, and the team's disposition once closed.
    async fn alerts_since(&self, from: i64) -> StoreResult<Vec<RaisedRow>>;
    /// Every blacklist entry ever made, with its times.
    async fn blacklist_history(&self) -> StoreResult<Vec<ListedRow>>;
    /// A page of accounts with their customers, as `accounts_after` reads
    /// them, on the store's background connection.
    async fn accounts_in_background(
        &self,
        after_id: i64,
        limit: u32,
    ) -> StoreResult<Vec<AccountDetailRow>>;
}
