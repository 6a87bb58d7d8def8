//! Disputes worked by customer-service agents: opened from a payment,
//! escalated to the risk team (who decide it from then on), resolved by a
//! refund (recorded as a refund transaction, the amount back on the
//! available limit, in the same transaction) or by rejection — each step
//! versioned, idempotent and audited, with a timeline. A refund above the
//! maker's own limit is proposed and approved by another person with a
//! TOTP code (`riskdesk_domain::dispute`).

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use riskdesk_api::decisions::{
    DisputeAction, DisputeDetail, DisputeEventView, DisputeStepRequest, OpenDispute,
};
use riskdesk_domain::operator::Permission;

use super::AppState;
use super::decide::{WriteKey, decide, text, version};
use super::problem::{ApiError, ApiResult, Body, PathParam};
use super::session::Signed;
use super::views;
use crate::clock::utc;
use riskdesk_domain::dispute::DisputeStep as Step;

use crate::store::{DisputeFilter, DisputeOpen, DisputeStep, PageRequest};

/// How long a dispute may stay unresolved before it is overdue.
const SLA_MS: i64 = 10 * 24 * 60 * 60 * 1000;

/// Opens a dispute about a purchase, with the customer's statement and
/// references to what they sent; one open dispute per payment.
#[utoipa::path(post, path = "/v1/disputes", tag = "disputes",
    params(("Idempotency-Key" = String, Header)), request_body = OpenDispute,
    security(("bearer" = [])),
    responses((status = 200, body = riskdesk_api::views::DisputeView),
        (status = 409, body = riskdesk_api::Problem)))]
pub async fn open(
    State(state): State<AppState>,
    signed: Signed,
    key: WriteKey,
    Body(request): Body<OpenDispute>,
) -> ApiResult<Response> {
    signed.require(Permission::HandleDisputes)?;
    let statement = text(&request.statement, "statement", 2_000)?;
    if request.attachments.len() > 10 {
        return Err(ApiError::invalid("at most 10 attachments"));
    }
    let attachments = request
        .attachments
        .iter()
        .map(|a| text(a, "an attachment reference", 200))
        .collect::<ApiResult<Vec<_>>>()?;
    let write = DisputeOpen {
        transaction_id: request.transaction_id,
        reason: request.reason.as_str().to_owned(),
        statement,
        attachments: serde_json::to_string(&attachments).map_err(anyhow::Error::from)?,
        sla_ms: SLA_MS,
    };
    decide(
        &state,
        &signed,
        key,
        "disputes",
        &request,
        None,
        |store, claim, actor| async move { store.open_dispute(&claim, &actor, &write).await },
    )
    .await
}

/// A dispute and its timeline.
#[utoipa::path(get, path = "/v1/disputes/{id}", tag = "disputes", params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = DisputeDetail), (status = 404, body = riskdesk_api::Problem)))]
pub async fn detail(
    State(state): State<AppState>,
    signed: Signed,
    PathParam(id): PathParam<i64>,
) -> ApiResult<Json<DisputeDetail>> {
    signed.require(Permission::ReadDisputes)?;
    let row = state
        .store
        .dispute(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("dispute {id}")))?;
    let events = state.store.dispute_events(id).await?;
    let now = state.clock.now_ms();
    let account = state
        .store
        .account(row.account_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("dispute {id}: account {} is gone", row.account_id))?;
    let filter = DisputeFilter {
        account_id: Some(row.account_id),
        ..DisputeFilter::default()
    };
    let page = PageRequest {
        after: None,
        limit: 21,
    };
    let account_disputes = state
        .store
        .disputes(&filter, &page)
        .await?
        .into_iter()
        .filter(|d| d.id != id)
        .take(20)
        .map(|d| views::dispute(d, now))
        .collect::<ApiResult<_>>()?;
    Ok(Json(DisputeDetail {
        account: views::account_summary(&account.account)?,
        account_disputes,
        dispute: views::dispute(row, now)?,
        events: events
            .into_iter()
            .map(|e| DisputeEventView {
                at: utc(e.at),
                actor: e.actor,
                kind: e.kind,
                note: e.note,
            })
            .collect(),
    }))
}

/// Escalates a dispute, or resolves it by refund or rejection.
#[utoipa::path(post, path = "/v1/disputes/{id}/steps", tag = "disputes",
    params(("id" = i64, Path), ("Idempotency-Key" = String, Header)),
    request_body = DisputeStepRequest, security(("bearer" = [])),
    responses((status = 200, body = riskdesk_api::views::DisputeView),
        (status = 409, body = riskdesk_api::Problem), (status = 412, body = riskdesk_api::Problem)))]
pub async fn step(
    State(state): State<AppState>,
    signed: Signed,
    key: WriteKey,
    PathParam(id): PathParam<i64>,
    Body(request): Body<DisputeStepRequest>,
) -> ApiResult<Response> {
    signed.require_any(&[
        Permission::HandleDisputes,
        Permission::DecideEscalatedDisputes,
    ])?;
    let (step, note, totp) = match &request.action {
        DisputeAction::Escalate { note } => (Step::Escalate, text(note, "note", 2_000)?, None),
        DisputeAction::Refund { amount, note, totp } => {
            if amount.fen() <= 0 {
                return Err(ApiError::invalid("a refund is more than zero"));
            }
            let step = Step::Refund { amount: *amount };
            (step, text(note, "note", 2_000)?, totp.as_deref())
        }
        DisputeAction::Reject { reason } => (Step::Reject, text(reason, "reason", 2_000)?, None),
        DisputeAction::ApproveRefund { totp, note } => (
            Step::ApproveRefund,
            text(note, "note", 2_000)?,
            Some(totp.as_str()),
        ),
        DisputeAction::RejectRefund { reason } => {
            (Step::RejectRefund, text(reason, "reason", 2_000)?, None)
        }
    };
    let write = DisputeStep {
        id,
        version: version(request.version, "dispute")?,
        step,
        note,
        policy: state.rules.current().rules.dispute_approval.clone(),
    };
    let route = format!("disputes/{id}/steps");
    decide(
        &state,
        &signed,
        key,
        &route,
        &request,
        totp,
        |store, claim, actor| async move { store.dispute_step(&claim, &actor, &write).await },
    )
    .await
}
