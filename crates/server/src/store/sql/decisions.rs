//! [`Decisions`] over sqlx: each decision locks what it changes (SQLite
//! `BEGIN IMMEDIATE`, PostgreSQL `FOR UPDATE`, the account before anything
//! of it, as authorizations do), checks the version and the rules, writes
//! the change and its audit entry, and records its outcome under the claim.

use std::str::FromStr;

use riskdesk_domain::account::{AccountStatus, CreditLine};
use riskdesk_domain::blacklist::may_remove;
use riskdesk_domain::dispute::{DisputeOutcome, DisputeStatus, may_open};
use riskdesk_domain::limit_change::{ApprovalTier, approval_tier};
use riskdesk_domain::money::Money;
use riskdesk_domain::operator::Role;
use riskdesk_domain::refusal::{Ended, Exists, Missing, Refusal};
use riskdesk_domain::triage::{TriageAction, TriageState, may_assign, triage};

use super::metrics::{LimitChangeStep, count_limit_change};
use super::*;
use crate::clock::utc;

pub(super) type Tx<DB> = sqlx::Transaction<'static, DB>;

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
impl<DB> Decisions for SqlStore<DB> {
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

    async fn alert(&self, id: i64) -> StoreResult<Option<AlertRow>> {
        row_by_id(&self.pool, ALERT_FIELDS, "alerts", id, false).await
    }

    async fn alert_notes(&self, alert_id: i64) -> StoreResult<Vec<NoteRow>> {
        fetch_all(&self.pool, |q| {
            q.push("SELECT ")
                .push(NOTE_FIELDS)
                .push(" FROM alert_notes WHERE alert_id = ")
                .bind(alert_id)
                .push(" ORDER BY id");
        })
        .await
    }

    async fn triage(&self, claim: &Claim, actor: &Actor, w: &TriageWrite) -> StoreResult<Decided> {
        let mut tx = self.begin_write().await?;
        let mut assignee_role = None;
        if let TriageAction::Assign { to } = &w.action {
            let found: Option<(String, Option<i64>)> = fetch_optional(&mut *tx, |q| {
                q.push("SELECT role, disabled_at FROM operators WHERE id = ")
                    .bind(to.clone());
            })
            .await?;
            let found = match found {
                Some((role, disabled)) => Some((
                    Role::from_str(&role)
                        .map_err(|_| decode_error(anyhow::anyhow!("operator {to}: role")))?,
                    disabled.is_some(),
                )),
                None => None,
            };
            match may_assign(to, found) {
                Ok(role) => assignee_role = Some(role),
                Err(why) => return self.refuse(tx, claim, why).await,
            }
        }
        // All locked first, in id order: two bulk steps over the same alerts
        // queue behind each other, and no row is locked after the first audit
        // entry locked the chain's head. Answered in the request's order.
        let mut order: Vec<usize> = (0..w.items.len()).collect();
        order.sort_by_key(|&i| w.items[i].0);
        if DB::NAME == "PostgreSQL" {
            let _: Vec<(i64,)> = fetch_all(&mut *tx, |q| {
                q.push("SELECT id FROM alerts WHERE id IN (");
                for (n, &i) in order.iter().enumerate() {
                    if n > 0 {
                        q.push(", ");
                    }
                    q.bind(w.items[i].0);
                }
                q.push(") ORDER BY id FOR UPDATE");
            })
            .await?;
        }
        let mut outcomes = vec![None; w.items.len()];
        for i in order {
            let (id, version) = w.items[i];
            let outcome =
                Self::triage_one(&mut tx, actor, assignee_role, w, (id, version), claim.now)
                    .await?;
            outcomes[i] = Some(BulkItem { id, outcome });
        }
        let mut items: Vec<BulkItem> = outcomes.into_iter().flatten().collect();
        let decided = if w.bulk {
            Decided::Bulk(items)
        } else {
            match items.pop().map(|i| i.outcome) {
                Some(Ok(row)) => Decided::Alert(row),
                Some(Err(refused)) => Decided::Refused(refused),
                None => Decided::Bulk(Vec::new()),
            }
        };
        self.finish(tx, claim, decided).await
    }

