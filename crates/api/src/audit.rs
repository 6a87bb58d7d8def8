//! The audit trail: entries as a hash chain, the service's signed
//! checkpoints, its public key, and verification reports. Entries carry
//! `before` and `after` as the exact JSON text that was hashed, so that a
//! client can recompute every hash itself (`riskdesk_domain::audit`).

use chrono::{DateTime, Utc};

/// One entry of the trail.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct AuditEntryView {
    /// Consecutive from 1.
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    /// `alert.close`, `limit.approve`, `session.sign_in` …
    pub action: String,
    /// `alert:42`, `account:80000001`, `operator:officer.li` …
    pub target: String,
    /// The record before and after, as the JSON text that was hashed.
    pub before: Option<String>,
    pub after: Option<String>,
    /// SHA-256, hex: the entry before's hash, and this entry's.
    pub prev_hash: String,
    pub hash: String,
}

/// The audit list's filters.
#[derive(
    Clone,
    Debug,
    Default,
    PartialEq,
    serde::Serialize,
    serde::Deserialize,
    utoipa::IntoParams,
    ts_rs::TS,
)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct AuditQuery {
    #[param(min_length = 1, max_length = 128)]
    pub actor: Option<String>,
    /// An action (`alert.close`), or every action under a prefix ending in `.` (`alert.`).
    #[param(min_length = 1, max_length = 128)]
    pub action: Option<String>,
    #[param(min_length = 1, max_length = 128)]
    pub target: Option<String>,
    pub from: Option<DateTime<Utc>>,
    /// Exclusive.
    pub to: Option<DateTime<Utc>>,
    pub cursor: Option<String>,
    /// Rows per page (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// A stretch of the chain, oldest first, for verification.
#[derive(
    Clone,
    Debug,
    Default,
    PartialEq,
    serde::Serialize,
    serde::Deserialize,
    utoipa::IntoParams,
    ts_rs::TS,
)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct ChainQuery {
    /// Entries after this id (0: from the start).
    pub after_id: Option<i64>,
    /// At most this many (1–5,000; 1,000 by default).
    #[param(minimum = 1, maximum = 5000)]
    pub limit: Option<u32>,
}

/// A signed statement that the chain reached `last_id` with `hash`.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct CheckpointView {
    pub last_id: i64,
    pub hash: String,
    /// UTC milliseconds, as signed.
    pub signed_at_ms: i64,
    /// Ed25519, hex.
    pub signature: String,
    pub key_id: String,
}

/// The service's checkpoint-signing public key.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct AuditKeyView {
    pub key_id: String,
    /// Ed25519 public key, hex.
    pub public_key: String,
}

/// Which entries a verification covers (the whole chain by default).
#[derive(
    Clone,
    Debug,
    Default,
    PartialEq,
    serde::Serialize,
    serde::Deserialize,
    utoipa::IntoParams,
    ts_rs::TS,
)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct VerifyQuery {
    pub from_id: Option<i64>,
    pub to_id: Option<i64>,
}

/// The outcome of verifying the chain: intact, or where it first breaks.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct VerifyReport {
    pub intact: bool,
    pub entries: u64,
    pub checkpoints: u64,
    pub first_broken: Option<BrokenEntry>,
}

#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct BrokenEntry {
    pub id: i64,
    pub why: String,
}

/// Reveal one masked field of an account's customer, for this view only.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
#[serde(deny_unknown_fields)]
pub struct RevealRequest {
    pub field: riskdesk_domain::pii::PiiField,
    /// Why it is needed (5–500 characters); recorded in the audit trail.
    #[schema(min_length = 5, max_length = 500, pattern = r"\S[\s\S]{3,}\S")]
    pub reason: String,
}

/// The revealed value. Clients show it and keep it nowhere.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct Revealed {
    pub field: riskdesk_domain::pii::PiiField,
    pub value: String,
}
