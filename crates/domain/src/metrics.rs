//! The portfolio's metrics as data: what the service's metrics API answers
//! and what the charts draw. Credit (delinquency buckets, vintages, roll
//! rates, utilisation and exposure, limit changes) beside fraud (alerts by
//! rule, dispositions, confirmed losses, the approval rate). Rates are kept
//! as counts and computed here, once, so that every screen divides the same
//! way.

use chrono::{Datelike, NaiveDate};

use crate::account::DpdBucket;
use crate::alert::Rule;
use crate::money::Money;

/// A share in basis points, `part` of `whole`; 0 of nothing is 0.
pub fn share_bp(part: u64, whole: u64) -> u32 {
    if whole == 0 {
        return 0;
    }
    // At most 10,000: fits.
    u32::try_from(u128::from(part) * 10_000 / u128::from(whole)).unwrap_or(u32::MAX)
}

/// A calendar month (China time, as everything monthly here).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Month {
    pub year: i32,
    /// 1–12.
    pub month: u32,
}

impl Month {
    /// The month of a date.
    pub fn of(date: NaiveDate) -> Month {
        Month {
            year: date.year(),
            month: date.month(),
        }
    }

    /// The month as the store keeps it: `year * 12 + month - 1`, so that
    /// months count on by one.
    pub fn index(self) -> i32 {
        self.year * 12 + i32::try_from(self.month).unwrap_or(1) - 1
    }

    pub fn from_index(index: i32) -> Month {
        Month {
            year: index.div_euclid(12),
            month: u32::try_from(index.rem_euclid(12)).unwrap_or(0) + 1,
        }
    }

    /// The month's first day.
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or_default()
    }
}

/// The accounts in each bucket at a month's end, and what they owe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BucketMonth {
    pub month: Month,
    /// By [`DpdBucket::index`].
    pub accounts: [u64; 5],
    pub balances: [Money; 5],
}

impl BucketMonth {
    /// The delinquency rate: what accounts one day or more late owe, as a
    /// share of all that is owed.
    pub fn delinquency_rate_bp(&self) -> u32 {
        let fen = |m: &Money| u64::try_from(m.fen()).unwrap_or(0);
        let all: u64 = self.balances.iter().map(fen).sum();
        let late: u64 = self.balances[1..].iter().map(fen).sum();
        share_bp(late, all)
    }
}

/// One opening-month cohort's share of accounts 30 or more days past due,
/// by months on book.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VintageCurve {
    pub cohort: Month,
    pub points: Vec<VintagePoint>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VintagePoint {
    pub months_on_book: u32,
    pub accounts: u64,
    /// Accounts 30+ days past due at that age.
    pub dpd30: u64,
}

impl VintagePoint {
    pub fn rate_bp(&self) -> u32 {
        share_bp(self.dpd30, self.accounts)
    }
}

/// Where the accounts of each bucket at one month's end were a month later.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RollMatrix {
    /// The month rolled from.
    pub from: Month,
    /// `counts[from][to]`, by [`DpdBucket::index`].
    pub counts: [[u64; 5]; 5],
}

impl RollMatrix {
    /// The share of `from`'s accounts that were in `to` a month later.
    pub fn rate_bp(&self, from: DpdBucket, to: DpdBucket) -> u32 {
        let row = &self.counts[from.index()];
        share_bp(row[to.index()], row.iter().sum())
    }
}

/// Alerts raised by one rule on one day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleDay {
    pub day: NaiveDate,
    pub rule: Rule,
    pub raised: u64,
}

/// One rule's alerts on one business day by the version of the rules that
/// decided their payments, and how many of them the team has closed so far,
/// and as confirmed fraud.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleVersionDay {
    pub day: NaiveDate,
    /// None for payments decided before rules had versions.
    pub version: Option<i64>,
    pub alerts: u64,
    pub closed: u64,
    pub confirmed_fraud: u64,
}

