//! RiskDesk's business logic for a consumer credit line spent through a
//! payment platform's checkout ("buy now, pay later").
//!
//! Everything here is pure: no I/O and no clock reads (time is passed in), so
//! the service, the console and the tests all decide the same way.
//!
//! ```
//! use riskdesk_domain::{money::Money, account::CreditLine};
//!
//! let line = CreditLine::new(Money::yuan(10_000)?, Money::yuan(2_500)?, Money::yuan(500)?)?;
//! assert_eq!(line.available().display_cny(), "¥7,000.00");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The small vocabulary enums (grades, roles, statuses …) are also the wire
//! vocabulary: they serialize as `snake_case` strings, the same strings the
//! store writes. With the `schema` feature they describe themselves to OpenAPI,
//! with `ts` to TypeScript.

/// Declares a vocabulary enum: a closed set of names that is the same in Rust,
/// on the wire (JSON strings) and in the store. Names are `snake_case` unless
/// the enum says `case = "..."` first (a serde and strum case name).
macro_rules! vocabulary {
    (case = $case:tt; $(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[derive(serde::Serialize, serde::Deserialize)]
        #[derive(strum::EnumString, strum::IntoStaticStr, strum::EnumIter)]
        #[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[serde(rename_all = $case)]
        #[strum(serialize_all = $case)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// The name used on the wire and in the store.
            pub fn as_str(self) -> &'static str {
                self.into()
            }
        }
    };
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident),+ $(,)? }) => {
        vocabulary! { case = "snake_case"; $(#[$meta])* pub enum $name { $($(#[$vmeta])* $variant),+ } }
    };
}

pub mod account;
pub mod alert;
pub mod audit;
pub mod backtest;
pub mod billing;
pub mod blacklist;
pub mod case;
pub mod customer;
pub mod dispute;
pub mod events;
pub mod evidence;
pub mod geo;
pub mod history;
pub mod ledger;
pub mod limit_change;
pub mod links;
pub mod metrics;
pub mod money;
pub mod operator;
pub mod pii;
pub mod refusal;
pub mod rule_sets;
pub mod rules;
pub mod scoring;
pub mod transaction;
pub mod triage;
pub mod words;
