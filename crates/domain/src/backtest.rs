//! Two versions of the rules side by side on the same payments: what a
//! draft would have decided and raised where the live rules did, and what
//! that does to payments the team has labelled (confirmed fraud, false
//! positive, benign). The backtest runs it on recorded history, the shadow
//! on payments as they arrive; both tally into one [`Comparison`].
//!
//! History is replayed as the engine read it: [`Walk`] keeps, in time order,
//! what the engine's context query returns for a payment — the account's,
//! device's and IP's attempts in the look-back, the account's last approved
//! amounts, the devices it has paid from, the blacklist then in force — so
//! each payment is judged as of its own time. Earlier payments count as
//! they were recorded: a draft's different decision on one payment does not
//! change what the next one sees (as in Stripe Radar's backtests).

use std::collections::{HashMap, HashSet, VecDeque};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use strum::IntoEnumIterator;

use crate::alert::{Disposition, Rule};
use crate::blacklist::{BlacklistKind, Target};
use crate::money::Money;
use crate::rules::{self, Attempt, Context, Payment, Rules, TYPICAL_PURCHASES, Typical};
use crate::transaction::{Decision, Place};

/// How many changed payments a comparison lists (the earliest).
pub const CHANGED_LISTED: usize = 50;

/// What one version of the rules made of a payment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Judged {
    pub decision: Decision,
    /// The rules that fired, in the order of [`Rule`].
    pub hits: Vec<Rule>,
    /// Those that raise an alert.
    pub alerts: Vec<Rule>,
}

impl Judged {
    /// The rules' verdict on a payment in its context.
    pub fn of(rules: &Rules, payment: &Payment<'_>, context: &Context<'_>) -> Judged {
        let hits = rules::evaluate(rules, payment, context);
        let decision = rules::decide(rules, &hits);
        Judged::from_hits(rules, decision, hits.iter().map(|h| h.rule))
    }

    /// A verdict already recorded: its decision and the rules that fired,
    /// with the alerts they raise under `rules`.
    pub fn from_hits(
        rules: &Rules,
        decision: Decision,
        hits: impl Iterator<Item = Rule>,
    ) -> Judged {
        let hits: Vec<Rule> = hits.collect();
        let alerts = hits
            .iter()
            .copied()
            .filter(|r| rules.raises_alert(*r))
            .collect();
        Judged {
            decision,
            hits,
            alerts,
        }
    }

    /// Whether the team would look at the payment: held, declined or alerted.
    pub fn flagged(&self) -> bool {
        self.decision != Decision::Approve || !self.alerts.is_empty()
    }
}

/// One payment as both versions judged it.
#[derive(Clone, Debug, PartialEq)]
pub struct Compared<'a> {
    pub transaction_id: i64,
    pub order_id: &'a str,
    pub account_id: i64,
    pub at: DateTime<Utc>,
    pub amount: Money,
    /// The team's label from the payment's closed alerts, if any.
    pub label: Option<Disposition>,
    pub live: &'a Judged,
    pub draft: &'a Judged,
}

/// Payments that went from one decision to another.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DecisionShift {
    pub live: Decision,
    pub draft: Decision,
    pub payments: u64,
    pub amount: Money,
}

/// One rule under both versions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RuleShift {
    pub rule: Rule,
    pub live_hits: u64,
    pub draft_hits: u64,
    pub live_alerts: u64,
    pub draft_alerts: u64,
    /// Payments the draft alerts on for this rule and the live rules do not.
    pub alerts_added: u64,
    /// Payments the live rules alert on for this rule and the draft does not.
    pub alerts_removed: u64,
}

/// Labelled payments: which version would have put them before the team.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OutcomeShift {
    pub label: Disposition,
    pub payments: u64,
    pub amount: Money,
    /// Flagged (held, declined or alerted) by both versions.
    pub both: u64,
    /// By the live rules only: for fraud, now missed; otherwise avoided.
    pub live_only: u64,
    /// By the draft only: for fraud, newly caught; otherwise added.
    pub draft_only: u64,
    /// Amounts let through (not declined), live and draft.
    pub live_approved: Money,
    pub draft_approved: Money,
}

/// A payment the draft decides or alerts on differently.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ChangedPayment {
    pub transaction_id: i64,
    pub order_id: String,
    pub account_id: i64,
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub at: DateTime<Utc>,
    pub amount: Money,
    pub label: Option<Disposition>,
    pub live: Decision,
    pub draft: Decision,
    pub live_hits: Vec<Rule>,
    pub draft_hits: Vec<Rule>,
}

