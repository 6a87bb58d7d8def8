//! [`Administration`] over sqlx: each change locks the operator (or client),
//! checks its version and `operator::may_change`, writes, ends the sessions
//! the change must end, audits, and records its outcome under the claim —
//! as the operators' decisions do (`decisions.rs`).

use std::str::FromStr;

use riskdesk_domain::operator::{OperatorChange, Role, may_change};
use riskdesk_domain::refusal::{Ended, Exists, Missing};

use super::decisions::Tx;
use super::*;
use crate::auth;

const OPERATOR_FIELDS: &str = "o.id, o.display_name, o.role, o.created_at, o.disabled_at, \
    o.last_sign_in_at, o.failed_attempts, o.locked_until, o.version";
const SESSION_FIELDS: &str = "id, operator_id, created_at, last_seen_at, expires_at, revoked_at";
const CLIENT_FIELDS: &str = "id, created_at, revoked_at, version";

#[for_backends]
#[async_trait::async_trait]
impl<DB> Administration for SqlStore<DB> {
    async fn operators_admin(&self, now: i64) -> StoreResult<Vec<OperatorAdminRow>> {
        fetch_all(&self.pool, |q| {
            operators_query(q, now);
            q.push(" ORDER BY o.id");
        })
        .await
    }

    async fn operator_sessions(
        &self,
        operator: &str,
        now: i64,
    ) -> StoreResult<Vec<SessionAdminRow>> {
        fetch_all(&self.pool, |q| {
            q.push("SELECT ")
                .push(SESSION_FIELDS)
                .push(" FROM sessions");
            q.and().push("operator_id = ").bind(operator.to_owned());
            live_session(q, now);
            q.push(" ORDER BY created_at DESC");
        })
        .await
    }

    async fn add_operator(
        &self,
        claim: &Claim,
        actor: &Actor,
        o: &NewOperator,
    ) -> StoreResult<Decided> {
        let mut tx = self.begin_write().await?;
        let now = claim.now;
        let inserted: Option<(String,)> = fetch_optional(&mut *tx, |q| {
            q.push(
                "INSERT INTO operators (id, display_name, role, password_hash, totp_secret, \
                 created_at, must_change_password)",
            );
            q.values(&[()], |t, ()| {
                t.bind(o.id.clone())
                    .bind(o.display_name.clone())
                    .bind(o.role.as_str().to_owned())
                    .bind(o.password_hash.clone())
                    .bind(self.keys.seal(&o.totp_secret))
                    .bind(now)
                    .bind(1_i32);
            });
            q.push(" ON CONFLICT (id) DO NOTHING RETURNING id");
        })
        .await?;
        if inserted.is_none() {
            return self.refuse(tx, claim, Exists::Operator(o.id.clone())).await;
        }
        let after = operator_row(&mut tx, &o.id, now).await?;
        let entry = Entry::added("operator.add", format!("operator:{}", o.id), &after)?;
        self.conclude(tx, claim, actor, entry, Decided::Operator(after))
            .await
    }

