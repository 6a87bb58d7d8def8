//! The alerts payments raise, inside their authorizations' transaction: one
//! per rule that raises one, unless the account has one of that rule still
//! open from within the dedup window (one raised by an earlier payment of
//! the same batch counts); each with its count and live event.

use std::collections::HashMap;

use riskdesk_domain::events::EventKind;

use super::events::{ENGINE, NewEvent};
use super::writer::Tx;
use super::*;

/// A recorded payment whose planned alerts are to be raised.
pub(super) struct Raising<'a> {
    pub write: &'a AuthorizationWrite,
    /// As recorded (its grade filled in).
    pub row: &'a TransactionRow,
    pub transaction_id: i64,
}

/// An alert to insert, as `json_objects` reads it.
#[derive(serde::Serialize)]
struct NewAlert<'a> {
    account_id: i64,
    transaction_id: i64,
    rule: &'a str,
    severity_rank: i16,
    amount_fen: i64,
    evidence: &'a str,
    findings: &'a str,
    created_at: i64,
    sla_due_at: i64,
    grade: Option<&'a str>,
}

#[for_backends]
impl<DB> SqlStore<DB> {
    /// Raises the payments' planned alerts, in the payments' order; for
    /// each payment, the ids and rules of those raised (a duplicate is not).
    /// The caller counts them in the rollups (`metrics::count_payments`).
    pub(super) async fn raise_alerts(
        tx: &mut Tx<DB>,
        payments: &[Raising<'_>],
    ) -> StoreResult<Vec<Vec<(i64, String)>>> {
        let mut raised = vec![Vec::new(); payments.len()];
        let planned: Vec<&Raising<'_>> = payments
            .iter()
            .filter(|p| !p.write.alerts.is_empty())
            .collect();
        let Some(since) = planned
            .iter()
            .map(|p| p.row.occurred_at - p.write.dedup_ms)
            .min()
        else {
            return Ok(raised);
        };
        let mut accounts: Vec<i64> = planned.iter().map(|p| p.row.account_id).collect();
        accounts.sort_unstable();
        accounts.dedup();
        let open: Vec<(i64, String, i64)> = fetch_all(&mut **tx, |q| {
            q.push("SELECT account_id, rule, MAX(created_at) FROM alerts");
            q.push(" WHERE status <> 'closed' AND created_at > ")
                .bind(since);
            q.push(" AND");
            one_of(q, "account_id", serde_json::json!(accounts), "BIGINT");
            q.push(" GROUP BY account_id, rule");
        })
        .await?;
        // The latest open alert of each account and rule.
        let mut latest: HashMap<(i64, &str), i64> = open
            .iter()
            .map(|(account, rule, at)| ((*account, rule.as_str()), *at))
            .collect();
        let mut new = Vec::new();
        let mut of_payment = Vec::new();
        for (index, p) in payments.iter().enumerate() {
            for alert in &p.write.alerts {
                let key = (p.row.account_id, alert.rule.as_str());
                let window_opens = p.row.occurred_at - p.write.dedup_ms;
                if latest.get(&key).is_some_and(|&at| at > window_opens) {
                    continue;
                }
                let at = latest.entry(key).or_insert(p.row.occurred_at);
                *at = (*at).max(p.row.occurred_at);
                new.push(NewAlert {
                    account_id: p.row.account_id,
                    transaction_id: p.transaction_id,
                    rule: &alert.rule,
                    severity_rank: alert.severity_rank,
                    amount_fen: p.row.amount_fen,
                    evidence: &alert.evidence,
                    findings: &alert.findings,
                    created_at: p.row.occurred_at,
                    sla_due_at: p.row.occurred_at + alert.sla_ms,
                    grade: p.row.grade.as_deref(),
                });
                of_payment.push(index);
            }
        }
        if new.is_empty() {
            return Ok(raised);
        }
        let mut ids: Vec<(i64,)> = fetch_all(&mut **tx, |q| {
            q.push(
                "INSERT INTO alerts (account_id, transaction_id, rule, severity_rank, status, \
                 amount_fen, evidence, findings, created_at, sla_due_at, grade) SELECT ",
            );
            q.push(&field("account_id", "BIGINT")).push(", ");
            q.push(&field("transaction_id", "BIGINT")).push(", ");
            q.push(&field("rule", "TEXT")).push(", ");
            q.push(&field("severity_rank", "SMALLINT"))
                .push(", 'open', ");
            q.push(&fields(&[
                ("amount_fen", "BIGINT"),
                ("evidence", "TEXT"),
                ("findings", "TEXT"),
                ("created_at", "BIGINT"),
                ("sla_due_at", "BIGINT"),
                ("grade", "TEXT"),
            ]));
            q.push(" FROM ");
            json_objects(q, &new);
            q.push(" RETURNING id");
        })
        .await?;
        // One statement numbers its rows in the order it inserts them.
        ids.sort_unstable();
        if ids.len() != new.len() {
            return Err(sqlx::Error::RowNotFound);
        }
        let ids: Vec<i64> = ids.into_iter().map(|(id,)| id).collect();
        let mut events = Vec::with_capacity(new.len());
        for ((alert, &id), &index) in new.iter().zip(&ids).zip(&of_payment) {
            let data = serde_json::json!({
                "id": id, "account_id": alert.account_id, "transaction_id": alert.transaction_id,
                "rule": alert.rule, "severity_rank": alert.severity_rank, "status": "open",
                "amount_fen": alert.amount_fen,
            });
            let now = payments[index].write.now;
            events.push(NewEvent::new(
                now,
                EventKind::AlertRaised,
                format!("alert:{id}"),
                ENGINE,
                &data,
            ));
            raised[index].push((id, alert.rule.to_owned()));
        }
        Self::add_events(tx, &events).await?;
        Ok(raised)
    }
}
