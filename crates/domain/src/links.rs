//! Links between accounts: what they share (a device, an address, a phone,
//! an identity, a home, a cash-out merchant), and the group they form within
//! two hops of one account — the ring an alert may be the visible edge of.
//!
//! The store keeps one row per account and thing it used (`Membership`);
//! this module decides what is evidence and what is not, walks the hops
//! from what the store fetched, and scores the group. Pure: the service
//! fetches, the [`Network`] decides.

use std::collections::{BTreeMap, BTreeSet};

use crate::blacklist::BlacklistKind;
use crate::geo::GeoPoint;
use crate::money::{Money, MoneyError};

vocabulary! {
    /// What two accounts may share.
    pub enum LinkKind {
        Device,
        Ip,
        /// The IPv4 /24 block an address is in.
        IpBlock,
        /// The same phone number (matched by its keyed hash).
        Phone,
        /// The same national ID (matched by its keyed hash).
        NationalId,
        /// Homes in the same square of about 50 m.
        Home,
        /// A merchant of a category where credit turns into cash.
        Merchant,
    }
}

impl LinkKind {
    /// Above this many accounts, sharing it is no evidence (a carrier's
    /// address, a busy shop): the thing is listed with its count and not
    /// followed. A device is followed far: a thousand accounts on one
    /// phone is a device farm, the very ring to find.
    pub fn common_above(self) -> usize {
        match self {
            LinkKind::Device => 2_000,
            LinkKind::Ip => 50,
            LinkKind::IpBlock => 30,
            LinkKind::Phone | LinkKind::NationalId => 20,
            LinkKind::Home => 30,
            LinkKind::Merchant => 50,
        }
    }

    /// Whether the second hop follows it: an address changes hands within
    /// hours, so two steps through addresses join strangers.
    pub fn followed_at_second_hop(self) -> bool {
        !matches!(self, LinkKind::Ip | LinkKind::IpBlock)
    }

    /// How much sharing it says about two accounts, for ordering them.
    fn weight(self) -> u32 {
        match self {
            LinkKind::NationalId => 8,
            LinkKind::Device | LinkKind::Phone => 5,
            LinkKind::Merchant => 3,
            LinkKind::Home | LinkKind::Ip => 2,
            LinkKind::IpBlock => 1,
        }
    }

    /// Whether its value may be shown: phones, identities and homes are
    /// matched by keyed hashes and cells that say nothing to a reader.
    pub fn shows_value(self) -> bool {
        matches!(
            self,
            LinkKind::Device | LinkKind::Ip | LinkKind::IpBlock | LinkKind::Merchant
        )
    }

    /// The blacklist's kind for it, when a case may list it as shared: a
    /// device, an address or a block. A merchant is a business the platform
    /// deals with, and listing one is not an investigator's call; phones,
    /// identities and homes are not shown, so they are not picked.
    pub fn listed_as(self) -> Option<BlacklistKind> {
        match self {
            LinkKind::Device => Some(BlacklistKind::Device),
            LinkKind::Ip | LinkKind::IpBlock => Some(BlacklistKind::Ip),
            _ => None,
        }
    }
}

/// The /24 block of an IPv4 address, as `a.b.c.0/24` (the form the store
/// also computes in SQL); none for IPv6 or anything else.
pub fn ip_block(ip: &str) -> Option<String> {
    let address: std::net::Ipv4Addr = ip.parse().ok()?;
    let [a, b, c, _] = address.octets();
    Some(format!("{a}.{b}.{c}.0/24"))
}

/// The size of a home's square, in degrees of latitude (about 55 m) and
/// of longitude (about 45 m at Beijing's latitude).
const HOME_CELL_DEGREES: f64 = 0.0005;

/// The square a home is in, as a link's value.
#[allow(clippy::cast_possible_truncation)]
pub fn home_cell(home: GeoPoint) -> String {
    let cell = |degrees: f64| (degrees / HOME_CELL_DEGREES).floor() as i64;
    format!("{}:{}", cell(home.lat), cell(home.lon))
}

/// A thing of one kind.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Entity {
    pub kind: LinkKind,
    pub value: String,
}

/// That an account used a thing: how often, first and last.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Membership {
    pub entity: Entity,
    pub account_id: i64,
    pub payments: i64,
    pub first_at: i64,
    pub last_at: i64,
}

/// One thing two linked accounts share, with the far account's use of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Share {
    pub entity: Entity,
    pub payments: i64,
    pub last_at: i64,
}

/// A thing too many accounts share to be evidence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Common {
    pub entity: Entity,
    /// More than this many accounts share it.
    pub more_than: usize,
}

/// How many hops an account is from the one the network is about.
pub type Hop = u8;

/// The most accounts a network holds: past it, the group is "at least"
/// this large and the walk stops.
pub const MAX_MEMBERS: usize = 5_000;
/// The most first-hop accounts the second hop starts from (the most
/// strongly linked first).
pub const MAX_EXPANDED: usize = 100;

