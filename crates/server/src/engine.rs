//! The risk engine: decides a payment with the rules over what the store
//! knows around it, then records the decision, its alerts and any freeze in
//! one database transaction. Also the ledger's other moves (settle, reverse,
//! refund, repay), each idempotent by its platform id.
//!
//! The engine is used by the HTTP API, the WeChat Pay notification handler
//! and `riskdesk-server replay`; it takes `now` from its caller.

use std::net::IpAddr;
use std::str::FromStr;

use riskdesk_api::payments::{
    AlertRef, AuthorizeRequest, AuthorizeResponse, FreezeView, LedgerResult, RefundRequest,
    RepaymentRequest,
};
use riskdesk_domain::alert::{Rule, RuleHit};
use riskdesk_domain::backtest::Judged;
use riskdesk_domain::blacklist::{BlacklistKind, Target};
use riskdesk_domain::geo::GeoPoint;
use riskdesk_domain::money::Money;
use riskdesk_domain::rules::{self, Attempt, Context, Payment, Rules, Typical};
use riskdesk_domain::transaction::{Decision, DeclineReason, Place, TxStatus};
use sha2::{Digest, Sha256};

use crate::clock::utc;
use crate::rules_in_force::Versions;
use crate::store::{
    AuthorizationWrite, Authorized, ContextQuery, ContextRows, Idempotent, LedgerRecord, MoneyBack,
    PlannedAlert, PlannedFreeze, Refusal, Store, TransactionRow,
};

const MINUTE_MS: i64 = 60_000;
/// How far ahead of the service's clock a payment's time may be (clock skew).
pub const MAX_FUTURE_MS: i64 = 5 * MINUTE_MS;
/// How late an event may arrive and still be judged.
pub const MAX_LATE_MS: i64 = 7 * 24 * 60 * MINUTE_MS;

/// Why the engine refused a request.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    State(String),
    #[error("{0}")]
    Mismatch(String),
    #[error(transparent)]
    Store(#[from] sqlx::Error),
    #[error(transparent)]
    Corrupt(#[from] anyhow::Error),
}

pub type EngineResult<T> = Result<T, EngineError>;

/// An authorization's answer, and whether it is a retry's.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer<T> {
    pub body: T,
    pub replayed: bool,
}

