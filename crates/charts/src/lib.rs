//! RiskDesk's charts, rendered in Rust with plotters. Each chart is one
//! function from domain data to an SVG string, in the app's light or dark
//! palette and in Chinese or English. Colours come from the Okabe–Ito set, so
//! that series stay apart for colour-blind readers.

// Chart coordinates are floats by nature; they become pixel and index
// positions on purpose.
#![allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use riskdesk_domain::history::MonthPoint;

pub mod network;
pub mod png;
pub mod portfolio;

pub use network::{GraphEdge, GraphNode, LinkGraph, network_svg};
pub use png::{cjk_family, svg_to_png};
pub use portfolio::{PortfolioChart, Tip};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "ipc",
    derive(serde::Serialize, serde::Deserialize, ts_rs::TS)
)]
#[cfg_attr(feature = "ipc", serde(rename_all = "snake_case"))]
pub enum Theme {
    #[default]
    Light,
    Dark,
}

pub use riskdesk_domain::words::Lang;

/// How a chart looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Style {
    pub theme: Theme,
    pub lang: Lang,
    pub width: u32,
    pub height: u32,
}

struct Palette {
    background: RGBColor,
    text: RGBColor,
    grid: RGBColor,
}

const BLUE: RGBColor = RGBColor(0, 114, 178);
const GREEN: RGBColor = RGBColor(0, 158, 115);
const VERMILLION: RGBColor = RGBColor(213, 94, 0);

/// Series colours in order: the Okabe–Ito set (its black left out, which
/// would vanish on the dark theme).
const SERIES: [RGBColor; 7] = [
    BLUE,
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    GREEN,
    VERMILLION,
    RGBColor(204, 121, 167),
    RGBColor(240, 228, 66),
];

/// The `i`th series' colour; past seven they repeat.
fn series_colour(i: usize) -> RGBColor {
    SERIES[i % SERIES.len()]
}

/// A dashboard chart as SVG; a failure to draw is shown as its message.
pub fn portfolio_svg(chart: &PortfolioChart<'_>, style: &Style) -> String {
    let mut svg = String::new();
    let drawn = {
        let root =
            SVGBackend::with_string(&mut svg, (style.width, style.height)).into_drawing_area();
        chart.draw(&root, style)
    };
    match drawn {
        Ok(tips) => with_tips(svg, &tips),
        Err(e) => failed_svg(&e.to_string()),
    }
}

/// The chart with its tips laid over it: a transparent rectangle per
/// region, its lines as a `<title>` (a tooltip wherever the SVG is opened)
/// and as `data-tip` (for the console's own, immediate one).
fn with_tips(mut svg: String, tips: &[Tip]) -> String {
    let Some(end) = svg.rfind("</svg>") else {
        return svg;
    };
    let mut layer = String::from("<g class=\"tips\">");
    for tip in tips {
        let text = escape_xml(&tip.text);
        let opens = tip
            .opens
            .map(|id| format!(" data-account=\"{id}\""))
            .unwrap_or_default();
        layer.push_str(&format!(
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#000\" \
             fill-opacity=\"0\"{opens} data-tip=\"{}\"><title>{text}</title></rect>",
            tip.left,
            tip.top,
            (tip.right - tip.left).max(0),
            (tip.bottom - tip.top).max(0),
            text.replace('\n', "&#10;"),
        ));
    }
    layer.push_str("</g>");
    svg.insert_str(end, &layer);
    svg
}

fn escape_xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// An SVG that says what went wrong, rather than a blank space.
fn failed_svg(message: &str) -> String {
    let message = escape_xml(message);
    format!("<svg xmlns=\"http://www.w3.org/2000/svg\"><text y=\"16\">{message}</text></svg>")
}

fn palette(theme: Theme) -> Palette {
    match theme {
        Theme::Light => Palette {
            background: RGBColor(255, 255, 255),
            text: RGBColor(40, 44, 52),
            grid: RGBColor(226, 228, 232),
        },
        Theme::Dark => Palette {
            background: RGBColor(30, 31, 36),
            text: RGBColor(230, 230, 230),
            grid: RGBColor(62, 64, 72),
        },
    }
}

