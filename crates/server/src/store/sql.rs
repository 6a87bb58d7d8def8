//! The [`Store`] over sqlx, written once for SQLite and PostgreSQL.
//!
//! Queries are built with [`Query`], which writes each backend's own
//! placeholders, and use only SQL both databases share. The bounds on the
//! `impl` below say which Rust types the backend must carry.

use std::str::FromStr;
use std::time::Duration;

use serde::de::DeserializeOwned;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, Postgres};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool, Sqlite, Type};

mod admin;
mod bulk;
mod decisions;
mod metrics;
mod sealing;

use self::bulk::LargeTables;
use self::metrics::LimitChangeStep;
use super::query::{Query, Tuple, execute, fetch_all, fetch_optional};
use super::*;
use riskdesk_domain::money::Money;
use riskdesk_domain::rules::frozen_share;

/// A [`Store`] on sqlx pools.
#[derive(Debug)]
pub struct SqlStore<DB: Database> {
    pool: Pool<DB>,
    /// The payment channel's connections (authorize, settle, reverse,
    /// refund, repay and their service clients). On PostgreSQL they plan
    /// each statement once and keep that generic plan: the channel's few
    /// fixed statements run thousands of times a second, and planning one
    /// again for every payment, over a dozen month partitions, cost more
    /// than running it (docs/benchmarks.md). The console's ad-hoc lists
    /// keep plans made for their values. On SQLite, the same pool.
    payments: Pool<DB>,
    /// Seals TOTP secrets and customers' names, phones and national IDs on
    /// the way in and opens them on the way out: the rest of the service
    /// sees them in clear, the database never does.
    keys: Arc<DataKeys>,
}

/// Rows per multi-row INSERT: under SQLite's 32,766 and PostgreSQL's 65,535
/// bind parameters for the widest table.
const INSERT_CHUNK: usize = 1_000;

impl SqlStore<Sqlite> {
    /// `sqlite::memory:` or `sqlite://path/to/file.db`; the file is created if missing.
    pub async fn open_sqlite(
        url: &str,
        purpose: Purpose,
        keys: Arc<DataKeys>,
    ) -> anyhow::Result<Self> {
        // Serving: write-ahead log, many readers. A bulk load, or a database
        // in memory (which lives in one connection): one connection and a
        // rollback journal in memory, so that pages are written once, not to
        // the log and then again to the file.
        let single = url.contains(":memory:") || purpose == Purpose::BulkLoad;
        let (journal, synchronous) = if single {
            (SqliteJournalMode::Memory, SqliteSynchronous::Off)
        } else {
            (SqliteJournalMode::Wal, SqliteSynchronous::Normal)
        };
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(journal)
            .synchronous(synchronous)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true)
            // Negative: KiB per connection.
            .pragma(
                "cache_size",
                if purpose == Purpose::Embedded {
                    "-4096"
                } else {
                    "-65536"
                },
            )
            .pragma("temp_store", "memory");
        let pool = SqlitePoolOptions::new()
            .max_connections(if single { 1 } else { 4 })
            // A local file needs no liveness ping before each query; it would
            // double the round trips to SQLite's worker thread.
            .test_before_acquire(false)
            .min_connections(u32::from(single))
            .idle_timeout((!single).then_some(Duration::from_secs(600)))
            .max_lifetime((!single).then_some(Duration::from_secs(3600)))
            .connect_with(options)
            .await?;
        sqlx::migrate!("migrations/sqlite").run(&pool).await?;
        Ok(SqlStore {
            payments: pool.clone(),
            pool,
            keys,
        })
    }
}

impl SqlStore<Postgres> {
    pub async fn open_postgres(url: &str, keys: Arc<DataKeys>) -> anyhow::Result<Self> {
        let options = PgConnectOptions::from_str(url)?;
        // A liveness ping only for a connection that sat idle: a ping before
        // every use doubled each query's round trips (docs/benchmarks.md),
        // and sqlx already pings each connection it takes back. One idle
        // for longer may have lost its server to a restart.
        let pool_of = |size| {
            PgPoolOptions::new()
                .max_connections(size)
                .acquire_timeout(Duration::from_secs(5))
                .test_before_acquire(false)
                .before_acquire(|conn, meta| {
                    Box::pin(async move {
                        if meta.idle_for > Duration::from_secs(1) {
                            sqlx::Connection::ping(conn).await?;
                        }
                        Ok(true)
                    })
                })
        };
        let pool = pool_of(16).connect_with(options.clone()).await?;
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        let payments = pool_of(8)
            .connect_lazy_with(options.options([("plan_cache_mode", "force_generic_plan")]));
        Ok(SqlStore {
            pool,
            payments,
            keys,
        })
    }
}

/// The columns of an [`AccountRow`].
const ACCOUNT_FIELDS: &str = "a.id, a.customer_id, a.limit_fen, a.used_fen, a.frozen_fen, \
    a.outstanding_fen, a.utilisation_bp, a.dpd, a.max_dpd_12m, a.on_time_bp, \
    a.purchases_per_month, a.bill_to_limit_bp, a.score, a.scored_at, a.grade, a.status, a.bill_day, \
    a.due_day, a.opened_at, a.version, c.name_masked, c.phone, c.city";
/// The customer's columns of an [`AccountDetailRow`], after [`ACCOUNT_FIELDS`].
const CUSTOMER_DETAIL: &str = ", c.name, c.national_id, c.home_lat, c.home_lon, c.age, \
    c.occupation, c.income_band, c.kyc_level, c.night_login_bp, c.created_at AS customer_since";
const ACCOUNT_FROM: &str = " FROM accounts a JOIN customers c ON c.id = a.customer_id";
const TRANSACTION_FIELDS: &str = "id, account_id, kind, order_id, merchant, category, channel, \
    amount_fen, installments, device_id, ip, lat, lon, city, status, decision, rule_hits, occurred_at, \
    decline_reason, grade";
/// The columns a new transaction is written with, its id aside.
const TRANSACTION_INSERT: &str = "account_id, kind, order_id, merchant, category, channel, \
    amount_fen, installments, device_id, ip, lat, lon, city, status, decision, rule_hits, \
    occurred_at, decline_reason, grade";
const FREEZE_FIELDS: &str = "id, account_id, amount_fen, reason, source, created_by, \
    transaction_id, created_at, lapses_at, released_at, released_by, release_reason, version";
const ALERT_FIELDS: &str = "id, account_id, transaction_id, rule, severity_rank, status, assignee, \
    amount_fen, evidence, disposition, created_at, sla_due_at, version, escalated_by";
const BLACKLIST_FIELDS: &str = "id, kind, value, reason, created_by, created_at, expires_at, \
    removed_at, removal_requested_by, removal_requested_at, removal_reason, removed_by, version";
const LIMIT_CHANGE_FIELDS: &str = "id, account_id, current_limit_fen, proposed_limit_fen, reason, \
    source, status, tier, note, maker, checker, decision_note, created_at, expires_at, decided_at, \
    version";
const DISPUTE_FIELDS: &str = "id, account_id, transaction_id, reason, status, statement, \
    opened_by, created_at, sla_due_at, resolved_at, version, attachments, resolution_note, \
    refund_transaction_id, escalated_by, refund_fen, refund_proposed_by, refund_tier";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dir {
    Asc,
    Desc,
}

