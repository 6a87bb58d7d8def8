//! Credit accounts: the line (limit, used, frozen), delinquency and grade.

use chrono::{DateTime, Utc};

use crate::money::{Money, MoneyError};
use crate::transaction::DeclineReason;

vocabulary! {
    /// Lifecycle of a credit account.
    pub enum AccountStatus {
        Active,
        Frozen,
        Closed,
        WrittenOff,
    }
}

vocabulary! {
    case = "UPPERCASE";
    /// Risk grade from the scorecard, A (best) to E.
    pub enum Grade {
        A,
        B,
        C,
        D,
        E,
    }
}

vocabulary! {
    case = "UPPERCASE";
    /// Delinquency bucket by days past due: M0 current, M1 1–30, M2 31–60,
    /// M3 61–90, M3+ over 90.
    pub enum DpdBucket {
        M0,
        M1,
        M2,
        M3,
        #[serde(rename = "M3+")]
        #[strum(serialize = "M3+")]
        M3Plus,
    }
}

impl DpdBucket {
    pub const ALL: [DpdBucket; 5] = [
        DpdBucket::M0,
        DpdBucket::M1,
        DpdBucket::M2,
        DpdBucket::M3,
        DpdBucket::M3Plus,
    ];

    /// The bucket's place in [`DpdBucket::ALL`]: the metrics' arrays are by it.
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn of(days_past_due: u32) -> DpdBucket {
        match days_past_due {
            0 => DpdBucket::M0,
            1..=30 => DpdBucket::M1,
            31..=60 => DpdBucket::M2,
            61..=90 => DpdBucket::M3,
            _ => DpdBucket::M3Plus,
        }
    }

    /// The inclusive DPD range of the bucket; `None` as the upper end means unbounded.
    pub fn dpd_range(self) -> (u32, Option<u32>) {
        match self {
            DpdBucket::M0 => (0, Some(0)),
            DpdBucket::M1 => (1, Some(30)),
            DpdBucket::M2 => (31, Some(60)),
            DpdBucket::M3 => (61, Some(90)),
            DpdBucket::M3Plus => (91, None),
        }
    }
}

/// A credit account as the risk team sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct CreditAccount {
    pub id: i64,
    pub customer_id: i64,
    pub line: CreditLine,
    /// What the customer owes, billed or not.
    pub outstanding: Money,
    pub days_past_due: u32,
    pub score: i32,
    pub grade: Grade,
    pub status: AccountStatus,
    /// Day of the month the statement is cut.
    pub bill_day: u8,
    /// Day of the month repayment is due.
    pub due_day: u8,
    pub opened_at: DateTime<Utc>,
    /// When the score was last computed.
    pub scored_at: DateTime<Utc>,
    /// Optimistic-concurrency version: a decision names the version it saw.
    pub version: i64,
}

impl CreditAccount {
    pub fn dpd_bucket(&self) -> DpdBucket {
        DpdBucket::of(self.days_past_due)
    }
}

/// The credit line of an account. Invariant: `0 ≤ used`, `0 ≤ frozen`,
/// `used + frozen ≤ limit`, so the available amount is never negative.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CreditLine {
    limit: Money,
    used: Money,
    frozen: Money,
}

/// Why a credit line change was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CreditLineError {
    #[error("negative amount in a credit line")]
    Negative,
    #[error("used {used} plus frozen {frozen} exceeds the limit {limit}")]
    OverLimit {
        limit: Money,
        used: Money,
        frozen: Money,
    },
    #[error(transparent)]
    Money(#[from] MoneyError),
}

/// Why a change to a credit line was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineRefusal {
    #[error("the account is {}", .0.as_str())]
    AccountIs(AccountStatus),
    #[error("the proposed limit is the current limit ({})", .0.display_cny())]
    SameLimit(Money),
    #[error("a line is at most {} (the rules file)", .0.display_cny())]
    OverMax(Money),
    #[error(
        "{} is below what is used and frozen ({}); freeze what is available instead",
        .proposed.display_cny(),
        .taken.display_cny()
    )]
    BelowTaken { proposed: Money, taken: Money },
    /// At approval: the line moved since the proposal.
    #[error(
        "{} is now below what is used and frozen ({})",
        .proposed.display_cny(),
        .taken.display_cny()
    )]
    NowBelowTaken { proposed: Money, taken: Money },
    #[error("nothing is available to freeze")]
    NothingToFreeze,
    #[error("only {} is available to freeze", .0.display_cny())]
    OnlyAvailable(Money),
}

impl CreditLine {
    pub fn new(limit: Money, used: Money, frozen: Money) -> Result<CreditLine, CreditLineError> {
        if limit.is_negative() || used.is_negative() || frozen.is_negative() {
            return Err(CreditLineError::Negative);
        }
        if used.checked_add(frozen)? > limit {
            return Err(CreditLineError::OverLimit {
                limit,
                used,
                frozen,
            });
        }
        Ok(CreditLine {
            limit,
            used,
            frozen,
        })
    }

    pub fn limit(&self) -> Money {
        self.limit
    }

    pub fn used(&self) -> Money {
        self.used
    }

    pub fn frozen(&self) -> Money {
        self.frozen
    }

    /// What the customer can still spend: limit − used − frozen.
    pub fn available(&self) -> Money {
        // Cannot fail: the invariant keeps the result within [0, limit].
        Money::from_fen(self.limit.fen() - self.used.fen() - self.frozen.fen()).unwrap_or_default()
    }

    /// Used share of the limit in basis points.
    pub fn utilisation_bp(&self) -> i64 {
        Money::ratio_bp(self.used, self.limit)
    }

