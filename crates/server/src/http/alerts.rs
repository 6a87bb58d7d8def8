//! The fraud-alert queue.

use axum::Json;
use axum::extract::State;
use riskdesk_api::Page;
use riskdesk_api::lists::{AlertQuery, AlertSort};
use riskdesk_api::views::{AlertCounts, AlertView};
use riskdesk_domain::alert::AlertStatus;
use riskdesk_domain::operator::Permission;

use super::AppState;
use super::paging::{page, page_request};
use super::problem::{ApiError, ApiResult, Params};
use super::session::Signed;
use super::views;
use crate::store::{AlertFilter, AlertRow, Assignee};

const MINUTE_MS: i64 = 60 * 1000;

/// The alert queue, most severe and oldest first by default.
#[utoipa::path(get, path = "/v1/alerts", tag = "alerts", params(AlertQuery),
    security(("bearer" = [])),
    responses((status = 200, body = Page<AlertView>), (status = 400, body = riskdesk_api::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    signed: Signed,
    Params(query): Params<AlertQuery>,
) -> ApiResult<Json<Page<AlertView>>> {
    signed.require(Permission::ReadAlerts)?;
    let filter = alert_filter(&query, state.clock.now_ms())?;
    // The fingerprint names the ages asked for, not the times they moved to,
    // so that the next page's cursor stays valid a minute later.
    let fingerprint = (
        &filter.status,
        filter.severity_rank,
        &filter.rule,
        &filter.assignee,
        filter.account_id,
        filter.order,
        query.min_age_minutes,
        query.max_age_minutes,
    );
    let key_len = if filter.order == AlertSort::Severity {
        3
    } else {
        2
    };
    let request = page_request(query.cursor.as_deref(), query.limit, &fingerprint, key_len)?;
    let rows = state.store.alerts(&filter, &request).await?;
    let key = |row: &AlertRow| match filter.order {
        AlertSort::Severity => vec![i64::from(row.severity_rank), row.created_at, row.id],
        AlertSort::Newest | AlertSort::Oldest => vec![row.created_at, row.id],
    };
    Ok(Json(page(rows, &request, &fingerprint, key, views::alert)?))
}

/// How many alerts match the queue's filters, per status: the queue's tabs.
/// The query's `status`, `sort`, `cursor` and `limit` play no part.
#[utoipa::path(get, path = "/v1/alerts/counts", tag = "alerts", params(AlertQuery),
    security(("bearer" = [])),
    responses((status = 200, body = AlertCounts), (status = 400, body = riskdesk_api::Problem)))]
pub async fn counts(
    State(state): State<AppState>,
    signed: Signed,
    Params(query): Params<AlertQuery>,
) -> ApiResult<Json<AlertCounts>> {
    signed.require(Permission::ReadAlerts)?;
    let filter = alert_filter(&query, state.clock.now_ms())?;
    let mut counts = AlertCounts::default();
    for row in state.store.alert_counts(&filter).await? {
        let (status, count) = row.decode()?;
        let slot = match status {
            AlertStatus::Open => &mut counts.open,
            AlertStatus::InReview => &mut counts.in_review,
            AlertStatus::Escalated => &mut counts.escalated,
            AlertStatus::Closed => &mut counts.closed,
        };
        *slot = count;
    }
    Ok(Json(counts))
}

/// The store's filter for a queue query, ages counted back from `now`.
fn alert_filter(query: &AlertQuery, now: i64) -> ApiResult<AlertFilter> {
    if let (Some(min), Some(max)) = (query.min_age_minutes, query.max_age_minutes)
        && min > max
    {
        return Err(ApiError::invalid(
            "min_age_minutes must not exceed max_age_minutes",
        ));
    }
    let assignee = match query.assignee.as_deref() {
        None | Some("") => None,
        Some("none") => Some(Assignee::Nobody),
        Some(id) if id.len() <= 64 => Some(Assignee::Operator(id.to_owned())),
        Some(_) => return Err(ApiError::invalid("assignee must be at most 64 characters")),
    };
    Ok(AlertFilter {
        status: query.status.map(|s| s.as_str().to_owned()),
        severity_rank: query.severity.map(|s| s.rank()),
        rule: query.rule.map(|r| r.as_str().to_owned()),
        assignee,
        account_id: query.account_id,
        // Ages count back from the time of each request.
        created_to: query
            .min_age_minutes
            .map(|m| now - i64::from(m) * MINUTE_MS),
        created_from: query
            .max_age_minutes
            .map(|m| now - i64::from(m) * MINUTE_MS),
        order: query.sort.unwrap_or_default(),
    })
}
