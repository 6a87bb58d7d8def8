//! [`LineDecisions`] over sqlx: limit changes (proposed, then applied at
//! once or approved by another operator) and freezes, each on the account's
//! line locked first.

use std::str::FromStr;

use riskdesk_domain::account::{AccountStatus, CreditLine};
use riskdesk_domain::limit_change::{ApprovalTier, approval_tier};
use riskdesk_domain::money::Money;
use riskdesk_domain::refusal::Missing;

use super::super::metrics::{LimitChangeStep, count_limit_change};
use super::*;
use crate::clock::utc;

/// An account's line as a decision reads it, locked.
#[derive(sqlx::FromRow)]
struct Line {
    status: String,
    limit_fen: i64,
    used_fen: i64,
    frozen_fen: i64,
    /// Kept with a limit change: metrics are cut by the grade at the time.
    grade: String,
}

impl Line {
    /// The account's status and line, as the domain decides on them.
    fn decode(&self, account_id: i64) -> StoreResult<(AccountStatus, CreditLine)> {
        let amounts = (self.limit_fen, self.used_fen, self.frozen_fen);
        crate::store::decode::line(account_id, &self.status, amounts).map_err(decode_error)
    }
}

#[for_backends]
#[async_trait::async_trait]
impl<DB> LineDecisions for SqlStore<DB> {
    async fn limit_change(&self, id: i64) -> StoreResult<Option<LimitChangeRow>> {
        row_by_id(&self.pool, LIMIT_CHANGE_FIELDS, "limit_changes", id, false).await
    }

    async fn propose_limit_change(
        &self,
        claim: &Claim,
        actor: &Actor,
        w: &ProposalWrite,
    ) -> StoreResult<Decided> {
        let mut tx = self.begin_write().await?;
        let now = claim.now;
        let Some(line) = Self::lock_line(&mut tx, w.account_id).await? else {
            return self.refuse(tx, claim, Missing::Account(w.account_id)).await;
        };
        let (status, credit) = line.decode(w.account_id)?;
        let proposed = w.proposed_limit_fen;
        if let Err(why) = credit.may_propose_limit(status, fen(proposed)?, fen(w.max_limit_fen)?) {
            return self.refuse(tx, claim, why).await;
        }
        let pending: Option<LimitChangeRow> = fetch_optional(&mut *tx, |q| {
            q.push("SELECT ")
                .push(LIMIT_CHANGE_FIELDS)
                .push(" FROM limit_changes WHERE account_id = ")
                .bind(w.account_id)
                .push(" AND status = 'pending'");
        })
        .await?;
        if let Some(pending) = pending {
            let refused = Refused::new(Exists::PendingLimitChange(pending.id))
                .with_current(Decided::LimitChange(pending));
            return self.finish(tx, claim, Decided::Refused(refused)).await;
        }
        let money = |fen| Money::from_fen(fen).unwrap_or(Money::ZERO);
        // An officer's decrease applies at once; an increase waits for a checker.
        let decrease = proposed < line.limit_fen;
        let tier = approval_tier(money(line.limit_fen), money(proposed), &w.approval);
        let row: Option<LimitChangeRow> = fetch_optional(&mut *tx, |q| {
            q.push(
                "INSERT INTO limit_changes (account_id, current_limit_fen, proposed_limit_fen, \
                 reason, source, status, tier, note, maker, created_at, expires_at, decided_at, \
                 grade)",
            );
            q.values(&[()], |t, ()| {
                t.bind(w.account_id)
                    .bind(line.limit_fen)
                    .bind(proposed)
                    .bind(w.reason.clone())
                    .bind("officer".to_owned())
                    .bind(if decrease { "applied" } else { "pending" }.to_owned())
                    .bind(tier.as_str().to_owned())
                    .bind(w.note.clone())
                    .bind(actor.id.clone())
                    .bind(now)
                    .bind(now + w.expires_ms)
                    .bind(decrease.then_some(now))
                    .bind(line.grade.clone());
            });
            q.push(" RETURNING ").push(LIMIT_CHANGE_FIELDS);
        })
        .await?;
        let row = row.ok_or(sqlx::Error::RowNotFound)?;
        let target = format!("limit_change:{}", row.id);
        count_limit_change::<DB>(&mut tx, row.id, LimitChangeStep::Proposed).await?;
        if decrease {
            count_limit_change::<DB>(&mut tx, row.id, LimitChangeStep::Decided).await?;
            Self::set_limit(
                &mut tx,
                now,
                &actor.id,
                w.account_id,
                line.limit_fen,
                proposed,
            )
            .await?;
        }
        let action = if decrease {
            "limit.decrease"
        } else {
            "limit.propose"
        };
        let entry = Entry::added(action, target, &row)?;
        self.conclude(tx, claim, actor, entry, Decided::LimitChange(row))
            .await
    }

