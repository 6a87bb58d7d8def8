//! The payment channel's side of the API: authorizations from the checkout,
//! their settlement, reversal and refunds, and repayments. Callers are
//! service clients (the payment platform), never operators.

use chrono::{DateTime, Utc};
use riskdesk_domain::alert::{Rule, RuleHit};
use riskdesk_domain::money::Money;
use riskdesk_domain::transaction::{Channel, Decision, DeclineReason, MerchantCategory, TxStatus};

use crate::views::Location;

/// An order from the checkout, paid with the credit line.
#[derive(Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthorizeRequest {
    /// The payment platform's order id (1–64 of `A–Z a–z 0–9 _ -`): the
    /// idempotency key. The same order sent again gets the first answer.
    #[schema(pattern = "^[A-Za-z0-9_-]{1,64}$")]
    pub order_id: String,
    pub account_id: i64,
    pub merchant: String,
    pub category: MerchantCategory,
    /// More than zero, at most two decimals.
    #[schema(example = "299.00")]
    pub amount: Money,
    /// 1 for a single payment, else 3, 6, 12 or 24.
    pub installments: u8,
    pub channel: Channel,
    pub device_id: String,
    /// IPv4 or IPv6.
    pub ip: String,
    /// Where the customer paid, when the device shared it.
    pub location: Option<Location>,
    /// When the customer paid; at most 5 minutes ahead of the service's clock.
    pub occurred_at: DateTime<Utc>,
}

/// The engine's answer to an authorization.
#[derive(Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct AuthorizeResponse {
    pub order_id: String,
    pub transaction_id: i64,
    /// `approve`: the amount is reserved on the line. `review`: reserved
    /// too, and held for an officer (an alert is in the queue). `decline`:
    /// nothing reserved.
    pub decision: Decision,
    pub status: TxStatus,
    pub decline_reason: Option<DeclineReason>,
    /// The rules that fired, each with its evidence in numbers.
    pub rule_hits: Vec<RuleHit>,
    /// What the customer can still spend after this payment.
    #[schema(example = "4700.00")]
    pub available: Money,
    /// Part of the limit frozen because of this payment (frequent large spending).
    pub freeze: Option<FreezeView>,
    /// Alerts this payment raised (hits of a rule already alerted on the
    /// account within the deduplication window raise none).
    pub alerts: Vec<AlertRef>,
    /// The version of the rules that decided it; none when the service's
    /// rules come from a file.
    pub rules_version: Option<i64>,
}

/// An alert a payment raised.
#[derive(Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct AlertRef {
    pub id: i64,
    pub rule: Rule,
}

#[derive(Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct FreezeView {
    pub id: i64,
    #[schema(example = "2350.00")]
    pub amount: Money,
    /// The freeze lapses by itself at this time.
    pub lapses_at: Option<DateTime<Utc>>,
}

/// A refund of (part of) a settled payment.
#[derive(Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundRequest {
    /// The platform's refund id: the idempotency key.
    #[schema(pattern = "^[A-Za-z0-9_-]{1,64}$")]
    pub refund_id: String,
    #[schema(example = "99.00")]
    pub amount: Money,
    pub occurred_at: DateTime<Utc>,
}

/// A repayment from the customer.
#[derive(Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RepaymentRequest {
    /// The platform's repayment id: the idempotency key.
    #[schema(pattern = "^[A-Za-z0-9_-]{1,64}$")]
    pub repayment_id: String,
    pub account_id: i64,
    #[schema(example = "500.00")]
    pub amount: Money,
    pub occurred_at: DateTime<Utc>,
}

/// A payment's state after settle, reverse or refund, or a repayment's effect.
#[derive(Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct LedgerResult {
    /// The transaction the request created or changed.
    pub transaction_id: i64,
    pub status: TxStatus,
    #[schema(example = "4700.00")]
    pub available: Money,
    #[schema(example = "5300.00")]
    pub outstanding: Money,
}

/// One event of a payment stream, as `riskdesk-server replay` reads it (one
/// JSON object per line) and the generator writes it.
#[derive(Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PaymentEvent {
    Authorize(AuthorizeRequest),
    Settle {
        order_id: String,
        occurred_at: DateTime<Utc>,
    },
    Reverse {
        order_id: String,
        occurred_at: DateTime<Utc>,
    },
    Refund {
        order_id: String,
        refund_id: String,
        amount: Money,
        occurred_at: DateTime<Utc>,
    },
    Repayment(RepaymentRequest),
}

impl PaymentEvent {
    pub fn occurred_at(&self) -> DateTime<Utc> {
        match self {
            PaymentEvent::Authorize(a) => a.occurred_at,
            PaymentEvent::Repayment(r) => r.occurred_at,
            PaymentEvent::Settle { occurred_at, .. }
            | PaymentEvent::Reverse { occurred_at, .. }
            | PaymentEvent::Refund { occurred_at, .. } => *occurred_at,
        }
    }
}