    async fn next_alert(&self, claim: &Claim, actor: &Actor) -> StoreResult<Decided> {
        let mut tx = self.begin_write().await?;
        let skip_locked = if DB::NAME == "PostgreSQL" {
            " FOR UPDATE SKIP LOCKED"
        } else {
            ""
        };
        let next: Option<AlertRow> = fetch_optional(&mut *tx, |q| {
            q.push("SELECT ")
                .push(ALERT_FIELDS)
                .push(" FROM alerts WHERE status = 'open' AND assignee IS NULL")
                .push(" ORDER BY severity_rank DESC, created_at, id LIMIT 1")
                .push(skip_locked);
        })
        .await?;
        let Some(before) = next else {
            return self.refuse(tx, claim, Missing::OpenAlert).await;
        };
        let after = Self::set_alert(
            &mut tx,
            before.id,
            &TriageState {
                status: riskdesk_domain::alert::AlertStatus::InReview,
                assignee: Some(actor.id.clone()),
                disposition: None,
                escalated_by: None,
            },
        )
        .await?;
        let target = format!("alert:{}", before.id);
        Self::audit(
            &mut tx,
            claim.now,
            &actor.id,
            "alert.next",
            &target,
            Some(&before),
            Some(&after),
        )
        .await?;
        self.finish(tx, claim, Decided::Alert(after)).await
    }

