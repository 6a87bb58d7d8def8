//! [`Sessions`] over sqlx: operators' sign-ins and lockouts, sessions, and
//! the payment channel's service clients.

use super::*;

#[for_backends]
#[async_trait::async_trait]
impl<DB> Sessions for SqlStore<DB> {
    async fn operator(&self, id: &str) -> StoreResult<Option<OperatorRow>> {
        let row: Option<OperatorRow> = fetch_optional(&self.pool, |q| {
            q.push("SELECT * FROM operators WHERE id = ")
                .bind(id.to_owned());
        })
        .await?;
        row.map(|o| {
            Ok(OperatorRow {
                totp_secret: self.open(&o.totp_secret)?,
                ..o
            })
        })
        .transpose()
    }

    async fn record_failed_sign_in(
        &self,
        id: &str,
        now: i64,
        lockout: &Lockout,
    ) -> StoreResult<Option<i32>> {
        // One statement, so that concurrent failures each count; every
        // right-hand side reads the row as it was.
        let lapsed = |q: &mut Query<'_, DB>| {
            q.push("(locked_until IS NOT NULL AND locked_until <= ")
                .bind(now)
                .push(")");
        };
        let count = |q: &mut Query<'_, DB>| {
            q.push("(CASE WHEN ");
            lapsed(q);
            q.push(" THEN 1 ELSE failed_attempts + 1 END)");
        };
        let row: Option<(i32,)> = fetch_optional(&self.pool, |q| {
            q.push("UPDATE operators SET failed_attempts = ");
            count(q);
            q.push(", lockouts = CASE WHEN ");
            count(q);
            q.push(" = ")
                .bind(lockout.max_attempts)
                .push(" THEN lockouts + 1 ELSE lockouts END");
            q.push(", locked_until = CASE WHEN ");
            count(q);
            q.push(" = ").bind(lockout.max_attempts);
            q.push(" THEN ").bind(now).push(" + CASE lockouts");
            let (last, earlier) = lockout.locks_ms.split_last().unwrap_or((&0, &[]));
            for (n, ms) in (0_i32..).zip(earlier) {
                q.push(" WHEN ").bind(n).push(" THEN ").bind(*ms);
            }
            q.push(" ELSE ").bind(*last).push(" END");
            q.push(" WHEN ");
            lapsed(q);
            q.push(" THEN NULL ELSE locked_until END");
            q.push(" WHERE id = ").bind(id.to_owned());
            q.push(" AND (locked_until IS NULL OR locked_until <= ")
                .bind(now)
                .push(") RETURNING failed_attempts");
        })
        .await?;
        Ok(row.map(|(n,)| n))
    }

    async fn record_step_up_failure(
        &self,
        id: &str,
        token_hash: &str,
        max: i32,
        now: i64,
    ) -> StoreResult<i32> {
        let mut tx = self.pool.begin().await?;
        let row: Option<(i32,)> = fetch_optional(&mut *tx, |q| {
            q.push("UPDATE operators SET step_up_failures = step_up_failures + 1 WHERE id = ")
                .bind(id.to_owned())
                .push(" RETURNING step_up_failures");
        })
        .await?;
        let Some((failures,)) = row else {
            return Ok(0);
        };
        if failures >= max {
            execute(&mut *tx, |q| {
                q.push("UPDATE operators SET step_up_failures = 0 WHERE id = ")
                    .bind(id.to_owned());
            })
            .await?;
            execute(&mut *tx, |q| {
                q.push("UPDATE sessions SET revoked_at = ").bind(now);
                q.push(" WHERE revoked_at IS NULL AND token_hash = ")
                    .bind(token_hash.to_owned());
            })
            .await?;
        }
        tx.commit().await?;
        Ok(failures)
    }

    async fn record_sign_in(&self, id: &str, step: i64, now: i64) -> StoreResult<bool> {
        let row: Option<(String,)> = fetch_optional(&self.pool, |q| {
            q.push("UPDATE operators SET failed_attempts = 0, locked_until = NULL, lockouts = 0, ");
            q.push("last_sign_in_at = ").bind(now);
            q.push(", totp_last_step = ").bind(step);
            q.push(" WHERE id = ").bind(id.to_owned());
            q.push(" AND totp_last_step < ")
                .bind(step)
                .push(" RETURNING id");
        })
        .await?;
        Ok(row.is_some())
    }

    async fn set_own_password(&self, id: &str, password_hash: &str) -> StoreResult<()> {
        execute(&self.pool, |q| {
            q.push("UPDATE operators SET password_hash = ")
                .bind(password_hash.to_owned());
            q.push(", must_change_password = 0, version = version + 1 WHERE id = ")
                .bind(id.to_owned());
        })
        .await
    }

    async fn create_session(&self, s: &SessionRow) -> StoreResult<()> {
        execute(&self.pool, |q| {
            q.push(
                "INSERT INTO sessions (token_hash, operator_id, created_at, last_seen_at, \
                 expires_at, revoked_at, id)",
            );
            q.values(std::slice::from_ref(s), |t, s| {
                t.bind(s.token_hash.clone())
                    .bind(s.operator_id.clone())
                    .bind(s.created_at)
                    .bind(s.last_seen_at)
                    .bind(s.expires_at)
                    .bind(s.revoked_at)
                    .bind(s.public_id());
            });
        })
        .await
    }

    async fn session(&self, token_hash: &str) -> StoreResult<Option<SessionRow>> {
        fetch_optional(&self.pool, |q| {
            q.push(
                "SELECT s.token_hash, s.operator_id, s.created_at, s.last_seen_at, s.expires_at, \
                 s.revoked_at, o.role, o.display_name \
                 FROM sessions s JOIN operators o ON o.id = s.operator_id \
                 WHERE o.disabled_at IS NULL AND s.token_hash = ",
            )
            .bind(token_hash.to_owned());
        })
        .await
    }

    async fn touch_session(&self, token_hash: &str, now: i64) -> StoreResult<()> {
        execute(&self.pool, |q| {
            q.push("UPDATE sessions SET last_seen_at = ").bind(now);
            q.push(" WHERE token_hash = ").bind(token_hash.to_owned());
            q.push(" AND last_seen_at < ").bind(now);
        })
        .await
    }

    async fn revoke_session(&self, token_hash: &str, now: i64) -> StoreResult<()> {
        execute(&self.pool, |q| {
            q.push("UPDATE sessions SET revoked_at = ").bind(now);
            q.push(" WHERE token_hash = ").bind(token_hash.to_owned());
            q.push(" AND revoked_at IS NULL");
        })
        .await
    }

    async fn add_service_client(&self, c: &ServiceClientRow) -> StoreResult<()> {
        execute(&self.pool, |q| {
            q.push("INSERT INTO service_clients (id, key_hash, created_at, revoked_at)");
            q.values(std::slice::from_ref(c), |t, c| {
                t.bind(c.id.clone())
                    .bind(c.key_hash.clone())
                    .bind(c.created_at)
                    .bind(c.revoked_at);
            });
        })
        .await
    }

    async fn service_client(&self, key_hash: &str) -> StoreResult<Option<ServiceClientRow>> {
        self.clients.read(key_hash.to_owned()).await
    }
}
