//! Links between accounts (`Links`): one row per account and thing it used,
//! kept by the payment path and written with the customers, read hop by hop
//! by `crate::links`.

use riskdesk_domain::links::{Entity, LinkKind, Membership};

use super::StoreResult;

/// The `meta` key set once the links hold everything written: to
/// [`LINKS_VERSION`], the links this code keeps.
pub const LINKS_BUILT: &str = "links_built";
pub const LINKS_VERSION: &str = "1";

/// What the network shows of a member, and what its score needs.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct LinkedAccountRow {
    pub id: i64,
    pub name_masked: String,
    pub grade: String,
    pub status: String,
    pub limit_fen: i64,
    pub used_fen: i64,
    pub frozen_fen: i64,
    /// 1 when an alert on it was closed as confirmed fraud.
    pub confirmed_fraud: i64,
    pub open_alerts: i64,
}

#[async_trait::async_trait]
pub trait Links {
    /// Writes the links of everything held — the payments' from the
    /// transactions, the customers' by keyed hash and cell — in place of
    /// what was there; returns how many.
    async fn rebuild_links(&self) -> StoreResult<u64>;
    /// What `accounts` used, of `kinds`.
    async fn links_of(&self, accounts: &[i64], kinds: &[LinkKind]) -> StoreResult<Vec<Membership>>;
    /// Who used each of `entities`: at most one more than the kind's
    /// `common_above` each, which is enough to tell a common thing.
    async fn users_of(&self, entities: &[Entity]) -> StoreResult<Vec<Membership>>;
    /// The accounts as the network shows them.
    async fn linked_accounts(&self, accounts: &[i64]) -> StoreResult<Vec<LinkedAccountRow>>;
}
