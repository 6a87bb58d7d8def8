//! The alerts a payment raises, inside its authorization's transaction: one
//! per rule that raises one, unless the account has one of that rule still
//! open from within the dedup window; each with its count and live event.

use riskdesk_domain::events::EventKind;

use super::events::ENGINE;
use super::*;

#[for_backends]
impl<DB> SqlStore<DB> {
    /// Raises the payment's planned alerts; the ids and rules of those
    /// raised (a duplicate is not).
    pub(super) async fn raise_alerts(
        tx: &mut sqlx::Transaction<'static, DB>,
        w: &AuthorizationWrite,
        row: &TransactionRow,
        transaction_id: i64,
    ) -> StoreResult<Vec<(i64, String)>> {
        let mut raised = Vec::new();
        for alert in &w.alerts {
            let id: Option<(i64,)> = fetch_optional(&mut **tx, |q| {
                q.push(
                    "INSERT INTO alerts (account_id, transaction_id, rule, severity_rank, status, \
                     amount_fen, evidence, findings, created_at, sla_due_at, grade) SELECT ",
                );
                q.bind(row.account_id).push(", ").bind(transaction_id);
                q.push(", ").bind(alert.rule.clone());
                q.push(", ").bind(alert.severity_rank).push(", 'open', ");
                q.bind(row.amount_fen)
                    .push(", ")
                    .bind(alert.evidence.clone());
                q.push(", ").bind(alert.findings.clone());
                q.push(", ").bind(row.occurred_at);
                q.push(", ").bind(row.occurred_at + alert.sla_ms);
                q.push(", ").bind(row.grade.clone());
                q.push(" WHERE NOT EXISTS (SELECT 1 FROM alerts WHERE account_id = ")
                    .bind(row.account_id);
                q.push(" AND rule = ").bind(alert.rule.clone());
                q.push(" AND status <> 'closed' AND created_at > ")
                    .bind(row.occurred_at - w.dedup_ms);
                q.push(") RETURNING id");
            })
            .await?;
            if let Some((id,)) = id {
                metrics::count_alert::<DB>(&mut **tx, id, metrics::AlertStep::Raised).await?;
                let data = serde_json::json!({
                    "id": id, "account_id": row.account_id, "transaction_id": transaction_id,
                    "rule": alert.rule, "severity_rank": alert.severity_rank, "status": "open",
                    "amount_fen": row.amount_fen,
                });
                let target = format!("alert:{id}");
                Self::add_event(tx, w.now, EventKind::AlertRaised, &target, ENGINE, &data).await?;
                raised.push((id, alert.rule.clone()));
            }
        }
        Ok(raised)
    }
}
