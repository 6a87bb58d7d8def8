//! Linked accounts drawn as a graph: the account asked about in the middle,
//! the first hop on a ring around it, the second round an outer ring in
//! the order of the accounts that reached it — a layout computed in one
//! pass, the same for the same network. Nodes are
//! coloured by grade, hollow when the line is frozen or closed, ringed in
//! red when confirmed as fraud; edges are coloured (and, when few, labelled)
//! by what the two accounts share. Each node is a region that names the
//! account and opens it.

use std::collections::BTreeMap;
use std::f64::consts::TAU;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use riskdesk_domain::account::{AccountStatus, Grade};
use riskdesk_domain::links::LinkKind;
use strum::IntoEnumIterator;

use crate::portfolio::Tip;
use crate::{Lang, Style, palette, with_tips};

/// An account of the graph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphNode {
    pub id: i64,
    /// 0 for the account asked about.
    pub hop: u8,
    pub name_masked: String,
    pub grade: Grade,
    pub status: AccountStatus,
    pub confirmed_fraud: bool,
    pub open_alerts: u32,
}

/// Two linked accounts, nearer first, and what they share.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphEdge {
    pub from: i64,
    pub to: i64,
    pub kinds: Vec<LinkKind>,
}

/// What the graph draws: the most strongly linked accounts, and how many
/// more there are (counted, not drawn).
#[derive(Clone, Copy, Debug)]
pub struct LinkGraph<'a> {
    pub nodes: &'a [GraphNode],
    pub edges: &'a [GraphEdge],
    pub hidden: u32,
}

/// The red of confirmed fraud, apart from every grade's colour.
const FRAUD: RGBColor = RGBColor(204, 32, 48);

fn grade_colour(grade: Grade) -> RGBColor {
    match grade {
        Grade::A => RGBColor(0, 158, 115),
        Grade::B => RGBColor(0, 114, 178),
        Grade::C => RGBColor(86, 180, 233),
        Grade::D => RGBColor(230, 159, 0),
        Grade::E => RGBColor(204, 121, 167),
    }
}

fn kind_colour(kind: LinkKind) -> RGBColor {
    match kind {
        LinkKind::Device => RGBColor(213, 94, 0),
        LinkKind::Ip => RGBColor(140, 140, 150),
        LinkKind::IpBlock => RGBColor(190, 190, 200),
        LinkKind::Phone | LinkKind::NationalId => RGBColor(0, 114, 178),
        LinkKind::Home => RGBColor(0, 158, 115),
        LinkKind::Merchant => RGBColor(204, 121, 167),
    }
}

/// What a link's kind is called.
pub fn kind_label(kind: LinkKind, lang: Lang) -> &'static str {
    let zh = lang == Lang::Zh;
    match kind {
        LinkKind::Device => {
            if zh {
                "设备"
            } else {
                "Device"
            }
        }
        LinkKind::Ip => "IP",
        LinkKind::IpBlock => {
            if zh {
                "IP 网段"
            } else {
                "IP /24"
            }
        }
        LinkKind::Phone => {
            if zh {
                "手机号"
            } else {
                "Phone"
            }
        }
        LinkKind::NationalId => {
            if zh {
                "身份证"
            } else {
                "National ID"
            }
        }
        LinkKind::Home => {
            if zh {
                "住址"
            } else {
                "Home"
            }
        }
        LinkKind::Merchant => {
            if zh {
                "套现商户"
            } else {
                "Cash-out merchant"
            }
        }
    }
}

fn status_label(status: AccountStatus, lang: Lang) -> &'static str {
    let zh = lang == Lang::Zh;
    match status {
        AccountStatus::Active => {
            if zh {
                "正常"
            } else {
                "Active"
            }
        }
        AccountStatus::Frozen => {
            if zh {
                "已冻结"
            } else {
                "Frozen"
            }
        }
        AccountStatus::Closed => {
            if zh {
                "已关闭"
            } else {
                "Closed"
            }
        }
        AccountStatus::WrittenOff => {
            if zh {
                "已核销"
            } else {
                "Written off"
            }
        }
    }
}

