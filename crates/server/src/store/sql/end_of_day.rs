//! [`EndOfDay`] over sqlx: the claim on a business date, bills, days past
//! due, scores, the limit review's proposals and their expiry.

use riskdesk_domain::events::EventKind;

use super::*;

#[for_backends]
#[async_trait::async_trait]
impl<DB> EndOfDay for SqlStore<DB> {
    async fn claim_end_of_day(
        &self,
        date: i32,
        now: i64,
        stale_before: i64,
    ) -> StoreResult<EodClaim> {
        let new: Option<(i32,)> = fetch_optional(&self.pool, |q| {
            q.push("INSERT INTO eod_runs (business_date, started_at) VALUES (")
                .bind(date);
            q.push(", ").bind(now);
            q.push(") ON CONFLICT (business_date) DO NOTHING RETURNING business_date");
        })
        .await?;
        if new.is_some() {
            return Ok(EodClaim::Started);
        }
        let taken_over: Option<(i32,)> = fetch_optional(&self.pool, |q| {
            q.push("UPDATE eod_runs SET started_at = ").bind(now);
            q.and().push("business_date = ").bind(date);
            q.and().push("finished_at IS NULL");
            q.and().push("started_at < ").bind(stale_before);
            q.push(" RETURNING business_date");
        })
        .await?;
        if taken_over.is_some() {
            return Ok(EodClaim::Started);
        }
        let (since, summary): (i64, Option<String>) = fetch_optional(&self.pool, |q| {
            q.push("SELECT started_at, summary FROM eod_runs");
            q.and().push("business_date = ").bind(date);
        })
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
        Ok(match summary {
            Some(summary) => EodClaim::Done(summary),
            None => EodClaim::Running { since },
        })
    }

    async fn finish_end_of_day(&self, date: i32, now: i64, summary: &str) -> StoreResult<()> {
        execute(&self.pool, |q| {
            q.push("UPDATE eod_runs SET finished_at = ").bind(now);
            q.push(", summary = ").bind(summary.to_owned());
            q.and().push("business_date = ").bind(date);
        })
        .await
    }

    async fn unbilled(&self, bill_days: &[i32]) -> StoreResult<Vec<Unbilled>> {
        if bill_days.is_empty() {
            return Ok(Vec::new());
        }
        let days = bill_days.to_vec();
        let rows: Vec<Unbilled> = fetch_rows(
            &self.pool,
            "account_id, due_day, unbilled_fen",
            &[("account_id", Dir::Asc)],
            |q| {
                q.push(
                    " FROM (SELECT a.id AS account_id, a.due_day, a.outstanding_fen - \
                     COALESCE((SELECT SUM(b.remaining_fen) FROM bills b \
                     WHERE b.account_id = a.id AND b.remaining_fen > 0), 0) AS unbilled_fen \
                     FROM accounts a WHERE a.status IN ('active', 'frozen') AND a.bill_day IN (",
                );
                for (i, day) in days.into_iter().enumerate() {
                    q.push(if i == 0 { "" } else { ", " }).bind(day);
                }
                q.push(")) AS owed");
                q.and().push("unbilled_fen > 0");
            },
        )
        .await?;
        Ok(rows)
    }

    async fn insert_bills(&self, bills: &[BillRow]) -> StoreResult<u64> {
        let mut tx = self.pool.begin().await?;
        let mut inserted = 0;
        for chunk in bills.chunks(INSERT_CHUNK) {
            let ids: Vec<(i64,)> = fetch_all(&mut *tx, |q| {
                q.push(
                    "INSERT INTO bills (account_id, bill_date, due_date, amount_fen, \
                     remaining_fen)",
                );
                q.values(chunk, |t, b| {
                    t.bind(b.account_id)
                        .bind(b.bill_date)
                        .bind(b.due_date)
                        .bind(b.amount_fen)
                        .bind(b.remaining_fen);
                });
                q.push(" ON CONFLICT (account_id, bill_date) DO NOTHING RETURNING id");
            })
            .await?;
            inserted += ids.len() as u64;
        }
        tx.commit().await?;
        Ok(inserted)
    }

    async fn bills(&self, account_id: i64) -> StoreResult<Vec<BillRow>> {
        fetch_all(&self.pool, |q| {
            q.push(
                "SELECT id, account_id, bill_date, due_date, amount_fen, remaining_fen FROM bills",
            );
            q.and().push("account_id = ").bind(account_id);
            q.push(" ORDER BY bill_date, id");
        })
        .await
    }

