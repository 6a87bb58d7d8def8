//! Sign-in and the signed-in operator.

use chrono::{DateTime, Utc};
use riskdesk_domain::operator::{Permission, Role};

#[derive(Clone, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    /// An operator id (`admin::ID_PATTERN`); anything else is refused before
    /// anything is looked up.
    #[schema(pattern = "^[a-z0-9][a-z0-9._-]{2,63}$")]
    pub operator_id: String,
    #[schema(min_length = 1, max_length = 256)]
    pub password: String,
    /// The current six-digit code from the operator's authenticator.
    #[schema(pattern = "^[0-9]{6}$")]
    pub totp_code: String,
    /// With a one-time password: the operator's own from now on (12–256
    /// characters, not the one-time one). Otherwise left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(min_length = 12, max_length = 256)]
    #[ts(optional)]
    pub new_password: Option<String>,
}

/// Passwords and codes never print.
impl std::fmt::Debug for SignInRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInRequest")
            .field("operator_id", &self.operator_id)
            .field("password", &"<redacted>")
            .field("totp_code", &"<redacted>")
            .field(
                "new_password",
                &self.new_password.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

#[derive(Clone, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct SignInResponse {
    /// Bearer token for the `Authorization` header.
    pub token: String,
    /// The session ends at this time whatever happens.
    pub expires_at: DateTime<Utc>,
    /// Idle sessions end after this many seconds without a request.
    pub idle_timeout_secs: u32,
    pub operator: OperatorView,
}

impl std::fmt::Debug for SignInResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInResponse")
            .field("token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .field("operator", &self.operator)
            .finish()
    }
}

#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct OperatorView {
    pub id: String,
    pub display_name: String,
    pub role: Role,
    /// Everything this operator's role allows, so a client can hide what it cannot do.
    pub permissions: Vec<Permission>,
}

#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct Health {
    pub status: String,
    pub version: String,
    pub database: String,
}
