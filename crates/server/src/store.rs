//! Persistence. One [`Store`] interface, implemented once over sqlx for both
//! SQLite (the embedded default) and PostgreSQL (for scale) in [`sql`].
//!
//! Times are UTC milliseconds since the epoch and money is whole fen, in both
//! databases. Rows come back as the plain structs below; the HTTP layer turns
//! them into wire views.

mod admin;
mod decisions;
mod decode;
mod ledger;
mod metrics;
mod query;
mod sql;

use std::sync::Arc;

pub use crate::data_key::DataKeys;

pub use riskdesk_api::lists::{AccountSort, AlertSort};

pub use admin::*;
pub use decisions::*;
pub use ledger::*;
pub use metrics::*;
pub use sql::SqlStore;

/// Any store error. Constraint violations and the like are mapped by the
/// callers that expect them; anything else is a 500 with the detail in the log.
pub type StoreResult<T> = Result<T, sqlx::Error>;

/// What a database is opened for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// Serving many clients: a large page cache per connection.
    Serve,
    /// Serving one operator inside the desktop app, whose memory is the
    /// operator's: a small page cache.
    Embedded,
    /// Filling an empty database with the generator, with nobody else reading.
    BulkLoad,
}

/// Opens the database at `url` (`sqlite:` or `postgres:`) to serve,
/// creating it and running the migrations as needed.
pub async fn open(url: &str, keys: &DataKeys) -> anyhow::Result<Arc<dyn Store>> {
    open_for(url, Purpose::Serve, keys).await
}

/// Opens the database for `purpose`, sealing and opening personal data
/// and secrets with `keys`. A database written before sealing is sealed
/// in place, once.
pub async fn open_for(
    url: &str,
    purpose: Purpose,
    keys: &DataKeys,
) -> anyhow::Result<Arc<dyn Store>> {
    let keys = Arc::new(keys.clone());
    let store: Arc<dyn Store> = if url.starts_with("sqlite:") {
        Arc::new(SqlStore::open_sqlite(url, purpose, keys).await?)
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Arc::new(SqlStore::open_postgres(url, keys).await?)
    } else {
        anyhow::bail!(
            "unsupported database URL (expected sqlite: or postgres:): {}",
            redact_url(url)
        )
    };
    store.check_data_key().await?;
    if store.meta(DATA_SEALED).await?.is_none() {
        let sealed = store.reseal().await?;
        store.set_meta(DATA_SEALED, "1").await?;
        if sealed != Resealed::default() {
            tracing::info!(
                ?sealed,
                "personal data and secrets written before sealing are sealed now"
            );
        }
    }
    // A database from before these rollups: built once.
    if store.meta(METRICS_BUILT).await?.as_deref() != Some(METRICS_VERSION) {
        let rows = store.rebuild_metrics().await?;
        store.set_meta(METRICS_BUILT, METRICS_VERSION).await?;
        tracing::info!(rows, "the portfolio metrics' rollups were built");
    }
    let chained = store.chain_audit().await?;
    if chained > 0 {
        tracing::info!(
            entries = chained,
            "audit entries written before the chain are chained now"
        );
    }
    Ok(store)
}

/// The URL with any password replaced, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!(
                "{}://{user}:<redacted>@{}",
                &url[..scheme_end],
                &url[at + 1..]
            )
        }
        _ => url.to_owned(),
    }
}

/// The `meta` key set once every secret and piece of personal data is
/// sealed (a database from before sealing is sealed at its first open).
pub const DATA_SEALED: &str = "data_sealed";

/// What [`Store::reseal`] sealed again (or for the first time).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Resealed {
    pub customers: u64,
    pub operators: u64,
    /// National-ID entries moved from the old unkeyed hash to the keyed one.
    pub blacklist: u64,
}

/// The `meta` key set once the metrics' rollups hold everything written:
/// to [`METRICS_VERSION`], the rollups this code keeps.
pub const METRICS_BUILT: &str = "metrics_built";
/// 1: authorizations and alerts; 2: limit changes and the month ends' too.
pub const METRICS_VERSION: &str = "2";

/// Everything the service reads and writes.
#[async_trait::async_trait]
pub trait Store: Decisions + Administration + Metrics + Send + Sync + std::fmt::Debug {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    async fn ping(&self) -> StoreResult<()>;
    /// Closes every connection, waiting for them: with SQLite this folds the
    /// write-ahead log back into the database file.
    async fn close(&self);

