//! The fraud rules: pure functions from a payment, and what is known around
//! it, to the rules that fired with their evidence in numbers — then to a
//! decision and, for frequent large spending, a temporary freeze.
//!
//! Every threshold comes from the rules file ([`Rules`]); a rule fires when
//! its value is above the threshold. Windows slide back from the payment's
//! own time, so a late or out-of-order event is judged as of when it
//! happened, and later payments that arrived first do not count against it.

mod config;

use std::net::IpAddr;

use chrono::{DateTime, Duration, Timelike, Utc};

pub use config::*;

use crate::account::Grade;
use crate::alert::{Rule, RuleHit};
use crate::blacklist::{Probe, Target};
use crate::evidence::{Finding, sentence, whole};
use crate::limit_change::LimitChangeReason;
use crate::money::Money;
use crate::transaction::{Decision, MerchantCategory, Place};

/// A payment the checkout asks about.
#[derive(Clone, Debug, PartialEq)]
pub struct Payment<'a> {
    pub amount: Money,
    pub merchant: &'a str,
    pub category: MerchantCategory,
    pub device_id: &'a str,
    pub ip: IpAddr,
    pub place: Option<&'a Place>,
    pub at: DateTime<Utc>,
}

/// A purchase attempt already on record.
#[derive(Clone, Debug, PartialEq)]
pub struct Attempt {
    pub at: DateTime<Utc>,
    pub amount: Money,
    /// It went through (approved or held for review): its amount counts as spent.
    pub approved: bool,
    pub place: Option<Place>,
}

/// The median of a customer's approved purchases, and how many there were.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Typical {
    pub median: Money,
    pub purchases: u32,
}

/// How many of an account's last approved purchases give its typical amount.
pub const TYPICAL_PURCHASES: usize = 50;

impl Typical {
    /// The median of amounts in fen (the mean of the middle two for an
    /// even count), and how many there were; none of nothing.
    pub fn of(mut amounts: Vec<i64>) -> Option<Typical> {
        amounts.sort_unstable();
        let n = amounts.len();
        let middle = match n {
            0 => return None,
            _ if n % 2 == 1 => amounts[n / 2],
            _ => (amounts[n / 2 - 1] + amounts[n / 2]) / 2,
        };
        Some(Typical {
            median: Money::from_fen(middle).ok()?,
            purchases: u32::try_from(n).ok()?,
        })
    }
}

/// What the engine knows around a payment.
#[derive(Clone, Debug)]
pub struct Context<'a> {
    pub customer_id: i64,
    pub phone: &'a str,
    pub national_id_hash: &'a str,
    pub home: &'a Place,
    /// Purchase attempts near the payment's time (at least
    /// [`Rules::lookback_minutes`] before it), not including the payment:
    /// the account's, the device's on any account, and the IP's.
    pub account: &'a [Attempt],
    pub device: &'a [Attempt],
    pub ip: &'a [Attempt],
    /// The account's approved purchases before this one.
    pub typical: Option<Typical>,
    /// Whether the account has paid from this device before.
    pub device_seen_before: bool,
    /// Live blacklist entries that could match, with their ids.
    pub blacklist: &'a [(i64, Target)],
}

/// Runs every rule switched on; the hits come in the order of [`Rule`].
pub fn evaluate(rules: &Rules, payment: &Payment<'_>, ctx: &Context<'_>) -> Vec<RuleHit> {
    use strum::IntoEnumIterator;
    Rule::iter()
        .filter(|rule| rules.enabled(*rule))
        .filter_map(|rule| {
            let findings = match rule {
                Rule::Velocity => velocity(rules, payment, ctx),
                Rule::AmountSpike => amount_spike(rules, payment, ctx),
                Rule::NewDeviceLargeAmount => new_device(rules, payment, ctx),
                Rule::NightBurst => night_burst(rules, payment, ctx),
                Rule::ImpossibleTravel => impossible_travel(rules, payment, ctx),
                Rule::FarFromHome => far_from_home(rules, payment, ctx),
                Rule::BlacklistHit => blacklist(payment, ctx),
                Rule::RiskyMerchant => risky_merchant(rules, payment),
                Rule::FrequentLargeSpending => frequent_large_spending(rules, payment, ctx),
            };
            (!findings.is_empty()).then(|| RuleHit {
                rule,
                evidence: sentence(&findings),
                findings,
            })
        })
        .collect()
}

