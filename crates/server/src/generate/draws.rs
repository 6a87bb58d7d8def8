//! The demo's draws for one customer: occupation by age, income by
//! occupation, limit by income, an amount by category, and when in the year
//! they shop.

use super::*;

pub(super) fn occupation(rng: &mut impl Rng, age: i32) -> Occupation {
    use Occupation::*;
    if age < 23 && rng.random_bool(0.6) {
        return Student;
    }
    if age > 60 && rng.random_bool(0.7) {
        return Retired;
    }
    let weighted = [
        (OfficeWorker, 26),
        (ServiceWorker, 14),
        (FactoryWorker, 10),
        (SelfEmployed, 10),
        (Professional, 10),
        (Teacher, 6),
        (Healthcare, 5),
        (CivilServant, 5),
        (Freelancer, 8),
        (Unemployed, 3),
    ];
    weighted
        .choose_weighted(rng, |w| w.1)
        .map(|w| w.0)
        .unwrap_or(OfficeWorker)
}

pub(super) fn income_band(rng: &mut impl Rng, occupation: Occupation) -> IncomeBand {
    use IncomeBand::*;
    let base: i32 = match occupation {
        Occupation::Student | Occupation::Unemployed => 0,
        Occupation::ServiceWorker | Occupation::FactoryWorker | Occupation::Retired => 1,
        Occupation::OfficeWorker
        | Occupation::Teacher
        | Occupation::Freelancer
        | Occupation::SelfEmployed => 2,
        Occupation::Healthcare | Occupation::CivilServant | Occupation::Professional => 3,
    };
    let band = (base + rng.random_range(-1..=1)).clamp(0, 4);
    [Under3k, From3kTo8k, From8kTo15k, From15kTo30k, Over30k][band as usize]
}

/// ¥500–¥50,000 by income, in hundreds.
pub(super) fn limit_for(rng: &mut impl Rng, income: IncomeBand) -> i64 {
    let median_yuan = match income {
        IncomeBand::Under3k => 1_500.0,
        IncomeBand::From3kTo8k => 5_000.0,
        IncomeBand::From8kTo15k => 12_000.0,
        IncomeBand::From15kTo30k => 22_000.0,
        IncomeBand::Over30k => 35_000.0,
    };
    let yuan: f64 = LogNormal::new(f64::ln(median_yuan), 0.45)
        .map(|d| d.sample(rng))
        .unwrap_or(median_yuan);
    ((yuan / 100.0).round() as i64 * 100).clamp(500, 50_000) * 100
}

pub(super) fn amount_for(rng: &mut impl Rng, category: &str) -> i64 {
    let (median_yuan, sigma) = match category {
        "groceries" => (85.0, 0.6),
        "dining" => (55.0, 0.6),
        "electronics" => (1_600.0, 0.8),
        "apparel" => (260.0, 0.6),
        "travel" => (650.0, 0.7),
        "education" => (900.0, 0.6),
        "home" => (480.0, 0.8),
        "entertainment" => (120.0, 0.6),
        "health" => (90.0, 0.6),
        _ => (200.0, 0.8),
    };
    let yuan: f64 = LogNormal::new(f64::ln(median_yuan), sigma)
        .map(|d| d.sample(rng))
        .unwrap_or(median_yuan);
    ((yuan * 100.0).round() as i64).clamp(100, 5_000_000)
}

/// The calendar months that end at `as_of_ms`, `months` of them, oldest first.
pub(super) fn calendar_months(as_of_ms: i64, months: u32) -> Vec<(i64, i64, u32)> {
    let as_of = utc(as_of_ms).date_naive();
    let this_month = as_of.with_day(1).unwrap_or(as_of);
    let first = this_month - chrono::Months::new(months.saturating_sub(1));
    (0..months)
        .map(|i| {
            let start = first + chrono::Months::new(i);
            let end = start + chrono::Months::new(1);
            let ms = |d: chrono::NaiveDate| {
                d.and_time(chrono::NaiveTime::MIN)
                    .and_utc()
                    .timestamp_millis()
            };
            (ms(start), ms(end).min(as_of_ms), start.month())
        })
        .collect()
}

/// The day of the month a purchase falls on: shoppers crowd the days up to
/// 618 (June 18) and Double 11 (November 11).
pub(super) fn shopping_day(rng: &mut impl Rng, month: u32, days: i64) -> i64 {
    let festival = match month {
        6 => Some(17),
        11 => Some(10),
        _ => None,
    };
    match festival {
        Some(day) if days > day && rng.random_bool(0.4) => day - rng.random_range(0..4),
        _ => rng.random_range(0..days.max(1)),
    }
}

/// Spending by calendar month: 618 in June, Double 11 in November, the
/// Spring Festival in January and February.
pub(super) fn seasonality(month: u32) -> f64 {
    match month {
        1 | 2 => 1.35,
        6 => 1.5,
        11 => 2.0,
        12 => 1.2,
        3 | 4 => 0.9,
        _ => 1.0,
    }
}
