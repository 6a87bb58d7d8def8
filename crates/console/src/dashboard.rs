//! The managers' dashboard: the service's metrics, drawn as charts here in
//! Rust (plotters) in the operator's theme and language.

use std::collections::BTreeSet;

use chrono::{Datelike, Months, NaiveDate};
use riskdesk_api::metrics::{CreditMetrics, FraudMetrics};
use riskdesk_api::rules::RulesRecord;
use riskdesk_charts::{PortfolioChart, Style, portfolio_svg};
use riskdesk_domain::account::DpdBucket;
use riskdesk_domain::alert::Rule;
use riskdesk_domain::billing::business_date;
use riskdesk_domain::metrics::{
    ApprovalDay, BucketMonth, CreditTotals, FraudTotals, GradeExposure, LimitChangeMonth,
    LossMonth, Month, RollMatrix, RuleDay, RuleDispositions, RuleVersionDay, UtilisationBand,
    VintageCurve, VintagePoint,
};
use riskdesk_domain::money::Money;
use riskdesk_domain::words::{self, Lang};

use riskdesk_api::csv::{BOM, push_line};

use crate::app::Console;
use crate::ipc::{
    ChartFormat, CommandError, CreditDashboard, CreditTotalsView, DashboardChart, DashboardRequest,
    ErrorCode, ExportSaved, FraudDashboard, FraudTotalsView, RuleTrendView,
};

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
    let totals = FraudTotals::of(&approvals, &alerts, &dispositions, &losses);
    FraudDashboard {
        totals: FraudTotalsView {
            decided: totals.decided,
            approval_bp: totals.approval_bp,
            raised: totals.raised,
            false_positive_bp: totals.false_positive_bp,
            losses: totals.losses,
        },
        approvals_svg: portfolio_svg(&PortfolioChart::ApprovalRate(&approvals), style),
        alerts_svg: portfolio_svg(&PortfolioChart::AlertVolume(&alerts), style),
        dispositions_svg: portfolio_svg(&PortfolioChart::Dispositions(&dispositions), style),
        losses_svg: portfolio_svg(&PortfolioChart::FraudLosses(&losses), style),
        metrics,
    }
}

