//! The managers' dashboard: the service's metrics, drawn as charts here in
//! Rust (plotters) in the operator's theme and language.

use chrono::Datelike;
use riskdesk_api::metrics::FraudMetrics;
use riskdesk_charts::{PortfolioChart, Style, portfolio_svg};
use riskdesk_domain::metrics::{ApprovalDay, LossMonth, Month, RuleDay, RuleDispositions};

use crate::ipc::FraudDashboard;

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
    let mut months = Vec::new();
    let mut at = Month {
        year: metrics.from.year(),
        month: metrics.from.month(),
    };
    let last = Month {
        year: metrics.to.year(),
        month: metrics.to.month(),
    };
    while at <= last {
        months.push(at);
        at = if at.month == 12 {
            Month {
                year: at.year + 1,
                month: 1,
            }
        } else {
            Month {
                year: at.year,
                month: at.month + 1,
            }
        };
    }
    months
}