    async fn decide_limit_change(
        &self,
        claim: &Claim,
        actor: &Actor,
        w: &LimitDecisionWrite,
    ) -> StoreResult<Decided> {
        let mut tx = self.begin_write().await?;
        let now = claim.now;
        let account: Option<(i64,)> = fetch_optional(&mut *tx, |q| {
            q.push("SELECT account_id FROM limit_changes WHERE id = ")
                .bind(w.id);
        })
        .await?;
        let Some((account_id,)) = account else {
            return self.refuse(tx, claim, Missing::LimitChange(w.id)).await;
        };
        // The account first, then the request: the order authorizations lock in.
        let line = Self::lock_line(&mut tx, account_id)
            .await?
            .ok_or(sqlx::Error::RowNotFound)?;
        let before: LimitChangeRow =
            row_by_id(&mut *tx, LIMIT_CHANGE_FIELDS, "limit_changes", w.id, true)
                .await?
                .ok_or(sqlx::Error::RowNotFound)?;
        if before.version != w.version {
            return self.stale(tx, claim, Decided::LimitChange(before)).await;
        }
        let tier = ApprovalTier::from_str(&before.tier)
            .map_err(|_| decode_error(anyhow::anyhow!("limit change {}: tier", before.id)))?;
        let request = before.clone().decode().map_err(decode_error)?;
        let (_, credit) = line.decode(account_id)?;
        if let Err(why) = request.may_decide(
            tier,
            &actor.id,
            actor.role,
            w.approve,
            credit.limit(),
            utc(now),
        ) {
            return self.refuse(tx, claim, why).await;
        }
        let proposed = before.proposed_limit_fen;
        if w.approve {
            if let Err(why) = credit.may_apply_limit(fen(proposed)?) {
                return self.refuse(tx, claim, why).await;
            }
            if !Self::spend_step(&mut tx, actor).await? {
                return self.refuse(tx, claim, Refusal::StepUsed).await;
            }
            Self::set_limit(
                &mut tx,
                now,
                &actor.id,
                account_id,
                line.limit_fen,
                proposed,
            )
            .await?;
        }
        let after: LimitChangeRow = fetch_optional(&mut *tx, |q| {
            q.push("UPDATE limit_changes SET status = ")
                .bind(if w.approve { "applied" } else { "rejected" }.to_owned());
            q.push(", checker = ").bind(actor.id.clone());
            q.push(", decision_note = ").bind(w.note.clone());
            q.push(", decided_at = ").bind(now);
            q.push(", version = version + 1 WHERE id = ").bind(w.id);
            q.push(" RETURNING ").push(LIMIT_CHANGE_FIELDS);
        })
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
        count_limit_change::<DB>(&mut tx, w.id, LimitChangeStep::Decided).await?;
        let action = if w.approve {
            "limit.approve"
        } else {
            "limit.reject"
        };
        let entry = Entry::changed(action, format!("limit_change:{}", w.id), &before, &after)?;
        self.conclude(tx, claim, actor, entry, Decided::LimitChange(after))
            .await
    }

    async fn freeze(&self, claim: &Claim, actor: &Actor, w: &FreezeWrite) -> StoreResult<Decided> {
        let mut tx = self.begin_write().await?;
        match Self::place_freeze(&mut tx, actor, w, claim.now).await? {
            Ok(row) => self.finish(tx, claim, Decided::Freeze(row)).await,
            Err(why) => self.refuse(tx, claim, why).await,
        }
    }

