//! The live event stream (`GET /v1/events`, server-sent events): what
//! changed, as it commits, for the console to update in place. Each event
//! carries the changed record's ids and states only; the console reads the
//! rest through the API, under its own permissions.

use chrono::{DateTime, Utc};
use riskdesk_domain::money::Money;

/// One change, as the `data` of an SSE event whose `event` is its `kind`
/// and whose `id` is its place in the stream (send it back as
/// `Last-Event-ID` to resume after it).
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct LiveEvent {
    /// The place in the stream, `txid-id`: ordered, durable.
    pub id: String,
    /// `alert.raised`, `alert.claimed`, `limit_change.proposed`,
    /// `freeze.lapsed`, `dispute.escalated`, `rules.published` …
    pub kind: String,
    pub at: DateTime<Utc>,
    /// The record changed: `alert:42`, `limit_change:7`, `freeze:3` …
    pub target: String,
    /// Who made the change: an operator's id, or `engine`.
    pub actor: Option<String>,
    /// The operator's display name, for a change an operator made.
    #[serde(default)]
    pub actor_name: Option<String>,
    pub record: LiveRecord,
}

/// The changed record's ids and states after the change, as far as it has
/// them: never a name, a phone, a note or evidence.
#[derive(
    Clone,
    Debug,
    Default,
    PartialEq,
    serde::Deserialize,
    serde::Serialize,
    utoipa::ToSchema,
    ts_rs::TS,
)]
#[ts(optional_fields)]
pub struct LiveRecord {
    pub id: Option<i64>,
    pub account_id: Option<i64>,
    pub transaction_id: Option<i64>,
    pub rule: Option<String>,
    /// An alert's: `low` … `critical`.
    pub severity: Option<String>,
    pub status: Option<String>,
    pub assignee: Option<String>,
    pub escalated_by: Option<String>,
    pub disposition: Option<String>,
    pub kind: Option<String>,
    /// A limit change's approval tier.
    pub tier: Option<String>,
    pub source: Option<String>,
    /// Who proposed a limit change.
    pub maker: Option<String>,
    #[schema(example = "2350.00")]
    pub amount: Option<Money>,
    /// The record's version after the change (for a stale check).
    pub version: Option<i64>,
}

/// Sent first on every stream, with the place it starts after.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct LiveReady {
    pub head: String,
    /// True when the stream could not resume after the `Last-Event-ID`
    /// sent (events after it were pruned): reload what is on screen.
    pub reload: bool,
}

/// Sent last when the stream ends because the session did.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct LiveEnd {
    pub reason: String,
}
