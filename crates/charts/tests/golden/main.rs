//! Golden SVGs: each chart on fixed data must render exactly as committed
//! (`cargo xtask codegen` rewrites them after a deliberate change; look at
//! the difference before committing it).

use std::path::PathBuf;

use riskdesk_charts::{Lang, Style, Theme, account_history_svg};
use riskdesk_domain::history::MonthPoint;
use riskdesk_domain::money::Money;

fn check(name: &str, svg: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GENERATED").is_some() {
        std::fs::write(&path, svg).expect("writing a golden file");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        expected == svg,
        "{name} changed: run `cargo xtask codegen`, look, and commit"
    );
}

fn year() -> Vec<MonthPoint> {
    let spending = [
        820, 640, 1_930, 410, 560, 2_480, 700, 690, 880, 760, 3_150, 1_020,
    ];
    let repayments = [
        0, 800, 620, 1_900, 420, 540, 2_450, 720, 660, 900, 700, 3_100,
    ];
    let mut balance = 0i64;
    (0..12)
        .map(|i| {
            balance += spending[i] - repayments[i];
            let yuan = |y: i64| Money::yuan(y).expect("in range");
            MonthPoint {
                year: if i < 2 { 2025 } else { 2026 },
                month: u32::try_from((i + 10) % 12 + 1).expect("a month"),
                spending: yuan(spending[i]),
                repayments: yuan(repayments[i]),
                balance: yuan(balance),
                utilisation_bp: balance * 10_000 / 8_000,
            }
        })
        .collect()
}

#[test]
fn golden_account_history_charts() {
    let style = |theme, lang| Style {
        theme,
        lang,
        width: 640,
        height: 260,
    };
    check(
        "account_history_light_zh.svg",
        &account_history_svg(&year(), &style(Theme::Light, Lang::Zh)),
    );
    check(
        "account_history_dark_en.svg",
        &account_history_svg(&year(), &style(Theme::Dark, Lang::En)),
    );
    check(
        "account_history_single_month.svg",
        &account_history_svg(&year()[11..], &style(Theme::Light, Lang::En)),
    );
    let quiet: Vec<MonthPoint> = year()
        .into_iter()
        .map(|p| MonthPoint {
            spending: Money::ZERO,
            repayments: Money::ZERO,
            balance: Money::ZERO,
            utilisation_bp: 0,
            ..p
        })
        .collect();
    let empty = account_history_svg(&quiet, &style(Theme::Light, Lang::Zh));
    assert!(empty.contains("暂无交易"));
    check("account_history_empty_zh.svg", &empty);
}

mod portfolio {
    use chrono::NaiveDate;
    use riskdesk_charts::{Lang, PortfolioChart, Style, Theme, portfolio_svg};
    use riskdesk_domain::alert::Rule;
    use riskdesk_domain::metrics::{
        ApprovalDay, BucketMonth, GradeExposure, LimitChangeMonth, LossMonth, Month, RollMatrix,
        RuleDay, RuleDispositions, RuleVersionDay, UtilisationBand, VintageCurve, VintagePoint,
    };
    use riskdesk_domain::money::Money;

    use super::check;

    fn yuan(y: i64) -> Money {
        Money::yuan(y).expect("in range")
    }

