//! Operators' decisions: alert triage, limit changes, freezes and the
//! blacklist.
//!
//! Every write carries an `Idempotency-Key` header (the same key and body get
//! the first result again, marked `Idempotent-Replayed: true`; the same key
//! with another body, 422; while the first is still being processed, 409).
//! A change to a versioned record carries the `version` it was based on
//! (stale: 412 with the record as it is now; missing: 428). Approving a
//! limit change, approving a blacklist removal and releasing a freeze need a
//! fresh TOTP code (`totp`), accepted once.

use chrono::{DateTime, Utc};
use riskdesk_domain::blacklist::BlacklistKind;
use riskdesk_domain::limit_change::LimitChangeReason;
use riskdesk_domain::money::Money;
pub use riskdesk_domain::triage::TriageAction;

use crate::Problem;
use crate::views::AlertView;

/// The header that makes a write idempotent: 8–128 of `A–Z a–z 0–9 _ -`.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// On the answer to a retry: this is the first attempt's result.
pub const REPLAYED: &str = "idempotent-replayed";

/// One triage step on one alert.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
#[serde(deny_unknown_fields)]
pub struct TriageRequest {
    /// The alert's version this step is based on.
    #[schema(value_type = i64, required = true)]
    pub version: Option<i64>,
    pub action: TriageAction,
    /// Recorded with the step; required to escalate (at most 2,000 characters).
    #[serde(default)]
    #[ts(optional)]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// An alert and the version a bulk step is based on.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
#[serde(deny_unknown_fields)]
pub struct VersionedId {
    pub id: i64,
    #[schema(value_type = i64, required = true)]
    pub version: Option<i64>,
}

/// The same step on up to 200 alerts; each succeeds or fails on its own.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
#[serde(deny_unknown_fields)]
pub struct BulkTriageRequest {
    #[schema(min_items = 1, max_items = 200)]
    pub items: Vec<VersionedId>,
    pub action: TriageAction,
    #[serde(default)]
    #[ts(optional)]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// One alert's result in a bulk step: the alert after it, or why not.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct BulkItemResult {
    pub id: i64,
    pub alert: Option<AlertView>,
    pub problem: Option<Problem>,
}

#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct BulkTriageResult {
    pub results: Vec<BulkItemResult>,
}

/// A note on an alert (1–2,000 characters).
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
#[serde(deny_unknown_fields)]
pub struct NoteRequest {
    #[schema(min_length = 1, max_length = 2000, pattern = r"\S")]
    pub body: String,
}

#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct AlertNoteView {
    pub id: i64,
    pub alert_id: i64,
    pub author: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// A proposed new limit for an account.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
