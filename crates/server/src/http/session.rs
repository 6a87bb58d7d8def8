//! Sign-in, sign-out, the signed-in operator, and the extractor that every
//! protected endpoint uses.

use std::str::FromStr;

use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use riskdesk_api::ProblemCode;
use riskdesk_api::auth::{OperatorView, SignInRequest, SignInResponse};
use riskdesk_domain::operator::{Operator, Permission, Role};
use strum::IntoEnumIterator;

use super::AppState;
use super::problem::{ApiError, ApiResult, Body};
use crate::auth;
use crate::clock::utc;
use crate::store::{AuditRecord, SessionRow};

/// The shortest password an operator may choose for themselves.
const MIN_OWN_PASSWORD_CHARS: usize = 12;

/// The operator behind a valid bearer token.
#[derive(Clone, Debug)]
pub struct Signed {
    pub operator: Operator,
    token_hash: String,
}

impl Signed {
    /// What the store knows this session by.
    pub fn token_hash(&self) -> &str {
        &self.token_hash
    }

    /// Refuses with 403 unless the operator's role allows `permission`.
    pub fn require(&self, permission: Permission) -> ApiResult<()> {
        self.require_any(&[permission])
    }

    /// Refuses with 403 unless the role allows one of `permissions`.
    pub fn require_any(&self, permissions: &[Permission]) -> ApiResult<()> {
        let role = self.operator.role;
        if permissions.iter().any(|p| role.can(*p)) {
            return Ok(());
        }
        let wanted: Vec<&str> = permissions.iter().map(|p| p.as_str()).collect();
        Err(ApiError::new(
            ProblemCode::Forbidden,
            format!("role {} may not {}", role.as_str(), wanted.join(" or ")),
        ))
    }
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let unauthenticated = |detail: &str| ApiError::new(ProblemCode::Unauthenticated, detail);
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .ok_or_else(|| unauthenticated("sign in first: no Authorization header"))?;
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .filter(|t| !t.is_empty() && t.len() <= 128)
            .ok_or_else(|| unauthenticated("expected Authorization: Bearer <token>"))?;
        Signed::check(state, auth::token_hash(token), true).await
    }
}

impl Signed {
    /// The session behind `token_hash` if it is still valid, noting the
    /// operator's activity when `active` (a request is; a live stream's
    /// check is not, so an open stream never keeps an idle session alive).
    pub async fn check(state: &AppState, token_hash: String, active: bool) -> ApiResult<Signed> {
        let unauthenticated = |detail: &str| ApiError::new(ProblemCode::Unauthenticated, detail);
        let session = state
            .store
            .session(&token_hash)
            .await?
            .ok_or_else(|| unauthenticated("unknown session token"))?;
        let now = state.clock.now_ms();
        let expired = |why: &str| ApiError::new(ProblemCode::SessionExpired, why);
        if session.revoked_at.is_some() {
            return Err(expired("the session was signed out"));
        }
        if now >= session.expires_at {
            return Err(expired(
                "the session reached its 8-hour limit; sign in again",
            ));
        }
        if now - session.last_seen_at >= auth::IDLE_TIMEOUT_MS {
            return Err(expired(
                "the session was idle for 15 minutes; sign in again",
            ));
        }
        if active && now - session.last_seen_at >= auth::TOUCH_INTERVAL_MS {
            state.store.touch_session(&token_hash, now).await?;
        }
        Ok(Signed {
            operator: Operator {
                role: Role::from_str(&session.role).map_err(|_| {
                    anyhow::anyhow!("operator {} has unknown role", session.operator_id)
                })?,
                id: session.operator_id,
                display_name: session.display_name,
            },
            token_hash,
        })
    }
}

/// A session event in the audit trail: the operator is actor and target.
async fn record(
    state: &AppState,
    now: i64,
    operator: &str,
    action: &str,
    how: &str,
) -> ApiResult<()> {
    let record = AuditRecord {
        at: now,
        actor: operator.to_owned(),
        action: action.to_owned(),
        target: format!("operator:{operator}"),
        before: None,
        after: Some(serde_json::json!({ "how": how }).to_string()),
    };
    Ok(state.store.record_audit(&[record]).await?)
}

