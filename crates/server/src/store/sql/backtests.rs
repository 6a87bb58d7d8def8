//! [`Backtests`] over sqlx: the jobs' rows, and the history they replay —
//! one query for each part of it, so that a month of payments is read in
//! seconds on the store's background connection, never the payment
//! channel's.

use super::*;

const BACKTEST_FIELDS: &str = "id, rule_set_id, against, days, from_at, to_at, status, done, \
    total, report, error, started_by, started_at, updated_at, finished_at, cancel_at";

#[for_backends]
#[async_trait::async_trait]
impl<DB> Backtests for SqlStore<DB> {
    async fn start_backtest(
        &self,
        b: &NewBacktest,
    ) -> StoreResult<Result<BacktestRow, NotStarted>> {
        let mut tx = self.begin_write().await?;
        let exists: Option<(i64,)> = fetch_optional(&mut *tx, |q| {
            q.push("SELECT id FROM rule_sets WHERE id = ")
                .bind(b.rule_set_id);
        })
        .await?;
        if exists.is_none() {
            return Ok(Err(NotStarted::NoRuleSet));
        }
        execute(&mut *tx, |q| {
            q.push("UPDATE backtests SET status = 'failed', error = ")
                .bind("stopped reporting: the instance running it went away".to_owned());
            q.push(", finished_at = ").bind(b.now);
            q.push(" WHERE status = 'running' AND rule_set_id = ")
                .bind(b.rule_set_id);
            q.push(" AND updated_at < ")
                .bind(b.now - BACKTEST_SILENT_MS);
        })
        .await?;
        let inserted: Result<Option<BacktestRow>, _> = fetch_optional(&mut *tx, |q| {
            q.push(
                "INSERT INTO backtests (rule_set_id, against, days, from_at, to_at, status, \
                 started_by, started_at, updated_at)",
            );
            q.values(&[()], |t, ()| {
                t.bind(b.rule_set_id)
                    .bind(b.against)
                    .bind(b.days)
                    .bind(b.from_at)
                    .bind(b.to_at)
                    .bind("running".to_owned())
                    .bind(b.started_by.clone())
                    .bind(b.now)
                    .bind(b.now);
            });
            q.push(" RETURNING ").push(BACKTEST_FIELDS);
        })
        .await;
        match inserted {
            Ok(row) => {
                let row = row.ok_or(sqlx::Error::RowNotFound)?;
                tx.commit().await?;
                Ok(Ok(row))
            }
            Err(e) if is_unique_violation(&e) => {
                drop(tx);
                let running: Option<(i64,)> = fetch_optional(&self.pool, |q| {
                    q.push("SELECT id FROM backtests WHERE status = 'running' AND rule_set_id = ")
                        .bind(b.rule_set_id);
                })
                .await?;
                Ok(Err(NotStarted::Running(running.map_or(0, |(id,)| id))))
            }
            Err(e) => Err(e),
        }
    }

    async fn backtest_progress(
        &self,
        id: i64,
        done: i64,
        total: i64,
        now: i64,
    ) -> StoreResult<bool> {
        let row: Option<(Option<i64>,)> = fetch_optional(&self.pool, |q| {
            q.push("UPDATE backtests SET done = ").bind(done);
            q.push(", total = ").bind(total);
            q.push(", updated_at = ").bind(now);
            q.push(" WHERE id = ").bind(id);
            q.push(" RETURNING cancel_at");
        })
        .await?;
        Ok(row.is_some_and(|(cancel,)| cancel.is_some()))
    }

    async fn finish_backtest(
        &self,
        id: i64,
        status: &str,
        report: Option<&str>,
        error: Option<&str>,
        now: i64,
    ) -> StoreResult<()> {
        execute(&self.pool, |q| {
            q.push("UPDATE backtests SET status = ")
                .bind(status.to_owned());
            q.push(", report = ").bind(report.map(str::to_owned));
            q.push(", error = ").bind(error.map(str::to_owned));
            q.push(", finished_at = ").bind(now);
            q.push(", updated_at = ").bind(now);
            q.push(" WHERE id = ")
                .bind(id)
                .push(" AND status = 'running'");
        })
        .await
    }

