//! [`AlertDecisions`] over sqlx: triage (one alert or many, each checked
//! and written in one transaction), taking the next alert, notes.

use std::str::FromStr;

use riskdesk_domain::operator::Role;
use riskdesk_domain::refusal::Missing;
use riskdesk_domain::triage::{TriageAction, TriageState, may_assign, triage};

use super::*;

const NOTE_FIELDS: &str = "id, alert_id, author, body, created_at";

#[for_backends]
#[async_trait::async_trait]
impl<DB> AlertDecisions for SqlStore<DB> {
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
        let entry = Entry::changed(
            "alert.next",
            format!("alert:{}", before.id),
            &before,
            &after,
        )?;
        self.conclude(tx, claim, actor, entry, Decided::Alert(after))
            .await
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
        let entry = Entry::added("alert.note", format!("alert:{alert_id}"), &note)?;
        self.conclude(tx, claim, actor, entry, Decided::Note(note))
            .await
    }
}

#[for_backends]
impl<DB> SqlStore<DB> {
    pub(super) async fn triage_one(
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
            super::metrics::count_alerts::<DB>(&mut **tx, &[id], super::metrics::AlertStep::Closed)
                .await?;
        }
        if let Some(note) = &w.note {
            Self::insert_note(tx, id, &actor.id, note, now).await?;
        }
        let target = format!("alert:{id}");
        let entry = Entry::changed(w.action.name(), target, &before, &after)?;
        Self::audit(tx, now, &actor.id, entry).await?;
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
}