    fn month(i: u32) -> Month {
        Month {
            year: 2026,
            month: i,
        }
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).expect("a day")
    }

    fn delinquency() -> Vec<BucketMonth> {
        (5..=10)
            .map(|m| {
                let k = i64::from(m);
                BucketMonth {
                    month: month(m),
                    accounts: [
                        9_000 - 40 * u64::from(m),
                        300,
                        120,
                        60,
                        40 + 5 * u64::from(m),
                    ],
                    balances: [
                        yuan(2_400_000 + 20_000 * k),
                        yuan(90_000 + 4_000 * k),
                        yuan(40_000 + 2_000 * k),
                        yuan(20_000 + 1_500 * k),
                        yuan(15_000 + 3_000 * k),
                    ],
                }
            })
            .collect()
    }

    fn vintages() -> Vec<VintageCurve> {
        (1..=4)
            .map(|c| VintageCurve {
                cohort: month(c),
                points: (1..=11 - c)
                    .map(|mob| VintagePoint {
                        months_on_book: mob,
                        accounts: 1_000,
                        dpd30: u64::from(mob * (3 + c)),
                    })
                    .collect(),
            })
            .collect()
    }

    fn roll() -> RollMatrix {
        RollMatrix {
            from: month(10),
            counts: [
                [8_700, 280, 0, 0, 0],
                [150, 60, 90, 0, 0],
                [30, 10, 20, 60, 0],
                [5, 2, 3, 10, 40],
                [1, 0, 0, 0, 45],
            ],
        }
    }

    fn alerts() -> Vec<RuleDay> {
        let rules = [
            Rule::Velocity,
            Rule::AmountSpike,
            Rule::ImpossibleTravel,
            Rule::BlacklistHit,
        ];
        (18..=24)
            .flat_map(|d| {
                rules.iter().zip(0u64..).map(move |(rule, i)| RuleDay {
                    day: day(d),
                    rule: *rule,
                    raised: u64::from(d % 5 + 1) * (4 - i) * 3,
                })
            })
            .collect()
    }

    fn dispositions() -> Vec<RuleDispositions> {
        [
            (Rule::Velocity, 40, 120, 30),
            (Rule::AmountSpike, 25, 210, 60),
            (Rule::ImpossibleTravel, 30, 20, 5),
            (Rule::BlacklistHit, 55, 6, 2),
        ]
        .into_iter()
        .map(
            |(rule, confirmed_fraud, false_positive, benign)| RuleDispositions {
                rule,
                confirmed_fraud,
                false_positive,
                benign,
            },
        )
        .collect()
    }

    fn losses() -> Vec<LossMonth> {
        (5..=10)
            .map(|m| LossMonth {
                month: month(m),
                confirmed: yuan(18_000 + 7_500 * i64::from(m % 3)),
                alerts: u64::from(20 + m),
            })
            .collect()
    }

    fn approvals() -> Vec<ApprovalDay> {
        (18..=24)
            .map(|d| ApprovalDay {
                day: day(d),
                approved: 4_000 + 100 * u64::from(d),
                review: 300,
                declined: 200 + 20 * u64::from(d % 4),
            })
            .collect()
    }

    fn bands() -> Vec<UtilisationBand> {
        [2_100, 3_400, 2_900, 1_600, 800]
            .into_iter()
            .zip(0u32..)
            .map(|(accounts, i)| UtilisationBand {
                from_bp: 2_000 * i,
                to_bp: 2_000 * (i + 1),
                accounts,
            })
            .collect()
    }

    fn grades() -> Vec<GradeExposure> {
        [
            ("A", 2_000, 60),
            ("B", 4_000, 45),
            ("C", 3_000, 30),
            ("D", 1_000, 15),
        ]
        .into_iter()
        .map(|(grade, accounts, k)| GradeExposure {
            grade: grade.to_owned(),
            accounts,
            limit: yuan(i64::try_from(accounts).expect("small") * k * 100),
            used: yuan(i64::try_from(accounts).expect("small") * k * 38),
        })
        .collect()
    }

    fn limit_changes() -> Vec<LimitChangeMonth> {
        (5..=10)
            .map(|m| LimitChangeMonth {
                month: month(m),
                proposed: u64::from(120 + 10 * m),
                approved: u64::from(90 + 6 * m),
                rejected: u64::from(20 + m),
                expired: u64::from(3 + m),
                average_change: yuan(1_500),
            })
            .collect()
    }

    /// Two weeks of one rule: v1, then v2 published on the 6th (alerts
    /// fall), rolled back to v1 on the 12th; no alerts on days 4, 9 and 10.
    fn rule_trend() -> (Vec<NaiveDate>, Vec<RuleVersionDay>) {
        let days: Vec<NaiveDate> = (1..=14).map(day).collect();
        let record =
            |d: u32, version: i64, alerts: u64, closed: u64, confirmed_fraud: u64| RuleVersionDay {
                day: day(d),
                version: Some(version),
                alerts,
                closed,
                confirmed_fraud,
            };
        let records = vec![
            record(1, 1, 12, 6, 1),
            record(2, 1, 14, 8, 2),
            record(3, 1, 11, 5, 1),
            record(5, 1, 13, 7, 1),
            record(6, 1, 5, 2, 0),
            record(6, 2, 4, 3, 2),
            record(7, 2, 6, 4, 3),
            record(8, 2, 5, 0, 0),
            record(11, 2, 4, 2, 2),
            record(12, 1, 9, 3, 1),
            record(13, 1, 12, 1, 0),
            record(14, 1, 10, 0, 0),
        ];
        (days, records)
    }

    #[test]
    fn golden_portfolio_charts() {
        let style = |theme, lang| Style {
            theme,
            lang,
            width: 560,
            height: 300,
        };
        let (delinquency, vintages, roll, alerts) = (delinquency(), vintages(), roll(), alerts());
        let (dispositions, losses, approvals) = (dispositions(), losses(), approvals());
        let (bands, grades, limit_changes) = (bands(), grades(), limit_changes());
        let (trend_days, trend) = rule_trend();
        let charts = [
            ("delinquency", PortfolioChart::Delinquency(&delinquency)),
            ("vintage", PortfolioChart::Vintage(&vintages)),
            ("roll_rates", PortfolioChart::RollRates(&roll)),
            ("alert_volume", PortfolioChart::AlertVolume(&alerts)),
            (
                "rule_trend",
                PortfolioChart::RuleTrend {
                    days: &trend_days,
                    records: &trend,
                },
            ),
            ("dispositions", PortfolioChart::Dispositions(&dispositions)),
            ("fraud_losses", PortfolioChart::FraudLosses(&losses)),
            ("approval_rate", PortfolioChart::ApprovalRate(&approvals)),
            ("utilisation", PortfolioChart::Utilisation(&bands)),
            (
                "exposure_by_grade",
                PortfolioChart::ExposureByGrade(&grades),
            ),
            (
                "limit_changes",
                PortfolioChart::LimitChanges(&limit_changes),
            ),
        ];
        for (name, chart) in &charts {
            check(
                &format!("{name}_light_zh.svg"),
                &portfolio_svg(chart, &style(Theme::Light, Lang::Zh)),
            );
            check(
                &format!("{name}_dark_en.svg"),
                &portfolio_svg(chart, &style(Theme::Dark, Lang::En)),
            );
        }
    }

    /// Nothing and one point: a message, and a chart that still reads.
    #[test]
    fn golden_portfolio_charts_with_little_data() {
        let style = Style {
            theme: Theme::Light,
            lang: Lang::Zh,
            width: 560,
            height: 300,
        };
        for chart in [
            PortfolioChart::Delinquency(&[]),
            PortfolioChart::Vintage(&[]),
            PortfolioChart::AlertVolume(&[]),
            PortfolioChart::FraudLosses(&[]),
            PortfolioChart::RollRates(&RollMatrix {
                from: month(10),
                counts: [[0; 5]; 5],
            }),
        ] {
            let svg = portfolio_svg(&chart, &style);
            assert!(svg.contains("所选范围内暂无数据"), "{chart:?}: {svg}");
        }
        check(
            "delinquency_empty_zh.svg",
            &portfolio_svg(&PortfolioChart::Delinquency(&[]), &style),
        );
        let one = delinquency()[..1].to_vec();
        check(
            "delinquency_single_month_zh.svg",
            &portfolio_svg(&PortfolioChart::Delinquency(&one), &style),
        );
        let young = vec![VintageCurve {
            cohort: month(10),
            points: vec![VintagePoint {
                months_on_book: 1,
                accounts: 800,
                dpd30: 4,
            }],
        }];
        check(
            "vintage_single_point_zh.svg",
            &portfolio_svg(&PortfolioChart::Vintage(&young), &style),
        );
    }
}

