//! The credit scorecard: a score from 300 to 900 and a grade A–E from the
//! inputs the source document names — basic information (age, occupation,
//! income), payment records (frequency, bill amounts, repayment history) and
//! behaviour (login times). Each factor adds or removes points from a base of
//! 600; the breakdown lists every factor so an officer can read why.
//! `docs/scorecard.md` is the table of these points.

use crate::account::Grade;
use crate::customer::{IncomeBand, Occupation};

/// Everything the scorecard reads about one account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScoreInputs {
    pub age: u8,
    pub occupation: Occupation,
    pub income_band: IncomeBand,
    /// Average number of purchases per month over the last 12 months.
    pub purchases_per_month: u32,
    /// Average monthly bill as a share of the limit, in basis points.
    pub bill_to_limit_bp: u32,
    /// Share of bills repaid on time, in basis points (10,000 when there is no bill yet).
    pub on_time_bp: u32,
    /// Worst days past due in the last 12 months.
    pub max_dpd_12m: u32,
    /// Share of logins between midnight and 5 a.m., in basis points.
    pub night_login_bp: u32,
    pub months_on_book: u32,
}

vocabulary! {
    /// One line of the scorecard.
    pub enum ScoreFactor {
        Age,
        Occupation,
        Income,
        PaymentFrequency,
        BillAmount,
        OnTimeRepayment,
        WorstDelinquency,
        LoginTimes,
        MonthsOnBook,
    }
}

/// A factor's contribution: the input as an officer reads it, and its points.
/// Counts are bare numbers; the console adds their unit in its language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScoreLine {
    pub factor: ScoreFactor,
    pub value: String,
    pub points: i32,
}

/// The score, its grade and how it was reached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assessment {
    pub score: i32,
    pub grade: Grade,
    pub base: i32,
    pub lines: Vec<ScoreLine>,
}

pub const BASE_POINTS: i32 = 600;
pub const MIN_SCORE: i32 = 300;
pub const MAX_SCORE: i32 = 900;

/// Scores an account.
pub fn assess(inputs: &ScoreInputs) -> Assessment {
    let pct = |bp: u32| format!("{}.{}%", bp / 100, (bp % 100) / 10);
    let lines = vec![
        line(
            ScoreFactor::Age,
            inputs.age.to_string(),
            age_points(inputs.age),
        ),
        line(
            ScoreFactor::Occupation,
            inputs.occupation.as_str().to_owned(),
            occupation_points(inputs.occupation),
        ),
        line(
            ScoreFactor::Income,
            inputs.income_band.as_str().to_owned(),
            income_points(inputs.income_band),
        ),
        line(
            ScoreFactor::PaymentFrequency,
            inputs.purchases_per_month.to_string(),
            frequency_points(inputs.purchases_per_month),
        ),
        line(
            ScoreFactor::BillAmount,
            pct(inputs.bill_to_limit_bp),
            bill_points(inputs.bill_to_limit_bp),
        ),
        line(
            ScoreFactor::OnTimeRepayment,
            pct(inputs.on_time_bp),
            on_time_points(inputs.on_time_bp),
        ),
        line(
            ScoreFactor::WorstDelinquency,
            inputs.max_dpd_12m.to_string(),
            worst_dpd_points(inputs.max_dpd_12m),
        ),
        line(
            ScoreFactor::LoginTimes,
            pct(inputs.night_login_bp),
            login_points(inputs.night_login_bp),
        ),
        line(
            ScoreFactor::MonthsOnBook,
            inputs.months_on_book.to_string(),
            months_on_book_points(inputs.months_on_book),
        ),
    ];
    let raw = BASE_POINTS + lines.iter().map(|l| l.points).sum::<i32>();
    let score = raw.clamp(MIN_SCORE, MAX_SCORE);
    Assessment {
        score,
        grade: grade_of(score),
        base: BASE_POINTS,
        lines,
    }
}

/// A ≥ 820, B ≥ 760, C ≥ 700, D ≥ 620, E below.
pub fn grade_of(score: i32) -> Grade {
    match score {
        820.. => Grade::A,
        760..=819 => Grade::B,
        700..=759 => Grade::C,
        620..=699 => Grade::D,
        _ => Grade::E,
    }
}

fn line(factor: ScoreFactor, value: String, points: i32) -> ScoreLine {
    ScoreLine {
        factor,
        value,
        points,
    }
}

fn age_points(age: u8) -> i32 {
    match age {
        0..=21 => -30,
        22..=25 => -10,
        26..=35 => 20,
        36..=50 => 35,
        51..=60 => 15,
        _ => -10,
    }
}

fn occupation_points(occupation: Occupation) -> i32 {
    match occupation {
        Occupation::CivilServant => 50,
        Occupation::Professional | Occupation::Teacher => 40,
        Occupation::Healthcare => 35,
        Occupation::OfficeWorker => 25,
        Occupation::Retired => 10,
        Occupation::FactoryWorker => 5,
        Occupation::SelfEmployed | Occupation::ServiceWorker => 0,
        Occupation::Freelancer => -10,
        Occupation::Student => -25,
        Occupation::Unemployed => -60,
    }
}