/// Approve, review or decline from the sum of the weights of the hits.
pub fn decide(rules: &Rules, hits: &[RuleHit]) -> Decision {
    let total: u32 = hits.iter().map(|h| rules.weight(h.rule)).sum();
    if total >= rules.decision.decline_at {
        Decision::Decline
    } else if total >= rules.decision.review_at {
        Decision::Review
    } else {
        Decision::Approve
    }
}

/// Part of a limit frozen for a while; it lapses by itself at `until`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Freeze {
    pub amount: Money,
    pub until: DateTime<Utc>,
}

/// The source's dynamic limit adjustment: when frequent large spending fired
/// on a payment that went through, freeze the policy's share of what is
/// still available after it, for the policy's time.
pub fn freeze_for(
    rules: &Rules,
    hits: &[RuleHit],
    decision: Decision,
    available_after: Money,
    at: DateTime<Utc>,
) -> Option<Freeze> {
    let policy = &rules.frequent_large_spending;
    let fired = hits.iter().any(|h| h.rule == Rule::FrequentLargeSpending);
    if !fired || decision == Decision::Decline {
        return None;
    }
    let amount = frozen_share(available_after, policy.freeze_percent);
    (amount.fen() > 0).then_some(())?;
    Some(Freeze {
        amount,
        until: at + Duration::hours(i64::from(policy.freeze_hours)),
    })
}

/// What the limit review reads about an account after re-scoring.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineReview {
    pub limit: Money,
    pub used: Money,
    pub grade: Grade,
    pub days_past_due: u32,
    pub max_dpd_12m: u32,
}

/// A limit change the engine proposes for an officer to decide.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LimitProposal {
    pub proposed: Money,
    pub reason: LimitChangeReason,
}

/// The source's periodic adjustment: a good, busy line is proposed higher; a
/// poor or long-overdue one lower (never below what is used). New limits are
/// whole hundreds of yuan. Risk first: a decrease wins over an increase.
pub fn review_limit(rules: &Rules, line: &LineReview) -> Option<LimitProposal> {
    let policy = &rules.limit_review;
    let hundred = 10_000; // fen
    let limit = line.limit.fen();
    if policy.decrease_grades.contains(&line.grade) || line.days_past_due > policy.max_dpd {
        let cut = limit * i64::from(100 - policy.decrease_percent) / 100 / hundred * hundred;
        let used = (line.used.fen() + hundred - 1) / hundred * hundred;
        let proposed = cut.max(used);
        return (proposed < limit).then(|| LimitProposal {
            proposed: Money::from_fen(proposed).unwrap_or(line.limit),
            reason: LimitChangeReason::RisingDelinquency,
        });
    }
    let busy = Money::ratio_bp(line.used, line.limit)
        >= i64::from(policy.increase_min_utilisation_percent) * 100;
    if policy.increase_grades.contains(&line.grade)
        && line.days_past_due == 0
        && line.max_dpd_12m == 0
        && busy
    {
        let raised = limit * i64::from(100 + policy.increase_percent) / 100 / hundred * hundred;
        let proposed = raised.min(policy.max_limit.fen());
        return (proposed > limit).then(|| LimitProposal {
            proposed: Money::from_fen(proposed).unwrap_or(line.limit),
            reason: LimitChangeReason::HighUtilisation,
        });
    }
    None
}

/// `percent` of what is available, rounded half-even to the fen.
pub fn frozen_share(available: Money, percent: u32) -> Money {
    available
        .mul_bp(i64::from(percent) * 100)
        .unwrap_or(Money::ZERO)
}

/// The attempts in the window of `minutes` that ends at the payment:
/// after `at − minutes`, not after `at`.
fn in_window(
    attempts: &[Attempt],
    at: DateTime<Utc>,
    minutes: u32,
) -> impl Iterator<Item = &Attempt> {
    let from = at - Duration::minutes(i64::from(minutes));
    attempts.iter().filter(move |a| a.at > from && a.at <= at)
}

