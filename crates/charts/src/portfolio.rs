//! The managers' dashboard charts: one [`PortfolioChart`] per metric, drawn
//! on any plotters backend — SVG for the screen and for files, PNG for files.
//! Three shapes serve them all: bars (grouped or stacked, with an optional
//! percentage line on a right axis), lines over months on book, and a
//! matrix of shares. Every chart says so when it has nothing to draw.

mod cohorts;
mod rule_trend;

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use riskdesk_domain::account::DpdBucket;
use riskdesk_domain::alert::Rule;
use riskdesk_domain::metrics::{
    ApprovalDay, BucketMonth, GradeExposure, LimitChangeMonth, LossMonth, Month, RollMatrix,
    RuleDay, RuleDispositions, RuleVersionDay, UtilisationBand, VintageCurve,
};
use riskdesk_domain::words;

use self::cohorts::{roll_rates, vintage};
use self::rule_trend::rule_trend;
use crate::{
    Lang, Style, draw_legend, grouped, legend_height, nice_ceiling, palette, series_colour, yuan,
};

/// A chart of the dashboard and the data it draws.
#[derive(Clone, Copy, Debug)]
pub enum PortfolioChart<'a> {
    /// Balances past due by bucket at each month's end (stacked, M1 to M3+),
    /// and the delinquency rate (line, %).
    Delinquency(&'a [BucketMonth]),
    /// Each cohort's share of accounts 30+ days past due by months on book.
    Vintage(&'a [VintageCurve]),
    /// Where each bucket's accounts were a month later, as shares.
    RollRates(&'a RollMatrix),
    /// Alerts raised per day, stacked by rule.
    AlertVolume(&'a [RuleDay]),
    /// One rule's alerts on each of `days`, stacked by the version that
    /// decided; its precision over a trailing week (line, %); a mark where
    /// another version began deciding.
    RuleTrend {
        days: &'a [NaiveDate],
        records: &'a [RuleVersionDay],
    },
    /// Closed alerts by disposition per rule (stacked), and the
    /// false-positive rate (line, %).
    Dispositions(&'a [RuleDispositions]),
    /// Confirmed-fraud amounts by month.
    FraudLosses(&'a [LossMonth]),
    /// Decisions per day (stacked), and the approval rate (line, %).
    ApprovalRate(&'a [ApprovalDay]),
    /// Accounts by utilisation band.
    Utilisation(&'a [UtilisationBand]),
    /// Limits granted and in use, by grade.
    ExposureByGrade(&'a [GradeExposure]),
    /// Limit changes proposed, approved and rejected by month.
    LimitChanges(&'a [LimitChangeMonth]),
}

/// A region of a drawn chart in pixels and what it holds, for a pointer
/// over it: a bar chart's category, a vintage's month on book, a roll's cell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tip {
    pub left: i32,
    pub top: i32,
    pub right: i32,
    pub bottom: i32,
    /// Lines, the first naming the region.
    pub text: String,
    /// The account a click on the region opens.
    pub opens: Option<i64>,
}

impl Tip {
    /// The region between two opposite corners, in pixels.
    fn between(corner: (i32, i32), opposite: (i32, i32), text: String) -> Tip {
        Tip {
            left: corner.0.min(opposite.0),
            top: corner.1.min(opposite.1),
            right: corner.0.max(opposite.0),
            bottom: corner.1.max(opposite.1),
            text,
            opens: None,
        }
    }
}

type Drawn = Result<Vec<Tip>, Box<dyn std::error::Error>>;

impl PortfolioChart<'_> {
    /// Draws the chart on `root`, which is already the chart's size.
    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, style: &Style) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        root.fill(&palette(style.theme).background)?;
        let zh = style.lang == Lang::Zh;
        let w = |zh_word: &'static str, en_word: &'static str| if zh { zh_word } else { en_word };
        match *self {
            PortfolioChart::Delinquency(months) => {
                let labels = months
                    .iter()
                    .map(|m| month_label(m.month, style.lang))
                    .collect();
                // What is late, stacked: current balances would dwarf it.
                let series = DpdBucket::ALL[1..]
                    .iter()
                    .map(|b| Series {
                        name: b.as_str().to_owned(),
                        colour: bucket_colour(*b),
                        values: months.iter().map(|m| yuan(m.balances[b.index()])).collect(),
                    })
                    .collect();
                let rate = RateLine {
                    name: w("逾期率", "Delinquency rate").to_owned(),
                    values: months
                        .iter()
                        .map(|m| Some(percent(m.delinquency_rate_bp())))
                        .collect(),
                };
                bars(
                    root,
                    style,
                    Bars {
                        labels,
                        series,
                        stacked: true,
                        y_desc: w("逾期余额 (元)", "Balance past due (¥)"),
                        rate: Some(rate),
                        marks: Vec::new(),
                    },
                )
            }
            PortfolioChart::Vintage(curves) => vintage(root, style, curves),
            PortfolioChart::RollRates(matrix) => roll_rates(root, style, matrix),
            PortfolioChart::RuleTrend { days, records } => rule_trend(root, style, days, records),
            PortfolioChart::AlertVolume(days) => {
                let mut raised: BTreeMap<(Rule, NaiveDate), f64> = BTreeMap::new();
                for d in days {
                    *raised.entry((d.rule, d.day)).or_default() += d.raised as f64;
                }
                let dates: BTreeSet<NaiveDate> = days.iter().map(|d| d.day).collect();
                let rules: BTreeSet<Rule> = days.iter().map(|d| d.rule).collect();
                let series = rules
                    .iter()
                    .enumerate()
                    .map(|(i, rule)| Series {
                        name: words::word(style.lang, rule.as_str()).to_owned(),
                        colour: series_colour(i),
                        values: dates
                            .iter()
                            .map(|date| raised.get(&(*rule, *date)).copied().unwrap_or(0.0))
                            .collect(),
                    })
                    .collect();
                let labels = dates
                    .iter()
                    .map(|d| d.format("%m-%d").to_string())
                    .collect();
                bars(
                    root,
                    style,
                    Bars {
                        labels,
                        series,
                        stacked: true,
                        y_desc: w("预警数", "Alerts"),
                        rate: None,
                        marks: Vec::new(),
                    },
                )
            }
            PortfolioChart::Dispositions(rules) => {
                let labels = rules
                    .iter()
                    .map(|r| words::word(style.lang, r.rule.as_str()).to_owned())
                    .collect();
                let counts =
                    |f: fn(&RuleDispositions) -> u64| rules.iter().map(|r| f(r) as f64).collect();
                let series = vec![
                    Series {
                        name: w("确认欺诈", "Confirmed fraud").to_owned(),
                        colour: series_colour(4),
                        values: counts(|r| r.confirmed_fraud),
                    },
                    Series {
                        name: w("误报", "False positive").to_owned(),
                        colour: series_colour(1),
                        values: counts(|r| r.false_positive),
                    },
                    Series {
                        name: w("正常", "Benign").to_owned(),
                        colour: series_colour(0),
                        values: counts(|r| r.benign),
                    },
                ];
                let rate = RateLine {
                    name: w("误报率", "False-positive rate").to_owned(),
                    values: rules
                        .iter()
                        .map(|r| Some(percent(r.false_positive_bp())))
                        .collect(),
                };
                bars(
                    root,
                    style,
                    Bars {
                        labels,
                        series,
                        stacked: true,
                        y_desc: w("已结预警", "Closed alerts"),
                        rate: Some(rate),
                        marks: Vec::new(),
                    },
                )
            }
            PortfolioChart::FraudLosses(months) => {
                let labels = months
                    .iter()
                    .map(|m| month_label(m.month, style.lang))
                    .collect();
                let series = vec![Series {
                    name: w("确认欺诈金额", "Confirmed fraud").to_owned(),
                    colour: series_colour(4),
                    values: months.iter().map(|m| yuan(m.confirmed)).collect(),
                }];
                bars(
                    root,
                    style,
                    Bars {
                        labels,
                        series,
                        stacked: false,
                        y_desc: w("金额 (元)", "Amount (¥)"),
                        rate: None,
                        marks: Vec::new(),
                    },
                )
            }
            PortfolioChart::ApprovalRate(days) => {
                let labels = days
                    .iter()
                    .map(|d| d.day.format("%m-%d").to_string())
                    .collect();
                let counts =
                    |f: fn(&ApprovalDay) -> u64| days.iter().map(|d| f(d) as f64).collect();
                let series = vec![
                    Series {
                        name: w("通过", "Approved").to_owned(),
                        colour: series_colour(3),
                        values: counts(|d| d.approved),
                    },
                    Series {
                        name: w("复核", "Review").to_owned(),
                        colour: series_colour(1),
                        values: counts(|d| d.review),
                    },
                    Series {
                        name: w("拒绝", "Declined").to_owned(),
                        colour: series_colour(4),
                        values: counts(|d| d.declined),
                    },
                ];
                let rate = RateLine {
                    name: w("通过率", "Approval rate").to_owned(),
                    values: days
                        .iter()
                        .map(|d| Some(percent(d.approval_bp())))
                        .collect(),
                };
                bars(
                    root,
                    style,
                    Bars {
                        labels,
                        series,
                        stacked: true,
                        y_desc: w("授权笔数", "Authorizations"),
                        rate: Some(rate),
                        marks: Vec::new(),
                    },
                )
            }
            PortfolioChart::Utilisation(bands) => {
                let labels = bands
                    .iter()
                    .map(|b| match (b.from_bp, b.to_bp) {
                        (from, to) if from == to => format!("{}%", from / 100),
                        (from, u32::MAX) => format!("≥{}%", from / 100),
                        (from, to) => format!("{}–{}%", from / 100, to / 100),
                    })
                    .collect();
                let series = vec![Series {
                    name: w("账户数", "Accounts").to_owned(),
                    colour: series_colour(0),
                    values: bands.iter().map(|b| b.accounts as f64).collect(),
                }];
                bars(
                    root,
                    style,
                    Bars {
                        labels,
                        series,
                        stacked: false,
                        y_desc: w("账户数", "Accounts"),
                        rate: None,
                        marks: Vec::new(),
                    },
                )
            }
            PortfolioChart::ExposureByGrade(grades) => {
                let labels = grades.iter().map(|g| g.grade.clone()).collect();
                let series = vec![
                    Series {
                        name: w("授信额度", "Limits").to_owned(),
                        colour: series_colour(2),
                        values: grades.iter().map(|g| yuan(g.limit)).collect(),
                    },
                    Series {
                        name: w("已用额度", "In use").to_owned(),
                        colour: series_colour(0),
                        values: grades.iter().map(|g| yuan(g.used)).collect(),
                    },
                ];
                let rate = RateLine {
                    name: w("使用率", "Utilisation").to_owned(),
                    values: grades
                        .iter()
                        .map(|g| {
                            let used = u64::try_from(g.used.fen()).unwrap_or(0);
                            let limit = u64::try_from(g.limit.fen()).unwrap_or(0);
                            Some(percent(riskdesk_domain::metrics::share_bp(used, limit)))
                        })
                        .collect(),
                };
                bars(
                    root,
                    style,
                    Bars {
                        labels,
                        series,
                        stacked: false,
                        y_desc: w("金额 (元)", "Amount (¥)"),
                        rate: Some(rate),
                        marks: Vec::new(),
                    },
                )
            }
            PortfolioChart::LimitChanges(months) => {
                let labels = months
                    .iter()
                    .map(|m| month_label(m.month, style.lang))
                    .collect();
                let counts =
                    |f: fn(&LimitChangeMonth) -> u64| months.iter().map(|m| f(m) as f64).collect();
                let series = vec![
                    Series {
                        name: w("提议", "Proposed").to_owned(),
                        colour: series_colour(2),
                        values: counts(|m| m.proposed),
                    },
                    Series {
                        name: w("批准", "Approved").to_owned(),
                        colour: series_colour(3),
                        values: counts(|m| m.approved),
                    },
                    Series {
                        name: w("驳回", "Rejected").to_owned(),
                        colour: series_colour(4),
                        values: counts(|m| m.rejected),
                    },
                    Series {
                        name: w("过期", "Expired").to_owned(),
                        colour: series_colour(5),
                        values: counts(|m| m.expired),
                    },
                ];
                bars(
                    root,
                    style,
                    Bars {
                        labels,
                        series,
                        stacked: false,
                        y_desc: w("笔数", "Changes"),
                        rate: None,
                        marks: Vec::new(),
                    },
                )
            }
        }
    }
}

/// One series of bars.
struct Series {
    name: String,
    colour: RGBColor,
    values: Vec<f64>,
}

/// A percentage per category, drawn as a line on the right axis; none
/// where there is no rate (a gap in the line).
struct RateLine {
    name: String,
    values: Vec<Option<f64>>,
}

struct Bars<'a> {
    labels: Vec<String>,
    series: Vec<Series>,
    stacked: bool,
    y_desc: &'a str,
    rate: Option<RateLine>,
    /// Labelled dashed lines before categories: where something changed.
    marks: Vec<(usize, String)>,
}

fn bars<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, style: &Style, chart: Bars<'_>) -> Drawn
where
    DB::ErrorType: 'static,
{
    let colours = palette(style.theme);
    let text = |size: u32| ("sans-serif", size).into_font().color(&colours.text);
    let total = |i: usize| -> f64 {
        let values = chart
            .series
            .iter()
            .map(|s| s.values.get(i).copied().unwrap_or(0.0));
        if chart.stacked {
            values.sum()
        } else {
            values.fold(0.0, f64::max)
        }
    };
    let n = chart.labels.len();
    if n == 0 || (0..n).all(|i| total(i) == 0.0) {
        return nothing(root, style);
    }
    let mut legend: Vec<(&str, RGBColor, bool)> = chart
        .series
        .iter()
        .map(|s| (s.name.as_str(), s.colour, false))
        .collect();
    if let Some(rate) = &chart.rate {
        legend.push((rate.name.as_str(), colours.text, true));
    }
    let (legend_area, plot) = root.split_vertically(legend_height(&legend, style.width));
    draw_legend(&legend_area, &legend, text(11), style.width)?;
    let top = nice_ceiling((0..n).map(total).fold(0.0, f64::max));
    let mut builder = ChartBuilder::on(&plot);
    builder
        .margin(10)
        .margin_top(4)
        .x_label_area_size(28)
        .y_label_area_size(76);
    if chart.rate.is_some() {
        builder.right_y_label_area_size(44);
    }
    // The rate's axis fits the rates: a 3 % delinquency rate on a 0–100 %
    // axis would read as a flat line.
    let rate_top = chart.rate.as_ref().map_or(100.0, |r| {
        nice_ceiling(r.values.iter().flatten().copied().fold(0.0, f64::max)).clamp(1.0, 100.0)
    });
    let mut cartesian = builder
        .build_cartesian_2d(-0.5f64..n as f64 - 0.5, 0f64..top)?
        .set_secondary_coord(-0.5f64..n as f64 - 0.5, 0f64..rate_top);
    let label = |x: &f64| {
        let i = x.round();
        chart
            .labels
            .get(i as usize)
            .filter(|_| i >= 0.0 && (x - i).abs() < 1e-9)
            .cloned()
            .unwrap_or_default()
    };
    cartesian
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n.min(16))
        .x_label_formatter(&label)
        .y_desc(chart.y_desc)
        .y_label_formatter(&|y| grouped(*y))
        .label_style(text(11))
        .axis_desc_style(text(11))
        .light_line_style(TRANSPARENT)
        .bold_line_style(colours.grid)
        .axis_style(colours.grid)
        .draw()?;
    let tips = (0..n)
        .map(|i| {
            let x = i as f64;
            let mut text = chart.labels[i].clone();
            for series in &chart.series {
                let value = series.values.get(i).copied().unwrap_or(0.0);
                text.push_str(&format!("\n{}: {}", series.name, grouped(value)));
            }
            if let Some(rate) = &chart.rate {
                match rate.values.get(i).copied().flatten() {
                    Some(value) => text.push_str(&format!("\n{}: {value:.2}%", rate.name)),
                    None => text.push_str(&format!("\n{}: —", rate.name)),
                }
            }
            Tip::between(
                cartesian.backend_coord(&(x - 0.5, top)),
                cartesian.backend_coord(&(x + 0.5, 0.0)),
                text,
            )
        })
        .collect();
    // Each category is one unit wide; its bars fill 80 % of it.
    let slots = if chart.stacked {
        1
    } else {
        chart.series.len().max(1)
    };
    let width = 0.8 / slots as f64;
    let mut base = vec![0.0; n];
    for (k, series) in chart.series.iter().enumerate() {
        let slot = if chart.stacked { 0 } else { k };
        let left = -0.4 + slot as f64 * width;
        let rectangles: Vec<_> = series
            .values
            .iter()
            .enumerate()
            .filter(|(_, v)| **v > 0.0)
            .map(|(i, v)| {
                let from = if chart.stacked { base[i] } else { 0.0 };
                let x = i as f64 + left;
                Rectangle::new(
                    [(x, from), (x + width * 0.92, from + v)],
                    series.colour.filled(),
                )
            })
            .collect();
        cartesian.draw_series(rectangles)?;
        if chart.stacked {
            for (i, v) in series.values.iter().enumerate() {
                base[i] += v;
            }
        }
    }
    if let Some(rate) = &chart.rate {
        cartesian
            .configure_secondary_axes()
            .y_desc("%")
            .y_label_formatter(&|y| {
                if rate_top < 10.0 {
                    format!("{y:.1}")
                } else {
                    format!("{y:.0}")
                }
            })
            .label_style(text(11))
            .axis_desc_style(text(11))
            .axis_style(colours.grid)
            .draw()?;
        // One line for each run of categories that have a rate.
        let runs = rate.values.split(Option::is_none).scan(0, |start, run| {
            let first = *start;
            *start += run.len() + 1;
            Some((first, run))
        });
        for (first, run) in runs.filter(|(_, run)| !run.is_empty()) {
            let points: Vec<(f64, f64)> = run
                .iter()
                .enumerate()
                .map(|(i, v)| ((first + i) as f64, v.unwrap_or(0.0)))
                .collect();
            cartesian.draw_secondary_series(LineSeries::new(
                points.clone(),
                colours.text.stroke_width(2),
            ))?;
            cartesian.draw_secondary_series(
                points
                    .iter()
                    .map(|&p| Circle::new(p, 3, colours.text.filled())),
            )?;
        }
    }
    for (i, name) in &chart.marks {
        let x = *i as f64 - 0.5;
        cartesian.draw_series(DashedLineSeries::new(
            [(x, 0.0), (x, top)],
            4,
            3,
            colours.text.stroke_width(1),
        ))?;
        cartesian.draw_series(std::iter::once(Text::new(
            name.clone(),
            (x + 0.08, top),
            text(11).pos(Pos::new(HPos::Left, VPos::Top)),
        )))?;
    }
    root.present()?;
    Ok(tips)
}

/// "No data" in the middle of the chart.
fn nothing<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, style: &Style) -> Drawn
where
    DB::ErrorType: 'static,
{
    let colours = palette(style.theme);
    let (w, h) = root.dim_in_pixel();
    let centre = (i32::try_from(w / 2)?, i32::try_from(h / 2)?);
    let words = if style.lang == Lang::Zh {
        "所选范围内暂无数据"
    } else {
        "No data for this selection"
    };
    root.draw(&Text::new(
        words,
        centre,
        ("sans-serif", 14)
            .into_font()
            .color(&colours.text)
            .pos(Pos::new(HPos::Center, VPos::Center)),
    ))?;
    root.present()?;
    Ok(Vec::new())
}

/// Ordinal colours for the buckets, from on time to worst (Okabe–Ito).
fn bucket_colour(bucket: DpdBucket) -> RGBColor {
    match bucket {
        DpdBucket::M0 => RGBColor(0, 158, 115),
        DpdBucket::M1 => RGBColor(240, 228, 66),
        DpdBucket::M2 => RGBColor(230, 159, 0),
        DpdBucket::M3 => RGBColor(213, 94, 0),
        DpdBucket::M3Plus => RGBColor(204, 121, 167),
    }
}

fn month_label(month: Month, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("{}年{}月", month.year % 100, month.month),
        Lang::En => format!("{:02}/{:02}", month.month, month.year % 100),
    }
}

fn percent(bp: u32) -> f64 {
    f64::from(bp) / 100.0
}
