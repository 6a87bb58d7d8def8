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
            let evidence = match rule {
                Rule::Velocity => velocity(rules, payment, ctx),
                Rule::AmountSpike => amount_spike(rules, payment, ctx),
                Rule::NewDeviceLargeAmount => new_device(rules, payment, ctx),
                Rule::NightBurst => night_burst(rules, payment, ctx),
                Rule::ImpossibleTravel => impossible_travel(rules, payment, ctx),
                Rule::FarFromHome => far_from_home(rules, payment, ctx),
                Rule::BlacklistHit => blacklist(payment, ctx),
                Rule::RiskyMerchant => risky_merchant(rules, payment),
                Rule::FrequentLargeSpending => frequent_large_spending(rules, payment, ctx),
            }?;
            Some(RuleHit { rule, evidence })
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

fn velocity(rules: &Rules, p: &Payment<'_>, ctx: &Context<'_>) -> Option<String> {
    let mut findings = Vec::new();
    for window in &rules.velocity.windows {
        let (attempts, on) = match window.subject {
            Subject::Account => (ctx.account, "the account"),
            Subject::Device => (ctx.device, "device"),
            Subject::Ip => (ctx.ip, "IP"),
        };
        let on = match window.subject {
            Subject::Account => on.to_owned(),
            Subject::Device => format!("{on} {}", p.device_id),
            Subject::Ip => format!("{on} {}", p.ip),
        };
        let recent: Vec<Attempt> = in_window(attempts, p.at, window.minutes).cloned().collect();
        let count = recent.len() + 1;
        let amount = spent(recent.into_iter(), p.amount);
        let period = span(window.minutes);
        if count > window.max_count as usize {
            findings.push(format!(
                "{count} payments in {period} on {on} (max {})",
                window.max_count
            ));
        }
        if amount > window.max_amount {
            findings.push(format!(
                "{} in {period} on {on} (max {})",
                amount.display_cny(),
                window.max_amount.display_cny()
            ));
        }
    }
    (!findings.is_empty()).then(|| findings.join("; "))
}

fn amount_spike(rules: &Rules, p: &Payment<'_>, ctx: &Context<'_>) -> Option<String> {
    let policy = &rules.amount_spike;
    let typical = ctx.typical?;
    if typical.purchases < policy.min_history
        || p.amount < policy.ignore_below
        || typical.median.fen() <= 0
    {
        return None;
    }
    #[allow(clippy::cast_precision_loss)] // A ratio for a threshold, not money.
    let multiple = p.amount.fen() as f64 / typical.median.fen() as f64;
    (multiple > policy.max_multiple).then(|| {
        format!(
            "{} is {multiple:.1} × the median {} of {} purchases (max {} ×)",
            p.amount.display_cny(),
            typical.median.display_cny(),
            typical.purchases,
            policy.max_multiple
        )
    })
}

fn new_device(rules: &Rules, p: &Payment<'_>, ctx: &Context<'_>) -> Option<String> {
    let max = rules.new_device.max_amount;
    (!ctx.device_seen_before && p.amount > max).then(|| {
        format!(
            "device {} never paid on this account; {} (max {} on a new device)",
            p.device_id,
            p.amount.display_cny(),
            max.display_cny()
        )
    })
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

fn night_burst(rules: &Rules, p: &Payment<'_>, ctx: &Context<'_>) -> Option<String> {
    let policy = &rules.night_burst;
    if !at_night(rules, p.at) {
        return None;
    }
    let count = in_window(ctx.account, p.at, policy.minutes)
        .filter(|a| at_night(rules, a.at))
        .count()
        + 1;
    (count > policy.max_count as usize).then(|| {
        format!(
            "{count} payments between {:02}:00 and {:02}:00 within {} (max {})",
            policy.from_hour,
            policy.to_hour,
            span(policy.minutes),
            policy.max_count
        )
    })
}

fn impossible_travel(rules: &Rules, p: &Payment<'_>, ctx: &Context<'_>) -> Option<String> {
    let policy = &rules.impossible_travel;
    let here = p.place?;
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
            let speed = if seconds == 0.0 {
                "at the same moment".to_owned()
            } else {
                format!("= {} km/h", grouped(speed))
            };
            findings.push(format!(
                "{} → {}: {} km in {} {speed} (max {} km/h)",
                from.city,
                to.city,
                grouped(km),
                elapsed(seconds),
                grouped(policy.max_speed_kmh)
            ));
        }
    }
    (!findings.is_empty()).then(|| findings.join("; "))
}

fn far_from_home(rules: &Rules, p: &Payment<'_>, ctx: &Context<'_>) -> Option<String> {
    let max = rules.far_from_home.max_distance_km;
    let km = ctx.home.point.distance_km(p.place?.point);
    (km > max).then(|| {
        format!(
            "{} km from home ({}) in {} (max {} km)",
            grouped(km),
            ctx.home.city,
            p.place.map_or("", |place| place.city.as_str()),
            grouped(max)
        )
    })
}

fn blacklist(p: &Payment<'_>, ctx: &Context<'_>) -> Option<String> {
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
    let matches: Vec<String> = ctx
        .blacklist
        .iter()
        .filter_map(|(id, target)| Some(format!("{} (entry #{id})", target.matches(&probe)?)))
        .collect();
    (!matches.is_empty()).then(|| matches.join("; "))
}

fn risky_merchant(rules: &Rules, p: &Payment<'_>) -> Option<String> {
    let policy = &rules.risky_merchant;
    (policy.categories.contains(&p.category) && p.amount > policy.max_amount).then(|| {
        format!(
            "{} at {}: {} (max {})",
            p.category.as_str(),
            p.merchant,
            p.amount.display_cny(),
            policy.max_amount.display_cny()
        )
    })
}

fn frequent_large_spending(rules: &Rules, p: &Payment<'_>, ctx: &Context<'_>) -> Option<String> {
    let policy = &rules.frequent_large_spending;
    if p.amount <= policy.large_amount {
        return None;
    }
    let count = in_window(ctx.account, p.at, policy.minutes)
        .filter(|a| a.approved && a.amount > policy.large_amount)
        .count()
        + 1;
    (count > policy.max_count as usize).then(|| {
        format!(
            "{count} payments over {} in {} (max {}); {}% of the available limit frozen for {} h",
            policy.large_amount.display_cny(),
            span(policy.minutes),
            policy.max_count,
            policy.freeze_percent,
            policy.freeze_hours
        )
    })
}

/// A window's length as people say it: `10 min`, `24 h`.
fn span(minutes: u32) -> String {
    if minutes >= 60 && minutes.is_multiple_of(60) {
        format!("{} h", minutes / 60)
    } else {
        format!("{minutes} min")
    }
}

/// Time between two payments: seconds under a minute, else whole minutes.
fn elapsed(seconds: f64) -> String {
    if seconds < 60.0 {
        format!("{seconds:.0} s")
    } else {
        format!("{} min", grouped(seconds / 60.0))
    }
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
