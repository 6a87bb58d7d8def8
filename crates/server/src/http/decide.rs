//! How every operator decision runs: an `Idempotency-Key` claimed per
//! operator, an optional step-up TOTP code, the store's decision (which
//! records its outcome with its effect), and the answer — the same answer
//! again for a retry.

use std::sync::Arc;

use axum::Json;
use axum::extract::FromRequestParts;
use axum::http::HeaderValue;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use riskdesk_api::decisions::{BulkItemResult, BulkTriageResult, IDEMPOTENCY_KEY, REPLAYED};
use riskdesk_api::investigations::{
    CaseBlacklistItem, CaseBlacklistResult, CaseFreezeResult, CaseFreezesResult, ThingRef,
};
use riskdesk_api::{Problem, ProblemCode};
use riskdesk_domain::refusal::Refusal;
use sha2::{Digest, Sha256};

use super::AppState;
use super::problem::{ApiError, ApiResult, problem_response};
use super::session::Signed;
use super::views;
use crate::auth;
use crate::store::{Actor, AuditRecord, Claim, Claimed, Decided, Refused, Store, StoreResult};

/// A claim still unfinished after this long belongs to a request that died
/// (requests time out after 10 s); a retry takes it over.
const CLAIM_STALE_MS: i64 = 60 * 1000;

/// What `WriteKey` accepts, as the OpenAPI document states it.
pub const WRITE_KEY_PATTERN: &str = "^[A-Za-z0-9_-]{8,128}$";

/// The write's `Idempotency-Key` header: 8–128 of `A–Z a–z 0–9 _ -`.
#[derive(Clone, Debug)]
pub struct WriteKey(String);

impl<S: Send + Sync> FromRequestParts<S> for WriteKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let Some(value) = parts.headers.get(IDEMPOTENCY_KEY) else {
            return Err(ApiError::new(
                ProblemCode::PreconditionRequired,
                "every write needs an Idempotency-Key header, so that a retry cannot do it twice",
            ));
        };
        value
            .to_str()
            .ok()
            .filter(|k| (8..=128).contains(&k.len()))
            .filter(|k| {
                k.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            })
            .map(|k| WriteKey(k.to_owned()))
            .ok_or_else(|| ApiError::invalid("Idempotency-Key must be 8–128 of A–Z a–z 0–9 _ -"))
    }
}

/// The version a change is based on: missing is 428.
pub fn version(version: Option<i64>, what: &str) -> ApiResult<i64> {
    version.ok_or_else(|| {
        ApiError::new(
            ProblemCode::PreconditionRequired,
            format!("say which version of the {what} this change is based on (version)"),
        )
    })
}

/// A reason or note: trimmed, 1–`max` characters.
pub fn text(value: &str, field: &str, max: usize) -> ApiResult<String> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > max {
        return Err(ApiError::invalid(format!(
            "{field} must be 1–{max} characters"
        )));
    }
    Ok(value.to_owned())
}

/// One decision by `signed`, once per key. `route` and `body` identify the
/// request (the same key with another one is refused); `totp` is the fresh
/// code the decision needs, if it needs one.
pub async fn decide<F, Fut>(
    state: &AppState,
    signed: &Signed,
    key: WriteKey,
    route: &str,
    body: &(impl serde::Serialize + Sync),
    totp: Option<&str>,
    run: F,
) -> ApiResult<Response>
where
    F: FnOnce(Arc<dyn Store>, Claim, Actor) -> Fut,
    Fut: Future<Output = StoreResult<Decided>>,
{
    decide_once(state, signed, key, route, body, totp, None, run).await
}

/// A secret a decision made (a password, a TOTP secret, a key), shown in
/// its first answer under `field` and never stored: a replay leaves it out.
pub struct Once {
    pub field: &'static str,
    pub value: serde_json::Value,
}

