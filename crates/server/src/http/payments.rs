//! The payment channel's endpoints: authorizations from the checkout and the
//! ledger's other moves. Callers authenticate as service clients with a key
//! of their own (`riskdesk-server service-client add`); an operator's
//! session token is refused here, and a service key everywhere else.

use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use riskdesk_api::ProblemCode;
use riskdesk_api::payments::{
    AuthorizeRequest, AuthorizeResponse, LedgerResult, RefundRequest, RepaymentRequest,
};

use super::AppState;
use super::problem::{ApiError, ApiResult, Body, PathParam};
use crate::auth;
use crate::engine::{self, Answer, EngineError};

/// A service client behind a valid key.
#[derive(Clone, Debug)]
pub struct ServiceClient {
    pub id: String,
}

impl FromRequestParts<AppState> for ServiceClient {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let unauthenticated = |detail: &str| ApiError::new(ProblemCode::Unauthenticated, detail);
        let key = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.strip_prefix("Bearer "))
            .filter(|k| !k.is_empty() && k.len() <= 128)
            .ok_or_else(|| {
                unauthenticated("expected Authorization: Bearer <service-client key>")
            })?;
        match state.store.service_client(&auth::token_hash(key)).await? {
            Some(client) if client.revoked_at.is_none() => Ok(ServiceClient { id: client.id }),
            Some(_) => Err(unauthenticated("this service-client key was revoked")),
            None => Err(unauthenticated(
                "unknown service-client key (operators' session tokens are not accepted here)",
            )),
        }
    }
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> ApiError {
        match e {
            EngineError::Invalid(detail) => ApiError::invalid(detail),
            EngineError::NotFound(detail) => ApiError::new(ProblemCode::NotFound, detail),
            EngineError::State(detail) => ApiError::new(ProblemCode::InvalidState, detail),
            EngineError::Mismatch(detail) => {
                ApiError::new(ProblemCode::IdempotencyMismatch, detail)
            }
            EngineError::Store(e) => e.into(),
            EngineError::Corrupt(e) => e.into(),
        }
    }
}

/// `Idempotent-Replayed: true` on the answer to a retry.
fn answered<T: serde::Serialize>(answer: Answer<T>) -> Response {
    let mut response = Json(answer.body).into_response();
    if answer.replayed {
        response.headers_mut().insert(
            HeaderName::from_static("idempotent-replayed"),
            HeaderValue::from_static("true"),
        );
    }
    response
}

/// Decide a payment from the checkout: approve, review (held for an officer,
/// amount reserved) or decline, with every rule that fired and its evidence.
/// Idempotent by `order_id`: the same order again gets the first answer
/// (with `Idempotent-Replayed: true`); the same id with another order, 422.
#[utoipa::path(post, path = "/v1/payments/authorize", tag = "payments",
    request_body = AuthorizeRequest, security(("service_key" = [])),
    responses(
        (status = 200, body = AuthorizeResponse),
        (status = 400, body = riskdesk_api::Problem, description = "A field is malformed or out of range"),
        (status = 401, body = riskdesk_api::Problem, description = "No valid service-client key"),
        (status = 404, body = riskdesk_api::Problem, description = "No such account"),
        (status = 422, body = riskdesk_api::Problem, description = "The order id was used for another order"),
    ))]
pub async fn authorize(
    State(state): State<AppState>,
    client: ServiceClient,
    Body(request): Body<AuthorizeRequest>,
) -> ApiResult<Response> {
    let answer = engine::authorize(
        &*state.store,
        &state.rules.versions(),
        &request,
        state.clock.now_ms(),
    )
    .await?;
    tracing::debug!(
        client = %client.id,
        order = %request.order_id,
        decision = answer.body.decision.as_str(),
        "authorized"
    );
    Ok(answered(answer))
}

/// The platform settled an authorized payment: it becomes owed. Settling a
/// settled payment again changes nothing.
#[utoipa::path(post, path = "/v1/payments/{order_id}/settle", tag = "payments",
    params(("order_id" = String, Path)), security(("service_key" = [])),
    responses(
        (status = 200, body = LedgerResult),
        (status = 404, body = riskdesk_api::Problem),
        (status = 409, body = riskdesk_api::Problem, description = "Declined, reversed or refunded"),
    ))]
pub async fn settle(
    State(state): State<AppState>,
    _client: ServiceClient,
    PathParam(order_id): PathParam<String>,
) -> ApiResult<Json<LedgerResult>> {
    Ok(Json(engine::settle(&*state.store, &order_id).await?))
}

/// The platform cancelled an authorized payment: its reservation is released.
#[utoipa::path(post, path = "/v1/payments/{order_id}/reverse", tag = "payments",
    params(("order_id" = String, Path)), security(("service_key" = [])),
    responses(
        (status = 200, body = LedgerResult),
        (status = 404, body = riskdesk_api::Problem),
        (status = 409, body = riskdesk_api::Problem, description = "Not authorized any more"),
    ))]
pub async fn reverse(
    State(state): State<AppState>,
    _client: ServiceClient,
    PathParam(order_id): PathParam<String>,
) -> ApiResult<Json<LedgerResult>> {
    Ok(Json(engine::reverse(&*state.store, &order_id).await?))
}

/// Refund part or all of a settled payment; refunds never add up to more
/// than the payment. Idempotent by `refund_id`.
#[utoipa::path(post, path = "/v1/payments/{order_id}/refunds", tag = "payments",
    params(("order_id" = String, Path)), request_body = RefundRequest,
    security(("service_key" = [])),
    responses(
        (status = 200, body = LedgerResult),
        (status = 400, body = riskdesk_api::Problem, description = "More than is left to refund"),
        (status = 404, body = riskdesk_api::Problem),
        (status = 409, body = riskdesk_api::Problem, description = "Not settled"),
        (status = 422, body = riskdesk_api::Problem, description = "The refund id was used for another request"),
    ))]
pub async fn refund(
    State(state): State<AppState>,
    _client: ServiceClient,
    PathParam(order_id): PathParam<String>,
    Body(request): Body<RefundRequest>,
) -> ApiResult<Response> {
    let answer = engine::refund(&*state.store, &order_id, &request, state.clock.now_ms()).await?;
    Ok(answered(answer))
}

/// Record a repayment of at most what is outstanding. Idempotent by `repayment_id`.
#[utoipa::path(post, path = "/v1/repayments", tag = "payments", request_body = RepaymentRequest,
    security(("service_key" = [])),
    responses(
        (status = 200, body = LedgerResult),
        (status = 400, body = riskdesk_api::Problem, description = "More than is outstanding"),
        (status = 404, body = riskdesk_api::Problem),
        (status = 422, body = riskdesk_api::Problem, description = "The repayment id was used for another request"),
    ))]
pub async fn repay(
    State(state): State<AppState>,
    _client: ServiceClient,
    Body(request): Body<RepaymentRequest>,
) -> ApiResult<Response> {
    Ok(answered(
        engine::repay(&*state.store, &request, state.clock.now_ms()).await?,
    ))
}