/// The words of the account chart.
fn words(lang: Lang) -> [&'static str; 5] {
    match lang {
        Lang::Zh => ["消费", "还款", "额度使用率", "金额 (元)", "暂无交易"],
        Lang::En => [
            "Spending",
            "Repayments",
            "Utilisation",
            "Amount (¥)",
            "No activity",
        ],
    }
}

/// An account's last months: spending and repayments as bars (yuan, left
/// axis), the share of the line in use at each month's end as a line (%,
/// right axis).
pub fn account_history_svg(points: &[MonthPoint], style: &Style) -> String {
    let mut svg = String::new();
    if let Err(e) = draw_account_history(&mut svg, points, style) {
        // Drawing into a string cannot fail for I/O; anything else is a bug
        // worth seeing on screen rather than a blank space.
        return failed_svg(&e.to_string());
    }
    svg
}

fn draw_account_history(
    svg: &mut String,
    points: &[MonthPoint],
    style: &Style,
) -> Result<(), Box<dyn std::error::Error>> {
    let colours = palette(style.theme);
    let [spending, repayments, utilisation, amount, empty] = words(style.lang);
    let root = SVGBackend::with_string(svg, (style.width, style.height)).into_drawing_area();
    root.fill(&colours.background)?;
    let text = |size: u32| ("sans-serif", size).into_font().color(&colours.text);
    if points
        .iter()
        .all(|p| p.spending.fen() == 0 && p.repayments.fen() == 0 && p.balance.fen() == 0)
    {
        let centre = (
            i32::try_from(style.width / 2)?,
            i32::try_from(style.height / 2)?,
        );
        root.draw(&Text::new(
            empty,
            centre,
            text(14).pos(Pos::new(HPos::Center, VPos::Center)),
        ))?;
        root.present()?;
        return Ok(());
    }
    // A legend row above the plot, so that it never covers a bar.
    let (legend_row, plot) = root.split_vertically(24);
    draw_legend(
        &legend_row,
        &[
            (spending, BLUE, false),
            (repayments, GREEN, false),
            (utilisation, VERMILLION, true),
        ],
        text(11),
        style.width,
    )?;
    let top = points
        .iter()
        .map(|p| yuan(p.spending).max(yuan(p.repayments)))
        .fold(0.0, f64::max);
    let top = nice_ceiling(top);
    let months = points.len();
    let mut chart = ChartBuilder::on(&plot)
        .margin(10)
        .margin_top(4)
        .x_label_area_size(28)
        .y_label_area_size(56)
        .right_y_label_area_size(44)
        // Month i is centred on x = i, so that its label sits under its bars.
        .build_cartesian_2d(-0.5f64..months as f64 - 0.5, 0f64..top)?
        .set_secondary_coord(-0.5f64..months as f64 - 0.5, 0f64..100f64);
    let label = |x: &f64| {
        let i = x.round();
        points
            .get(i as usize)
            .filter(|_| i >= 0.0 && (x - i).abs() < 1e-9)
            .map_or(String::new(), |p| match style.lang {
                Lang::Zh => format!("{}月", p.month),
                Lang::En => format!("{:02}/{}", p.month, p.year % 100),
            })
    };
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(months)
        .x_label_formatter(&label)
        .y_desc(amount)
        .y_label_formatter(&|y| grouped(*y))
        .label_style(text(11))
        .axis_desc_style(text(11))
        .light_line_style(TRANSPARENT)
        .bold_line_style(colours.grid)
        .axis_style(colours.grid)
        .draw()?;
    chart
        .configure_secondary_axes()
        .y_desc(format!("{utilisation} (%)"))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .label_style(text(11))
        .axis_desc_style(text(11))
        .axis_style(colours.grid)
        .draw()?;
    let bar = |i: usize, offset: f64, value: f64, colour: RGBColor| {
        let x = i as f64;
        Rectangle::new(
            [(x + offset, 0.0), (x + offset + 0.35, value)],
            colour.filled(),
        )
    };
    chart.draw_series(
        points
            .iter()
            .enumerate()
            .map(|(i, p)| bar(i, -0.38, yuan(p.spending), BLUE)),
    )?;
    chart.draw_series(
        points
            .iter()
            .enumerate()
            .map(|(i, p)| bar(i, 0.03, yuan(p.repayments), GREEN)),
    )?;
    let line: Vec<(f64, f64)> = points
        .iter()
        .enumerate()
        .map(|(i, p)| (i as f64, p.utilisation_bp as f64 / 100.0))
        .collect();
    chart.draw_secondary_series(LineSeries::new(line.clone(), VERMILLION.stroke_width(2)))?;
    chart.draw_secondary_series(
        line.iter()
            .map(|&point| Circle::new(point, 3, VERMILLION.filled())),
    )?;
    root.present()?;
    Ok(())
}