/// [`decide`], with a secret for the first answer only.
#[allow(clippy::too_many_arguments)] // decide's own, and the secret
pub async fn decide_once<F, Fut>(
    state: &AppState,
    signed: &Signed,
    key: WriteKey,
    route: &str,
    body: &(impl serde::Serialize + Sync),
    totp: Option<&str>,
    once: Option<Once>,
    run: F,
) -> ApiResult<Response>
where
    F: FnOnce(Arc<dyn Store>, Claim, Actor) -> Fut,
    Fut: Future<Output = StoreResult<Decided>>,
{
    let now = state.clock.now_ms();
    let json = serde_json::to_string(body).map_err(anyhow::Error::from)?;
    let digest = Sha256::digest(format!("{route}\n{json}").as_bytes());
    let claim = Claim {
        scope: format!("operator:{}", signed.operator.id),
        key: key.0,
        request_hash: digest.iter().map(|b| format!("{b:02x}")).collect(),
        now,
    };
    match state.store.claim(&claim, now - CLAIM_STALE_MS).await? {
        Claimed::New => {}
        Claimed::Replay(decided) => return Ok(respond(*decided, now, true, None)),
        Claimed::InFlight => {
            return Err(ApiError::new(
                ProblemCode::RequestInFlight,
                "this request is still being processed; send it again in a moment",
            ));
        }
        Claimed::Mismatch => {
            return Err(ApiError::new(
                ProblemCode::IdempotencyMismatch,
                "this Idempotency-Key was used for a different request; use a new key",
            ));
        }
    }
    let step = match totp {
        None => None,
        Some(code) => match step_up(state, signed, code, now).await {
            Ok(step) => Some(step),
            Err(e) => {
                // Nothing was decided: the key may be used again.
                state.store.forget_claim(&claim).await?;
                return Err(e);
            }
        },
    };
    let actor = Actor {
        id: signed.operator.id.clone(),
        role: signed.operator.role,
        step,
    };
    match run(state.store.clone(), claim.clone(), actor).await {
        Ok(decided) => Ok(respond(decided, now, false, once)),
        Err(e) => {
            if let Err(forget) = state.store.forget_claim(&claim).await {
                tracing::warn!(error = %forget, "could not forget a failed request's claim");
            }
            Err(e.into())
        }
    }
}

/// The TOTP step a fresh code matches; spent later, in the decision. A
/// wrong code is counted and audited; the fifth in a row ends the session,
/// so that a stolen session cannot try the million codes.
async fn step_up(state: &AppState, signed: &Signed, code: &str, now: i64) -> ApiResult<i64> {
    let refuse = |detail: &str| ApiError::new(ProblemCode::StepUpFailed, detail);
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(refuse(
            "this decision needs the current six-digit code from your authenticator",
        ));
    }
    let operator = state
        .store
        .operator(&signed.operator.id)
        .await?
        .ok_or_else(|| refuse("unknown operator"))?;
    let unix_secs = u64::try_from(now / 1000).unwrap_or(0);
    if let Some(step) = auth::totp_step(&operator.totp_secret, code, unix_secs) {
        return Ok(step);
    }
    let failures = state
        .store
        .record_step_up_failure(
            &operator.id,
            signed.token_hash(),
            auth::MAX_STEP_UP_FAILURES,
            now,
        )
        .await?;
    let ended = failures >= auth::MAX_STEP_UP_FAILURES;
    let record = AuditRecord {
        at: now,
        actor: operator.id.clone(),
        action: "session.step_up_failed".to_owned(),
        target: format!("operator:{}", operator.id),
        before: None,
        after: Some(
            serde_json::json!({ "failures_in_a_row": failures, "session_ended": ended })
                .to_string(),
        ),
    };
    state.store.record_audit(&[record]).await?;
    tracing::warn!(operator = %operator.id, failures, "wrong step-up code");
    if ended {
        return Err(ApiError::new(
            ProblemCode::SessionExpired,
            "five wrong codes in a row ended this session; sign in again",
        ));
    }
    Err(refuse(
        "that code is not the current one; check your authenticator's clock",
    ))
}