    /// A national ID as the blacklist lists it: its keyed hash.
    fn index_national_id(&self, national_id: &str) -> String;
    /// Seals under the current data key every secret and piece of personal
    /// data that is not yet (written before sealing, or under the previous
    /// key during a rotation), a page at a time, each page in a transaction,
    /// racing safely with the service's own writes.
    async fn reseal(&self) -> StoreResult<Resealed>;
    /// Refuses a data key that cannot open what the database holds.
    async fn check_data_key(&self) -> anyhow::Result<()>;

    async fn meta(&self, key: &str) -> StoreResult<Option<String>>;
    async fn set_meta(&self, key: &str, value: &str) -> StoreResult<()>;

    /// Drops (`true`) or rebuilds (`false`) the transactions' secondary
    /// indexes, so that a bulk load into an empty database writes each index
    /// once at the end instead of row by row; at the end it also moves
    /// PostgreSQL's id sequences past the loaded ids. Never while serving.
    async fn bulk_load_mode(&self, loading: bool) -> StoreResult<()>;
    /// Brings the planner's statistics and PostgreSQL's visibility map up to
    /// date once a bulk load and its replay are done, so that the first
    /// requests are planned and served as later ones will be.
    async fn settle_after_load(&self) -> StoreResult<()>;

    /// Makes room for transactions of `from_ms..=to_ms`: on PostgreSQL the
    /// months' partitions, created if missing (returns how many).
    async fn cover_months(&self, from_ms: i64, to_ms: i64) -> StoreResult<u64>;

    /// Writes a batch of generated records in one transaction.
    async fn insert_batch(&self, batch: &Batch) -> StoreResult<()>;

    async fn operator(&self, id: &str) -> StoreResult<Option<OperatorRow>>;
    /// Counts a failed sign-in, unless the operator is locked at `now` (then
    /// nothing changes and the answer is `None`). A lock that has lapsed
    /// starts the count again; the count reaching `lockout.max_attempts` locks
    /// the operator for the next of `lockout.locks_ms`. Returns the new count.
    async fn record_failed_sign_in(
        &self,
        id: &str,
        now: i64,
        lockout: &Lockout,
    ) -> StoreResult<Option<i32>>;
    /// Counts a wrong step-up code; at `max` in a row, ends the session
    /// `token_hash` and starts the count again. Returns the new count.
    async fn record_step_up_failure(
        &self,
        id: &str,
        token_hash: &str,
        max: i32,
        now: i64,
    ) -> StoreResult<i32>;
    /// Records a successful sign-in that used TOTP time step `step`. Returns
    /// false, changing nothing, when that step (or a later one) was already
    /// used: a code is accepted once, even under concurrent sign-ins.
    async fn record_sign_in(&self, id: &str, step: i64, now: i64) -> StoreResult<bool>;
    /// The operator's own password in place of a one-time one.
    async fn set_own_password(&self, id: &str, password_hash: &str) -> StoreResult<()>;

    async fn create_session(&self, session: &SessionRow) -> StoreResult<()>;
    /// The session with its operator's role and name.
    async fn session(&self, token_hash: &str) -> StoreResult<Option<SessionRow>>;
    async fn touch_session(&self, token_hash: &str, now: i64) -> StoreResult<()>;
    async fn revoke_session(&self, token_hash: &str, now: i64) -> StoreResult<()>;

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

    async fn add_service_client(&self, client: &ServiceClientRow) -> StoreResult<()>;
    async fn service_client(&self, key_hash: &str) -> StoreResult<Option<ServiceClientRow>>;

    /// Everything the rules read around a payment, in one round of queries.
    async fn payment_context(&self, query: &ContextQuery) -> StoreResult<ContextRows>;
    /// Records a decided authorization in one transaction: lapsed freezes
    /// released, the amount reserved if still available (else declined),
    /// the payment, its alerts (deduplicated), a freeze, the idempotent answer.
    async fn authorize(
        &self,
        write: &AuthorizationWrite,
    ) -> StoreResult<Result<Idempotent<Authorized>, Refusal>>;
    /// A checkout payment by its order id.
    async fn payment(&self, order_id: &str) -> StoreResult<Option<TransactionRow>>;
    /// Authorized → settled: the amount becomes owed. Settling again is a no-op.
    async fn settle(&self, order_id: &str) -> StoreResult<Result<LedgerRecord, Refusal>>;
    /// Authorized → reversed: the reservation is released. Again is a no-op.
    async fn reverse(&self, order_id: &str) -> StoreResult<Result<LedgerRecord, Refusal>>;
    /// Refunds part or all of a settled payment; refunds never exceed it.
    async fn refund(
        &self,
        order_id: &str,
        refund: &MoneyBack,
    ) -> StoreResult<Result<Idempotent<LedgerRecord>, Refusal>>;
    /// A repayment of at most what is outstanding.
    async fn repay(
        &self,
        account_id: i64,
        repayment: &MoneyBack,
    ) -> StoreResult<Result<Idempotent<LedgerRecord>, Refusal>>;
    /// Releases every freeze whose lapse time has come; returns how many.
    async fn release_lapsed_freezes(&self, now: i64) -> StoreResult<u64>;
    /// An account's freezes, newest first.
    async fn freezes(&self, account_id: i64) -> StoreResult<Vec<FreezeRow>>;
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
    /// Remembers a notification nonce; false if it was seen before.
    async fn accept_nonce(&self, nonce: &str, now: i64) -> StoreResult<bool>;
    /// Drops the nonces seen before `before`: their timestamps are stale, so
    /// they could never come back valid.
    async fn forget_nonces(&self, before: i64) -> StoreResult<()>;
}