fn income_points(band: IncomeBand) -> i32 {
    match band {
        IncomeBand::Under3k => -40,
        IncomeBand::From3kTo8k => 0,
        IncomeBand::From8kTo15k => 30,
        IncomeBand::From15kTo30k => 50,
        IncomeBand::Over30k => 60,
    }
}

/// Regular use is good; none is unknown; very frequent use looks like cash-out.
fn frequency_points(per_month: u32) -> i32 {
    match per_month {
        0 => -20,
        1..=3 => 10,
        4..=15 => 25,
        16..=40 => 5,
        _ => -25,
    }
}

fn bill_points(bill_to_limit_bp: u32) -> i32 {
    match bill_to_limit_bp {
        0..=1_999 => 20,
        2_000..=4_999 => 10,
        5_000..=7_999 => -10,
        _ => -40,
    }
}

fn on_time_points(on_time_bp: u32) -> i32 {
    match on_time_bp {
        9_800.. => 80,
        9_500..=9_799 => 50,
        9_000..=9_499 => 10,
        8_000..=8_999 => -40,
        _ => -100,
    }
}

fn worst_dpd_points(dpd: u32) -> i32 {
    match dpd {
        0 => 30,
        1..=30 => -30,
        31..=60 => -90,
        61..=90 => -140,
        _ => -200,
    }
}

fn login_points(night_bp: u32) -> i32 {
    match night_bp {
        0..=999 => 10,
        1_000..=2_999 => 0,
        _ => -40,
    }
}

fn months_on_book_points(months: u32) -> i32 {
    match months {
        0..=2 => -20,
        3..=11 => 0,
        _ => 20,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use strum::IntoEnumIterator;

    use super::*;

    fn inputs() -> impl Strategy<Value = ScoreInputs> {
        let occupations: Vec<Occupation> = Occupation::iter().collect();
        let bands: Vec<IncomeBand> = IncomeBand::iter().collect();
        (
            (
                18u8..=80,
                prop::sample::select(occupations),
                prop::sample::select(bands),
            ),
            (0u32..=80, 0u32..=12_000, 0u32..=10_000),
            (0u32..=400, 0u32..=10_000, 0u32..=120),
        )
            .prop_map(
                |((age, occupation, income_band), (freq, bill, on_time), (dpd, night, mob))| {
                    ScoreInputs {
                        age,
                        occupation,
                        income_band,
                        purchases_per_month: freq,
                        bill_to_limit_bp: bill,
                        on_time_bp: on_time,
                        max_dpd_12m: dpd,
                        night_login_bp: night,
                        months_on_book: mob,
                    }
                },
            )
    }

    #[test]
    fn a_model_customer_gets_an_a_and_a_defaulter_an_e() {
        let good = ScoreInputs {
            age: 38,
            occupation: Occupation::Teacher,
            income_band: IncomeBand::From15kTo30k,
            purchases_per_month: 8,
            bill_to_limit_bp: 1_500,
            on_time_bp: 10_000,
            max_dpd_12m: 0,
            night_login_bp: 300,
            months_on_book: 24,
        };
        let a = assess(&good);
        assert_eq!((a.score, a.grade), (900, Grade::A));
        let late_once = ScoreInputs {
            on_time_bp: 9_200,
            max_dpd_12m: 45,
            ..good
        };
        assert_eq!(assess(&late_once).score, 910 - 70 - 120);
        assert_eq!(assess(&late_once).grade, Grade::C);
        let defaulter = ScoreInputs {
            on_time_bp: 6_000,
            max_dpd_12m: 95,
            ..good
        };
        assert_eq!(assess(&defaulter).grade, Grade::E);
    }

    proptest! {
        #[test]
        fn score_is_in_range_and_explained(i in inputs()) {
            let a = assess(&i);
            prop_assert!((MIN_SCORE..=MAX_SCORE).contains(&a.score));
            prop_assert_eq!(a.grade, grade_of(a.score));
            let raw = a.base + a.lines.iter().map(|l| l.points).sum::<i32>();
            prop_assert_eq!(a.score, raw.clamp(MIN_SCORE, MAX_SCORE));
            prop_assert_eq!(a.lines.len(), ScoreFactor::iter().count());
        }

        #[test]
        fn better_repayment_never_lowers_the_score(i in inputs(), extra in 0u32..=10_000, fewer in 0u32..=400) {
            let better = ScoreInputs {
                on_time_bp: (i.on_time_bp + extra).min(10_000),
                max_dpd_12m: i.max_dpd_12m.saturating_sub(fewer),
                ..i
            };
            prop_assert!(assess(&better).score >= assess(&i).score);
        }

        #[test]
        fn grades_are_ordered_by_score(a in 300i32..=900, b in 300i32..=900) {
            if a <= b {
                prop_assert!(grade_of(a) >= grade_of(b));
            }
        }
    }
}
