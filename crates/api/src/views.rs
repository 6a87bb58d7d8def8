//! What the service returns about accounts, transactions, alerts and the other records.
//! Personal data is always masked here.

use chrono::{DateTime, Utc};
use riskdesk_domain::account::{AccountStatus, DpdBucket, Grade};
pub use riskdesk_domain::alert::RuleHit;
use riskdesk_domain::alert::{AlertStatus, Disposition, Rule, Severity};
use riskdesk_domain::blacklist::BlacklistKind;
use riskdesk_domain::customer::{IncomeBand, KycLevel, Occupation};
use riskdesk_domain::dispute::{DisputeReason, DisputeStatus};
use riskdesk_domain::limit_change::{
    ApprovalTier, LimitChangeReason, LimitChangeSource, LimitChangeStatus,
};
use riskdesk_domain::money::Money;
use riskdesk_domain::scoring::ScoreFactor;
use riskdesk_domain::transaction::{
    Channel, Decision, DeclineReason, MerchantCategory, TxKind, TxStatus,
};

/// A row of the account list.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct AccountSummary {
    pub id: i64,
    pub name_masked: String,
    pub phone_masked: String,
    pub city: String,
    pub status: AccountStatus,
    pub grade: Grade,
    pub score: i32,
    #[schema(example = "12000.00")]
    pub limit: Money,
    #[schema(example = "3450.20")]
    pub used: Money,
    #[schema(example = "0.00")]
    pub frozen: Money,
    #[schema(example = "8549.80")]
    pub available: Money,
    /// Used share of the limit in basis points (2,875 = 28.75%).
    pub utilisation_bp: i64,
    pub dpd: i32,
    pub dpd_bucket: DpdBucket,
}

/// The customer behind an account, masked.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct CustomerView {
    pub id: i64,
    pub name_masked: String,
    pub phone_masked: String,
    pub national_id_masked: String,
    pub age: i32,
    pub occupation: Occupation,
    pub income_band: IncomeBand,
    pub city: String,
    pub kyc_level: KycLevel,
    pub customer_since: DateTime<Utc>,
}

/// One account in full: profile, credit line, delinquency and the score's breakdown.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct AccountDetail {
    #[serde(flatten)]
    pub summary: AccountSummary,
    pub customer: CustomerView,
    #[schema(example = "3450.20")]
    pub outstanding: Money,
    pub bill_day: i32,
    pub due_day: i32,
    pub opened_at: DateTime<Utc>,
    pub score_breakdown: ScoreBreakdown,
    /// Optimistic-concurrency version: decisions on the account must name it.
    pub version: i64,
}

#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct ScoreBreakdown {
    pub base: i32,
    pub lines: Vec<ScoreLineView>,
}

#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct ScoreLineView {
    pub factor: ScoreFactor,
    /// The input as an officer reads it: a share (`"97.5%"`), a vocabulary
    /// word (`"office_worker"`) or a bare count whose unit the factor gives
    /// (`"34"`: years of age, purchases a month, worst days past due, months
    /// on book).
    pub value: String,
    pub points: i32,
}

/// One calendar month of an account (China time).
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct MonthView {
    pub year: i32,
    /// 1–12.
    pub month: u32,
    #[schema(example = "1830.00")]
    pub spending: Money,
    #[schema(example = "1200.00")]
    pub repayments: Money,
    /// Owed at the month's end.
    #[schema(example = "2450.00")]
    pub balance: Money,
    /// `balance` as a share of the current limit, in basis points.
    pub utilisation_bp: i64,
}

#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct Location {
    pub lat: f64,
    pub lon: f64,
    pub city: String,
}

#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct TransactionView {
    pub id: i64,
    pub account_id: i64,
    pub kind: TxKind,
    pub order_id: String,
    pub merchant: String,
    pub category: Option<MerchantCategory>,
    pub channel: Option<Channel>,
    #[schema(example = "299.00")]
    pub amount: Money,
    /// 1 for a single payment, else 3, 6, 12 or 24.
    pub installments: i32,
    pub device_id: Option<String>,
    pub ip: Option<String>,
    pub location: Option<Location>,
    pub status: TxStatus,
    pub decision: Option<Decision>,
    pub rule_hits: Vec<RuleHit>,
    pub occurred_at: DateTime<Utc>,
    /// Why the engine declined it (a declined payment with no rule hits was
    /// declined for the limit or the account's state).
    pub decline_reason: Option<DeclineReason>,
}

