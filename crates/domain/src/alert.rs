//! Fraud alerts and the rules that raise them.

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