/// A rule's precision on each of `days`: confirmed fraud as a share of the
/// alerts closed among those raised in the `window` days ending that day
/// (a single day's few closures would make the line jump); none where
/// none of them is closed.
pub fn trailing_precision_bp(
    days: &[NaiveDate],
    records: &[RuleVersionDay],
    window: u32,
) -> Vec<Option<u32>> {
    days.iter()
        .map(|day| {
            let first = *day - chrono::Days::new(u64::from(window.max(1) - 1));
            let (closed, confirmed) = records
                .iter()
                .filter(|r| (first..=*day).contains(&r.day))
                .fold((0, 0), |(c, f), r| (c + r.closed, f + r.confirmed_fraud));
            (closed > 0).then(|| share_bp(confirmed, closed))
        })
        .collect()
}

/// How one rule's closed alerts were disposed of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleDispositions {
    pub rule: Rule,
    pub confirmed_fraud: u64,
    pub false_positive: u64,
    pub benign: u64,
}

impl RuleDispositions {
    /// False positives as a share of the rule's closed alerts.
    pub fn false_positive_bp(&self) -> u32 {
        share_bp(
            self.false_positive,
            self.confirmed_fraud + self.false_positive + self.benign,
        )
    }
}

/// Confirmed-fraud amounts by month.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LossMonth {
    pub month: Month,
    pub confirmed: Money,
    pub alerts: u64,
}

/// Authorization decisions on one day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ApprovalDay {
    pub day: NaiveDate,
    pub approved: u64,
    pub review: u64,
    pub declined: u64,
}

impl ApprovalDay {
    /// Approved (review counts as approved: its amount is reserved) as a
    /// share of all decisions.
    pub fn approval_bp(&self) -> u32 {
        share_bp(
            self.approved + self.review,
            self.approved + self.review + self.declined,
        )
    }
}

/// The utilisation bands' lower bounds in basis points of the limit, after
/// the band of lines with nothing owed: under 30 %, 30–60 %, 60–90 %, 90 %
/// and over (a line owing more than its limit is in the last).
pub const UTILISATION_BANDS_BP: [u32; 4] = [1, 3_000, 6_000, 9_000];

/// Accounts whose utilisation is in `[from_bp, to_bp)`; `from_bp == to_bp`
/// is exactly that (0: nothing owed), `to_bp == u32::MAX` has no bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UtilisationBand {
    pub from_bp: u32,
    pub to_bp: u32,
    pub accounts: u64,
}

/// The lines of one grade: how many, how much granted, how much in use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GradeExposure {
    pub grade: String,
    pub accounts: u64,
    pub limit: Money,
    pub used: Money,
}

/// Limit changes decided in one month.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LimitChangeMonth {
    pub month: Month,
    pub proposed: u64,
    pub approved: u64,
    pub rejected: u64,
    pub expired: u64,
    /// The mean change of the approved ones (negative: decreases).
    pub average_change: Money,
}

/// A fraud period at a glance: payments decided and the share approved,
/// alerts raised, the share of closed alerts that were false positives, and
/// the confirmed losses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FraudTotals {
    pub decided: u64,
    pub approval_bp: u32,
    pub raised: u64,
    pub false_positive_bp: u32,
    pub losses: Money,
}

impl FraudTotals {
    pub fn of(
        approvals: &[ApprovalDay],
        alerts: &[RuleDay],
        dispositions: &[RuleDispositions],
        losses: &[LossMonth],
    ) -> FraudTotals {
        let passed: u64 = approvals.iter().map(|d| d.approved + d.review).sum();
        let decided: u64 = approvals
            .iter()
            .map(|d| d.approved + d.review + d.declined)
            .sum();
        let false_positives: u64 = dispositions.iter().map(|d| d.false_positive).sum();
        let closed: u64 = dispositions
            .iter()
            .map(|d| d.confirmed_fraud + d.false_positive + d.benign)
            .sum();
        FraudTotals {
            decided,
            approval_bp: share_bp(passed, decided),
            raised: alerts.iter().map(|a| a.raised).sum(),
            false_positive_bp: share_bp(false_positives, closed),
            losses: sum(losses.iter().map(|l| l.confirmed)),
        }
    }
}

