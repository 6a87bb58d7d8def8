//! Persistence. One [`Store`] interface, implemented once over sqlx for both
//! SQLite (the embedded default) and PostgreSQL (for scale) in [`sql`].
//!
//! Times are UTC milliseconds since the epoch and money is whole fen, in both
//! databases. Rows come back as the plain structs below; the HTTP layer turns
//! them into wire views.

mod admin;
mod audit;
mod backtests;
mod cases;
mod decisions;
mod decode;
mod end_of_day;
mod events;
mod ledger;
mod links;
mod lists;
mod metrics;
mod query;
mod rule_sets;
mod sessions;
mod sql;

use std::sync::Arc;

pub use crate::data_key::DataKeys;

pub use riskdesk_domain::account::AccountSort;
pub use riskdesk_domain::alert::AlertSort;

pub use admin::*;
pub use audit::*;
pub use backtests::*;
pub use cases::*;
pub use decisions::*;
pub use end_of_day::*;
pub use events::*;
pub use ledger::*;
pub use links::*;
pub use lists::*;
pub use metrics::*;
pub use rule_sets::*;
pub use sessions::*;
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
    // A database from before the links: built once.
    if store.meta(LINKS_BUILT).await?.as_deref() != Some(LINKS_VERSION) {
        let rows = store.rebuild_links().await?;
        store.set_meta(LINKS_BUILT, LINKS_VERSION).await?;
        tracing::info!(rows, "the links between accounts were built");
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
pub trait Store:
    Sessions
    + Lists
    + Ledger
    + EndOfDay
    + Claims
    + AlertDecisions
    + LineDecisions
    + BlacklistDecisions
    + DisputeDecisions
    + Audit
    + Administration
    + Metrics
    + RuleSets
    + Backtests
    + Events
    + Links
    + Cases
    + Send
    + Sync
    + std::fmt::Debug
{
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

#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
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
    /// The version of the rules that decided a payment; `None` for ledger
    /// entries, for the generated history, and when the rules come from a file.
    pub rules_version: Option<i64>,
    /// What the version in shadow made of a payment, never acted on: its
    /// number, decision, and the rules that fired (a JSON list of names).
    pub shadow_version: Option<i64>,
    pub shadow_decision: Option<String>,
    pub shadow_hits: Option<String>,
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
            rules_version: None,
            shadow_version: None,
            shadow_decision: None,
            shadow_hits: None,
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
    /// JSON: what the rule found, as values; none before findings were kept.
    #[serde(default)]
    pub findings: Option<String>,
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
