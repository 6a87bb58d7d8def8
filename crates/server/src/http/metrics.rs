//! Portfolio metrics for the managers' dashboard, read from the rollups
//! (`store::Metrics`): a request reads at most a row per day and rule of the
//! period, whatever the size of the portfolio.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;
use std::str::FromStr;

use axum::Json;
use axum::extract::State;
use chrono::{Datelike, Days, Months, NaiveDate};
use riskdesk_api::metrics::{
    ApprovalDayView, BucketMonthView, CreditMetrics, FraudMetrics, GradeExposureView,
    LimitChangeMonthView, LossMonthView, MetricsQuery, RollMatrixView, RuleDayView,
    RuleDispositionsView, UtilisationBandView, VintageCurveView, VintagePointView,
};
use riskdesk_domain::account::{DpdBucket, Grade};
use riskdesk_domain::alert::Rule;
use riskdesk_domain::billing::{business_date, day_number, from_day_number};
use riskdesk_domain::metrics::{
    ApprovalDay, BucketMonth, Month, RuleDispositions, UTILISATION_BANDS_BP, VintagePoint, share_bp,
};
use riskdesk_domain::money::Money;
use riskdesk_domain::operator::Permission;

use super::AppState;
use super::problem::{ApiError, ApiResult, Params, text_filter};
use super::session::Signed;
use crate::clock::utc;
use crate::store::{BucketRow, LimitChangeDayRow, LineBandRow, MetricFilter, RollRow, VintageRow};

/// The fraud period when the query names none: the last 30 days.
const DEFAULT_DAYS: u64 = 30;
/// The credit period when the query names none: the last 12 months.
const DEFAULT_MONTHS: u32 = 12;
/// The longest period one request may cover.
const MAX_DAYS: i64 = 3 * 366;

/// The period a query asks for (`default_from` its end when it names no
/// start), checked, and the rollups' filter for it.
fn period(
    query: &MetricsQuery,
    today: NaiveDate,
    default_from: impl Fn(NaiveDate) -> NaiveDate,
) -> ApiResult<(NaiveDate, NaiveDate, MetricFilter)> {
    let to = query.to.unwrap_or(today);
    let from = query.from.unwrap_or_else(|| default_from(to));
    if from > to {
        return Err(ApiError::invalid("from must not be after to"));
    }
    if (to - from).num_days() >= MAX_DAYS {
        return Err(ApiError::invalid(format!(
            "a period of at most {MAX_DAYS} days, please"
        )));
    }
    let filter = MetricFilter {
        from_day: Some(i64::from(day_number(from))),
        to_day: Some(i64::from(day_number(to)) + 1),
        grade: query.grade.map(|g| g.as_str().to_owned()),
        city: text_filter(query.city.as_deref()),
        channel: query.channel.map(|c| c.as_str().to_owned()),
    };
    Ok((from, to, filter))
}

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
    let default_from = |to: NaiveDate| {
        to.checked_sub_days(Days::new(DEFAULT_DAYS - 1))
            .unwrap_or(to)
    };
    let (from, to, filter) = period(&query, today, default_from)?;
    let (first, last) = (
        filter.from_day.unwrap_or_default(),
        filter.to_day.unwrap_or_default() - 1,
    );
    let (approvals, alerts) = tokio::join!(
        state.store.authorization_days(&filter),
        state.store.alert_days(&filter)
    );
    let (approvals, alerts) = (approvals?, alerts?);

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
                    confirmed: money(fen)?,
                    alerts,
                })
            })
            .collect::<ApiResult<_>>()?,
    }))
}

/// Delinquency buckets, vintages, roll rates, utilisation, exposure by grade
/// and limit changes over the months a period touches, cut by grade and home
/// city.
#[utoipa::path(get, path = "/v1/metrics/credit", tag = "metrics", params(MetricsQuery),
    security(("bearer" = [])),
    responses((status = 200, body = CreditMetrics), (status = 400, body = riskdesk_api::Problem)))]