    async fn cancel_backtest(&self, id: i64, now: i64) -> StoreResult<Option<BacktestRow>> {
        execute(&self.pool, |q| {
            q.push("UPDATE backtests SET cancel_at = ").bind(now);
            q.push(" WHERE id = ").bind(id);
            q.push(" AND status = 'running' AND cancel_at IS NULL");
        })
        .await?;
        self.backtest(id).await
    }

    async fn backtest(&self, id: i64) -> StoreResult<Option<BacktestRow>> {
        fetch_optional(&self.pool, |q| {
            q.push("SELECT ").push(BACKTEST_FIELDS);
            q.push(" FROM backtests WHERE id = ").bind(id);
        })
        .await
    }

    async fn backtests(&self, rule_set_id: i64, limit: u32) -> StoreResult<Vec<BacktestRow>> {
        fetch_all(&self.pool, |q| {
            q.push("SELECT ").push(BACKTEST_FIELDS);
            q.push(" FROM backtests WHERE rule_set_id = ")
                .bind(rule_set_id);
            q.push(" ORDER BY id DESC LIMIT ").bind(i64::from(limit));
        })
        .await
    }

    async fn shadowed_by(&self, version: i64) -> StoreResult<Vec<TransactionRow>> {
        fetch_all(&self.pool, |q| {
            q.push("SELECT ").push(TRANSACTION_FIELDS);
            q.push(" FROM transactions WHERE shadow_version = ")
                .bind(version);
            q.push(" ORDER BY occurred_at, id");
        })
        .await
    }

    async fn transactions_between(&self, from: i64, to: i64) -> StoreResult<Vec<PastRow>> {
        fetch_as_json(&self.background, PAST_FIELDS, |q| {
            q.push("transactions WHERE occurred_at >= ").bind(from);
            q.push(" AND occurred_at < ").bind(to);
        })
        .await
    }

    async fn approved_before(&self, before: i64) -> StoreResult<Vec<(i64, i64, i64)>> {
        // Unsorted: sorting the whole history costs more here than in Rust.
        fetch_as_json(
            &self.background,
            "account_id, occurred_at, amount_fen",
            |q| {
                q.push(
                    "transactions WHERE kind = 'purchase' \
                 AND status IN ('authorized', 'settled', 'refunded') AND occurred_at < ",
                )
                .bind(before);
            },
        )
        .await
    }

    async fn devices_before(&self, before: i64) -> StoreResult<Vec<(i64, String)>> {
        fetch_as_json(&self.background, "account_id, device_id", |q| {
            q.push("(SELECT account_id, device_id FROM transactions WHERE device_id IS NOT NULL");
            q.push(" AND occurred_at < ").bind(before);
            q.push(" GROUP BY account_id, device_id) AS seen");
        })
        .await
    }

    async fn alerts_since(&self, from: i64) -> StoreResult<Vec<RaisedRow>> {
        // An alert is raised as of its payment's time, never before it.
        fetch_all(&self.background, |q| {
            q.push("SELECT transaction_id, rule, disposition FROM alerts");
            q.push(" WHERE transaction_id IS NOT NULL AND created_at >= ")
                .bind(from);
        })
        .await
    }

    async fn blacklist_history(&self) -> StoreResult<Vec<ListedRow>> {
        fetch_all(&self.background, |q| {
            q.push("SELECT id, kind, value, created_at, expires_at, removed_at FROM blacklist");
        })
        .await
    }

    async fn accounts_in_background(
        &self,
        after_id: i64,
        limit: u32,
    ) -> StoreResult<Vec<AccountDetailRow>> {
        self.accounts_after_on(&self.background, after_id, limit)
            .await
    }
}