    async fn release_freeze(
        &self,
        claim: &Claim,
        actor: &Actor,
        w: &ReleaseWrite,
    ) -> StoreResult<Decided> {
        let mut tx = self.begin_write().await?;
        let account: Option<(i64,)> = fetch_optional(&mut *tx, |q| {
            q.push("SELECT account_id FROM freezes WHERE id = ")
                .bind(w.id);
        })
        .await?;
        let Some((account_id,)) = account else {
            return self.refuse(tx, claim, Missing::Freeze(w.id)).await;
        };
        Self::lock_line(&mut tx, account_id).await?;
        let before: FreezeRow = row_by_id(&mut *tx, FREEZE_FIELDS, "freezes", w.id, true)
            .await?
            .ok_or(sqlx::Error::RowNotFound)?;
        if before.version != w.version {
            return self.stale(tx, claim, Decided::Freeze(before)).await;
        }
        if before.released_at.is_some() {
            let by = before.released_by.clone().unwrap_or_default();
            return self.refuse(tx, claim, Ended::Freeze(by)).await;
        }
        if !Self::spend_step(&mut tx, actor).await? {
            return self.refuse(tx, claim, Refusal::StepUsed).await;
        }
        let after: FreezeRow = fetch_optional(&mut *tx, |q| {
            q.push("UPDATE freezes SET released_at = ").bind(claim.now);
            q.push(", released_by = ").bind(actor.id.clone());
            q.push(", release_reason = ").bind(w.reason.clone());
            q.push(", version = version + 1 WHERE id = ").bind(w.id);
            q.push(" RETURNING ").push(FREEZE_FIELDS);
        })
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
        execute(&mut *tx, |q| {
            q.push("UPDATE accounts SET frozen_fen = frozen_fen - ")
                .bind(before.amount_fen);
            q.push(", version = version + 1 WHERE id = ")
                .bind(account_id);
        })
        .await?;
        let entry = Entry::changed(
            "freeze.release",
            format!("freeze:{}", w.id),
            &before,
            &after,
        )?;
        self.conclude(tx, claim, actor, entry, Decided::Freeze(after))
            .await
    }
}

#[for_backends]
impl<DB> SqlStore<DB> {
    /// The account's line, locked for the rest of the transaction.
    /// Freezes part or all of an account's available limit, with the
    /// freeze's audit entry, inside the caller's transaction; or why not
    /// (nothing written).
    pub(super) async fn place_freeze(
        tx: &mut Tx<DB>,
        actor: &Actor,
        w: &FreezeWrite,
        now: i64,
    ) -> StoreResult<Result<FreezeRow, Refusal>> {
        let Some(line) = Self::lock_line(tx, w.account_id).await? else {
            return Ok(Err(Missing::Account(w.account_id).into()));
        };
        let (status, credit) = line.decode(w.account_id)?;
        let asked = w.amount_fen.map(fen).transpose()?;
        let amount = match credit.may_freeze(status, asked) {
            Ok(amount) => amount.fen(),
            Err(why) => return Ok(Err(why.into())),
        };
        let row: FreezeRow = fetch_optional(&mut **tx, |q| {
            q.push(
                "INSERT INTO freezes (account_id, amount_fen, reason, source, created_by, \
                 created_at, lapses_at)",
            );
            q.values(&[()], |t, ()| {
                t.bind(w.account_id)
                    .bind(amount)
                    .bind(w.reason.clone())
                    .bind("operator".to_owned())
                    .bind(actor.id.clone())
                    .bind(now)
                    .bind(w.lapses_at);
            });
            q.push(" RETURNING ").push(FREEZE_FIELDS);
        })
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
        execute(&mut **tx, |q| {
            q.push("UPDATE accounts SET frozen_fen = frozen_fen + ")
                .bind(amount);
            q.push(", version = version + 1 WHERE id = ")
                .bind(w.account_id);
        })
        .await?;
        let entry = Entry::added("freeze.place", format!("freeze:{}", row.id), &row)?;
        Self::audit(tx, now, &actor.id, entry).await?;
        Ok(Ok(row))
    }

    async fn lock_line(tx: &mut Tx<DB>, account_id: i64) -> StoreResult<Option<Line>> {
        fetch_optional(&mut **tx, |q| {
            q.push(
                "SELECT status, limit_fen, used_fen, frozen_fen, grade FROM accounts WHERE id = ",
            )
            .bind(account_id)
            .push(for_update::<DB>());
        })
        .await
    }

    /// Moves an account's limit (the caller checked it covers what is used
    /// and frozen), with its own audit entry on the account.
    async fn set_limit(
        tx: &mut Tx<DB>,
        now: i64,
        actor: &str,
        account_id: i64,
        from: i64,
        to: i64,
    ) -> StoreResult<()> {
        execute(&mut **tx, |q| {
            q.push("UPDATE accounts SET limit_fen = ").bind(to);
            q.push(", utilisation_bp = CASE WHEN ")
                .bind(to)
                .push(" = 0 THEN 0 ELSE used_fen * 10000 / ")
                .bind(to)
                .push(" END");
            q.push(", version = version + 1 WHERE id = ")
                .bind(account_id);
        })
        .await?;
        let target = format!("account:{account_id}");
        let limit = |fen| serde_json::json!({ "limit_fen": fen });
        let entry = Entry::changed("account.limit", target, &limit(from), &limit(to))?;
        Self::audit(tx, now, actor, entry).await
    }
}
