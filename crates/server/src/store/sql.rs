//! The [`Store`] over sqlx, written once for SQLite and PostgreSQL.
//!
//! Queries are built with [`Query`], which writes each backend's own
//! placeholders, and use only SQL both databases share. Each store trait has
//! its own file below; `#[for_backends]` gives each `impl` the bounds that
//! say which Rust types the backend must carry. This file opens the pools
//! and holds what they share: the core [`Store`] and the write
//! transactions; `fetch.rs` the helpers that read many rows.

use std::str::FromStr;
use std::time::Duration;

use serde::de::DeserializeOwned;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, Postgres};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool, Sqlite, Type};

mod admin;
mod audit;
mod authorizations;
mod backtests;
mod bulk;
mod checkpoints;
mod decisions;
mod end_of_day;
mod events;
mod fetch;
mod gathered;
mod json_rows;
mod lapses;
mod ledger;
mod links;
mod lists;
mod metrics;
mod raised;
mod rule_sets;
mod sealing;
mod sessions;
mod writer;

use riskdesk_store_macros::for_backends;

use self::audit::Entry;
use self::bulk::LargeTables;
use self::fetch::{
    alert_conditions, cmp, eq, escape_like, fetch_as_json, fetch_page, fetch_rows, json_functions,
    json_list,
};
use self::gathered::Gathered;
use self::json_rows::{field, fields, is_one_of, json_objects, json_values, one_of};
use self::metrics::LimitChangeStep;
use super::query::{Query, Tuple, execute, fetch_all, fetch_optional};
use super::*;
use riskdesk_domain::money::Money;

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
    /// The payment path's writes, in batches on `payments` (`writer.rs`).
    writer: writer::Writer<DB>,
    /// Service clients by their key's hash, and accounts by id: read for
    /// every payment, so read together (`gathered.rs`).
    clients: Gathered<String, ServiceClientRow>,
    accounts: Gathered<i64, AccountDetailRow>,
    /// The backtests' large reads of history. On a SQLite file, a
    /// connection of its own, opened by the first job on its niced thread:
    /// SQLite works in the connection's worker thread, which inherits that
    /// thread's priority, so a month of history read in seconds queues
    /// behind payments for the CPU. Elsewhere, the console's pool.
    background: Pool<DB>,
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
            .pragma("temp_store", "memory")
            // No map of the file: a connection unmaps it whenever another
            // has committed since its last read, which under the payment
            // writer's commits cost more than the reads it saves
            // (docs/benchmarks.md).
            .pragma("mmap_size", "0")
            // The log is copied back by a task of its own (`checkpoints.rs`).
            .pragma("wal_autocheckpoint", checkpoints::BACKSTOP_PAGES);
        let pool = SqlitePoolOptions::new()
            .max_connections(if single { 1 } else { 4 })
            // A local file needs no liveness ping before each query; it would
            // double the round trips to SQLite's worker thread.
            .test_before_acquire(false)
            .min_connections(u32::from(single))
            .idle_timeout((!single).then_some(Duration::from_secs(600)))
            .max_lifetime((!single).then_some(Duration::from_secs(3600)))
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("migrations/sqlite").run(&pool).await?;
        let committed: writer::Committed = if single {
            Arc::new(|| {})
        } else {
            let checkpoints = checkpoints::Checkpoints::start(options.clone());
            Arc::new(move || checkpoints.committed())
        };
        // No minimum, idle timeout or lifetime: no maintenance task ever
        // opens this connection on a thread of the runtime.
        let background = if single {
            pool.clone()
        } else {
            SqlitePoolOptions::new()
                .max_connections(1)
                .test_before_acquire(false)
                .min_connections(0)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_lazy_with(options)
        };
        Ok(SqlStore {
            writer: Self::payment_writer(pool.clone(), writer::Commits::PerBatch, committed),
            clients: Self::gathered_clients(pool.clone()),
            accounts: Self::gathered_accounts(pool.clone()),
            payments: pool.clone(),
            background,
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
            writer: Self::payment_writer(
                payments.clone(),
                writer::Commits::PerStep,
                Arc::new(|| {}),
            ),
            clients: Self::gathered_clients(payments.clone()),
            accounts: Self::gathered_accounts(pool.clone()),
            background: pool.clone(),
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
    decline_reason, grade, rules_version, shadow_version, shadow_decision, shadow_hits";
/// The columns a new transaction is written with, its id aside.
const TRANSACTION_INSERT: &str = "account_id, kind, order_id, merchant, category, channel, \
    amount_fen, installments, device_id, ip, lat, lon, city, status, decision, rule_hits, \
    occurred_at, decline_reason, grade, rules_version, shadow_version, shadow_decision, shadow_hits";
const FREEZE_FIELDS: &str = "id, account_id, amount_fen, reason, source, created_by, \
    transaction_id, created_at, lapses_at, released_at, released_by, release_reason, version, findings";
const ALERT_FIELDS: &str = "id, account_id, transaction_id, rule, severity_rank, status, assignee, \
    amount_fen, evidence, disposition, created_at, sla_due_at, version, escalated_by, findings";
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

#[for_backends]
#[async_trait::async_trait]
impl<DB: LargeTables> Store for SqlStore<DB> {
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
        self.background.close().await;
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
                     version, findings)",
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
                        .bind(a.version)
                        .bind(a.findings.clone());
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

/// Write transactions, shared by every writer.
#[for_backends]
impl<DB> SqlStore<DB> {
    /// A transaction that writes: on SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so that what it reads first cannot go stale
    /// before it writes; PostgreSQL locks the rows it reads `FOR UPDATE`.
    async fn begin_write(&self) -> StoreResult<sqlx::Transaction<'static, DB>> {
        Self::begin_write_on(&self.pool).await
    }

    /// Starts the payment path's writer on `pool`.
    fn payment_writer(
        pool: Pool<DB>,
        commits: writer::Commits,
        committed: writer::Committed,
    ) -> writer::Writer<DB> {
        writer::Writer::start(writer::Setup {
            pool,
            begin: Arc::new(|pool| Box::pin(async move { Self::begin_write_on(&pool).await })),
            together: Arc::new(|tx, writes| Box::pin(Self::authorize_together(tx, writes))),
            alone: Arc::new(|tx, write| Box::pin(Self::authorize_in(tx, write))),
            commits,
            committed,
            own_thread: DB::NAME == "SQLite",
        })
    }

    /// Reads service clients by their key's hash on `pool`, gathered.
    fn gathered_clients(pool: Pool<DB>) -> Gathered<String, ServiceClientRow> {
        let fetch = move |hashes: Vec<String>| {
            let pool = pool.clone();
            Box::pin(async move {
                fetch_all(&pool, |q| {
                    q.push("SELECT id, key_hash, created_at, revoked_at FROM service_clients");
                    q.and();
                    is_one_of(q, "key_hash", &hashes, "TEXT");
                })
                .await
            }) as futures_util::future::BoxFuture<'static, _>
        };
        Gathered::start(Arc::new(fetch), |client| client.key_hash.clone())
    }

    /// Reads accounts with their customers by id on `pool`, gathered (sealed
    /// as stored: each reader opens its own).
    fn gathered_accounts(pool: Pool<DB>) -> Gathered<i64, AccountDetailRow> {
        let fetch = move |ids: Vec<i64>| {
            let pool = pool.clone();
            Box::pin(async move {
                fetch_all(&pool, |q| {
                    q.push("SELECT ").push(ACCOUNT_FIELDS).push(CUSTOMER_DETAIL);
                    q.push(ACCOUNT_FROM).and();
                    is_one_of(q, "a.id", &ids, "BIGINT");
                })
                .await
            }) as futures_util::future::BoxFuture<'static, _>
        };
        Gathered::start(Arc::new(fetch), |row| row.account.id)
    }

    /// A write transaction on `pool`.
    async fn begin_write_on(pool: &Pool<DB>) -> StoreResult<sqlx::Transaction<'static, DB>> {
        if DB::NAME == "SQLite" {
            pool.begin_with("BEGIN IMMEDIATE").await
        } else {
            pool.begin().await
        }
    }
}

/// A row the domain does not accept: corrupt data, a 500 naming the row.
fn decode_error(e: anyhow::Error) -> sqlx::Error {
    sqlx::Error::Decode(e.into())
}

/// An amount the store holds, as money (an impossible one is corrupt data).
fn fen(fen: i64) -> StoreResult<Money> {
    Money::from_fen(fen).map_err(|e| decode_error(e.into()))
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

/// Whether a failed statement broke a unique constraint.
fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|d| d.is_unique_violation())
}
