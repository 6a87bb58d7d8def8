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
    #[param(value_type = Option<String>, example = "2026-10-27")]
    pub from: Option<NaiveDate>,
    #[param(value_type = Option<String>, example = "2026-11-25")]
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
    #[schema(value_type = String)]
    pub from: NaiveDate,
    #[schema(value_type = String)]
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
    #[schema(value_type = String)]
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
    #[schema(value_type = String)]
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
    #[schema(value_type = String, example = "18250.00")]
    pub confirmed: Money,
    /// The confirmed-fraud alerts behind it.
    pub alerts: u64,
}