#[async_trait::async_trait]
impl<DB> Store for SqlStore<DB>
where
    DB: LargeTables,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    i16: Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB>,
    i32: Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB>,
    i64: Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB>,
    f64: Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB>,
    String: Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB>,
    Option<i64>: Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB>,
    Option<f64>: Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB>,
    Option<String>: Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB>,
    for<'s> &'s str: ColumnIndex<DB::Row>,
    usize: ColumnIndex<DB::Row>,
{
    fn index_national_id(&self, national_id: &str) -> String {
        SqlStore::index_national_id(self, national_id)
    }

    async fn reseal(&self) -> StoreResult<Resealed> {
        self.reseal_all().await
    }

    async fn check_data_key(&self) -> anyhow::Result<()> {
        self.check_key().await
    }

    fn backend(&self) -> &'static str {
        if DB::NAME == "SQLite" {
            "sqlite"
        } else {
            "postgres"
        }
    }

    async fn ping(&self) -> StoreResult<()> {
        execute(&self.pool, |q| {
            q.push("SELECT 1");
        })
        .await
    }

    async fn close(&self) {
        self.payments.close().await;
        self.pool.close().await;
    }

    async fn meta(&self, key: &str) -> StoreResult<Option<String>> {
        let row: Option<(String,)> = fetch_optional(&self.pool, |q| {
            q.push("SELECT value FROM meta WHERE key = ")
                .bind(key.to_owned());
        })
        .await?;
        Ok(row.map(|(v,)| v))
    }

    async fn set_meta(&self, key: &str, value: &str) -> StoreResult<()> {
        execute(&self.pool, |q| {
            q.push("INSERT INTO meta (key, value) VALUES (")
                .bind(key.to_owned());
            q.push(", ").bind(value.to_owned());
            q.push(") ON CONFLICT (key) DO UPDATE SET value = excluded.value");
        })
        .await
    }

    async fn bulk_load_mode(&self, loading: bool) -> StoreResult<()> {
        // The same definitions as in the migrations.
        let indexes: &[&str] = if loading {
            &[
                "DROP INDEX IF EXISTS transactions_account_time",
                "DROP INDEX IF EXISTS transactions_device_time",
                "DROP INDEX IF EXISTS transactions_ip_time",
            ]
        } else {
            &[
                "CREATE INDEX IF NOT EXISTS transactions_account_time \
                 ON transactions (account_id, occurred_at, id)",
                "CREATE INDEX IF NOT EXISTS transactions_device_time \
                 ON transactions (device_id, occurred_at)",
                "CREATE INDEX IF NOT EXISTS transactions_ip_time ON transactions (ip, occurred_at)",
            ]
        };
        let backend_own = if loading {
            DB::BEFORE_LOAD
        } else {
            DB::AFTER_LOAD
        };
        execute_each(&self.pool, indexes).await?;
        execute_each(&self.pool, backend_own).await?;
        if !loading {
            // The generator wrote explicit ids: move the id sequences past
            // them, so that the engine's inserts get fresh ones.
            for table in DB::ID_SEQUENCES {
                execute(&self.pool, |q| {
                    q.push("SELECT setval(pg_get_serial_sequence('")
                        .push(table)
                        .push("', 'id'), COALESCE((SELECT MAX(id) FROM ")
                        .push(table)
                        .push("), 0) + 1, false)");
                })
                .await?;
            }
        }
        Ok(())
    }

    async fn settle_after_load(&self) -> StoreResult<()> {
        execute_each(&self.pool, DB::SETTLE).await
    }

    async fn cover_months(&self, from_ms: i64, to_ms: i64) -> StoreResult<u64> {
        let Some(function) = DB::COVER_MONTHS else {
            return Ok(0);
        };
        let created: Option<(i32,)> = fetch_optional(&self.pool, |q| {
            q.push("SELECT ").push(function).push("(").bind(from_ms);
            q.push(", ").bind(to_ms).push(")");
        })
        .await?;
        Ok(created.map_or(0, |(n,)| u64::try_from(n).unwrap_or(0)))
    }

    async fn insert_batch(&self, batch: &Batch) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        for chunk in batch.operators.chunks(INSERT_CHUNK) {
            execute(&mut *tx, |q| {
                q.push(
                    "INSERT INTO operators (id, display_name, role, password_hash, totp_secret, \
                     totp_last_step, failed_attempts, locked_until, created_at)",
                );
                q.values(chunk, |t, o| {
                    t.bind(o.id.clone())
                        .bind(o.display_name.clone())
                        .bind(o.role.clone())
                        .bind(o.password_hash.clone())
                        .bind(self.keys.seal(&o.totp_secret))
                        .bind(o.totp_last_step)
                        .bind(o.failed_attempts)
                        .bind(o.locked_until)
                        .bind(o.created_at);
                });
            })
            .await?;
        }
        for chunk in batch.customers.chunks(INSERT_CHUNK) {
            execute(&mut *tx, |q| {
                q.push(
                    "INSERT INTO customers (id, name, name_masked, phone, phone_tail, national_id, \
                     age, occupation, income_band, city, home_lat, home_lon, kyc_level, \
                     night_login_bp, created_at)",
                );
                q.values(chunk, |t, c| {
                    t.bind(c.id)
                        .bind(self.keys.seal(&c.name))
                        .bind(c.name_masked.clone())
                        .bind(self.keys.seal(&c.phone))
                        .bind(c.phone_tail.clone())
                        .bind(self.keys.seal(&c.national_id))
                        .bind(c.age)
                        .bind(c.occupation.clone())
                        .bind(c.income_band.clone())
                        .bind(c.city.clone())
                        .bind(c.home_lat)
                        .bind(c.home_lon)
                        .bind(c.kyc_level.clone())
                        .bind(c.night_login_bp)
                        .bind(c.created_at);
                });
            })
            .await?;
        }
        for chunk in batch.accounts.chunks(INSERT_CHUNK) {
            execute(&mut *tx, |q| {
                q.push(
                    "INSERT INTO accounts (id, customer_id, limit_fen, used_fen, frozen_fen, \
                     outstanding_fen, utilisation_bp, dpd, max_dpd_12m, on_time_bp, \
                     purchases_per_month, bill_to_limit_bp, score, scored_at, grade, status, \
                     bill_day, due_day, opened_at, version)",
                );
                q.values(chunk, |t, a| {
                    t.bind(a.id)
                        .bind(a.customer_id)
                        .bind(a.limit_fen)
                        .bind(a.used_fen)
                        .bind(a.frozen_fen)
                        .bind(a.outstanding_fen)
                        .bind(a.utilisation_bp)
                        .bind(a.dpd)
                        .bind(a.max_dpd_12m)
                        .bind(a.on_time_bp)
                        .bind(a.purchases_per_month)
                        .bind(a.bill_to_limit_bp)
                        .bind(a.score)
                        .bind(a.scored_at)
                        .bind(a.grade.clone())
                        .bind(a.status.clone())
                        .bind(a.bill_day)
                        .bind(a.due_day)
                        .bind(a.opened_at)
                        .bind(a.version);
                });
            })
            .await?;
        }
        DB::bulk_insert(&mut tx, &batch.transactions).await?;
        for chunk in batch.alerts.chunks(INSERT_CHUNK) {
            execute(&mut *tx, |q| {
                q.push(
                    "INSERT INTO alerts (id, account_id, transaction_id, rule, severity_rank, \
                     status, assignee, amount_fen, evidence, disposition, created_at, sla_due_at, \
                     version)",
                );
                q.values(chunk, |t, a| {
                    t.bind(a.id)
                        .bind(a.account_id)
                        .bind(a.transaction_id)
                        .bind(a.rule.clone())
                        .bind(a.severity_rank)
                        .bind(a.status.clone())
                        .bind(a.assignee.clone())
                        .bind(a.amount_fen)
                        .bind(a.evidence.clone())
                        .bind(a.disposition.clone())
                        .bind(a.created_at)
                        .bind(a.sla_due_at)
                        .bind(a.version);
                });
            })
            .await?;
        }
        for chunk in batch.blacklist.chunks(INSERT_CHUNK) {
            execute(&mut *tx, |q| {
                q.push(
                    "INSERT INTO blacklist (id, kind, value, reason, created_by, created_at, \
                     expires_at, removed_at)",
                );
                q.values(chunk, |t, e| {
                    t.bind(e.id)
                        .bind(e.kind.clone())
                        .bind(e.value.clone())
                        .bind(e.reason.clone())
                        .bind(e.created_by.clone())
                        .bind(e.created_at)
                        .bind(e.expires_at)
                        .bind(e.removed_at);
                });
            })
            .await?;
        }
        for chunk in batch.limit_changes.chunks(INSERT_CHUNK) {
            execute(&mut *tx, |q| {
                q.push(
                    "INSERT INTO limit_changes (id, account_id, current_limit_fen, \
                     proposed_limit_fen, reason, source, status, tier, maker, checker, \
                     created_at, expires_at, decided_at, version)",
                );
                q.values(chunk, |t, l| {
                    t.bind(l.id)
                        .bind(l.account_id)
                        .bind(l.current_limit_fen)
                        .bind(l.proposed_limit_fen)
                        .bind(l.reason.clone())
                        .bind(l.source.clone())
                        .bind(l.status.clone())
                        .bind(l.tier.clone())
                        .bind(l.maker.clone())
                        .bind(l.checker.clone())
                        .bind(l.created_at)
                        .bind(l.expires_at)
                        .bind(l.decided_at)
                        .bind(l.version);
                });
            })
            .await?;
        }
        for chunk in batch.disputes.chunks(INSERT_CHUNK) {
            execute(&mut *tx, |q| {
                q.push(
                    "INSERT INTO disputes (id, account_id, transaction_id, reason, status, \
                     statement, opened_by, created_at, sla_due_at, resolved_at, version, \
                     escalated_by)",
                );
                q.values(chunk, |t, d| {
                    t.bind(d.id)
                        .bind(d.account_id)
                        .bind(d.transaction_id)
                        .bind(d.reason.clone())
                        .bind(d.status.clone())
                        .bind(d.statement.clone())
                        .bind(d.opened_by.clone())
                        .bind(d.created_at)
                        .bind(d.sla_due_at)
                        .bind(d.resolved_at)
                        .bind(d.version)
                        .bind(d.escalated_by.clone());
                });
            })
            .await?;
        }
        for chunk in batch.freezes.chunks(INSERT_CHUNK) {
            execute(&mut *tx, |q| {
                q.push(
                    "INSERT INTO freezes (id, account_id, amount_fen, reason, source, created_by, \
                     transaction_id, created_at, lapses_at, released_at)",
                );
                q.values(chunk, |t, f| {
                    t.bind(f.id)
                        .bind(f.account_id)
                        .bind(f.amount_fen)
                        .bind(f.reason.clone())
                        .bind(f.source.clone())
                        .bind(f.created_by.clone())
                        .bind(f.transaction_id)
                        .bind(f.created_at)
                        .bind(f.lapses_at)
                        .bind(f.released_at);
                });
            })
            .await?;
        }
        DB::bulk_insert(&mut tx, &batch.bills).await?;
        DB::bulk_insert(&mut tx, &batch.account_months).await?;
        tx.commit().await
    }

    async fn operator(&self, id: &str) -> StoreResult<Option<OperatorRow>> {
        let row: Option<OperatorRow> = fetch_optional(&self.pool, |q| {
            q.push("SELECT * FROM operators WHERE id = ")
                .bind(id.to_owned());
        })
        .await?;
        row.map(|o| {
            Ok(OperatorRow {
                totp_secret: self.open(&o.totp_secret)?,
                ..o
            })
        })
        .transpose()
    }

    async fn record_failed_sign_in(
        &self,
        id: &str,
        now: i64,
        lockout: &Lockout,
    ) -> StoreResult<Option<i32>> {
        // One statement, so that concurrent failures each count; every
        // right-hand side reads the row as it was.
        let lapsed = |q: &mut Query<'_, DB>| {
            q.push("(locked_until IS NOT NULL AND locked_until <= ")
                .bind(now)
                .push(")");
        };
        let count = |q: &mut Query<'_, DB>| {
            q.push("(CASE WHEN ");
            lapsed(q);
            q.push(" THEN 1 ELSE failed_attempts + 1 END)");
        };
        let row: Option<(i32,)> = fetch_optional(&self.pool, |q| {
            q.push("UPDATE operators SET failed_attempts = ");
            count(q);
            q.push(", lockouts = CASE WHEN ");
            count(q);
            q.push(" = ")
                .bind(lockout.max_attempts)
                .push(" THEN lockouts + 1 ELSE lockouts END");
            q.push(", locked_until = CASE WHEN ");
            count(q);
            q.push(" = ").bind(lockout.max_attempts);
            q.push(" THEN ").bind(now).push(" + CASE lockouts");
            let (last, earlier) = lockout.locks_ms.split_last().unwrap_or((&0, &[]));
            for (n, ms) in (0_i32..).zip(earlier) {
                q.push(" WHEN ").bind(n).push(" THEN ").bind(*ms);
            }
            q.push(" ELSE ").bind(*last).push(" END");
            q.push(" WHEN ");
            lapsed(q);
            q.push(" THEN NULL ELSE locked_until END");
            q.push(" WHERE id = ").bind(id.to_owned());
            q.push(" AND (locked_until IS NULL OR locked_until <= ")
                .bind(now)
                .push(") RETURNING failed_attempts");
        })
        .await?;
        Ok(row.map(|(n,)| n))
    }

    async fn record_step_up_failure(
        &self,
        id: &str,
        token_hash: &str,
        max: i32,
        now: i64,
    ) -> StoreResult<i32> {
        let mut tx = self.pool.begin().await?;
        let row: Option<(i32,)> = fetch_optional(&mut *tx, |q| {
            q.push("UPDATE operators SET step_up_failures = step_up_failures + 1 WHERE id = ")
                .bind(id.to_owned())
                .push(" RETURNING step_up_failures");
        })
        .await?;
        let Some((failures,)) = row else {
            return Ok(0);
        };
        if failures >= max {
            execute(&mut *tx, |q| {
                q.push("UPDATE operators SET step_up_failures = 0 WHERE id = ")
                    .bind(id.to_owned());
            })
            .await?;
            execute(&mut *tx, |q| {
                q.push("UPDATE sessions SET revoked_at = ").bind(now);
                q.push(" WHERE revoked_at IS NULL AND token_hash = ")
                    .bind(token_hash.to_owned());
            })
            .await?;
        }
        tx.commit().await?;
        Ok(failures)
    }

    async fn record_sign_in(&self, id: &str, step: i64, now: i64) -> StoreResult<bool> {
        let row: Option<(String,)> = fetch_optional(&self.pool, |q| {
            q.push("UPDATE operators SET failed_attempts = 0, locked_until = NULL, lockouts = 0, ");
            q.push("last_sign_in_at = ").bind(now);
            q.push(", totp_last_step = ").bind(step);
            q.push(" WHERE id = ").bind(id.to_owned());
            q.push(" AND totp_last_step < ")
                .bind(step)
                .push(" RETURNING id");
        })
        .await?;
        Ok(row.is_some())
    }

    async fn set_own_password(&self, id: &str, password_hash: &str) -> StoreResult<()> {
        execute(&self.pool, |q| {
            q.push("UPDATE operators SET password_hash = ")
                .bind(password_hash.to_owned());
            q.push(", must_change_password = 0, version = version + 1 WHERE id = ")
                .bind(id.to_owned());
        })
        .await
    }

    async fn create_session(&self, s: &SessionRow) -> StoreResult<()> {
        execute(&self.pool, |q| {
            q.push(
                "INSERT INTO sessions (token_hash, operator_id, created_at, last_seen_at, \
                 expires_at, revoked_at, id)",
            );
            q.values(std::slice::from_ref(s), |t, s| {
                t.bind(s.token_hash.clone())
                    .bind(s.operator_id.clone())
                    .bind(s.created_at)
                    .bind(s.last_seen_at)
                    .bind(s.expires_at)
                    .bind(s.revoked_at)
                    .bind(s.public_id());
            });
        })
        .await
    }

    async fn session(&self, token_hash: &str) -> StoreResult<Option<SessionRow>> {
        fetch_optional(&self.pool, |q| {
            q.push(
                "SELECT s.token_hash, s.operator_id, s.created_at, s.last_seen_at, s.expires_at, \
                 s.revoked_at, o.role, o.display_name \
                 FROM sessions s JOIN operators o ON o.id = s.operator_id \
                 WHERE o.disabled_at IS NULL AND s.token_hash = ",
            )
            .bind(token_hash.to_owned());
        })
        .await
    }

    async fn touch_session(&self, token_hash: &str, now: i64) -> StoreResult<()> {
        execute(&self.pool, |q| {
            q.push("UPDATE sessions SET last_seen_at = ").bind(now);
            q.push(" WHERE token_hash = ").bind(token_hash.to_owned());
            q.push(" AND last_seen_at < ").bind(now);
        })
        .await
    }

    async fn revoke_session(&self, token_hash: &str, now: i64) -> StoreResult<()> {
        execute(&self.pool, |q| {
            q.push("UPDATE sessions SET revoked_at = ").bind(now);
            q.push(" WHERE token_hash = ").bind(token_hash.to_owned());
            q.push(" AND revoked_at IS NULL");
        })
        .await
    }

    async fn accounts(
        &self,
        f: &AccountFilter,
        page: &PageRequest,
    ) -> StoreResult<Vec<AccountRow>> {
        let order: &[(&str, Dir)] = match f.sort {
            AccountSort::Id => &[("a.id", Dir::Asc)],
            AccountSort::ScoreAsc => &[("a.score", Dir::Asc), ("a.id", Dir::Asc)],
            AccountSort::ScoreDesc => &[("a.score", Dir::Desc), ("a.id", Dir::Desc)],
            AccountSort::UtilisationDesc => &[("a.utilisation_bp", Dir::Desc), ("a.id", Dir::Desc)],
            AccountSort::DpdDesc => &[("a.dpd", Dir::Desc), ("a.id", Dir::Desc)],
            AccountSort::LimitDesc => &[("a.limit_fen", Dir::Desc), ("a.id", Dir::Desc)],
        };
        fetch_page(&self.pool, ACCOUNT_FIELDS, order, page, |q| {
            q.push(ACCOUNT_FROM);
            match &f.search {
                Some(AccountSearch::Id(id)) => {
                    q.and().push("a.id = ").bind(*id);
                }
                Some(AccountSearch::PhoneTail(tail)) => {
                    q.and().push("c.phone_tail = ").bind(tail.clone());
                }
                Some(AccountSearch::NamePrefix(prefix)) => {
                    q.and()
                        .push("c.name_masked LIKE ")
                        .bind(format!("{}%", escape_like(prefix)));
                    q.push(" ESCAPE '\\'");
                }
                None => {}
            }
            eq(q, "a.grade", &f.grade);
            eq(q, "a.status", &f.status);
            eq(q, "c.city", &f.city);
            if let Some((lo, hi)) = f.dpd_range {
                q.and().push("a.dpd >= ").bind(lo);
                if let Some(hi) = hi {
                    q.push(" AND a.dpd <= ").bind(hi);
                }
            }
            cmp(q, "a.utilisation_bp >= ", f.utilisation_min_bp);
            cmp(q, "a.utilisation_bp <= ", f.utilisation_max_bp);
        })
        .await?
        .into_iter()
        .map(|row| self.opened_account(row))
        .collect()
    }

    async fn account(&self, id: i64) -> StoreResult<Option<AccountDetailRow>> {
        let row: Option<AccountDetailRow> = fetch_optional(&self.pool, |q| {
            q.push("SELECT ").push(ACCOUNT_FIELDS).push(CUSTOMER_DETAIL);
            q.push(ACCOUNT_FROM).and().push("a.id = ").bind(id);
        })
        .await?;
        row.map(|row| self.opened_detail(row)).transpose()
    }

    async fn owed_before(&self, account_id: i64, before: i64) -> StoreResult<i64> {
        use riskdesk_domain::transaction::{TxKind, TxStatus};
        use strum::IntoEnumIterator;
        let owed: Option<(i64,)> = fetch_optional(&self.pool, |q| {
            // The domain's rule, spelled out as SQL for every kind and status.
            q.push("SELECT CAST(COALESCE(SUM(CASE");
            for kind in TxKind::iter() {
                for status in TxStatus::iter() {
                    let sign = riskdesk_domain::history::owed_change(kind, status, 1);
                    q.push(" WHEN kind = '").push(kind.as_str());
                    q.push("' AND status = '").push(status.as_str());
                    q.push("' THEN ")
                        .push(&sign.to_string())
                        .push(" * amount_fen");
                }
            }
            q.push(" ELSE 0 END), 0) AS BIGINT) FROM transactions WHERE account_id = ")
                .bind(account_id);
            q.push(" AND occurred_at < ").bind(before);
        })
        .await?;
        Ok(owed.map_or(0, |(fen,)| fen))
    }

    async fn transactions(
        &self,
        f: &TransactionFilter,
        page: &PageRequest,
    ) -> StoreResult<Vec<TransactionRow>> {
        let order = &[("occurred_at", Dir::Desc), ("id", Dir::Desc)];
        fetch_page(&self.pool, TRANSACTION_FIELDS, order, page, |q| {
            q.push(" FROM transactions");
            q.and().push("account_id = ").bind(f.account_id);
            eq(q, "kind", &f.kind);
            eq(q, "status", &f.status);
            cmp(q, "occurred_at >= ", f.from);
            cmp(q, "occurred_at < ", f.to);
            cmp(q, "amount_fen >= ", f.amount_min_fen);
            cmp(q, "amount_fen <= ", f.amount_max_fen);
            if let Some(merchant) = &f.merchant {
                q.and().push("LOWER(merchant) LIKE ");
                q.bind(format!("%{}%", escape_like(&merchant.to_lowercase())));
                q.push(" ESCAPE '\\'");
            }
        })
        .await
    }

    async fn alerts(&self, f: &AlertFilter, page: &PageRequest) -> StoreResult<Vec<AlertRow>> {
        let order: &[(&str, Dir)] = match f.order {
            AlertSort::Severity => &[
                ("severity_rank", Dir::Desc),
                ("created_at", Dir::Asc),
                ("id", Dir::Asc),
            ],
            AlertSort::Newest => &[("created_at", Dir::Desc), ("id", Dir::Desc)],
            AlertSort::Oldest => &[("created_at", Dir::Asc), ("id", Dir::Asc)],
        };
        fetch_page(&self.pool, ALERT_FIELDS, order, page, |q| {
            alert_conditions(q, f)
        })
        .await
    }

    async fn blacklist(
        &self,
        f: &BlacklistFilter,
        page: &PageRequest,
    ) -> StoreResult<Vec<BlacklistRow>> {
        fetch_page(
            &self.pool,
            BLACKLIST_FIELDS,
            &[("id", Dir::Desc)],
            page,
            |q| {
                q.push(" FROM blacklist");
                q.and().push("removed_at IS NULL");
                eq(q, "kind", &f.kind);
                if let Some(text) = &f.text {
                    let pattern = format!("%{}%", escape_like(text));
                    q.and()
                        .push("(value LIKE ")
                        .bind(pattern.clone())
                        .push(" ESCAPE '\\'");
                    q.push(" OR reason LIKE ")
                        .bind(pattern)
                        .push(" ESCAPE '\\')");
                }
                if let Some(now) = f.live_at {
                    q.and()
                        .push("(expires_at IS NULL OR expires_at > ")
                        .bind(now)
                        .push(")");
                }
                if f.removal_pending {
                    q.and().push("removal_requested_by IS NOT NULL");
                }
            },
        )
        .await
    }

    async fn limit_changes(
        &self,
        f: &LimitChangeFilter,
        page: &PageRequest,
    ) -> StoreResult<Vec<LimitChangeRow>> {
        fetch_page(
            &self.pool,
            LIMIT_CHANGE_FIELDS,
            &[("id", Dir::Desc)],
            page,
            |q| {
                q.push(" FROM limit_changes");
                eq(q, "status", &f.status);
                cmp(q, "account_id = ", f.account_id);
            },
        )
        .await
    }

    async fn disputes(
        &self,
        f: &DisputeFilter,
        page: &PageRequest,
    ) -> StoreResult<Vec<DisputeRow>> {
        fetch_page(
            &self.pool,
            DISPUTE_FIELDS,
            &[("id", Dir::Desc)],
            page,
            |q| {
                q.push(" FROM disputes");
                eq(q, "status", &f.status);
                cmp(q, "account_id = ", f.account_id);
            },
        )
        .await
    }

    async fn alert_counts(&self, f: &AlertFilter) -> StoreResult<Vec<StatusCount>> {
        let unfiltered = AlertFilter {
            status: None,
            ..f.clone()
        };
        fetch_rows(
            &self.pool,
            "status, COUNT(*) AS count",
            &[("status", Dir::Asc)],
            |q| {
                alert_conditions(q, &unfiltered);
                q.push(" GROUP BY status");
            },
        )
        .await
    }

    async fn blacklist_matches(
        &self,
        probe: &BlacklistProbe,
        now: i64,
    ) -> StoreResult<Vec<BlacklistRow>> {
        let used = |q: &mut Query<'_, DB>, kind: &str, column: &str| {
            q.push(" OR (kind = '")
                .push(kind)
                .push("' AND value IN (SELECT ");
            q.push(column)
                .push(" FROM transactions WHERE account_id = ")
                .bind(probe.account_id)
                .push("))");
        };
        fetch_rows(&self.pool, BLACKLIST_FIELDS, &[("id", Dir::Desc)], |q| {
            q.push(" FROM blacklist");
            q.and().push("removed_at IS NULL");
            q.and()
                .push("(expires_at IS NULL OR expires_at > ")
                .bind(now)
                .push(")");
            q.and().push("((kind = 'customer' AND value = ");
            q.bind(probe.customer_id.to_string()).push(")");
            for (kind, value) in [
                ("phone", &probe.phone),
                ("national_id_hash", &probe.national_id_hash),
                ("geo_area", &probe.geo_area),
            ] {
                q.push(" OR (kind = '").push(kind).push("' AND value = ");
                q.bind(value.clone()).push(")");
            }
            used(q, "device", "device_id");
            used(q, "ip", "ip");
            used(q, "merchant", "merchant");
            q.push(") ORDER BY id DESC LIMIT ")
                .bind(i64::from(riskdesk_api::MAX_PAGE_SIZE));
        })
        .await
    }

    async fn add_service_client(&self, c: &ServiceClientRow) -> StoreResult<()> {
        execute(&self.pool, |q| {
            q.push("INSERT INTO service_clients (id, key_hash, created_at, revoked_at)");
            q.values(std::slice::from_ref(c), |t, c| {
                t.bind(c.id.clone())
                    .bind(c.key_hash.clone())
                    .bind(c.created_at)
                    .bind(c.revoked_at);
            });
        })
        .await
    }

    async fn service_client(&self, key_hash: &str) -> StoreResult<Option<ServiceClientRow>> {
        fetch_optional(&self.payments, |q| {
            q.push("SELECT id, key_hash, created_at, revoked_at FROM service_clients")
                .and()
                .push("key_hash = ")
                .bind(key_hash.to_owned());
        })
        .await
    }

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
            q.push(" AS ip, (SELECT CAST(").push(aggregate);
            q.push("(amount_fen) AS TEXT) FROM (SELECT amount_fen FROM transactions");
            q.push(" WHERE account_id = ").bind(c.account_id);
            q.push(" AND kind = 'purchase' AND status IN ('authorized', 'settled', 'refunded')");
            q.push(" AND occurred_at < ").bind(c.at);
            q.push(" ORDER BY occurred_at DESC LIMIT ")
                .bind(TYPICAL_PURCHASES);
            q.push(") AS recent) AS recent, (SELECT COUNT(*) FROM (SELECT 1 FROM transactions");
            q.push(" WHERE account_id = ").bind(c.account_id);
            q.push(" AND device_id = ").bind(c.device_id.clone());
            q.push(" AND occurred_at < ").bind(c.at);
            q.push(" LIMIT 1) AS seen) AS seen, (SELECT CAST(")
                .push(aggregate)
                .push("(")
                .push(object)
                .push("(");
            let pairs: Vec<String> = BLACKLIST_FIELDS
                .split(',')
                .map(|f| format!("'{0}', {0}", f.trim()))
                .collect();
            q.push(&pairs.join(", "));
            q.push(")) AS TEXT) FROM blacklist WHERE removed_at IS NULL");
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
        let r = &w.transaction;
        let mut tx = self.begin_payment().await?;
        // The account's line, locked: authorizations on one account queue here.
        let line: Option<(String, i64, i64, i64, i64, String)> = fetch_optional(&mut *tx, |q| {
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
            return Ok(Err(Refusal::NoAccount));
        };
        if lapsable > 0 {
            let lapsed = Self::release_lapsed(&mut tx, Some(r.account_id), w.now).await?;
            frozen -= lapsed.iter().map(|(_, fen)| fen).sum::<i64>();
        }
        let mut available = limit - used - frozen;
        let mut row = r.clone();
        row.grade = Some(grade.clone());
        // Declined here, and why; a decline by the rules arrives as one.
        let refused = if status != "active" {
            Some("account_not_active")
        } else if row.decision.as_deref() == Some("decline") {
            None
        } else if available < row.amount_fen {
            Some("insufficient_limit")
        } else {
            let reserved: Option<(i64, i64)> = fetch_optional(&mut *tx, |q| {
                q.push("UPDATE accounts SET ");
                move_used(q, row.amount_fen);
                q.push(", version = version + 1 WHERE id = ")
                    .bind(r.account_id);
                q.push(" AND limit_fen - used_fen - frozen_fen >= ")
                    .bind(row.amount_fen);
                q.push(LINE_AFTER);
            })
            .await?;
            match reserved {
                Some((after, _)) => {
                    available = after;
                    None
                }
                None => Some("insufficient_limit"),
            }
        };
        if let Some(why) = refused {
            row.status = "declined".to_owned();
            row.decision = Some("decline".to_owned());
            row.decline_reason = Some(why.to_owned());
        }
        let inserted: Result<Option<(i64,)>, _> = fetch_optional(&mut *tx, |q| {
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
            // The order was seen before: its first answer (a retry finds out
            // here, after the work, so that a first attempt saves a round trip).
            Err(e) if is_unique_violation(&e) => {
                tx.rollback().await?;
                return Ok(Ok(Self::earlier(
                    &self.payments,
                    &r.order_id,
                    &w.request_hash,
                )
                .await?));
            }
            Err(e) => return Err(e),
        };
        metrics::count_authorization::<DB>(&mut *tx, transaction_id, r.occurred_at).await?;
        let mut alerts = Vec::new();
        for alert in &w.alerts {
            let id: Option<(i64,)> = fetch_optional(&mut *tx, |q| {
                q.push(
                    "INSERT INTO alerts (account_id, transaction_id, rule, severity_rank, status, \
                     amount_fen, evidence, created_at, sla_due_at, grade) SELECT ",
                );
                q.bind(r.account_id).push(", ").bind(transaction_id);
                q.push(", ").bind(alert.rule.clone());
                q.push(", ").bind(alert.severity_rank).push(", 'open', ");
                q.bind(r.amount_fen).push(", ").bind(alert.evidence.clone());
                q.push(", ").bind(r.occurred_at);
                q.push(", ").bind(r.occurred_at + alert.sla_ms);
                q.push(", ").bind(grade.clone());
                q.push(" WHERE NOT EXISTS (SELECT 1 FROM alerts WHERE account_id = ")
                    .bind(r.account_id);
                q.push(" AND rule = ").bind(alert.rule.clone());
                q.push(" AND status <> 'closed' AND created_at > ")
                    .bind(r.occurred_at - w.dedup_ms);
                q.push(") RETURNING id");
            })
            .await?;
            if let Some((id,)) = id {
                metrics::count_alert::<DB>(&mut *tx, id, metrics::AlertStep::Raised).await?;
                alerts.push((id, alert.rule.clone()));
            }
        }
        let mut freeze = None;
        if let Some(plan) = w.freeze.as_ref().filter(|_| row.decline_reason.is_none()) {
            let amount =
                Money::from_fen(available).map_or(0, |a| frozen_share(a, plan.percent).fen());
            let live: Option<(i64,)> = fetch_optional(&mut *tx, |q| {
                q.push("SELECT id FROM freezes WHERE account_id = ")
                    .bind(r.account_id);
                q.push(" AND source = 'system' AND released_at IS NULL LIMIT 1");
            })
            .await?;
            // One engine freeze at a time: frequent spending does not stack them.
            if amount > 0 && live.is_none() {
                let id: Option<(i64,)> = fetch_optional(&mut *tx, |q| {
                    q.push(
                        "INSERT INTO freezes (account_id, amount_fen, reason, source, \
                         created_by, transaction_id, created_at, lapses_at)",
                    );
                    q.values(&[()], |t, ()| {
                        t.bind(r.account_id)
                            .bind(amount)
                            .bind(plan.reason.clone())
                            .bind("system".to_owned())
                            .bind("engine".to_owned())
                            .bind(transaction_id)
                            .bind(w.now)
                            .bind(plan.lapses_at);
                    });
                    q.push(" RETURNING id");
                })
                .await?;
                let after: Option<(i64, i64)> = fetch_optional(&mut *tx, |q| {
                    q.push("UPDATE accounts SET frozen_fen = frozen_fen + ")
                        .bind(amount);
                    q.push(", version = version + 1 WHERE id = ")
                        .bind(r.account_id);
                    q.push(LINE_AFTER);
                })
                .await?;
                if let (Some((id,)), Some((after, _))) = (id, after) {
                    available = after;
                    freeze = Some(FreezeRecord {
                        id,
                        amount_fen: amount,
                        lapses_at: Some(plan.lapses_at),
                    });
                }
            }
        }
        let outcome = Authorized {
            transaction_id,
            status: row.status,
            decision: row.decision.unwrap_or_default(),
            decline_reason: row.decline_reason.clone(),
            rule_hits: row.rule_hits,
            available_fen: available,
            freeze,
            alerts,
        };
        match Self::record_outcome(&mut tx, &r.order_id, &w.request_hash, w.now, &outcome).await {
            Ok(()) => {}
            // The id is a refund's or repayment's key: another request.
            Err(e) if is_unique_violation(&e) => {
                tx.rollback().await?;
                return Ok(Ok(Idempotent::Mismatch));
            }
            Err(e) => return Err(e),
        }
        tx.commit().await?;
        Ok(Ok(Idempotent::Done(outcome)))
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
        let mut tx = self.begin_payment().await?;
        if let Some(earlier) =
            Self::claim_key(&mut tx, &m.key, &m.request_hash, m.occurred_at).await?
        {
            return Ok(Ok(earlier));
        }
        let record = match Self::refund_payment(&mut tx, Payment::Order(order_id), m).await? {
            Ok(Some(record)) => record,
            Ok(None) => return Ok(Ok(Idempotent::Mismatch)),
            Err(refusal) => return Ok(Err(refusal)),
        };
        Self::save_outcome(&mut tx, &m.key, &record).await?;
        tx.commit().await?;
        Ok(Ok(Idempotent::Done(record)))
    }

    async fn repay(
        &self,
        account_id: i64,
        m: &MoneyBack,
    ) -> StoreResult<Result<Idempotent<LedgerRecord>, Refusal>> {
        let mut tx = self.begin_payment().await?;
        if let Some(earlier) =
            Self::claim_key(&mut tx, &m.key, &m.request_hash, m.occurred_at).await?
        {
            return Ok(Ok(earlier));
        }
        let owed: Option<(i64,)> = fetch_optional(&mut *tx, |q| {
            q.push("SELECT outstanding_fen FROM accounts WHERE id = ")
                .bind(account_id);
        })
        .await?;
        let Some((owed,)) = owed else {
            return Ok(Err(Refusal::NoAccount));
        };
        if m.amount_fen > owed {
            let cny = |fen| Money::from_fen(fen).unwrap_or_default().display_cny();
            return Ok(Err(Refusal::Amount(format!(
                "{} is more than the outstanding {}",
                cny(m.amount_fen),
                cny(owed)
            ))));
        }
        let repayment = TransactionRow::ledger(
            account_id,
            "repayment",
            m.key.clone(),
            "还款 repayment",
            m.amount_fen,
            m.occurred_at,
        );
        let Some(transaction_id) = Self::insert_ledger_row(&mut tx, &repayment, None).await? else {
            return Ok(Ok(Idempotent::Mismatch));
        };
        let record = Self::pay_back(&mut tx, account_id, transaction_id, m.amount_fen).await?;
        Self::save_outcome(&mut tx, &m.key, &record).await?;
        tx.commit().await?;
        Ok(Ok(Idempotent::Done(record)))
    }

    async fn release_lapsed_freezes(&self, now: i64) -> StoreResult<u64> {
        let mut tx = self.begin_write().await?;
        let lapsed = Self::release_lapsed(&mut tx, None, now).await?;
        tx.commit().await?;
        Ok(lapsed.len() as u64)
    }

    async fn freezes(&self, account_id: i64) -> StoreResult<Vec<FreezeRow>> {
        fetch_rows(&self.pool, FREEZE_FIELDS, &[("id", Dir::Desc)], |q| {
            q.push(" FROM freezes");
            q.and().push("account_id = ").bind(account_id);
        })
        .await
    }

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
        let rows: Vec<AccountDetailRow> = fetch_all(&self.pool, |q| {
            q.push("SELECT ").push(ACCOUNT_FIELDS).push(CUSTOMER_DETAIL);
            q.push(ACCOUNT_FROM).and().push("a.id > ").bind(after_id);
            q.push(" ORDER BY a.id LIMIT ").bind(i64::from(limit));
        })
        .await?;
        rows.into_iter()
            .map(|row| self.opened_detail(row))
            .collect()
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
                inserted += 1;
            }
        }
        tx.commit().await?;
        Ok(inserted)
    }

    async fn expire_limit_changes(&self, now: i64) -> StoreResult<u64> {
        let mut tx = self.begin_write().await?;
        let expired: Vec<(i64,)> = fetch_all(&mut *tx, |q| {
            q.push("UPDATE limit_changes SET status = 'expired', version = version + 1");
            q.and().push("status = 'pending'");
            q.and().push("expires_at <= ").bind(now);
            q.push(" RETURNING id");
        })
        .await?;
        for (id,) in &expired {
            metrics::count_limit_change::<DB>(&mut tx, *id, LimitChangeStep::Decided).await?;
        }
        tx.commit().await?;
        Ok(expired.len() as u64)
    }

    async fn triage_alerts(&self, triage: &[AlertTriage]) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        for t in triage {
            execute(&mut *tx, |q| {
                q.push("UPDATE alerts SET status = ").bind(t.status.clone());
                q.push(", assignee = ").bind(t.assignee.clone());
                q.push(", disposition = ").bind(t.disposition.clone());
                q.push(", escalated_by = ").bind(t.escalated_by.clone());
                q.push(", version = version + 1");
                q.and().push("id = ").bind(t.id);
            })
            .await?;
        }
        tx.commit().await
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

