//! The rules: every threshold of the fraud rules, validated as they are
//! read — from the rules file (TOML) or from a draft sent to the service
//! (JSON, the same shape). A bad value is refused naming its field (and, in
//! a file, its line), so a typo never silently weakens a rule.

use serde::{Deserialize, Deserializer, Serialize};

use crate::account::Grade;
use crate::alert::{Rule, Severity};
use crate::money::Money;
use crate::transaction::MerchantCategory;

/// The rules file as shipped (`crates/domain/rules.toml`).
pub const BUILTIN: &str = include_str!("../../rules.toml");

/// Every threshold the engine decides with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Rules {
    pub decision: DecisionPolicy,
    pub alerts: AlertPolicy,
    pub velocity: Velocity,
    pub amount_spike: AmountSpike,
    pub new_device: NewDevice,
    pub night_burst: NightBurst,
    pub impossible_travel: ImpossibleTravel,
    pub far_from_home: FarFromHome,
    pub blacklist: Blacklist,
    pub risky_merchant: RiskyMerchant,
    pub frequent_large_spending: FrequentLargeSpending,
    pub limit_review: LimitReview,
    pub limit_approval: LimitApproval,
    pub dispute_approval: DisputeApproval,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct DecisionPolicy {
    #[serde(deserialize_with = "weight")]
    #[cfg_attr(feature = "schema", schema(minimum = 0, maximum = 1000))]
    pub review_at: u32,
    #[serde(deserialize_with = "weight")]
    #[cfg_attr(feature = "schema", schema(minimum = 0, maximum = 1000))]
    pub decline_at: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct AlertPolicy {
    #[serde(deserialize_with = "weight")]
    #[cfg_attr(feature = "schema", schema(minimum = 0, maximum = 1000))]
    pub min_weight: u32,
    #[serde(deserialize_with = "minutes")]
    #[cfg_attr(feature = "schema", schema(minimum = 1, maximum = 43200))]
    pub dedup_minutes: u32,
    pub severity: SeverityFloors,
    pub sla_minutes: SlaMinutes,
}

/// The least weight of each severity above low.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct SeverityFloors {
    #[serde(deserialize_with = "weight")]
    #[cfg_attr(feature = "schema", schema(minimum = 0, maximum = 1000))]
    pub medium: u32,
    #[serde(deserialize_with = "weight")]
    #[cfg_attr(feature = "schema", schema(minimum = 0, maximum = 1000))]
    pub high: u32,
    #[serde(deserialize_with = "weight")]
    #[cfg_attr(feature = "schema", schema(minimum = 0, maximum = 1000))]
    pub critical: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct SlaMinutes {
    #[serde(deserialize_with = "minutes")]
    #[cfg_attr(feature = "schema", schema(minimum = 1, maximum = 43200))]
    pub low: u32,
    #[serde(deserialize_with = "minutes")]
    #[cfg_attr(feature = "schema", schema(minimum = 1, maximum = 43200))]
    pub medium: u32,
    #[serde(deserialize_with = "minutes")]
    #[cfg_attr(feature = "schema", schema(minimum = 1, maximum = 43200))]
    pub high: u32,
    #[serde(deserialize_with = "minutes")]
    #[cfg_attr(feature = "schema", schema(minimum = 1, maximum = 43200))]
    pub critical: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Velocity {
    /// Off: the rule is not evaluated (a file may leave it out: on).
    #[serde(default = "on")]
    pub enabled: bool,
    #[serde(deserialize_with = "weight")]
    #[cfg_attr(feature = "schema", schema(minimum = 0, maximum = 1000))]
    pub weight: u32,
    pub windows: Vec<VelocityWindow>,
}

/// Whose payments a velocity window counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    Account,
    Device,
    Ip,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct VelocityWindow {
    pub subject: Subject,
    #[serde(deserialize_with = "minutes")]
    #[cfg_attr(feature = "schema", schema(minimum = 1, maximum = 43200))]
    pub minutes: u32,
    #[serde(deserialize_with = "count")]
    #[cfg_attr(feature = "schema", schema(minimum = 1, maximum = 10000))]
    pub max_count: u32,
    #[serde(deserialize_with = "amount")]
    pub max_amount: Money,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct AmountSpike {
    /// Off: the rule is not evaluated (a file may leave it out: on).
    #[serde(default = "on")]
    pub enabled: bool,
    #[serde(deserialize_with = "weight")]
    #[cfg_attr(feature = "schema", schema(minimum = 0, maximum = 1000))]
    pub weight: u32,
    #[serde(deserialize_with = "multiple")]
    #[cfg_attr(feature = "schema", schema(minimum = 1.0, maximum = 1000.0))]
    pub max_multiple: f64,
    #[serde(deserialize_with = "count")]
    #[cfg_attr(feature = "schema", schema(minimum = 1, maximum = 10000))]
    pub min_history: u32,
    #[serde(deserialize_with = "amount")]
    pub ignore_below: Money,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct NewDevice {
    /// Off: the rule is not evaluated (a file may leave it out: on).
    #[serde(default = "on")]
    pub enabled: bool,
    #[serde(deserialize_with = "weight")]
    #[cfg_attr(feature = "schema", schema(minimum = 0, maximum = 1000))]
    pub weight: u32,
    #[serde(deserialize_with = "amount")]
    pub max_amount: Money,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct NightBurst {
    /// Off: the rule is not evaluated (a file may leave it out: on).
    #[serde(default = "on")]
    pub enabled: bool,
    #[serde(deserialize_with = "weight")]
    #[cfg_attr(feature = "schema", schema(minimum = 0, maximum = 1000))]
    pub weight: u32,
    #[serde(deserialize_with = "hour")]
    #[cfg_attr(feature = "schema", schema(minimum = 0, maximum = 23))]
    pub from_hour: u32,
    #[serde(deserialize_with = "hour")]
    #[cfg_attr(feature = "schema", schema(minimum = 0, maximum = 23))]
    pub to_hour: u32,
    #[serde(deserialize_with = "minutes")]
    #[cfg_attr(feature = "schema", schema(minimum = 1, maximum = 43200))]
    pub minutes: u32,
    #[serde(deserialize_with = "count")]
    #[cfg_attr(feature = "schema", schema(minimum = 1, maximum = 10000))]
    pub max_count: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct ImpossibleTravel {
    /// Off: the rule is not evaluated (a file may leave it out: on).
    #[serde(default = "on")]
    pub enabled: bool,
    #[serde(deserialize_with = "weight")]
    #[cfg_attr(feature = "schema", schema(minimum = 0, maximum = 1000))]
    pub weight: u32,
    #[serde(deserialize_with = "speed")]
    #[cfg_attr(feature = "schema", schema(minimum = 1.0, maximum = 100000.0))]
    pub max_speed_kmh: f64,
    #[serde(deserialize_with = "distance")]
    #[cfg_attr(feature = "schema", schema(minimum = 0.0, maximum = 20000.0))]
    pub ignore_within_km: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct FarFromHome {
    /// Off: the rule is not evaluated (a file may leave it out: on).
    #[serde(default = "on")]
    pub enabled: bool,
    #[serde(deserialize_with = "weight")]
    #[cfg_attr(feature = "schema", schema(minimum = 0, maximum = 1000))]
    pub weight: u32,
    #[serde(deserialize_with = "distance")]
    #[cfg_attr(feature = "schema", schema(minimum = 0.0, maximum = 20000.0))]
    pub max_distance_km: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Blacklist {
    /// Off: the rule is not evaluated (a file may leave it out: on).
    #[serde(default = "on")]
    pub enabled: bool,
    #[serde(deserialize_with = "weight")]
    #[cfg_attr(feature = "schema", schema(minimum = 0, maximum = 1000))]
    pub weight: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct RiskyMerchant {
    /// Off: the rule is not evaluated (a file may leave it out: on).
    #[serde(default = "on")]
    pub enabled: bool,
    #[serde(deserialize_with = "weight")]
    #[cfg_attr(feature = "schema", schema(minimum = 0, maximum = 1000))]
    pub weight: u32,
    pub categories: Vec<MerchantCategory>,
    #[serde(deserialize_with = "amount")]
    pub max_amount: Money,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct FrequentLargeSpending {
    /// Off: the rule is not evaluated (a file may leave it out: on).
    #[serde(default = "on")]
    pub enabled: bool,
    #[serde(deserialize_with = "weight")]
    #[cfg_attr(feature = "schema", schema(minimum = 0, maximum = 1000))]
    pub weight: u32,
    #[serde(deserialize_with = "amount")]
    pub large_amount: Money,
    #[serde(deserialize_with = "minutes")]
    #[cfg_attr(feature = "schema", schema(minimum = 1, maximum = 43200))]
    pub minutes: u32,
    #[serde(deserialize_with = "count")]
    #[cfg_attr(feature = "schema", schema(minimum = 1, maximum = 10000))]
    pub max_count: u32,
    #[serde(deserialize_with = "percent")]
    #[cfg_attr(feature = "schema", schema(minimum = 1, maximum = 100))]
    pub freeze_percent: u32,
    #[serde(deserialize_with = "hours")]
    #[cfg_attr(feature = "schema", schema(minimum = 1, maximum = 720))]
    pub freeze_hours: u32,
}

/// The end-of-day limit review: when re-scoring proposes a change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct LimitReview {
    pub increase_grades: Vec<Grade>,
    #[serde(deserialize_with = "percent")]
    #[cfg_attr(feature = "schema", schema(minimum = 1, maximum = 100))]
    pub increase_min_utilisation_percent: u32,
    #[serde(deserialize_with = "percent")]
    #[cfg_attr(feature = "schema", schema(minimum = 1, maximum = 100))]
    pub increase_percent: u32,
    #[serde(deserialize_with = "amount")]
    pub max_limit: Money,
    pub decrease_grades: Vec<Grade>,
    #[serde(deserialize_with = "count")]
    #[cfg_attr(feature = "schema", schema(minimum = 1, maximum = 10000))]
    pub max_dpd: u32,
    #[serde(deserialize_with = "percent")]
    #[cfg_attr(feature = "schema", schema(minimum = 1, maximum = 100))]
    pub decrease_percent: u32,
    #[serde(deserialize_with = "days")]
    #[cfg_attr(feature = "schema", schema(minimum = 1, maximum = 365))]
    pub expires_days: u32,
}

/// Who approves a limit change: an increase of more than either bound
/// needs a manager (`limit_change::approval_tier`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct LimitApproval {
    #[serde(deserialize_with = "percent")]
    #[cfg_attr(feature = "schema", schema(minimum = 1, maximum = 100))]
    pub officer_max_increase_percent: u32,
    #[serde(deserialize_with = "amount")]
    pub officer_max_increase: Money,
}

/// Who approves a dispute's refund (`dispute::refund_tier`): up to
/// `single_max` the agent alone with a fresh TOTP code, up to
/// `second_person_max` a second person, above it a manager.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct DisputeApproval {
    #[serde(deserialize_with = "amount")]
    pub single_max: Money,
    #[serde(deserialize_with = "amount")]
    pub second_person_max: Money,
}

/// Rules that were refused: the field at fault (`impossible_travel.max_speed_kmh`,
/// `velocity.windows[2].minutes`; empty when the text is not TOML at all),
/// its line when they came from a file, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}{}{message}", line.map(|l| format!("rules file, line {l}: ")).unwrap_or_default(), if field.is_empty() { String::new() } else { format!("{field}: ") })]
pub struct RulesError {
    pub field: String,
    pub line: Option<usize>,
    pub message: String,
}

impl Rules {
    /// The rules as shipped.
    pub fn builtin() -> Rules {
        Rules::parse(BUILTIN).unwrap_or_else(|e| unreachable!("the shipped rules are valid: {e}"))
    }

    /// Reads and validates a rules file.
    pub fn parse(text: &str) -> Result<Rules, RulesError> {
        let line = |span: Option<std::ops::Range<usize>>| {
            span.map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
        };
        let toml_error = |field: String, e: toml::de::Error| RulesError {
            field,
            line: line(e.span()).or(Some(1)),
            message: e.message().trim().to_owned(),
        };
        let document = toml::Deserializer::parse(text).map_err(|e| toml_error(String::new(), e))?;
        let rules: Rules = serde_path_to_error::deserialize(document).map_err(|e| {
            let field = field_of(e.path());
            toml_error(field, e.into_inner())
        })?;
        rules.check().map_err(|(field, message)| RulesError {
            line: Some(line_of_field(text, &field)),
            field,
            message,
        })?;
        Ok(rules)
    }

    /// Reads and validates rules sent as JSON (a draft), of the same shape
    /// as the file.
    pub fn from_json(value: &serde_json::Value) -> Result<Rules, RulesError> {
        let rules: Rules = serde_path_to_error::deserialize(value).map_err(|e| RulesError {
            field: field_of(e.path()),
            line: None,
            message: strip_position(&e.into_inner().to_string()),
        })?;
        rules.check().map_err(|(field, message)| RulesError {
            field,
            line: None,
            message,
        })?;
        Ok(rules)
    }

    /// The checks across fields, each failure with the field it names.
    fn check(&self) -> Result<(), (String, String)> {
        let fail = |field: &str, message: String| Err((field.to_owned(), message));
        let decision = &self.decision;
        if decision.decline_at <= decision.review_at {
            return fail(
                "decision.decline_at",
                format!(
                    "decline_at must be above review_at ({})",
                    decision.review_at
                ),
            );
        }
        let floors = &self.alerts.severity;
        if !(floors.medium < floors.high && floors.high < floors.critical) {
            return fail(
                "alerts.severity",
                "severity floors must rise: medium < high < critical".to_owned(),
            );
        }
        let refunds = &self.dispute_approval;
        if refunds.single_max > refunds.second_person_max {
            return fail(
                "dispute_approval.single_max",
                "single_max must not be above second_person_max".to_owned(),
            );
        }
        if self.velocity.windows.is_empty() {
            return fail(
                "velocity.windows",
                "velocity needs at least one window".to_owned(),
            );
        }
        Ok(())
    }

    /// Whether a rule is evaluated.
    pub fn enabled(&self, rule: Rule) -> bool {
        match rule {
            Rule::Velocity => self.velocity.enabled,
            Rule::AmountSpike => self.amount_spike.enabled,
            Rule::NewDeviceLargeAmount => self.new_device.enabled,
            Rule::NightBurst => self.night_burst.enabled,
            Rule::ImpossibleTravel => self.impossible_travel.enabled,
            Rule::FarFromHome => self.far_from_home.enabled,
            Rule::BlacklistHit => self.blacklist.enabled,
            Rule::RiskyMerchant => self.risky_merchant.enabled,
            Rule::FrequentLargeSpending => self.frequent_large_spending.enabled,
        }
    }

    /// A rule's weight.
    pub fn weight(&self, rule: Rule) -> u32 {
        match rule {
            Rule::Velocity => self.velocity.weight,
            Rule::AmountSpike => self.amount_spike.weight,
            Rule::NewDeviceLargeAmount => self.new_device.weight,
            Rule::NightBurst => self.night_burst.weight,
            Rule::ImpossibleTravel => self.impossible_travel.weight,
            Rule::FarFromHome => self.far_from_home.weight,
            Rule::BlacklistHit => self.blacklist.weight,
            Rule::RiskyMerchant => self.risky_merchant.weight,
            Rule::FrequentLargeSpending => self.frequent_large_spending.weight,
        }
    }

    /// Whether a payment of `amount` needs the customer's typical amount
    /// (the amount-spike rule ignores small ones).
    pub fn reads_typical(&self, amount: Money) -> bool {
        self.amount_spike.enabled && amount >= self.amount_spike.ignore_below
    }

    /// Whether a hit of this rule raises an alert: its weight is at least
    /// the alerts' floor.
    pub fn raises_alert(&self, rule: Rule) -> bool {
        self.weight(rule) >= self.alerts.min_weight
    }

    /// An alert's severity, from its rule's weight.
    pub fn severity(&self, rule: Rule) -> Severity {
        let weight = self.weight(rule);
        let floors = &self.alerts.severity;
        if weight >= floors.critical {
            Severity::Critical
        } else if weight >= floors.high {
            Severity::High
        } else if weight >= floors.medium {
            Severity::Medium
        } else {
            Severity::Low
        }
    }

    /// How long triage of an alert of this severity may take, in minutes.
    pub fn sla_minutes(&self, severity: Severity) -> u32 {
        let sla = &self.alerts.sla_minutes;
        match severity {
            Severity::Low => sla.low,
            Severity::Medium => sla.medium,
            Severity::High => sla.high,
            Severity::Critical => sla.critical,
        }
    }

    /// The longest look-back any rule needs, in minutes: the engine reads
    /// this much of an account's, device's and IP's recent payments.
    pub fn lookback_minutes(&self) -> u32 {
        self.velocity
            .windows
            .iter()
            .map(|w| w.minutes)
            .chain([
                self.night_burst.minutes,
                self.frequent_large_spending.minutes,
                // Impossible travel compares with the nearest payments in a day.
                24 * 60,
            ])
            .max()
            .unwrap_or(0)
    }
}

const MAX_WEIGHT: u32 = 1_000;

fn on() -> bool {
    true
}

/// A field's path as the rules name it: `velocity.windows[2].minutes`.
fn field_of(path: &serde_path_to_error::Path) -> String {
    let path = path.to_string();
    if path == "." { String::new() } else { path }
}

/// serde_json's message without its "at line 1 column 2" tail (the field
/// says where).
fn strip_position(message: &str) -> String {
    message
        .split(" at line ")
        .next()
        .unwrap_or(message)
        .to_owned()
}

/// The line of a field in a rules file: its key's line inside its
/// section, or the section's header; 1 if neither is found.
fn line_of_field(text: &str, field: &str) -> usize {
    let mut parts = field.split('.');
    let section = parts.next().unwrap_or_default();
    let key = parts.next().map(|k| k.split('[').next().unwrap_or(k));
    let header = format!("[{section}]");
    let lines: Vec<&str> = text.lines().collect();
    let Some(start) = lines.iter().position(|l| l.trim() == header) else {
        return 1;
    };
    let key_line = key.and_then(|key| {
        lines[start + 1..]
            .iter()
            .take_while(|l| !l.trim_start().starts_with('['))
            .position(|l| {
                let l = l.trim_start();
                l.strip_prefix(key)
                    .is_some_and(|rest| rest.trim_start().starts_with('='))
            })
            .map(|i| start + 1 + i)
    });
    key_line.unwrap_or(start) + 1
}

fn in_range<'de, D, T>(d: D, ok: impl Fn(&T) -> bool, what: &str) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + std::fmt::Display,
{
    let value = T::deserialize(d)?;
    if ok(&value) {
        Ok(value)
    } else {
        Err(serde::de::Error::custom(format!(
            "{value} is out of range: {what}"
        )))
    }
}

fn weight<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    in_range(d, |w| *w <= MAX_WEIGHT, "a weight is 0–1,000")
}

fn minutes<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    in_range(
        d,
        |m| (1..=43_200).contains(m),
        "minutes are 1–43,200 (30 days)",
    )
}

fn hours<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    in_range(d, |h| (1..=720).contains(h), "hours are 1–720 (30 days)")
}

fn days<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    in_range(d, |n| (1..=365).contains(n), "days are 1–365")
}

fn hour<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    in_range(d, |h| *h <= 23, "an hour of the day is 0–23")
}

fn count<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    in_range(d, |c| (1..=10_000).contains(c), "a count is 1–10,000")
}

fn percent<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    in_range(d, |p| (1..=100).contains(p), "a percentage is 1–100")
}