/// Decides and records a payment from the checkout.
pub async fn authorize(
    store: &dyn Store,
    versions: &Versions,
    request: &AuthorizeRequest,
    now: i64,
) -> EngineResult<Answer<AuthorizeResponse>> {
    let (rule_set, shadow) = (&versions.live, versions.shadow.as_deref());
    let rules = &rule_set.rules;
    let ip = check_authorize(request, now)?;
    let at = request.occurred_at.timestamp_millis();
    let Some(account) = store.account(request.account_id).await? else {
        return Err(EngineError::NotFound(format!(
            "account {} not found",
            request.account_id
        )));
    };
    let id_hash = store.index_national_id(&account.national_id);
    let exact = [
        (
            BlacklistKind::Customer,
            account.account.customer_id.to_string(),
        ),
        (BlacklistKind::Phone, account.account.phone.clone()),
        (BlacklistKind::NationalIdHash, id_hash.clone()),
        (BlacklistKind::Device, request.device_id.clone()),
        (BlacklistKind::Merchant, request.merchant.clone()),
        (BlacklistKind::Ip, request.ip.clone()),
    ];
    let rows = store
        .payment_context(&ContextQuery {
            account_id: request.account_id,
            device_id: request.device_id.clone(),
            ip: request.ip.clone(),
            at,
            lookback_ms: i64::from(
                shadow
                    .map_or(0, |s| s.rules.lookback_minutes())
                    .max(rules.lookback_minutes()),
            ) * MINUTE_MS,
            lookahead_ms: 24 * 60 * MINUTE_MS,
            now,
            typical: rules.reads_typical(request.amount)
                || shadow.is_some_and(|s| s.rules.reads_typical(request.amount)),
            exact: exact
                .into_iter()
                .map(|(kind, value)| (kind.as_str().to_owned(), value))
                .collect(),
        })
        .await?;
    let home = Place {
        point: GeoPoint {
            lat: account.home_lat,
            lon: account.home_lon,
        },
        city: account.account.city.clone(),
    };
    let place = request.location.as_ref().map(|l| Place {
        point: GeoPoint {
            lat: l.lat,
            lon: l.lon,
        },
        city: l.city.clone(),
    });
    let known = Known::from_rows(rows);
    let payment = Payment {
        amount: request.amount,
        merchant: &request.merchant,
        category: request.category,
        device_id: &request.device_id,
        ip,
        place: place.as_ref(),
        at: request.occurred_at,
    };
    let context = Context {
        customer_id: account.account.customer_id,
        phone: &account.account.phone,
        national_id_hash: &id_hash,
        home: &home,
        account: &known.account,
        device: &known.device,
        ip: &known.ip,
        typical: known.typical,
        device_seen_before: known.device_seen_before,
        blacklist: &known.blacklist,
    };
    let hits = rules::evaluate(rules, &payment, &context);
    let decision = rules::decide(rules, &hits);
    let shadowed = shadow.map(|s| (s.version, Judged::of(&s.rules, &payment, &context)));
    let write = AuthorizationWrite {
        request_hash: request_hash("authorize", request),
        transaction: TransactionRow {
            id: 0,
            account_id: request.account_id,
            kind: "purchase".to_owned(),
            order_id: request.order_id.clone(),
            merchant: request.merchant.clone(),
            category: Some(request.category.as_str().to_owned()),
            channel: Some(request.channel.as_str().to_owned()),
            amount_fen: request.amount.fen(),
            installments: i32::from(request.installments),
            device_id: Some(request.device_id.clone()),
            ip: Some(ip.to_string()),
            lat: place.as_ref().map(|p| p.point.lat),
            lon: place.as_ref().map(|p| p.point.lon),
            city: place.as_ref().map(|p| p.city.clone()),
            status: if decision == Decision::Decline {
                TxStatus::Declined
            } else {
                TxStatus::Authorized
            }
            .as_str()
            .to_owned(),
            decision: Some(decision.as_str().to_owned()),
            rule_hits: (!hits.is_empty())
                .then(|| serde_json::to_string(&hits))
                .transpose()
                .map_err(anyhow::Error::from)?,
            occurred_at: at,
            decline_reason: (decision == Decision::Decline).then(|| "rules".to_owned()),
            grade: None,
            rules_version: rule_set.version,
            shadow_version: shadowed.as_ref().and_then(|(version, _)| *version),
            shadow_decision: shadowed
                .as_ref()
                .map(|(_, j)| j.decision.as_str().to_owned()),
            shadow_hits: shadowed
                .as_ref()
                .map(|(_, j)| serde_json::to_string(&j.hits))
                .transpose()
                .map_err(anyhow::Error::from)?,
        },
        alerts: planned_alerts(rules, &hits),
        dedup_ms: i64::from(rules.alerts.dedup_minutes) * MINUTE_MS,
        freeze: hits
            .iter()
            .find(|h| h.rule == Rule::FrequentLargeSpending)
            .map(|hit| PlannedFreeze {
                percent: rules.frequent_large_spending.freeze_percent,
                lapses_at: at
                    + i64::from(rules.frequent_large_spending.freeze_hours) * 60 * MINUTE_MS,
                reason: hit.evidence.clone(),
                findings: serde_json::to_string(&hit.findings).unwrap_or_else(|_| "[]".to_owned()),
            }),
        now,
    };
    let outcome = store.authorize(&write).await?.map_err(refused)?;
    let (authorized, replayed) = idempotent(outcome, &request.order_id)?;
    Ok(Answer {
        body: authorize_response(&request.order_id, authorized)?,
        replayed,
    })
}

/// Settles an authorized payment (the platform confirmed it).
pub async fn settle(store: &dyn Store, order_id: &str) -> EngineResult<LedgerResult> {
    check_platform_id("order_id", order_id)?;
    ledger_result(store.settle(order_id).await?.map_err(refused)?)
}

/// Reverses an authorized payment (the platform cancelled it).
pub async fn reverse(store: &dyn Store, order_id: &str) -> EngineResult<LedgerResult> {
    check_platform_id("order_id", order_id)?;
    ledger_result(store.reverse(order_id).await?.map_err(refused)?)
}

/// Refunds part or all of a settled payment.
pub async fn refund(
    store: &dyn Store,
    order_id: &str,
    request: &RefundRequest,
    now: i64,
) -> EngineResult<Answer<LedgerResult>> {
    check_platform_id("order_id", order_id)?;
    check_platform_id("refund_id", &request.refund_id)?;
    check_amount(request.amount)?;
    check_time(request.occurred_at.timestamp_millis(), now)?;
    let money_back = MoneyBack {
        key: request.refund_id.clone(),
        request_hash: request_hash("refund", &(order_id, request)),
        amount_fen: request.amount.fen(),
        occurred_at: request.occurred_at.timestamp_millis(),
    };
    let outcome = store
        .refund(order_id, &money_back)
        .await?
        .map_err(refused)?;
    let (record, replayed) = idempotent(outcome, &request.refund_id)?;
    Ok(Answer {
        body: ledger_result(record)?,
        replayed,
    })
}

