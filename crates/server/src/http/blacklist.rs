//! The blacklist: entries added with a normalised value, a reason and an
//! optional expiry; removed only by two people — one asks, another approves
//! with a fresh TOTP code.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use riskdesk_api::Page;
use riskdesk_api::decisions::{AddBlacklistEntry, ReasonedChange, StepUpApproval};
use riskdesk_api::lists::BlacklistQuery;
use riskdesk_api::views::BlacklistEntryView;
use riskdesk_domain::blacklist::{BlacklistKind, normalise};
use riskdesk_domain::operator::Permission;

use super::AppState;
use super::decide::{WriteKey, decide, text, version};
use super::paging::{page, page_request};
use super::problem::{ApiError, ApiResult, Body, Params, PathParam};
use super::session::Signed;
use super::views;
use crate::clock::utc;
use crate::store::{BlacklistFilter, BlacklistWrite, RemovalStep, RemovalWrite};

/// Blacklist entries, newest first; expired ones only on request.
#[utoipa::path(get, path = "/v1/blacklist", tag = "blacklist", params(BlacklistQuery),
    security(("bearer" = [])),
    responses((status = 200, body = Page<BlacklistEntryView>), (status = 400, body = riskdesk_api::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    signed: Signed,
    Params(query): Params<BlacklistQuery>,
) -> ApiResult<Json<Page<BlacklistEntryView>>> {
    signed.require(Permission::ReadBlacklist)?;
    if query.q.as_ref().is_some_and(|q| q.chars().count() > 64) {
        return Err(ApiError::invalid("q must be at most 64 characters"));
    }
    let filter = BlacklistFilter {
        kind: query.kind.map(|k| k.as_str().to_owned()),
        text: query.q.filter(|q| !q.is_empty()),
        live_at: (!query.include_expired.unwrap_or(false)).then(|| state.clock.now_ms()),
        removal_pending: query.removal_pending.unwrap_or(false),
    };
    let fingerprint = (
        &filter.kind,
        &filter.text,
        filter.live_at.is_some(),
        filter.removal_pending,
    );
    let request = page_request(query.cursor.as_deref(), query.limit, &fingerprint, 1)?;
    let rows = state.store.blacklist(&filter, &request).await?;
    Ok(Json(page(
        rows,
        &request,
        &fingerprint,
        |r| vec![r.id],
        views::blacklist_entry,
    )?))
}

/// Lists a value. It is normalised first (phones to 11 digits, national IDs
/// to their hash, IPs and blocks canonical, areas `city:NAME` or
/// `LAT,LON,Rkm`); a value already live on the list is a 409, a customer
/// id that names no customer a 404.
#[utoipa::path(post, path = "/v1/blacklist", tag = "blacklist",
    params(("Idempotency-Key" = String, Header)), request_body = AddBlacklistEntry,
    security(("bearer" = [])),
    responses((status = 200, body = BlacklistEntryView), (status = 400, body = riskdesk_api::Problem),
        (status = 404, body = riskdesk_api::Problem), (status = 409, body = riskdesk_api::Problem)))]
pub async fn add(
    State(state): State<AppState>,
    signed: Signed,
    key: WriteKey,
    Body(request): Body<AddBlacklistEntry>,
) -> ApiResult<Response> {
    signed.require(Permission::ManageBlacklist)?;
    let mut value =
        normalise(request.kind, &request.value).map_err(|e| ApiError::invalid(e.to_string()))?;
    // A national ID is listed as its keyed hash; the number goes no further.
    if request.kind == BlacklistKind::NationalIdHash && value.len() == 18 {
        value = state.store.index_national_id(&value);
    }
    if let Some(expires_at) = request.expires_at
        && expires_at <= utc(state.clock.now_ms())
    {
        return Err(ApiError::invalid("expires_at must be in the future"));
    }
    let write = BlacklistWrite {
        kind: request.kind.as_str().to_owned(),
        value,
        reason: text(&request.reason, "reason", 500)?,
        expires_at: request.expires_at.map(|t| t.timestamp_millis()),
    };
    decide(
        &state,
        &signed,
        key,
        "blacklist",
        &request,
        None,
        |store, claim, actor| async move { store.add_blacklist(&claim, &actor, &write).await },
    )
    .await
}

