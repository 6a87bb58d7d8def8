//! The demo-portfolio generator: customers, credit accounts, a year of
//! checkout payments and repayments, a blacklist, limit-change requests and
//! disputes — then a stream of fraud patterns replayed through the risk
//! engine, which raises the alerts — deterministic for a seed.
//!
//! Distributions follow what a consumer credit line inside a payment app looks
//! like: most customers aged 22–40, limits ¥500–¥50,000 by income, spending
//! peaks at 618, Double 11 and the Spring Festival, a quarter of large
//! purchases in installments, and delinquency near 3% M1, 1% M2, 0.5% M3.

// Sampling draws floats; they are rounded to whole fen or counts on purpose.
#![allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]

mod blacklist;
mod data;
mod decisions;
mod draws;
mod fraud;
mod rings;

use std::time::Instant;

use chrono::Datelike;
use rand::seq::IndexedRandom;
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, LogNormal, Poisson};
use riskdesk_api::payments::PaymentEvent;
use riskdesk_api::views::RuleHit;
use riskdesk_domain::account::Grade;
use riskdesk_domain::alert::Rule;
use riskdesk_domain::billing;
use riskdesk_domain::customer::{IncomeBand, KycLevel, Occupation};
use riskdesk_domain::evidence::{Finding, sentence, whole};
use riskdesk_domain::geo::GeoPoint;
use riskdesk_domain::metrics::Month;
use riskdesk_domain::money::Money;
use riskdesk_domain::operator::Role;
use riskdesk_domain::pii;
use riskdesk_domain::rules::Rules;
use riskdesk_domain::scoring::{self, ScoreInputs};

pub use data::{CITIES, City};
use draws::{
    amount_for, calendar_months, income_band, limit_for, occupation, seasonality, shopping_day,
};

use crate::clock::utc;
use crate::rules_in_force::RuleSet;
use crate::store::*;

const MINUTE: i64 = 60 * 1000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;
const MONTH: i64 = 30 * DAY;
/// Past payments this far from home carry a far-from-home hit (km).
const FAR_KM: u32 = 800;

/// What to generate.
#[derive(Clone, Copy, Debug)]
pub struct Params {
    pub customers: u32,
    pub months: u32,
    pub seed: u64,
    /// The portfolio's "now", UTC milliseconds: history ends here.
    pub as_of_ms: i64,
}

/// What was generated, and how fast it was written.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub customers: usize,
    pub transactions: usize,
    pub alerts: usize,
    pub seconds: f64,
}

/// A demo operator's sign-in details, derived from the seed so that the demo
/// can print them again without storing them.
#[derive(Clone)]
pub struct DemoOperator {
    pub id: &'static str,
    pub display_name: &'static str,
    pub role: Role,
    pub password: String,
    pub totp_secret: String,
}

impl std::fmt::Debug for DemoOperator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoOperator")
            .field("id", &self.id)
            .field("role", &self.role)
            .finish()
    }
}

pub fn demo_operators(seed: u64) -> Vec<DemoOperator> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6f70_6572_6174_6f72);
    let people = [
        ("officer.li", "李风控", Role::RiskOfficer),
        ("officer.wang", "王风控", Role::RiskOfficer),
        ("agent.zhao", "赵客服", Role::CsAgent),
        ("manager.chen", "陈主管", Role::Manager),
        ("admin.sun", "孙管理", Role::Admin),
    ];
    people
        .into_iter()
        .map(|(id, display_name, role)| {
            const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
            let password: String = (0..14)
                .map(|_| char::from(*ALPHABET.choose(&mut rng).unwrap_or(&b'x')))
                .collect();
            let mut secret = [0u8; 20];
            rng.fill_bytes(&mut secret);
            let totp_secret = totp_rs::Secret::Raw(secret.to_vec())
                .to_encoded()
                .to_string();
            DemoOperator {
                id,
                display_name,
                role,
                password,
                totp_secret,
            }
        })
        .collect()
}