/// A keyset page: rows strictly after `after` in the list's order, at most `limit` of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageRequest {
    /// The sort key of the last row of the previous page (the sort columns then the id).
    pub after: Option<Vec<i64>>,
    pub limit: u32,
}

/// Rows to insert in one transaction; the generator fills it.
#[derive(Clone, Debug, Default)]
pub struct Batch {
    pub operators: Vec<OperatorRow>,
    pub customers: Vec<CustomerRow>,
    pub accounts: Vec<AccountRow>,
    pub transactions: Vec<TransactionRow>,
    pub alerts: Vec<AlertRow>,
    pub blacklist: Vec<BlacklistRow>,
    pub limit_changes: Vec<LimitChangeRow>,
    pub disputes: Vec<DisputeRow>,
    pub freezes: Vec<FreezeRow>,
    pub bills: Vec<BillRow>,
    /// The accounts' past month ends (their rollups: `Metrics::rebuild_metrics`).
    pub account_months: Vec<AccountMonthRow>,
}

/// When failed sign-ins lock an operator out, and for how long.
#[derive(Clone, Debug)]
pub struct Lockout {
    pub max_attempts: i32,
    /// The first lock's length, the second's, …; the last repeats.
    pub locks_ms: Vec<i64>,
}

#[derive(Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OperatorRow {
    pub id: String,
    pub display_name: String,
    pub role: String,
    pub password_hash: String,
    pub totp_secret: String,
    pub totp_last_step: i64,
    pub failed_attempts: i32,
    pub locked_until: Option<i64>,
    pub created_at: i64,
    pub disabled_at: Option<i64>,
    /// 1 while the password is an admin's one-time one.
    pub must_change_password: i32,
}

impl std::fmt::Debug for OperatorRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OperatorRow")
            .field("id", &self.id)
            .field("role", &self.role)
            .field("password_hash", &"<redacted>")
            .field("totp_secret", &"<redacted>")
            .field("failed_attempts", &self.failed_attempts)
            .field("locked_until", &self.locked_until)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionRow {
    pub token_hash: String,
    pub operator_id: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    // From the operator, so that one query authenticates a request; not written.
    pub role: String,
    pub display_name: String,
}

impl SessionRow {
    /// The session's name for an admin: the first 16 hex digits of its
    /// token's hash, which cannot sign anyone in.
    pub fn public_id(&self) -> String {
        self.token_hash.chars().take(16).collect()
    }
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct CustomerRow {
    pub id: i64,
    pub name: String,
    pub name_masked: String,
    pub phone: String,
    pub phone_tail: String,
    pub national_id: String,
    pub age: i32,
    pub occupation: String,
    pub income_band: String,
    pub city: String,
    pub home_lat: f64,
    pub home_lon: f64,
    pub kyc_level: String,
    pub night_login_bp: i32,
    pub created_at: i64,
}

/// An account joined with its customer's profile.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Deserialize)]
pub struct AccountRow {
    pub id: i64,
    pub customer_id: i64,
    pub limit_fen: i64,
    pub used_fen: i64,
    pub frozen_fen: i64,
    pub outstanding_fen: i64,
    pub utilisation_bp: i64,
    pub dpd: i32,
    pub max_dpd_12m: i32,
    pub on_time_bp: i32,
    pub purchases_per_month: i32,
    pub bill_to_limit_bp: i32,
    pub score: i32,
    pub scored_at: i64,
    pub grade: String,
    pub status: String,
    pub bill_day: i32,
    pub due_day: i32,
    pub opened_at: i64,
    pub version: i64,
    // From the customer, for lists; not written with the account.
    pub name_masked: String,
    pub phone: String,
    pub city: String,
}

/// An account with everything the detail view and the scorecard read about its customer.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct AccountDetailRow {
    #[sqlx(flatten)]
    pub account: AccountRow,
    pub name: String,
    pub national_id: String,
    pub home_lat: f64,
    pub home_lon: f64,
    pub age: i32,
    pub occupation: String,
    pub income_band: String,
    pub kyc_level: String,
    pub night_login_bp: i32,
    pub customer_since: i64,
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Deserialize)]
pub struct TransactionRow {
    pub id: i64,
    pub account_id: i64,
    pub kind: String,
    pub order_id: String,
    pub merchant: String,
    pub category: Option<String>,
    pub channel: Option<String>,
    pub amount_fen: i64,
    pub installments: i32,
    pub device_id: Option<String>,
    pub ip: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub city: Option<String>,
    pub status: String,
    pub decision: Option<String>,
    pub rule_hits: Option<String>,
    pub occurred_at: i64,
    /// Why the engine declined it: `rules`, `insufficient_limit` or `account_not_active`.
    pub decline_reason: Option<String>,
    /// A decided payment's account grade at the time (the store fills it in
    /// from the account it locks); `None` for ledger entries.
    pub grade: Option<String>,
}

