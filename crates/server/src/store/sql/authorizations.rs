//! Authorizations side by side, written together (see `writer.rs`): each
//! statement covers all of them, so a batch costs about ten statements
//! whatever its size. Their lines are locked by one statement, in id order;
//! the domain decides each payment in arrival order on its line as the
//! payments before it left it; then the lines, the payments, the rollups,
//! the links, the alerts and the answers are written a statement each.

use std::collections::{BTreeMap, HashMap, HashSet};

use riskdesk_domain::account::{AccountStatus, CreditLine};

use super::ledger::move_used;
use super::raised::Raising;
use super::writer::{Authorization, Tx};
use super::*;

/// A locked line as the batch's payments leave it.
struct Line {
    status: AccountStatus,
    line: CreditLine,
    grade: String,
    /// Reserved on it by the batch so far, and by how many payments.
    reserved_fen: i64,
    payments: i64,
}

/// A line's reservations, as `json_objects` reads them.
#[derive(serde::Serialize)]
struct Reserved {
    account: i64,
    reserved_fen: i64,
    payments: i64,
}

/// An answer kept under its order id, as `json_objects` reads it.
#[derive(serde::Serialize)]
pub(super) struct Outcome<'a> {
    pub key: &'a str,
    pub request_hash: &'a str,
    /// JSON: the answer.
    pub outcome: String,
    pub created_at: i64,
}

/// Decides a payment on its line as it stands: the amount reserved, or the
/// payment declined if the line cannot take it (a decline by the rules
/// stays one). The line after it, and whether it reserved.
pub(super) fn decide(
    row: &mut TransactionRow,
    grade: &str,
    status: AccountStatus,
    line: CreditLine,
) -> StoreResult<(CreditLine, bool)> {
    row.grade = Some(grade.to_owned());
    if row.decision.as_deref() == Some("decline") {
        return Ok((line, false));
    }
    let amount = fen(row.amount_fen)?;
    Ok(match line.reserve(status, amount) {
        Ok(reserved) => (reserved, true),
        Err(why) => {
            row.status = "declined".to_owned();
            row.decision = Some("decline".to_owned());
            row.decline_reason = Some(<&str>::from(why).to_owned());
            (line, false)
        }
    })
}

/// The answer recorded for a payment.
pub(super) fn authorized(
    row: TransactionRow,
    transaction_id: i64,
    available_fen: i64,
    freeze: Option<FreezeRecord>,
    alerts: Vec<(i64, String)>,
) -> Authorized {
    Authorized {
        transaction_id,
        status: row.status,
        decision: row.decision.unwrap_or_default(),
        decline_reason: row.decline_reason,
        rule_hits: row.rule_hits,
        available_fen,
        freeze,
        alerts,
        rules_version: row.rules_version,
    }
}

