//! [`Ledger`] over sqlx: the payment path. An authorization locks its line,
//! reserves the amount or declines, writes the payment, its alerts and a
//! freeze, their live events, and the answer; settle, reverse, refund and
//! repay move the line the same way. Each is one write of the payment
//! writer (`writer.rs`): all of it commits, or none.

use riskdesk_domain::events::EventKind;
use riskdesk_domain::ledger;

use super::authorizations::{Outcome, authorized, decide};
use super::events::ENGINE;
use super::raised::Raising;
use super::writer::{Authorization, Tx, Written};
use super::*;

#[for_backends]
#[async_trait::async_trait]
impl<DB> Ledger for SqlStore<DB> {
    async fn payment_context(&self, c: &ContextQuery) -> StoreResult<ContextRows> {
        // One round trip: each list comes back as a JSON array in one column.
        let (aggregate, object) = json_functions::<DB>();
        let (from, to) = (c.at - c.lookback_ms, c.at + c.lookahead_ms);
        let attempts = |q: &mut Query<'_, DB>, subject: &mut dyn FnMut(&mut Query<'_, DB>)| {
            q.push("(SELECT CAST(")
                .push(aggregate)
                .push("(")
                .push(object);
            q.push(
                "('occurred_at', occurred_at, 'amount_fen', amount_fen, 'status', status, \
                 'lat', lat, 'lon', lon, 'city', city)) AS TEXT) FROM transactions WHERE ",
            );
            subject(q);
            q.push(" AND kind = 'purchase' AND occurred_at > ")
                .bind(from);
            q.push(" AND occurred_at <= ").bind(to).push(")");
        };
        let row: Option<ContextJson> = fetch_optional(&self.payments, |q| {
            q.push("SELECT ");
            attempts(q, &mut |q| {
                q.push("account_id = ").bind(c.account_id);
            });
            q.push(" AS account, ");
            attempts(q, &mut |q| {
                q.push("device_id = ").bind(c.device_id.clone());
            });
            q.push(" AS device, ");
            attempts(q, &mut |q| {
                q.push("ip = ").bind(c.ip.clone());
            });
            q.push(" AS ip, ");
            if c.typical {
                q.push("(SELECT CAST(").push(aggregate);
                q.push("(amount_fen) AS TEXT) FROM (SELECT amount_fen FROM transactions");
                q.push(" WHERE account_id = ").bind(c.account_id);
                q.push(
                    " AND kind = 'purchase' AND status IN ('authorized', 'settled', 'refunded')",
                );
                q.push(" AND occurred_at < ").bind(c.at);
                q.push(" ORDER BY occurred_at DESC LIMIT ")
                    .bind(TYPICAL_PURCHASES);
                q.push(") AS recent)");
            } else {
                q.push("CAST(NULL AS TEXT)");
            }
            // A device seen before: its link to the account began earlier
            // (one key, where the payments would be a look into every month).
            q.push(" AS recent, (SELECT COUNT(*) FROM links WHERE kind = 'device'");
            q.push(" AND value = ").bind(c.device_id.clone());
            q.push(" AND account_id = ").bind(c.account_id);
            q.push(" AND first_at < ").bind(c.at);
            q.push(") AS seen, (SELECT CAST(")
                .push(aggregate)
                .push("(")
                .push(object)
                .push("('id', id, 'kind', kind, 'value', value)) AS TEXT)");
            q.push(" FROM blacklist WHERE removed_at IS NULL");
            q.push(" AND (expires_at IS NULL OR expires_at > ")
                .bind(c.now)
                .push(")");
            q.push(" AND (kind = 'geo_area' OR (kind = 'ip' AND value LIKE '%/%')");
            for (kind, value) in &c.exact {
                q.push(" OR (kind = ").bind(kind.clone());
                q.push(" AND value = ").bind(value.clone()).push(")");
            }
            q.push(")) AS blacklist");
        })
        .await?;
        let row = row.ok_or(sqlx::Error::RowNotFound)?;
        Ok(ContextRows {
            account: json_list(row.account)?,
            device: json_list(row.device)?,
            ip: json_list(row.ip)?,
            recent_amounts: json_list(row.recent)?,
            device_seen_before: row.seen > 0,
            blacklist: json_list(row.blacklist)?,
        })
    }

    async fn authorize(
        &self,
        w: &AuthorizationWrite,
    ) -> StoreResult<Result<Idempotent<Authorized>, Refusal>> {
        let written = self.writer.authorize(w.clone()).await?;
        match written {
            Some(answer) => Ok(answer),
            // The order was seen before: its first answer, committed by now.
            None => Ok(Ok(Self::earlier(
                &self.payments,
                &w.transaction.order_id,
                &w.request_hash,
            )
            .await?)),
        }
    }

    async fn payment(&self, order_id: &str) -> StoreResult<Option<TransactionRow>> {
        fetch_optional(&self.payments, |q| {
            q.push("SELECT ").push(TRANSACTION_FIELDS);
            q.push(" FROM transactions");
            q.and().push("order_id = ").bind(order_id.to_owned());
            q.and().push("kind = 'purchase'");
        })
        .await
    }

    async fn settle(&self, order_id: &str) -> StoreResult<Result<LedgerRecord, Refusal>> {
        self.move_payment(order_id, "settled").await
    }

    async fn reverse(&self, order_id: &str) -> StoreResult<Result<LedgerRecord, Refusal>> {
        self.move_payment(order_id, "reversed").await
    }

    async fn refund(
        &self,
        order_id: &str,
        m: &MoneyBack,
    ) -> StoreResult<Result<Idempotent<LedgerRecord>, Refusal>> {
        let (order_id, m) = (order_id.to_owned(), m.clone());
        self.writer
            .run(move |tx| Box::pin(async move { Self::refund_in(tx, &order_id, &m).await }))
            .await
    }

    async fn repay(
        &self,
        account_id: i64,
        m: &MoneyBack,
    ) -> StoreResult<Result<Idempotent<LedgerRecord>, Refusal>> {
        let m = m.clone();
        self.writer
            .run(move |tx| Box::pin(async move { Self::repay_in(tx, account_id, &m).await }))
            .await
    }

    async fn release_lapsed_freezes(&self, now: i64) -> StoreResult<u64> {
        let mut tx = self.begin_write().await?;
        let lapsed = Self::release_lapsed(&mut tx, None, now).await?;
        tx.commit().await?;
        Ok(lapsed.len() as u64)
    }

    async fn forget_nonces(&self, before: i64) -> StoreResult<()> {
        execute(&self.pool, |q| {
            q.push("DELETE FROM notification_nonces WHERE seen_at < ")
                .bind(before);
        })
        .await
    }

    async fn accept_nonce(&self, nonce: &str, now: i64) -> StoreResult<bool> {
        let row: Option<(String,)> = fetch_optional(&self.pool, |q| {
            q.push("INSERT INTO notification_nonces (nonce, seen_at) VALUES (")
                .bind(nonce.to_owned());
            q.push(", ").bind(now);
            q.push(") ON CONFLICT (nonce) DO NOTHING RETURNING nonce");
        })
        .await?;
        Ok(row.is_some())
    }
}

