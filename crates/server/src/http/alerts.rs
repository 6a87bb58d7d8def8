//! The fraud-alert queue.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use riskdesk_api::Page;
use riskdesk_api::decisions::{
    AlertNoteView, BulkTriageRequest, BulkTriageResult, NoteRequest, TriageAction, TriageRequest,
};
use riskdesk_api::lists::{AlertQuery, AlertSort};
use riskdesk_api::views::{AlertCounts, AlertView};
use riskdesk_domain::alert::AlertStatus;
use riskdesk_domain::operator::Permission;

use super::AppState;
use super::decide::{WriteKey, decide, text, version};
use super::paging::{page, page_request};
use super::problem::{ApiError, ApiResult, Body, Params, PathParam};
use super::session::Signed;
use super::views;
use crate::store::{AlertFilter, AlertRow, Assignee, TriageWrite};

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
    let now = state.clock.now_ms();
    Ok(Json(page(rows, &request, &fingerprint, key, |row| {
        views::alert(row, now)
    })?))
}

/// How many alerts match the queue's filters, per status: the queue's tabs.
/// The query's `status` and `sort` play no part; paging is refused.
#[utoipa::path(get, path = "/v1/alerts/counts", tag = "alerts", params(AlertQuery),
    security(("bearer" = [])),
    responses((status = 200, body = AlertCounts), (status = 400, body = riskdesk_api::Problem)))]
pub async fn counts(
    State(state): State<AppState>,
    signed: Signed,
    Params(query): Params<AlertQuery>,
) -> ApiResult<Json<AlertCounts>> {
    signed.require(Permission::ReadAlerts)?;
    super::paging::unpaged(query.cursor.as_deref(), query.limit)?;
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

/// The oldest age a queue query may name: ten years, in minutes.
const MAX_AGE_MINUTES: u32 = 10 * 365 * 24 * 60;

/// The store's filter for a queue query, ages counted back from `now`.
pub fn alert_filter(query: &AlertQuery, now: i64) -> ApiResult<AlertFilter> {
    for (name, minutes) in [
        ("min_age_minutes", query.min_age_minutes),
        ("max_age_minutes", query.max_age_minutes),
    ] {
        if minutes.is_some_and(|m| m > MAX_AGE_MINUTES) {
            return Err(ApiError::invalid(format!(
                "{name} must be at most {MAX_AGE_MINUTES} (ten years)"
            )));
        }
    }
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
        Some(id) if id.chars().count() <= 64 => Some(Assignee::Operator(id.to_owned())),
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

/// One alert.
#[utoipa::path(get, path = "/v1/alerts/{id}", tag = "alerts", params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = AlertView), (status = 404, body = riskdesk_api::Problem)))]
pub async fn detail(
    State(state): State<AppState>,
    signed: Signed,
    PathParam(id): PathParam<i64>,
) -> ApiResult<Json<AlertView>> {
    signed.require(Permission::ReadAlerts)?;
    let row = state
        .store
        .alert(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("alert {id}")))?;
    Ok(Json(views::alert(row, state.clock.now_ms())?))
}

/// An alert's notes, oldest first.
#[utoipa::path(get, path = "/v1/alerts/{id}/notes", tag = "alerts", params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = Vec<AlertNoteView>), (status = 404, body = riskdesk_api::Problem)))]
pub async fn notes(
    State(state): State<AppState>,
    signed: Signed,
    PathParam(id): PathParam<i64>,
) -> ApiResult<Json<Vec<AlertNoteView>>> {
    signed.require(Permission::ReadAlerts)?;
    if state.store.alert(id).await?.is_none() {
        return Err(ApiError::not_found(format!("alert {id}")));
    }
    let notes = state.store.alert_notes(id).await?;
    Ok(Json(notes.into_iter().map(views::note).collect()))
}

/// Adds a note to an alert (its version does not change).
#[utoipa::path(post, path = "/v1/alerts/{id}/notes", tag = "alerts", params(("id" = i64, Path),
    ("Idempotency-Key" = String, Header)), request_body = NoteRequest, security(("bearer" = [])),
    responses((status = 200, body = AlertNoteView), (status = 404, body = riskdesk_api::Problem),
        (status = 428, body = riskdesk_api::Problem)))]
pub async fn add_note(
    State(state): State<AppState>,
    signed: Signed,
    key: WriteKey,
    PathParam(id): PathParam<i64>,
    Body(request): Body<NoteRequest>,
) -> ApiResult<Response> {
    signed.require(Permission::TriageAlerts)?;
    let body = text(&request.body, "body", MAX_NOTE)?;
    let route = format!("alerts/{id}/notes");
    decide(
        &state,
        &signed,
        key,
        &route,
        &request,
        None,
        |store, claim, actor| async move { store.add_note(&claim, &actor, id, &body).await },
    )
    .await
}