#[serde(deny_unknown_fields)]
pub struct ProposeLimitChange {
    #[schema(example = "12000.00")]
    pub proposed_limit: Money,
    pub reason: LimitChangeReason,
    /// Optional context for the checker (at most 2,000 characters).
    #[serde(default)]
    #[ts(optional)]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// An approval that needs a fresh TOTP code.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
#[serde(deny_unknown_fields)]
pub struct StepUpApproval {
    #[schema(value_type = i64, required = true)]
    pub version: Option<i64>,
    /// The current six-digit code from the operator's authenticator.
    pub totp: String,
}

/// A rejection, or a request to remove, with the reason (1–500 characters).
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
#[serde(deny_unknown_fields)]
pub struct ReasonedChange {
    #[schema(value_type = i64, required = true)]
    pub version: Option<i64>,
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    pub reason: String,
}

/// Set aside part or all of what an account has available.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
#[serde(deny_unknown_fields)]
pub struct FreezeRequest {
    /// How much; absent: everything available now.
    #[serde(default)]
    #[schema(example = "2000.00")]
    #[ts(optional)]
    pub amount: Option<Money>,
    /// 1–500 characters.
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    pub reason: String,
    /// When the freeze lapses by itself; absent: until released.
    #[serde(default)]
    #[ts(optional)]
    pub lapses_at: Option<DateTime<Utc>>,
}

/// Release a freeze: a fresh TOTP code and the reason.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
#[serde(deny_unknown_fields)]
pub struct ReleaseFreeze {
    #[schema(value_type = i64, required = true)]
    pub version: Option<i64>,
    pub totp: String,
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    pub reason: String,
}

/// A new blacklist entry. The value is normalised (see
/// `riskdesk_domain::blacklist::normalise`): phones to 11 digits, national IDs
/// to their hash, IPs and blocks canonical, areas `city:NAME` or `LAT,LON,Rkm`.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
#[serde(deny_unknown_fields)]
pub struct AddBlacklistEntry {
    pub kind: BlacklistKind,
    #[schema(min_length = 1)]
    pub value: String,
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    pub reason: String,
    #[serde(default)]
    #[ts(optional)]
    pub expires_at: Option<DateTime<Utc>>,
}

/// A dispute opened from a transaction by a customer-service agent.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
#[serde(deny_unknown_fields)]
pub struct OpenDispute {
    pub transaction_id: i64,
    pub reason: riskdesk_domain::dispute::DisputeReason,
    /// The customer's own words (1–2,000 characters).
    #[schema(min_length = 1, max_length = 2000, pattern = r"\S")]
    pub statement: String,
    /// References to what the customer sent (file names, ticket ids): at
    /// most 10, each 1–200 characters.
    #[serde(default)]
    #[schema(max_items = 10)]
    pub attachments: Vec<String>,
}

/// What to do with an open dispute.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum DisputeAction {
    /// Pass it to the risk team, saying why.
    Escalate {
        #[schema(min_length = 1, max_length = 2000, pattern = r"\S")]
        note: String,
    },
    /// Resolve it by refunding (part of) the payment: a refund transaction,
    /// and the amount back on the customer's available limit. Up to the
    /// rules file's `[dispute_approval] single_max` it needs the current
    /// TOTP code (`totp`); above it, it is proposed and waits for another
    /// person's approval (`approve_refund`).
    Refund {
        #[schema(example = "99.00")]
        amount: Money,
        #[schema(min_length = 1, max_length = 2000, pattern = r"\S")]
        note: String,
        #[serde(default)]
        #[ts(optional)]
        #[schema(pattern = "^[0-9]{6}$")]
        totp: Option<String>,
    },
    /// Resolve it by rejecting it, saying why.
    Reject {
        #[schema(min_length = 1, max_length = 2000, pattern = r"\S")]
        reason: String,
    },
    /// Approve the refund waiting on it (never its maker's; a manager's for
    /// tier `manager`), with the current TOTP code: the money goes back.
    ApproveRefund {
        #[schema(pattern = "^[0-9]{6}$")]
        totp: String,
        #[schema(min_length = 1, max_length = 2000, pattern = r"\S")]
        note: String,
    },
    /// Turn the waiting refund down, saying why: the dispute goes back to
    /// where it was (open, or with the risk team).
    RejectRefund {
        #[schema(min_length = 1, max_length = 2000, pattern = r"\S")]
        reason: String,
    },
}

#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
#[serde(deny_unknown_fields)]
pub struct DisputeStepRequest {
    #[schema(value_type = i64, required = true)]
    pub version: Option<i64>,
    pub action: DisputeAction,
}

/// One event in a dispute's timeline.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct DisputeEventView {
    pub at: DateTime<Utc>,
    pub actor: String,
    /// `opened`, `escalated`, `refunded`, `rejected`, `refund_proposed`,
    /// `refund_rejected`.
    pub kind: String,
    pub note: Option<String>,
}

/// A dispute and its timeline.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct DisputeDetail {
    pub dispute: crate::views::DisputeView,
    pub events: Vec<DisputeEventView>,
    /// The account's standing now (masked), for whoever decides a refund.
    pub account: crate::views::AccountSummary,
    /// The account's other disputes, newest first (at most 20).
    pub account_disputes: Vec<crate::views::DisputeView>,
}