impl TransactionRow {
    /// A settled movement that is not a checkout payment: a repayment, a
    /// refund, a fee or interest.
    pub fn ledger(
        account_id: i64,
        kind: &str,
        order_id: String,
        merchant: &str,
        amount_fen: i64,
        occurred_at: i64,
    ) -> TransactionRow {
        TransactionRow {
            id: 0,
            account_id,
            kind: kind.to_owned(),
            order_id,
            merchant: merchant.to_owned(),
            category: None,
            channel: None,
            amount_fen,
            installments: 1,
            device_id: None,
            ip: None,
            lat: None,
            lon: None,
            city: None,
            status: "settled".to_owned(),
            decision: None,
            rule_hits: None,
            occurred_at,
            decline_reason: None,
            grade: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct AlertRow {
    pub id: i64,
    pub account_id: i64,
    pub transaction_id: Option<i64>,
    pub rule: String,
    pub severity_rank: i16,
    pub status: String,
    pub assignee: Option<String>,
    pub amount_fen: Option<i64>,
    pub evidence: String,
    pub disposition: Option<String>,
    pub created_at: i64,
    pub sla_due_at: i64,
    pub version: i64,
    #[serde(default)]
    pub escalated_by: Option<String>,
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct BlacklistRow {
    pub id: i64,
    pub kind: String,
    pub value: String,
    pub reason: String,
    pub created_by: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub removed_at: Option<i64>,
    pub removal_requested_by: Option<String>,
    pub removal_requested_at: Option<i64>,
    pub removal_reason: Option<String>,
    pub removed_by: Option<String>,
    pub version: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct StatusCount {
    pub status: String,
    pub count: i64,
}

/// What identifies an account's customer on the blacklist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlacklistProbe {
    pub account_id: i64,
    pub customer_id: i64,
    pub phone: String,
    pub national_id_hash: String,
    /// The home city as a geographic-area entry names it: `city:北京`.
    pub geo_area: String,
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct LimitChangeRow {
    pub id: i64,
    pub account_id: i64,
    pub current_limit_fen: i64,
    pub proposed_limit_fen: i64,
    pub reason: String,
    pub source: String,
    pub status: String,
    pub tier: String,
    pub note: Option<String>,
    pub maker: String,
    pub checker: Option<String>,
    pub decision_note: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub decided_at: Option<i64>,
    pub version: i64,
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct DisputeRow {
    pub id: i64,
    pub account_id: i64,
    pub transaction_id: i64,
    pub reason: String,
    pub status: String,
    pub statement: String,
    pub opened_by: String,
    pub created_at: i64,
    pub sla_due_at: i64,
    pub resolved_at: Option<i64>,
    pub version: i64,
    /// The customer's attachments' references, a JSON array of strings.
    pub attachments: String,
    pub resolution_note: Option<String>,
    pub refund_transaction_id: Option<i64>,
    #[serde(default)]
    pub escalated_by: Option<String>,
    /// A proposed refund waiting for approval: amount, maker, tier.
    #[serde(default)]
    pub refund_fen: Option<i64>,
    #[serde(default)]
    pub refund_proposed_by: Option<String>,
    #[serde(default)]
    pub refund_tier: Option<String>,
}

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