    async fn change_operator(
        &self,
        claim: &Claim,
        actor: &Actor,
        w: &OperatorWrite,
    ) -> StoreResult<Decided> {
        let mut tx = self.begin_write().await?;
        let now = claim.now;
        // The admins first, locked: two admins disabling each other queue
        // here, and the second finds that only one is left.
        let admins: Vec<(String,)> = fetch_all(&mut *tx, |q| {
            q.push("SELECT id FROM operators WHERE role = 'admin' AND disabled_at IS NULL")
                .push(" ORDER BY id")
                .push(for_update::<DB>());
        })
        .await?;
        let locked: Option<(String,)> = fetch_optional(&mut *tx, |q| {
            q.push("SELECT id FROM operators WHERE id = ")
                .bind(w.id.clone())
                .push(for_update::<DB>());
        })
        .await?;
        if locked.is_none() {
            return self
                .refuse(tx, claim, Missing::Operator(w.id.clone()))
                .await;
        }
        let before = operator_row(&mut tx, &w.id, now).await?;
        if before.version != w.version {
            return self.stale(tx, claim, Decided::Operator(before)).await;
        }
        let role = Role::from_str(&before.role)
            .map_err(|_| decode_error(anyhow::anyhow!("operator {}: role", before.id)))?;
        let disabled = before.disabled_at.is_some();
        let change = w.edit.change();
        if let Err(why) = may_change(&actor.id, &w.id, role, disabled, change, admins.len()) {
            return self.refuse(tx, claim, why).await;
        }
        execute(&mut *tx, |q| {
            q.push("UPDATE operators SET version = version + 1");
            match &w.edit {
                OperatorEdit::SetRole(role) => {
                    q.push(", role = ").bind(role.as_str().to_owned());
                }
                OperatorEdit::Disable => {
                    q.push(", disabled_at = ").bind(now);
                }
                // Back with a clean slate: no lock carried over from before.
                OperatorEdit::Enable => {
                    q.push(", disabled_at = NULL, failed_attempts = 0, locked_until = NULL");
                }
                // A new secret starts its own steps.
                OperatorEdit::ResetTotp { secret } => {
                    q.push(", totp_secret = ").bind(self.keys.seal(secret));
                    q.push(", totp_last_step = 0");
                }
            }
            q.push(" WHERE id = ").bind(w.id.clone());
        })
        .await?;
        let (action, ends_sessions) = match change {
            OperatorChange::SetRole(_) => ("operator.role", false),
            OperatorChange::Disable => ("operator.disable", true),
            OperatorChange::Enable => ("operator.enable", false),
            OperatorChange::ResetTotp => ("operator.reset_totp", true),
        };
        if ends_sessions {
            execute(&mut *tx, |q| {
                q.push("UPDATE sessions SET revoked_at = ").bind(now);
                q.and().push("operator_id = ").bind(w.id.clone());
                q.and().push("revoked_at IS NULL");
            })
            .await?;
        }
        let after = operator_row(&mut tx, &w.id, now).await?;
        let entry = Entry::changed(action, format!("operator:{}", w.id), &before, &after)?;
        self.conclude(tx, claim, actor, entry, Decided::Operator(after))
            .await
    }

    async fn end_session(&self, claim: &Claim, actor: &Actor, id: &str) -> StoreResult<Decided> {
        let mut tx = self.begin_write().await?;
        let now = claim.now;
        let before: Option<SessionAdminRow> = fetch_optional(&mut *tx, |q| {
            q.push("SELECT ")
                .push(SESSION_FIELDS)
                .push(" FROM sessions");
            q.and().push("id = ").bind(id.to_owned());
            q.push(for_update::<DB>());
        })
        .await?;
        let Some(before) = before else {
            return self
                .refuse(tx, claim, Missing::Session(id.to_owned()))
                .await;
        };
        if before.revoked_at.is_some() || before.expires_at <= now {
            return self.refuse(tx, claim, Ended::Session).await;
        }
        let after: SessionAdminRow = fetch_optional(&mut *tx, |q| {
            q.push("UPDATE sessions SET revoked_at = ").bind(now);
            q.and().push("id = ").bind(id.to_owned());
            q.push(" RETURNING ").push(SESSION_FIELDS);
        })
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
        let entry = Entry::changed(
            "session.end",
            format!("operator:{}", before.operator_id),
            &before,
            &after,
        )?;
        self.conclude(tx, claim, actor, entry, Decided::Session(after))
            .await
    }

    async fn service_clients(&self) -> StoreResult<Vec<ServiceClientAdminRow>> {
        fetch_all(&self.pool, |q| {
            q.push("SELECT ")
                .push(CLIENT_FIELDS)
                .push(" FROM service_clients ORDER BY id");
        })
        .await
    }