/// Generates the portfolio into `store`, calling `progress` with the number of
/// customers done so far: the history, then the fraud patterns replayed
/// through the engine (with the shipped rules), then the officers' past triage.
pub async fn generate(
    store: &dyn Store,
    params: Params,
    progress: impl Fn(u64),
) -> anyhow::Result<Summary> {
    let started = Instant::now();
    let (mut summary, stream) = generate_history(store, params, progress).await?;
    let report =
        crate::replay::replay(store, &RuleSet::unversioned(Rules::builtin()), stream).await?;
    summary.alerts = usize::try_from(report.alerts.values().sum::<u64>()).unwrap_or(usize::MAX);
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        "fraud patterns replayed"
    );
    decisions::past_triage(store, params).await?;
    store.settle_after_load().await?;
    tracing::info!(seconds = started.elapsed().as_secs_f64(), "settled");
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// The history alone; the fraud patterns come back as a payment stream in
/// time order, for `riskdesk-server replay` (no alerts until it is replayed).
pub async fn generate_history(
    store: &dyn Store,
    params: Params,
    progress: impl Fn(u64),
) -> anyhow::Result<(Summary, Vec<PaymentEvent>)> {
    anyhow::ensure!(params.customers >= 1, "at least one customer");
    anyhow::ensure!((1..=120).contains(&params.months), "months must be 1–120");
    let started = Instant::now();
    let mut summary = Summary::default();
    let operators = demo_operators(params.seed);
    let mut first = Batch::default();
    for o in &operators {
        first.operators.push(OperatorRow {
            id: o.id.to_owned(),
            display_name: o.display_name.to_owned(),
            role: o.role.as_str().to_owned(),
            password_hash: crate::auth::hash_password(&o.password)?,
            totp_secret: o.totp_secret.clone(),
            totp_last_step: 0,
            failed_attempts: 0,
            locked_until: None,
            created_at: params.as_of_ms - 400 * DAY,
            disabled_at: None,
            must_change_password: 0,
        });
    }
    let mut world = World::new(params);
    first.blacklist = world.blacklist();
    for entry in &mut first.blacklist {
        if entry.kind == "national_id_hash" {
            entry.value = store.index_national_id(&entry.value);
        }
    }
    store.insert_batch(&first).await?;
    // The history's months get their partitions before it arrives.
    let history_start = world.calendar.first().map_or(params.as_of_ms, |m| m.0);
    store.cover_months(history_start, params.as_of_ms).await?;
    store.bulk_load_mode(true).await?;

    // Generation runs on its own thread while the store writes the previous
    // batch, so that both cores work.
    let (batches, mut ready) = tokio::sync::mpsc::channel::<Batch>(2);
    let producer = tokio::task::spawn_blocking(move || -> Vec<PaymentEvent> {
        const CHUNK: u32 = 500;
        let mut done = 0;
        while done < params.customers {
            let n = CHUNK.min(params.customers - done);
            let mut batch = Batch::default();
            for i in done..done + n {
                world.customer(i, &mut batch);
            }
            done += n;
            if batches.blocking_send(batch).is_err() {
                // The store failed; its error is reported below.
                return Vec::new();
            }
        }
        world.plant_rings();
        let mut last = Batch::default();
        world.decisions(&mut last);
        let _ = batches.blocking_send(last);
        world.stream
    });
    while let Some(batch) = ready.recv().await {
        summary.customers += batch.customers.len();
        summary.transactions += batch.transactions.len();
        store.insert_batch(&batch).await?;
        progress(summary.customers as u64);
    }
    let mut stream = producer.await?;
    tracing::info!(seconds = started.elapsed().as_secs_f64(), "history written");
    store.bulk_load_mode(false).await?;
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        "indexes and foreign keys built"
    );
    // What was loaded in bulk, counted at once; the engine counts the rest.
    store.rebuild_metrics().await?;
    store.set_meta(METRICS_BUILT, METRICS_VERSION).await?;
    store.rebuild_links().await?;
    store.set_meta(LINKS_BUILT, LINKS_VERSION).await?;
    stream.sort_by_key(PaymentEvent::occurred_at);
    store.set_meta("seed", &params.seed.to_string()).await?;
    store
        .set_meta("as_of_ms", &params.as_of_ms.to_string())
        .await?;
    store
        .set_meta("customers", &params.customers.to_string())
        .await?;
    store.set_meta("months", &params.months.to_string()).await?;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok((summary, stream))
}

