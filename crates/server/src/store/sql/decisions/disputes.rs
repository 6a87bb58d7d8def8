//! [`DisputeDecisions`] over sqlx: a dispute opened on a payment, then
//! escalated, refunded (the refund in the same transaction) or rejected,
//! each step an event on its timeline.

use riskdesk_domain::dispute::{DisputeOutcome, DisputeStatus, may_open};

use super::*;

#[for_backends]
#[async_trait::async_trait]
impl<DB> DisputeDecisions for SqlStore<DB> {
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
        let entry = Entry::added(
            "dispute.open",
            format!("dispute:{}", row.id),
            &row.audited(),
        )?;
        self.conclude(tx, claim, actor, entry, Decided::Dispute(row))
            .await
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
        let (before, audited) = (before.audited(), after.audited());
        let entry = Entry::changed(&action, target, &before, &audited)?;
        self.conclude(tx, claim, actor, entry, Decided::Dispute(after))
            .await
    }
}

#[for_backends]
impl<DB> SqlStore<DB> {
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
