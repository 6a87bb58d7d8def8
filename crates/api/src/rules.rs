//! The fraud rules as versioned records: the versions, a new draft, and the
//! steps on a version (shadow, publish). The rules themselves travel as
//! [`Rules`], the shape of the rules file.

use chrono::{DateTime, NaiveDate, Utc};
use riskdesk_domain::alert::Rule;
use riskdesk_domain::backtest::Comparison;
use riskdesk_domain::money::Money;
use riskdesk_domain::rule_sets::RuleSetStatus;
use riskdesk_domain::rules::Rules;

/// Where the service's rules come from.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    serde::Deserialize,
    serde::Serialize,
    utoipa::ToSchema,
    ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
pub enum RulesSource {
    /// Versions in the database, managed from the console.
    Database,
    /// A rules file given at start (`--rules`): read-only here.
    File,
}

/// One version of the rules.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct RuleSetView {
    /// The version's number: payments name it (`rules_version`).
    pub id: i64,
    pub status: RuleSetStatus,
    pub rules: Rules,
    /// The version this one was drafted from.
    pub based_on: Option<i64>,
    pub author: String,
    pub note: String,
    pub created_at: DateTime<Utc>,
    pub published_by: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    /// The row's version, for the next step on it.
    pub version: i64,
}

/// The rules in force and every version, newest first (the latest 100).
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct RulesOverview {
    pub source: RulesSource,
    /// The rules deciding payments now.
    pub in_force: Rules,
    /// Their version; none when they come from a file.
    pub live_version: Option<i64>,
    pub versions: Vec<RuleSetView>,
}

/// A new draft: the whole set of rules (validated field by field; a bad
/// value is refused naming its field), what it started from, and why.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
#[serde(deny_unknown_fields)]
pub struct SaveRuleDraft {
    pub based_on: Option<i64>,
    #[schema(value_type = Rules)]
    #[ts(type = "Rules")]
    pub rules: serde_json::Value,
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    pub note: String,
}

/// A draft put in shadow, based on the version of its row.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
#[serde(deny_unknown_fields)]
pub struct ShadowRuleSet {
    #[schema(value_type = i64, required = true)]
    pub version: Option<i64>,
}

/// A backtest to start: the version beside the live rules on the payments
/// of the last `days` days.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
#[serde(deny_unknown_fields)]
pub struct StartBacktest {
    #[schema(minimum = 1, maximum = 90)]
    pub days: i64,
}

/// Where a backtest stands.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    serde::Deserialize,
    serde::Serialize,
    utoipa::ToSchema,
    ts_rs::TS,
    strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum BacktestStatus {
    Running,
    Done,
    Cancelled,
    Failed,
}

/// A backtest: its progress while it runs, its comparison once done.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct BacktestView {
    pub id: i64,
    /// The version tried, and the live one it was compared with.
    pub rule_set_id: i64,
    pub against: i64,
    pub days: i64,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub status: BacktestStatus,
    /// Payments judged so far, of how many.
    pub done: i64,
    pub total: i64,
    pub started_by: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Someone asked it to stop.
    pub cancelling: bool,
    pub error: Option<String>,
    pub report: Option<Comparison>,
}

/// A version's comparison with the live rules on the payments it judged in
/// shadow, as it stands now (it grows while the version is in shadow).
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct ShadowView {
    pub rule_set_id: i64,
    /// The version is in shadow now (payments still arrive).
    pub in_shadow: bool,
    /// None until it has judged a payment.
    pub report: Option<Comparison>,
}

/// What one rule did under one version of the rules over a window.
#[derive(
    Clone, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct RuleRecordView {
    /// The version that decided; none for payments decided before versions.
    pub version: Option<i64>,
    pub rule: Rule,
    /// Payments it fired on, and their amount.
    pub hits: u64,
    pub amount: Money,
    /// Alerts it raised (a hit within an open alert's merge window raises none).
    pub alerts: u64,
    /// Payments whose decision it changed: without its weight, another.
    pub tipped: u64,
    /// Its alerts as the team closed them.
    pub confirmed_fraud: u64,
    pub false_positive: u64,
    pub benign: u64,
    /// Confirmed fraud of its closed alerts, in basis points; none before any closed.
    pub precision_bp: Option<u32>,
    /// The amount of the payments its confirmed-fraud alerts were on.
    pub fraud_amount: Money,
}

/// One rule's alerts on one business day (China time), by the version that
/// decided their payments, and how the team has closed them so far.
#[derive(
    Clone, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct RuleDayRecord {
    pub day: NaiveDate,
    pub version: Option<i64>,
    pub rule: Rule,
    pub alerts: u64,
    /// Closed as confirmed fraud, false positive or benign.
    pub closed: u64,
    pub confirmed_fraud: u64,
}

/// Each rule's record by version over the last `days` days, newest
/// version first, rules in their order; and day by day, oldest first.
#[derive(
    Clone, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct RulesRecord {
    pub days: i64,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub payments: u64,
    pub rows: Vec<RuleRecordView>,
    pub daily: Vec<RuleDayRecord>,
}

/// The window of a rules record: the last 1–90 days.
#[derive(Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RulesRecordQuery {
    #[param(minimum = 1, maximum = 90)]
    pub days: Option<i64>,
}