/// Fixed statements, one after the other, each outside any transaction.
async fn execute_each<DB>(pool: &Pool<DB>, statements: &[&str]) -> StoreResult<()>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
{
    for statement in statements {
        execute(pool, |q| {
            q.push(statement);
        })
        .await?;
    }
    Ok(())
}

/// The ledger's steps inside a database transaction, shared by its writes.
impl<DB> SqlStore<DB>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    i32: Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB>,
    i64: Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB>,
    String: Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB>,
    Option<i64>: Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB>,
    Option<f64>: Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB>,
    Option<String>: Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB>,
    usize: ColumnIndex<DB::Row>,
{
    /// A transaction that writes: on SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so that what it reads first cannot go stale
    /// before it writes; PostgreSQL locks the rows it reads `FOR UPDATE`.
    async fn begin_write(&self) -> StoreResult<sqlx::Transaction<'static, DB>> {
        Self::begin_write_on(&self.pool).await
    }

    /// A write transaction of the payment channel.
    async fn begin_payment(&self) -> StoreResult<sqlx::Transaction<'static, DB>> {
        Self::begin_write_on(&self.payments).await
    }

    async fn begin_write_on(pool: &Pool<DB>) -> StoreResult<sqlx::Transaction<'static, DB>> {
        if DB::NAME == "SQLite" {
            pool.begin_with("BEGIN IMMEDIATE").await
        } else {
            pool.begin().await
        }
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

    /// Records the outcome under its order id, for retries.
    async fn record_outcome(
        tx: &mut sqlx::Transaction<'static, DB>,
        key: &str,
        request_hash: &str,
        now: i64,
        outcome: &(impl serde::Serialize + Sync),
    ) -> StoreResult<()> {
        let json = serde_json::to_string(outcome).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        execute(&mut **tx, |q| {
            q.push("INSERT INTO idempotency (scope, key, request_hash, outcome, created_at)");
            q.values(&[()], |t, ()| {
                t.bind("order".to_owned())
                    .bind(key.to_owned())
                    .bind(request_hash.to_owned())
                    .bind(json.clone())
                    .bind(now);
            });
        })
        .await
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
        if status != "settled" {
            return Ok(Err(Refusal::State(format!(
                "the payment is {status}; only a settled payment can be refunded{}",
                if status == "authorized" {
                    " (reverse it instead)"
                } else {
                    ""
                }
            ))));
        }
        let (refunded,): (i64,) = fetch_optional(&mut **tx, |q| {
            q.push("SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM transactions");
            q.and().push("refund_of = ").bind(payment_id);
        })
        .await?
        .unwrap_or((0,));
        if refunded + amount_fen > amount {
            let cny = |fen| Money::from_fen(fen).unwrap_or_default().display_cny();
            return Ok(Err(Refusal::Amount(format!(
                "{} more would refund {} of a {} payment ({} refunded already)",
                cny(amount_fen),
                cny(refunded + amount_fen),
                cny(amount),
                cny(refunded)
            ))));
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

    /// Releases the freezes whose lapse time has come (of one account, or
    /// all) and takes them off the accounts' `frozen_fen`; returns (account,
    /// fen) for each. Marking the freezes first makes a concurrent release
    /// skip them.
    async fn release_lapsed(
        tx: &mut sqlx::Transaction<'static, DB>,
        account_id: Option<i64>,
        now: i64,
    ) -> StoreResult<Vec<(i64, i64)>> {
        let lapsed: Vec<(i64, i64)> = fetch_all(&mut **tx, |q| {
            q.push(
                "UPDATE freezes SET released_at = lapses_at, released_by = 'lapsed', \
                 version = version + 1",
            );
            q.and().push("released_at IS NULL");
            q.and().push("lapses_at <= ").bind(now);
            if let Some(account_id) = account_id {
                q.and().push("account_id = ").bind(account_id);
            }
            q.push(" RETURNING account_id, amount_fen");
        })
        .await?;
        let mut per_account = std::collections::BTreeMap::<i64, i64>::new();
        for (account, fen) in &lapsed {
            *per_account.entry(*account).or_default() += fen;
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
        let mut tx = self.begin_payment().await?;
        let moved: Option<(i64, i64, i64)> = fetch_optional(&mut *tx, |q| {
            q.push("UPDATE transactions SET status = ")
                .bind(to.to_owned());
            q.and().push("order_id = ").bind(order_id.to_owned());
            q.and().push("kind = 'purchase' AND status = 'authorized'");
            q.push(" RETURNING id, account_id, amount_fen");
        })
        .await?;
        let (transaction_id, account_id) = match moved {
            Some((id, account_id, amount)) => {
                execute(&mut *tx, |q| {
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
                let payment: Option<(i64, i64, String)> = fetch_optional(&mut *tx, |q| {
                    q.push("SELECT id, account_id, status FROM transactions");
                    q.and().push("order_id = ").bind(order_id.to_owned());
                    q.and().push("kind = 'purchase'");
                })
                .await?;
                match payment {
                    None => return Ok(Err(Refusal::NoPayment)),
                    Some((id, account_id, status)) if status == to => (id, account_id),
                    Some((_, _, status)) => {
                        return Ok(Err(Refusal::State(format!(
                            "the payment is {status}; only an authorized payment can be {to}"
                        ))));
                    }
                }
            }
        };
        let (available_fen, outstanding_fen): (i64, i64) = fetch_optional(&mut *tx, |q| {
            q.push("SELECT limit_fen - used_fen - frozen_fen, outstanding_fen FROM accounts");
            q.and().push("id = ").bind(account_id);
        })
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
        tx.commit().await?;
        Ok(Ok(LedgerRecord {
            transaction_id,
            status: to.to_owned(),
            available_fen,
            outstanding_fen,
        }))
    }
}

/// Locks the rows a write transaction reads, on PostgreSQL; SQLite's
/// `BEGIN IMMEDIATE` already holds the database.
fn for_update<DB: Database>() -> &'static str {
    if DB::NAME == "PostgreSQL" {
        " FOR UPDATE"
    } else {
        ""
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
        .bind(r.grade.clone());
}

/// `limit − used − frozen` and what is owed, as ledger results report them.
const LINE_AFTER: &str = " RETURNING limit_fen - used_fen - frozen_fen, outstanding_fen";

/// `used_fen` and `utilisation_bp` after `used_fen` moves by `delta` fen.
fn move_used<'q, DB: Database>(q: &mut Query<'q, DB>, delta: i64)
where
    i64: Type<DB> + Encode<'q, DB>,
{
    q.push("used_fen = used_fen + ").bind(delta);
    q.push(", utilisation_bp = CASE WHEN limit_fen = 0 THEN 0 ELSE (used_fen + ")
        .bind(delta)
        .push(") * 10000 / limit_fen END");
}

/// Whether a failed statement broke a unique constraint.
fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|d| d.is_unique_violation())
}

/// ` FROM alerts WHERE …` for an alert filter.
fn alert_conditions<'q, DB: Database>(q: &mut Query<'q, DB>, f: &AlertFilter)
where
    String: Type<DB> + Encode<'q, DB>,
    i64: Type<DB> + Encode<'q, DB>,
{
    q.push(" FROM alerts");
    eq(q, "status", &f.status);
    eq(q, "rule", &f.rule);
    cmp(q, "severity_rank = ", f.severity_rank.map(i64::from));
    match &f.assignee {
        Some(Assignee::Nobody) => {
            q.and().push("assignee IS NULL");
        }
        Some(Assignee::Operator(id)) => {
            q.and().push("assignee = ").bind(id.clone());
        }
        None => {}
    }
    cmp(q, "account_id = ", f.account_id);
    cmp(q, "created_at >= ", f.created_from);
    cmp(q, "created_at <= ", f.created_to);
}