/// The credit side at the end of its last month: accounts and what they
/// owe, the delinquency rate, the share of accounts 30 or more days past
/// due, the lines' utilisation, and the limit changes approved in the period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreditTotals {
    pub month: Month,
    pub accounts: u64,
    pub balance: Money,
    pub delinquency_bp: u32,
    pub dpd30_bp: u32,
    pub utilisation_bp: u32,
    pub limit_changes_approved: u64,
}

impl CreditTotals {
    /// `None` for a period without a month.
    pub fn of(
        buckets: &[BucketMonth],
        exposure: &[GradeExposure],
        limit_changes: &[LimitChangeMonth],
    ) -> Option<CreditTotals> {
        let last = buckets.last()?;
        let accounts: u64 = last.accounts.iter().sum();
        // M2 and beyond: 31 days or more.
        let late30: u64 = last.accounts[DpdBucket::M2.index()..].iter().sum();
        let fen = |m: Money| u64::try_from(m.fen()).unwrap_or(0);
        let limit: u64 = exposure.iter().map(|g| fen(g.limit)).sum();
        let used: u64 = exposure.iter().map(|g| fen(g.used)).sum();
        Some(CreditTotals {
            month: last.month,
            accounts,
            balance: sum(last.balances.iter().copied()),
            delinquency_bp: last.delinquency_rate_bp(),
            dpd30_bp: share_bp(late30, accounts),
            utilisation_bp: share_bp(used, limit),
            limit_changes_approved: limit_changes.iter().map(|c| c.approved).sum(),
        })
    }
}

