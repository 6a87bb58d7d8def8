//! The portfolio metrics a manager's dashboard reads. Days are business days
//! (China time); rates come with the counts they divide, in basis points.

use chrono::NaiveDate;
use riskdesk_domain::account::Grade;
use riskdesk_domain::alert::Rule;
use riskdesk_domain::money::Money;
use riskdesk_domain::transaction::Channel;

/// The period and the cut: business days `from..=to` (both included; the
/// last 30 days by default), and a grade, a home city and a channel.
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
pub struct MetricsQuery {
    /// `yyyy-mm-dd`.
    #[param(example = "2026-10-27")]
    pub from: Option<NaiveDate>,
    #[param(example = "2026-11-25")]
    pub to: Option<NaiveDate>,
    /// The account's grade when the payment was decided or the alert raised.
    pub grade: Option<Grade>,
    /// The customer's home city, e.g. `上海`.
    pub city: Option<String>,
    pub channel: Option<Channel>,
}

/// Fraud and authorization metrics over a period.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct FraudMetrics {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Every day of the period, oldest first (a day without payments is zeros).
    pub approvals: Vec<ApprovalDayView>,
    /// Alerts raised, by day and rule (days and rules without alerts left out).
    pub alerts: Vec<RuleDayView>,
    /// How the period's alerts that are closed were disposed of, by rule.
    pub dispositions: Vec<RuleDispositionsView>,
    /// Confirmed fraud by the month its alert was raised.
    pub losses: Vec<LossMonthView>,
}

#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct ApprovalDayView {
    pub day: NaiveDate,
    pub approved: u64,
    pub review: u64,
    pub declined: u64,
    /// Approved and reviewed (reserved) of all decisions.
    pub approval_bp: u32,
}

#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct RuleDayView {
    pub day: NaiveDate,
    pub rule: Rule,
    pub raised: u64,
}

#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct RuleDispositionsView {
    pub rule: Rule,
    pub confirmed_fraud: u64,
    pub false_positive: u64,
    pub benign: u64,
    /// False positives of the rule's closed alerts.
    pub false_positive_bp: u32,
}

#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct LossMonthView {
    pub year: i32,
    /// 1–12.
    pub month: u32,
    #[schema(example = "18250.00")]
    pub confirmed: Money,
    /// The confirmed-fraud alerts behind it.
    pub alerts: u64,
}

/// Credit metrics over the months a period touches: delinquency, vintages,
/// roll rates, utilisation and exposure, limit changes. Month ends are as
/// the accounts stood at each month's last end of day (the current month:
/// at the latest one). Not cut by channel: a channel is a payment's, not an
/// account's.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct CreditMetrics {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Every month of the period, oldest first (a month without accounts is zeros).
    pub buckets: Vec<BucketMonthView>,
    /// The cohorts opened in the period, each up to the period's last month.
    pub vintages: Vec<VintageCurveView>,
    /// Each month of the period rolled into the next, when both are in it.
    pub rolls: Vec<RollMatrixView>,
    /// The lines by utilisation band at the end of the period's last month.
    pub utilisation: Vec<UtilisationBandView>,
    /// The lines by grade at the end of the period's last month.
    pub exposure: Vec<GradeExposureView>,
    /// Limit changes by the month they were proposed.
    pub limit_changes: Vec<LimitChangeMonthView>,
}

/// The accounts in each delinquency bucket at a month's end and what they
/// owe; both lists in the order M0, M1, M2, M3, M3+.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct BucketMonthView {
    pub year: i32,
    pub month: u32,
    pub accounts: Vec<u64>,
    pub balances: Vec<Money>,
    /// What accounts one day or more late owe, of all that is owed.
    pub delinquency_rate_bp: u32,
}

#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct VintageCurveView {
    /// The month the cohort's accounts were opened.
    pub year: i32,
    pub month: u32,
    pub points: Vec<VintagePointView>,
}

#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct VintagePointView {
    /// 0: the month of opening.
    pub months_on_book: u32,
    pub accounts: u64,
    /// Accounts 30 or more days past due.
    pub dpd30: u64,
    pub rate_bp: u32,
}

/// Where the accounts of each bucket at the end of a month were a month
/// later: `counts[from][to]`, buckets in the order M0, M1, M2, M3, M3+.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct RollMatrixView {
    /// The month rolled from.
    pub year: i32,
    pub month: u32,
    pub counts: Vec<Vec<u64>>,
}

#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct UtilisationBandView {
    /// What is owed of the limit, from (included) …
    pub from_bp: u32,
    /// … to (excluded); equal to `from_bp` for exactly that (0: nothing
    /// owed), none for no upper bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub to_bp: Option<u32>,
    pub accounts: u64,
}

#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct GradeExposureView {
    pub grade: Grade,
    pub accounts: u64,
    #[schema(example = "1250000.00")]
    pub limit: Money,
    /// What is owed.
    #[schema(example = "431000.00")]
    pub balance: Money,
    pub utilisation_bp: u32,
}

#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct LimitChangeMonthView {
    pub year: i32,
    pub month: u32,
    pub proposed: u64,
    /// Applied (an officer's decrease applies at once).
    pub approved: u64,
    pub rejected: u64,
    pub expired: u64,
    /// The mean change of the approved ones (negative: decreases).
    #[schema(example = "1500.00")]
    pub average_change: Money,
}