/// `AND column = value` when a value is given.
fn eq<'q, DB: Database>(q: &mut Query<'q, DB>, column: &str, value: &Option<String>)
where
    String: Type<DB> + Encode<'q, DB>,
{
    if let Some(value) = value {
        q.and().push(column).push(" = ").bind(value.clone());
    }
}

/// `AND <column_and_operator> value` when a value is given; the first
/// argument is trusted SQL such as `"amount_fen >= "`.
fn cmp<'q, DB: Database>(q: &mut Query<'q, DB>, column_and_operator: &str, value: Option<i64>)
where
    i64: Type<DB> + Encode<'q, DB>,
{
    if let Some(value) = value {
        q.and().push(column_and_operator).bind(value);
    }
}

/// Runs a keyset-paged list: `build` writes ` FROM … WHERE …` for a query
/// selecting `fields`; the page condition, order and limit are added here.
async fn fetch_page<'c, DB, T, E>(
    executor: E,
    fields: &str,
    order: &[(&str, Dir)],
    page: &PageRequest,
    build: impl FnOnce(&mut Query<'_, DB>) + Send,
) -> StoreResult<Vec<T>>
where
    DB: Database,
    E: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    i64: Type<DB> + for<'q> Encode<'q, DB>,
    Option<String>: Type<DB> + for<'r> Decode<'r, DB>,
    usize: ColumnIndex<DB::Row>,
    T: DeserializeOwned,
{
    fetch_rows(executor, fields, order, |q| {
        build(q);
        page_after(q, order, page);
    })
    .await
}