#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct AlertView {
    pub id: i64,
    pub account_id: i64,
    pub transaction_id: Option<i64>,
    pub rule: Rule,
    pub severity: Severity,
    pub status: AlertStatus,
    pub assignee: Option<String>,
    #[schema(example = "4999.00")]
    pub amount: Option<Money>,
    /// What the rule found, in one English sentence.
    pub evidence: String,
    /// The same as values, for the reader's language; empty for alerts
    /// raised before findings were kept (then `evidence` is all there is).
    pub findings: Vec<riskdesk_domain::evidence::Finding>,
    pub disposition: Option<Disposition>,
    pub created_at: DateTime<Utc>,
    pub sla_due_at: DateTime<Utc>,
    /// Not closed, and past its SLA time.
    pub overdue: bool,
    pub version: i64,
    /// Who escalated it: an escalated alert waits for a manager other than them.
    pub escalated_by: Option<String>,
}

/// How many alerts are in each status.
#[derive(
    Clone,
    Debug,
    Default,
    PartialEq,
    Eq,
    serde::Deserialize,
    serde::Serialize,
    utoipa::ToSchema,
    ts_rs::TS,
)]
pub struct AlertCounts {
    pub open: i64,
    pub in_review: i64,
    pub escalated: i64,
    pub closed: i64,
}

#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct BlacklistEntryView {
    pub id: i64,
    pub kind: BlacklistKind,
    /// The normalised value; phones are masked.
    pub value: String,
    pub reason: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    /// A removal asked for by one person, waiting for a second.
    pub removal_requested_by: Option<String>,
    pub removal_requested_at: Option<DateTime<Utc>>,
    pub removal_reason: Option<String>,
    pub removed_at: Option<DateTime<Utc>>,
    pub removed_by: Option<String>,
    pub version: i64,
}

#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct LimitChangeView {
    pub id: i64,
    pub account_id: i64,
    #[schema(example = "8000.00")]
    pub current_limit: Money,
    #[schema(example = "12000.00")]
    pub proposed_limit: Money,
    pub reason: LimitChangeReason,
    pub source: LimitChangeSource,
    pub status: LimitChangeStatus,
    /// Who may approve it: another risk officer, or a manager.
    pub tier: ApprovalTier,
    /// The maker's context for the checker.
    pub note: Option<String>,
    pub maker: String,
    pub checker: Option<String>,
    /// The checker's reason, for a rejection.
    pub decision_note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub version: i64,
}

#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct DisputeView {
    pub id: i64,
    pub account_id: i64,
    pub transaction_id: i64,
    pub reason: DisputeReason,
    pub status: DisputeStatus,
    pub statement: String,
    pub opened_by: String,
    pub created_at: DateTime<Utc>,
    pub sla_due_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub version: i64,
    /// References to the customer's attachments (file names, ticket ids).
    pub attachments: Vec<String>,
    /// Why it was rejected, or how it was refunded.
    pub resolution_note: Option<String>,
    pub refund_transaction_id: Option<i64>,
    /// Not resolved, and past its SLA time.
    pub overdue: bool,
    /// Who escalated it to the risk team, who decides it from then on.
    pub escalated_by: Option<String>,
    /// A refund proposed and waiting for a second person's approval.
    pub pending_refund: Option<PendingRefundView>,
}

/// A refund above its maker's own limit, waiting for approval.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct PendingRefundView {
    #[schema(example = "2000.00")]
    pub amount: Money,
    pub proposed_by: String,
    /// Who may approve it: `second_person` (anyone else who may decide the
    /// dispute) or `manager`.
    pub tier: riskdesk_domain::dispute::RefundTier,
}

/// A freeze on an account's limit, as operators see it.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct AccountFreezeView {
    pub id: i64,
    pub account_id: i64,
    #[schema(example = "2350.00")]
    pub amount: Money,
    /// An officer's words, or for the engine's freeze its rule's evidence
    /// as an English sentence (rendered from `findings` where there are some).
    pub reason: String,
    /// What the engine's rule found; empty for an officer's freeze, and for
    /// the engine's freezes placed before findings were kept.
    pub findings: Vec<riskdesk_domain::evidence::Finding>,
    /// `system` (the engine) or `operator`.
    pub source: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// The freeze lapses by itself at this time.
    pub lapses_at: Option<DateTime<Utc>>,
    pub released_at: Option<DateTime<Utc>>,
    /// An operator, or `lapsed`.
    pub released_by: Option<String>,
    pub release_reason: Option<String>,
    pub version: i64,
}