/// Asks for an entry's removal, with the reason; a second person decides.
#[utoipa::path(post, path = "/v1/blacklist/{id}/removal", tag = "blacklist",
    params(("id" = i64, Path), ("Idempotency-Key" = String, Header)),
    request_body = ReasonedChange, security(("bearer" = [])),
    responses((status = 200, body = BlacklistEntryView), (status = 409, body = riskdesk_api::Problem),
        (status = 412, body = riskdesk_api::Problem)))]
pub async fn request_removal(
    State(state): State<AppState>,
    signed: Signed,
    key: WriteKey,
    PathParam(id): PathParam<i64>,
    Body(request): Body<ReasonedChange>,
) -> ApiResult<Response> {
    let reason = text(&request.reason, "reason", 500)?;
    removal(
        state,
        signed,
        key,
        id,
        request.version,
        RemovalStep::Request,
        Some(reason),
        &request,
        None,
    )
    .await
}

/// Approves a removal someone else asked for: a fresh TOTP code.
#[utoipa::path(post, path = "/v1/blacklist/{id}/removal/approve", tag = "blacklist",
    params(("id" = i64, Path), ("Idempotency-Key" = String, Header)),
    request_body = StepUpApproval, security(("bearer" = [])),
    responses((status = 200, body = BlacklistEntryView), (status = 403, body = riskdesk_api::Problem),
        (status = 412, body = riskdesk_api::Problem)))]
pub async fn approve_removal(
    State(state): State<AppState>,
    signed: Signed,
    key: WriteKey,
    PathParam(id): PathParam<i64>,
    Body(request): Body<StepUpApproval>,
) -> ApiResult<Response> {
    let totp = request.totp.clone();
    removal(
        state,
        signed,
        key,
        id,
        request.version,
        RemovalStep::Approve,
        None,
        &request,
        Some(&totp),
    )
    .await
}

/// Turns a removal request down (or withdraws one's own): the entry stays.
#[utoipa::path(post, path = "/v1/blacklist/{id}/removal/reject", tag = "blacklist",
    params(("id" = i64, Path), ("Idempotency-Key" = String, Header)),
    request_body = ReasonedChange, security(("bearer" = [])),
    responses((status = 200, body = BlacklistEntryView), (status = 409, body = riskdesk_api::Problem),
        (status = 412, body = riskdesk_api::Problem)))]
pub async fn reject_removal(
    State(state): State<AppState>,
    signed: Signed,
    key: WriteKey,
    PathParam(id): PathParam<i64>,
    Body(request): Body<ReasonedChange>,
) -> ApiResult<Response> {
    let reason = text(&request.reason, "reason", 500)?;
    removal(
        state,
        signed,
        key,
        id,
        request.version,
        RemovalStep::Reject,
        Some(reason),
        &request,
        None,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn removal(
    state: AppState,
    signed: Signed,
    key: WriteKey,
    id: i64,
    version_given: Option<i64>,
    step: RemovalStep,
    reason: Option<String>,
    request: &(impl serde::Serialize + Sync),
    totp: Option<&str>,
) -> ApiResult<Response> {
    signed.require(Permission::ManageBlacklist)?;
    let write = RemovalWrite {
        id,
        version: version(version_given, "blacklist entry")?,
        step,
        reason,
    };
    let route = format!("blacklist/{id}/removal/{step:?}");
    decide(
        &state,
        &signed,
        key,
        &route,
        request,
        totp,
        |store, claim, actor| async move { store.blacklist_removal(&claim, &actor, &write).await },
    )
    .await
}