/// Where each node goes, in pixels.
fn layout(graph: &LinkGraph<'_>, width: f64, height: f64) -> BTreeMap<i64, (f64, f64)> {
    let (cx, cy) = (width / 2.0, (height - 30.0) / 2.0);
    let room = (width.min(height - 30.0) / 2.0 - 24.0).max(40.0);
    let first: Vec<&GraphNode> = graph.nodes.iter().filter(|n| n.hop == 1).collect();
    let has_second = graph.nodes.iter().any(|n| n.hop >= 2);
    let r1 = if has_second { room * 0.55 } else { room * 0.9 };
    let mut places = BTreeMap::new();
    let mut angles = BTreeMap::new();
    for node in graph.nodes.iter().filter(|n| n.hop == 0) {
        places.insert(node.id, (cx, cy));
    }
    let step = TAU / first.len().max(1) as f64;
    for (i, node) in first.iter().enumerate() {
        let angle = i as f64 * step - TAU / 4.0;
        angles.insert(node.id, angle);
        places.insert(node.id, (cx + r1 * angle.cos(), cy + r1 * angle.sin()));
    }
    // The second hop goes round the outer ring in the order of the
    // first-hop accounts that reached it, each group turned to face its
    // account: evenly spaced, never crowded into one account's wedge.
    let parent: BTreeMap<i64, i64> = graph
        .edges
        .iter()
        .filter(|e| angles.contains_key(&e.from))
        .map(|e| (e.to, e.from))
        .collect();
    let mut second: Vec<(f64, i64)> = graph
        .nodes
        .iter()
        .filter(|n| n.hop >= 2)
        .map(|n| {
            let angle = parent.get(&n.id).map_or(TAU, |p| angles[p]);
            (angle, n.id)
        })
        .collect();
    second.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let step = TAU / second.len().max(1) as f64;
    // Turned so that the first group's middle faces its account.
    let first_group = second
        .iter()
        .take_while(|(angle, _)| *angle == second[0].0)
        .count();
    let turn = second.first().map_or(0.0, |(angle, _)| {
        if *angle >= TAU {
            0.0
        } else {
            angle - step * (first_group as f64 - 1.0) / 2.0
        }
    });
    for (i, (_, id)) in second.iter().enumerate() {
        let angle = turn + i as f64 * step;
        places.insert(*id, (cx + room * angle.cos(), cy + room * angle.sin()));
    }
    places
}

