//! Who may call the service: operators' sign-ins (a TOTP step used once,
//! lockouts), their sessions, and the payment channel's service clients.

use super::{ServiceClientRow, StoreResult};

#[derive(Clone, Debug)]
pub struct Lockout {
    pub max_attempts: i32,
    /// The first lock's length, the second's, …; the last repeats.
    pub locks_ms: Vec<i64>,
}

#[derive(Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OperatorRow {
    pub id: String,
    pub display_name: String,
    pub role: String,
    pub password_hash: String,
    pub totp_secret: String,
    pub totp_last_step: i64,
    pub failed_attempts: i32,
    pub locked_until: Option<i64>,
    pub created_at: i64,
    pub disabled_at: Option<i64>,
    /// 1 while the password is an admin's one-time one.
    pub must_change_password: i32,
}

impl std::fmt::Debug for OperatorRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OperatorRow")
            .field("id", &self.id)
            .field("role", &self.role)
            .field("password_hash", &"<redacted>")
            .field("totp_secret", &"<redacted>")
            .field("failed_attempts", &self.failed_attempts)
            .field("locked_until", &self.locked_until)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionRow {
    pub token_hash: String,
    pub operator_id: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    // From the operator, so that one query authenticates a request; not written.
    pub role: String,
    pub display_name: String,
}

impl SessionRow {
    /// The session's name for an admin: the first 16 hex digits of its
    /// token's hash, which cannot sign anyone in.
    pub fn public_id(&self) -> String {
        self.token_hash.chars().take(16).collect()
    }
}

#[async_trait::async_trait]
pub trait Sessions: Send + Sync {
    async fn operator(&self, id: &str) -> StoreResult<Option<OperatorRow>>;
    /// Counts a failed sign-in, unless the operator is locked at `now` (then
    /// nothing changes and the answer is `None`). A lock that has lapsed
    /// starts the count again; the count reaching `lockout.max_attempts` locks
    /// the operator for the next of `lockout.locks_ms`. Returns the new count.
    async fn record_failed_sign_in(
        &self,
        id: &str,
        now: i64,
        lockout: &Lockout,
    ) -> StoreResult<Option<i32>>;
    /// Counts a wrong step-up code; at `max` in a row, ends the session
    /// `token_hash` and starts the count again. Returns the new count.
    async fn record_step_up_failure(
        &self,
        id: &str,
        token_hash: &str,
        max: i32,
        now: i64,
    ) -> StoreResult<i32>;
    /// Records a successful sign-in that used TOTP time step `step`. Returns
    /// false, changing nothing, when that step (or a later one) was already
    /// used: a code is accepted once, even under concurrent sign-ins.
    async fn record_sign_in(&self, id: &str, step: i64, now: i64) -> StoreResult<bool>;
    /// The operator's own password in place of a one-time one.
    async fn set_own_password(&self, id: &str, password_hash: &str) -> StoreResult<()>;

    async fn create_session(&self, session: &SessionRow) -> StoreResult<()>;
    /// The session with its operator's role and name.
    async fn session(&self, token_hash: &str) -> StoreResult<Option<SessionRow>>;
    async fn touch_session(&self, token_hash: &str, now: i64) -> StoreResult<()>;
    async fn revoke_session(&self, token_hash: &str, now: i64) -> StoreResult<()>;

    async fn add_service_client(&self, client: &ServiceClientRow) -> StoreResult<()>;
    async fn service_client(&self, key_hash: &str) -> StoreResult<Option<ServiceClientRow>>;
}
