//! The managers' dashboard: the service's metrics, drawn as charts here in
//! Rust (plotters) in the operator's theme and language.

use chrono::{Datelike, Months};
use riskdesk_api::metrics::FraudMetrics;
use riskdesk_charts::{PortfolioChart, Style, portfolio_svg};
use riskdesk_domain::metrics::{ApprovalDay, LossMonth, Month, RuleDay, RuleDispositions};

use riskdesk_api::csv::{BOM, push_line};

use crate::ipc::{ChartFormat, CommandError, ErrorCode, FraudChart, FraudDashboard};

/// The fraud section: approvals, alerts by rule, dispositions, losses.
pub fn fraud(metrics: FraudMetrics, style: &Style) -> FraudDashboard {
    let approvals: Vec<ApprovalDay> = metrics
        .approvals
        .iter()
        .map(|d| ApprovalDay {
            day: d.day,
            approved: d.approved,
            review: d.review,
            declined: d.declined,
        })
        .collect();
    let alerts: Vec<RuleDay> = metrics
        .alerts
        .iter()
        .map(|r| RuleDay {
            day: r.day,
            rule: r.rule,
            raised: r.raised,
        })
        .collect();
    let dispositions: Vec<RuleDispositions> = metrics
        .dispositions
        .iter()
        .map(|d| RuleDispositions {
            rule: d.rule,
            confirmed_fraud: d.confirmed_fraud,
            false_positive: d.false_positive,
            benign: d.benign,
        })
        .collect();
    let losses: Vec<LossMonth> = months(&metrics)
        .into_iter()
        .map(|month| {
            let served = metrics
                .losses
                .iter()
                .find(|l| l.year == month.year && l.month == month.month);
            LossMonth {
                month,
                confirmed: served.map(|l| l.confirmed).unwrap_or_default(),
                alerts: served.map_or(0, |l| l.alerts),
            }
        })
        .collect();
    FraudDashboard {
        approvals_svg: portfolio_svg(&PortfolioChart::ApprovalRate(&approvals), style),
        alerts_svg: portfolio_svg(&PortfolioChart::AlertVolume(&alerts), style),
        dispositions_svg: portfolio_svg(&PortfolioChart::Dispositions(&dispositions), style),
        losses_svg: portfolio_svg(&PortfolioChart::FraudLosses(&losses), style),
        metrics,
    }
}

/// Every month the period touches, so that a month without losses shows as
/// one rather than vanishing.
fn months(metrics: &FraudMetrics) -> Vec<Month> {
    let mut at = metrics.from.with_day(1).unwrap_or(metrics.from);
    let mut months = Vec::new();
    while at <= metrics.to {
        months.push(Month {
            year: at.year(),
            month: at.month(),
        });
        at = at + Months::new(1);
    }
    months
}

/// One chart as a file's bytes, its data rows (for CSV) and its extension.
pub fn file(
    board: &FraudDashboard,
    chart: FraudChart,
    format: ChartFormat,
) -> Result<(Vec<u8>, u64, &'static str), CommandError> {
    let svg = match chart {
        FraudChart::Approvals => &board.approvals_svg,
        FraudChart::Alerts => &board.alerts_svg,
        FraudChart::Dispositions => &board.dispositions_svg,
        FraudChart::Losses => &board.losses_svg,
    };
    match format {
        ChartFormat::Svg => Ok((svg.clone().into_bytes(), 0, "svg")),
        ChartFormat::Png => {
            if riskdesk_charts::cjk_family().is_none() {
                tracing::warn!(
                    "no CJK font is installed: Chinese labels in PNG files will not read"
                );
            }
            let png = riskdesk_charts::svg_to_png(svg, 2.0)
                .map_err(|e| CommandError::new(ErrorCode::SaveFailed, e.to_string()))?;
            Ok((png, 0, "png"))
        }
        ChartFormat::Csv => {
            let (text, rows) = csv(&board.metrics, chart);
            Ok((text.into_bytes(), rows, "csv"))
        }
    }
}

/// A chart's numbers as CSV (the exports' dialect), and how many rows.
pub fn csv(metrics: &FraudMetrics, chart: FraudChart) -> (String, u64) {
    let mut out = String::from(BOM);
    let mut lines = 0u64;
    let mut line = |fields: Vec<String>| {
        push_line(&mut out, fields);
        lines += 1;
    };
    match chart {
        FraudChart::Approvals => {
            line(vec![
                "day".into(),
                "approved".into(),
                "review".into(),
                "declined".into(),
                "approval_bp".into(),
            ]);
            for d in &metrics.approvals {
                line(vec![
                    d.day.to_string(),
                    d.approved.to_string(),
                    d.review.to_string(),
                    d.declined.to_string(),
                    d.approval_bp.to_string(),
                ]);
            }
        }
        FraudChart::Alerts => {
            line(vec!["day".into(), "rule".into(), "raised".into()]);
            for a in &metrics.alerts {
                line(vec![
                    a.day.to_string(),
                    a.rule.as_str().to_owned(),
                    a.raised.to_string(),
                ]);
            }
        }
        FraudChart::Dispositions => {
            line(vec![
                "rule".into(),
                "confirmed_fraud".into(),
                "false_positive".into(),
                "benign".into(),
                "false_positive_bp".into(),
            ]);
            for d in &metrics.dispositions {
                line(vec![
                    d.rule.as_str().to_owned(),
                    d.confirmed_fraud.to_string(),
                    d.false_positive.to_string(),
                    d.benign.to_string(),
                    d.false_positive_bp.to_string(),
                ]);
            }
        }
        FraudChart::Losses => {
            line(vec!["month".into(), "confirmed".into(), "alerts".into()]);
            for l in &metrics.losses {
                line(vec![
                    format!("{}-{:02}", l.year, l.month),
                    l.confirmed.to_string(),
                    l.alerts.to_string(),
                ]);
            }
        }
    }
    // The header is not a row.
    (out, lines.saturating_sub(1))
}
