//! An account's recent months: what was spent, what was repaid, and how much
//! of the line was in use at each month's end. Months are counted in China
//! time (UTC+8, no daylight saving), where the customers live.

use chrono::{DateTime, Datelike, FixedOffset, Months, NaiveDate, TimeZone, Utc};

use crate::money::Money;
use crate::transaction::{Transaction, TxKind, TxStatus};

/// One calendar month of an account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MonthPoint {
    pub year: i32,
    /// 1–12.
    pub month: u32,
    /// Purchases that went through (declined ones do not count).
    pub spending: Money,
    pub repayments: Money,
    /// What was owed at the month's end: purchases, fees and interest, less
    /// repayments and refunds, from the first transaction on.
    pub balance: Money,
    /// `balance` as a share of the current limit, in basis points.
    pub utilisation_bp: i64,
}

/// What a transaction of `fen` adds to what the customer owes (negative:
/// takes from it). The one rule: the months below and the sum of everything
/// before them (`Store::owed_before`) both follow it.
pub fn owed_change(kind: TxKind, status: TxStatus, fen: i64) -> i64 {
    match kind {
        TxKind::Purchase if status == TxStatus::Declined => 0,
        TxKind::Purchase | TxKind::Fee | TxKind::Interest => fen,
        TxKind::Repayment | TxKind::Refund => -fen,
    }
}

/// The first day of the first of the last `months` calendar months up to
/// and including the one holding `until`, and where a day starts (China time).
fn months_back(
    months: u32,
    until: DateTime<Utc>,
) -> (NaiveDate, impl Fn(NaiveDate) -> DateTime<Utc>) {
    // Eight hours is within the ±24 h that FixedOffset accepts.
    let china = FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    let local = until.with_timezone(&china).date_naive();
    let this_month = NaiveDate::from_ymd_opt(local.year(), local.month(), 1).unwrap_or(local);
    let first = this_month - Months::new(months.saturating_sub(1));
    let start_of = move |day: NaiveDate| -> DateTime<Utc> {
        china
            .from_local_datetime(&day.and_time(chrono::NaiveTime::MIN))
            .single()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or(until)
    };
    (first, start_of)
}

/// When the first of the last `months` months up to `until` starts: the
/// transactions [`monthly`] needs are the ones from here on.
pub fn window_start(months: u32, until: DateTime<Utc>) -> DateTime<Utc> {
    let (first, start_of) = months_back(months, until);
    start_of(first)
}