    async fn update_delinquency(&self, date: i32) -> StoreResult<u64> {
        let overdue = |q: &mut Query<'_, DB>| {
            q.push(" FROM bills b WHERE b.account_id = accounts.id AND b.remaining_fen > 0");
            q.push(" AND b.due_date < ").bind(date);
        };
        let mut tx = self.pool.begin().await?;
        execute(&mut *tx, |q| {
            q.push("UPDATE accounts SET dpd = COALESCE((SELECT ")
                .bind(date)
                .push(" - MIN(b.due_date)");
            overdue(q);
            q.push("), 0) WHERE dpd > 0 OR EXISTS (SELECT 1");
            overdue(q);
            q.push(")");
        })
        .await?;
        execute(&mut *tx, |q| {
            q.push("UPDATE accounts SET max_dpd_12m = dpd WHERE dpd > max_dpd_12m");
        })
        .await?;
        execute(&mut *tx, |q| {
            q.push(
                "UPDATE accounts SET status = 'frozen', version = version + 1 \
                 WHERE status = 'active' AND dpd > 90",
            );
        })
        .await?;
        let (past_due,): (i64,) = fetch_optional(&mut *tx, |q| {
            q.push("SELECT COUNT(*) FROM accounts WHERE dpd > 0");
        })
        .await?
        .unwrap_or((0,));
        tx.commit().await?;
        Ok(u64::try_from(past_due).unwrap_or(0))
    }

    async fn accounts_after(
        &self,
        after_id: i64,
        limit: u32,
    ) -> StoreResult<Vec<AccountDetailRow>> {
        self.accounts_after_on(&self.pool, after_id, limit).await
    }

    async fn save_scores(&self, scores: &[Rescored], scored_at: i64) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        for s in scores {
            execute(&mut *tx, |q| {
                q.push("UPDATE accounts SET score = ").bind(s.score);
                q.push(", grade = ").bind(s.grade.clone());
                q.push(", scored_at = ").bind(scored_at);
                q.and().push("id = ").bind(s.account_id);
            })
            .await?;
        }
        tx.commit().await
    }

    async fn propose_limit_changes(&self, proposals: &[LimitChangeRow]) -> StoreResult<u64> {
        let mut tx = self.pool.begin().await?;
        let mut inserted = 0;
        for p in proposals {
            let id: Option<(i64,)> = fetch_optional(&mut *tx, |q| {
                q.push(
                    "INSERT INTO limit_changes (account_id, current_limit_fen, \
                     proposed_limit_fen, reason, source, status, tier, maker, created_at, \
                     expires_at, grade) SELECT ",
                );
                q.bind(p.account_id).push(", ").bind(p.current_limit_fen);
                q.push(", ").bind(p.proposed_limit_fen);
                q.push(", ").bind(p.reason.clone());
                q.push(", ").bind(p.source.clone());
                q.push(", 'pending', ").bind(p.tier.clone());
                q.push(", ").bind(p.maker.clone());
                q.push(", ")
                    .bind(p.created_at)
                    .push(", ")
                    .bind(p.expires_at);
                q.push(", (SELECT grade FROM accounts WHERE id = ")
                    .bind(p.account_id)
                    .push(")");
                q.push(" WHERE NOT EXISTS (SELECT 1 FROM limit_changes WHERE account_id = ")
                    .bind(p.account_id);
                q.push(" AND status = 'pending') RETURNING id");
            })
            .await?;
            if let Some((id,)) = id {
                metrics::count_limit_change::<DB>(&mut tx, id, LimitChangeStep::Proposed).await?;
                let data = serde_json::json!({
                    "id": id, "account_id": p.account_id, "status": "pending",
                    "source": p.source, "maker": p.maker,
                });
                let target = format!("limit_change:{id}");
                let kind = EventKind::LimitChangeProposed;
                Self::add_event(&mut tx, p.created_at, kind, &target, Some(&p.maker), &data)
                    .await?;
                inserted += 1;
            }
        }
        tx.commit().await?;
        Ok(inserted)
    }

    async fn expire_limit_changes(&self, now: i64) -> StoreResult<u64> {
        let mut tx = self.begin_write().await?;
        let expired: Vec<(i64, i64)> = fetch_all(&mut *tx, |q| {
            q.push("UPDATE limit_changes SET status = 'expired', version = version + 1");
            q.and().push("status = 'pending'");
            q.and().push("expires_at <= ").bind(now);
            q.push(" RETURNING id, account_id");
        })
        .await?;
        for &(id, account_id) in &expired {
            metrics::count_limit_change::<DB>(&mut tx, id, LimitChangeStep::Decided).await?;
            let data = serde_json::json!({"id": id, "account_id": account_id, "status": "expired"});
            let target = format!("limit_change:{id}");
            let kind = EventKind::LimitChangeDecided;
            Self::add_event(&mut tx, now, kind, &target, None, &data).await?;
        }
        tx.commit().await?;
        Ok(expired.len() as u64)
    }

    async fn triage_alerts(&self, triage: &[AlertTriage]) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        for t in triage {
            let (was,): (Option<String>,) = fetch_optional(&mut *tx, |q| {
                q.push("SELECT disposition FROM alerts WHERE id = ")
                    .bind(t.id);
            })
            .await?
            .ok_or(sqlx::Error::RowNotFound)?;
            execute(&mut *tx, |q| {
                q.push("UPDATE alerts SET status = ").bind(t.status.clone());
                q.push(", assignee = ").bind(t.assignee.clone());
                q.push(", disposition = ").bind(t.disposition.clone());
                q.push(", escalated_by = ").bind(t.escalated_by.clone());
                q.push(", version = version + 1");
                q.and().push("id = ").bind(t.id);
            })
            .await?;
            // Counted as a close through the API is.
            if was.is_none() && t.disposition.is_some() {
                metrics::count_alerts::<DB>(&mut tx, &[t.id], metrics::AlertStep::Closed).await?;
            }
        }
        tx.commit().await
    }
}

#[for_backends]
impl<DB> SqlStore<DB> {
    /// A page of accounts with their customers, opened, on `pool`.
    pub(super) async fn accounts_after_on(
        &self,
        pool: &Pool<DB>,
        after_id: i64,
        limit: u32,
    ) -> StoreResult<Vec<AccountDetailRow>> {
        let rows: Vec<AccountDetailRow> = fetch_all(pool, |q| {
            q.push("SELECT ").push(ACCOUNT_FIELDS).push(CUSTOMER_DETAIL);
            q.push(ACCOUNT_FROM).and().push("a.id > ").bind(after_id);
            q.push(" ORDER BY a.id LIMIT ").bind(i64::from(limit));
        })
        .await?;
        rows.into_iter()
            .map(|row| self.opened_detail(row))
            .collect()
    }
}
