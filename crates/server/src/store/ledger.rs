//! The engine's side of the store: what the rules read around a payment, and
//! the ledger writes (authorize, settle, reverse, refund, repay, freezes).
//! Each write is one database transaction that locks the account's line
//! first and lets the domain decide on it (`CreditLine::reserve`), so
//! concurrent authorizations can never spend more than is available,
//! whatever their interleaving (and the schema's CHECK backs that up).

use super::{StoreResult, TransactionRow};

/// What the rules read around a payment at `at`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContextQuery {
    pub account_id: i64,
    pub device_id: String,
    pub ip: String,
    /// The payment's time, and the look-back before it.
    pub at: i64,
    pub lookback_ms: i64,
    /// Later payments (that arrived first) are read up to this far after `at`.
    pub lookahead_ms: i64,
    pub now: i64,
    /// Whether to read the account's last approved purchases: only when a
    /// rule set in force will look at the typical amount (the spike rule
    /// ignores small payments), since on PostgreSQL they are a merge over
    /// every month's partition.
    pub typical: bool,
    /// Blacklist entries that could name this payment by equality, as (kind, value).
    pub exact: Vec<(String, String)>,
}

/// A purchase attempt as the rules read it.
#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
pub struct AttemptRow {
    pub occurred_at: i64,
    pub amount_fen: i64,
    pub status: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub city: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct ContextRows {
    pub account: Vec<AttemptRow>,
    pub device: Vec<AttemptRow>,
    pub ip: Vec<AttemptRow>,
    /// The amounts of the account's last approved purchases before `at`,
    /// newest first; none unless the query asked for them.
    pub recent_amounts: Vec<i64>,
    pub device_seen_before: bool,
    /// Live entries that could match: the exact ones asked for, every IP
    /// block and every geographic area.
    pub blacklist: Vec<ListedTarget>,
}

/// A live blacklist entry as the rules match it: what it names, no more
/// (every block and area comes back for every payment, so each field
/// costs on the payment path).
#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
pub struct ListedTarget {
    pub id: i64,
    pub kind: String,
    pub value: String,
}

/// How many of the account's last purchases the spike rule's median reads.
pub const TYPICAL_PURCHASES: i64 = riskdesk_domain::rules::TYPICAL_PURCHASES as i64;

/// An alert the engine wants raised, unless one is already open on the
/// account for the same rule within the deduplication window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedAlert {
    pub rule: String,
    pub severity_rank: i16,
    pub evidence: String,
    /// JSON: the hit's findings.
    pub findings: String,
    pub sla_ms: i64,
}

/// An authorization the engine has decided, to be recorded atomically.
#[derive(Clone, Debug, PartialEq)]
pub struct AuthorizationWrite {
    pub request_hash: String,
    /// The payment as decided by the rules; `id` is assigned by the store.
    /// If the amount is not available when it is recorded, the store turns
    /// an approval or review into a decline.
    pub transaction: TransactionRow,
    pub alerts: Vec<PlannedAlert>,
    pub dedup_ms: i64,
    /// Frequent large spending: freeze a share of what is available after
    /// the payment, until `lapses_at`.
    pub freeze: Option<PlannedFreeze>,
    pub now: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedFreeze {
    /// Of what is available after the payment ([`riskdesk_domain::rules::frozen_share`]).
    pub percent: u32,
    pub lapses_at: i64,
    pub reason: String,
    /// JSON: the hit's findings.
    pub findings: String,
}

/// What an authorization recorded; kept as the idempotent answer.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Authorized {
    pub transaction_id: i64,
    pub status: String,
    pub decision: String,
    pub decline_reason: Option<String>,
    /// JSON array of rule hits, as stored on the transaction.
    pub rule_hits: Option<String>,
    pub available_fen: i64,
    pub freeze: Option<FreezeRecord>,
    /// The alerts raised: (id, rule).
    pub alerts: Vec<(i64, String)>,
    /// The version of the rules that decided it (none in outcomes recorded
    /// before versions, or with rules from a file).
    #[serde(default)]
    pub rules_version: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FreezeRecord {
    pub id: i64,
    pub amount_fen: i64,
    pub lapses_at: Option<i64>,
}

/// The outcome of an idempotent write.
#[derive(Clone, Debug, PartialEq)]
pub enum Idempotent<T> {
    /// Written now.
    Done(T),
    /// The same request was already done: its first outcome.
    Replayed(T),
    /// The key was used before with another request.
    Mismatch,
}

/// Why the ledger refused a write: the domain's rules.
pub use riskdesk_domain::ledger::LedgerRefusal as Refusal;

/// A payment's or an account's state after a ledger write.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LedgerRecord {
    pub transaction_id: i64,
    pub status: String,
    pub available_fen: i64,
    pub outstanding_fen: i64,
}

/// A refund of a settled payment, or a repayment on an account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MoneyBack {
    /// The refund or repayment id: the idempotency key and the new transaction's order id.
    pub key: String,
    pub request_hash: String,
    pub amount_fen: i64,
    pub occurred_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct FreezeRow {
    pub id: i64,
    pub account_id: i64,
    pub amount_fen: i64,
    pub reason: String,
    pub source: String,
    pub created_by: String,
    pub transaction_id: Option<i64>,
    pub created_at: i64,
    pub lapses_at: Option<i64>,
    pub released_at: Option<i64>,
    pub released_by: Option<String>,
    pub release_reason: Option<String>,
    pub version: i64,
    /// JSON: what the engine's rule found; none for an officer's freeze.
    pub findings: Option<String>,
}

#[derive(Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ServiceClientRow {
    pub id: String,
    pub key_hash: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

impl std::fmt::Debug for ServiceClientRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceClientRow")
            .field("id", &self.id)
            .field("key_hash", &"<redacted>")
            .field("revoked_at", &self.revoked_at)
            .finish_non_exhaustive()
    }
}

/// The payment path's reads and writes.
#[async_trait::async_trait]
pub trait Ledger: Send + Sync {
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
    /// Remembers a notification nonce; false if it was seen before.
    async fn accept_nonce(&self, nonce: &str, now: i64) -> StoreResult<bool>;
    /// Drops the nonces seen before `before`: their timestamps are stale, so
    /// they could never come back valid.
    async fn forget_nonces(&self, before: i64) -> StoreResult<()>;
}