    async fn add_service_client_as(
        &self,
        claim: &Claim,
        actor: &Actor,
        id: &str,
        key_hash: &str,
    ) -> StoreResult<Decided> {
        let mut tx = self.begin_write().await?;
        let now = claim.now;
        let after: Option<ServiceClientAdminRow> = fetch_optional(&mut *tx, |q| {
            q.push("INSERT INTO service_clients (id, key_hash, created_at)");
            q.values(&[()], |t, ()| {
                t.bind(id.to_owned()).bind(key_hash.to_owned()).bind(now);
            });
            q.push(" ON CONFLICT (id) DO NOTHING RETURNING ")
                .push(CLIENT_FIELDS);
        })
        .await?;
        let Some(after) = after else {
            return self
                .refuse(tx, claim, Exists::ServiceClient(id.to_owned()))
                .await;
        };
        let entry = Entry::added("service_client.add", format!("service_client:{id}"), &after)?;
        self.conclude(tx, claim, actor, entry, Decided::ServiceClient(after))
            .await
    }

    async fn revoke_service_client(
        &self,
        claim: &Claim,
        actor: &Actor,
        id: &str,
        version: i64,
    ) -> StoreResult<Decided> {
        let mut tx = self.begin_write().await?;
        let now = claim.now;
        let before: Option<ServiceClientAdminRow> = fetch_optional(&mut *tx, |q| {
            q.push("SELECT ")
                .push(CLIENT_FIELDS)
                .push(" FROM service_clients");
            q.and().push("id = ").bind(id.to_owned());
            q.push(for_update::<DB>());
        })
        .await?;
        let Some(before) = before else {
            return self
                .refuse(tx, claim, Missing::ServiceClient(id.to_owned()))
                .await;
        };
        if before.version != version {
            return self.stale(tx, claim, Decided::ServiceClient(before)).await;
        }
        if before.revoked_at.is_some() {
            return self
                .refuse(tx, claim, Ended::ServiceClient(id.to_owned()))
                .await;
        }
        let after: ServiceClientAdminRow = fetch_optional(&mut *tx, |q| {
            q.push("UPDATE service_clients SET revoked_at = ").bind(now);
            q.push(", version = version + 1");
            q.and().push("id = ").bind(id.to_owned());
            q.push(" RETURNING ").push(CLIENT_FIELDS);
        })
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
        let entry = Entry::changed(
            "service_client.revoke",
            format!("service_client:{id}"),
            &before,
            &after,
        )?;
        self.conclude(tx, claim, actor, entry, Decided::ServiceClient(after))
            .await
    }
}

/// The operators with their live sessions counted, as of `now`.
fn operators_query<DB: Database>(q: &mut Query<'_, DB>, now: i64)
where
    i64: Type<DB> + for<'q> Encode<'q, DB>,
{
    q.push("SELECT ").push(OPERATOR_FIELDS);
    q.push(", (SELECT COUNT(*) FROM sessions s WHERE s.operator_id = o.id");
    live_session(q, now);
    q.push(") AS active_sessions FROM operators o");
}

/// Sessions that still let their holder in at `now`.
fn live_session<DB: Database>(q: &mut Query<'_, DB>, now: i64)
where
    i64: Type<DB> + for<'q> Encode<'q, DB>,
{
    q.push(" AND revoked_at IS NULL AND expires_at > ")
        .bind(now);
    q.push(" AND last_seen_at > ")
        .bind(now - auth::IDLE_TIMEOUT_MS);
}

/// One operator as an admin sees them, inside `tx`.
async fn operator_row<DB>(tx: &mut Tx<DB>, id: &str, now: i64) -> StoreResult<OperatorAdminRow>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    i64: Type<DB> + for<'q> Encode<'q, DB>,
    String: Type<DB> + for<'q> Encode<'q, DB>,
    OperatorAdminRow: for<'r> sqlx::FromRow<'r, DB::Row>,
{
    fetch_optional(&mut **tx, |q| {
        operators_query(q, now);
        q.push(" WHERE o.id = ").bind(id.to_owned());
    })
    .await?
    .ok_or(sqlx::Error::RowNotFound)
}