/// Each rule's alerts and precision day by day over the record's window,
/// for the rules that raised any.
pub fn rule_trends(record: &RulesRecord, style: &Style) -> Vec<RuleTrendView> {
    let (first, last) = (business_date(record.from), business_date(record.to));
    let days: Vec<NaiveDate> = first.iter_days().take_while(|d| *d <= last).collect();
    let rules: BTreeSet<Rule> = record.daily.iter().map(|d| d.rule).collect();
    rules
        .into_iter()
        .map(|rule| {
            let records: Vec<RuleVersionDay> = record
                .daily
                .iter()
                .filter(|d| d.rule == rule)
                .map(|d| RuleVersionDay {
                    day: d.day,
                    version: d.version,
                    alerts: d.alerts,
                    closed: d.closed,
                    confirmed_fraud: d.confirmed_fraud,
                })
                .collect();
            RuleTrendView {
                rule,
                svg: portfolio_svg(
                    &PortfolioChart::RuleTrend {
                        days: &days,
                        records: &records,
                    },
                    style,
                ),
            }
        })
        .collect()
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

/// The credit section: delinquency, vintages, the period's last roll,
/// utilisation, exposure by grade, limit changes.
pub fn credit(metrics: CreditMetrics, style: &Style) -> CreditDashboard {
    let month = |year, month| Month { year, month };
    let fixed = |values: &[u64]| -> [u64; 5] {
        let mut out = [0; 5];
        for (slot, v) in out.iter_mut().zip(values) {
            *slot = *v;
        }
        out
    };
    let buckets: Vec<BucketMonth> = metrics
        .buckets
        .iter()
        .map(|m| {
            let mut balances = [Money::ZERO; 5];
            for (slot, b) in balances.iter_mut().zip(&m.balances) {
                *slot = *b;
            }
            BucketMonth {
                month: month(m.year, m.month),
                accounts: fixed(&m.accounts),
                balances,
            }
        })
        .collect();
    let vintages: Vec<VintageCurve> = metrics
        .vintages
        .iter()
        .map(|c| VintageCurve {
            cohort: month(c.year, c.month),
            points: c
                .points
                .iter()
                .map(|p| VintagePoint {
                    months_on_book: p.months_on_book,
                    accounts: p.accounts,
                    dpd30: p.dpd30,
                })
                .collect(),
        })
        .collect();
    // A period of one month has no roll: an empty matrix says so.
    let mut last_roll = RollMatrix {
        from: Month::of(metrics.to),
        counts: [[0; 5]; 5],
    };
    if let Some(r) = metrics.rolls.last() {
        last_roll.from = month(r.year, r.month);
        for (row, served) in last_roll.counts.iter_mut().zip(&r.counts) {
            *row = fixed(served);
        }
    }
    let bands: Vec<UtilisationBand> = metrics
        .utilisation
        .iter()
        .map(|b| UtilisationBand {
            from_bp: b.from_bp,
            to_bp: b.to_bp.unwrap_or(u32::MAX),
            accounts: b.accounts,
        })
        .collect();
    let grades: Vec<GradeExposure> = metrics
        .exposure
        .iter()
        .map(|g| GradeExposure {
            grade: g.grade.as_str().to_owned(),
            accounts: g.accounts,
            limit: g.limit,
            used: g.balance,
        })
        .collect();
    let changes: Vec<LimitChangeMonth> = metrics
        .limit_changes
        .iter()
        .map(|m| LimitChangeMonth {
            month: month(m.year, m.month),
            proposed: m.proposed,
            approved: m.approved,
            rejected: m.rejected,
            expired: m.expired,
            average_change: m.average_change,
        })
        .collect();
    let totals = CreditTotals::of(&buckets, &grades, &changes).map(|t| CreditTotalsView {
        month: format!("{}-{:02}", t.month.year, t.month.month),
        accounts: t.accounts,
        balance: t.balance,
        delinquency_bp: t.delinquency_bp,
        dpd30_bp: t.dpd30_bp,
        utilisation_bp: t.utilisation_bp,
        limit_changes_approved: t.limit_changes_approved,
    });
    CreditDashboard {
        totals,
        delinquency_svg: portfolio_svg(&PortfolioChart::Delinquency(&buckets), style),
        vintage_svg: portfolio_svg(&PortfolioChart::Vintage(&vintages), style),
        rolls_svg: portfolio_svg(&PortfolioChart::RollRates(&last_roll), style),
        utilisation_svg: portfolio_svg(&PortfolioChart::Utilisation(&bands), style),
        exposure_svg: portfolio_svg(&PortfolioChart::ExposureByGrade(&grades), style),
        limit_changes_svg: portfolio_svg(&PortfolioChart::LimitChanges(&changes), style),
        metrics,
    }
}

/// A credit chart's numbers as CSV (the exports' dialect), and how many rows.
pub fn credit_csv(metrics: &CreditMetrics, chart: DashboardChart) -> (String, u64) {
    let mut table = Table::default();
    let mut line = |fields: Vec<String>| table.line(fields);
    let month = |year: i32, month: u32| format!("{year}-{month:02}");
    let text = |s: &str| s.to_owned();
    match chart {
        DashboardChart::Delinquency => {
            let mut header = vec![text("month")];
            for b in DpdBucket::ALL {
                header.push(format!("{}_accounts", b.as_str()));
                header.push(format!("{}_balance", b.as_str()));
            }
            header.push(text("delinquency_rate_bp"));
            line(header);
            for m in &metrics.buckets {
                let mut fields = vec![month(m.year, m.month)];
                for (accounts, balance) in m.accounts.iter().zip(&m.balances) {
                    fields.push(accounts.to_string());
                    fields.push(balance.to_string());
                }
                fields.push(m.delinquency_rate_bp.to_string());
                line(fields);
            }
        }
        DashboardChart::Vintage => {
            line(
                ["cohort", "months_on_book", "accounts", "dpd30", "rate_bp"]
                    .map(text)
                    .to_vec(),
            );
            for c in &metrics.vintages {
                for p in &c.points {
                    line(vec![
                        month(c.year, c.month),
                        p.months_on_book.to_string(),
                        p.accounts.to_string(),
                        p.dpd30.to_string(),
                        p.rate_bp.to_string(),
                    ]);
                }
            }
        }
        DashboardChart::RollRates => {
            line(["month", "from", "to", "accounts"].map(text).to_vec());
            for r in &metrics.rolls {
                for (from, row) in DpdBucket::ALL.iter().zip(&r.counts) {
                    for (to, n) in DpdBucket::ALL.iter().zip(row) {
                        line(vec![
                            month(r.year, r.month),
                            text(from.as_str()),
                            text(to.as_str()),
                            n.to_string(),
                        ]);
                    }
                }
            }
        }
        DashboardChart::Utilisation => {
            line(["from_bp", "to_bp", "accounts"].map(text).to_vec());
            for b in &metrics.utilisation {
                line(vec![
                    b.from_bp.to_string(),
                    b.to_bp.map(|t| t.to_string()).unwrap_or_default(),
                    b.accounts.to_string(),
                ]);
            }
        }
        DashboardChart::Exposure => {
            line(
                ["grade", "accounts", "limit", "balance", "utilisation_bp"]
                    .map(text)
                    .to_vec(),
            );
            for g in &metrics.exposure {
                line(vec![
                    text(g.grade.as_str()),
                    g.accounts.to_string(),
                    g.limit.to_string(),
                    g.balance.to_string(),
                    g.utilisation_bp.to_string(),
                ]);
            }
        }
        DashboardChart::LimitChanges => {
            line(
                [
                    "month",
                    "proposed",
                    "approved",
                    "rejected",
                    "expired",
                    "average_change",
                ]
                .map(text)
                .to_vec(),
            );
            for m in &metrics.limit_changes {
                line(vec![
                    month(m.year, m.month),
                    m.proposed.to_string(),
                    m.approved.to_string(),
                    m.rejected.to_string(),
                    m.expired.to_string(),
                    m.average_change.to_string(),
                ]);
            }
        }
        _ => {}
    }
    table.done()
}

/// One chart as a file's bytes, its data rows (for CSV) and its extension:
/// the SVG drawn, rasterized, or the chart's numbers as CSV (and their rows).
pub fn file(
    svg: &str,
    csv: (String, u64),
    format: ChartFormat,
) -> Result<(Vec<u8>, u64, &'static str), CommandError> {
    match format {
        ChartFormat::Svg => Ok((svg.as_bytes().to_vec(), 0, "svg")),
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
            let (text, rows) = csv;
            Ok((text.into_bytes(), rows, "csv"))
        }
    }
}