/// Amounts added up exactly (an impossible sum stops at the last that fit).
fn sum(amounts: impl Iterator<Item = Money>) -> Money {
    amounts.fold(Money::ZERO, |total, m| {
        total.checked_add(m).unwrap_or(total)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_at_a_glance_adds_the_counts_then_divides_once() {
        let day = |d: u32| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        let approvals = [
            ApprovalDay {
                day: day(24),
                approved: 90,
                review: 5,
                declined: 5,
            },
            ApprovalDay {
                day: day(25),
                approved: 40,
                review: 0,
                declined: 60,
            },
        ];
        let alerts = [
            RuleDay {
                day: day(24),
                rule: Rule::Velocity,
                raised: 3,
            },
            RuleDay {
                day: day(25),
                rule: Rule::BlacklistHit,
                raised: 7,
            },
            RuleDay {
                day: day(25),
                rule: Rule::Velocity,
                raised: 2,
            },
        ];
        let dispositions = [
            RuleDispositions {
                rule: Rule::BlacklistHit,
                confirmed_fraud: 6,
                false_positive: 1,
                benign: 0,
            },
            RuleDispositions {
                rule: Rule::Velocity,
                confirmed_fraud: 1,
                false_positive: 3,
                benign: 0,
            },
        ];
        let november = Month {
            year: 2026,
            month: 11,
        };
        let losses = [LossMonth {
            month: november,
            confirmed: Money::from_fen(1_234_560).unwrap(),
            alerts: 7,
        }];
        assert_eq!(
            FraudTotals::of(&approvals, &alerts, &dispositions, &losses),
            FraudTotals {
                decided: 200,
                // 135 of 200 (review counts as approved), not the mean of 95 % and 40 %.
                approval_bp: 6_750,
                raised: 12,
                // 4 of 11 closed.
                false_positive_bp: 3_636,
                losses: Money::from_fen(1_234_560).unwrap(),
            }
        );
    }

    #[test]
    fn the_credit_side_reads_its_last_month_end() {
        let fen = |f: i64| Money::from_fen(f).unwrap();
        let month = |m: u32| Month {
            year: 2026,
            month: m,
        };
        let buckets = [
            BucketMonth {
                month: month(10),
                accounts: [90, 5, 3, 1, 1],
                balances: [fen(90_000), fen(5_000), fen(3_000), fen(1_000), fen(1_000)],
            },
            BucketMonth {
                month: month(11),
                accounts: [80, 10, 6, 3, 1],
                balances: [
                    fen(100_010),
                    fen(10_000),
                    fen(6_000),
                    fen(3_000),
                    fen(1_000),
                ],
            },
        ];
        let exposure = [
            GradeExposure {
                grade: "A".into(),
                accounts: 60,
                limit: fen(600_000),
                used: fen(60_005),
            },
            GradeExposure {
                grade: "C".into(),
                accounts: 40,
                limit: fen(400_000),
                used: fen(61_005),
            },
        ];
        let changes = [
            LimitChangeMonth {
                month: month(10),
                proposed: 9,
                approved: 4,
                rejected: 2,
                expired: 1,
                average_change: fen(150_000),
            },
            LimitChangeMonth {
                month: month(11),
                proposed: 3,
                approved: 1,
                rejected: 0,
                expired: 0,
                average_change: fen(-20_000),
            },
        ];
        assert_eq!(
            CreditTotals::of(&buckets, &exposure, &changes),
            Some(CreditTotals {
                month: month(11),
                accounts: 100,
                balance: fen(120_010),
                // 200.00 late of 1,200.10 owed.
                delinquency_bp: 1_666,
                // M2, M3 and M3+: 10 of 100 accounts.
                dpd30_bp: 1_000,
                // 1,210.10 used of 10,000.00 granted.
                utilisation_bp: 1_210,
                limit_changes_approved: 5,
            })
        );
        assert_eq!(CreditTotals::of(&[], &exposure, &changes), None);
    }

    #[test]
    fn months_count_on_by_one_across_years() {
        let december = Month {
            year: 2025,
            month: 12,
        };
        let january = Month::from_index(december.index() + 1);
        assert_eq!(
            january,
            Month {
                year: 2026,
                month: 1
            }
        );
        assert_eq!(Month::from_index(january.index()), january);
        let date = NaiveDate::from_ymd_opt(2026, 2, 28).unwrap();
        assert_eq!(
            Month::of(date).first_day(),
            NaiveDate::from_ymd_opt(2026, 2, 1).unwrap()
        );
    }

    #[test]
    fn rates_divide_counts_and_nothing_is_zero() {
        assert_eq!(share_bp(1, 3), 3_333);
        assert_eq!(share_bp(0, 0), 0);
        let roll = RollMatrix {
            from: Month {
                year: 2026,
                month: 10,
            },
            counts: [
                [90, 10, 0, 0, 0],
                [40, 30, 30, 0, 0],
                [0; 5],
                [0; 5],
                [0; 5],
            ],
        };
        assert_eq!(roll.rate_bp(DpdBucket::M0, DpdBucket::M1), 1_000);
        assert_eq!(roll.rate_bp(DpdBucket::M1, DpdBucket::M2), 3_000);
        assert_eq!(roll.rate_bp(DpdBucket::M2, DpdBucket::M3), 0);
        let yuan = |y| Money::yuan(y).unwrap();
        let month = BucketMonth {
            month: roll.from,
            accounts: [8, 1, 1, 0, 0],
            balances: [yuan(800), yuan(150), yuan(50), yuan(0), yuan(0)],
        };
        assert_eq!(month.delinquency_rate_bp(), 2_000);
    }

    #[test]
    fn a_rules_precision_trails_a_week_of_closed_alerts_across_versions() {
        let day = |d: u32| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        let record = |d: u32, version: i64, closed: u64, confirmed_fraud: u64| RuleVersionDay {
            day: day(d),
            version: Some(version),
            alerts: closed + 1,
            closed,
            confirmed_fraud,
        };
        let records = [
            record(1, 1, 4, 1),
            record(3, 1, 0, 0),
            record(7, 1, 2, 2),
            record(7, 2, 2, 0),
            record(9, 2, 0, 0),
        ];
        let days: Vec<NaiveDate> = [1, 2, 3, 7, 8, 9].into_iter().map(day).collect();
        assert_eq!(
            trailing_precision_bp(&days, &records, 7),
            // 1/4; 1/4; 1/4; (1+2+0)/(4+2+2); the 1st has left: 2/4; 2/4.
            vec![
                Some(2_500),
                Some(2_500),
                Some(2_500),
                Some(3_750),
                Some(5_000),
                Some(5_000),
            ]
        );
        assert_eq!(
            trailing_precision_bp(&[day(3)], &records[1..2], 7),
            vec![None]
        );
    }
}