pub async fn credit(
    State(state): State<AppState>,
    signed: Signed,
    Params(query): Params<MetricsQuery>,
) -> ApiResult<Json<CreditMetrics>> {
    signed.require(Permission::ReadMetrics)?;
    if query.channel.is_some() {
        return Err(ApiError::invalid(
            "credit metrics are not cut by channel: a channel is a payment's, not an account's",
        ));
    }
    let today = business_date(utc(state.clock.now_ms()));
    let default_from = |to: NaiveDate| {
        let first = Month::of(to).first_day();
        first
            .checked_sub_months(Months::new(DEFAULT_MONTHS - 1))
            .unwrap_or(first)
    };
    let (from, to, filter) = period(&query, today, default_from)?;
    let (first, last) = (Month::of(from).index(), Month::of(to).index());
    let (buckets, bands, vintages, rolls, changes) = tokio::join!(
        state.store.bucket_months(&filter),
        state.store.line_bands(&filter, last),
        state.store.vintages(&filter),
        state.store.rolls(&filter),
        state.store.limit_change_days(&filter),
    );
    let bands = bands?;
    Ok(Json(CreditMetrics {
        from,
        to,
        buckets: bucket_months(buckets?, first..=last)?,
        vintages: vintage_curves(vintages?),
        rolls: roll_matrices(rolls?),
        utilisation: utilisation_bands(&bands),
        exposure: exposure_by_grade(&bands)?,
        limit_changes: limit_change_months(changes?, first..=last)?,
    }))
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn money(fen: i64) -> ApiResult<Money> {
    Ok(Money::from_fen(fen).map_err(anyhow::Error::from)?)
}

/// A bucket's place in `DpdBucket::ALL`, if the stored number is one.
fn bucket_index(stored: i16) -> Option<usize> {
    usize::try_from(stored)
        .ok()
        .filter(|i| *i < DpdBucket::ALL.len())
}

/// Every month of `months` (`Month::index`), a month without rows as zeros.
fn bucket_months(
    rows: Vec<BucketRow>,
    months: RangeInclusive<i32>,
) -> ApiResult<Vec<BucketMonthView>> {
    let mut by_month: BTreeMap<i32, BucketMonth> = months
        .map(|m| {
            let zero = BucketMonth {
                month: Month::from_index(m),
                accounts: [0; 5],
                balances: [Money::ZERO; 5],
            };
            (m, zero)
        })
        .collect();
    for row in rows {
        let (Some(slot), Some(b)) = (by_month.get_mut(&row.month), bucket_index(row.bucket)) else {
            continue;
        };
        slot.accounts[b] = count(row.accounts);
        slot.balances[b] = money(row.balance_fen)?;
    }
    Ok(by_month
        .into_values()
        .map(|m| BucketMonthView {
            year: m.month.year,
            month: m.month.month,
            accounts: m.accounts.to_vec(),
            balances: m.balances.to_vec(),
            delinquency_rate_bp: m.delinquency_rate_bp(),
        })
        .collect())
}

/// One curve per cohort, its points by months on book.
fn vintage_curves(rows: Vec<VintageRow>) -> Vec<VintageCurveView> {
    let mut curves: BTreeMap<i32, Vec<VintagePointView>> = BTreeMap::new();
    for row in rows {
        let point = VintagePoint {
            months_on_book: u32::try_from(row.month - row.cohort).unwrap_or(0),
            accounts: count(row.accounts),
            dpd30: count(row.dpd30),
        };
        curves
            .entry(row.cohort)
            .or_default()
            .push(VintagePointView {
                months_on_book: point.months_on_book,
                accounts: point.accounts,
                dpd30: point.dpd30,
                rate_bp: point.rate_bp(),
            });
    }
    curves
        .into_iter()
        .map(|(cohort, points)| {
            let cohort = Month::from_index(cohort);
            VintageCurveView {
                year: cohort.year,
                month: cohort.month,
                points,
            }
        })
        .collect()
}

/// One matrix per month rolled from.
fn roll_matrices(rows: Vec<RollRow>) -> Vec<RollMatrixView> {
    let mut matrices: BTreeMap<i32, [[u64; 5]; 5]> = BTreeMap::new();
    for row in rows {
        if let (Some(from), Some(to)) = (bucket_index(row.from_bucket), bucket_index(row.to_bucket))
        {
            matrices.entry(row.month).or_default()[from][to] = count(row.accounts);
        }
    }
    matrices
        .into_iter()
        .map(|(month, counts)| {
            let month = Month::from_index(month);
            RollMatrixView {
                year: month.year,
                month: month.month,
                counts: counts.iter().map(|row| row.to_vec()).collect(),
            }
        })
        .collect()
}

/// Every band, in order: band 0 owes nothing; band i ≥ 1 starts at the i-th
/// bound (the first: above nothing) and ends at the next, the last without one.
fn utilisation_bands(rows: &[LineBandRow]) -> Vec<UtilisationBandView> {
    (0..=UTILISATION_BANDS_BP.len())
        .map(|band| UtilisationBandView {
            from_bp: match band {
                0 | 1 => 0,
                _ => UTILISATION_BANDS_BP[band - 1],
            },
            to_bp: match band {
                0 => Some(0),
                _ => UTILISATION_BANDS_BP.get(band).copied(),
            },
            accounts: rows
                .iter()
                .filter(|r| usize::try_from(r.band) == Ok(band))
                .map(|r| count(r.accounts))
                .sum(),
        })
        .collect()
}

/// The lines of each grade, their limits and what they owe.
fn exposure_by_grade(rows: &[LineBandRow]) -> ApiResult<Vec<GradeExposureView>> {
    let mut grades: BTreeMap<Grade, (u64, i64, i64)> = BTreeMap::new();
    for row in rows {
        let grade = Grade::from_str(&row.grade)
            .map_err(|_| anyhow::anyhow!("unknown grade {:?} in the metrics", row.grade))?;
        let totals = grades.entry(grade).or_default();
        totals.0 += count(row.accounts);
        totals.1 += row.limit_fen;
        totals.2 += row.balance_fen;
    }
    grades
        .into_iter()
        .map(|(grade, (accounts, limit_fen, balance_fen))| {
            Ok(GradeExposureView {
                grade,
                accounts,
                limit: money(limit_fen)?,
                balance: money(balance_fen)?,
                utilisation_bp: share_bp(
                    u64::try_from(balance_fen).unwrap_or(0),
                    u64::try_from(limit_fen).unwrap_or(0),
                ),
            })
        })
        .collect()
}

/// Every month of `months`, the days' proposals and decisions summed.
fn limit_change_months(
    rows: Vec<LimitChangeDayRow>,
    months: RangeInclusive<i32>,
) -> ApiResult<Vec<LimitChangeMonthView>> {
    let mut by_month: BTreeMap<i32, LimitChangeDayRow> = months
        .map(|m| {
            let zero = LimitChangeDayRow {
                day: 0,
                proposed: 0,
                approved: 0,
                rejected: 0,
                expired: 0,
                approved_change_fen: 0,
            };
            (m, zero)
        })
        .collect();
    for row in rows {
        let month = Month::of(from_day_number(i32::try_from(row.day).unwrap_or(0))).index();
        if let Some(slot) = by_month.get_mut(&month) {
            slot.proposed += row.proposed;
            slot.approved += row.approved;
            slot.rejected += row.rejected;
            slot.expired += row.expired;
            slot.approved_change_fen += row.approved_change_fen;
        }
    }
    by_month
        .into_iter()
        .map(|(month, m)| {
            let month = Month::from_index(month);
            let average = if m.approved == 0 {
                0
            } else {
                m.approved_change_fen / m.approved
            };
            Ok(LimitChangeMonthView {
                year: month.year,
                month: month.month,
                proposed: count(m.proposed),
                approved: count(m.approved),
                rejected: count(m.rejected),
                expired: count(m.expired),
                average_change: money(average)?,
            })
        })
        .collect()
}