#[for_backends]
impl<DB> SqlStore<DB> {
    /// Writes authorizations together, in one transaction of the writer;
    /// an answer for each, in order. An order id taken before (or earlier
    /// in the batch) is answered `None`: its first answer is read once the
    /// batch committed.
    pub(super) async fn authorize_together(
        tx: &mut Tx<DB>,
        writes: &[AuthorizationWrite],
    ) -> StoreResult<Vec<Authorization>> {
        let orders: Vec<&str> = writes
            .iter()
            .map(|w| w.transaction.order_id.as_str())
            .collect();
        let taken = Self::orders_taken(tx, &orders).await?;
        let accounts: Vec<i64> = writes.iter().map(|w| w.transaction.account_id).collect();
        let now = writes.iter().map(|w| w.now).max().unwrap_or_default();
        let mut lines = Self::lock_lines(tx, accounts, now).await?;

        // Each payment in arrival order, on its line as the ones before left it.
        let mut answers: Vec<Option<Authorization>> = writes.iter().map(|_| None).collect();
        let mut first_of = HashMap::new();
        let mut recorded = Vec::new();
        for (index, w) in writes.iter().enumerate() {
            let order = w.transaction.order_id.as_str();
            if taken.contains(order) {
                answers[index] = Some(None);
                continue;
            }
            if let Some(&first) = first_of.get(order) {
                // A retry queued behind its first attempt: the same refusal,
                // or the first attempt's answer once committed.
                let again: Authorization = match &answers[first] {
                    Some(Some(Err(refusal))) => Some(Err(Refusal::clone(refusal))),
                    _ => None,
                };
                answers[index] = Some(again);
                continue;
            }
            first_of.insert(order, index);
            let Some(line) = lines.get_mut(&w.transaction.account_id) else {
                answers[index] = Some(Some(Err(Refusal::NoAccount)));
                continue;
            };
            let mut row = w.transaction.clone();
            let (after, reserved) = decide(&mut row, &line.grade, line.status, line.line)?;
            if reserved {
                line.reserved_fen += row.amount_fen;
                line.payments += 1;
            }
            line.line = after;
            recorded.push((index, row, after.available().fen()));
        }
        if recorded.is_empty() {
            return Ok(answers.into_iter().map(Option::unwrap_or_default).collect());
        }

        let reserved: Vec<Reserved> = lines
            .iter()
            .filter(|(_, line)| line.payments > 0)
            .map(|(&account, line)| Reserved {
                account,
                reserved_fen: line.reserved_fen,
                payments: line.payments,
            })
            .collect();
        if !reserved.is_empty() {
            execute(&mut **tx, |q| {
                q.push("WITH v AS (SELECT ");
                q.push(&field("account", "BIGINT")).push(" AS account, ");
                q.push(&field("reserved_fen", "BIGINT"))
                    .push(" AS reserved_fen, ");
                q.push(&field("payments", "BIGINT"))
                    .push(" AS payments FROM ");
                json_objects(q, &reserved);
                q.push(") UPDATE accounts SET ");
                move_used(q, |q| {
                    q.push("v.reserved_fen");
                });
                q.push(", version = version + v.payments FROM v WHERE accounts.id = v.account");
            })
            .await?;
        }

        let rows: Vec<&TransactionRow> = recorded.iter().map(|(_, row, _)| row).collect();
        let inserted: Vec<(i64, String)> = fetch_all(&mut **tx, |q| {
            q.push("INSERT INTO transactions (")
                .push(TRANSACTION_INSERT)
                .push(") SELECT ");
            q.push(&fields(&TRANSACTION_TYPES));
            q.push(" FROM ");
            json_objects(q, &rows);
            q.push(" RETURNING id, order_id");
        })
        .await?;
        let ids: HashMap<&str, i64> = inserted
            .iter()
            .map(|(id, order)| (order.as_str(), *id))
            .collect();
        let id_of = |row: &TransactionRow| {
            ids.get(row.order_id.as_str())
                .copied()
                .ok_or(sqlx::Error::RowNotFound)
        };
        let transaction_ids = rows
            .iter()
            .map(|row| id_of(row))
            .collect::<StoreResult<Vec<i64>>>()?;
        let at = |pick: fn(i64, i64) -> i64| {
            rows.iter()
                .map(|row| row.occurred_at)
                .reduce(pick)
                .unwrap_or_default()
        };
        super::links::record_links::<DB>(&mut **tx, &rows).await?;
        let raising: Vec<Raising<'_>> = recorded
            .iter()
            .zip(&transaction_ids)
            .map(|((index, row, _), &transaction_id)| Raising {
                write: &writes[*index],
                row,
                transaction_id,
            })
            .collect();
        let alerts = Self::raise_alerts(tx, &raising).await?;
        let raised: Vec<i64> = alerts.iter().flatten().map(|(id, _)| *id).collect();
        let span = (at(i64::min), at(i64::max));

        let mut outcomes = Vec::with_capacity(recorded.len());
        let mut done = Vec::with_capacity(recorded.len());
        for (((index, row, available), transaction_id), alerts) in recorded
            .into_iter()
            .zip(transaction_ids.iter().copied())
            .zip(alerts)
        {
            let answer = authorized(row, transaction_id, available, None, alerts);
            let w = &writes[index];
            outcomes.push(Outcome {
                key: &w.transaction.order_id,
                request_hash: &w.request_hash,
                outcome: serde_json::to_string(&answer)
                    .map_err(|e| sqlx::Error::Encode(Box::new(e)))?,
                created_at: w.now,
            });
            done.push((index, answer));
        }
        Self::record_outcomes(tx, &outcomes).await?;
        metrics::count_payments::<DB>(&mut **tx, &transaction_ids, span, &raised).await?;
        for (index, answer) in done {
            answers[index] = Some(Some(Ok(Idempotent::Done(answer))));
        }
        Ok(answers.into_iter().map(Option::unwrap_or_default).collect())
    }

