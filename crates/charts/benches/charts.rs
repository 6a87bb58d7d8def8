//! Each dashboard chart drawn as SVG from a busy period's data (180 days,
//! every rule, twelve cohorts), one as PNG, and the links graph of 200
//! accounts: p50/p99 over many draws.
//!
//! `cargo bench -p riskdesk-charts --bench charts`

// A benchmark: fixed inputs that cannot fail, numbers cast for printing.
#![allow(
    clippy::unwrap_used,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

use std::hint::black_box;
use std::time::Instant;

use chrono::{Days, NaiveDate};
use hdrhistogram::Histogram;
use riskdesk_charts::{
    GraphEdge, GraphNode, Lang, LinkGraph, PortfolioChart, Style, Theme, network_svg,
    portfolio_svg, svg_to_png,
};
use riskdesk_domain::account::{AccountStatus, Grade};
use riskdesk_domain::alert::Rule;
use riskdesk_domain::links::LinkKind;
use riskdesk_domain::metrics::{
    ApprovalDay, BucketMonth, LossMonth, Month, RollMatrix, RuleDay, RuleDispositions,
    VintageCurve, VintagePoint,
};
use riskdesk_domain::money::Money;
use strum::IntoEnumIterator;

const DRAWS: u32 = 300;

fn measure(name: &str, draws: u32, mut draw: impl FnMut() -> usize) {
    let mut histogram = Histogram::<u64>::new(3).unwrap();
    for _ in 0..draws {
        let started = Instant::now();
        black_box(draw());
        histogram
            .record(started.elapsed().as_micros() as u64)
            .unwrap();
    }
    println!(
        "{name:<22} p50 {:>6} µs   p99 {:>6} µs",
        histogram.value_at_quantile(0.5),
        histogram.value_at_quantile(0.99)
    );
}

fn main() {
    let style = Style {
        theme: Theme::Light,
        lang: Lang::Zh,
        width: 560,
        height: 260,
    };
    let first = NaiveDate::from_ymd_opt(2026, 5, 30).unwrap();
    let days: Vec<NaiveDate> = (0..180).map(|i| first + Days::new(i)).collect();
    let month = |i: u32| Month {
        year: 2025 + i32::try_from(i / 12).unwrap(),
        month: i % 12 + 1,
    };
    let approvals: Vec<ApprovalDay> = days
        .iter()
        .enumerate()
        .map(|(i, day)| ApprovalDay {
            day: *day,
            approved: 4_000 + (i as u64 * 37) % 900,
            review: 300,
            declined: 200 + (i as u64 * 13) % 90,
        })
        .collect();
    let alerts: Vec<RuleDay> = days
        .iter()
        .flat_map(|day| {
            Rule::iter().enumerate().map(|(k, rule)| RuleDay {
                day: *day,
                rule,
                raised: 3 + k as u64,
            })
        })
        .collect();
    let dispositions: Vec<RuleDispositions> = Rule::iter()
        .map(|rule| RuleDispositions {
            rule,
            confirmed_fraud: 40,
            false_positive: 120,
            benign: 30,
        })
        .collect();
    let losses: Vec<LossMonth> = (0..12)
        .map(|i| LossMonth {
            month: month(i),
            confirmed: Money::yuan(20_000 + i64::from(i) * 1_000).unwrap(),
            alerts: 30,
        })
        .collect();
    let delinquency: Vec<BucketMonth> = (0..12)
        .map(|i| BucketMonth {
            month: month(i),
            accounts: [90_000, 3_000, 1_200, 600, 400],
            balances: [100_000, 9_000, 4_000, 2_000, 1_500].map(|y| Money::yuan(y).unwrap()),
        })
        .collect();
    let vintages: Vec<VintageCurve> = (0..12)
        .map(|c| VintageCurve {
            cohort: month(c),
            points: (1..=12 - c)
                .map(|mob| VintagePoint {
                    months_on_book: mob,
                    accounts: 8_000,
                    dpd30: u64::from(mob * (10 + c)),
                })
                .collect(),
        })
        .collect();
    let roll = RollMatrix {
        from: month(10),
        counts: [
            [8_700, 280, 0, 0, 0],
            [150, 60, 90, 0, 0],
            [30, 10, 20, 60, 0],
            [5, 2, 3, 10, 40],
            [1, 0, 0, 0, 45],
        ],
    };
    let charts = [
        (
            "approvals (180 days)",
            PortfolioChart::ApprovalRate(&approvals),
        ),
        ("alerts (180 d × 9)", PortfolioChart::AlertVolume(&alerts)),
        (
            "dispositions (9)",
            PortfolioChart::Dispositions(&dispositions),
        ),
        ("losses (12 months)", PortfolioChart::FraudLosses(&losses)),
        (
            "delinquency (12 m)",
            PortfolioChart::Delinquency(&delinquency),
        ),
        ("vintage (12 cohorts)", PortfolioChart::Vintage(&vintages)),
        ("roll rates", PortfolioChart::RollRates(&roll)),
    ];
    println!("SVG, {}×{}:", style.width, style.height);
    for (name, chart) in &charts {
        measure(name, DRAWS, || portfolio_svg(chart, &style).len());
    }
    // The first PNG reads the system's fonts; the measure is of the rest.
    let svg = portfolio_svg(&charts[1].1, &style);
    svg_to_png(&svg, 2.0).unwrap();
    println!("PNG at twice the size:");
    measure("alerts (180 d × 9)", 50, || {
        svg_to_png(&svg, 2.0).unwrap().len()
    });

    // A ring of 200: the centre, 60 on the first hop, 139 beyond.
    let nodes: Vec<GraphNode> = (0..200)
        .map(|i| GraphNode {
            id: 80_000_000 + i,
            hop: match i {
                0 => 0,
                1..=60 => 1,
                _ => 2,
            },
            name_masked: "王*".to_owned(),
            grade: [Grade::A, Grade::B, Grade::C, Grade::D, Grade::E][i as usize % 5],
            status: if i % 7 == 0 {
                AccountStatus::Frozen
            } else {
                AccountStatus::Active
            },
            confirmed_fraud: i % 5 == 0,
            open_alerts: (i % 3) as u32,
        })
        .collect();
    let edges: Vec<GraphEdge> = (1..200)
        .map(|i| GraphEdge {
            from: if i <= 60 {
                80_000_000
            } else {
                80_000_000 + (i % 60) + 1
            },
            to: 80_000_000 + i,
            kinds: vec![[LinkKind::Device, LinkKind::Merchant, LinkKind::Phone][i as usize % 3]],
        })
        .collect();
    let graph = LinkGraph {
        nodes: &nodes,
        edges: &edges,
        hidden: 800,
    };
    let big = Style {
        width: 1200,
        height: 520,
        ..style
    };
    println!("The links graph, {}×{}:", big.width, big.height);
    measure("200 accounts", DRAWS, || network_svg(&graph, &big).len());
}
