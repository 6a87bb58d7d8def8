//! Rings: groups of accounts spent together to cash out their lines (恶意
//! 骗取信用), for the investigation screens to find. A ring's members pay
//! the same small cash-out merchant from the same few phones; the older
//! half did so a week or two ago and the officers have since confirmed
//! those alerts as fraud, the newer half in the last day and a half, still
//! open. A device farm warms up many accounts with small purchases from
//! one phone: the thousand-account device the links must stay fast with.
//!
//! Which accounts are in a ring is a function of the parameters alone
//! (`plan`), so that the officers' past triage finds them again.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use riskdesk_domain::transaction::MerchantCategory;

use super::data::CITIES;
use super::{DAY, HOUR, MINUTE, Params, World, fraud};

/// The cash-out rings' sizes.
const RING_SIZES: [u32; 4] = [12, 9, 15, 7];
/// The cash-out merchants the rings use, one each.
const RING_MERCHANTS: [(&str, MerchantCategory); 4] = [
    ("鑫源数码回收", MerchantCategory::VirtualGoods),
    ("速兑礼品卡", MerchantCategory::GiftCards),
    ("金泰珠宝回收", MerchantCategory::Jewellery),
    ("易充游戏点卡", MerchantCategory::VirtualGoods),
];
/// The largest device farm: a thousand accounts on one phone.
const MAX_FARM: u32 = 1_000;

/// One planted group.
pub(super) struct Ring {
    /// Customer indexes, in the order they paid.
    pub members: Vec<u32>,
    /// The farm warms accounts up; the others cash out.
    pub farm: bool,
}

impl Ring {
    /// The account of the member at `slot`.
    pub fn account_id(&self, slot: usize) -> i64 {
        super::ACCOUNT_BASE + i64::from(self.members[slot])
    }

    /// Whether the member at `slot` paid long enough ago to be confirmed.
    pub fn confirmed(&self, slot: usize) -> bool {
        !self.farm && slot < self.members.len() / 2
    }
}

/// The rings of a portfolio: four cash-out rings and a farm of one
/// customer in twenty (at most a thousand), over distinct customers; none
/// in a portfolio of fewer than about 150 customers.
pub(super) fn plan(params: &Params) -> Vec<Ring> {
    let mut rng = ChaCha8Rng::seed_from_u64(params.seed ^ 0x0072_696e_6773);
    let farm = (params.customers / 20).min(MAX_FARM);
    let mut sizes: Vec<u32> = RING_SIZES.to_vec();
    sizes.push(farm);
    let total: u32 = sizes.iter().sum();
    // A portfolio too small to hide them in has none.
    if total > params.customers / 3 {
        return Vec::new();
    }
    let picked = rand::seq::index::sample(&mut rng, params.customers as usize, total as usize);
    let mut picked = picked.into_iter().map(|i| i as u32);
    let last = sizes.len() - 1;
    sizes
        .into_iter()
        .enumerate()
        .map(|(r, size)| Ring {
            members: picked.by_ref().take(size as usize).collect(),
            farm: r == last,
        })
        .collect()
}

impl World {
    /// The rings' orders, into the stream the engine replays.
    pub(super) fn plant_rings(&mut self) {
        let as_of = self.params.as_of_ms;
        for (r, ring) in plan(&self.params).iter().enumerate() {
            let city = CITIES[r % CITIES.len()];
            let devices = [format!("dev-ring{r:02}a"), format!("dev-ring{r:02}b")];
            for slot in 0..ring.members.len() {
                let Some(limit_fen) = self
                    .briefs
                    .get(ring.members[slot] as usize)
                    .map(|b| b.limit_fen)
                else {
                    continue;
                };
                let payer = fraud::Payer {
                    account_id: ring.account_id(slot),
                    home: city,
                    devices: &devices,
                    limit_fen,
                };
                let device = devices[slot % 2].clone();
                if ring.farm {
                    // Warming up: two small purchases, days apart.
                    for _ in 0..2 {
                        let at = as_of - self.rng.random_range(DAY..40 * DAY);
                        let amount = self.rng.random_range(1_000..8_000);
                        let merchant = ("美团外卖", MerchantCategory::Dining);
                        self.order(&payer, at, merchant, amount, &devices[0], city);
                    }
                    continue;
                }
                let at = if ring.confirmed(slot) {
                    as_of - self.rng.random_range(6 * DAY..12 * DAY)
                } else {
                    as_of - self.rng.random_range(HOUR..36 * HOUR)
                };
                // Two large cash-outs minutes apart, most of the line.
                let amount = (limit_fen * 4 / 10).max(100_000);
                let merchant = RING_MERCHANTS[r % RING_MERCHANTS.len()];
                for i in 0..2 {
                    self.order(&payer, at + i * 9 * MINUTE, merchant, amount, &device, city);
                }
            }
        }
    }
}