/// One triage step on one alert: claim, assign, release, escalate (with a
/// note) or close with a disposition.
#[utoipa::path(post, path = "/v1/alerts/{id}/triage", tag = "alerts", params(("id" = i64, Path),
    ("Idempotency-Key" = String, Header)), request_body = TriageRequest, security(("bearer" = [])),
    responses((status = 200, body = AlertView), (status = 409, body = riskdesk_api::Problem),
        (status = 412, body = riskdesk_api::Problem), (status = 428, body = riskdesk_api::Problem)))]
pub async fn triage(
    State(state): State<AppState>,
    signed: Signed,
    key: WriteKey,
    PathParam(id): PathParam<i64>,
    Body(request): Body<TriageRequest>,
) -> ApiResult<Response> {
    signed.require(Permission::TriageAlerts)?;
    let version = version(request.version, "alert")?;
    let write = triage_write(
        vec![(id, version)],
        &request.action,
        request.note.as_deref(),
        false,
    )?;
    let route = format!("alerts/{id}/triage");
    decide(
        &state,
        &signed,
        key,
        &route,
        &request,
        None,
        |store, claim, actor| async move { store.triage(&claim, &actor, &write).await },
    )
    .await
}

/// The same triage step on up to 200 alerts, each with its version; every
/// alert succeeds or fails on its own, and the answer lists each result.
#[utoipa::path(post, path = "/v1/alerts/triage", tag = "alerts",
    params(("Idempotency-Key" = String, Header)), request_body = BulkTriageRequest,
    security(("bearer" = [])),
    responses((status = 200, body = BulkTriageResult), (status = 400, body = riskdesk_api::Problem),
        (status = 428, body = riskdesk_api::Problem)))]
pub async fn bulk_triage(
    State(state): State<AppState>,
    signed: Signed,
    key: WriteKey,
    Body(request): Body<BulkTriageRequest>,
) -> ApiResult<Response> {
    signed.require(Permission::TriageAlerts)?;
    if request.items.is_empty() || request.items.len() > MAX_BULK {
        return Err(ApiError::invalid(format!(
            "items must list 1–{MAX_BULK} alerts"
        )));
    }
    let mut seen = std::collections::HashSet::new();
    let mut items = Vec::with_capacity(request.items.len());
    for item in &request.items {
        if !seen.insert(item.id) {
            return Err(ApiError::invalid(format!(
                "alert {} is listed twice",
                item.id
            )));
        }
        items.push((
            item.id,
            version(item.version, &format!("alert {}", item.id))?,
        ));
    }
    let write = triage_write(items, &request.action, request.note.as_deref(), true)?;
    decide(
        &state,
        &signed,
        key,
        "alerts/triage",
        &request,
        None,
        |store, claim, actor| async move { store.triage(&claim, &actor, &write).await },
    )
    .await
}

/// Claims the next alert: the most severe, oldest open one nobody holds.
/// 404 when the queue is clear.
#[utoipa::path(post, path = "/v1/alerts/next", tag = "alerts",
    params(("Idempotency-Key" = String, Header)), security(("bearer" = [])),
    responses((status = 200, body = AlertView), (status = 404, body = riskdesk_api::Problem)))]
pub async fn next(
    State(state): State<AppState>,
    signed: Signed,
    key: WriteKey,
) -> ApiResult<Response> {
    signed.require(Permission::TriageAlerts)?;
    decide(
        &state,
        &signed,
        key,
        "alerts/next",
        &(),
        None,
        |store, claim, actor| async move { store.next_alert(&claim, &actor).await },
    )
    .await
}

const MAX_NOTE: usize = 2_000;
const MAX_BULK: usize = 200;

fn triage_write(
    items: Vec<(i64, i64)>,
    action: &TriageAction,
    note: Option<&str>,
    bulk: bool,
) -> ApiResult<TriageWrite> {
    let note = note.map(|n| text(n, "note", MAX_NOTE)).transpose()?;
    if matches!(action, TriageAction::Escalate) && note.is_none() {
        return Err(ApiError::invalid("say why in a note when escalating"));
    }
    if let TriageAction::Assign { to } = action
        && (to.is_empty() || to.len() > 64)
    {
        return Err(ApiError::invalid(
            "assign to an operator id of 1–64 characters",
        ));
    }
    Ok(TriageWrite {
        items,
        action: action.clone(),
        note,
        bulk,
    })
}
