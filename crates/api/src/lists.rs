//! Query parameters of the list endpoints. Unknown parameters are refused,
//! so a typo never silently widens a filter.

pub use riskdesk_domain::account::AccountSort;
use riskdesk_domain::account::{AccountStatus, DpdBucket, Grade};
pub use riskdesk_domain::alert::AlertSort;
use riskdesk_domain::alert::{AlertStatus, Rule, Severity};
use riskdesk_domain::blacklist::BlacklistKind;
use riskdesk_domain::dispute::DisputeStatus;
use riskdesk_domain::limit_change::LimitChangeStatus;
use riskdesk_domain::money::Money;
use riskdesk_domain::transaction::{TxKind, TxStatus};

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
pub struct AccountQuery {
    /// An account id, the last four digits of a phone, or a masked name such as `张*丰`.
    #[param(max_length = 32)]
    pub q: Option<String>,
    pub grade: Option<Grade>,
    pub status: Option<AccountStatus>,
    pub dpd_bucket: Option<DpdBucket>,
    /// The customer's home city, e.g. `上海`.
    pub city: Option<String>,
    /// Minimum utilisation in basis points (0–10,000).
    #[param(minimum = 0, maximum = 10000)]
    pub utilisation_min_bp: Option<i64>,
    /// Maximum utilisation in basis points (0–10,000).
    #[param(minimum = 0, maximum = 10000)]
    pub utilisation_max_bp: Option<i64>,
    pub sort: Option<AccountSort>,
    pub cursor: Option<String>,
    /// Rows per page (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

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
pub struct TransactionQuery {
    /// Earliest time, RFC 3339.
    pub from: Option<chrono::DateTime<chrono::Utc>>,
    /// Latest time (exclusive), RFC 3339.
    pub to: Option<chrono::DateTime<chrono::Utc>>,
    pub kind: Option<TxKind>,
    pub status: Option<TxStatus>,
    /// Smallest amount.
    #[param(value_type = Option<Money>)]
    pub amount_min: Option<String>,
    /// Largest amount.
    #[param(value_type = Option<Money>)]
    pub amount_max: Option<String>,
    /// Part of the merchant's name.
    #[param(max_length = 64)]
    pub merchant: Option<String>,
    pub cursor: Option<String>,
    /// Rows per page (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

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
pub struct AlertQuery {
    pub status: Option<AlertStatus>,
    pub severity: Option<Severity>,
    pub rule: Option<Rule>,
    /// An operator id, or `none` for unassigned alerts.
    #[param(max_length = 64)]
    pub assignee: Option<String>,
    pub account_id: Option<i64>,
    /// Only alerts at least this many minutes old (at most ten years).
    #[param(maximum = 5256000)]
    pub min_age_minutes: Option<u32>,
    /// Only alerts at most this many minutes old (at most ten years).
    #[param(maximum = 5256000)]
    pub max_age_minutes: Option<u32>,
    pub sort: Option<AlertSort>,
    pub cursor: Option<String>,
    /// Rows per page (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

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
pub struct BlacklistQuery {
    pub kind: Option<BlacklistKind>,
    /// Part of the value or the reason.
    #[param(max_length = 64)]
    pub q: Option<String>,
    /// Include entries whose expiry has passed.
    pub include_expired: Option<bool>,
    /// Only entries whose removal waits for a second person.
    pub removal_pending: Option<bool>,
    pub cursor: Option<String>,
    /// Rows per page (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

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
pub struct LimitChangeQuery {
    pub status: Option<LimitChangeStatus>,
    pub account_id: Option<i64>,
    pub cursor: Option<String>,
    /// Rows per page (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

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
pub struct DisputeQuery {
    pub status: Option<DisputeStatus>,
    pub account_id: Option<i64>,
    pub cursor: Option<String>,
    /// Rows per page (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

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
pub struct HistoryQuery {
    /// How many calendar months, up to and including the current one: 1–24 (default 12).
    #[param(minimum = 1, maximum = 24)]
    pub months: Option<u32>,
}