    /// Which of `orders` are taken: an earlier payment's, or a refund's or
    /// repayment's key.
    async fn orders_taken(tx: &mut Tx<DB>, orders: &[&str]) -> StoreResult<HashSet<String>> {
        // PostgreSQL keeps every order id once in a table of their own
        // (transactions are partitioned by month).
        let table = if DB::NAME == "PostgreSQL" {
            "transaction_orders"
        } else {
            "transactions"
        };
        let taken: Vec<(String,)> = fetch_all(&mut **tx, |q| {
            q.push("SELECT key FROM idempotency WHERE scope = 'order' AND");
            one_of(q, "key", serde_json::json!(orders), "TEXT");
            q.push(" UNION SELECT order_id FROM ")
                .push(table)
                .push(" WHERE");
            one_of(q, "order_id", serde_json::json!(orders), "TEXT");
        })
        .await?;
        Ok(taken.into_iter().map(|(order,)| order).collect())
    }

    /// Locks the lines of `accounts`, in id order, and releases their
    /// freezes that lapsed by `now`.
    async fn lock_lines(
        tx: &mut Tx<DB>,
        mut accounts: Vec<i64>,
        now: i64,
    ) -> StoreResult<BTreeMap<i64, Line>> {
        accounts.sort_unstable();
        accounts.dedup();
        let locked: Vec<(i64, String, i64, i64, i64, i64, String)> = fetch_all(&mut **tx, |q| {
            q.push(
                "SELECT id, status, limit_fen, used_fen, frozen_fen, (SELECT COUNT(*) FROM freezes \
                 WHERE account_id = accounts.id AND released_at IS NULL AND lapses_at <= ",
            )
            .bind(now);
            q.push("), grade FROM accounts WHERE");
            one_of(q, "id", serde_json::json!(accounts), "BIGINT");
            q.push(" ORDER BY id").push(for_update::<DB>());
        })
        .await?;
        let mut lines = BTreeMap::new();
        for (id, status, limit, used, mut frozen, lapsable, grade) in locked {
            if lapsable > 0 {
                let lapsed = Self::release_lapsed(tx, Some(id), now).await?;
                frozen -= lapsed.iter().map(|(_, _, fen)| fen).sum::<i64>();
            }
            let (status, line) = crate::store::decode::line(id, &status, (limit, used, frozen))
                .map_err(decode_error)?;
            lines.insert(
                id,
                Line {
                    status,
                    line,
                    grade,
                    reserved_fen: 0,
                    payments: 0,
                },
            );
        }
        Ok(lines)
    }

    /// Keeps answers under their order ids, for retries.
    pub(super) async fn record_outcomes(
        tx: &mut Tx<DB>,
        outcomes: &[Outcome<'_>],
    ) -> StoreResult<()> {
        execute(&mut **tx, |q| {
            q.push(
                "INSERT INTO idempotency (scope, key, request_hash, outcome, created_at) \
                 SELECT 'order', ",
            );
            q.push(&fields(&[
                ("key", "TEXT"),
                ("request_hash", "TEXT"),
                ("outcome", "TEXT"),
                ("created_at", "BIGINT"),
            ]));
            q.push(" FROM ");
            json_objects(q, &outcomes);
        })
        .await
    }
}

/// [`TRANSACTION_INSERT`]'s columns with their SQL types, in its order.
const TRANSACTION_TYPES: [(&str, &str); 23] = [
    ("account_id", "BIGINT"),
    ("kind", "TEXT"),
    ("order_id", "TEXT"),
    ("merchant", "TEXT"),
    ("category", "TEXT"),
    ("channel", "TEXT"),
    ("amount_fen", "BIGINT"),
    ("installments", "INTEGER"),
    ("device_id", "TEXT"),
    ("ip", "TEXT"),
    ("lat", "DOUBLE PRECISION"),
    ("lon", "DOUBLE PRECISION"),
    ("city", "TEXT"),
    ("status", "TEXT"),
    ("decision", "TEXT"),
    ("rule_hits", "TEXT"),
    ("occurred_at", "BIGINT"),
    ("decline_reason", "TEXT"),
    ("grade", "TEXT"),
    ("rules_version", "BIGINT"),
    ("shadow_version", "BIGINT"),
    ("shadow_decision", "TEXT"),
    ("shadow_hits", "TEXT"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_typed_columns_are_the_insert_columns_in_order() {
        let names: Vec<&str> = TRANSACTION_TYPES.iter().map(|(name, _)| *name).collect();
        assert_eq!(
            names.join(", "),
            TRANSACTION_INSERT
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
}
