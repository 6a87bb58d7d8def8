//! The console's reads: keyset-paged lists with their filters, and one
//! account with its customer, freezes and blacklist matches.

use super::{
    AccountDetailRow, AccountRow, AccountSort, AlertRow, AlertSort, BlacklistProbe, BlacklistRow,
    DisputeRow, FreezeRow, LimitChangeRow, PageRequest, StatusCount, StoreResult, TransactionRow,
};

/// How to find accounts. `search` is already classified by the HTTP layer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccountFilter {
    pub search: Option<AccountSearch>,
    pub grade: Option<String>,
    pub status: Option<String>,
    /// Inclusive DPD range; `None` upper end means unbounded.
    pub dpd_range: Option<(i32, Option<i32>)>,
    /// The customer's home city.
    pub city: Option<String>,
    pub utilisation_min_bp: Option<i64>,
    pub utilisation_max_bp: Option<i64>,
    /// The id always breaks ties.
    pub sort: AccountSort,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccountSearch {
    Id(i64),
    PhoneTail(String),
    /// A masked name, or its first characters.
    NamePrefix(String),
}

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct TransactionFilter {
    pub account_id: i64,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub kind: Option<String>,
    pub status: Option<String>,
    pub amount_min_fen: Option<i64>,
    pub amount_max_fen: Option<i64>,
    pub merchant: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct AlertFilter {
    pub status: Option<String>,
    pub severity_rank: Option<i16>,
    pub rule: Option<String>,
    pub assignee: Option<Assignee>,
    pub account_id: Option<i64>,
    pub created_from: Option<i64>,
    pub created_to: Option<i64>,
    pub order: AlertSort,
}

#[derive(serde::Serialize, Clone, Debug, PartialEq, Eq)]
pub enum Assignee {
    Nobody,
    Operator(String),
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BlacklistFilter {
    pub kind: Option<String>,
    pub text: Option<String>,
    /// Entries that expired before this time are left out; `None` keeps them.
    pub live_at: Option<i64>,
    /// Only entries whose removal waits for a second person.
    pub removal_pending: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LimitChangeFilter {
    pub status: Option<String>,
    pub account_id: Option<i64>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct DisputeFilter {
    pub status: Option<String>,
    pub account_id: Option<i64>,
}

#[async_trait::async_trait]
pub trait Lists: Send + Sync {
    async fn accounts(
        &self,
        filter: &AccountFilter,
        page: &PageRequest,
    ) -> StoreResult<Vec<AccountRow>>;
    /// One account with its customer's profile, in one query.
    async fn account(&self, id: i64) -> StoreResult<Option<AccountDetailRow>>;
    /// What the account's customer owed from the transactions before
    /// `before` (`domain::history::owed_change` summed), in fen.
    async fn owed_before(&self, account_id: i64, before: i64) -> StoreResult<i64>;
    async fn transactions(
        &self,
        filter: &TransactionFilter,
        page: &PageRequest,
    ) -> StoreResult<Vec<TransactionRow>>;
    async fn alerts(&self, filter: &AlertFilter, page: &PageRequest) -> StoreResult<Vec<AlertRow>>;
    async fn blacklist(
        &self,
        filter: &BlacklistFilter,
        page: &PageRequest,
    ) -> StoreResult<Vec<BlacklistRow>>;
    async fn limit_changes(
        &self,
        filter: &LimitChangeFilter,
        page: &PageRequest,
    ) -> StoreResult<Vec<LimitChangeRow>>;
    async fn disputes(
        &self,
        filter: &DisputeFilter,
        page: &PageRequest,
    ) -> StoreResult<Vec<DisputeRow>>;
    /// How many alerts the filter holds per status (its own status ignored).
    async fn alert_counts(&self, filter: &AlertFilter) -> StoreResult<Vec<StatusCount>>;
    /// Live blacklist entries that match an account: its customer, phone,
    /// national ID or city, or a device, IP or merchant of its transactions.
    async fn blacklist_matches(
        &self,
        probe: &BlacklistProbe,
        now: i64,
    ) -> StoreResult<Vec<BlacklistRow>>;
    /// An account's freezes, newest first.
    async fn freezes(&self, account_id: i64) -> StoreResult<Vec<FreezeRow>>;
}
