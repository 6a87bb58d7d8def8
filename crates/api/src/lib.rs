//! The wire contract of the RiskDesk risk service, shared by the service and
//! its clients. Only this crate (and the service's handlers that use it)
//! knows about JSON; the domain types stay free of wire concerns.
//!
//! Amounts are decimal strings (`"1234.50"`), times RFC 3339 in UTC, and
//! every error is an `application/problem+json` [`Problem`] with a stable
//! [`ProblemCode`].

pub mod admin;
pub mod audit;
pub mod auth;
pub mod csv;
pub mod decisions;
pub mod investigations;
pub mod lists;
pub mod live;
pub mod metrics;
pub mod payments;
pub mod problem;
pub mod rules;
pub mod views;

pub use problem::{Problem, ProblemCode};

/// The largest page any list endpoint returns.
pub const MAX_PAGE_SIZE: u32 = 200;
/// The page size when the request names none.
pub const DEFAULT_PAGE_SIZE: u32 = 50;

/// One page of a keyset-paginated list. `next_cursor` is opaque: pass it back
/// unchanged with the same filters to get the next page; it is absent on the
/// last page.
#[derive(
    Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}