/// Approved amounts plus the payment's own, in fen (saturating: a sum of
/// valid amounts cannot overflow an i64, but a rule must never panic).
fn spent(attempts: impl Iterator<Item = Attempt>, payment: Money) -> Money {
    let fen = attempts
        .filter(|a| a.approved)
        .fold(payment.fen(), |sum, a| sum.saturating_add(a.amount.fen()));
    Money::from_fen(fen).unwrap_or(payment)
}

fn velocity(rules: &Rules, p: &Payment<'_>, ctx: &Context<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    for window in &rules.velocity.windows {
        let (attempts, value) = match window.subject {
            Subject::Account => (ctx.account, None),
            Subject::Device => (ctx.device, Some(p.device_id.to_owned())),
            Subject::Ip => (ctx.ip, Some(p.ip.to_string())),
        };
        let recent: Vec<Attempt> = in_window(attempts, p.at, window.minutes).cloned().collect();
        let count = u32::try_from(recent.len() + 1).unwrap_or(u32::MAX);
        let amount = spent(recent.into_iter(), p.amount);
        if count > window.max_count {
            findings.push(Finding::PaymentCount {
                count,
                minutes: window.minutes,
                on: window.subject,
                value: value.clone(),
                max: window.max_count,
            });
        }
        if amount > window.max_amount {
            findings.push(Finding::AmountInWindow {
                amount,
                minutes: window.minutes,
                on: window.subject,
                value,
                max: window.max_amount,
            });
        }
    }
    findings
}

fn amount_spike(rules: &Rules, p: &Payment<'_>, ctx: &Context<'_>) -> Vec<Finding> {
    let policy = &rules.amount_spike;
    let Some(typical) = ctx.typical else {
        return Vec::new();
    };
    if typical.purchases < policy.min_history
        || p.amount < policy.ignore_below
        || typical.median.fen() <= 0
    {
        return Vec::new();
    }
    #[allow(clippy::cast_precision_loss)] // A ratio for a threshold, not money.
    let multiple = p.amount.fen() as f64 / typical.median.fen() as f64;
    if multiple <= policy.max_multiple {
        return Vec::new();
    }
    vec![Finding::AmountSpike {
        amount: p.amount,
        multiple: (multiple * 10.0).round() / 10.0,
        median: typical.median,
        purchases: typical.purchases,
        max_multiple: policy.max_multiple,
    }]
}

fn new_device(rules: &Rules, p: &Payment<'_>, ctx: &Context<'_>) -> Vec<Finding> {
    let max = rules.new_device.max_amount;
    if ctx.device_seen_before || p.amount <= max {
        return Vec::new();
    }
    vec![Finding::NewDevice {
        device: p.device_id.to_owned(),
        amount: p.amount,
        max,
    }]
}

/// China time, where "night" is meant.
const CHINA_OFFSET: Duration = Duration::hours(8);

fn at_night(rules: &Rules, at: DateTime<Utc>) -> bool {
    let (from, to) = (rules.night_burst.from_hour, rules.night_burst.to_hour);
    let hour = (at + CHINA_OFFSET).hour();
    if from <= to {
        (from..to).contains(&hour)
    } else {
        hour >= from || hour < to
    }
}

fn night_burst(rules: &Rules, p: &Payment<'_>, ctx: &Context<'_>) -> Vec<Finding> {
    let policy = &rules.night_burst;
    if !at_night(rules, p.at) {
        return Vec::new();
    }
    let count = in_window(ctx.account, p.at, policy.minutes)
        .filter(|a| at_night(rules, a.at))
        .count()
        + 1;
    let count = u32::try_from(count).unwrap_or(u32::MAX);
    if count <= policy.max_count {
        return Vec::new();
    }
    vec![Finding::NightBurst {
        count,
        from_hour: policy.from_hour,
        to_hour: policy.to_hour,
        minutes: policy.minutes,
        max: policy.max_count,
    }]
}