/// The ledger's steps inside a database transaction, shared by its writes.
#[for_backends]
impl<DB> SqlStore<DB> {
    /// An authorization inside the writer's transaction (see
    /// [`Ledger::authorize`]). `None`: the order id was taken before, and
    /// nothing is written (a retry finds out here, after the work, so that
    /// a first attempt saves a round trip).
    pub(super) async fn authorize_in(
        tx: &mut Tx<DB>,
        w: &AuthorizationWrite,
    ) -> StoreResult<Written<Authorization>> {
        let r = &w.transaction;
        // The account's line, locked: authorizations on one account queue here.
        let line: Option<(String, i64, i64, i64, i64, String)> = fetch_optional(&mut **tx, |q| {
            q.push(
                "SELECT status, limit_fen, used_fen, frozen_fen, (SELECT COUNT(*) FROM freezes \
                 WHERE account_id = a.id AND released_at IS NULL AND lapses_at <= ",
            )
            .bind(w.now);
            q.push("), grade");
            q.push(" FROM accounts a WHERE id = ")
                .bind(r.account_id)
                .push(for_update::<DB>());
        })
        .await?;
        let Some((status, limit, used, mut frozen, lapsable, grade)) = line else {
            return Ok(Written::kept(Some(Err(Refusal::NoAccount))));
        };
        if lapsable > 0 {
            let lapsed = Self::release_lapsed(tx, Some(r.account_id), w.now).await?;
            frozen -= lapsed.iter().map(|(_, _, fen)| fen).sum::<i64>();
        }
        let (status, line) =
            crate::store::decode::line(r.account_id, &status, (limit, used, frozen))
                .map_err(decode_error)?;
        let mut row = r.clone();
        // The line is locked, so what the domain decides on it stays decided.
        let (line, reserved) = decide(&mut row, &grade, status, line)?;
        if reserved {
            execute(&mut **tx, |q| {
                q.push("UPDATE accounts SET ");
                move_used(q, |q| {
                    q.bind(row.amount_fen);
                });
                q.push(", version = version + 1 WHERE id = ")
                    .bind(r.account_id);
            })
            .await?;
        }
        let mut available = line.available().fen();
        let inserted: Result<Option<(i64,)>, _> = fetch_optional(&mut **tx, |q| {
            q.push("INSERT INTO transactions (")
                .push(TRANSACTION_INSERT)
                .push(")");
            q.values(std::slice::from_ref(&row), bind_transaction);
            q.push(" RETURNING id");
        })
        .await;
        let transaction_id = match inserted {
            Ok(Some((id,))) => id,
            Ok(None) => return Err(sqlx::Error::RowNotFound),
            Err(e) if is_unique_violation(&e) => return Ok(Written::undone(None)),
            Err(e) => return Err(e),
        };
        super::links::record_links::<DB>(&mut **tx, &[&row]).await?;
        let raising = Raising {
            write: w,
            row: &row,
            transaction_id,
        };
        let alerts = Self::raise_alerts(tx, &[raising])
            .await?
            .pop()
            .unwrap_or_default();
        let raised: Vec<i64> = alerts.iter().map(|(id, _)| *id).collect();
        let mut freeze = None;
        if let Some(plan) = w.freeze.as_ref().filter(|_| row.decline_reason.is_none()) {
            let amount = line.share_of_available(plan.percent).fen();
            let live: Option<(i64,)> = fetch_optional(&mut **tx, |q| {
                q.push("SELECT id FROM freezes WHERE account_id = ")
                    .bind(r.account_id);
                q.push(" AND source = 'system' AND released_at IS NULL LIMIT 1");
            })
            .await?;
            // One engine freeze at a time: frequent spending does not stack them.
            if amount > 0 && live.is_none() {
                let id: Option<(i64,)> = fetch_optional(&mut **tx, |q| {
                    q.push(
                        "INSERT INTO freezes (account_id, amount_fen, reason, source, \
                         created_by, transaction_id, created_at, lapses_at, findings)",
                    );
                    q.values(&[()], |t, ()| {
                        t.bind(r.account_id)
                            .bind(amount)
                            .bind(plan.reason.clone())
                            .bind("system".to_owned())
                            .bind("engine".to_owned())
                            .bind(transaction_id)
                            .bind(w.now)
                            .bind(plan.lapses_at)
                            .bind(plan.findings.clone());
                    });
                    q.push(" RETURNING id");
                })
                .await?;
                let after: Option<(i64, i64)> = fetch_optional(&mut **tx, |q| {
                    q.push("UPDATE accounts SET frozen_fen = frozen_fen + ")
                        .bind(amount);
                    q.push(", version = version + 1 WHERE id = ")
                        .bind(r.account_id);
                    q.push(LINE_AFTER);
                })
                .await?;
                if let (Some((id,)), Some((after, _))) = (id, after) {
                    available = after;
                    let data = serde_json::json!({
                        "id": id, "account_id": r.account_id, "transaction_id": transaction_id,
                        "amount_fen": amount, "source": "system", "status": "active",
                    });
                    let target = format!("freeze:{id}");
                    Self::add_event(tx, w.now, EventKind::FreezePlaced, &target, ENGINE, &data)
                        .await?;
                    freeze = Some(FreezeRecord {
                        id,
                        amount_fen: amount,
                        lapses_at: Some(plan.lapses_at),
                    });
                }
            }
        }
        let outcome = authorized(row, transaction_id, available, freeze, alerts);
        let json = serde_json::to_string(&outcome).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        let kept = Outcome {
            key: &r.order_id,
            request_hash: &w.request_hash,
            outcome: json,
            created_at: w.now,
        };
        match Self::record_outcomes(tx, &[kept]).await {
            Ok(()) => {
                metrics::count_payments::<DB>(
                    &mut **tx,
                    &[transaction_id],
                    (r.occurred_at, r.occurred_at),
                    &raised,
                )
                .await?;
                Ok(Written::kept(Some(Ok(Idempotent::Done(outcome)))))
            }
            // The id is a refund's or repayment's key: another request.
            Err(e) if is_unique_violation(&e) => {
                Ok(Written::undone(Some(Ok(Idempotent::Mismatch))))
            }
            Err(e) => Err(e),
        }
    }