/// The answer for what a decision did, with its secret if it made one.
fn respond(decided: Decided, now: i64, replayed: bool, once: Option<Once>) -> Response {
    let mut response = match view(decided, now) {
        Ok(Ok(mut body)) => {
            if let (Some(once), Some(fields)) = (once, body.as_object_mut()) {
                fields.insert(once.field.to_owned(), once.value);
            }
            Json(body).into_response()
        }
        Ok(Err(problem)) => problem_response(problem),
        Err(e) => e.into_response(),
    };
    if replayed {
        response
            .headers_mut()
            .insert(REPLAYED, HeaderValue::from_static("true"));
    }
    response
}

/// The record as its wire view, or the refusal as a problem.
fn view(decided: Decided, now: i64) -> ApiResult<Result<serde_json::Value, Problem>> {
    let value = match decided {
        Decided::Alert(row) => json(views::alert(row, now)?),
        Decided::Bulk(items) => {
            let results = items
                .into_iter()
                .map(|item| {
                    Ok(match item.outcome {
                        Ok(row) => BulkItemResult {
                            id: item.id,
                            alert: Some(views::alert(row, now)?),
                            problem: None,
                        },
                        Err(refused) => BulkItemResult {
                            id: item.id,
                            alert: None,
                            problem: Some(problem(refused, now)?),
                        },
                    })
                })
                .collect::<ApiResult<Vec<_>>>()?;
            json(BulkTriageResult { results })
        }
        Decided::Note(row) => json(views::note(row)),
        Decided::LimitChange(row) => json(views::limit_change(row)?),
        Decided::Freeze(row) => json(views::freeze(row)?),
        Decided::Blacklist(row) => json(views::blacklist_entry(row)?),
        Decided::Dispute(row) => json(views::dispute(row, now)?),
        Decided::Operator(row) => json(views::operator_admin(row, now)?),
        Decided::Session(row) => json(views::session_admin(row)),
        Decided::ServiceClient(row) => json(views::service_client(row)),
        Decided::RuleSet(row) => json(views::rule_set(&row)?),
        Decided::Case(row) => json(views::case(row, now)?),
        Decided::CaseFreezes(items) => {
            let results = items
                .into_iter()
                .map(|item| {
                    Ok(match item.outcome {
                        Ok(row) => CaseFreezeResult {
                            account_id: item.account_id,
                            freeze: Some(views::freeze(row)?),
                            problem: None,
                        },
                        Err(refused) => CaseFreezeResult {
                            account_id: item.account_id,
                            freeze: None,
                            problem: Some(problem(refused, now)?),
                        },
                    })
                })
                .collect::<ApiResult<Vec<_>>>()?;
            json(CaseFreezesResult { results })
        }
        Decided::CaseBlacklist(items) => {
            let results = items
                .into_iter()
                .map(|item| {
                    let thing = ThingRef {
                        kind: item.kind,
                        value: item.value,
                    };
                    Ok(match item.outcome {
                        Ok(row) => CaseBlacklistItem {
                            thing,
                            entry: Some(views::blacklist_entry(row)?),
                            problem: None,
                        },
                        Err(refused) => CaseBlacklistItem {
                            thing,
                            entry: None,
                            problem: Some(problem(refused, now)?),
                        },
                    })
                })
                .collect::<ApiResult<Vec<_>>>()?;
            json(CaseBlacklistResult { results })
        }
        Decided::Attachment(row) => json(views::attachment(row)),
        Decided::Refused(refused) => return Ok(Err(problem(refused, now)?)),
    };
    Ok(Ok(value?))
}

fn json(view: impl serde::Serialize) -> ApiResult<serde_json::Value> {
    serde_json::to_value(view).map_err(|e| ApiError::Internal(e.into()))
}

