//! Freezes on an account's limit placed and released by operators. The
//! engine's authorizations see them at once: they lock the same account row.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use chrono::{DateTime, Duration, Utc};
use riskdesk_api::decisions::{FreezeRequest, ReleaseFreeze};
use riskdesk_api::views::AccountFreezeView;
use riskdesk_domain::operator::Permission;

use super::AppState;
use super::decide::{WriteKey, decide, text, version};
use super::problem::{ApiError, ApiResult, Body, PathParam};
use super::session::Signed;
use super::views;
use crate::clock::utc;
use crate::store::{FreezeWrite, ReleaseWrite};

/// The furthest a lapse time may be.
const MAX_LAPSE_DAYS: i64 = 366;

/// When a freeze lapses by itself, in ms: in the future and within
/// [`MAX_LAPSE_DAYS`], or never.
pub fn lapse(lapses_at: Option<DateTime<Utc>>, now_ms: i64) -> ApiResult<Option<i64>> {
    let now = utc(now_ms);
    match lapses_at {
        Some(at) if at <= now || at > now + Duration::days(MAX_LAPSE_DAYS) => {
            Err(ApiError::invalid(format!(
                "lapses_at must be in the future and within {MAX_LAPSE_DAYS} days"
            )))
        }
        at => Ok(at.map(|t| t.timestamp_millis())),
    }
}

/// An account's freezes, newest first: live and released.
#[utoipa::path(get, path = "/v1/accounts/{id}/freezes", tag = "accounts", params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = Vec<AccountFreezeView>), (status = 404, body = riskdesk_api::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    signed: Signed,
    PathParam(id): PathParam<i64>,
) -> ApiResult<Json<Vec<AccountFreezeView>>> {
    signed.require(Permission::ReadAccounts)?;
    if state.store.account(id).await?.is_none() {
        return Err(ApiError::not_found(format!("account {id}")));
    }
    let rows = state.store.freezes(id).await?;
    Ok(Json(
        rows.into_iter()
            .map(views::freeze)
            .collect::<ApiResult<_>>()?,
    ))
}

/// Freezes part (`amount`) or all of what the account has available, with a
/// reason and an optional lapse time.
#[utoipa::path(post, path = "/v1/accounts/{id}/freezes", tag = "accounts",
    params(("id" = i64, Path), ("Idempotency-Key" = String, Header)),
    request_body = FreezeRequest, security(("bearer" = [])),
    responses((status = 200, body = AccountFreezeView), (status = 409, body = riskdesk_api::Problem)))]
pub async fn place(
    State(state): State<AppState>,
    signed: Signed,
    key: WriteKey,
    PathParam(account_id): PathParam<i64>,
    Body(request): Body<FreezeRequest>,
) -> ApiResult<Response> {
    signed.require(Permission::FreezeCredit)?;
    if request.amount.is_some_and(|a| a.fen() <= 0) {
        return Err(ApiError::invalid("amount must be more than zero"));
    }
    let write = FreezeWrite {
        account_id,
        amount_fen: request.amount.map(|a| a.fen()),
        reason: text(&request.reason, "reason", 500)?,
        lapses_at: lapse(request.lapses_at, state.clock.now_ms())?,
    };
    let route = format!("accounts/{account_id}/freezes");
    decide(
        &state,
        &signed,
        key,
        &route,
        &request,
        None,
        |store, claim, actor| async move { store.freeze(&claim, &actor, &write).await },
    )
    .await
}

/// Releases a freeze (an operator's or the engine's): a fresh TOTP code and
/// the reason.
#[utoipa::path(post, path = "/v1/freezes/{id}/release", tag = "accounts",
    params(("id" = i64, Path), ("Idempotency-Key" = String, Header)),
    request_body = ReleaseFreeze, security(("bearer" = [])),
    responses((status = 200, body = AccountFreezeView), (status = 403, body = riskdesk_api::Problem),
        (status = 412, body = riskdesk_api::Problem)))]
pub async fn release(
    State(state): State<AppState>,
    signed: Signed,
    key: WriteKey,
    PathParam(id): PathParam<i64>,
    Body(request): Body<ReleaseFreeze>,
) -> ApiResult<Response> {
    signed.require(Permission::FreezeCredit)?;
    let write = ReleaseWrite {
        id,
        version: version(request.version, "freeze")?,
        reason: text(&request.reason, "reason", 500)?,
    };
    let route = format!("freezes/{id}/release");
    decide(
        &state,
        &signed,
        key,
        &route,
        &request,
        Some(&request.totp),
        |store, claim, actor| async move { store.release_freeze(&claim, &actor, &write).await },
    )
    .await
}