/// Addresses of a city's mobile carrier exit (`a.b.250.1`…), shared by
/// every customer paying on mobile data there.
const CARRIER_EXITS: u8 = 32;

/// The first account's id; the customer at index `i` holds account
/// `ACCOUNT_BASE + i`.
const ACCOUNT_BASE: i64 = 80_000_000;

/// The demo's risk officers, who decided its past work.
const OFFICERS: [&str; 2] = ["officer.li", "officer.wang"];

/// An account as the later passes need it.
struct Brief {
    id: i64,
    limit_fen: i64,
    grade: Grade,
    dpd: i32,
    purchase_ids: Vec<i64>,
}

/// The generator's running state.
struct World {
    params: Params,
    rng: ChaCha8Rng,
    /// The calendar months of history, oldest first: (start, end, month 1–12).
    /// The last one is the current month, up to the portfolio's "now".
    calendar: Vec<(i64, i64, u32)>,
    next_tx: i64,
    briefs: Vec<Brief>,
    /// Checkout orders of the fraud patterns, replayed after the history.
    stream: Vec<PaymentEvent>,
    blacklisted_devices: Vec<String>,
}

impl World {
    fn new(params: Params) -> World {
        World {
            params,
            rng: ChaCha8Rng::seed_from_u64(params.seed),
            calendar: calendar_months(params.as_of_ms, params.months),
            next_tx: 1,
            briefs: Vec::new(),
            stream: Vec::new(),
            blacklisted_devices: (0..40).map(|i| format!("dev-bl{i:04}")).collect(),
        }
    }