fn problem(refused: Refused, now: i64) -> ApiResult<Problem> {
    let mut problem = Problem::new(code(&refused.refusal), detail(&refused.refusal));
    let Some(current) = refused.current else {
        return Ok(problem);
    };
    // A stale version (or one recorded so by an earlier release).
    if code(&refused.refusal) == ProblemCode::StaleVersion {
        let what = match current.as_ref() {
            Decided::Alert(_) => "alert",
            Decided::LimitChange(_) => "limit-change request",
            Decided::Freeze(_) => "freeze",
            Decided::Blacklist(_) => "blacklist entry",
            Decided::Dispute(_) => "dispute",
            Decided::Operator(_) => "operator",
            Decided::ServiceClient(_) => "service client",
            Decided::RuleSet(_) => "rules version",
            _ => "record",
        };
        problem = Problem::stale(what, ());
    }
    problem.current = Some(match view(*current, now)? {
        Ok(value) => value,
        Err(problem) => json(problem)?,
    });
    Ok(problem)
}

/// The problem a refusal of the domain is answered with.
fn code(refusal: &Refusal) -> ProblemCode {
    use riskdesk_domain::account::LineRefusal;
    use riskdesk_domain::blacklist::RemovalRefusal;
    use riskdesk_domain::case::CaseRefusal;
    use riskdesk_domain::dispute::DisputeRefusal;
    use riskdesk_domain::limit_change::ApprovalRefusal;
    use riskdesk_domain::operator::AdminRefusal;
    use riskdesk_domain::rule_sets::RuleSetRefusal;
    match refusal {
        Refusal::Missing(_) => ProblemCode::NotFound,
        Refusal::Exists(_) => ProblemCode::Duplicate,
        Refusal::Stale => ProblemCode::StaleVersion,
        Refusal::StepUsed | Refusal::Dispute(DisputeRefusal::NeedsCode) => {
            ProblemCode::StepUpFailed
        }
        Refusal::Approval(ApprovalRefusal::OwnRequest)
        | Refusal::Dispute(DisputeRefusal::OwnProposal)
        | Refusal::Removal(RemovalRefusal::OwnRequest)
        | Refusal::Admin(AdminRefusal::OwnAccount)
        | Refusal::RuleSet(RuleSetRefusal::OwnVersion) => ProblemCode::FourEyes,
        Refusal::Approval(ApprovalRefusal::NeedsManager)
        | Refusal::Dispute(
            DisputeRefusal::NeedsManager
            | DisputeRefusal::RiskTeamOnly
            | DisputeRefusal::Escalator
            | DisputeRefusal::NotAllowed,
        ) => ProblemCode::Forbidden,
        Refusal::Case(CaseRefusal::NotOwner(_) | CaseRefusal::CannotInvestigate(_)) => {
            ProblemCode::Forbidden
        }
        Refusal::Line(LineRefusal::SameLimit(_) | LineRefusal::OverMax(_))
        | Refusal::Case(CaseRefusal::NoOutcome)
        | Refusal::Assignee(_) => ProblemCode::InvalidValue,
        Refusal::Line(_)
        | Refusal::Approval(_)
        | Refusal::Dispute(_)
        | Refusal::Open(_)
        | Refusal::Triage(_)
        | Refusal::Removal(_)
        | Refusal::Admin(_)
        | Refusal::Ended(_)
        | Refusal::RuleSet(_)
        | Refusal::Case(_)
        | Refusal::Refund(_) => ProblemCode::InvalidState,
        Refusal::Earlier { code, .. } => {
            serde_json::from_value(serde_json::Value::String(code.clone()))
                .unwrap_or(ProblemCode::InvalidState)
        }
    }
}

/// The answer's detail: the refusal's own words, but for a refund whose
/// payment or account went missing under it.
fn detail(refusal: &Refusal) -> String {
    use riskdesk_domain::ledger::LedgerRefusal;
    match refusal {
        Refusal::Refund(LedgerRefusal::NoAccount | LedgerRefusal::NoPayment) => {
            "the payment is gone".to_owned()
        }
        _ => refusal.to_string(),
    }
}
