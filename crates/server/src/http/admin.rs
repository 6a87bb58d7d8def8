//! Operator administration, for admins alone (`manage_operators`): the
//! operators with their status and sessions, adding one (a one-time
//! password and a TOTP secret, shown once), a new role, disabling and
//! enabling, a new authenticator, ending a session; the payment platform's
//! service clients (a key shown once, revocation). Each change runs through
//! `decide` like every other decision — idempotency key, version, audit —
//! and its secret is never stored with the answer.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use riskdesk_api::admin::{
    AddOperator, AddServiceClient, OneTimeCredentials, OperatorAdminView, OperatorChangeAction,
    OperatorChangeRequest, RevokeServiceClient, ServiceClientView, SessionAdminView, valid_id,
    valid_session_id,
};
use riskdesk_domain::operator::Permission;

use super::AppState;
use super::decide::{Once, WriteKey, decide, decide_once, text, version};
use super::problem::{ApiError, ApiResult, Body, PathParam};
use super::session::Signed;
use super::views;
use crate::auth;
use crate::store::{NewOperator, OperatorEdit, OperatorWrite};

fn checked_id(id: &str, what: &str) -> ApiResult<String> {
    if valid_id(id) {
        Ok(id.to_owned())
    } else {
        Err(ApiError::invalid(format!(
            "{what} must be 3–64 of a–z 0–9 . _ -, starting with a letter or digit"
        )))
    }
}

fn credentials(value: OneTimeCredentials) -> ApiResult<Once> {
    Ok(Once {
        field: "credentials",
        value: serde_json::to_value(value).map_err(anyhow::Error::from)?,
    })
}

/// Every operator with role, status, last sign-in, failed attempts and
/// active sessions.
#[utoipa::path(get, path = "/v1/operators", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = Vec<OperatorAdminView>)))]
pub async fn list(
    State(state): State<AppState>,
    signed: Signed,
) -> ApiResult<Json<Vec<OperatorAdminView>>> {
    signed.require(Permission::ManageOperators)?;
    let now = state.clock.now_ms();
    let rows = state.store.operators_admin(now).await?;
    let views = rows
        .into_iter()
        .map(|row| views::operator_admin(row, now))
        .collect::<ApiResult<_>>()?;
    Ok(Json(views))
}

/// Adds an operator; the first answer carries their one-time password and
/// the `otpauth://` URI of their TOTP secret, which no later answer repeats.
#[utoipa::path(post, path = "/v1/operators", tag = "admin",
    params(("Idempotency-Key" = String, Header)), request_body = AddOperator,
    security(("bearer" = [])),
    responses((status = 200, body = OperatorAdminView), (status = 409, body = riskdesk_api::Problem)))]
pub async fn add(
    State(state): State<AppState>,
    signed: Signed,
    key: WriteKey,
    Body(request): Body<AddOperator>,
) -> ApiResult<Response> {
    signed.require(Permission::ManageOperators)?;
    let id = checked_id(&request.id, "id")?;
    let display_name = text(&request.display_name, "display_name", 64)?;
    if display_name.chars().any(char::is_control) {
        return Err(ApiError::invalid("display_name has a control character"));
    }
    let password = auth::new_initial_password();
    let totp_secret = auth::new_totp_secret();
    let once = credentials(OneTimeCredentials {
        initial_password: Some(password.clone()),
        otpauth_uri: auth::otpauth_uri(&id, &totp_secret),
    })?;
    let password_hash = tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(anyhow::Error::from)??;
    let operator = NewOperator {
        id,
        display_name,
        role: request.role,
        password_hash,
        totp_secret,
    };
    decide_once(
        &state,
        &signed,
        key,
        "operators",
        &request,
        None,
        Some(once),
        |store, claim, actor| async move { store.add_operator(&claim, &actor, &operator).await },
    )
    .await
}

/// Changes an operator: a role (from their next request), disable (every
/// session ends at once), enable, or a new authenticator (its secret in the
/// first answer; their sessions end). Never one's own account, and never
/// the last active admin.
#[utoipa::path(post, path = "/v1/operators/{id}/changes", tag = "admin",
    params(("id" = String, Path), ("Idempotency-Key" = String, Header)),
    request_body = OperatorChangeRequest, security(("bearer" = [])),
    responses((status = 200, body = OperatorAdminView), (status = 409, body = riskdesk_api::Problem),
        (status = 412, body = riskdesk_api::Problem)))]