/// Sign-ins by ids that do not exist, summed up: never written as an actor
/// (the id is the attacker's text), the last one kept as data.
async fn record_unknown(
    state: &AppState,
    now: i64,
    attempted: &str,
    attempts: u64,
) -> ApiResult<()> {
    let record = AuditRecord {
        at: now,
        actor: UNKNOWN_ACTOR.to_owned(),
        action: "session.sign_in_failed".to_owned(),
        target: "operator:?".to_owned(),
        before: None,
        after: Some(
            serde_json::json!({
                "how": "unknown operator",
                "attempts_since_last_entry": attempts,
                "last_attempted_id": attempted,
            })
            .to_string(),
        ),
    };
    Ok(state.store.record_audit(&[record]).await?)
}

/// The audit trail's actor for what nobody signed in did.
pub const UNKNOWN_ACTOR: &str = "anonymous";

pub fn operator_view(operator: Operator) -> OperatorView {
    let Operator {
        id,
        display_name,
        role,
    } = operator;
    let permissions = Permission::iter().filter(|p| role.can(*p)).collect();
    OperatorView {
        id,
        display_name,
        role,
        permissions,
    }
}

/// Sign in with password and TOTP code.
#[utoipa::path(post, path = "/v1/auth/sign-in", tag = "auth", request_body = SignInRequest,
    responses(
        (status = 200, body = SignInResponse),
        (status = 400, body = riskdesk_api::Problem, description = "Malformed request"),
        (status = 401, body = riskdesk_api::Problem, description = "Wrong operator, password or code, or locked out after repeated failures: deliberately the same answer"),
        (status = 403, body = riskdesk_api::Problem, description = "A one-time password: sign in again with `new_password`; or a disabled operator"),
        (status = 429, body = riskdesk_api::Problem, description = "Too many sign-in requests from this address or in all; see `Retry-After`"),
    ))]