/// Records a repayment.
pub async fn repay(
    store: &dyn Store,
    request: &RepaymentRequest,
    now: i64,
) -> EngineResult<Answer<LedgerResult>> {
    check_platform_id("repayment_id", &request.repayment_id)?;
    check_amount(request.amount)?;
    check_time(request.occurred_at.timestamp_millis(), now)?;
    let money_back = MoneyBack {
        key: request.repayment_id.clone(),
        request_hash: request_hash("repayment", request),
        amount_fen: request.amount.fen(),
        occurred_at: request.occurred_at.timestamp_millis(),
    };
    let outcome = store
        .repay(request.account_id, &money_back)
        .await?
        .map_err(refused)?;
    let (record, replayed) = idempotent(outcome, &request.repayment_id)?;
    Ok(Answer {
        body: ledger_result(record)?,
        replayed,
    })
}

/// What the store knew, in the rules' terms.
struct Known {
    account: Vec<Attempt>,
    device: Vec<Attempt>,
    ip: Vec<Attempt>,
    typical: Option<Typical>,
    device_seen_before: bool,
    blacklist: Vec<(i64, Target)>,
}

impl Known {
    fn from_rows(rows: ContextRows) -> Known {
        let attempts = |rows: Vec<crate::store::AttemptRow>| -> Vec<Attempt> {
            rows.into_iter()
                .map(|r| Attempt {
                    at: utc(r.occurred_at),
                    amount: Money::from_fen(r.amount_fen).unwrap_or_default(),
                    approved: matches!(r.status.as_str(), "authorized" | "settled" | "refunded"),
                    place: match (r.lat, r.lon, r.city) {
                        (Some(lat), Some(lon), Some(city)) => Some(Place {
                            point: GeoPoint { lat, lon },
                            city,
                        }),
                        _ => None,
                    },
                })
                .collect()
        };
        let blacklist = rows
            .blacklist
            .into_iter()
            .filter_map(|row| {
                let target = BlacklistKind::from_str(&row.kind)
                    .ok()
                    .and_then(|kind| Target::parse(kind, &row.value).ok());
                if target.is_none() {
                    // Entries are validated when added; this one is corrupt.
                    tracing::error!(entry = row.id, "blacklist entry cannot be parsed; skipped");
                }
                Some((row.id, target?))
            })
            .collect();
        Known {
            account: attempts(rows.account),
            device: attempts(rows.device),
            ip: attempts(rows.ip),
            typical: Typical::of(rows.recent_amounts),
            device_seen_before: rows.device_seen_before,
            blacklist,
        }
    }
}

fn planned_alerts(rules: &Rules, hits: &[RuleHit]) -> Vec<PlannedAlert> {
    hits.iter()
        .filter(|h| rules.raises_alert(h.rule))
        .map(|h| {
            let severity = rules.severity(h.rule);
            PlannedAlert {
                rule: h.rule.as_str().to_owned(),
                severity_rank: severity.rank(),
                evidence: h.evidence.clone(),
                findings: serde_json::to_string(&h.findings).unwrap_or_else(|_| "[]".to_owned()),
                sla_ms: i64::from(rules.sla_minutes(severity)) * MINUTE_MS,
            }
        })
        .collect()
}

