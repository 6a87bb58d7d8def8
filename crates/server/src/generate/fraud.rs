//! The fraud patterns of the demo portfolio, as a stream of checkout orders.
//! They are not written as history: the generator replays them through the
//! engine afterwards, so every alert in the demo queue was raised by the
//! rules from the payments themselves.

#![allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]

use rand::Rng;
use rand::seq::IndexedRandom;
use riskdesk_api::payments::{AuthorizeRequest, PaymentEvent};
use riskdesk_api::views::Location;
use riskdesk_domain::geo::GeoPoint;
use riskdesk_domain::money::Money;
use riskdesk_domain::transaction::{Channel, MerchantCategory};

use super::{CITIES, City, DAY, HOUR, MINUTE, World, data};
use crate::clock::utc;

/// Who is paying, as the patterns need it.
pub(super) struct Payer<'a> {
    pub account_id: i64,
    pub home: City,
    pub devices: &'a [String; 2],
    pub limit_fen: i64,
}

impl World {
    /// One of the fraud patterns the rules exist for, as orders for the stream.
    pub(super) fn plant_fraud(&mut self, payer: &Payer<'_>) {
        let as_of = self.params.as_of_ms;
        let at = as_of - self.rng.random_range(10 * MINUTE..25 * DAY);
        let limit = payer.limit_fen;
        let home_device = payer.devices[0].as_str();
        match self.rng.random_range(0..6u8) {
            0 => {
                // A stolen phone: a new device spends fast on electronics.
                let device = format!("dev-new{:x}", payer.account_id);
                let amount = (limit / 6).max(250_000);
                for i in 0..self.rng.random_range(4..8) {
                    self.order(
                        payer,
                        at + i * 3 * MINUTE,
                        ("京东电器", MerchantCategory::Electronics),
                        amount,
                        &device,
                        payer.home,
                    );
                }
            }
            1 => {
                // Impossible travel: dinner at home, jewellery a thousand kilometres away.
                let home = GeoPoint {
                    lat: payer.home.lat,
                    lon: payer.home.lon,
                };
                let far = *CITIES
                    .iter()
                    .filter(|c| {
                        home.distance_km(GeoPoint {
                            lat: c.lat,
                            lon: c.lon,
                        }) > 900.0
                    })
                    .collect::<Vec<_>>()
                    .choose(&mut self.rng)
                    .unwrap_or(&&CITIES[0]);
                let minutes = self.rng.random_range(8..40);
                self.order(
                    payer,
                    at,
                    ("美团外卖", MerchantCategory::Dining),
                    4_500,
                    home_device,
                    payer.home,
                );
                let amount = self.rng.random_range(200_000..800_000).min(limit.max(100));
                let device = payer.devices[1].as_str();
                self.order(
                    payer,
                    at + minutes * MINUTE,
                    ("周大福", MerchantCategory::Jewellery),
                    amount,
                    device,
                    *far,
                );
            }
            2 => {
                // A blacklisted cash-out merchant, from a blacklisted device.
                let device = self.blacklisted_devices
                    [self.rng.random_range(0..self.blacklisted_devices.len())]
                .clone();
                let merchant = data::BLACKLISTED_MERCHANTS
                    [self.rng.random_range(0..data::BLACKLISTED_MERCHANTS.len())];
                let amount = self.rng.random_range(100_000..500_000).min(limit.max(100));
                self.order(
                    payer,
                    at,
                    (merchant, MerchantCategory::VirtualGoods),
                    amount,
                    &device,
                    payer.home,
                );
            }
            3 => {
                // Account takeover at night: gift cards between 1 and 4 a.m. China time.
                let night =
                    at - at.rem_euclid(DAY) + 17 * HOUR + self.rng.random_range(0..3 * HOUR);
                let amount = self.rng.random_range(50_000..200_000);
                for i in 0..self.rng.random_range(3..7) {
                    self.order(
                        payer,
                        night + i * 7 * MINUTE,
                        ("礼品卡商城", MerchantCategory::GiftCards),
                        amount,
                        home_device,
                        payer.home,
                    );
                }
            }
            4 => {
                // One amount far above the customer's history.
                let amount = (limit * 8 / 10).max(100_000);
                self.order(
                    payer,
                    at,
                    ("华为商城", MerchantCategory::Electronics),
                    amount,
                    home_device,
                    payer.home,
                );
            }
            _ => {
                // Frequent large spending: the limit's dynamic freeze.
                let amount = self
                    .rng
                    .random_range(300_100..600_000)
                    .min((limit / 4).max(300_100));
                for i in 0..self.rng.random_range(3..5) {
                    let merchant = [
                        ("携程旅行", MerchantCategory::Travel),
                        ("苏宁易购", MerchantCategory::Electronics),
                    ][i as usize % 2];
                    self.order(
                        payer,
                        at + i * 3 * HOUR,
                        merchant,
                        amount,
                        home_device,
                        payer.home,
                    );
                }
            }
        }
    }

    /// A checkout order in the stream, near the city's centre, from a local address.
    pub(super) fn order(
        &mut self,
        payer: &Payer<'_>,
        at: i64,
        (merchant, category): (&str, MerchantCategory),
        amount_fen: i64,
        device: &str,
        place: City,
    ) {
        let at = at.min(self.params.as_of_ms - MINUTE);
        let n = self.stream.len();
        self.stream.push(PaymentEvent::Authorize(AuthorizeRequest {
            order_id: format!("ST{}{:08}", utc(at).format("%Y%m%d"), n),
            account_id: payer.account_id,
            merchant: merchant.to_owned(),
            category,
            amount: Money::from_fen(amount_fen).unwrap_or_default(),
            installments: 1,
            channel: Channel::Qr,
            device_id: device.to_owned(),
            ip: format!(
                "{}.{}.{}.{}",
                place.ip_prefix.0,
                place.ip_prefix.1,
                self.rng.random_range(0..256),
                self.rng.random_range(1..255)
            ),
            // Six decimals, as a phone reports them (about 0.1 m).
            location: Some(Location {
                lat: ((place.lat + self.rng.random_range(-0.02..0.02)) * 1e6).round() / 1e6,
                lon: ((place.lon + self.rng.random_range(-0.02..0.02)) * 1e6).round() / 1e6,
                city: place.name.to_owned(),
            }),
            occurred_at: utc(at),
        }));
    }
}
