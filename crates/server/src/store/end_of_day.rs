//! The end of a business day's side of the store: its claim per date,
//! statements, days past due, scores, the limit review's proposals and
//! their expiry (and the generator's past triage).

use super::{AccountDetailRow, LimitChangeRow, StoreResult};

/// A statement: what an account was billed on a business date, and how much
/// of it is unpaid. Dates are days since 1970-01-01 (China time).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow, serde::Deserialize)]
pub struct BillRow {
    pub id: i64,
    pub account_id: i64,
    pub bill_date: i32,
    pub due_date: i32,
    pub amount_fen: i64,
    pub remaining_fen: i64,
}

/// An account billed today, with what it owes beyond its unpaid bills.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct Unbilled {
    pub account_id: i64,
    pub due_day: i32,
    pub unbilled_fen: i64,
}

/// Who runs a business date's end of day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EodClaim {
    /// This caller: go on.
    Started,
    /// It ran already: its summary (JSON).
    Done(String),
    /// Another instance is running it, since this time.
    Running { since: i64 },
}

/// A re-scored account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rescored {
    pub account_id: i64,
    pub score: i32,
    pub grade: String,
}

/// An alert's triage, as the generator writes the demo's past work.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlertTriage {
    pub id: i64,
    pub status: String,
    pub assignee: Option<String>,
    pub disposition: Option<String>,
    pub escalated_by: Option<String>,
}

#[async_trait::async_trait]
pub trait EndOfDay: Send + Sync {
    /// Claims the end of day of business date `date` (days since 1970);
    /// an unfinished run started before `stale_before` is taken over.
    async fn claim_end_of_day(
        &self,
        date: i32,
        now: i64,
        stale_before: i64,
    ) -> StoreResult<EodClaim>;
    async fn finish_end_of_day(&self, date: i32, now: i64, summary: &str) -> StoreResult<()>;
    /// Accounts billed on one of `bill_days` (days of the month) that owe
    /// more than their unpaid bills, and by how much.
    async fn unbilled(&self, bill_days: &[i32]) -> StoreResult<Vec<Unbilled>>;
    /// Inserts bills, skipping any already cut (same account and date);
    /// returns how many were new.
    async fn insert_bills(&self, bills: &[BillRow]) -> StoreResult<u64>;
    /// An account's bills, oldest first.
    async fn bills(&self, account_id: i64) -> StoreResult<Vec<BillRow>>;
    /// Days past due at the end of `date` from the oldest unpaid bill due
    /// before it; the worst in 12 months follows; over 90 days past due an
    /// active account is frozen. Returns how many accounts are past due.
    async fn update_delinquency(&self, date: i32) -> StoreResult<u64>;
    /// Accounts with their customers, in id order after `after_id`.
    async fn accounts_after(&self, after_id: i64, limit: u32)
    -> StoreResult<Vec<AccountDetailRow>>;
    async fn save_scores(&self, scores: &[Rescored], scored_at: i64) -> StoreResult<()>;
    /// Inserts the engine's proposals, skipping accounts that already have
    /// a pending one; returns how many were new.
    async fn propose_limit_changes(&self, proposals: &[LimitChangeRow]) -> StoreResult<u64>;
    /// Pending limit changes whose time ran out become expired; returns how many.
    async fn expire_limit_changes(&self, now: i64) -> StoreResult<u64>;
    /// Sets alerts' triage (status, assignee, disposition) in one
    /// transaction: the generator's past work on the demo queue.
    async fn triage_alerts(&self, triage: &[AlertTriage]) -> StoreResult<()>;
}