    /// The line after a payment of `amount` is reserved on it, or why the
    /// payment is declined: the account is not active, or the amount is
    /// more than what is available.
    pub fn reserve(
        &self,
        status: AccountStatus,
        amount: Money,
    ) -> Result<CreditLine, DeclineReason> {
        if status != AccountStatus::Active {
            return Err(DeclineReason::AccountNotActive);
        }
        if amount.is_negative() || amount > self.available() {
            return Err(DeclineReason::InsufficientLimit);
        }
        let used = self
            .used
            .checked_add(amount)
            .map_err(|_| DeclineReason::InsufficientLimit)?;
        Ok(CreditLine { used, ..*self })
    }

    /// What is used and frozen: the least the limit may become.
    fn taken(&self) -> Money {
        Money::from_fen(self.used.fen() + self.frozen.fen()).unwrap_or(self.limit)
    }

    /// Whether an officer may propose `proposed` as this line's limit, on an
    /// account in `status`, when no line may be over `max`.
    pub fn may_propose_limit(
        &self,
        status: AccountStatus,
        proposed: Money,
        max: Money,
    ) -> Result<(), LineRefusal> {
        if !matches!(status, AccountStatus::Active | AccountStatus::Frozen) {
            Err(LineRefusal::AccountIs(status))
        } else if proposed == self.limit {
            Err(LineRefusal::SameLimit(proposed))
        } else if proposed > max {
            Err(LineRefusal::OverMax(max))
        } else if proposed < self.taken() {
            Err(LineRefusal::BelowTaken {
                proposed,
                taken: self.taken(),
            })
        } else {
            Ok(())
        }
    }

    /// Whether an approved limit of `proposed` can still be applied.
    pub fn may_apply_limit(&self, proposed: Money) -> Result<(), LineRefusal> {
        if proposed < self.taken() {
            return Err(LineRefusal::NowBelowTaken {
                proposed,
                taken: self.taken(),
            });
        }
        Ok(())
    }

    /// How much an operator's freeze of `amount` (`None`: all that is
    /// available) takes on an account in `status`, or why it cannot.
    pub fn may_freeze(
        &self,
        status: AccountStatus,
        amount: Option<Money>,
    ) -> Result<Money, LineRefusal> {
        let available = self.available();
        let amount = amount.unwrap_or(available);
        if !matches!(status, AccountStatus::Active | AccountStatus::Frozen) {
            Err(LineRefusal::AccountIs(status))
        } else if available <= Money::ZERO {
            Err(LineRefusal::NothingToFreeze)
        } else if amount > available {
            Err(LineRefusal::OnlyAvailable(available))
        } else {
            Ok(amount)
        }
    }

    /// `percent` of what is available, to freeze after frequent large
    /// spending (rounded half-even to the fen).
    pub fn share_of_available(&self, percent: u32) -> Money {
        crate::rules::frozen_share(self.available(), percent)
    }
}

/// The orders the account list offers; the default is the id's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum AccountSort {
    /// Account id, ascending.
    #[default]
    Id,
    /// Lowest score first.
    ScoreAsc,
    /// Highest score first.
    ScoreDesc,
    /// Highest utilisation first.
    UtilisationDesc,
    /// Most days past due first.
    DpdDesc,
    /// Largest limit first.
    LimitDesc,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_follow_the_dpd_boundaries() {
        let cases = [
            (0, DpdBucket::M0),
            (1, DpdBucket::M1),
            (30, DpdBucket::M1),
            (31, DpdBucket::M2),
            (60, DpdBucket::M2),
            (61, DpdBucket::M3),
            (90, DpdBucket::M3),
            (91, DpdBucket::M3Plus),
            (400, DpdBucket::M3Plus),
        ];
        for (dpd, bucket) in cases {
            assert_eq!(DpdBucket::of(dpd), bucket, "dpd {dpd}");
            let (lo, hi) = bucket.dpd_range();
            assert!(dpd >= lo && hi.is_none_or(|hi| dpd <= hi));
        }
        assert_eq!(<&str>::from(DpdBucket::M3Plus), "M3+");
    }

    #[test]
    fn a_payment_is_reserved_only_on_an_active_line_with_room() {
        let y = |n| Money::yuan(n).unwrap();
        let line = CreditLine::new(y(1_000), y(600), y(100)).unwrap();
        let after = line.reserve(AccountStatus::Active, y(300)).unwrap();
        assert_eq!((after.used(), after.available()), (y(900), y(0)));
        assert_eq!(
            line.reserve(AccountStatus::Active, Money::from_fen(30_001).unwrap()),
            Err(DeclineReason::InsufficientLimit)
        );
        assert_eq!(
            line.reserve(AccountStatus::Frozen, y(1)),
            Err(DeclineReason::AccountNotActive)
        );
        assert_eq!(
            line.reserve(AccountStatus::Closed, y(1)),
            Err(DeclineReason::AccountNotActive)
        );
        // 15 % of the ¥300 left.
        assert_eq!(line.share_of_available(15), y(45));
    }

    #[test]
    fn a_line_never_goes_over_its_limit() {
        let y = |n| Money::yuan(n).unwrap();
        assert!(CreditLine::new(y(100), y(60), y(40)).is_ok());
        assert!(matches!(
            CreditLine::new(y(100), y(60), y(41)),
            Err(CreditLineError::OverLimit { .. })
        ));
        assert_eq!(
            CreditLine::new(y(100), y(-1), y(0)),
            Err(CreditLineError::Negative)
        );
        assert_eq!(
            CreditLine::new(y(200), y(50), y(0))
                .unwrap()
                .utilisation_bp(),
            2_500
        );
    }
}
