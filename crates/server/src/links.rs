//! The accounts linked to one: the network walked two hops through the
//! store's links (the domain decides what each hop follows), and the facts
//! its members are scored by.

use riskdesk_domain::links::{LinkKind, MAX_EXPANDED, Network};
use strum::IntoEnumIterator;

use crate::store::{LinkedAccountRow, Store, StoreResult};

/// A network and its members as stored.
#[derive(Debug)]
pub struct Walked {
    pub network: Network,
    pub accounts: Vec<LinkedAccountRow>,
}

/// Walks two hops from `account_id`; `None` when there is no such account.
/// Four reads of links, then one of the members, whatever the group's size.
pub async fn walk(store: &dyn Store, account_id: i64) -> StoreResult<Option<Walked>> {
    let mut network = Network::new(account_id);
    let every: Vec<LinkKind> = LinkKind::iter().collect();
    let held = store.links_of(&[account_id], &every).await?;
    let members = store.users_of(&network.to_walk(&held, 1)).await?;
    network.add_hop(1, &held, &members);

    let frontier = network.frontier(1, MAX_EXPANDED);
    if !frontier.is_empty() {
        let followed: Vec<LinkKind> = LinkKind::iter()
            .filter(|k| k.followed_at_second_hop())
            .collect();
        let held = store.links_of(&frontier, &followed).await?;
        let members = store.users_of(&network.to_walk(&held, 2)).await?;
        network.add_hop(2, &held, &members);
    }

    let ids: Vec<i64> = network.members().keys().copied().collect();
    let accounts = store.linked_accounts(&ids).await?;
    if !accounts.iter().any(|a| a.id == account_id) {
        return Ok(None);
    }
    Ok(Some(Walked { network, accounts }))
}
