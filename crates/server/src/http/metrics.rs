//! Portfolio metrics for the managers' dashboard, read from the rollups
//! (`store::Metrics`): a request reads at most a row per day and rule of the
//! period, whatever the size of the portfolio.

use std::collections::BTreeMap;
use std::str::FromStr;

use axum::Json;
use axum::extract::State;
use chrono::{Datelike, Days};
use riskdesk_api::metrics::{
    ApprovalDayView, FraudMetrics, LossMonthView, MetricsQuery, RuleDayView, RuleDispositionsView,
};
use riskdesk_domain::alert::Rule;
use riskdesk_domain::billing::{business_date, day_number, from_day_number};
use riskdesk_domain::metrics::{ApprovalDay, RuleDispositions};
use riskdesk_domain::money::Money;
use riskdesk_domain::operator::Permission;

use super::AppState;
use super::problem::{ApiError, ApiResult, Params};
use super::session::Signed;
use crate::clock::utc;
use crate::store::MetricFilter;

/// The period when the query names none: the last 30 days.
const DEFAULT_DAYS: u64 = 30;
/// The longest period one request may cover.
const MAX_DAYS: i64 = 3 * 366;

/// Authorizations, alerts by rule, dispositions and confirmed losses over a
/// period, cut by grade, home city and channel.
#[utoipa::path(get, path = "/v1/metrics/fraud", tag = "metrics", params(MetricsQuery),
    security(("bearer" = [])),
    responses((status = 200, body = FraudMetrics), (status = 400, body = riskdesk_api::Problem)))]
pub async fn fraud(
    State(state): State<AppState>,
    signed: Signed,
    Params(query): Params<MetricsQuery>,
) -> ApiResult<Json<FraudMetrics>> {
    signed.require(Permission::ReadMetrics)?;
    let today = business_date(utc(state.clock.now_ms()));
    let to = query.to.unwrap_or(today);
    let from = match query.from {
        Some(from) => from,
        None => to
            .checked_sub_days(Days::new(DEFAULT_DAYS - 1))
            .unwrap_or(to),
    };
    if from > to {
        return Err(ApiError::invalid("from must not be after to"));
    }
    if (to - from).num_days() >= MAX_DAYS {
        return Err(ApiError::invalid(format!(
            "a period of at most {MAX_DAYS} days, please"
        )));
    }
    let (first, last) = (i64::from(day_number(from)), i64::from(day_number(to)));
    let filter = MetricFilter {
        from_day: Some(first),
        to_day: Some(last + 1),
        grade: query.grade.map(|g| g.as_str().to_owned()),
        city: query
            .city
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty()),
        channel: query.channel.map(|c| c.as_str().to_owned()),
    };
    let (approvals, alerts) = tokio::join!(
        state.store.authorization_days(&filter),
        state.store.alert_days(&filter)
    );
    let (approvals, alerts) = (approvals?, alerts?);

    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    let day = |n: i64| from_day_number(i32::try_from(n).unwrap_or(0));
    let mut by_day: BTreeMap<i64, ApprovalDay> = (first..=last)
        .map(|n| {
            let zero = ApprovalDay {
                day: day(n),
                approved: 0,
                review: 0,
                declined: 0,
            };
            (n, zero)
        })
        .collect();
    for row in approvals {
        if let Some(slot) = by_day.get_mut(&row.day) {
            slot.approved = count(row.approved);
            slot.review = count(row.review);
            slot.declined = count(row.declined);
        }
    }
    let mut raised = Vec::new();
    let mut dispositions: BTreeMap<Rule, RuleDispositions> = BTreeMap::new();
    let mut losses: BTreeMap<(i32, u32), (i64, u64)> = BTreeMap::new();
    for row in alerts {
        let rule = Rule::from_str(&row.rule)
            .map_err(|_| anyhow::anyhow!("unknown rule {:?} in the metrics", row.rule))?;
        if row.raised > 0 {
            raised.push(RuleDayView {
                day: day(row.day),
                rule,
                raised: count(row.raised),
            });
        }
        let d = dispositions.entry(rule).or_insert(RuleDispositions {
            rule,
            confirmed_fraud: 0,
            false_positive: 0,
            benign: 0,
        });
        d.confirmed_fraud += count(row.confirmed_fraud);
        d.false_positive += count(row.false_positive);
        d.benign += count(row.benign);
        if row.confirmed_fraud > 0 {
            let date = day(row.day);
            let month = losses.entry((date.year(), date.month())).or_default();
            month.0 += row.confirmed_fen;
            month.1 += count(row.confirmed_fraud);
        }
    }
    Ok(Json(FraudMetrics {
        from,
        to,
        approvals: by_day
            .into_values()
            .map(|d| ApprovalDayView {
                day: d.day,
                approved: d.approved,
                review: d.review,
                declined: d.declined,
                approval_bp: d.approval_bp(),
            })
            .collect(),
        alerts: raised,
        dispositions: dispositions
            .into_values()
            .map(|d| RuleDispositionsView {
                rule: d.rule,
                confirmed_fraud: d.confirmed_fraud,
                false_positive: d.false_positive,
                benign: d.benign,
                false_positive_bp: d.false_positive_bp(),
            })
            .collect(),
        losses: losses
            .into_iter()
            .map(|((year, month), (fen, alerts))| {
                Ok(LossMonthView {
                    year,
                    month,
                    confirmed: Money::from_fen(fen).map_err(anyhow::Error::from)?,
                    alerts,
                })
            })
            .collect::<ApiResult<_>>()?,
    }))
}
