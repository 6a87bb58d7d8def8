//! Fraud alerts and the rules that raise them.

use chrono::{DateTime, Utc};

use crate::money::Money;

/// A rule that fired on a payment: what it found, as values each reader
/// renders in their language, and as one English sentence (`evidence`, e.g.
/// `"1,180 km in 14 min = 5,057 km/h"`) — all that records written before
/// findings were have.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RuleHit {
    pub rule: Rule,
    pub evidence: String,
    /// Empty in records written before findings were.
    #[serde(default)]
    pub findings: Vec<crate::evidence::Finding>,
}

/// A fraud alert in the queue.
#[derive(Clone, Debug, PartialEq)]
pub struct FraudAlert {
    pub id: i64,
    pub account_id: i64,
    pub transaction_id: Option<i64>,
    pub rule: Rule,
    pub severity: Severity,
    pub status: AlertStatus,
    pub assignee: Option<String>,
    pub amount: Option<Money>,
    pub evidence: String,
    /// Empty for alerts raised before findings were kept.
    pub findings: Vec<crate::evidence::Finding>,
    pub disposition: Option<Disposition>,
    pub created_at: DateTime<Utc>,
    /// When triage should be done by; after it the alert is overdue.
    pub sla_due_at: DateTime<Utc>,
    pub version: i64,
    /// Who escalated it, kept once it is: they may no longer decide it.
    pub escalated_by: Option<String>,
}

vocabulary! {
    /// The fraud rules. Each hit names one of these and carries its evidence.
    pub enum Rule {
        /// Too many payments or too much spent in a sliding window.
        Velocity,
        /// An amount far above the customer's own history.
        AmountSpike,
        /// A device never seen on the account, with a large amount.
        NewDeviceLargeAmount,
        /// A burst of payments between midnight and 5 a.m.
        NightBurst,
        /// Two payments further apart than anyone could travel in between.
        ImpossibleTravel,
        /// A payment far from the customer's home city.
        FarFromHome,
        /// A blacklist entry matched the customer, device, phone, IP, merchant or area.
        BlacklistHit,
        /// A merchant category where stolen credit turns into cash.
        RiskyMerchant,
        /// Frequent large spending: a risk warning, and part of the limit frozen for a while.
        FrequentLargeSpending,
    }
}

vocabulary! {
    /// How urgent an alert is.
    pub enum Severity {
        Low,
        Medium,
        High,
        Critical,
    }
}

impl Severity {
    /// Larger is more urgent; the queue sorts by it.
    pub fn rank(self) -> i16 {
        match self {
            Severity::Low => 1,
            Severity::Medium => 2,
            Severity::High => 3,
            Severity::Critical => 4,
        }
    }

    pub fn from_rank(rank: i16) -> Option<Severity> {
        [
            Severity::Low,
            Severity::Medium,
            Severity::High,
            Severity::Critical,
        ]
        .into_iter()
        .find(|s| s.rank() == rank)
    }
}

vocabulary! {
    /// Where an alert is in triage.
    pub enum AlertStatus {
        Open,
        InReview,
        Escalated,
        Closed,
    }
}

vocabulary! {
    /// The outcome recorded when an alert is closed.
    pub enum Disposition {
        ConfirmedFraud,
        FalsePositive,
        Benign,
    }
}

/// The orders the alert queue offers; the default is the one to work it in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum AlertSort {
    /// Most severe first, then oldest: the order in which to work the queue.
    #[default]
    Severity,
    Newest,
    Oldest,
}
