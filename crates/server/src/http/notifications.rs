//! The payment platform's notifications, answered in its own format: 204
//! with no body when handled, else a 4xx/5xx with `{"code": "FAIL",
//! "message": …}` so that the platform retries (or, for a refusal, someone
//! looks). A notification that fails any check changes nothing.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use riskdesk_api::payments::RefundRequest;
use riskdesk_domain::money::Money;

use super::AppState;
use crate::clock::utc;
use crate::engine::{self, EngineError};
use crate::wechatpay::{Headers, Notification, RefundResource, TransactionResource};

/// The platform's failure answer.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Fail {
    /// Always `FAIL`.
    code: &'static str,
    message: String,
}

fn fail(status: StatusCode, message: impl Into<String>) -> Response {
    let message = message.into();
    tracing::warn!(%status, message, "payment-platform notification refused");
    (
        status,
        axum::Json(Fail {
            code: "FAIL",
            message,
        }),
    )
        .into_response()
}

impl From<EngineError> for Response {
    fn from(e: EngineError) -> Response {
        match e {
            EngineError::Invalid(m) => fail(StatusCode::BAD_REQUEST, m),
            EngineError::NotFound(m) => fail(StatusCode::NOT_FOUND, m),
            EngineError::State(m) => fail(StatusCode::CONFLICT, m),
            EngineError::Mismatch(m) => fail(StatusCode::UNPROCESSABLE_ENTITY, m),
            EngineError::Store(e) => internal(&e),
            EngineError::Corrupt(e) => internal(&*e),
        }
    }
}

fn internal(e: &dyn std::fmt::Display) -> Response {
    tracing::error!(error = %e, "notification failed");
    fail(
        StatusCode::INTERNAL_SERVER_ERROR,
        "the service failed; retry later",
    )
}

/// A WeChat Pay API v3 notification: `TRANSACTION.SUCCESS` settles the
/// payment (its amount must match the authorization), `REFUND.SUCCESS`
/// records the refund (idempotent by `out_refund_no`); other events are
/// acknowledged. Signed by the platform: `Wechatpay-Timestamp`, `-Nonce`,
/// `-Signature` (RSA-SHA256 over `timestamp\nnonce\nbody\n`) and `-Serial`.
/// Answers in the platform's format rather than problem+json.
#[utoipa::path(post, path = "/v1/payments/notifications/wechatpay", tag = "payments",
    request_body(content = String, content_type = "application/json",
        description = "The platform's envelope with an AEAD_AES_256_GCM-encrypted resource"),
    responses(
        (status = 204, description = "Handled (or acknowledged)"),
        (status = 401, body = Fail, description = "Signature, serial, timestamp or nonce refused"),
        (status = 400, body = Fail, description = "Malformed, undecryptable, or amounts that disagree"),
        (status = 404, body = Fail, description = "Unknown payment, or notifications not configured"),
        (status = 409, body = Fail, description = "The payment cannot move that way"),
    ))]
pub async fn wechatpay(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(config) = state.wechatpay.clone() else {
        return fail(
            StatusCode::NOT_FOUND,
            "payment-platform notifications are not configured on this service",
        );
    };
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let received = Headers {
        timestamp: header("wechatpay-timestamp"),
        nonce: header("wechatpay-nonce"),
        signature: header("wechatpay-signature"),
        serial: header("wechatpay-serial"),
    };
    let now = state.clock.now_ms();
    let notification = match config.open(&received, &body, now / 1000) {
        Ok(n) => n,
        Err(rejected @ crate::wechatpay::Rejected::Body(_))
        | Err(rejected @ crate::wechatpay::Rejected::Decryption) => {
            return fail(StatusCode::BAD_REQUEST, rejected.to_string());
        }
        Err(rejected) => return fail(StatusCode::UNAUTHORIZED, rejected.to_string()),
    };
    match state.store.accept_nonce(&notification.nonce, now).await {
        Ok(true) => {}
        Ok(false) => return fail(StatusCode::UNAUTHORIZED, "this nonce was already used"),
        Err(e) => return internal(&e),
    }
    match handle(&state, &notification, now).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(response) => response,
    }
}

async fn handle(state: &AppState, n: &Notification, now: i64) -> Result<(), Response> {
    let resource = || n.resource.clone();
    match n.event_type.as_str() {
        "TRANSACTION.SUCCESS" => {
            let t: TransactionResource = serde_json::from_value(resource())
                .map_err(|e| fail(StatusCode::BAD_REQUEST, format!("transaction: {e}")))?;
            if t.trade_state != "SUCCESS" {
                return Err(fail(
                    StatusCode::BAD_REQUEST,
                    format!("TRANSACTION.SUCCESS with trade_state {}", t.trade_state),
                ));
            }
            check_amount(state, &t.out_trade_no, t.amount.total).await?;
            engine::settle(&*state.store, &t.out_trade_no).await?;
            tracing::info!(order = %t.out_trade_no, platform_tx = %t.transaction_id, "settled by notification");
        }
        "REFUND.SUCCESS" => {
            let r: RefundResource = serde_json::from_value(resource())
                .map_err(|e| fail(StatusCode::BAD_REQUEST, format!("refund: {e}")))?;
            if r.refund_status != "SUCCESS" {
                return Err(fail(
                    StatusCode::BAD_REQUEST,
                    format!("REFUND.SUCCESS with refund_status {}", r.refund_status),
                ));
            }
            check_amount(state, &r.out_trade_no, r.amount.total).await?;
            let request = RefundRequest {
                refund_id: r.out_refund_no.clone(),
                amount: Money::from_fen(r.amount.refund)
                    .map_err(|e| fail(StatusCode::BAD_REQUEST, format!("refund amount: {e}")))?,
                occurred_at: r.success_time.map_or(utc(now), |t| t.to_utc()),
            };
            engine::refund(&*state.store, &r.out_trade_no, &request, now).await?;
            tracing::info!(order = %r.out_trade_no, refund = %r.out_refund_no, platform_refund = %r.refund_id, "refunded by notification");
        }
        other => tracing::info!(event = other, id = %n.id, "notification acknowledged"),
    }
    Ok(())
}

/// The platform's amount must be the authorized one, to the fen.
async fn check_amount(state: &AppState, order_id: &str, total_fen: i64) -> Result<(), Response> {
    let payment = state
        .store
        .payment(order_id)
        .await
        .map_err(|e| internal(&e))?
        .ok_or_else(|| fail(StatusCode::NOT_FOUND, format!("no payment {order_id}")))?;
    if payment.amount_fen != total_fen {
        let cny = |fen| Money::from_fen(fen).unwrap_or_default().display_cny();
        return Err(fail(
            StatusCode::BAD_REQUEST,
            format!(
                "the platform's amount {} differs from the authorized {}",
                cny(total_fen),
                cny(payment.amount_fen)
            ),
        ));
    }
    Ok(())
}