/// The live rules beside a draft on the same payments.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Comparison {
    pub payments: u64,
    pub amount: Money,
    /// Payments with a label from the team.
    pub labelled: u64,
    /// Every pair of decisions seen, live then draft, mildest first.
    pub decisions: Vec<DecisionShift>,
    /// Every rule, in the order of [`Rule`].
    pub rules: Vec<RuleShift>,
    /// Each label, in the order of [`Disposition`].
    pub outcomes: Vec<OutcomeShift>,
    /// Amounts let through (not declined by the rules).
    pub live_approved: Money,
    pub draft_approved: Money,
    /// Payments decided or alerted on differently, and the first of them.
    pub changed: u64,
    pub changed_payments: Vec<ChangedPayment>,
}

impl Comparison {
    pub fn new() -> Comparison {
        Comparison {
            rules: Rule::iter()
                .map(|rule| RuleShift {
                    rule,
                    live_hits: 0,
                    draft_hits: 0,
                    live_alerts: 0,
                    draft_alerts: 0,
                    alerts_added: 0,
                    alerts_removed: 0,
                })
                .collect(),
            outcomes: Disposition::iter()
                .map(|label| OutcomeShift {
                    label,
                    payments: 0,
                    amount: Money::ZERO,
                    both: 0,
                    live_only: 0,
                    draft_only: 0,
                    live_approved: Money::ZERO,
                    draft_approved: Money::ZERO,
                })
                .collect(),
            ..Comparison::default()
        }
    }

    /// Counts one payment.
    pub fn add(&mut self, p: &Compared<'_>) {
        let (live, draft) = (p.live, p.draft);
        self.payments += 1;
        self.amount = plus(self.amount, p.amount);
        let let_through = |j: &Judged| j.decision != Decision::Decline;
        if let_through(live) {
            self.live_approved = plus(self.live_approved, p.amount);
        }
        if let_through(draft) {
            self.draft_approved = plus(self.draft_approved, p.amount);
        }
        match self
            .decisions
            .iter_mut()
            .find(|s| s.live == live.decision && s.draft == draft.decision)
        {
            Some(shift) => {
                shift.payments += 1;
                shift.amount = plus(shift.amount, p.amount);
            }
            None => {
                self.decisions.push(DecisionShift {
                    live: live.decision,
                    draft: draft.decision,
                    payments: 1,
                    amount: p.amount,
                });
                self.decisions
                    .sort_by_key(|s| (rank(s.live), rank(s.draft)));
            }
        }
        for shift in &mut self.rules {
            let rule = shift.rule;
            let (live_alert, draft_alert) =
                (live.alerts.contains(&rule), draft.alerts.contains(&rule));
            shift.live_hits += u64::from(live.hits.contains(&rule));
            shift.draft_hits += u64::from(draft.hits.contains(&rule));
            shift.live_alerts += u64::from(live_alert);
            shift.draft_alerts += u64::from(draft_alert);
            shift.alerts_added += u64::from(draft_alert && !live_alert);
            shift.alerts_removed += u64::from(live_alert && !draft_alert);
        }
        if let Some(label) = p.label {
            self.labelled += 1;
            if let Some(outcome) = self.outcomes.iter_mut().find(|o| o.label == label) {
                outcome.payments += 1;
                outcome.amount = plus(outcome.amount, p.amount);
                match (live.flagged(), draft.flagged()) {
                    (true, true) => outcome.both += 1,
                    (true, false) => outcome.live_only += 1,
                    (false, true) => outcome.draft_only += 1,
                    (false, false) => {}
                }
                if let_through(live) {
                    outcome.live_approved = plus(outcome.live_approved, p.amount);
                }
                if let_through(draft) {
                    outcome.draft_approved = plus(outcome.draft_approved, p.amount);
                }
            }
        }
        if live.decision != draft.decision || live.alerts != draft.alerts {
            self.changed += 1;
            if self.changed_payments.len() < CHANGED_LISTED {
                self.changed_payments.push(ChangedPayment {
                    transaction_id: p.transaction_id,
                    order_id: p.order_id.to_owned(),
                    account_id: p.account_id,
                    at: p.at,
                    amount: p.amount,
                    label: p.label,
                    live: live.decision,
                    draft: draft.decision,
                    live_hits: live.hits.clone(),
                    draft_hits: draft.hits.clone(),
                });
            }
        }
    }
}