/// SHA-256 of the request as the service reads it: a retry with the same
/// content (amounts in any spelling) hashes the same.
fn request_hash(kind: &str, request: &impl serde::Serialize) -> String {
    let body = serde_json::to_string(request).unwrap_or_default();
    let digest = Sha256::digest(format!("{kind}\n{body}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn idempotent<T>(outcome: Idempotent<T>, key: &str) -> EngineResult<(T, bool)> {
    match outcome {
        Idempotent::Done(value) => Ok((value, false)),
        Idempotent::Replayed(value) => Ok((value, true)),
        Idempotent::Mismatch => Err(EngineError::Mismatch(format!(
            "{key} was already used for a different request"
        ))),
    }
}

fn refused(refusal: Refusal) -> EngineError {
    let why = refusal.to_string();
    match refusal {
        Refusal::NoAccount | Refusal::NoPayment => EngineError::NotFound(why),
        _ if refusal.is_amount() => EngineError::Invalid(why),
        _ => EngineError::State(why),
    }
}

fn authorize_response(order_id: &str, a: Authorized) -> EngineResult<AuthorizeResponse> {
    let corrupt = |what: &str| anyhow::anyhow!("transaction {}: bad {what}", a.transaction_id);
    Ok(AuthorizeResponse {
        order_id: order_id.to_owned(),
        transaction_id: a.transaction_id,
        decision: Decision::from_str(&a.decision).map_err(|_| corrupt("decision"))?,
        status: TxStatus::from_str(&a.status).map_err(|_| corrupt("status"))?,
        decline_reason: a
            .decline_reason
            .as_deref()
            .map(DeclineReason::from_str)
            .transpose()
            .map_err(|_| corrupt("decline reason"))?,
        rule_hits: a
            .rule_hits
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|_| corrupt("rule hits"))?
            .unwrap_or_default(),
        available: Money::from_fen(a.available_fen).map_err(|_| corrupt("available"))?,
        freeze: a
            .freeze
            .map(|f| -> EngineResult<FreezeView> {
                Ok(FreezeView {
                    id: f.id,
                    amount: Money::from_fen(f.amount_fen).map_err(|_| corrupt("freeze"))?,
                    lapses_at: f.lapses_at.map(utc),
                })
            })
            .transpose()?,
        alerts: a
            .alerts
            .iter()
            .map(|(id, rule)| {
                Ok(AlertRef {
                    id: *id,
                    rule: Rule::from_str(rule).map_err(|_| corrupt("alert rule"))?,
                })
            })
            .collect::<EngineResult<_>>()?,
        rules_version: a.rules_version,
    })
}

fn ledger_result(r: LedgerRecord) -> EngineResult<LedgerResult> {
    let corrupt = |what: &str| anyhow::anyhow!("transaction {}: bad {what}", r.transaction_id);
    Ok(LedgerResult {
        transaction_id: r.transaction_id,
        status: TxStatus::from_str(&r.status).map_err(|_| corrupt("status"))?,
        available: Money::from_fen(r.available_fen).map_err(|_| corrupt("available"))?,
        outstanding: Money::from_fen(r.outstanding_fen).map_err(|_| corrupt("outstanding"))?,
    })
}

/// Checks an authorization's fields; returns its IP.
fn check_authorize(r: &AuthorizeRequest, now: i64) -> EngineResult<IpAddr> {
    check_platform_id("order_id", &r.order_id)?;
    if r.account_id <= 0 {
        return Err(invalid("account_id must be a positive id"));
    }
    check_text("merchant", &r.merchant, 64)?;
    check_text("device_id", &r.device_id, 64)?;
    check_amount(r.amount)?;
    if ![1, 3, 6, 12, 24].contains(&r.installments) {
        return Err(invalid("installments must be 1, 3, 6, 12 or 24"));
    }
    let ip = IpAddr::from_str(&r.ip)
        .map_err(|_| invalid(format!("ip {:?} is not an IPv4 or IPv6 address", r.ip)))?;
    if let Some(l) = &r.location {
        if !(-90.0..=90.0).contains(&l.lat) || !(-180.0..=180.0).contains(&l.lon) {
            return Err(invalid(
                "location must have latitude −90…90 and longitude −180…180",
            ));
        }
        check_text("location.city", &l.city, 32)?;
    }
    check_time(r.occurred_at.timestamp_millis(), now)?;
    Ok(ip)
}

fn check_time(at: i64, now: i64) -> EngineResult<()> {
    if at > now + MAX_FUTURE_MS {
        return Err(invalid(
            "occurred_at is more than 5 minutes ahead of the service's clock",
        ));
    }
    if at < now - MAX_LATE_MS {
        return Err(invalid(
            "occurred_at is more than 7 days ago: too late to judge",
        ));
    }
    Ok(())
}

fn check_amount(amount: Money) -> EngineResult<()> {
    if amount.fen() <= 0 {
        return Err(invalid("amount must be more than zero"));
    }
    Ok(())
}

/// A platform id: 1–64 of `A–Z a–z 0–9 _ -`.
fn check_platform_id(field: &str, id: &str) -> EngineResult<()> {
    let ok = (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(invalid(format!(
            "{field} must be 1–64 characters of A–Z, a–z, 0–9, _ and -"
        )))
    }
}

fn check_text(field: &str, text: &str, max_chars: usize) -> EngineResult<()> {
    let chars = text.chars().count();
    if chars == 0 || chars > max_chars || text.chars().any(char::is_control) || text.trim() != text
    {
        return Err(invalid(format!(
            "{field} must be 1–{max_chars} characters, without control characters or \
             surrounding spaces"
        )));
    }
    Ok(())
}

fn invalid(detail: impl Into<String>) -> EngineError {
    EngineError::Invalid(detail.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_retry_hashes_the_same_whatever_the_amount_spelling() {
        let refund = |amount: &str| RefundRequest {
            refund_id: "RF1".to_owned(),
            amount: amount.parse().unwrap(),
            occurred_at: utc(0),
        };
        assert_eq!(
            request_hash("refund", &refund("5")),
            request_hash("refund", &refund("5.00"))
        );
        assert_ne!(
            request_hash("refund", &refund("5")),
            request_hash("refund", &refund("5.01"))
        );
    }
}