    /// A refund inside the writer's transaction (see [`Ledger::refund`]):
    /// anything but a new refund leaves nothing behind, its key's claim included.
    async fn refund_in(
        tx: &mut Tx<DB>,
        order_id: &str,
        m: &MoneyBack,
    ) -> StoreResult<Written<Result<Idempotent<LedgerRecord>, Refusal>>> {
        if let Some(earlier) = Self::claim_key(tx, &m.key, &m.request_hash, m.occurred_at).await? {
            return Ok(Written::undone(Ok(earlier)));
        }
        let record = match Self::refund_payment(tx, Payment::Order(order_id), m).await? {
            Ok(Some(record)) => record,
            Ok(None) => return Ok(Written::undone(Ok(Idempotent::Mismatch))),
            Err(refusal) => return Ok(Written::undone(Err(refusal))),
        };
        Self::save_outcome(tx, &m.key, &record).await?;
        Ok(Written::kept(Ok(Idempotent::Done(record))))
    }

    /// A repayment inside the writer's transaction (see [`Ledger::repay`]).
    async fn repay_in(
        tx: &mut Tx<DB>,
        account_id: i64,
        m: &MoneyBack,
    ) -> StoreResult<Written<Result<Idempotent<LedgerRecord>, Refusal>>> {
        if let Some(earlier) = Self::claim_key(tx, &m.key, &m.request_hash, m.occurred_at).await? {
            return Ok(Written::undone(Ok(earlier)));
        }
        let owed: Option<(i64,)> = fetch_optional(&mut **tx, |q| {
            q.push("SELECT outstanding_fen FROM accounts WHERE id = ")
                .bind(account_id);
        })
        .await?;
        let Some((owed,)) = owed else {
            return Ok(Written::undone(Err(Refusal::NoAccount)));
        };
        if let Err(refusal) = ledger::may_repay(fen(m.amount_fen)?, fen(owed)?) {
            return Ok(Written::undone(Err(refusal)));
        }
        let repayment = TransactionRow::ledger(
            account_id,
            "repayment",
            m.key.clone(),
            "还款 repayment",
            m.amount_fen,
            m.occurred_at,
        );
        let Some(transaction_id) = Self::insert_ledger_row(tx, &repayment, None).await? else {
            return Ok(Written::undone(Ok(Idempotent::Mismatch)));
        };
        let record = Self::pay_back(tx, account_id, transaction_id, m.amount_fen).await?;
        Self::save_outcome(tx, &m.key, &record).await?;
        Ok(Written::kept(Ok(Idempotent::Done(record))))
    }