/// Decisions from the mildest.
fn rank(decision: Decision) -> u8 {
    match decision {
        Decision::Approve => 0,
        Decision::Review => 1,
        Decision::Decline => 2,
    }
}

/// Sums of valid amounts; saturates rather than fail a report.
fn plus(a: Money, b: Money) -> Money {
    a.checked_add(b).unwrap_or(a)
}

/// The strongest of a payment's labels: fraud over a false positive over benign.
pub fn strongest(a: Option<Disposition>, b: Disposition) -> Disposition {
    match a {
        Some(a) if a < b => a,
        _ => b,
    }
}

/// A transaction on record, as the walk reads it.
#[derive(Clone, Debug, PartialEq)]
pub struct Recorded {
    pub account_id: i64,
    pub at: DateTime<Utc>,
    /// A purchase attempt (the rules' windows count only these).
    pub purchase: bool,
    pub amount: Money,
    /// It went through (approved or held): its amount counts as spent.
    pub approved: bool,
    pub device_id: Option<String>,
    pub ip: Option<String>,
    pub place: Option<Place>,
}

/// A blacklist entry with the time it was in force.
#[derive(Clone, Debug, PartialEq)]
pub struct Listed {
    pub id: i64,
    pub target: Target,
    /// The (kind, value) a payment names it by, for an entry matched by
    /// equality; none for an IP block or an area, which every payment meets.
    pub exact: Option<(BlacklistKind, String)>,
    pub from: DateTime<Utc>,
    /// Removed or expired, whichever came first.
    pub until: Option<DateTime<Utc>>,
}

impl Listed {
    fn in_force(&self, at: DateTime<Utc>) -> bool {
        self.from <= at && self.until.is_none_or(|until| until > at)
    }
}

/// What a payment could be named by on the blacklist: its customer id,
/// phone, national-ID hash, device, merchant and IP, as the entries' values.
pub type Names<'a> = [(BlacklistKind, &'a str)];

/// What the engine's context holds for a payment, before it is recorded.
#[derive(Debug)]
pub struct Seen<'a> {
    pub account: &'a [Attempt],
    pub device: &'a [Attempt],
    pub ip: &'a [Attempt],
    pub typical: Option<Typical>,
    pub device_seen_before: bool,
    pub blacklist: &'a [(i64, Target)],
}

#[derive(Debug, Default)]
struct AccountTrail {
    recent: VecDeque<Attempt>,
    /// The last approved purchase amounts, oldest first.
    approved: VecDeque<i64>,
    devices: HashSet<String>,
}

/// History in time order, keeping what the engine would have known at
/// each step. Feed it every transaction from the look-back before the first
/// payment to judge; [`Walk::seen`] a payment, then [`Walk::record`] it.
#[derive(Debug)]
pub struct Walk {
    lookback: Duration,
    accounts: HashMap<i64, AccountTrail>,
    devices: HashMap<String, VecDeque<Attempt>>,
    ips: HashMap<String, VecDeque<Attempt>>,
    /// Every entry; those in force at `in_force_at`, by how a payment meets
    /// them; when that next changes; and the ones the last payment could meet.
    listed: Vec<Listed>,
    ranged: Vec<(i64, Target)>,
    exact: HashMap<(BlacklistKind, String), Vec<(i64, Target)>>,
    in_force_at: Option<DateTime<Utc>>,
    next_change: Option<DateTime<Utc>>,
    candidates: Vec<(i64, Target)>,
    empty: Vec<Attempt>,
}

impl Walk {
    /// A walk keeping `lookback_minutes` of attempts, over `listed` entries.
    pub fn new(lookback_minutes: u32, listed: Vec<Listed>) -> Walk {
        Walk {
            lookback: Duration::minutes(i64::from(lookback_minutes)),
            accounts: HashMap::new(),
            devices: HashMap::new(),
            ips: HashMap::new(),
            listed,
            ranged: Vec::new(),
            exact: HashMap::new(),
            in_force_at: None,
            next_change: None,
            candidates: Vec::new(),
            empty: Vec::new(),
        }
    }

    /// What came before the history walked: an account's last approved
    /// purchase amounts (oldest first) and the devices it paid from.
    pub fn seed(&mut self, account_id: i64, approved: Vec<i64>, devices: Vec<String>) {
        let trail = self.accounts.entry(account_id).or_default();
        trail.approved = approved.into();
        while trail.approved.len() > TYPICAL_PURCHASES {
            trail.approved.pop_front();
        }
        trail.devices.extend(devices);
    }