/// The network as SVG, with a region over each node; a failure to draw is
/// shown as its message.
pub fn network_svg(graph: &LinkGraph<'_>, style: &Style) -> String {
    let mut svg = String::new();
    let drawn = {
        let root =
            SVGBackend::with_string(&mut svg, (style.width, style.height)).into_drawing_area();
        draw(&root, graph, style)
    };
    match drawn {
        Ok(tips) => with_tips(svg, &tips),
        Err(e) => crate::failed_svg(&e.to_string()),
    }
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    graph: &LinkGraph<'_>,
    style: &Style,
) -> Result<Vec<Tip>, Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    let colours = palette(style.theme);
    root.fill(&colours.background)?;
    let zh = style.lang == Lang::Zh;
    let text = |size: u32| ("sans-serif", size).into_font().color(&colours.text);
    let centred = Pos::new(HPos::Center, VPos::Center);
    if graph.nodes.len() <= 1 {
        let (w, h) = (style.width as i32, style.height as i32);
        root.draw(&Text::new(
            if zh {
                "没有关联账户"
            } else {
                "No linked accounts"
            },
            (w / 2, h / 2),
            text(14).pos(centred),
        ))?;
        return Ok(Vec::new());
    }
    let places = layout(graph, f64::from(style.width), f64::from(style.height));
    let at = |id: i64| {
        places
            .get(&id)
            .map(|&(x, y)| (x.round() as i32, y.round() as i32))
    };
    let few = graph.edges.len() <= 30;
    for edge in graph.edges {
        let (Some(a), Some(b)) = (at(edge.from), at(edge.to)) else {
            continue;
        };
        let colour = edge.kinds.first().map_or(colours.grid, |k| kind_colour(*k));
        root.draw(&PathElement::new([a, b], colour.mix(0.8).stroke_width(2)))?;
        if few {
            let label: Vec<&str> = edge
                .kinds
                .iter()
                .map(|k| kind_label(*k, style.lang))
                .collect();
            let middle = ((a.0 + b.0) / 2, (a.1 + b.1) / 2);
            root.draw(&Text::new(label.join("·"), middle, text(10).pos(centred)))?;
        }
    }
    let many = graph.nodes.len() > 40;
    let first_hop = graph.nodes.iter().filter(|n| n.hop == 1).count();
    let mut tips = Vec::with_capacity(graph.nodes.len());
    for node in graph.nodes {
        let Some((x, y)) = at(node.id) else { continue };
        let radius = match (node.hop, many) {
            (0, _) => 13,
            (_, false) => 9,
            (_, true) => 6,
        };
        let fill = grade_colour(node.grade);
        if node.confirmed_fraud {
            root.draw(&Circle::new((x, y), radius + 4, FRAUD.stroke_width(3)))?;
        }
        if node.status == AccountStatus::Active {
            root.draw(&Circle::new((x, y), radius, fill.filled()))?;
        } else {
            root.draw(&Circle::new((x, y), radius, colours.background.filled()))?;
            root.draw(&Circle::new((x, y), radius, fill.stroke_width(3)))?;
        }
        // Names where there is room: every node of a small graph, the
        // first hop of a larger one.
        if node.hop == 0 || !many || (node.hop == 1 && first_hop <= 40) {
            let tail = node.id.to_string();
            let label = if node.hop == 0 {
                tail.as_str()
            } else {
                &tail[tail.len().saturating_sub(4)..]
            };
            root.draw(&Text::new(
                label.to_owned(),
                (x, y + radius + 10),
                text(10).pos(centred),
            ))?;
        }
        let mut lines = vec![
            format!(
                "{} {} · {}",
                if zh { "账户" } else { "Account" },
                node.id,
                node.name_masked
            ),
            format!(
                "{} {} · {}",
                if zh { "等级" } else { "Grade" },
                node.grade.as_str(),
                status_label(node.status, style.lang)
            ),
        ];
        if node.confirmed_fraud {
            lines.push(
                if zh {
                    "已确认欺诈"
                } else {
                    "Confirmed fraud"
                }
                .to_owned(),
            );
        }
        if node.open_alerts > 0 {
            lines.push(if zh {
                format!("未结预警 {}", node.open_alerts)
            } else {
                format!("{} open alerts", node.open_alerts)
            });
        }
        let reach = radius + 5;
        tips.push(Tip {
            left: x - reach,
            top: y - reach,
            right: x + reach,
            bottom: y + reach,
            text: lines.join("\n"),
            opens: Some(node.id),
        });
    }
    // The legend: what the edges share, and the fraud mark.
    let bottom = style.height as i32 - 14;
    let mut x = 10;
    let shown: Vec<LinkKind> = LinkKind::iter()
        .filter(|k| graph.edges.iter().any(|e| e.kinds.first() == Some(k)))
        .collect();
    for kind in shown {
        let colour = kind_colour(kind);
        root.draw(&PathElement::new(
            [(x, bottom), (x + 16, bottom)],
            colour.stroke_width(3),
        ))?;
        let label = kind_label(kind, style.lang);
        root.draw(&Text::new(
            label,
            (x + 20, bottom),
            text(11).pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
        x += 30 + 12 * label.chars().count() as i32;
    }
    root.draw(&Circle::new((x + 6, bottom), 6, FRAUD.stroke_width(3)))?;
    let fraud = if zh {
        "已确认欺诈"
    } else {
        "Confirmed fraud"
    };
    root.draw(&Text::new(
        fraud,
        (x + 18, bottom),
        text(11).pos(Pos::new(HPos::Left, VPos::Center)),
    ))?;
    if graph.hidden > 0 {
        let more = if zh {
            format!("另有 {} 个关联账户未绘出，见下表", graph.hidden)
        } else {
            format!("{} more linked accounts in the table below", graph.hidden)
        };
        root.draw(&Text::new(
            more,
            (style.width as i32 - 10, bottom),
            text(11).pos(Pos::new(HPos::Right, VPos::Center)),
        ))?;
    }
    root.present()?;
    Ok(tips)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Theme;

    fn node(id: i64, hop: u8, confirmed_fraud: bool) -> GraphNode {
        GraphNode {
            id,
            hop,
            name_masked: "王*".to_owned(),
            grade: Grade::B,
            status: AccountStatus::Active,
            confirmed_fraud,
            open_alerts: 1,
        }
    }

    #[test]
    fn every_node_is_a_region_that_opens_it_and_fraud_is_marked() {
        let nodes = [node(1, 0, false), node(2, 1, true), node(3, 2, false)];
        let edges = [
            GraphEdge {
                from: 1,
                to: 2,
                kinds: vec![LinkKind::Device],
            },
            GraphEdge {
                from: 2,
                to: 3,
                kinds: vec![LinkKind::Merchant],
            },
        ];
        let graph = LinkGraph {
            nodes: &nodes,
            edges: &edges,
            hidden: 7,
        };
        let style = Style {
            theme: Theme::Light,
            lang: Lang::Zh,
            width: 600,
            height: 400,
        };
        let svg = network_svg(&graph, &style);
        for id in 1..=3 {
            assert!(svg.contains(&format!("data-account=\"{id}\"")), "{svg}");
        }
        assert!(
            svg.contains("账户 2 · 王*&#10;等级 B · 正常&#10;已确认欺诈&#10;未结预警 1"),
            "{svg}"
        );
        assert!(svg.contains("另有 7 个关联账户未绘出"), "{svg}");
        assert!(svg.contains("设备") && svg.contains("套现商户"), "{svg}");
        // The fraud ring: one circle in its red for the member, one in the legend.
        assert_eq!(svg.matches("#CC2030").count(), 2, "{svg}");
    }

    #[test]
    fn the_second_hop_sits_outside_the_first_beside_its_parent() {
        let nodes = [
            node(1, 0, false),
            node(2, 1, false),
            node(3, 1, false),
            node(4, 2, false),
        ];
        let edges = [
            GraphEdge {
                from: 1,
                to: 2,
                kinds: vec![LinkKind::Device],
            },
            GraphEdge {
                from: 1,
                to: 3,
                kinds: vec![LinkKind::Device],
            },
            GraphEdge {
                from: 3,
                to: 4,
                kinds: vec![LinkKind::Phone],
            },
        ];
        let graph = LinkGraph {
            nodes: &nodes,
            edges: &edges,
            hidden: 0,
        };
        let places = layout(&graph, 600.0, 430.0);
        let (cx, cy) = places[&1];
        let distance = |id: i64| {
            let (x, y) = places[&id];
            ((x - cx).powi(2) + (y - cy).powi(2)).sqrt()
        };
        assert!(distance(4) > distance(3) + 50.0);
        let between = |a: i64, b: i64| {
            let ((ax, ay), (bx, by)) = (places[&a], places[&b]);
            ((ax - bx).powi(2) + (ay - by).powi(2)).sqrt()
        };
        assert!(between(4, 3) < between(4, 2), "{places:?}");
    }
}
