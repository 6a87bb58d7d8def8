//! Credit-limit changes under four eyes: an officer proposes (a decrease
//! applies at once), another officer or a manager — by the request's tier —
//! approves with a fresh TOTP code, or rejects with a reason.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use riskdesk_api::decisions::{ProposeLimitChange, ReasonedChange, StepUpApproval};
use riskdesk_api::views::LimitChangeView;
use riskdesk_domain::operator::Permission;

use super::AppState;
use super::decide::{WriteKey, decide, text, version};
use super::problem::{ApiError, ApiResult, Body, PathParam};
use super::session::Signed;
use super::views;
use crate::store::{LimitDecisionWrite, ProposalWrite};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Proposes a new limit for an account. An increase waits for a checker of
/// its tier; a decrease applies at once (and is audited).
#[utoipa::path(post, path = "/v1/accounts/{id}/limit-changes", tag = "limits",
    params(("id" = i64, Path), ("Idempotency-Key" = String, Header)),
    request_body = ProposeLimitChange, security(("bearer" = [])),
    responses((status = 200, body = LimitChangeView), (status = 409, body = riskdesk_api::Problem)))]
pub async fn propose(
    State(state): State<AppState>,
    signed: Signed,
    key: WriteKey,
    PathParam(account_id): PathParam<i64>,
    Body(request): Body<ProposeLimitChange>,
) -> ApiResult<Response> {
    signed.require(Permission::ProposeLimitChange)?;
    if request.proposed_limit.is_negative() {
        return Err(ApiError::invalid("proposed_limit must not be negative"));
    }
    let note = request
        .note
        .as_deref()
        .map(|n| text(n, "note", 2_000))
        .transpose()?;
    let rules = &state.rules.current().rules;
    let write = ProposalWrite {
        account_id,
        proposed_limit_fen: request.proposed_limit.fen(),
        reason: request.reason.as_str().to_owned(),
        note,
        max_limit_fen: rules.limit_review.max_limit.fen(),
        expires_ms: i64::from(rules.limit_review.expires_days) * DAY_MS,
        approval: rules.limit_approval.clone(),
    };
    let route = format!("accounts/{account_id}/limit-changes");
    decide(&state, &signed, key, &route, &request, None, |store, claim, actor| async move {
        store.propose_limit_change(&claim, &actor, &write).await
    })
    .await
}

/// One limit-change request.
#[utoipa::path(get, path = "/v1/limit-changes/{id}", tag = "limits", params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = LimitChangeView), (status = 404, body = riskdesk_api::Problem)))]
pub async fn detail(
    State(state): State<AppState>,
    signed: Signed,
    PathParam(id): PathParam<i64>,
) -> ApiResult<Json<LimitChangeView>> {
    signed.require(Permission::ReadLimitChanges)?;
    let row = state
        .store
        .limit_change(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("limit change {id}")))?;
    Ok(Json(views::limit_change(row)?))
}

/// Approves a pending request and applies it to the account, atomically.
/// Never by its maker; a manager-tier request only by a manager; needs a
/// fresh TOTP code.
#[utoipa::path(post, path = "/v1/limit-changes/{id}/approve", tag = "limits",
    params(("id" = i64, Path), ("Idempotency-Key" = String, Header)),
    request_body = StepUpApproval, security(("bearer" = [])),
    responses((status = 200, body = LimitChangeView), (status = 403, body = riskdesk_api::Problem),
        (status = 409, body = riskdesk_api::Problem), (status = 412, body = riskdesk_api::Problem)))]
pub async fn approve(
    State(state): State<AppState>,
    signed: Signed,
    key: WriteKey,
    PathParam(id): PathParam<i64>,
    Body(request): Body<StepUpApproval>,
) -> ApiResult<Response> {
    signed.require(Permission::ApproveLimitChange)?;
    let write = LimitDecisionWrite {
        id,
        version: version(request.version, "limit-change request")?,
        approve: true,
        note: None,
    };
    let route = format!("limit-changes/{id}/approve");
    decide(&state, &signed, key, &route, &request, Some(&request.totp), |store, claim, actor| async move {
        store.decide_limit_change(&claim, &actor, &write).await
    })
    .await
}

/// Rejects a pending request, with the reason. Never by its maker.
#[utoipa::path(post, path = "/v1/limit-changes/{id}/reject", tag = "limits",
    params(("id" = i64, Path), ("Idempotency-Key" = String, Header)),
    request_body = ReasonedChange, security(("bearer" = [])),
    responses((status = 200, body = LimitChangeView), (status = 403, body = riskdesk_api::Problem),
        (status = 409, body = riskdesk_api::Problem), (status = 412, body = riskdesk_api::Problem)))]
pub async fn reject(
    State(state): State<AppState>,
    signed: Signed,
    key: WriteKey,
    PathParam(id): PathParam<i64>,
    Body(request): Body<ReasonedChange>,
) -> ApiResult<Response> {
    signed.require(Permission::ApproveLimitChange)?;
    let write = LimitDecisionWrite {
        id,
        version: version(request.version, "limit-change request")?,
        approve: false,
        note: Some(text(&request.reason, "reason", 500)?),
    };
    let route = format!("limit-changes/{id}/reject");
    decide(&state, &signed, key, &route, &request, None, |store, claim, actor| async move {
        store.decide_limit_change(&claim, &actor, &write).await
    })
    .await
}
