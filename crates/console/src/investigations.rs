//! The links graph: the most strongly linked accounts of an answer drawn,
//! the rest counted — a group of a thousand is summarised, not drawn as a
//! hairball.

use riskdesk_api::investigations::AccountLinks;
use riskdesk_charts::{GraphEdge, GraphNode, LinkGraph, Style, network_svg};

/// The most accounts a graph draws; the table lists them all.
pub const GRAPH_NODES: usize = 60;

/// The graph of `links` (whose accounts come most strongly linked first).
pub fn graph_svg(links: &AccountLinks, style: &Style) -> String {
    let nodes: Vec<GraphNode> = links
        .accounts
        .iter()
        .take(GRAPH_NODES)
        .map(|a| GraphNode {
            id: a.id,
            hop: a.hop,
            name_masked: a.name_masked.clone(),
            grade: a.grade,
            status: a.status,
            confirmed_fraud: a.confirmed_fraud,
            open_alerts: a.open_alerts,
        })
        .collect();
    let drawn = |id: i64| nodes.iter().any(|n| n.id == id);
    let edges: Vec<GraphEdge> = links
        .links
        .iter()
        .filter(|l| drawn(l.from) && drawn(l.to))
        .map(|l| GraphEdge {
            from: l.from,
            to: l.to,
            kinds: l.shared.iter().map(|s| s.kind).collect(),
        })
        .collect();
    let hidden = (links.score.members as usize).saturating_sub(nodes.len());
    network_svg(
        &LinkGraph {
            nodes: &nodes,
            edges: &edges,
            hidden: u32::try_from(hidden).unwrap_or(u32::MAX),
        },
        style,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use riskdesk_api::investigations::{AccountLink, LinkedAccount, RingScoreView, SharedThing};
    use riskdesk_charts::{Lang, Theme};
    use riskdesk_domain::account::{AccountStatus, Grade};
    use riskdesk_domain::links::LinkKind;
    use riskdesk_domain::money::Money;

    fn member(id: i64, hop: u8) -> LinkedAccount {
        LinkedAccount {
            id,
            hop,
            name_masked: "李*".to_owned(),
            grade: Grade::C,
            status: AccountStatus::Active,
            confirmed_fraud: false,
            open_alerts: 0,
            limit: Money::ZERO,
            used: Money::ZERO,
            available: Money::ZERO,
        }
    }

    #[test]
    fn a_farm_of_a_thousand_draws_sixty_and_counts_the_rest() {
        let accounts: Vec<LinkedAccount> = std::iter::once(member(1, 0))
            .chain((2..=500).map(|id| member(id, 1)))
            .collect();
        let links = AccountLinks {
            account_id: 1,
            score: RingScoreView {
                members: 1_001,
                at_least: false,
                confirmed_fraud: 0,
                open_alerts: 0,
                exposure: Money::ZERO,
            },
            links: (2..=500)
                .map(|to| AccountLink {
                    from: 1,
                    to,
                    shared: vec![SharedThing {
                        kind: LinkKind::Device,
                        value: Some("dev-farm".to_owned()),
                        payments: 2,
                        last_at: chrono::DateTime::UNIX_EPOCH,
                    }],
                })
                .collect(),
            accounts,
            common: Vec::new(),
        };
        let style = Style {
            theme: Theme::Light,
            lang: Lang::En,
            width: 800,
            height: 500,
        };
        let svg = graph_svg(&links, &style);
        assert_eq!(svg.matches("data-account=").count(), 60);
        assert!(svg.contains("941 more linked accounts"), "{svg}");
    }
}