/// The last `months` calendar months up to and including the one holding
/// `until`, oldest first, from what was owed before them (`owed_before`,
/// in fen) and the account's transactions since [`window_start`] (any order).
pub fn monthly(
    transactions: &[Transaction],
    owed_before: i64,
    limit: Money,
    months: u32,
    until: DateTime<Utc>,
) -> Vec<MonthPoint> {
    let (first, start_of) = months_back(months, until);
    let mut ordered: Vec<&Transaction> = transactions.iter().collect();
    ordered.sort_by_key(|t| (t.occurred_at, t.id));
    let mut balance_fen: i64 = owed_before;
    let mut next = ordered.into_iter().peekable();
    (0..months)
        .map(|i| {
            let month_start = first + Months::new(i);
            let end = start_of(month_start + Months::new(1));
            let (mut spending, mut repayments) = (0i64, 0i64);
            while let Some(t) = next.next_if(|t| t.occurred_at < end) {
                let fen = t.amount.fen();
                let change = owed_change(t.kind, t.status, fen);
                balance_fen += change;
                if t.occurred_at >= start_of(month_start) {
                    match t.kind {
                        TxKind::Purchase => spending += change,
                        TxKind::Repayment => repayments -= change,
                        _ => {}
                    }
                }
            }
            let balance = Money::from_fen(balance_fen.max(0)).unwrap_or_default();
            MonthPoint {
                year: month_start.year(),
                month: month_start.month(),
                spending: Money::from_fen(spending).unwrap_or_default(),
                repayments: Money::from_fen(repayments).unwrap_or_default(),
                balance,
                utilisation_bp: Money::ratio_bp(balance, limit),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transaction::TxStatus;

    fn tx(id: i64, kind: TxKind, status: TxStatus, yuan: i64, at: &str) -> Transaction {
        Transaction {
            id,
            account_id: 1,
            kind,
            order_id: format!("o{id}"),
            merchant: "m".into(),
            category: None,
            channel: None,
            amount: Money::yuan(yuan).unwrap(),
            installments: 1,
            device_id: None,
            ip: None,
            place: None,
            status,
            decision: None,
            rule_hits: Vec::new(),
            occurred_at: at.parse().unwrap(),
            decline_reason: None,
        }
    }

    #[test]
    fn months_follow_china_time_and_the_balance_runs_through() {
        use TxKind::*;
        use TxStatus::*;
        let history = [
            tx(1, Purchase, Settled, 300, "2026-08-10T02:00:00Z"),
            // 23:30 UTC on Aug 31 is already September in China.
            tx(2, Purchase, Settled, 200, "2026-08-31T23:30:00Z"),
            tx(3, Purchase, Declined, 5_000, "2026-09-02T02:00:00Z"),
            tx(4, Repayment, Settled, 300, "2026-09-20T02:00:00Z"),
            tx(5, Fee, Settled, 10, "2026-09-30T02:00:00Z"),
            tx(6, Refund, Settled, 50, "2026-10-03T02:00:00Z"),
        ];
        let points = monthly(
            &history,
            0,
            Money::yuan(1_000).unwrap(),
            3,
            "2026-10-15T00:00:00Z".parse().unwrap(),
        );
        let got: Vec<(u32, i64, i64, i64, i64)> = points
            .iter()
            .map(|p| {
                (
                    p.month,
                    p.spending.fen() / 100,
                    p.repayments.fen() / 100,
                    p.balance.fen() / 100,
                    p.utilisation_bp,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (8, 300, 0, 300, 3_000),
                (9, 200, 300, 210, 2_100),
                (10, 0, 0, 160, 1_600)
            ]
        );
    }

    #[test]
    fn a_window_starts_from_what_was_owed_before_it() {
        use TxKind::*;
        use TxStatus::*;
        let until = "2026-10-15T00:00:00Z".parse().unwrap();
        assert_eq!(
            window_start(2, until),
            "2026-08-31T16:00:00Z".parse::<DateTime<Utc>>().unwrap(),
            "September 1st, China time"
        );
        let since = [
            tx(2, Purchase, Settled, 200, "2026-08-31T23:30:00Z"),
            tx(3, Purchase, Declined, 5_000, "2026-09-02T02:00:00Z"),
            tx(4, Repayment, Settled, 300, "2026-09-20T02:00:00Z"),
            tx(5, Fee, Settled, 10, "2026-09-30T02:00:00Z"),
            tx(6, Refund, Settled, 50, "2026-10-03T02:00:00Z"),
        ];
        let points = monthly(&since, 30_000, Money::yuan(1_000).unwrap(), 2, until);
        let got: Vec<(u32, i64, i64)> = points
            .iter()
            .map(|p| (p.month, p.balance.fen() / 100, p.utilisation_bp))
            .collect();
        assert_eq!(got, vec![(9, 210, 2_100), (10, 160, 1_600)]);
    }

    #[test]
    fn no_history_gives_empty_months() {
        let points = monthly(
            &[],
            0,
            Money::yuan(500).unwrap(),
            12,
            "2026-01-05T00:00:00Z".parse().unwrap(),
        );
        assert_eq!(points.len(), 12);
        assert_eq!((points[0].year, points[0].month), (2025, 2));
        assert_eq!((points[11].year, points[11].month), (2026, 1));
        assert!(
            points
                .iter()
                .all(|p| p.balance == Money::ZERO && p.utilisation_bp == 0)
        );
    }
}
