//! Rule evaluation for one payment, in process: p50/p99 over many payments
//! against a busy context (a day of the account's payments, a busy device
//! and IP, a blacklist of 200 entries with blocks and areas).
//!
//! `cargo bench -p riskdesk-domain --bench rules`

// A benchmark: fixed inputs that cannot fail, numbers cast for printing.
#![allow(
    clippy::unwrap_used,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

use std::hint::black_box;
use std::time::Instant;

use chrono::{Duration, TimeZone, Utc};
use hdrhistogram::Histogram;
use riskdesk_domain::blacklist::{BlacklistKind, Target};
use riskdesk_domain::geo::GeoPoint;
use riskdesk_domain::money::Money;
use riskdesk_domain::rules::{self, Attempt, Context, Payment, Rules, Typical};
use riskdesk_domain::transaction::{MerchantCategory, Place};

fn main() {
    let rules = Rules::builtin();
    let at = Utc.with_ymd_and_hms(2026, 11, 25, 6, 0, 0).unwrap();
    let home = Place {
        point: GeoPoint {
            lat: 22.5431,
            lon: 114.0579,
        },
        city: "深圳".to_owned(),
    };
    let attempts = |n: i64, step_minutes: i64| -> Vec<Attempt> {
        (1..=n)
            .map(|i| Attempt {
                at: at - Duration::minutes(i * step_minutes),
                amount: Money::from_fen(1_000 + i * 137).unwrap(),
                approved: i % 7 != 0,
                place: Some(Place {
                    point: GeoPoint {
                        lat: 22.5 + (i as f64) * 0.001,
                        lon: 114.0,
                    },
                    city: "深圳".to_owned(),
                }),
            })
            .collect()
    };
    let account = attempts(30, 45);
    let device = attempts(40, 30);
    let ip = attempts(120, 10);
    let mut blacklist = Vec::new();
    for i in 0..100 {
        blacklist.push((
            i,
            Target::parse(BlacklistKind::Ip, &format!("103.{}.{}.0/24", i % 50, i)).unwrap(),
        ));
    }
    for i in 100..150 {
        blacklist.push((
            i,
            Target::parse(
                BlacklistKind::GeoArea,
                &format!("{}.5,{}.1,5km", 20 + i % 20, 100 + i % 20),
            )
            .unwrap(),
        ));
    }
    for i in 150..200 {
        blacklist.push((
            i,
            Target::parse(BlacklistKind::Device, &format!("dev-bl{i}")).unwrap(),
        ));
    }
    let place = Place {
        point: GeoPoint {
            lat: 39.9042,
            lon: 116.4074,
        },
        city: "北京".to_owned(),
    };
    let mut latency = Histogram::<u64>::new(3).unwrap();
    let mut hits = 0usize;
    let runs = 200_000;
    for i in 0..runs {
        let payment = Payment {
            amount: Money::from_fen(50_000 + (i % 1_000) * 913).unwrap(),
            merchant: "京东电器",
            category: if i % 3 == 0 {
                MerchantCategory::GiftCards
            } else {
                MerchantCategory::Electronics
            },
            device_id: "dev-1",
            ip: format!("103.7.{}.9", i % 256).parse().unwrap(),
            place: Some(&place),
            at: at + Duration::seconds(i % 600),
        };
        let ctx = Context {
            customer_id: 1_000_042,
            phone: "13812345678",
            national_id_hash: "ab12",
            home: &home,
            account: &account,
            device: &device,
            ip: &ip,
            typical: Some(Typical {
                median: Money::from_fen(30_000).unwrap(),
                purchases: 50,
            }),
            device_seen_before: i % 2 == 0,
            blacklist: &blacklist,
        };
        let started = Instant::now();
        let found = rules::evaluate(&rules, black_box(&payment), black_box(&ctx));
        let decision = rules::decide(&rules, &found);
        latency.record(started.elapsed().as_nanos() as u64).unwrap();
        hits += found.len();
        black_box(decision);
    }
    let us = |q: f64| latency.value_at_quantile(q) as f64 / 1000.0;
    println!(
        "rule evaluation, {runs} payments ({:.1} hits each): p50 {:.1} µs, p99 {:.1} µs, max {:.1} µs",
        hits as f64 / runs as f64,
        us(0.5),
        us(0.99),
        latency.max() as f64 / 1000.0
    );
}