/// Runs `SELECT fields` + `build` and decodes its rows, kept in `order`
/// (with no `order`, in whatever order the aggregate gives: the caller sorts).
///
/// The rows come back as one JSON array in one result row, its objects
/// decoded by field name. sqlx's SQLite driver hands each result row from its
/// worker thread to the async task separately, and for a page of 50 that
/// hand-over cost more than the query itself (docs/benchmarks.md).
async fn fetch_rows<'c, DB, T, E>(
    executor: E,
    fields: &str,
    order: &[(&str, Dir)],
    build: impl FnOnce(&mut Query<'_, DB>) + Send,
) -> StoreResult<Vec<T>>
where
    DB: Database,
    E: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    Option<String>: Type<DB> + for<'r> Decode<'r, DB>,
    usize: ColumnIndex<DB::Row>,
    T: DeserializeOwned,
{
    let names: Vec<&str> = fields.split(',').map(|f| bare(f.trim())).collect();
    let (aggregate, object) = json_functions::<DB>();
    let pairs: Vec<String> = names.iter().map(|n| format!("'{n}', {n}")).collect();
    let outer_order: Vec<String> = order
        .iter()
        .map(|(column, dir)| {
            format!(
                "{} {}",
                bare(column),
                if *dir == Dir::Asc { "ASC" } else { "DESC" }
            )
        })
        .collect();
    let row: Option<(Option<String>,)> = fetch_optional(executor, |q| {
        q.push("SELECT CAST(")
            .push(aggregate)
            .push("(")
            .push(object)
            .push("(");
        q.push(&pairs.join(", ")).push(")");
        if !outer_order.is_empty() {
            q.push(" ORDER BY ").push(&outer_order.join(", "));
        }
        q.push(") AS TEXT) FROM (SELECT ").push(fields);
        build(q);
        q.push(") AS rows");
    })
    .await?;
    json_list(row.and_then(|(json,)| json))
}