/// The accounts linked to one, found hop by hop from what the store fetched.
#[derive(Clone, Debug, Default)]
pub struct Network {
    centre: i64,
    hops: BTreeMap<i64, Hop>,
    /// (nearer, farther) → what they share.
    edges: BTreeMap<(i64, i64), Vec<Share>>,
    common: Vec<Common>,
    /// Things already walked through, not to be walked again.
    walked: BTreeSet<Entity>,
    truncated: bool,
}

impl Network {
    pub fn new(centre: i64) -> Network {
        Network {
            centre,
            hops: BTreeMap::from([(centre, 0)]),
            ..Network::default()
        }
    }

    pub fn centre(&self) -> i64 {
        self.centre
    }

    /// Of what `held` lists (the things the accounts of the last hop used),
    /// those the next hop walks through: not walked already, and followed at
    /// that hop.
    pub fn to_walk(&self, held: &[Membership], hop: Hop) -> Vec<Entity> {
        let followed = |e: &Entity| hop == 1 || e.kind.followed_at_second_hop();
        let set: BTreeSet<Entity> = held
            .iter()
            .map(|m| m.entity.clone())
            .filter(|e| followed(e) && !self.walked.contains(e))
            .collect();
        set.into_iter().collect()
    }

    /// Adds hop `hop`: `held` are the things the last hop's accounts used,
    /// `members` each walked thing's accounts, at most `common_above + 1`
    /// of each (more means common: listed, not followed).
    pub fn add_hop(&mut self, hop: Hop, held: &[Membership], members: &[Membership]) {
        let mut by_entity: BTreeMap<&Entity, Vec<&Membership>> = BTreeMap::new();
        for m in members {
            by_entity.entry(&m.entity).or_default().push(m);
        }
        // Who reached each thing: the strongest holder of the last hop.
        let mut holder: BTreeMap<&Entity, i64> = BTreeMap::new();
        for m in held {
            if self.hops.get(&m.account_id) == Some(&(hop - 1)) {
                holder.entry(&m.entity).or_insert(m.account_id);
            }
        }
        for (entity, found) in by_entity {
            if !self.walked.insert(entity.clone()) {
                continue;
            }
            if found.len() > entity.kind.common_above() {
                self.common.push(Common {
                    entity: entity.clone(),
                    more_than: entity.kind.common_above(),
                });
                continue;
            }
            let Some(&from) = holder.get(entity) else {
                continue;
            };
            for m in found {
                let known = self.hops.get(&m.account_id).copied();
                if known.is_none() && self.hops.len() >= MAX_MEMBERS {
                    self.truncated = true;
                    continue;
                }
                if m.account_id == from || known.is_some_and(|h| h < hop - 1) {
                    continue;
                }
                self.hops.entry(m.account_id).or_insert(hop);
                // Accounts of one hop that share a thing are linked too,
                // from the one nearer the centre.
                let pair = if known == Some(hop - 1) {
                    (from.min(m.account_id), from.max(m.account_id))
                } else {
                    (from, m.account_id)
                };
                self.edges.entry(pair).or_default().push(Share {
                    entity: entity.clone(),
                    payments: m.payments,
                    last_at: m.last_at,
                });
            }
        }
    }

    /// The accounts of `hop`, the most strongly linked first, at most `limit`
    /// (the rest mark the network truncated).
    pub fn frontier(&mut self, hop: Hop, limit: usize) -> Vec<i64> {
        let mut ids: Vec<i64> = self
            .hops
            .iter()
            .filter(|&(_, &h)| h == hop)
            .map(|(&id, _)| id)
            .collect();
        let weights = self.weights();
        let weight = |id: &i64| weights.get(id).copied().unwrap_or(0);
        ids.sort_by_key(|id| (std::cmp::Reverse(weight(id)), *id));
        if ids.len() > limit {
            self.truncated = true;
            ids.truncate(limit);
        }
        ids
    }

    /// How strongly each account is tied into the network: the weights of
    /// what it shares, over every link it has (one pass over the links).
    pub fn weights(&self) -> BTreeMap<i64, u32> {
        let mut weights = BTreeMap::new();
        for (&(a, b), shares) in &self.edges {
            let weight: u32 = shares.iter().map(|s| s.entity.kind.weight()).sum();
            *weights.entry(a).or_default() += weight;
            *weights.entry(b).or_default() += weight;
        }
        weights
    }

    /// Every account in the network with its hop, the centre included.
    pub fn members(&self) -> &BTreeMap<i64, Hop> {
        &self.hops
    }

    pub fn edges(&self) -> &BTreeMap<(i64, i64), Vec<Share>> {
        &self.edges
    }

    pub fn common(&self) -> &[Common] {
        &self.common
    }

    /// Whether a limit stopped the walk: the group is at least this large.
    pub fn truncated(&self) -> bool {
        self.truncated
    }
}

/// What the score needs of a member.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemberFacts {
    pub account_id: i64,
    /// An alert on it was closed as confirmed fraud.
    pub confirmed_fraud: bool,
    pub open_alerts: i64,
    /// What the line lends: used plus available (the limit less frozen).
    pub exposure: Money,
}