/// Legend entries: a swatch (or a line, for a line series) and its name,
/// in rows of `width` pixels.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    entries: &[(&str, RGBColor, bool)],
    font: TextStyle<'_>,
    width: u32,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    for ((name, colour, is_line), (x, y)) in entries.iter().zip(legend_places(entries, width)) {
        if *is_line {
            area.draw(&PathElement::new(
                [(x, y), (x + 14, y)],
                colour.stroke_width(2),
            ))?;
        } else {
            area.draw(&Rectangle::new(
                [(x + 2, y - 5), (x + 12, y + 5)],
                colour.filled(),
            ))?;
        }
        let anchored = font.pos(Pos::new(HPos::Left, VPos::Center));
        area.draw(&Text::new(*name, (x + 20, y), anchored))?;
    }
    Ok(())
}

/// The legend's height: 24 pixels a row.
fn legend_height(entries: &[(&str, RGBColor, bool)], width: u32) -> u32 {
    let rows = legend_places(entries, width)
        .last()
        .map_or(1, |(_, y)| (y - 12) / 24 + 1);
    24 * u32::try_from(rows).unwrap_or(1)
}

/// Where each entry starts (left, centre line), wrapping at `width`.
fn legend_places(entries: &[(&str, RGBColor, bool)], width: u32) -> Vec<(i32, i32)> {
    let right = i32::try_from(width).unwrap_or(i32::MAX) - 10;
    let (mut x, mut y) = (66, 12);
    let mut places = Vec::with_capacity(entries.len());
    for (name, _, _) in entries {
        // Text width, roughly: CJK characters are square, others about half as wide.
        let text: i32 = name
            .chars()
            .map(|c| if c.is_ascii() { 6 } else { 11 })
            .sum();
        let size = 20 + text + 18;
        if x > 66 && x + size > right {
            (x, y) = (66, y + 24);
        }
        places.push((x, y));
        x += size;
    }
    places
}

/// A round axis top a little above `value`: 1, 2, 2.5, 4 or 5 times a power of ten.
fn nice_ceiling(value: f64) -> f64 {
    if value <= 0.0 {
        return 100.0;
    }
    let magnitude = 10f64.powf(value.log10().floor());
    [1.0, 2.0, 2.5, 4.0, 5.0, 10.0, 20.0]
        .into_iter()
        .map(|step| step * magnitude)
        .find(|top| *top >= value * 1.05)
        .unwrap_or(10.0 * magnitude)
}

fn yuan(money: riskdesk_domain::money::Money) -> f64 {
    money.fen() as f64 / 100.0
}

/// `1234567.0` → `1,234,567`.
fn grouped(value: f64) -> String {
    let whole = format!("{:.0}", value.abs());
    let mut out = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if value < 0.0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    #[test]
    fn axis_numbers_are_grouped_by_thousands() {
        assert_eq!(super::grouped(0.0), "0");
        assert_eq!(super::grouped(999.0), "999");
        assert_eq!(super::grouped(1_234_567.0), "1,234,567");
        assert_eq!(super::grouped(-45_000.0), "-45,000");
    }

    #[test]
    fn axis_tops_are_round() {
        for (value, top) in [
            (0.0, 100.0),
            (80.0, 100.0),
            (96.0, 200.0),
            (1_234.0, 2_000.0),
            (4_000.0, 5_000.0),
        ] {
            assert_eq!(super::nice_ceiling(value), top, "{value}");
        }
    }
}