pub async fn change(
    State(state): State<AppState>,
    signed: Signed,
    key: WriteKey,
    PathParam(id): PathParam<String>,
    Body(request): Body<OperatorChangeRequest>,
) -> ApiResult<Response> {
    signed.require(Permission::ManageOperators)?;
    let id = checked_id(&id, "the operator id")?;
    let mut once = None;
    let edit = match request.action {
        OperatorChangeAction::SetRole { role } => OperatorEdit::SetRole(role),
        OperatorChangeAction::Disable => OperatorEdit::Disable,
        OperatorChangeAction::Enable => OperatorEdit::Enable,
        OperatorChangeAction::ResetTotp => {
            let secret = auth::new_totp_secret();
            once = Some(credentials(OneTimeCredentials {
                initial_password: None,
                otpauth_uri: auth::otpauth_uri(&id, &secret),
            })?);
            OperatorEdit::ResetTotp { secret }
        }
    };
    let write = OperatorWrite {
        version: version(request.version, "operator")?,
        id,
        edit,
    };
    let route = format!("operators/{}/changes", write.id);
    decide_once(
        &state,
        &signed,
        key,
        &route,
        &request,
        None,
        once,
        |store, claim, actor| async move { store.change_operator(&claim, &actor, &write).await },
    )
    .await
}

/// An operator's sessions that have not ended.
#[utoipa::path(get, path = "/v1/operators/{id}/sessions", tag = "admin",
    params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Vec<SessionAdminView>)))]
pub async fn sessions(
    State(state): State<AppState>,
    signed: Signed,
    PathParam(id): PathParam<String>,
) -> ApiResult<Json<Vec<SessionAdminView>>> {
    signed.require(Permission::ManageOperators)?;
    let id = checked_id(&id, "the operator id")?;
    let rows = state
        .store
        .operator_sessions(&id, state.clock.now_ms())
        .await?;
    Ok(Json(rows.into_iter().map(views::session_admin).collect()))
}

/// Ends one session: its token is refused from the next request on.
#[utoipa::path(post, path = "/v1/sessions/{id}/end", tag = "admin",
    params(("id" = String, Path), ("Idempotency-Key" = String, Header)),
    security(("bearer" = [])),
    responses((status = 200, body = SessionAdminView), (status = 409, body = riskdesk_api::Problem)))]
pub async fn end_session(
    State(state): State<AppState>,
    signed: Signed,
    key: WriteKey,
    PathParam(id): PathParam<String>,
) -> ApiResult<Response> {
    signed.require(Permission::ManageOperators)?;
    if !valid_session_id(&id) {
        return Err(ApiError::invalid("a session id is 16 hex digits"));
    }
    let route = format!("sessions/{id}/end");
    decide(
        &state,
        &signed,
        key,
        &route,
        &(),
        None,
        |store, claim, actor| async move { store.end_session(&claim, &actor, &id).await },
    )
    .await
}

/// The payment platform's service clients.
#[utoipa::path(get, path = "/v1/service-clients", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = Vec<ServiceClientView>)))]
pub async fn service_clients(
    State(state): State<AppState>,
    signed: Signed,
) -> ApiResult<Json<Vec<ServiceClientView>>> {
    signed.require(Permission::ManageOperators)?;
    let rows = state.store.service_clients().await?;
    Ok(Json(rows.into_iter().map(views::service_client).collect()))
}

/// Registers a service client; the first answer carries its key, which is
/// stored only as its hash.
#[utoipa::path(post, path = "/v1/service-clients", tag = "admin",
    params(("Idempotency-Key" = String, Header)), request_body = AddServiceClient,
    security(("bearer" = [])),
    responses((status = 200, body = ServiceClientView), (status = 409, body = riskdesk_api::Problem)))]
pub async fn add_service_client(
    State(state): State<AppState>,
    signed: Signed,
    key: WriteKey,
    Body(request): Body<AddServiceClient>,
) -> ApiResult<Response> {
    signed.require(Permission::ManageOperators)?;
    let id = checked_id(&request.id, "id")?;
    let client_key = auth::new_service_key();
    let key_hash = auth::token_hash(&client_key);
    let once = Once {
        field: "key",
        value: serde_json::Value::String(client_key),
    };
    decide_once(
        &state,
        &signed,
        key,
        "service-clients",
        &request,
        None,
        Some(once),
        |store, claim, actor| async move {
            store
                .add_service_client_as(&claim, &actor, &id, &key_hash)
                .await
        },
    )
    .await
}

/// Revokes a service client: its key is refused from the next request on,
/// by every instance.
#[utoipa::path(post, path = "/v1/service-clients/{id}/revoke", tag = "admin",
    params(("id" = String, Path), ("Idempotency-Key" = String, Header)),
    request_body = RevokeServiceClient, security(("bearer" = [])),
    responses((status = 200, body = ServiceClientView), (status = 412, body = riskdesk_api::Problem)))]
pub async fn revoke_service_client(
    State(state): State<AppState>,
    signed: Signed,
    key: WriteKey,
    PathParam(id): PathParam<String>,
    Body(request): Body<RevokeServiceClient>,
) -> ApiResult<Response> {
    signed.require(Permission::ManageOperators)?;
    let id = checked_id(&id, "the client id")?;
    let version = version(request.version, "service client")?;
    let route = format!("service-clients/{id}/revoke");
    decide(
        &state,
        &signed,
        key,
        &route,
        &request,
        None,
        |store, claim, actor| async move {
            store
                .revoke_service_client(&claim, &actor, &id, version)
                .await
        },
    )
    .await
}
