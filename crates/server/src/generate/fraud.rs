//! The fraud patterns planted in the demo portfolio, and the alerts they raise.

#![allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]

use rand::Rng;
use rand::seq::IndexedRandom;
use riskdesk_domain::alert::{Rule, RuleHit, Severity};
use riskdesk_domain::geo::GeoPoint;
use riskdesk_domain::money::Money;
use riskdesk_domain::rules::grouped;

use super::{CITIES, City, DAY, HOUR, MINUTE, World, data};
use crate::clock::utc;
use crate::store::{AlertRow, Batch, TransactionRow};

impl World {
    /// One of the fraud patterns the rules exist for, with its alerts.
    pub(super) fn plant_fraud(
        &mut self,
        batch: &mut Batch,
        account_id: i64,
        home: City,
        devices: &[String; 2],
        limit_fen: i64,
    ) {
        let as_of = self.params.as_of_ms;
        let at = as_of - self.rng.random_range(10 * MINUTE..25 * DAY);
        let pattern = self.rng.random_range(0..5u8);
        let mut tx = |world: &mut World,
                      at: i64,
                      merchant: &str,
                      category: &str,
                      amount: i64,
                      device: &str,
                      place: City,
                      hits: &[RuleHit]| {
            let id = world.next_tx;
            world.next_tx += 1;
            let declined = hits
                .iter()
                .any(|h| matches!(h.rule, Rule::BlacklistHit | Rule::ImpossibleTravel));
            batch.transactions.push(TransactionRow {
                id,
                account_id,
                kind: "purchase".to_owned(),
                order_id: format!("WX{}{id:010}", utc(at).format("%Y%m%d")),
                merchant: merchant.to_owned(),
                category: Some(category.to_owned()),
                channel: Some("qr".to_owned()),
                amount_fen: amount,
                installments: 1,
                device_id: Some(device.to_owned()),
                ip: Some(format!(
                    "{}.{}.{}.{}",
                    place.ip_prefix.0,
                    place.ip_prefix.1,
                    world.rng.random_range(0..256),
                    world.rng.random_range(1..255)
                )),
                lat: Some(place.lat),
                lon: Some(place.lon),
                city: Some(place.name.to_owned()),
                status: if declined { "declined" } else { "authorized" }.to_owned(),
                decision: Some(if declined { "decline" } else { "review" }.to_owned()),
                rule_hits: Some(serde_json::to_string(hits).unwrap_or_default()),
                occurred_at: at,
            });
            id
        };
        let y = |fen: i64| {
            Money::from_fen(fen)
                .map(Money::display_cny)
                .unwrap_or_default()
        };
        match pattern {
            0 => {
                // A stolen phone: a new device spends fast on electronics.
                let device = format!("dev-new{account_id:x}");
                let n = self.rng.random_range(4..8);
                let amount = (limit_fen / 6).max(50_000);
                let mut first = None;
                for i in 0..n {
                    let hits = [
                        RuleHit {
                            rule: Rule::NewDeviceLargeAmount,
                            evidence: format!("device first seen {} min ago, {}", i * 3, y(amount)),
                        },
                        RuleHit {
                            rule: Rule::Velocity,
                            evidence: format!(
                                "{} payments in {} min (limit 3 in 10 min)",
                                i + 1,
                                i * 3
                            ),
                        },
                    ];
                    let id = tx(
                        self,
                        at + i * 3 * MINUTE,
                        "京东电器",
                        "electronics",
                        amount,
                        &device,
                        home,
                        &hits,
                    );
                    first.get_or_insert((id, hits));
                }
                if let Some((id, hits)) = first {
                    self.alert(
                        batch,
                        account_id,
                        Some(id),
                        Rule::NewDeviceLargeAmount,
                        Severity::High,
                        Some(amount),
                        hits[0].evidence.clone(),
                        at,
                    );
                    self.alert(
                        batch,
                        account_id,
                        Some(id),
                        Rule::Velocity,
                        Severity::High,
                        Some(amount * n),
                        format!(
                            "{n} payments totalling {} in {} min",
                            y(amount * n),
                            (n - 1) * 3
                        ),
                        at + (n - 1) * 3 * MINUTE,
                    );
                }
            }
            1 => {
                // Impossible travel: two payments a thousand kilometres apart, minutes apart.
                let far = *CITIES
                    .iter()
                    .filter(|c| {
                        GeoPoint {
                            lat: c.lat,
                            lon: c.lon,
                        }
                        .distance_km(GeoPoint {
                            lat: home.lat,
                            lon: home.lon,
                        }) > 900.0
                    })
                    .collect::<Vec<_>>()
                    .choose(&mut self.rng)
                    .unwrap_or(&&CITIES[0]);
                let minutes = self.rng.random_range(8..40);
                let km = GeoPoint {
                    lat: home.lat,
                    lon: home.lon,
                }
                .distance_km(GeoPoint {
                    lat: far.lat,
                    lon: far.lon,
                });
                let evidence = format!(
                    "{} → {}: {} km in {minutes} min = {} km/h",
                    home.name,
                    far.name,
                    grouped(km),
                    grouped(km / (minutes as f64 / 60.0))
                );
                tx(
                    self,
                    at,
                    "美团外卖",
                    "dining",
                    4_500,
                    &devices[0],
                    home,
                    &[],
                );
                let amount = self.rng.random_range(200_000..800_000).min(limit_fen);
                let hits = [RuleHit {
                    rule: Rule::ImpossibleTravel,
                    evidence: evidence.clone(),
                }];
                let id = tx(
                    self,
                    at + minutes * MINUTE,
                    "周大福",
                    "jewellery",
                    amount,
                    &devices[1],
                    *far,
                    &hits,
                );
                self.alert(
                    batch,
                    account_id,
                    Some(id),
                    Rule::ImpossibleTravel,
                    Severity::Critical,
                    Some(amount),
                    evidence,
                    at + minutes * MINUTE,
                );
            }
            2 => {
                // A blacklisted cash-out merchant and device.
                let device = self.blacklisted_devices
                    [self.rng.random_range(0..self.blacklisted_devices.len())]
                .clone();
                let amount = self.rng.random_range(100_000..500_000).min(limit_fen);
                let merchant = data::BLACKLISTED_MERCHANTS
                    [self.rng.random_range(0..data::BLACKLISTED_MERCHANTS.len())];
                let evidence = format!("merchant {merchant} and device {device} are blacklisted");
                let hits = [
                    RuleHit {
                        rule: Rule::BlacklistHit,
                        evidence: evidence.clone(),
                    },
                    RuleHit {
                        rule: Rule::RiskyMerchant,
                        evidence: "category virtual_goods".to_owned(),
                    },
                ];
                let id = tx(
                    self,
                    at,
                    merchant,
                    "virtual_goods",
                    amount,
                    &device,
                    home,
                    &hits,
                );
                self.alert(
                    batch,
                    account_id,
                    Some(id),
                    Rule::BlacklistHit,
                    Severity::Critical,
                    Some(amount),
                    evidence,
                    at,
                );
            }
            3 => {
                // Account takeover at night: gift cards between 1 and 4 a.m. (Beijing time).
                let night =
                    at - at.rem_euclid(DAY) + 17 * HOUR + self.rng.random_range(0..3 * HOUR);
                let n = self.rng.random_range(3..7);
                let amount = self.rng.random_range(50_000..200_000);
                let mut first = None;
                for i in 0..n {
                    let hits = [
                        RuleHit {
                            rule: Rule::NightBurst,
                            evidence: format!("{} payments between 01:00 and 04:00", i + 1),
                        },
                        RuleHit {
                            rule: Rule::RiskyMerchant,
                            evidence: "category gift_cards".to_owned(),
                        },
                    ];
                    let id = tx(
                        self,
                        night + i * 7 * MINUTE,
                        "礼品卡商城",
                        "gift_cards",
                        amount,
                        &devices[0],
                        home,
                        &hits,
                    );
                    first.get_or_insert(id);
                }
                self.alert(
                    batch,
                    account_id,
                    first,
                    Rule::NightBurst,
                    Severity::High,
                    Some(amount * n),
                    format!(
                        "{n} gift-card payments totalling {} at night",
                        y(amount * n)
                    ),
                    night,
                );
            }
            _ => {
                // One amount far above the customer's history.
                let amount = (limit_fen * 8 / 10).max(100_000);
                let evidence = format!(
                    "{} is 14.2× the customer's median of {}",
                    y(amount),
                    y(amount / 14)
                );
                let hits = [RuleHit {
                    rule: Rule::AmountSpike,
                    evidence: evidence.clone(),
                }];
                let id = tx(
                    self,
                    at,
                    "华为商城",
                    "electronics",
                    amount,
                    &devices[0],
                    home,
                    &hits,
                );
                self.alert(
                    batch,
                    account_id,
                    Some(id),
                    Rule::AmountSpike,
                    Severity::Medium,
                    Some(amount),
                    evidence,
                    at,
                );
            }
        }
    }

