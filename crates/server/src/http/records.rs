//! Limit-change requests and disputes.

use axum::Json;
use axum::extract::State;
use riskdesk_api::Page;
use riskdesk_api::lists::{DisputeQuery, LimitChangeQuery};
use riskdesk_api::views::{DisputeView, LimitChangeView};
use riskdesk_domain::operator::Permission;

use super::AppState;
use super::paging::{page, page_request};
use super::problem::{ApiResult, Params};
use super::session::Signed;
use super::views;
use crate::store::{DisputeFilter, LimitChangeFilter};

/// Credit-limit change requests, newest first.
#[utoipa::path(get, path = "/v1/limit-changes", tag = "limits", params(LimitChangeQuery),
    security(("bearer" = [])),
    responses((status = 200, body = Page<LimitChangeView>), (status = 400, body = riskdesk_api::Problem)))]
pub async fn limit_changes(
    State(state): State<AppState>,
    signed: Signed,
    Params(query): Params<LimitChangeQuery>,
) -> ApiResult<Json<Page<LimitChangeView>>> {
    signed.require(Permission::ReadLimitChanges)?;
    let filter = LimitChangeFilter {
        status: query.status.map(|s| s.as_str().to_owned()),
        account_id: query.account_id,
    };
    let request = page_request(query.cursor.as_deref(), query.limit, &filter, 1)?;
    let rows = state.store.limit_changes(&filter, &request).await?;
    Ok(Json(page(
        rows,
        &request,
        &filter,
        |r| vec![r.id],
        views::limit_change,
    )?))
}

/// Customer disputes, newest first.
#[utoipa::path(get, path = "/v1/disputes", tag = "disputes", params(DisputeQuery),
    security(("bearer" = [])),
    responses((status = 200, body = Page<DisputeView>), (status = 400, body = riskdesk_api::Problem)))]
pub async fn disputes(
    State(state): State<AppState>,
    signed: Signed,
    Params(query): Params<DisputeQuery>,
) -> ApiResult<Json<Page<DisputeView>>> {
    signed.require(Permission::ReadDisputes)?;
    let filter = DisputeFilter {
        status: query.status.map(|s| s.as_str().to_owned()),
        account_id: query.account_id,
    };
    let request = page_request(query.cursor.as_deref(), query.limit, &filter, 1)?;
    let rows = state.store.disputes(&filter, &request).await?;
    let now = state.clock.now_ms();
    Ok(Json(page(
        rows,
        &request,
        &filter,
        |r| vec![r.id],
        |row| views::dispute(row, now),
    )?))
}
