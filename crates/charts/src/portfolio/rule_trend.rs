//! One rule over time, for a manager judging a publish: its alerts per day
//! stacked by the version of the rules that decided, its precision over a
//! trailing week, and a mark where another version began deciding.

use riskdesk_domain::metrics::{RuleVersionDay, trailing_precision_bp};

use super::*;

/// Days of closed alerts each day's precision reads.
const PRECISION_WINDOW: u32 = 7;

pub(super) fn rule_trend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: &Style,
    days: &[NaiveDate],
    records: &[RuleVersionDay],
) -> Drawn
where
    DB::ErrorType: 'static,
{
    let zh = style.lang == Lang::Zh;
    let name = |version: Option<i64>| match version {
        Some(v) => format!("v{v}"),
        None => (if zh {
            "版本化之前"
        } else {
            "Before versions"
        })
        .to_owned(),
    };
    let versions: BTreeSet<Option<i64>> = records.iter().map(|r| r.version).collect();
    let series = versions
        .iter()
        .enumerate()
        .map(|(i, version)| Series {
            name: name(*version),
            colour: series_colour(i),
            values: days
                .iter()
                .map(|day| {
                    records
                        .iter()
                        .filter(|r| r.day == *day && r.version == *version)
                        .map(|r| r.alerts as f64)
                        .sum()
                })
                .collect(),
        })
        .collect();
    // A mark where the newest version deciding a day's alerts differs from
    // the last day's: a publish, or a rollback to an earlier version.
    let mut marks = Vec::new();
    let mut last: Option<Option<i64>> = None;
    for (i, day) in days.iter().enumerate() {
        let today = records
            .iter()
            .filter(|r| r.day == *day && r.alerts > 0)
            .map(|r| r.version)
            .max();
        if let Some(version) = today {
            if last.is_some_and(|l| l != version) {
                marks.push((i, name(version)));
            }
            last = Some(version);
        }
    }
    let rate = RateLine {
        name: (if zh {
            "精确率 (近7日)"
        } else {
            "Precision (7 days)"
        })
        .to_owned(),
        values: trailing_precision_bp(days, records, PRECISION_WINDOW)
            .into_iter()
            .map(|bp| bp.map(percent))
            .collect(),
    };
    bars(
        root,
        style,
        Bars {
            labels: days.iter().map(|d| d.format("%m-%d").to_string()).collect(),
            series,
            stacked: true,
            y_desc: if zh { "预警数" } else { "Alerts" },
            rate: Some(rate),
            marks,
        },
    )
}
