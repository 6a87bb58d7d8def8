//! Freezes whose time has come: released inside the transaction that
//! finds them (an authorization on the account, or the minute job), taken
//! off their accounts, each with its live event.

use riskdesk_domain::events::EventKind;

use super::events::ENGINE;
use super::*;

#[for_backends]
impl<DB> SqlStore<DB> {
    /// Releases the freezes whose lapse time has come (of one account, or
    /// all) and takes them off the accounts' `frozen_fen`; returns (freeze,
    /// account, fen) for each. Marking the freezes first makes a concurrent
    /// release skip them.
    pub(super) async fn release_lapsed(
        tx: &mut sqlx::Transaction<'static, DB>,
        account_id: Option<i64>,
        now: i64,
    ) -> StoreResult<Vec<(i64, i64, i64)>> {
        let lapsed: Vec<(i64, i64, i64)> = fetch_all(&mut **tx, |q| {
            q.push(
                "UPDATE freezes SET released_at = lapses_at, released_by = 'lapsed', \
                 version = version + 1",
            );
            q.and().push("released_at IS NULL");
            q.and().push("lapses_at <= ").bind(now);
            if let Some(account_id) = account_id {
                q.and().push("account_id = ").bind(account_id);
            }
            q.push(" RETURNING id, account_id, amount_fen");
        })
        .await?;
        let mut per_account = std::collections::BTreeMap::<i64, i64>::new();
        for &(id, account, fen) in &lapsed {
            *per_account.entry(account).or_default() += fen;
            let data = serde_json::json!({
                "id": id, "account_id": account, "amount_fen": fen, "status": "released",
            });
            let target = format!("freeze:{id}");
            Self::add_event(tx, now, EventKind::FreezeLapsed, &target, ENGINE, &data).await?;
        }
        for (account, fen) in per_account {
            execute(&mut **tx, |q| {
                q.push("UPDATE accounts SET frozen_fen = frozen_fen - ")
                    .bind(fen);
                q.push(", version = version + 1 WHERE id = ").bind(account);
            })
            .await?;
        }
        Ok(lapsed)
    }
}
