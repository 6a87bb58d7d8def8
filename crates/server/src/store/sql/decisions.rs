//! The operators' decisions over sqlx, one file per kind. Each decision
//! locks what it changes (SQLite `BEGIN IMMEDIATE`, PostgreSQL `FOR UPDATE`,
//! the account before anything of it, as authorizations do), checks the
//! version and the rules, writes the change and its audit entry, and records
//! its outcome under the claim. Here the claims ([`Claims`]) and the steps
//! every kind shares.

mod alerts;
mod blacklist;
mod cases;
mod disputes;
mod lines;

use riskdesk_domain::refusal::{Ended, Exists, Missing, Refusal};

use super::*;

pub(super) type Tx<DB> = sqlx::Transaction<'static, DB>;

#[for_backends]
#[async_trait::async_trait]
impl<DB> Claims for SqlStore<DB> {
    async fn claim(&self, c: &Claim, stale_before: i64) -> StoreResult<Claimed> {
        let inserted: Option<(String,)> = fetch_optional(&self.pool, |q| {
            q.push("INSERT INTO idempotency (scope, key, request_hash, outcome, created_at)");
            q.values(&[()], |t, ()| {
                t.bind(c.scope.clone())
                    .bind(c.key.clone())
                    .bind(c.request_hash.clone())
                    .bind(String::new())
                    .bind(c.now);
            });
            q.push(" ON CONFLICT (scope, key) DO NOTHING RETURNING key");
        })
        .await?;
        if inserted.is_some() {
            return Ok(Claimed::New);
        }
        let earlier: Option<(String, String, i64)> = fetch_optional(&self.pool, |q| {
            q.push("SELECT request_hash, outcome, created_at FROM idempotency");
            q.and().push("scope = ").bind(c.scope.clone());
            q.and().push("key = ").bind(c.key.clone());
        })
        .await?;
        let Some((hash, outcome, created_at)) = earlier else {
            // Forgotten between the two statements: its request failed; say
            // "in flight" so that the client retries.
            return Ok(Claimed::InFlight);
        };
        if hash != c.request_hash {
            return Ok(Claimed::Mismatch);
        }
        if !outcome.is_empty() {
            return serde_json::from_str(&outcome)
                .map(|d| Claimed::Replay(Box::new(d)))
                .map_err(|e| sqlx::Error::Decode(Box::new(e)));
        }
        if created_at >= stale_before {
            return Ok(Claimed::InFlight);
        }
        // Its instance died mid-request (the decision and its outcome commit
        // together, so nothing of it was written): take it over, once.
        let taken: Option<(String,)> = fetch_optional(&self.pool, |q| {
            q.push("UPDATE idempotency SET created_at = ").bind(c.now);
            q.and().push("scope = ").bind(c.scope.clone());
            q.and().push("key = ").bind(c.key.clone());
            q.and().push("outcome = ''");
            q.and().push("created_at = ").bind(created_at);
            q.push(" RETURNING key");
        })
        .await?;
        Ok(if taken.is_some() {
            Claimed::New
        } else {
            Claimed::InFlight
        })
    }

    async fn forget_claim(&self, c: &Claim) -> StoreResult<()> {
        execute(&self.pool, |q| {
            q.push("DELETE FROM idempotency");
            q.and().push("scope = ").bind(c.scope.clone());
            q.and().push("key = ").bind(c.key.clone());
            q.and().push("outcome = ''");
        })
        .await
    }
}

/// The row of `table` with `id`; `lock`: held (PostgreSQL `FOR UPDATE`) for
/// the rest of the transaction.
pub(super) async fn row_by_id<'c, DB, T>(
    executor: impl Executor<'c, Database = DB>,
    fields: &str,
    table: &str,
    id: i64,
    lock: bool,
) -> StoreResult<Option<T>>
where
    DB: Database,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    i64: Type<DB> + for<'q> Encode<'q, DB>,
    T: for<'r> sqlx::FromRow<'r, DB::Row> + Send + Unpin,
{
    fetch_optional(executor, |q| {
        q.push("SELECT ").push(fields).push(" FROM ").push(table);
        q.push(" WHERE id = ").bind(id);
        if lock {
            q.push(for_update::<DB>());
        }
    })
    .await
}
/// The steps decisions share, inside their transaction.
#[for_backends]
impl<DB> SqlStore<DB> {
    /// Ends a decision made: its audit entry appended, then its outcome
    /// recorded under the claim, all in its transaction.
    pub(super) async fn conclude(
        &self,
        mut tx: Tx<DB>,
        claim: &Claim,
        actor: &Actor,
        entry: Entry,
        decided: Decided,
    ) -> StoreResult<Decided> {
        Self::audit(&mut tx, claim.now, &actor.id, entry).await?;
        self.finish(tx, claim, decided).await
    }

    pub(super) async fn finish(
        &self,
        mut tx: Tx<DB>,
        claim: &Claim,
        decided: Decided,
    ) -> StoreResult<Decided> {
        let outcome =
            serde_json::to_string(&decided).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        let record = |q: &mut Query<'_, DB>| {
            q.push("UPDATE idempotency SET outcome = ")
                .bind(outcome.clone());
            q.and().push("scope = ").bind(claim.scope.clone());
            q.and().push("key = ").bind(claim.key.clone());
        };
        if matches!(decided, Decided::Refused(_)) {
            tx.rollback().await?;
            execute(&self.pool, record).await?;
        } else {
            execute(&mut *tx, record).await?;
            tx.commit().await?;
        }
        Ok(decided)
    }

    /// Ends a decision refused for `why`: nothing of it is written but its
    /// outcome.
    pub(super) async fn refuse(
        &self,
        tx: Tx<DB>,
        claim: &Claim,
        why: impl Into<Refusal> + Send,
    ) -> StoreResult<Decided> {
        let refused = Refused::new(why);
        self.finish(tx, claim, Decided::Refused(refused)).await
    }

    /// Ends a decision made on a version other than `current`'s.
    pub(super) async fn stale(
        &self,
        tx: Tx<DB>,
        claim: &Claim,
        current: Decided,
    ) -> StoreResult<Decided> {
        let refused = Refused::stale(current);
        self.finish(tx, claim, Decided::Refused(refused)).await
    }

    /// Spends the TOTP step the actor's code matched: false if that step (or
    /// a later one) was already used, at sign-in or by another decision.
    pub(super) async fn spend_step(tx: &mut Tx<DB>, actor: &Actor) -> StoreResult<bool> {
        let Some(step) = actor.step else {
            return Ok(false);
        };
        let spent: Option<(String,)> = fetch_optional(&mut **tx, |q| {
            q.push("UPDATE operators SET step_up_failures = 0, totp_last_step = ")
                .bind(step);
            q.push(" WHERE id = ").bind(actor.id.clone());
            q.push(" AND totp_last_step < ")
                .bind(step)
                .push(" RETURNING id");
        })
        .await?;
        Ok(spent.is_some())
    }
}
