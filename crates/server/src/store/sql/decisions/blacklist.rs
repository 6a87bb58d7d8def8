//! [`BlacklistDecisions`] over sqlx: entries added at once, removed under
//! four eyes (requested by one operator, approved by another).

use riskdesk_domain::blacklist::may_remove;

use super::*;

#[for_backends]
#[async_trait::async_trait]
impl<DB> BlacklistDecisions for SqlStore<DB> {
    async fn add_blacklist(
        &self,
        claim: &Claim,
        actor: &Actor,
        w: &BlacklistWrite,
    ) -> StoreResult<Decided> {
        let mut tx = self.begin_write().await?;
        let decided = match Self::place_blacklist(&mut tx, actor, w, claim.now).await? {
            Ok(row) => Decided::Blacklist(row),
            Err(refused) => Decided::Refused(refused),
        };
        self.finish(tx, claim, decided).await
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
        let entry = Entry::changed(
            action,
            format!("blacklist:{}", w.id),
            &before.audited(),
            &after.audited(),
        )?;
        self.conclude(tx, claim, actor, entry, Decided::Blacklist(after))
            .await
    }
}

#[for_backends]
impl<DB> SqlStore<DB> {
    /// Lists a value, with the entry's audit entry, inside the caller's
    /// transaction; or why not (nothing written). An entry that expired
    /// makes way. `ListedMeanwhile` means PostgreSQL refused the insert,
    /// and with it the rest of the transaction.
    pub(super) async fn place_blacklist(
        tx: &mut Tx<DB>,
        actor: &Actor,
        w: &BlacklistWrite,
        now: i64,
    ) -> StoreResult<Result<BlacklistRow, Refused>> {
        if w.kind == "customer" {
            let id = w.value.parse::<i64>().unwrap_or(0);
            let exists: Option<(i64,)> = fetch_optional(&mut **tx, |q| {
                q.push("SELECT id FROM customers WHERE id = ").bind(id);
            })
            .await?;
            if exists.is_none() {
                return Ok(Err(Refused::new(Missing::Customer(id))));
            }
        }
        let existing: Option<BlacklistRow> = fetch_optional(&mut **tx, |q| {
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
                return Ok(Err(
                    Refused::new(listed).with_current(Decided::Blacklist(entry))
                ));
            }
            execute(&mut **tx, |q| {
                q.push("UPDATE blacklist SET removed_at = ").bind(now);
                q.push(", removed_by = 'expired', version = version + 1 WHERE id = ")
                    .bind(entry.id);
            })
            .await?;
        }
        let inserted: Result<Option<BlacklistRow>, _> = fetch_optional(&mut **tx, |q| {
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
                return Ok(Err(Refused::new(listed)));
            }
            Err(e) => return Err(e),
        };
        let entry = Entry::added(
            "blacklist.add",
            format!("blacklist:{}", row.id),
            &row.audited(),
        )?;
        Self::audit(tx, now, &actor.id, entry).await?;
        Ok(Ok(row))
    }
}