    /// The first outcome recorded under an order id, if the request was the
    /// same; a mismatch if it differed or the id belongs to something else.
    async fn earlier<'c, T: DeserializeOwned>(
        executor: impl Executor<'c, Database = DB>,
        key: &str,
        request_hash: &str,
    ) -> StoreResult<Idempotent<T>> {
        let row: Option<(String, String)> = fetch_optional(executor, |q| {
            q.push("SELECT request_hash, outcome FROM idempotency");
            q.and().push("scope = 'order'");
            q.and().push("key = ").bind(key.to_owned());
        })
        .await?;
        match row {
            Some((hash, outcome)) if hash == request_hash => serde_json::from_str(&outcome)
                .map(Idempotent::Replayed)
                .map_err(|e| sqlx::Error::Decode(Box::new(e))),
            _ => Ok(Idempotent::Mismatch),
        }
    }

    /// Claims an order id as an idempotency key. `None`: claimed, go on.
    /// Otherwise the earlier outcome, or a mismatch if the request differed.
    /// A concurrent claim of the same key waits for this transaction.
    async fn claim_key<T: DeserializeOwned>(
        tx: &mut sqlx::Transaction<'static, DB>,
        key: &str,
        request_hash: &str,
        now: i64,
    ) -> StoreResult<Option<Idempotent<T>>> {
        let claimed: Option<(String,)> = fetch_optional(&mut **tx, |q| {
            q.push("INSERT INTO idempotency (scope, key, request_hash, outcome, created_at)");
            q.values(&[()], |t, ()| {
                t.bind("order".to_owned())
                    .bind(key.to_owned())
                    .bind(request_hash.to_owned())
                    .bind(String::new())
                    .bind(now);
            });
            q.push(" ON CONFLICT (scope, key) DO NOTHING RETURNING key");
        })
        .await?;
        if claimed.is_some() {
            return Ok(None);
        }
        Self::earlier(&mut **tx, key, request_hash).await.map(Some)
    }

    async fn save_outcome(
        tx: &mut sqlx::Transaction<'static, DB>,
        key: &str,
        outcome: &(impl serde::Serialize + Sync),
    ) -> StoreResult<()> {
        let json = serde_json::to_string(outcome).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        execute(&mut **tx, |q| {
            q.push("UPDATE idempotency SET outcome = ").bind(json);
            q.and().push("scope = 'order'");
            q.and().push("key = ").bind(key.to_owned());
        })
        .await
    }

    /// Whether `amount_fen` more can be refunded of a payment inside `tx`:
    /// a settled purchase, never more than is left to refund.
    pub(super) async fn refundable(
        tx: &mut sqlx::Transaction<'static, DB>,
        payment: Payment<'_>,
        amount_fen: i64,
    ) -> StoreResult<Result<Refundable, Refusal>> {
        let payment: Option<(i64, i64, String, i64, String)> = fetch_optional(&mut **tx, |q| {
            q.push("SELECT id, account_id, status, amount_fen, merchant FROM transactions");
            match payment {
                Payment::Order(order_id) => q.and().push("order_id = ").bind(order_id.to_owned()),
                Payment::Id(id) => q.and().push("id = ").bind(id),
            };
            q.and().push("kind = 'purchase'");
        })
        .await?;
        let Some((payment_id, account_id, status, amount, merchant)) = payment else {
            return Ok(Err(Refusal::NoPayment));
        };
        let (refunded,): (i64,) = fetch_optional(&mut **tx, |q| {
            q.push("SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM transactions");
            q.and().push("refund_of = ").bind(payment_id);
        })
        .await?
        .unwrap_or((0,));
        if let Err(refusal) =
            ledger::may_refund(&status, fen(amount)?, fen(refunded)?, fen(amount_fen)?)
        {
            return Ok(Err(refusal));
        }
        Ok(Ok(Refundable {
            payment_id,
            account_id,
            amount,
            merchant,
            refunded,
        }))
    }

    /// Refunds (part of) a settled payment inside `tx` (see `refundable`):
    /// the payment is `refunded` once it is all back, and the amount pays
    /// the oldest bills first. `Ok(None)`: the refund's key is already
    /// another transaction's order id.
    pub(super) async fn refund_payment(
        tx: &mut sqlx::Transaction<'static, DB>,
        payment: Payment<'_>,
        m: &MoneyBack,
    ) -> StoreResult<Result<Option<LedgerRecord>, Refusal>> {
        let Refundable {
            payment_id,
            account_id,
            amount,
            merchant,
            refunded,
        } = match Self::refundable(tx, payment, m.amount_fen).await? {
            Ok(refundable) => refundable,
            Err(refusal) => return Ok(Err(refusal)),
        };
        let refund = TransactionRow::ledger(
            account_id,
            "refund",
            m.key.clone(),
            &merchant,
            m.amount_fen,
            m.occurred_at,
        );
        let Some(transaction_id) = Self::insert_ledger_row(tx, &refund, Some(payment_id)).await?
        else {
            return Ok(Ok(None));
        };
        if refunded + m.amount_fen == amount {
            execute(&mut **tx, |q| {
                q.push("UPDATE transactions SET status = 'refunded' WHERE id = ")
                    .bind(payment_id);
            })
            .await?;
        }
        let record = Self::pay_back(tx, account_id, transaction_id, m.amount_fen).await?;
        Ok(Ok(Some(record)))
    }

    /// Inserts a refund or repayment; `None` if its id is already another
    /// transaction's order id.
    async fn insert_ledger_row(
        tx: &mut sqlx::Transaction<'static, DB>,
        row: &TransactionRow,
        refund_of: Option<i64>,
    ) -> StoreResult<Option<i64>> {
        let inserted: StoreResult<Option<(i64,)>> = fetch_optional(&mut **tx, |q| {
            q.push("INSERT INTO transactions (")
                .push(TRANSACTION_INSERT)
                .push(", refund_of)");
            q.values(std::slice::from_ref(row), |t, r| {
                bind_transaction(t, r);
                t.bind(refund_of);
            });
            q.push(" RETURNING id");
        })
        .await;
        match inserted {
            Ok(id) => Ok(id.map(|(id,)| id)),
            Err(e) if is_unique_violation(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Money back to the line (a refund or a repayment): the oldest bills
    /// paid first, owed less, and the used part released by as much (never
    /// below zero).
    async fn pay_back(
        tx: &mut sqlx::Transaction<'static, DB>,
        account_id: i64,
        transaction_id: i64,
        amount_fen: i64,
    ) -> StoreResult<LedgerRecord> {
        let open: Vec<(i64, i64)> = fetch_all(&mut **tx, |q| {
            q.push("SELECT id, remaining_fen FROM bills");
            q.and().push("account_id = ").bind(account_id);
            q.and().push("remaining_fen > 0");
            q.push(" ORDER BY due_date, id");
        })
        .await?;
        let mut left = amount_fen;
        for (bill, remaining) in open {
            if left == 0 {
                break;
            }
            let paid = left.min(remaining);
            left -= paid;
            execute(&mut **tx, |q| {
                q.push("UPDATE bills SET remaining_fen = remaining_fen - ")
                    .bind(paid);
                q.and().push("id = ").bind(bill);
            })
            .await?;
        }
        let (available_fen, outstanding_fen): (i64, i64) = fetch_optional(&mut **tx, |q| {
            q.push("UPDATE accounts SET outstanding_fen = outstanding_fen - ")
                .bind(amount_fen)
                .push(", ");
            release_used(q, amount_fen);
            q.push(", version = version + 1 WHERE id = ")
                .bind(account_id);
            q.push(LINE_AFTER);
        })
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
        Ok(LedgerRecord {
            transaction_id,
            status: "settled".to_owned(),
            available_fen,
            outstanding_fen,
        })
    }

    /// Moves an authorized payment to `to` (settled or reversed); again is a no-op.
    async fn move_payment(
        &self,
        order_id: &str,
        to: &'static str,
    ) -> StoreResult<Result<LedgerRecord, Refusal>> {
        let order_id = order_id.to_owned();
        self.writer
            .run(move |tx| Box::pin(async move { Self::move_in(tx, &order_id, to).await }))
            .await
    }

    /// [`Self::move_payment`] inside the writer's transaction.
    async fn move_in(
        tx: &mut Tx<DB>,
        order_id: &str,
        to: &'static str,
    ) -> StoreResult<Written<Result<LedgerRecord, Refusal>>> {
        let moved: Option<(i64, i64, i64)> = fetch_optional(&mut **tx, |q| {
            q.push("UPDATE transactions SET status = ")
                .bind(to.to_owned());
            q.and().push("order_id = ").bind(order_id.to_owned());
            q.and().push("kind = 'purchase' AND status = 'authorized'");
            q.push(" RETURNING id, account_id, amount_fen");
        })
        .await?;
        let (transaction_id, account_id) = match moved {
            Some((id, account_id, amount)) => {
                execute(&mut **tx, |q| {
                    q.push("UPDATE accounts SET ");
                    if to == "settled" {
                        q.push("outstanding_fen = outstanding_fen + ").bind(amount);
                    } else {
                        release_used(q, amount);
                    }
                    q.push(", version = version + 1 WHERE id = ")
                        .bind(account_id);
                })
                .await?;
                (id, account_id)
            }
            None => {
                let payment: Option<(i64, i64, String)> = fetch_optional(&mut **tx, |q| {
                    q.push("SELECT id, account_id, status FROM transactions");
                    q.and().push("order_id = ").bind(order_id.to_owned());
                    q.and().push("kind = 'purchase'");
                })
                .await?;
                match payment {
                    None => return Ok(Written::kept(Err(Refusal::NoPayment))),
                    Some((id, account_id, status)) => match ledger::may_move(&status, to) {
                        // Moved before: again is a no-op.
                        Ok(_) => (id, account_id),
                        Err(refusal) => return Ok(Written::kept(Err(refusal))),
                    },
                }
            }
        };
        let (available_fen, outstanding_fen): (i64, i64) = fetch_optional(&mut **tx, |q| {
            q.push("SELECT limit_fen - used_fen - frozen_fen, outstanding_fen FROM accounts");
            q.and().push("id = ").bind(account_id);
        })
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
        Ok(Written::kept(Ok(LedgerRecord {
            transaction_id,
            status: to.to_owned(),
            available_fen,
            outstanding_fen,
        })))
    }
}

/// A settled purchase that can take a refund, as `refundable` found it.
pub(super) struct Refundable {
    payment_id: i64,
    account_id: i64,
    amount: i64,
    merchant: String,
    refunded: i64,
}

/// Which payment a refund is for.
#[derive(Clone, Copy, Debug)]
pub(super) enum Payment<'a> {
    Order(&'a str),
    Id(i64),
}

/// `used_fen` less `amount` fen, never below zero, with its utilisation.
fn release_used<'q, DB: Database>(q: &mut Query<'q, DB>, amount: i64)
where
    i64: Type<DB> + Encode<'q, DB>,
{
    q.push("used_fen = CASE WHEN used_fen < ")
        .bind(amount)
        .push(" THEN 0 ELSE used_fen - ")
        .bind(amount)
        .push(" END");
    q.push(", utilisation_bp = CASE WHEN limit_fen = 0 OR used_fen < ")
        .bind(amount)
        .push(" THEN 0 ELSE (used_fen - ")
        .bind(amount)
        .push(") * 10000 / limit_fen END");
}

/// The values of a new transaction, in [`TRANSACTION_INSERT`]'s order.
fn bind_transaction<'q, DB: Database>(t: &mut Tuple<'_, 'q, DB>, r: &TransactionRow)
where
    i32: Type<DB> + Encode<'q, DB>,
    i64: Type<DB> + Encode<'q, DB>,
    String: Type<DB> + Encode<'q, DB>,
    Option<f64>: Type<DB> + Encode<'q, DB>,
    Option<String>: Type<DB> + Encode<'q, DB>,
    Option<i64>: Type<DB> + Encode<'q, DB>,
{
    t.bind(r.account_id)
        .bind(r.kind.clone())
        .bind(r.order_id.clone())
        .bind(r.merchant.clone())
        .bind(r.category.clone())
        .bind(r.channel.clone())
        .bind(r.amount_fen)
        .bind(r.installments)
        .bind(r.device_id.clone())
        .bind(r.ip.clone())
        .bind(r.lat)
        .bind(r.lon)
        .bind(r.city.clone())
        .bind(r.status.clone())
        .bind(r.decision.clone())
        .bind(r.rule_hits.clone())
        .bind(r.occurred_at)
        .bind(r.decline_reason.clone())
        .bind(r.grade.clone())
        .bind(r.rules_version)
        .bind(r.shadow_version)
        .bind(r.shadow_decision.clone())
        .bind(r.shadow_hits.clone());
}

/// `limit − used − frozen` and what is owed, as ledger results report them.
const LINE_AFTER: &str = " RETURNING limit_fen - used_fen - frozen_fen, outstanding_fen";

/// `used_fen` and `utilisation_bp` after `used_fen` moves by `delta` fen
/// (`delta` pushes it: a bound amount, or a batch's column).
pub(super) fn move_used<'q, DB: Database>(
    q: &mut Query<'q, DB>,
    delta: impl Fn(&mut Query<'q, DB>),
) {
    q.push("used_fen = used_fen + ");
    delta(q);
    q.push(", utilisation_bp = CASE WHEN limit_fen = 0 THEN 0 ELSE (used_fen + ");
    delta(q);
    q.push(") * 10000 / limit_fen END");
}

/// What the rules read around a payment, each list a JSON array (PostgreSQL
/// aggregates nothing to NULL).
#[derive(sqlx::FromRow)]
struct ContextJson {
    account: Option<String>,
    device: Option<String>,
    ip: Option<String>,
    recent: Option<String>,
    seen: i64,
    blacklist: Option<String>,
}
