//! Business dates and the billing calendar. A business date is a calendar
//! day in China time (UTC+8), where the customers live; the end-of-day job
//! runs once per business date.

use chrono::{DateTime, Datelike, Days, Duration, NaiveDate, Utc};

/// China Standard Time, which has no daylight saving.
pub const CHINA_OFFSET: Duration = Duration::hours(8);

/// The business date at an instant.
pub fn business_date(at: DateTime<Utc>) -> NaiveDate {
    (at + CHINA_OFFSET).date_naive()
}

/// The instant a business date ends (midnight China time after it), in UTC.
pub fn end_of(date: NaiveDate) -> DateTime<Utc> {
    let next = date.checked_add_days(Days::new(1)).unwrap_or(date);
    next.and_time(chrono::NaiveTime::MIN).and_utc() - CHINA_OFFSET
}

/// A business date as the store keeps it: days since 1970-01-01.
pub fn day_number(date: NaiveDate) -> i32 {
    i32::try_from((date - NaiveDate::default()).num_days()).unwrap_or(0)
}

/// The business date of a day number.
pub fn from_day_number(day: i32) -> NaiveDate {
    NaiveDate::default() + Duration::days(i64::from(day))
}

/// The first day after `bill_date` whose day of the month is `due_day`; in a
/// month too short for it, that month's last day (a due day of 31 falls on
/// 28 or 29 February, 30 April …).
pub fn due_date(bill_date: NaiveDate, due_day: u32) -> NaiveDate {
    let in_month = |year: i32, month: u32| {
        let last = last_day(year, month);
        NaiveDate::from_ymd_opt(year, month, due_day.clamp(1, last)).unwrap_or(bill_date)
    };
    let this = in_month(bill_date.year(), bill_date.month());
    if this > bill_date {
        return this;
    }
    let (year, month) = if bill_date.month() == 12 {
        (bill_date.year() + 1, 1)
    } else {
        (bill_date.year(), bill_date.month() + 1)
    };
    in_month(year, month)
}

/// Whether a statement is cut on `date` for an account billed on `bill_day`
/// (on the month's last day when the month is shorter than `bill_day`).
pub fn is_bill_day(date: NaiveDate, bill_day: u32) -> bool {
    date.day() == bill_day.clamp(1, last_day(date.year(), date.month()))
}

fn last_day(year: i32, month: u32) -> u32 {
    (28..=31)
        .rev()
        .find(|d| NaiveDate::from_ymd_opt(year, month, *d).is_some())
        .unwrap_or(28)
}

/// Days past due at the end of `date` for a bill due on `due`: the due date
/// itself is still on time.
pub fn days_past_due(date: NaiveDate, due: NaiveDate) -> u32 {
    u32::try_from((date - due).num_days().max(0)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_business_day_changes_at_midnight_china_time() {
        let before = Utc.with_ymd_and_hms(2026, 11, 30, 15, 59, 59).unwrap();
        assert_eq!(business_date(before), d(2026, 11, 30));
        assert_eq!(business_date(before + Duration::seconds(1)), d(2026, 12, 1));
        assert_eq!(end_of(d(2026, 11, 30)), before + Duration::seconds(1));
    }

    #[test]
    fn day_numbers_count_from_1970() {
        assert_eq!(day_number(d(1970, 1, 1)), 0);
        assert_eq!(day_number(d(2026, 11, 25)), 20_782);
        assert_eq!(from_day_number(20_782), d(2026, 11, 25));
    }

    #[test]
    fn a_due_date_crosses_month_and_year_ends() {
        assert_eq!(due_date(d(2026, 1, 5), 25), d(2026, 1, 25));
        assert_eq!(due_date(d(2026, 1, 25), 5), d(2026, 2, 5));
        assert_eq!(due_date(d(2026, 12, 20), 10), d(2027, 1, 10));
        // The same day next month, never the bill date itself.
        assert_eq!(due_date(d(2026, 3, 15), 15), d(2026, 4, 15));
        // A due day the month does not have falls on its last day.
        assert_eq!(due_date(d(2026, 1, 31), 31), d(2026, 2, 28));
        assert_eq!(due_date(d(2028, 1, 31), 30), d(2028, 2, 29));
        assert_eq!(due_date(d(2026, 4, 1), 31), d(2026, 4, 30));
    }

    #[test]
    fn a_short_month_bills_on_its_last_day() {
        assert!(is_bill_day(d(2026, 2, 28), 30));
        assert!(!is_bill_day(d(2026, 2, 27), 30));
        assert!(is_bill_day(d(2026, 3, 30), 30));
        assert!(!is_bill_day(d(2026, 3, 31), 30));
    }

    #[test]
    fn the_due_date_itself_is_on_time() {
        let due = d(2026, 2, 28);
        assert_eq!(days_past_due(due, due), 0);
        assert_eq!(days_past_due(d(2026, 3, 1), due), 1);
        assert_eq!(days_past_due(d(2026, 3, 31), due), 31);
        assert_eq!(days_past_due(d(2026, 2, 1), due), 0);
    }
}
