//! What a rule found, as values: the rule's numbers with their units, and
//! the things it names (a device, a merchant, a blacklist entry, cities).
//! The engine records them; each reader renders them in their own language
//! and formats. [`Finding::english`] is the sentence kept beside them in
//! `evidence`, for records written before findings were and for machines.

mod text;

pub use text::evidence_text;

use crate::blacklist::BlacklistKind;
use crate::money::Money;
use crate::rules::Subject;
use crate::transaction::MerchantCategory;

/// One thing a rule found; a rule's hit holds one or more.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Finding {
    /// More payments in a window than allowed, on the account, a device
    /// or an address (`value`: the device or the address).
    PaymentCount {
        count: u32,
        minutes: u32,
        on: Subject,
        value: Option<String>,
        max: u32,
    },
    /// More spent in a window than allowed.
    AmountInWindow {
        amount: Money,
        minutes: u32,
        on: Subject,
        value: Option<String>,
        max: Money,
    },
    /// An amount this many times the customer's median purchase.
    AmountSpike {
        amount: Money,
        /// To one decimal place.
        multiple: f64,
        median: Money,
        purchases: u32,
        max_multiple: f64,
    },
    /// A large amount from a device the account never paid from.
    NewDevice {
        device: String,
        amount: Money,
        max: Money,
    },
    /// Payments at night (China time) in a window.
    NightBurst {
        count: u32,
        from_hour: u32,
        to_hour: u32,
        minutes: u32,
        max: u32,
    },
    /// Two payments further apart than anyone could travel in between.
    Travel {
        from: String,
        to: String,
        km: u32,
        seconds: u32,
        /// Absent when the two were at the same moment.
        speed_kmh: Option<u32>,
        max_kmh: u32,
    },
    /// A payment far from the customer's home city.
    FarFromHome {
        km: u32,
        home: String,
        city: String,
        max_km: u32,
    },
    /// A blacklist entry names the payment's customer, device, phone,
    /// national ID (`value` empty: never shown), or merchant.
    Blacklisted {
        entry: i64,
        kind: BlacklistKind,
        /// A phone masked.
        value: String,
    },
    /// The payment's address is in a listed address or block.
    BlacklistedAddress { entry: i64, ip: String, net: String },
    /// The payment was made in a listed city.
    BlacklistedCity { entry: i64, city: String },
    /// The payment was made within a listed circle.
    BlacklistedArea {
        entry: i64,
        /// From the centre, to one decimal place.
        km: f64,
        radius_km: f64,
    },
    /// A large amount at a merchant where credit turns into cash.
    RiskyMerchant {
        category: MerchantCategory,
        merchant: String,
        amount: Money,
        max: Money,
    },
    /// Large payments one after another: part of the limit frozen.
    FrequentLarge {
        count: u32,
        over: Money,
        minutes: u32,
        max: u32,
        freeze_percent: u32,
        freeze_hours: u32,
    },
}

impl Finding {
    /// The finding as one English sentence, with its numbers: what
    /// `evidence` keeps beside the findings (see [`Finding::text`]).
    pub fn english(&self) -> String {
        self.text(crate::words::Lang::En)
    }
}

/// The findings of one hit as the sentence `evidence` keeps.
pub fn sentence(findings: &[Finding]) -> String {
    evidence_text(crate::words::Lang::En, "", findings)
}

/// A distance, speed or time as the whole number a finding keeps.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // Rounded and clamped.
pub fn whole(value: f64) -> u32 {
    value.round().clamp(0.0, f64::from(u32::MAX)) as u32
}