    fn customer(&mut self, index: u32, batch: &mut Batch) {
        let rng = &mut self.rng;
        let as_of = self.params.as_of_ms;
        let id = 1_000_000 + i64::from(index);
        let account_id = ACCOUNT_BASE + i64::from(index);
        let city = *CITIES
            .choose_weighted(rng, |c| c.weight)
            .unwrap_or(&CITIES[0]);
        let surname = *data::SURNAMES.choose(rng).unwrap_or(&"王");
        let given: String = (0..rng.random_range(1..=2))
            .map(|_| *data::GIVEN.choose(rng).unwrap_or(&"明"))
            .collect();
        let name = format!("{surname}{given}");
        let age: i32 = (LogNormal::new(3.35, 0.25)
            .map(|d| d.sample(rng))
            .unwrap_or(30.0) as i32)
            .clamp(18, 70);
        let occupation = occupation(rng, age);
        let income = income_band(rng, occupation);
        let phone = format!(
            "1{}{:09}",
            rng.random_range(3..10),
            rng.random_range(0..1_000_000_000u32)
        );
        let birth_year = chrono::Datelike::year(&utc(as_of)) - age;
        let first17 = format!(
            "{:06}{birth_year:04}{:02}{:02}{:03}",
            110_101 + rng.random_range(0..600_000),
            rng.random_range(1..=12),
            rng.random_range(1..=28),
            rng.random_range(0..1000),
        );
        // The draw that once made the last digit keeps the stream as it was.
        let _ = rng.random_range(0..10);
        let check = riskdesk_domain::pii::national_id_check(&first17).unwrap_or('0');
        let national_id = format!("{first17}{check}");
        let night_login_bp = if rng.random_bool(0.08) {
            rng.random_range(3_000..7_000)
        } else {
            rng.random_range(0..2_500)
        };
        let opened_at =
            as_of - rng.random_range(15 * DAY..(i64::from(self.params.months) + 24) * MONTH);
        // Homes spread over the city (from a generator of their own, so that
        // the stream of every other draw stays as it was).
        let mut spread = ChaCha8Rng::seed_from_u64(self.params.seed ^ id.unsigned_abs());
        let home = GeoPoint {
            lat: city.lat + spread.random_range(-0.08..0.08),
            lon: city.lon + spread.random_range(-0.08..0.08),
        };
        // The addresses the customer pays from: home and office broadband of
        // their own, or the mobile carrier's shared exit (a small pool per
        // city, as carrier-grade NAT has it).
        let first_exit: u8 = spread.random_range(0..CARRIER_EXITS);
        let own_addresses: [(u8, u8); 2] = [
            (spread.random_range(0..250), spread.random_range(1..255)),
            (spread.random_range(0..250), spread.random_range(1..255)),
        ];
        batch.customers.push(CustomerRow {
            id,
            name_masked: pii::mask_name(&name),
            name,
            phone_tail: phone[phone.len() - 4..].to_owned(),
            phone,
            national_id,
            age,
            occupation: occupation.as_str().to_owned(),
            income_band: income.as_str().to_owned(),
            city: city.name.to_owned(),
            home_lat: home.lat,
            home_lon: home.lon,
            kyc_level: [KycLevel::Basic, KycLevel::Verified, KycLevel::Enhanced]
                [rng.random_range(0..10usize).min(8) / 4]
                .as_str()
                .to_owned(),
            night_login_bp,
            created_at: opened_at - rng.random_range(0..90 * DAY),
        });

        let limit_fen = limit_for(rng, income);
        // Where this account stands now: the delinquency targets of the portfolio.
        let roll: f64 = rng.random();
        let dpd: i32 = match roll {
            r if r < 0.030 => rng.random_range(1..=30),
            r if r < 0.040 => rng.random_range(31..=60),
            r if r < 0.045 => rng.random_range(61..=90),
            r if r < 0.049 => rng.random_range(91..=200),
            _ => 0,
        };
        let was_late = dpd == 0 && rng.random_bool(0.07);
        let activity: f64 = LogNormal::new(1.2f64, 0.7)
            .map(|d| d.sample(rng))
            .unwrap_or(3.0)
            .min(30.0);
        let devices = [format!("dev-{id:x}a"), format!("dev-{id:x}b")];
        let (ip_a, ip_b) = city.ip_prefix;
        let home = GeoPoint {
            lat: city.lat,
            lon: city.lon,
        };

        let mut used: i64 = 0;
        let mut plans: Vec<(i64, u32)> = Vec::new();
        let first_transaction = batch.transactions.len();
        let mut purchases = 0u32;
        let mut billed_total = 0i64;
        let mut bills = 0u32;
        let mut purchase_ids = Vec::new();
        let mut refunds = Vec::new();
        let unpaid_months = ((dpd + 29) / 30) as usize;
        let mut months_active = 0u32;
        // The day the unpaid statement of a delinquent account fell due (see below).
        let today = billing::day_number(billing::business_date(utc(as_of)));
        let due_day = today - 1 - dpd;
        // Each past month's end: (month, days past due, what was owed).
        let mut month_ends: Vec<(i32, i32, i64)> = Vec::new();
        // Days past due at the next month's end, of a bill repaid after it.
        let mut late_at_next_end = 0;
        for (m, &(month_start, month_end, month)) in self.calendar.iter().enumerate() {
            if month_end <= opened_at {
                continue;
            }
            months_active += 1;
            let season = seasonality(month);
            let days = (month_end - month_start) / DAY;
            let count = Poisson::new((activity * season).max(0.05))
                .map(|p| p.sample(rng))
                .unwrap_or(1.0) as u32;
            let mut this_bill = 0i64;
            for _ in 0..count {
                let (merchant, category) =
                    *data::MERCHANTS.choose(rng).unwrap_or(&data::MERCHANTS[0]);
                let amount = amount_for(rng, category);
                let hour =
                    [9, 10, 12, 13, 15, 18, 19, 20, 21, 22, 23, 7][rng.random_range(0..12usize)];
                let at = month_start
                    + shopping_day(rng, month, days) * DAY
                    + hour * HOUR
                    + rng.random_range(0..HOUR);
                if at >= as_of || at < opened_at {
                    continue;
                }
                let installments = if amount > 100_000 && rng.random_bool(0.25) {
                    [3, 6, 12, 24][rng.random_range(0..4usize)]
                } else {
                    1
                };
                let travelling = rng.random_bool(0.04);
                let place = if travelling {
                    *CITIES.choose(rng).unwrap_or(&city)
                } else {
                    city
                };
                let declined = used + amount > limit_fen;
                // Some single payments are returned: the merchant refunds within days.
                let refunded = !declined && installments == 1 && rng.random_bool(0.02);
                let tx_id = self.next_tx;
                self.next_tx += 1;
                let far = travelling
                    && home.distance_km(GeoPoint {
                        lat: place.lat,
                        lon: place.lon,
                    }) > f64::from(FAR_KM);
                let hits = if far && rng.random_bool(0.6) {
                    let km = home.distance_km(GeoPoint {
                        lat: place.lat,
                        lon: place.lon,
                    });
                    let findings = vec![Finding::FarFromHome {
                        km: whole(km),
                        home: city.name.to_owned(),
                        city: place.name.to_owned(),
                        max_km: FAR_KM,
                    }];
                    vec![RuleHit {
                        rule: Rule::FarFromHome,
                        evidence: sentence(&findings),
                        findings,
                    }]
                } else {
                    Vec::new()
                };
                batch.transactions.push(TransactionRow {
                    id: tx_id,
                    account_id,
                    kind: "purchase".to_owned(),
                    order_id: format!("WX{}{tx_id:010}", utc(at).format("%Y%m%d")),
                    merchant: merchant.to_owned(),
                    category: Some(category.to_owned()),
                    channel: Some(
                        ["in_app", "in_app", "mini_program", "qr"][rng.random_range(0..4usize)]
                            .to_owned(),
                    ),
                    amount_fen: amount,
                    installments,
                    device_id: Some(devices[usize::from(rng.random_bool(0.1))].clone()),
                    ip: Some({
                        // The two draws that once made a random address choose one.
                        let (pick, nat): (u32, u8) =
                            (rng.random_range(0..256), rng.random_range(1..255));
                        let (c, d) = match pick {
                            // Four exits of the pool, as the phone roams.
                            0..128 => (250, (first_exit + nat % 4) % CARRIER_EXITS + 1),
                            128..208 => own_addresses[0],
                            _ => own_addresses[1],
                        };
                        format!("{ip_a}.{ip_b}.{c}.{d}")
                    }),
                    lat: Some(place.lat + rng.random_range(-0.05..0.05)),
                    lon: Some(place.lon + rng.random_range(-0.05..0.05)),
                    city: Some(place.name.to_owned()),
                    status: if declined {
                        "declined"
                    } else if refunded {
                        "refunded"
                    } else {
                        "settled"
                    }
                    .to_owned(),
                    decision: Some(
                        if declined {
                            "decline"
                        } else if hits.is_empty() {
                            "approve"
                        } else {
                            "review"
                        }
                        .to_owned(),
                    ),
                    rule_hits: (!hits.is_empty())
                        .then(|| serde_json::to_string(&hits).unwrap_or_default()),
                    occurred_at: at,
                    decline_reason: declined.then(|| "insufficient_limit".to_owned()),
                    grade: None,
                    rules_version: None,
                    shadow_version: None,
                    shadow_decision: None,
                    shadow_hits: None,
                });
                if declined {
                    continue;
                }
                purchases += 1;
                purchase_ids.push(tx_id);
                if refunded {
                    let back = at + rng.random_range(2..10) * DAY;
                    if back < as_of {
                        refunds.push((amount, back));
                        continue;
                    }
                }
                used += amount;
                let per_month = amount / i64::from(installments);
                if installments == 1 {
                    this_bill += amount;
                } else {
                    this_bill += per_month;
                    plans.push((per_month, installments.unsigned_abs() - 1));
                }
            }
            // Earlier installment plans fall due this month too, each with its fee.
            let mut fees = 0;
            for plan in plans.iter_mut().filter(|p| p.1 > 0) {
                this_bill += plan.0;
                fees += plan.0 * i64::from(plan.1 + 1) * 6 / 1_000;
                plan.1 -= 1;
            }
            // A month in arrears costs late interest on what is owed.
            let in_arrears = self.calendar.len() - m <= unpaid_months;
            if in_arrears {
                fees += used * 15 / 1_000;
            }
            for (amount, at) in refunds.drain(..) {
                let tx_id = self.next_tx;
                self.next_tx += 1;
                batch
                    .transactions
                    .push(ledger(tx_id, account_id, "refund", amount, at));
            }
            // Fees never take the line past its limit.
            let fees = fees.min(limit_fen - used);
            if fees > 0 && month_end < as_of {
                let tx_id = self.next_tx;
                self.next_tx += 1;
                let kind = if in_arrears { "interest" } else { "fee" };
                batch
                    .transactions
                    .push(ledger(tx_id, account_id, kind, fees, month_end - HOUR));
                used += fees;
                this_bill += fees;
            }
            billed_total += this_bill;
            bills += 1;
            if month_end < as_of {
                let last_day = billing::day_number(utc(month_end).date_naive()) - 1;
                let mut late = std::mem::take(&mut late_at_next_end);
                if dpd > 0 && used > 0 {
                    late = late.max(last_day - due_day);
                }
                let month = Month::of(utc(month_start).date_naive()).index();
                month_ends.push((month, late.max(0), used));
            }
            // The bill is repaid on the due day unless the account is in arrears for it.
            if this_bill > 0 && !in_arrears {
                let late_days = if was_late && rng.random_bool(0.15) {
                    rng.random_range(3..25)
                } else {
                    0
                };
                let at =
                    month_end + 20 * DAY + late_days * DAY + rng.random_range(8 * HOUR..22 * HOUR);
                let due = month_end + 20 * DAY;
                if let Some(&(_, next_end, _)) = self.calendar.get(m + 1)
                    && at > next_end
                    && next_end < as_of
                {
                    late_at_next_end = i32::try_from((next_end - due) / DAY).unwrap_or(0);
                }
                if at < as_of {
                    let tx_id = self.next_tx;
                    self.next_tx += 1;
                    batch.transactions.push(ledger(
                        tx_id,
                        account_id,
                        "repayment",
                        this_bill.min(used),
                        at,
                    ));
                    used -= this_bill.min(used);
                }
            }
        }
        let months_active = months_active.max(1);
        let bill_to_limit_bp = if limit_fen == 0 {
            0
        } else {
            (billed_total / i64::from(bills.max(1)) * 10_000 / limit_fen) as u32
        };
        let on_time_bp = match (dpd, was_late) {
            (0, false) => 10_000,
            (0, true) => rng.random_range(8_500..9_700),
            _ => rng.random_range(5_000..9_000),
        };
        let max_dpd_12m = if was_late {
            rng.random_range(3..25)
        } else {
            dpd.max(0) as u32
        };
        let inputs = ScoreInputs {
            age: age as u8,
            occupation,
            income_band: income,
            purchases_per_month: purchases / months_active,
            bill_to_limit_bp: bill_to_limit_bp.min(20_000),
            on_time_bp,
            max_dpd_12m,
            night_login_bp: night_login_bp as u32,
            months_on_book: ((as_of - opened_at) / MONTH) as u32,
        };
        let assessment = scoring::assess(&inputs);
        let frozen_fen = if rng.random_bool(0.01) {
            (limit_fen - used).max(0) / 2 / 100 * 100
        } else {
            0
        };
        if dpd > 0 && used > 0 {
            // The unpaid statement behind the delinquency, due `dpd` days
            // before the end of yesterday, so that the next end of day
            // (yesterday's) finds the account exactly that late.
            batch.bills.push(BillRow {
                id: account_id,
                account_id,
                bill_date: due_day - 20,
                due_date: due_day,
                amount_fen: used,
                remaining_fen: used,
            });
        }
        if frozen_fen > 0 {
            // Every frozen fen has its freeze: here an officer's, until released.
            batch.freezes.push(FreezeRow {
                id: account_id,
                account_id,
                amount_fen: frozen_fen,
                reason: "疑似账户共用".to_owned(),
                source: "operator".to_owned(),
                created_by: "officer.li".to_owned(),
                transaction_id: None,
                created_at: as_of - rng.random_range(DAY..30 * DAY),
                lapses_at: None,
                released_at: None,
                released_by: None,
                release_reason: None,
                version: 1,
                findings: None,
            });
        }
        // The grade is known only now; the account's decided payments are
        // metrics' by it (see `TransactionRow::grade`).
        for decided in batch.transactions[first_transaction..]
            .iter_mut()
            .filter(|t| t.decision.is_some())
        {
            decided.grade = Some(assessment.grade.as_str().to_owned());
        }
        // The month ends the account has seen, then this month so far.
        let cohort = Month::of(billing::business_date(utc(opened_at))).index();
        let this_month = Month::of(billing::business_date(utc(as_of))).index();
        for (month, dpd, balance_fen) in month_ends
            .into_iter()
            .chain(std::iter::once((this_month, dpd, used)))
            .filter(|(month, ..)| *month >= cohort)
        {
            batch.account_months.push(AccountMonthRow {
                month,
                account_id,
                grade: assessment.grade.as_str().to_owned(),
                city: city.name.to_owned(),
                cohort,
                dpd,
                limit_fen,
                balance_fen,
            });
        }
        let status = match dpd {
            d if d > 180 => "written_off",
            d if d > 90 => "frozen",
            _ if rng.random_bool(0.004) => "closed",
            _ => "active",
        };
        batch.accounts.push(AccountRow {
            id: account_id,
            customer_id: id,
            limit_fen,
            used_fen: used,
            frozen_fen,
            outstanding_fen: used,
            utilisation_bp: Money::ratio_bp(
                Money::from_fen(used).unwrap_or_default(),
                Money::from_fen(limit_fen).unwrap_or_default(),
            ),
            dpd,
            max_dpd_12m: max_dpd_12m as i32,
            on_time_bp: on_time_bp as i32,
            purchases_per_month: inputs.purchases_per_month as i32,
            bill_to_limit_bp: inputs.bill_to_limit_bp as i32,
            score: assessment.score,
            scored_at: as_of,
            grade: assessment.grade.as_str().to_owned(),
            status: status.to_owned(),
            bill_day: rng.random_range(1..=28),
            due_day: rng.random_range(1..=28),
            opened_at,
            version: 1,
            name_masked: String::new(),
            phone: String::new(),
            city: String::new(),
        });
        // About 3% of customers, and always the first three, so that even a
        // tiny demo has a queue.
        if rng.random_bool(0.03) || index < 3 {
            self.plant_fraud(&fraud::Payer {
                account_id,
                home: city,
                devices: &devices,
                limit_fen,
            });
        }
        self.briefs.push(Brief {
            id: account_id,
            limit_fen,
            grade: assessment.grade,
            dpd,
            purchase_ids,
        });
    }
}

/// A repayment, refund, fee or interest entry: no checkout, no location.
fn ledger(id: i64, account_id: i64, kind: &str, amount_fen: i64, at: i64) -> TransactionRow {
    // What the platform's statement calls it; the kind says it to machines.
    let (prefix, merchant) = match kind {
        "repayment" => ("RP", "自动还款"),
        "refund" => ("RF", "商户退款"),
        "fee" => ("FE", "分期手续费"),
        _ => ("IN", "逾期罚息"),
    };
    let order_id = format!("{prefix}{}{id:010}", utc(at).format("%Y%m%d"));
    TransactionRow {
        id,
        channel: Some("in_app".to_owned()),
        ..TransactionRow::ledger(account_id, kind, order_id, merchant, amount_fen, at)
    }
}