/// A chart as a PNG file: Chinese labels drawn with an installed CJK face
/// (`fonts-noto-cjk`), at twice the size. It is written to
/// `target/chart-png-zh.png` for a person to look at.
#[test]
fn a_chart_becomes_a_png_with_chinese_labels() {
    use riskdesk_charts::{
        Lang, PortfolioChart, Style, Theme, cjk_family, portfolio_svg, svg_to_png,
    };
    use riskdesk_domain::metrics::{LossMonth, Month};

    assert!(
        cjk_family().is_some(),
        "no CJK font is installed: Chinese labels would not read (install fonts-noto-cjk)"
    );
    let losses: Vec<LossMonth> = (5..=10)
        .map(|month| LossMonth {
            month: Month { year: 2026, month },
            confirmed: Money::yuan(10_000 + 3_000 * i64::from(month % 4)).expect("in range"),
            alerts: 12,
        })
        .collect();
    let style = Style {
        theme: Theme::Light,
        lang: Lang::Zh,
        width: 560,
        height: 300,
    };
    let svg = portfolio_svg(&PortfolioChart::FraudLosses(&losses), &style);
    let png = svg_to_png(&svg, 2.0).expect("a PNG");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    // The header's width and height: twice the chart's.
    let dimension = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().expect("4 bytes"));
    assert_eq!((dimension(16), dimension(20)), (1_120, 600));
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/chart-png-zh.png");
    std::fs::write(&path, &png).expect("writing the PNG");
}
