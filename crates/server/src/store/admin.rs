//! The admin's side of the store: operators (add, role, disable, enable, a
//! new authenticator), their sessions, and the payment platform's service
//! clients. Each change is a decision like the operators' others — claimed
//! under an idempotency key, versioned, audited, its outcome recorded — and
//! no row here carries a secret: password hashes, TOTP secrets and key
//! hashes stay in the tables, never in an outcome or an audit entry.

use riskdesk_domain::operator::{OperatorChange, Role};

use super::{Actor, Claim, Decided, StoreResult};

/// An operator as an admin sees them: no secret.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct OperatorAdminRow {
    pub id: String,
    pub display_name: String,
    pub role: String,
    pub created_at: i64,
    pub disabled_at: Option<i64>,
    pub last_sign_in_at: Option<i64>,
    pub failed_attempts: i32,
    pub locked_until: Option<i64>,
    pub version: i64,
    /// Sessions neither signed out, expired nor idle at the time asked.
    pub active_sessions: i64,
}

/// A session as an admin sees it: its public id, never its token's hash.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct SessionAdminRow {
    pub id: String,
    pub operator_id: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
}

/// A service client as an admin sees it: never its key's hash.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct ServiceClientAdminRow {
    pub id: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
    pub version: i64,
}

/// A new operator. `password_hash` and `totp_secret` go to the table only.
#[derive(Clone, PartialEq, Eq)]
pub struct NewOperator {
    pub id: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
    pub totp_secret: String,
}

impl std::fmt::Debug for NewOperator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewOperator")
            .field("id", &self.id)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// A change to an existing operator, based on `version`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OperatorWrite {
    pub id: String,
    pub version: i64,
    pub edit: OperatorEdit,
}

/// What the store writes for a change: a new authenticator carries its
/// secret, which goes to the table only.
#[derive(Clone, PartialEq, Eq)]
pub enum OperatorEdit {
    SetRole(Role),
    Disable,
    Enable,
    ResetTotp { secret: String },
}

impl OperatorEdit {
    /// The change as the domain's rules judge it.
    pub fn change(&self) -> OperatorChange {
        match self {
            OperatorEdit::SetRole(role) => OperatorChange::SetRole(*role),
            OperatorEdit::Disable => OperatorChange::Disable,
            OperatorEdit::Enable => OperatorChange::Enable,
            OperatorEdit::ResetTotp { .. } => OperatorChange::ResetTotp,
        }
    }
}

impl std::fmt::Debug for OperatorEdit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.change().fmt(f)
    }
}

#[async_trait::async_trait]
pub trait Administration: Send + Sync {
    /// Every operator, by id, with their sessions active at `now`.
    async fn operators_admin(&self, now: i64) -> StoreResult<Vec<OperatorAdminRow>>;
    /// An operator's sessions not yet ended at `now`, newest first.
    async fn operator_sessions(
        &self,
        operator: &str,
        now: i64,
    ) -> StoreResult<Vec<SessionAdminRow>>;
    /// Adds an operator (a duplicate id is refused).
    async fn add_operator(
        &self,
        claim: &Claim,
        actor: &Actor,
        operator: &NewOperator,
    ) -> StoreResult<Decided>;
    /// Changes an operator under `may_change`'s rules; disabling one or
    /// giving them a new authenticator ends their sessions in the same
    /// transaction.
    async fn change_operator(
        &self,
        claim: &Claim,
        actor: &Actor,
        write: &OperatorWrite,
    ) -> StoreResult<Decided>;
    /// Ends one session by its public id.
    async fn end_session(&self, claim: &Claim, actor: &Actor, id: &str) -> StoreResult<Decided>;

    async fn service_clients(&self) -> StoreResult<Vec<ServiceClientAdminRow>>;
    /// Registers a client by the hash of its new key.
    async fn add_service_client_as(
        &self,
        claim: &Claim,
        actor: &Actor,
        id: &str,
        key_hash: &str,
    ) -> StoreResult<Decided>;
    /// Revokes a client: its key is refused from the next request on.
    async fn revoke_service_client(
        &self,
        claim: &Claim,
        actor: &Actor,
        id: &str,
        version: i64,
    ) -> StoreResult<Decided>;
}
