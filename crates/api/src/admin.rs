//! Operator administration on the wire: the admin's views of operators,
//! their sessions and the service clients, and the changes an admin makes.
//! Secrets (an initial password, a TOTP secret, a client's key) appear in
//! the first answer to the request that made them, and never again: a
//! replayed answer leaves them out.

use chrono::{DateTime, Utc};
use riskdesk_domain::operator::{OperatorStatus, Role};

/// What `^[a-z0-9][a-z0-9._-]{2,63}$` an operator or client id must match.
pub const ID_PATTERN: &str = "^[a-z0-9][a-z0-9._-]{2,63}$";

/// An operator as an admin sees them.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct OperatorAdminView {
    pub id: String,
    pub display_name: String,
    pub role: Role,
    /// `active`, `locked` (too many failed sign-ins, until `locked_until`) or `disabled`.
    pub status: OperatorStatus,
    pub created_at: DateTime<Utc>,
    pub last_sign_in_at: Option<DateTime<Utc>>,
    /// Failed sign-ins since the last success.
    pub failed_attempts: i32,
    pub locked_until: Option<DateTime<Utc>>,
    /// Sessions that would let them in now.
    pub active_sessions: i64,
    pub version: i64,
    /// Only in the first answer to an add or a reset of the authenticator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub credentials: Option<OneTimeCredentials>,
}

/// Shown once: the new operator's password (to be changed by them) and the
/// TOTP secret as the `otpauth://` URI their authenticator scans.
#[derive(Clone, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS)]
pub struct OneTimeCredentials {
    /// Only when the operator is new.
    pub initial_password: Option<String>,
    pub otpauth_uri: String,
}

impl std::fmt::Debug for OneTimeCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OneTimeCredentials(<redacted>)")
    }
}

/// A new operator.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
#[serde(deny_unknown_fields)]
pub struct AddOperator {
    #[schema(pattern = "^[a-z0-9][a-z0-9._-]{2,63}$")]
    pub id: String,
    #[schema(min_length = 1, max_length = 64, pattern = r"\S")]
    pub display_name: String,
    pub role: Role,
}

/// A change an admin makes to an operator.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum OperatorChangeAction {
    /// A new role, from their next request on.
    SetRole { role: Role },
    /// No more sign-ins; every session of theirs ends at once.
    Disable,
    /// Sign-ins again, with a clean failure count.
    Enable,
    /// A new TOTP secret (shown once); their sessions end.
    ResetTotp,
}

#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
#[serde(deny_unknown_fields)]
pub struct OperatorChangeRequest {
    #[schema(value_type = i64, required = true)]
    pub version: Option<i64>,
    pub action: OperatorChangeAction,
}

/// A session as an admin sees it.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct SessionAdminView {
    /// The session's public id (not its token).
    pub id: String,
    pub operator_id: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
}

/// A service client (the payment platform's key) as an admin sees it.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct ServiceClientView {
    pub id: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub version: i64,
    /// Only in the first answer to the add: the key, which is stored only
    /// as its hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub key: Option<String>,
}

#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
#[serde(deny_unknown_fields)]
pub struct AddServiceClient {
    #[schema(pattern = "^[a-z0-9][a-z0-9._-]{2,63}$")]
    pub id: String,
}

#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
#[serde(deny_unknown_fields)]
pub struct RevokeServiceClient {
    #[schema(value_type = i64, required = true)]
    pub version: Option<i64>,
}

/// Whether `id` is a session's public id: 16 hex digits.
pub fn valid_session_id(id: &str) -> bool {
    id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whether `id` is a valid operator or client id (`ID_PATTERN`).
pub fn valid_id(id: &str) -> bool {
    let bytes = id.as_bytes();
    (3..=64).contains(&bytes.len())
        && bytes[0].is_ascii_lowercase() | bytes[0].is_ascii_digit()
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(b))
}