/// How dangerous a group looks, in its own numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RingScore {
    /// Accounts in the group, the centre included.
    pub members: usize,
    pub confirmed_fraud: usize,
    pub open_alerts: i64,
    pub exposure: Money,
    /// The group is larger than was walked.
    pub at_least: bool,
}

impl RingScore {
    /// The score of the members whose facts are given.
    pub fn of(facts: &[MemberFacts], at_least: bool) -> Result<RingScore, MoneyError> {
        let mut exposure = Money::ZERO;
        for f in facts {
            exposure = exposure.checked_add(f.exposure)?;
        }
        Ok(RingScore {
            members: facts.len(),
            confirmed_fraud: facts.iter().filter(|f| f.confirmed_fraud).count(),
            open_alerts: facts.iter().map(|f| f.open_alerts).sum(),
            exposure,
            at_least,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn used(kind: LinkKind, value: &str, account_id: i64) -> Membership {
        Membership {
            entity: Entity {
                kind,
                value: value.to_owned(),
            },
            account_id,
            payments: 3,
            first_at: 10,
            last_at: 20,
        }
    }

    #[test]
    fn blocks_are_ipv4_slash_24_and_cells_about_50_m() {
        assert_eq!(ip_block("10.20.30.40").as_deref(), Some("10.20.30.0/24"));
        assert_eq!(ip_block("2408:8000::1"), None);
        assert_eq!(ip_block("10.20.30"), None);
        let home = GeoPoint {
            lat: 39.904_2,
            lon: 116.407_4,
        };
        assert_eq!(home_cell(home), "79808:232814");
        // 30 m north is the same square; 100 m is the next.
        let north = |m: f64| GeoPoint {
            lat: home.lat + m / 111_000.0,
            ..home
        };
        assert_eq!(home_cell(north(30.0)), "79808:232814");
        assert_eq!(home_cell(north(100.0)), "79810:232814");
    }

    #[test]
    fn two_hops_follow_devices_but_not_addresses_and_list_the_common() {
        let mut net = Network::new(1);
        let held = vec![
            used(LinkKind::Device, "farm", 1),
            used(LinkKind::Ip, "1.2.3.4", 1),
            used(LinkKind::IpBlock, "1.2.3.0/24", 1),
        ];
        assert_eq!(net.to_walk(&held, 1).len(), 3);
        let mut members = vec![
            used(LinkKind::Device, "farm", 1),
            used(LinkKind::Device, "farm", 2),
            used(LinkKind::Device, "farm", 3),
            used(LinkKind::Ip, "1.2.3.4", 1),
            used(LinkKind::Ip, "1.2.3.4", 4),
        ];
        // 31 accounts in the block: more than 30, so common.
        members.extend((100..131).map(|id| used(LinkKind::IpBlock, "1.2.3.0/24", id)));
        net.add_hop(1, &held, &members);
        let hops: Vec<(i64, Hop)> = net.members().iter().map(|(&a, &h)| (a, h)).collect();
        assert_eq!(hops, [(1, 0), (2, 1), (3, 1), (4, 1)]);
        assert_eq!(net.common().len(), 1);
        assert_eq!(net.common()[0].more_than, 30);
        assert_eq!(net.edges().len(), 3);

        // The second hop: 2 has a phone in common with 5, 4 an address with 6.
        let frontier = net.frontier(1, MAX_EXPANDED);
        assert_eq!(
            frontier,
            [2, 3, 4],
            "device links weigh more than addresses"
        );
        let held = vec![
            used(LinkKind::Device, "farm", 2),
            used(LinkKind::Phone, "h1", 2),
            used(LinkKind::Ip, "9.9.9.9", 4),
        ];
        let walk = net.to_walk(&held, 2);
        assert_eq!(
            walk,
            [Entity {
                kind: LinkKind::Phone,
                value: "h1".to_owned()
            }]
        );
        net.add_hop(
            2,
            &held,
            &[
                used(LinkKind::Phone, "h1", 2),
                used(LinkKind::Phone, "h1", 5),
            ],
        );
        assert_eq!(net.members().get(&5), Some(&2));
        assert_eq!(net.members().get(&6), None);
        assert!(net.edges().contains_key(&(2, 5)));
        assert!(!net.truncated());
    }

    #[test]
    fn the_group_is_scored_from_its_members() {
        let fen = |f| Money::from_fen(f).unwrap();
        let facts = [
            MemberFacts {
                account_id: 1,
                confirmed_fraud: true,
                open_alerts: 2,
                exposure: fen(500_000),
            },
            MemberFacts {
                account_id: 2,
                confirmed_fraud: false,
                open_alerts: 1,
                exposure: fen(250_000),
            },
        ];
        let score = RingScore::of(&facts, false).unwrap();
        assert_eq!(score.members, 2);
        assert_eq!(score.confirmed_fraud, 1);
        assert_eq!(score.open_alerts, 3);
        assert_eq!(score.exposure, fen(750_000));
    }
}