/// A fraud chart's numbers as CSV (the exports' dialect), and how many rows.
/// A fraud chart's numbers; each rule's code beside its name in `lang`.
pub fn fraud_csv(metrics: &FraudMetrics, chart: DashboardChart, lang: Lang) -> (String, u64) {
    let rule_words = match lang {
        Lang::Zh => "规则",
        Lang::En => "Rule",
    };
    let mut table = Table::default();
    let mut line = |fields: Vec<String>| table.line(fields);
    match chart {
        DashboardChart::Approvals => {
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
        DashboardChart::Alerts => {
            line(vec![
                "day".into(),
                "rule".into(),
                rule_words.into(),
                "raised".into(),
            ]);
            for a in &metrics.alerts {
                line(vec![
                    a.day.to_string(),
                    a.rule.as_str().to_owned(),
                    words::word(lang, a.rule.as_str()).to_owned(),
                    a.raised.to_string(),
                ]);
            }
        }
        DashboardChart::Dispositions => {
            line(vec![
                "rule".into(),
                rule_words.into(),
                "confirmed_fraud".into(),
                "false_positive".into(),
                "benign".into(),
                "false_positive_bp".into(),
            ]);
            for d in &metrics.dispositions {
                line(vec![
                    d.rule.as_str().to_owned(),
                    words::word(lang, d.rule.as_str()).to_owned(),
                    d.confirmed_fraud.to_string(),
                    d.false_positive.to_string(),
                    d.benign.to_string(),
                    d.false_positive_bp.to_string(),
                ]);
            }
        }
        DashboardChart::Losses => {
            line(vec!["month".into(), "confirmed".into(), "alerts".into()]);
            for l in &metrics.losses {
                line(vec![
                    format!("{}-{:02}", l.year, l.month),
                    l.confirmed.to_string(),
                    l.alerts.to_string(),
                ]);
            }
        }
        _ => {}
    }
    table.done()
}

/// CSV text being written: a byte-order mark, then a header and rows.
#[derive(Default)]
struct Table {
    text: String,
    lines: u64,
}

impl Table {
    fn line(&mut self, fields: Vec<String>) {
        if self.text.is_empty() {
            self.text.push_str(BOM);
        }
        push_line(&mut self.text, fields);
        self.lines += 1;
    }

    /// The text and its rows (the header is not a row).
    fn done(self) -> (String, u64) {
        (self.text, self.lines.saturating_sub(1))
    }
}

impl Console {
    /// The dashboard's fraud metrics and their charts.
    pub async fn fraud_dashboard(
        &self,
        request: DashboardRequest,
    ) -> Result<FraudDashboard, CommandError> {
        let client = self.session_client()?;
        let metrics = self.checked(client.fraud_metrics(&request.query).await)?;
        Ok(crate::dashboard::fraud(metrics, &dashboard_style(&request)))
    }

    /// The dashboard's credit metrics and their charts (not cut by channel).
    pub async fn credit_dashboard(
        &self,
        mut request: DashboardRequest,
    ) -> Result<CreditDashboard, CommandError> {
        let client = self.session_client()?;
        request.query.channel = None;
        let metrics = self.checked(client.credit_metrics(&request.query).await)?;
        Ok(crate::dashboard::credit(
            metrics,
            &dashboard_style(&request),
        ))
    }

    /// Saves one of the dashboard's charts in the downloads folder: as SVG
    /// or PNG, or its numbers as CSV.
    pub async fn export_chart(
        &self,
        request: DashboardRequest,
        chart: DashboardChart,
        format: ChartFormat,
    ) -> Result<ExportSaved, CommandError> {
        let lang = request.lang;
        let (svg, csv) = if chart.is_credit() {
            let board = self.credit_dashboard(request).await?;
            (
                board.svg(chart).to_owned(),
                crate::dashboard::credit_csv(&board.metrics, chart),
            )
        } else {
            let board = self.fraud_dashboard(request).await?;
            (
                board.svg(chart).to_owned(),
                crate::dashboard::fraud_csv(&board.metrics, chart, lang),
            )
        };
        let (bytes, rows, extension) = crate::dashboard::file(&svg, csv, format)?;
        crate::export::save_file(self.export_dir(), chart.name(), extension, &bytes, rows)
    }
}

/// How a dashboard request's charts are drawn.
fn dashboard_style(request: &DashboardRequest) -> Style {
    Style {
        theme: request.theme,
        lang: request.lang,
        width: request.width.clamp(320, 2400),
        height: request.height.clamp(160, 1200),
    }
}

#[cfg(test)]
mod tests {
    use riskdesk_api::metrics::{RuleDayView, RuleDispositionsView};

    use super::*;

    fn metrics() -> FraudMetrics {
        let day = NaiveDate::from_ymd_opt(2026, 11, 30).expect("a day");
        FraudMetrics {
            from: day,
            to: day,
            approvals: Vec::new(),
            alerts: vec![RuleDayView {
                day,
                rule: Rule::ImpossibleTravel,
                raised: 7,
            }],
            dispositions: vec![RuleDispositionsView {
                rule: Rule::BlacklistHit,
                confirmed_fraud: 3,
                false_positive: 1,
                benign: 0,
                false_positive_bp: 2500,
            }],
            losses: Vec::new(),
        }
    }

    #[test]
    fn a_rules_code_keeps_its_column_beside_its_name_in_the_operators_language() {
        let (zh, rows) = fraud_csv(&metrics(), DashboardChart::Alerts, Lang::Zh);
        assert_eq!(rows, 1, "rows under the header");
        assert_eq!(
            zh,
            "\u{feff}day,rule,规则,raised\r\n2026-11-30,impossible_travel,不可能的位移,7\r\n"
        );
        let (en, _) = fraud_csv(&metrics(), DashboardChart::Dispositions, Lang::En);
        assert_eq!(
            en,
            "\u{feff}rule,Rule,confirmed_fraud,false_positive,benign,false_positive_bp\r\n\
             blacklist_hit,Blacklist hit,3,1,0,2500\r\n"
        );
    }
}