fn multiple<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    in_range(
        d,
        |m: &f64| (1.0..=1_000.0).contains(m),
        "a multiple is 1–1,000",
    )
}

fn speed<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    in_range(
        d,
        |s: &f64| (1.0..=100_000.0).contains(s),
        "a speed is 1–100,000 km/h",
    )
}

fn distance<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    in_range(
        d,
        |k: &f64| (0.0..=20_000.0).contains(k),
        "a distance is 0–20,000 km",
    )
}

fn amount<'de, D: Deserializer<'de>>(d: D) -> Result<Money, D::Error> {
    in_range(d, |m: &Money| !m.is_negative(), "an amount is not negative")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_file_is_valid() {
        let rules = Rules::builtin();
        assert_eq!(rules.decision.review_at, 30);
        assert_eq!(rules.velocity.windows.len(), 4);
        assert_eq!(rules.severity(Rule::BlacklistHit), Severity::Critical);
        assert_eq!(rules.severity(Rule::RiskyMerchant), Severity::Low);
        assert_eq!(rules.lookback_minutes(), 24 * 60);
    }

    /// The shipped file with one line replaced; panics if `old` is not in it.
    fn with(old: &str, new: &str) -> Result<Rules, RulesError> {
        assert!(BUILTIN.contains(old), "{old}");
        Rules::parse(&BUILTIN.replacen(old, new, 1))
    }

    fn line_of(text: &str) -> usize {
        BUILTIN.lines().position(|l| l.contains(text)).unwrap() + 1
    }

    #[test]
    fn a_bad_value_is_refused_with_its_line() {
        let cases = [
            (
                "max_speed_kmh = 900.0",
                "max_speed_kmh = -5.0",
                "out of range",
            ),
            ("freeze_percent = 50", "freeze_percent = 150", "percentage"),
            ("from_hour = 0", "from_hour = 24", "hour of the day"),
            (
                "max_amount = \"2000.00\"",
                "max_amount = \"2000.001\"",
                "two decimal",
            ),
            (
                "max_amount = \"500.00\"",
                "max_amount = \"-1.00\"",
                "not negative",
            ),
            ("weight = 100", "weight = \"heavy\"", "invalid type"),
            ("weight = 100", "weigth = 100", "unknown field"),
            ("\"gift_cards\"", "\"giftcards\"", "unknown variant"),
            ("decline_at = 80", "decline_at = 20", "above review_at"),
        ];
        for (old, new, why) in cases {
            let error = with(old, new).unwrap_err();
            assert_eq!(error.line, Some(line_of(old)), "{new}: {error}");
            assert!(error.message.contains(why), "{new}: {error}");
        }
    }

    #[test]
    fn refund_tiers_that_fall_are_refused_in_their_table() {
        let error = with("single_max = \"500.00\"", "single_max = \"6000.00\"").unwrap_err();
        assert!(
            error.message.contains("single_max must not be above"),
            "{error}"
        );
        assert_eq!(error.field, "dispute_approval.single_max");
        assert_eq!(
            error.line,
            Some(line_of("single_max = \"500.00\"")),
            "{error}"
        );
        let rules = Rules::builtin();
        assert_eq!(rules.dispute_approval.single_max, Money::yuan(500).unwrap());
    }

    #[test]
    fn a_missing_section_and_falling_severities_are_refused() {
        let error = Rules::parse("[decision]\nreview_at = 30\ndecline_at = 80\n").unwrap_err();
        assert!(error.message.contains("missing field"), "{error}");
        let error = with("high = 50", "high = 20").unwrap_err();
        assert_eq!(error.line, Some(line_of("high = 50")));
        assert_eq!(error.field, "alerts.severity");
        assert!(error.message.contains("must rise"), "{error}");
        let error = with(
            "{ subject = \"ip\", minutes = 60, max_count = 10, max_amount = \"30000.00\" },",
            "{ subject = \"card\", minutes = 60, max_count = 10, max_amount = \"30000.00\" },",
        )
        .unwrap_err();
        assert!(error.message.contains("unknown variant"), "{error}");
    }

    #[test]
    fn a_bad_value_in_a_file_names_its_field() {
        let error = with("max_speed_kmh = 900.0", "max_speed_kmh = 0.5").unwrap_err();
        assert_eq!(error.field, "impossible_travel.max_speed_kmh");
        assert_eq!(
            error.to_string(),
            format!(
                "rules file, line {}: impossible_travel.max_speed_kmh: 0.5 is out of range: \
                 a speed is 1–100,000 km/h",
                line_of("max_speed_kmh = 900.0")
            )
        );
        let error = with(
            "minutes = 1440, max_count = 20",
            "minutes = 0, max_count = 20",
        )
        .unwrap_err();
        assert_eq!(error.field, "velocity.windows[1].minutes");
    }

    #[test]
    fn rules_as_json_read_back_the_same_and_refuse_naming_the_field() {
        let rules = Rules::builtin();
        let json = serde_json::to_value(&rules).unwrap();
        assert_eq!(json["impossible_travel"]["max_speed_kmh"], 900.0);
        assert_eq!(json["velocity"]["windows"][0]["max_amount"], "10000.00");
        assert_eq!(json["blacklist"]["enabled"], true);
        assert_eq!(Rules::from_json(&json).unwrap(), rules);

        let mut bad = json.clone();
        bad["night_burst"]["to_hour"] = serde_json::json!(24);
        let error = Rules::from_json(&bad).unwrap_err();
        assert_eq!(
            (error.field.as_str(), error.line),
            ("night_burst.to_hour", None)
        );
        assert_eq!(
            error.to_string(),
            "night_burst.to_hour: 24 is out of range: an hour of the day is 0–23"
        );
        let mut bad = json.clone();
        bad["decision"]["decline_at"] = serde_json::json!(10);
        let error = Rules::from_json(&bad).unwrap_err();
        assert_eq!(error.field, "decision.decline_at");
        let mut bad = json;
        bad["velocity"]["speed"] = serde_json::json!(1);
        let error = Rules::from_json(&bad).unwrap_err();
        assert_eq!(error.field, "velocity.speed");
        assert!(error.message.contains("unknown field"), "{error}");
    }

    #[test]
    fn a_rule_left_out_of_enabled_is_on_and_can_be_switched_off() {
        let rules = Rules::builtin();
        assert!(rules.enabled(Rule::ImpossibleTravel));
        let off = with("[far_from_home]\n", "[far_from_home]\nenabled = false\n").unwrap();
        assert!(!off.enabled(Rule::FarFromHome));
        assert!(off.enabled(Rule::ImpossibleTravel));
    }
}