    async fn add_note(
        &self,
        claim: &Claim,
        actor: &Actor,
        alert_id: i64,
        body: &str,
    ) -> StoreResult<Decided> {
        let mut tx = self.begin_write().await?;
        let exists: Option<(i64,)> = fetch_optional(&mut *tx, |q| {
            q.push("SELECT id FROM alerts WHERE id = ").bind(alert_id);
        })
        .await?;
        if exists.is_none() {
            return self.refuse(tx, claim, Missing::Alert(alert_id)).await;
        }
        let note = Self::insert_note(&mut tx, alert_id, &actor.id, body, claim.now).await?;
        let target = format!("alert:{alert_id}");
        Self::audit(
            &mut tx,
            claim.now,
            &actor.id,
            "alert.note",
            &target,
            None::<&()>,
            Some(&note),
        )
        .await?;
        self.finish(tx, claim, Decided::Note(note)).await
    }

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
        Self::audit(
            &mut tx,
            now,
            &actor.id,
            action,
            &target,
            None::<&()>,
            Some(&row),
        )
        .await?;
        self.finish(tx, claim, Decided::LimitChange(row)).await
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
        let target = format!("limit_change:{}", w.id);
        Self::audit(
            &mut tx,
            now,
            &actor.id,
            action,
            &target,
            Some(&before),
            Some(&after),
        )
        .await?;
        self.finish(tx, claim, Decided::LimitChange(after)).await
    }

    async fn freeze(&self, claim: &Claim, actor: &Actor, w: &FreezeWrite) -> StoreResult<Decided> {
        let mut tx = self.begin_write().await?;
        let Some(line) = Self::lock_line(&mut tx, w.account_id).await? else {
            return self.refuse(tx, claim, Missing::Account(w.account_id)).await;
        };
        let (status, credit) = line.decode(w.account_id)?;
        let asked = w.amount_fen.map(fen).transpose()?;
        let amount = match credit.may_freeze(status, asked) {
            Ok(amount) => amount.fen(),
            Err(why) => return self.refuse(tx, claim, why).await,
        };
        let row: FreezeRow = fetch_optional(&mut *tx, |q| {
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
                    .bind(claim.now)
                    .bind(w.lapses_at);
            });
            q.push(" RETURNING ").push(FREEZE_FIELDS);
        })
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
        execute(&mut *tx, |q| {
            q.push("UPDATE accounts SET frozen_fen = frozen_fen + ")
                .bind(amount);
            q.push(", version = version + 1 WHERE id = ")
                .bind(w.account_id);
        })
        .await?;
        let target = format!("freeze:{}", row.id);
        Self::audit(
            &mut tx,
            claim.now,
            &actor.id,
            "freeze.place",
            &target,
            None::<&()>,
            Some(&row),
        )
        .await?;
        self.finish(tx, claim, Decided::Freeze(row)).await
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
        let target = format!("freeze:{}", w.id);
        Self::audit(
            &mut tx,
            claim.now,
            &actor.id,
            "freeze.release",
            &target,
            Some(&before),
            Some(&after),
        )
        .await?;
        self.finish(tx, claim, Decided::Freeze(after)).await
    }

    async fn add_blacklist(
        &self,
        claim: &Claim,
        actor: &Actor,
        w: &BlacklistWrite,
    ) -> StoreResult<Decided> {
        let mut tx = self.begin_write().await?;
        let now = claim.now;
        if w.kind == "customer" {
            let id = w.value.parse::<i64>().unwrap_or(0);
            let exists: Option<(i64,)> = fetch_optional(&mut *tx, |q| {
                q.push("SELECT id FROM customers WHERE id = ").bind(id);
            })
            .await?;
            if exists.is_none() {
                return self.refuse(tx, claim, Missing::Customer(id)).await;
            }
        }
        let existing: Option<BlacklistRow> = fetch_optional(&mut *tx, |q| {
            q.push("SELECT ")
                .push(BLACKLIST_FIELDS)
                .push(" FROM blacklist WHERE kind = ")
                .bind(w.kind.clone());
            q.push(" AND value = ").bind(w.value.clone());
            q.push(" AND removed_at IS NULL").push(for_update::<DB>());
        })
        .await?;
        if let Some(entry) = existing {
            if entry.expires_at.is_none_or(|at| at > now) {
                let listed = Exists::Listed {
                    kind: w.kind.clone(),
                    value: w.value.clone(),
                    entry: entry.id,
                };
                let refused = Refused::new(listed).with_current(Decided::Blacklist(entry));
                return self.finish(tx, claim, Decided::Refused(refused)).await;
            }
            // An expired entry makes way for the new one.
            execute(&mut *tx, |q| {
                q.push("UPDATE blacklist SET removed_at = ").bind(now);
                q.push(", removed_by = 'expired', version = version + 1 WHERE id = ")
                    .bind(entry.id);
            })
            .await?;
        }
        let inserted: Result<Option<BlacklistRow>, _> = fetch_optional(&mut *tx, |q| {
            q.push(
                "INSERT INTO blacklist (kind, value, reason, created_by, created_at, expires_at)",
            );
            q.values(&[()], |t, ()| {
                t.bind(w.kind.clone())
                    .bind(w.value.clone())
                    .bind(w.reason.clone())
                    .bind(actor.id.clone())
                    .bind(now)
                    .bind(w.expires_at);
            });
            q.push(" RETURNING ").push(BLACKLIST_FIELDS);
        })
        .await;
        let row = match inserted {
            Ok(row) => row.ok_or(sqlx::Error::RowNotFound)?,
            // Listed by someone else a moment ago (PostgreSQL's unique index).
            Err(e) if is_unique_violation(&e) => {
                let listed = Exists::ListedMeanwhile {
                    kind: w.kind.clone(),
                    value: w.value.clone(),
                };
                return self.refuse(tx, claim, listed).await;
            }
            Err(e) => return Err(e),
        };
        let target = format!("blacklist:{}", row.id);
        Self::audit(
            &mut tx,
            now,
            &actor.id,
            "blacklist.add",
            &target,
            None::<&()>,
            Some(&row.audited()),
        )
        .await?;
        self.finish(tx, claim, Decided::Blacklist(row)).await
    }

    async fn blacklist_removal(
        &self,
        claim: &Claim,
        actor: &Actor,
        w: &RemovalWrite,
    ) -> StoreResult<Decided> {
        let mut tx = self.begin_write().await?;
        let now = claim.now;
        let before: Option<BlacklistRow> =
            row_by_id(&mut *tx, BLACKLIST_FIELDS, "blacklist", w.id, true).await?;
        let Some(before) = before else {
            return self.refuse(tx, claim, Missing::BlacklistEntry(w.id)).await;
        };
        if before.version != w.version {
            return self.stale(tx, claim, Decided::Blacklist(before)).await;
        }
        let requested_by = before.removal_requested_by.as_deref();
        let removed = before.removed_at.is_some();
        if let Err(why) = may_remove(w.step, removed, requested_by, &actor.id) {
            return self.refuse(tx, claim, why).await;
        }
        if w.step == RemovalStep::Approve && !Self::spend_step(&mut tx, actor).await? {
            return self.refuse(tx, claim, Refusal::StepUsed).await;
        }
        let after: BlacklistRow = fetch_optional(&mut *tx, |q| {
            q.push("UPDATE blacklist SET version = version + 1");
            match w.step {
                RemovalStep::Request => {
                    q.push(", removal_requested_by = ").bind(actor.id.clone());
                    q.push(", removal_requested_at = ").bind(now);
                    q.push(", removal_reason = ").bind(w.reason.clone());
                }
                RemovalStep::Approve => {
                    q.push(", removed_at = ").bind(now);
                    q.push(", removed_by = ").bind(actor.id.clone());
                }
                RemovalStep::Reject => {
                    q.push(", removal_requested_by = NULL, removal_requested_at = NULL");
                    q.push(", removal_reason = NULL");
                }
            }
            q.push(" WHERE id = ").bind(w.id);
            q.push(" RETURNING ").push(BLACKLIST_FIELDS);
        })
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
        let action = match w.step {
            RemovalStep::Request => "blacklist.removal_request",
            RemovalStep::Approve => "blacklist.remove",
            RemovalStep::Reject => "blacklist.removal_reject",
        };
        let target = format!("blacklist:{}", w.id);
        Self::audit(
            &mut tx,
            now,
            &actor.id,
            action,
            &target,
            Some(&before.audited()),
            Some(&after.audited()),
        )
        .await?;
        self.finish(tx, claim, Decided::Blacklist(after)).await
    }

    async fn dispute(&self, id: i64) -> StoreResult<Option<DisputeRow>> {
        row_by_id(&self.pool, DISPUTE_FIELDS, "disputes", id, false).await
    }

    async fn dispute_events(&self, id: i64) -> StoreResult<Vec<DisputeEventRow>> {
        fetch_all(&self.pool, |q| {
            q.push("SELECT id, dispute_id, at, actor, kind, note FROM dispute_events")
                .push(" WHERE dispute_id = ")
                .bind(id)
                .push(" ORDER BY id");
        })
        .await
    }

    async fn open_dispute(
        &self,
        claim: &Claim,
        actor: &Actor,
        w: &DisputeOpen,
    ) -> StoreResult<Decided> {
        let mut tx = self.begin_write().await?;
        let now = claim.now;
        let payment: Option<(i64, String, String)> = fetch_optional(&mut *tx, |q| {
            q.push("SELECT account_id, kind, status FROM transactions WHERE id = ")
                .bind(w.transaction_id);
        })
        .await?;
        let Some((account_id, kind, status)) = payment else {
            return self
                .refuse(tx, claim, Missing::Transaction(w.transaction_id))
                .await;
        };
        if let Err(why) = may_open(&kind, &status) {
            return self.refuse(tx, claim, why).await;
        }
        let open: Option<DisputeRow> = fetch_optional(&mut *tx, |q| {
            q.push("SELECT ")
                .push(DISPUTE_FIELDS)
                .push(" FROM disputes WHERE transaction_id = ")
                .bind(w.transaction_id)
                .push(" AND status IN ('open', 'escalated', 'refund_pending')");
        })
        .await?;
        if let Some(open) = open {
            let refused =
                Refused::new(Exists::OpenDispute(open.id)).with_current(Decided::Dispute(open));
            return self.finish(tx, claim, Decided::Refused(refused)).await;
        }
        let row: DisputeRow = fetch_optional(&mut *tx, |q| {
            q.push(
                "INSERT INTO disputes (account_id, transaction_id, reason, status, statement, \
                 opened_by, created_at, sla_due_at, attachments)",
            );
            q.values(&[()], |t, ()| {
                t.bind(account_id)
                    .bind(w.transaction_id)
                    .bind(w.reason.clone())
                    .bind("open".to_owned())
                    .bind(w.statement.clone())
                    .bind(actor.id.clone())
                    .bind(now)
                    .bind(now + w.sla_ms)
                    .bind(w.attachments.clone());
            });
            q.push(" RETURNING ").push(DISPUTE_FIELDS);
        })
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
        Self::dispute_event(&mut tx, row.id, now, &actor.id, "opened", None).await?;
        let target = format!("dispute:{}", row.id);
        Self::audit(
            &mut tx,
            now,
            &actor.id,
            "dispute.open",
            &target,
            None::<&()>,
            Some(&row.audited()),
        )
        .await?;
        self.finish(tx, claim, Decided::Dispute(row)).await
    }

    async fn dispute_step(
        &self,
        claim: &Claim,
        actor: &Actor,
        w: &DisputeStep,
    ) -> StoreResult<Decided> {
        let mut tx = self.begin_write().await?;
        let now = claim.now;
        let before: Option<DisputeRow> =
            row_by_id(&mut *tx, DISPUTE_FIELDS, "disputes", w.id, true).await?;
        let Some(before) = before else {
            return self.refuse(tx, claim, Missing::Dispute(w.id)).await;
        };
        if before.version != w.version {
            return self.stale(tx, claim, Decided::Dispute(before)).await;
        }
        let dispute = before.clone().decode().map_err(decode_error)?;
        let fresh_code = actor.step.is_some();
        let outcome = match dispute.step(w.step, &actor.id, actor.role, fresh_code, &w.policy) {
            Ok(outcome) => outcome,
            Err(why) => return self.refuse(tx, claim, why).await,
        };
        let payment = super::ledger::Payment::Id(before.transaction_id);
        let (status, kind, refund) = match &outcome {
            DisputeOutcome::Escalated => (DisputeStatus::Escalated, "escalated", None),
            DisputeOutcome::Rejected => (DisputeStatus::ResolvedRejected, "rejected", None),
            DisputeOutcome::ProposalRejected { status } => (*status, "refund_rejected", None),
            DisputeOutcome::Proposed(pending) => {
                // Refused now if it could never be paid, not at its approval.
                if let Err(refusal) =
                    Self::refundable(&mut tx, payment, pending.amount.fen()).await?
                {
                    return self.refuse(tx, claim, refusal).await;
                }
                (DisputeStatus::RefundPending, "refund_proposed", None)
            }
            DisputeOutcome::Refund { amount } => {
                if !Self::spend_step(&mut tx, actor).await? {
                    return self.refuse(tx, claim, Refusal::StepUsed).await;
                }
                let money_back = MoneyBack {
                    key: format!("dispute-{}", w.id),
                    request_hash: String::new(),
                    amount_fen: amount.fen(),
                    occurred_at: now,
                };
                match Self::refund_payment(&mut tx, payment, &money_back).await? {
                    Ok(Some(record)) => (DisputeStatus::ResolvedRefund, "refunded", Some(record)),
                    Ok(None) => return self.refuse(tx, claim, Exists::Refunded).await,
                    Err(refusal) => return self.refuse(tx, claim, refusal).await,
                }
            }
        };
        let resolved = matches!(
            status,
            DisputeStatus::ResolvedRefund | DisputeStatus::ResolvedRejected
        );
        let pending = match &outcome {
            DisputeOutcome::Proposed(p) => Some(p),
            _ => None,
        };
        let after: DisputeRow = fetch_optional(&mut *tx, |q| {
            q.push("UPDATE disputes SET status = ")
                .bind(status.as_str().to_owned());
            if outcome == DisputeOutcome::Escalated {
                q.push(", escalated_by = ").bind(actor.id.clone());
            }
            // A proposal is kept while it waits, and goes once decided.
            q.push(", refund_fen = ")
                .bind(pending.map(|p| p.amount.fen()));
            q.push(", refund_proposed_by = ")
                .bind(pending.map(|p| p.proposed_by.clone()));
            q.push(", refund_tier = ")
                .bind(pending.map(|p| p.tier.as_str().to_owned()));
            if resolved {
                q.push(", resolved_at = ").bind(now);
                q.push(", resolution_note = ").bind(w.note.clone());
            }
            if let Some(record) = &refund {
                q.push(", refund_transaction_id = ")
                    .bind(record.transaction_id);
            }
            q.push(", version = version + 1 WHERE id = ").bind(w.id);
            q.push(" RETURNING ").push(DISPUTE_FIELDS);
        })
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
        Self::dispute_event(&mut tx, w.id, now, &actor.id, kind, Some(&w.note)).await?;
        let target = format!("dispute:{}", w.id);
        let action = format!("dispute.{kind}");
        Self::audit(
            &mut tx,
            now,
            &actor.id,
            &action,
            &target,
            Some(&before.audited()),
            Some(&after.audited()),
        )
        .await?;
        self.finish(tx, claim, Decided::Dispute(after)).await
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

const NOTE_FIELDS: &str = "id, alert_id, author, body, created_at";

/// The steps decisions share, inside their transaction.
#[for_backends]
impl<DB> SqlStore<DB> {
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

    async fn triage_one(
        tx: &mut Tx<DB>,
        actor: &Actor,
        assignee_role: Option<Role>,
        w: &TriageWrite,
        (id, version): (i64, i64),
        now: i64,
    ) -> StoreResult<Result<AlertRow, Refused>> {
        let before: Option<AlertRow> =
            row_by_id(&mut **tx, ALERT_FIELDS, "alerts", id, true).await?;
        let Some(before) = before else {
            return Ok(Err(Refused::new(Missing::Alert(id))));
        };
        if before.version != version {
            return Ok(Err(Refused::stale(Decided::Alert(before))));
        }
        let alert = before.clone().decode().map_err(decode_error)?;
        let state = TriageState {
            status: alert.status,
            assignee: alert.assignee,
            disposition: alert.disposition,
            escalated_by: alert.escalated_by,
        };
        let next = match triage(&state, &w.action, &actor.id, actor.role, assignee_role) {
            Ok(next) => next,
            Err(refusal) => return Ok(Err(Refused::new(refusal))),
        };
        let after = Self::set_alert(tx, id, &next).await?;
        if state.disposition.is_none() && next.disposition.is_some() {
            super::metrics::count_alert::<DB>(&mut **tx, id, super::metrics::AlertStep::Closed)
                .await?;
        }
        if let Some(note) = &w.note {
            Self::insert_note(tx, id, &actor.id, note, now).await?;
        }
        let target = format!("alert:{id}");
        Self::audit(
            tx,
            now,
            &actor.id,
            w.action.name(),
            &target,
            Some(&before),
            Some(&after),
        )
        .await?;
        Ok(Ok(after))
    }

    async fn set_alert(tx: &mut Tx<DB>, id: i64, state: &TriageState) -> StoreResult<AlertRow> {
        fetch_optional(&mut **tx, |q| {
            q.push("UPDATE alerts SET status = ")
                .bind(state.status.as_str().to_owned());
            q.push(", assignee = ").bind(state.assignee.clone());
            q.push(", disposition = ")
                .bind(state.disposition.map(|d| d.as_str().to_owned()));
            q.push(", escalated_by = ").bind(state.escalated_by.clone());
            q.push(", version = version + 1 WHERE id = ").bind(id);
            q.push(" RETURNING ").push(ALERT_FIELDS);
        })
        .await?
        .ok_or(sqlx::Error::RowNotFound)
    }

    async fn insert_note(
        tx: &mut Tx<DB>,
        alert_id: i64,
        author: &str,
        body: &str,
        now: i64,
    ) -> StoreResult<NoteRow> {
        fetch_optional(&mut **tx, |q| {
            q.push("INSERT INTO alert_notes (alert_id, author, body, created_at)");
            q.values(&[()], |t, ()| {
                t.bind(alert_id)
                    .bind(author.to_owned())
                    .bind(body.to_owned())
                    .bind(now);
            });
            q.push(" RETURNING ").push(NOTE_FIELDS);
        })
        .await?
        .ok_or(sqlx::Error::RowNotFound)
    }

    /// The account's line, locked for the rest of the transaction.
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
        Self::audit(
            tx,
            now,
            actor,
            "account.limit",
            &target,
            Some(&limit(from)),
            Some(&limit(to)),
        )
        .await
    }

    /// Spends the TOTP step the actor's code matched: false if that step (or
    /// a later one) was already used, at sign-in or by another decision.
    async fn spend_step(tx: &mut Tx<DB>, actor: &Actor) -> StoreResult<bool> {
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

    async fn dispute_event(
        tx: &mut Tx<DB>,
        dispute_id: i64,
        at: i64,
        actor: &str,
        kind: &str,
        note: Option<&String>,
    ) -> StoreResult<()> {
        execute(&mut **tx, |q| {
            q.push("INSERT INTO dispute_events (dispute_id, at, actor, kind, note)");
            q.values(&[()], |t, ()| {
                t.bind(dispute_id)
                    .bind(at)
                    .bind(actor.to_owned())
                    .bind(kind.to_owned())
                    .bind(note.cloned());
            });
        })
        .await
    }
}