/// A JSON array column; NULL is an empty list.
fn json_list<T: DeserializeOwned>(json: Option<String>) -> StoreResult<Vec<T>> {
    match json {
        Some(json) => serde_json::from_str(&json).map_err(|e| sqlx::Error::Decode(Box::new(e))),
        None => Ok(Vec::new()),
    }
}

/// The backend's JSON array aggregate and object constructor.
fn json_functions<DB: Database>() -> (&'static str, &'static str) {
    if DB::NAME == "PostgreSQL" {
        ("json_agg", "json_build_object")
    } else {
        ("json_group_array", "json_object")
    }
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

/// Outside the inner query, columns go by their bare names (`a.score` is
/// `score`, `COUNT(*) AS count` is `count`).
fn bare(column: &str) -> &str {
    let named = column.rsplit(" AS ").next().unwrap_or(column);
    named.rsplit('.').next().unwrap_or(named)
}

/// Appends the keyset condition ("after the previous page's last row"), the
/// ORDER BY and the LIMIT. Sort keys are integers and the last one is unique,
/// so a page never skips or repeats a row, and a deep page costs what the
/// first does.
fn page_after<'q, DB: Database>(q: &mut Query<'q, DB>, order: &[(&str, Dir)], page: &PageRequest)
where
    i64: Type<DB> + Encode<'q, DB>,
{
    if let Some(after) = page.after.as_ref().filter(|a| a.len() == order.len()) {
        q.and();
        after_keys(q, order, after);
    }
    q.push(" ORDER BY ");
    for (i, (column, dir)) in order.iter().enumerate() {
        q.push(if i == 0 { "" } else { ", " }).push(column);
        q.push(if *dir == Dir::Asc { " ASC" } else { " DESC" });
    }
    q.push(" LIMIT ").bind(i64::from(page.limit));
}

/// Mixed directions are spelled out: `(a < x OR (a = x AND (b > y)))`.
fn after_keys<'q, DB: Database>(q: &mut Query<'q, DB>, order: &[(&str, Dir)], after: &[i64])
where
    i64: Type<DB> + Encode<'q, DB>,
{
    let Some(((column, dir), rest)) = order.split_first() else {
        return;
    };
    let beyond = if *dir == Dir::Asc { " > " } else { " < " };
    q.push("(").push(column).push(beyond).bind(after[0]);
    if !rest.is_empty() {
        q.push(" OR (")
            .push(column)
            .push(" = ")
            .bind(after[0])
            .push(" AND ");
        after_keys(q, rest, &after[1..]);
        q.push(")");
    }
    q.push(")");
}

/// Escapes LIKE wildcards so that user text matches literally.
fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}