pub async fn sign_in(
    State(state): State<AppState>,
    Body(request): Body<SignInRequest>,
) -> ApiResult<Json<SignInResponse>> {
    let SignInRequest {
        operator_id,
        password,
        totp_code,
        new_password,
    } = request;
    if !riskdesk_api::admin::valid_id(&operator_id) {
        return Err(ApiError::invalid(
            "operator_id must be 3–64 characters: a–z, 0–9, '.', '_' or '-'",
        ));
    }
    if password.is_empty() || password.chars().count() > 256 {
        return Err(ApiError::invalid("password must be 1–256 characters"));
    }
    if totp_code.len() != 6 || !totp_code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::invalid("totp_code must be exactly six digits"));
    }
    if let Some(new) = &new_password
        && !(MIN_OWN_PASSWORD_CHARS..=256).contains(&new.chars().count())
    {
        return Err(ApiError::invalid(format!(
            "new_password must be {MIN_OWN_PASSWORD_CHARS}–256 characters"
        )));
    }
    // An unknown id, a locked operator and a wrong password or code get this
    // same answer after the same argon2 work: it tells an attacker nothing.
    let wrong = || {
        ApiError::new(
            ProblemCode::InvalidCredentials,
            "operator, password or code is wrong, or the code was already used; \
             after repeated failures, sign-in is locked for a while",
        )
    };
    let now = state.clock.now_ms();
    let operator = state.store.operator(&operator_id).await?;
    let stored_hash = operator
        .as_ref()
        .map_or_else(|| state.dummy_hash.to_string(), |o| o.password_hash.clone());
    let password_ok = {
        let password = password.clone();
        state
            .throttle
            .hash(move || auth::verify_password(&password, &stored_hash))
            .await?
    };
    let Some(operator) = operator else {
        if let Some(attempts) = state.throttle.unknown_id(now) {
            record_unknown(&state, now, &operator_id, attempts).await?;
        }
        return Err(wrong());
    };
    if operator.locked_until.is_some_and(|until| until > now) {
        record(
            &state,
            now,
            &operator.id,
            "session.sign_in_failed",
            "locked",
        )
        .await?;
        return Err(wrong());
    }
    let unix_secs = u64::try_from(now / 1000).unwrap_or(0);
    let step = auth::totp_step(&operator.totp_secret, &totp_code, unix_secs);
    // Told only to whoever knows the password and the code.
    if password_ok && step.is_some() && operator.disabled_at.is_some() {
        record(
            &state,
            now,
            &operator.id,
            "session.sign_in_failed",
            "disabled",
        )
        .await?;
        return Err(ApiError::new(
            ProblemCode::Forbidden,
            "this operator is disabled; ask an admin",
        ));
    }
    // A one-time password opens nothing but the choice of one's own: the
    // code is not spent until it is made.
    let one_time = operator.must_change_password != 0;
    if password_ok && step.is_some() {
        match (one_time, new_password.as_deref()) {
            (true, None) => {
                return Err(ApiError::new(
                    ProblemCode::PasswordChangeRequired,
                    "this password was for once: choose a password of your own \
                     (at least 12 characters)",
                ));
            }
            (true, Some(new)) if new == password => {
                return Err(ApiError::invalid(
                    "new_password must not be the one-time password",
                ));
            }
            (false, Some(_)) => {
                return Err(ApiError::invalid(
                    "new_password is only for a one-time password",
                ));
            }
            _ => {}
        }
    }
    let accepted = match (password_ok, step) {
        (true, Some(step)) => state.store.record_sign_in(&operator.id, step, now).await?,
        _ => false,
    };
    if accepted
        && one_time
        && let Some(new) = new_password
    {
        let hash = state
            .throttle
            .hash(move || auth::hash_password(&new))
            .await??;
        state.store.set_own_password(&operator.id, &hash).await?;
        record(
            &state,
            now,
            &operator.id,
            "operator.own_password",
            "replaced the one-time password",
        )
        .await?;
    }
    if !accepted {
        let failures = state
            .store
            .record_failed_sign_in(&operator.id, now, &auth::lockout())
            .await?;
        tracing::warn!(operator = %operator.id, ?failures, "failed sign-in");
        let why = match failures {
            Some(n) if n >= auth::MAX_FAILED_ATTEMPTS => "wrong password or code; locked",
            Some(_) => "wrong password or code",
            // Locked by a concurrent failure since it was read.
            None => "locked",
        };
        record(&state, now, &operator.id, "session.sign_in_failed", why).await?;
        return Err(wrong());
    }
    let token = auth::new_token();
    let session = SessionRow {
        token_hash: auth::token_hash(&token),
        operator_id: operator.id.clone(),
        created_at: now,
        last_seen_at: now,
        expires_at: now + auth::ABSOLUTE_TIMEOUT_MS,
        revoked_at: None,
        role: operator.role.clone(),
        display_name: operator.display_name.clone(),
    };
    state.store.create_session(&session).await?;
    record(
        &state,
        now,
        &operator.id,
        "session.sign_in",
        "password and TOTP",
    )
    .await?;
    tracing::info!(operator = %operator.id, "signed in");
    let role = Role::from_str(&operator.role)
        .map_err(|_| anyhow::anyhow!("operator {} has unknown role", operator.id))?;
    Ok(Json(SignInResponse {
        token,
        expires_at: utc(session.expires_at),
        idle_timeout_secs: u32::try_from(auth::IDLE_TIMEOUT_MS / 1000).unwrap_or(u32::MAX),
        operator: operator_view(Operator {
            id: operator.id,
            display_name: operator.display_name,
            role,
        }),
    }))
}

/// End this session; its token stops working at once.
#[utoipa::path(post, path = "/v1/auth/sign-out", tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = riskdesk_api::Problem)))]
pub async fn sign_out(State(state): State<AppState>, signed: Signed) -> ApiResult<StatusCode> {
    let now = state.clock.now_ms();
    state.store.revoke_session(&signed.token_hash, now).await?;
    record(
        &state,
        now,
        &signed.operator.id,
        "session.sign_out",
        "by the operator",
    )
    .await?;
    tracing::info!(operator = %signed.operator.id, "signed out");
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in operator and what their role allows.
#[utoipa::path(get, path = "/v1/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = OperatorView), (status = 401, body = riskdesk_api::Problem)))]
pub async fn me(signed: Signed) -> Json<OperatorView> {
    Json(operator_view(signed.operator))
}
