//! The audit trail: a hash chain every decision appends to in its own
//! transaction, with signed checkpoints; read back for lists, a record's
//! history and verification.

use super::{PageRequest, StoreResult};

/// One entry of the audit trail, with its place in the hash chain.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Deserialize)]
pub struct AuditRow {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub before: Option<String>,
    pub after: Option<String>,
    /// Hex; `None` only for an entry not yet chained (see `chain_audit`).
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
}

/// An entry to append: who did what to which record, when, before and after.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRecord {
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// A signed checkpoint of the chain.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow, serde::Deserialize)]
pub struct CheckpointRow {
    pub id: i64,
    pub last_id: i64,
    pub hash: String,
    pub signed_at: i64,
    pub signature: String,
    pub key_id: String,
}

/// Which audit entries a list shows (all when empty).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct AuditFilter {
    pub actor: Option<String>,
    /// An action, or its prefix ending in `.` (`alert.`).
    pub action: Option<String>,
    pub target: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
}

/// Signs a checkpoint's message with the service's key: (key id, signature).
pub type CheckpointSigner<'a> = dyn Fn(&[u8]) -> (String, [u8; 64]) + Send + Sync + 'a;

#[async_trait::async_trait]
pub trait Audit: Send + Sync {
    /// The audit entries about `target` (`alert:42`), oldest first.
    async fn audit_trail(&self, target: &str) -> StoreResult<Vec<AuditRow>>;
    /// Appends entries that are not part of a decision (sign-ins, sign-outs).
    async fn record_audit(&self, records: &[AuditRecord]) -> StoreResult<()>;
    /// Chains the entries written before the chain existed; returns how many.
    async fn chain_audit(&self) -> StoreResult<u64>;
    /// Entries under `filter`, newest first.
    async fn audit(&self, filter: &AuditFilter, page: &PageRequest) -> StoreResult<Vec<AuditRow>>;
    /// Up to `limit` entries with ids in `from..=to`, oldest first: for verification.
    async fn audit_range(&self, from: i64, to: i64, limit: u32) -> StoreResult<Vec<AuditRow>>;
    /// The newest entry's id; `None` while the trail is empty.
    async fn audit_last_id(&self) -> StoreResult<Option<i64>>;
    /// The checkpoints whose entry is after `after_id`, oldest first.
    async fn audit_checkpoints(&self, after_id: i64) -> StoreResult<Vec<CheckpointRow>>;
    /// Signs a checkpoint at the chain's head if it moved since the last one.
    async fn checkpoint_audit(
        &self,
        now: i64,
        sign: &CheckpointSigner<'_>,
    ) -> StoreResult<Option<CheckpointRow>>;
}