    /// What the engine knew just before `payment` (not yet recorded), which
    /// `names` name on the blacklist; the typical amount only when `typical`
    /// (no rule reads it for a small payment, and it is the costly part).
    pub fn seen(&mut self, payment: &Recorded, names: &Names<'_>, typical: bool) -> Seen<'_> {
        let at = payment.at;
        let from = at - self.lookback;
        self.blacklist_at(at);
        self.candidates.clear();
        self.candidates.extend(self.ranged.iter().cloned());
        for (kind, value) in names {
            if let Some(entries) = self.exact.get(&(*kind, (*value).to_owned())) {
                self.candidates.extend(entries.iter().cloned());
            }
        }
        let trail = self.accounts.entry(payment.account_id).or_default();
        prune(&mut trail.recent, from);
        let typical = typical
            .then(|| Typical::of(trail.approved.iter().copied().collect()))
            .flatten();
        let device_seen_before = payment
            .device_id
            .as_ref()
            .is_some_and(|d| trail.devices.contains(d));
        for (map, key) in [
            (&mut self.devices, &payment.device_id),
            (&mut self.ips, &payment.ip),
        ] {
            if let Some(list) = key.as_ref().and_then(|k| map.get_mut(k)) {
                prune(list, from);
            }
        }
        let empty = &self.empty[..];
        Seen {
            account: self.accounts[&payment.account_id].recent.as_slices().0,
            device: window(&self.devices, payment.device_id.as_ref()).unwrap_or(empty),
            ip: window(&self.ips, payment.ip.as_ref()).unwrap_or(empty),
            typical,
            device_seen_before,
            blacklist: &self.candidates,
        }
    }

    /// Adds a transaction to what later payments see.
    pub fn record(&mut self, t: Recorded) {
        let trail = self.accounts.entry(t.account_id).or_default();
        if let Some(device) = &t.device_id {
            trail.devices.insert(device.clone());
        }
        if !t.purchase {
            return;
        }
        if t.approved {
            trail.approved.push_back(t.amount.fen());
            if trail.approved.len() > TYPICAL_PURCHASES {
                trail.approved.pop_front();
            }
        }
        let attempt = Attempt {
            at: t.at,
            amount: t.amount,
            approved: t.approved,
            place: t.place,
        };
        // Kept contiguous, so that a window is one slice.
        let push = |list: &mut VecDeque<Attempt>, attempt: Attempt| {
            list.push_back(attempt);
            list.make_contiguous();
        };
        if let Some(device) = t.device_id {
            push(self.devices.entry(device).or_default(), attempt.clone());
        }
        if let Some(ip) = t.ip {
            push(self.ips.entry(ip).or_default(), attempt.clone());
        }
        push(&mut trail.recent, attempt);
    }

    /// The entries in force at `at`, sorted by how a payment meets them;
    /// rebuilt only when one came or went since the last payment.
    fn blacklist_at(&mut self, at: DateTime<Utc>) {
        let current = self.in_force_at.is_some() && self.next_change.is_none_or(|next| at < next);
        self.in_force_at = Some(at);
        if current {
            return;
        }
        self.ranged.clear();
        self.exact.clear();
        for l in self.listed.iter().filter(|l| l.in_force(at)) {
            let entry = (l.id, l.target.clone());
            match &l.exact {
                Some(key) => self.exact.entry(key.clone()).or_default().push(entry),
                None => self.ranged.push(entry),
            }
        }
        self.next_change = self
            .listed
            .iter()
            .flat_map(|l| [Some(l.from), l.until])
            .flatten()
            .filter(|t| *t > at)
            .min();
    }
}

/// The attempts kept under `key` (contiguous: see [`prune`]).
fn window<'a>(
    map: &'a HashMap<String, VecDeque<Attempt>>,
    key: Option<&String>,
) -> Option<&'a [Attempt]> {
    key.and_then(|k| map.get(k)).map(|list| list.as_slices().0)
}

/// Drops attempts at or before `from` (the windows end after it).
fn prune(list: &mut VecDeque<Attempt>, from: DateTime<Utc>) {
    while list.front().is_some_and(|a| a.at <= from) {
        list.pop_front();
    }
    list.make_contiguous();
}

#[cfg(test)]
mod tests;