    #[allow(clippy::too_many_arguments)] // An alert has this many facts.
    pub(super) fn alert(
        &mut self,
        batch: &mut Batch,
        account_id: i64,
        transaction_id: Option<i64>,
        rule: Rule,
        severity: Severity,
        amount_fen: Option<i64>,
        evidence: String,
        at: i64,
    ) {
        let as_of = self.params.as_of_ms;
        let age = as_of - at;
        let sla = match severity {
            Severity::Critical => 2 * HOUR,
            Severity::High => 8 * HOUR,
            Severity::Medium => DAY,
            Severity::Low => 3 * DAY,
        };
        let (status, disposition) = if age > 3 * DAY && self.rng.random_bool(0.7) {
            let d = match self.rng.random_range(0..20) {
                0..=6 => "confirmed_fraud",
                7..=15 => "false_positive",
                _ => "benign",
            };
            ("closed", Some(d.to_owned()))
        } else {
            (
                ["open", "open", "open", "in_review", "escalated"]
                    [self.rng.random_range(0..5usize)],
                None,
            )
        };
        let assignee = (status != "open")
            .then(|| self.officers[self.rng.random_range(0..self.officers.len())].to_owned());
        batch.alerts.push(AlertRow {
            id: self.next_alert,
            account_id,
            transaction_id,
            rule: rule.as_str().to_owned(),
            severity_rank: severity.rank(),
            status: status.to_owned(),
            assignee,
            amount_fen,
            evidence,
            disposition,
            created_at: at + MINUTE,
            sla_due_at: at + MINUTE + sla,
            version: 1,
        });
        self.next_alert += 1;
    }
}