fn impossible_travel(rules: &Rules, p: &Payment<'_>, ctx: &Context<'_>) -> Vec<Finding> {
    let policy = &rules.impossible_travel;
    let Some(here) = p.place else {
        return Vec::new();
    };
    let day = Duration::days(1);
    let located = ctx
        .account
        .iter()
        .filter_map(|a| Some((a.at, a.place.as_ref()?)))
        .filter(|(at, _)| (*at - p.at).abs() <= day);
    // The nearest located payment on each side in time: a late event is
    // checked against what came before and after it.
    let before = located
        .clone()
        .filter(|(at, _)| *at <= p.at)
        .max_by_key(|(at, _)| *at);
    let after = located
        .filter(|(at, _)| *at > p.at)
        .min_by_key(|(at, _)| *at);
    let mut findings = Vec::new();
    for (at, there) in before.into_iter().chain(after) {
        let km = there.point.distance_km(here.point);
        if km <= policy.ignore_within_km {
            continue;
        }
        #[allow(clippy::cast_precision_loss)] // Seconds within a day.
        let seconds = (p.at - at).num_seconds().abs() as f64;
        let speed = km / (seconds / 3_600.0);
        if speed > policy.max_speed_kmh {
            let (from, to) = if at <= p.at {
                (there, here)
            } else {
                (here, there)
            };
            findings.push(Finding::Travel {
                from: from.city.clone(),
                to: to.city.clone(),
                km: whole(km),
                seconds: whole(seconds),
                speed_kmh: (seconds > 0.0).then(|| whole(speed)),
                max_kmh: whole(policy.max_speed_kmh),
            });
        }
    }
    findings
}

fn far_from_home(rules: &Rules, p: &Payment<'_>, ctx: &Context<'_>) -> Vec<Finding> {
    let max = rules.far_from_home.max_distance_km;
    let Some(place) = p.place else {
        return Vec::new();
    };
    let km = ctx.home.point.distance_km(place.point);
    if km <= max {
        return Vec::new();
    }
    vec![Finding::FarFromHome {
        km: whole(km),
        home: ctx.home.city.clone(),
        city: place.city.clone(),
        max_km: whole(max),
    }]
}

fn blacklist(p: &Payment<'_>, ctx: &Context<'_>) -> Vec<Finding> {
    let probe = Probe {
        customer_id: ctx.customer_id,
        phone: ctx.phone,
        national_id_hash: ctx.national_id_hash,
        device_id: p.device_id,
        ip: p.ip,
        merchant: p.merchant,
        point: p.place.map(|place| place.point),
        city: p.place.map(|place| place.city.as_str()),
    };
    ctx.blacklist
        .iter()
        .filter_map(|(id, target)| target.matches(*id, &probe))
        .collect()
}

fn risky_merchant(rules: &Rules, p: &Payment<'_>) -> Vec<Finding> {
    let policy = &rules.risky_merchant;
    if !policy.categories.contains(&p.category) || p.amount <= policy.max_amount {
        return Vec::new();
    }
    vec![Finding::RiskyMerchant {
        category: p.category,
        merchant: p.merchant.to_owned(),
        amount: p.amount,
        max: policy.max_amount,
    }]
}

fn frequent_large_spending(rules: &Rules, p: &Payment<'_>, ctx: &Context<'_>) -> Vec<Finding> {
    let policy = &rules.frequent_large_spending;
    if p.amount <= policy.large_amount {
        return Vec::new();
    }
    let count = in_window(ctx.account, p.at, policy.minutes)
        .filter(|a| a.approved && a.amount > policy.large_amount)
        .count()
        + 1;
    let count = u32::try_from(count).unwrap_or(u32::MAX);
    if count <= policy.max_count {
        return Vec::new();
    }
    vec![Finding::FrequentLarge {
        count,
        over: policy.large_amount,
        minutes: policy.minutes,
        max: policy.max_count,
        freeze_percent: policy.freeze_percent,
        freeze_hours: policy.freeze_hours,
    }]
}

/// A whole number with thousands separators, as evidence reads: `5,057`.
pub fn grouped(value: f64) -> String {
    let digits = format!("{:.0}", value.abs());
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    if value < -0.5 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests;
