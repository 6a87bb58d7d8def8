//! How the payment path's writes (authorize, settle, reverse, refund,
//! repay) reach the database. Either way a write commits whole or not at
//! all, one that refuses is undone, and its answer is sent only once it
//! committed.
//!
//! - **In batches** (SQLite, where writers take turns on one lock anyway):
//!   one task per store takes the writes in arrival order and runs those
//!   that queued while the last batch was written together, in one
//!   transaction: one lock and one commit for many decisions. Each write
//!   runs inside a savepoint, so one that refuses or fails is undone alone
//!   and the batch goes on; a batch that does not commit answers each of
//!   its writes with the failure. Nothing waits on a timer: under load a
//!   batch is what arrived during the one before.
//! - **Alone** (PostgreSQL): each write in a transaction of its own on the
//!   caller's task, many at once on the pool. A batch there would lock its
//!   accounts and the rollups' shared rows in arrival order, which can
//!   deadlock against another instance's batch or an operator's decision;
//!   batching it needs set-based statements that take them in one order.

use std::any::Any;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use futures_util::future::BoxFuture;
use sqlx::{Database, Pool, Sqlite, Transaction};
use tokio::sync::{mpsc, oneshot};

use super::StoreResult;

/// The most writes in one transaction: enough to spread a commit over
/// many, few enough that the first of them does not wait long.
const BATCH: usize = 64;

/// A transaction of the payment path, as a write sees it.
pub(super) type Tx<DB> = Transaction<'static, DB>;

/// What a write did: its answer, and whether its changes stay.
pub(super) struct Written<T> {
    pub answer: T,
    /// False: undo what it wrote (a refusal, a replay found after work).
    pub keep: bool,
}

impl<T> Written<T> {
    pub fn kept(answer: T) -> Written<T> {
        Written { answer, keep: true }
    }

    pub fn undone(answer: T) -> Written<T> {
        Written {
            answer,
            keep: false,
        }
    }
}

type Work<DB> = Box<
    dyn for<'t> FnOnce(&'t mut Tx<DB>) -> BoxFuture<'t, StoreResult<Written<Box<dyn Any + Send>>>>
        + Send,
>;

pub(super) struct Job<DB: Database> {
    work: Work<DB>,
    answer: oneshot::Sender<StoreResult<Box<dyn Any + Send>>>,
}

/// Opens a write transaction on the pool (on SQLite, one that takes the
/// write lock first).
pub(super) type Begin<DB> =
    Arc<dyn Fn(Pool<DB>) -> BoxFuture<'static, StoreResult<Tx<DB>>> + Send + Sync>;

/// A store's way to the database for the payment path's writes.
pub(super) enum Writer<DB: Database> {
    Batches {
        /// The queue to the writer task.
        jobs: mpsc::UnboundedSender<Job<DB>>,
        /// Transactions begun so far.
        batches: Arc<AtomicU64>,
    },
    Alone {
        pool: Pool<DB>,
        begin: Begin<DB>,
    },
}

impl<DB: Database> std::fmt::Debug for Writer<DB> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Writer::Batches { batches, .. } => write!(
                f,
                "Writer::Batches({} begun)",
                batches.load(Ordering::Relaxed)
            ),
            Writer::Alone { .. } => f.write_str("Writer::Alone"),
        }
    }
}

impl Writer<Sqlite> {
    /// Starts a writer task on `pool`. It ends when the store that holds
    /// it is dropped.
    pub fn batches(pool: Pool<Sqlite>, begin: Begin<Sqlite>) -> Writer<Sqlite> {
        let (jobs, queue) = mpsc::unbounded_channel();
        let batches = Arc::new(AtomicU64::new(0));
        tokio::spawn(serve(pool, begin, queue, batches.clone()));
        Writer::Batches { jobs, batches }
    }
}

impl<DB> Writer<DB>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    pub fn alone(pool: Pool<DB>, begin: Begin<DB>) -> Writer<DB> {
        Writer::Alone { pool, begin }
    }

    /// How many transactions the writer task has begun.
    #[cfg(test)]
    pub fn batches_begun(&self) -> u64 {
        match self {
            Writer::Batches { batches, .. } => batches.load(Ordering::Relaxed),
            Writer::Alone { .. } => 0,
        }
    }

    /// Runs `work`; its answer once what it kept committed.
    pub async fn run<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: for<'t> FnOnce(&'t mut Tx<DB>) -> BoxFuture<'t, StoreResult<Written<T>>>
            + Send
            + 'static,
    {
        let jobs = match self {
            Writer::Batches { jobs, .. } => jobs,
            Writer::Alone { pool, begin } => {
                let mut tx = begin(pool.clone()).await?;
                let written = work(&mut tx).await?;
                if written.keep {
                    tx.commit().await?;
                } else {
                    tx.rollback().await?;
                }
                return Ok(written.answer);
            }
        };
        let (answer, answered) = oneshot::channel();
        let work: Work<DB> = Box::new(move |tx| {
            Box::pin(async move {
                let written = work(tx).await?;
                Ok(Written {
                    answer: Box::new(written.answer) as Box<dyn Any + Send>,
                    keep: written.keep,
                })
            })
        });
        jobs.send(Job { work, answer }).map_err(|_| stopped())?;
        let answer = answered.await.map_err(|_| stopped())??;
        Ok(*answer
            .downcast::<T>()
            .expect("a write's answer is the type it was asked for"))
    }
}

fn stopped() -> sqlx::Error {
    sqlx::Error::PoolClosed
}

async fn serve(
    pool: Pool<Sqlite>,
    begin: Begin<Sqlite>,
    mut queue: mpsc::UnboundedReceiver<Job<Sqlite>>,
    batches: Arc<AtomicU64>,
) {
    let mut batch = Vec::with_capacity(BATCH);
    while queue.recv_many(&mut batch, BATCH).await > 0 {
        batches.fetch_add(1, Ordering::Relaxed);
        write_batch(&pool, &begin, std::mem::take(&mut batch)).await;
    }
}

/// One transaction for the batch, a savepoint for each write in it.
async fn write_batch(pool: &Pool<Sqlite>, begin: &Begin<Sqlite>, batch: Vec<Job<Sqlite>>) {
    let mut tx = match begin(pool.clone()).await {
        Ok(tx) => tx,
        Err(e) => {
            let why = e.to_string();
            for job in batch {
                let _ = job.answer.send(Err(not_committed(&why)));
            }
            return;
        }
    };
    let mut answers = Vec::with_capacity(batch.len());
    let mut broken: Option<String> = None;
    for Job { work, answer } in batch {
        if let Some(why) = &broken {
            let _ = answer.send(Err(not_committed(why)));
            continue;
        }
        let outcome = match statement(&mut tx, "SAVEPOINT write").await {
            Ok(()) => work(&mut tx).await,
            Err(e) => Err(e),
        };
        let (keep, result) = match outcome {
            Ok(Written { answer, keep }) => (keep, Ok(answer)),
            Err(e) => (false, Err(e)),
        };
        let closed = if keep {
            statement(&mut tx, "RELEASE SAVEPOINT write").await
        } else {
            match statement(&mut tx, "ROLLBACK TO SAVEPOINT write").await {
                Ok(()) => statement(&mut tx, "RELEASE SAVEPOINT write").await,
                Err(e) => Err(e),
            }
        };
        if let Err(e) = closed {
            // The transaction is gone with its connection: none of it stays.
            broken = Some(e.to_string());
        }
        answers.push((answer, result));
    }
    let committed = match broken {
        Some(why) => Err(why),
        None => tx.commit().await.map_err(|e| e.to_string()),
    };
    for (answer, result) in answers {
        let _ = answer.send(match &committed {
            Ok(()) => result,
            Err(why) => Err(not_committed(why)),
        });
    }
}

// Boxed here, where the borrows' lifetimes are known: as a plain `async fn`
// inside the spawned task, rustc cannot prove the task `Send`.
fn statement<'t>(tx: &'t mut Tx<Sqlite>, sql: &'static str) -> BoxFuture<'t, StoreResult<()>> {
    Box::pin(async move { sqlx::query(sql).execute(&mut **tx).await.map(|_| ()) })
}

/// The failure every write of a batch that did not commit is answered with.
fn not_committed(why: &str) -> sqlx::Error {
    sqlx::Error::Io(std::io::Error::other(format!(
        "the batch of payment writes did not commit: {why}"
    )))
}

#[cfg(test)]
mod tests {
    use futures_util::future::join_all;
    use sqlx::sqlite::SqlitePoolOptions;
    use sqlx::{Sqlite, SqlitePool};

    use super::*;

    async fn insert(tx: &mut Tx<Sqlite>, id: i64) -> StoreResult<()> {
        sqlx::query("INSERT INTO written (id) VALUES (?)")
            .bind(id)
            .execute(&mut **tx)
            .await
            .map(|_| ())
    }

    async fn scratch(schema: &str) -> (SqlitePool, Writer<Sqlite>) {
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect("sqlite::memory:")
            .await
            .expect("SQLite in memory");
        sqlx::raw_sql(schema)
            .execute(&pool)
            .await
            .expect("the tables");
        let writer = Writer::batches(
            pool.clone(),
            Arc::new(|pool: SqlitePool| Box::pin(async move { pool.begin().await })),
        );
        (pool, writer)
    }

    // The tests run on one thread: every write below is queued before the
    // writer task runs at all, so they make one batch.

    #[tokio::test]
    async fn writes_that_arrive_together_commit_together_and_each_refusal_or_failure_is_undone_alone()
     {
        let (pool, writer) = scratch("CREATE TABLE written (id INTEGER PRIMARY KEY)").await;
        let writes = (1..=20_i64).map(|id| {
            writer.run(move |tx| {
                Box::pin(async move {
                    // 7 takes 3's id, which is written already: it fails.
                    insert(tx, if id == 7 { 3 } else { id }).await?;
                    // Every fifth writes, then refuses: undone.
                    Ok(if id % 5 == 0 {
                        Written::undone(id)
                    } else {
                        Written::kept(id)
                    })
                })
            })
        });
        let mut answers = Vec::new();
        for (id, answer) in (1..).zip(join_all(writes).await) {
            match answer {
                Ok(answer) => answers.push(answer),
                Err(e) => assert!(id == 7 && e.to_string().contains("UNIQUE"), "{id}: {e}"),
            }
        }
        assert_eq!(
            answers,
            [
                1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20
            ]
        );
        let kept: Vec<i64> = sqlx::query_scalar("SELECT id FROM written ORDER BY id")
            .fetch_all(&pool)
            .await
            .expect("the rows");
        assert_eq!(kept, [1, 2, 3, 4, 6, 8, 9, 11, 12, 13, 14, 16, 17, 18, 19]);
        assert_eq!(writer.batches_begun(), 1);
    }

    #[tokio::test]
    async fn a_batch_that_cannot_commit_answers_every_write_with_the_failure_and_keeps_none() {
        // A deferred foreign key fails at commit, after every write went well.
        let (pool, writer) = scratch(
            "PRAGMA foreign_keys = ON; \
             CREATE TABLE written (id INTEGER PRIMARY KEY); \
             CREATE TABLE parent (id INTEGER PRIMARY KEY); \
             CREATE TABLE child (parent INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)",
        )
        .await;
        let orphan = writer.run(|tx| {
            Box::pin(async move {
                sqlx::query("INSERT INTO child (parent) VALUES (42)")
                    .execute(&mut **tx)
                    .await?;
                Ok(Written::kept(()))
            })
        });
        let fine = writer.run(|tx| {
            Box::pin(async move {
                insert(tx, 1).await?;
                Ok(Written::kept(()))
            })
        });
        let (orphan, fine) = tokio::join!(orphan, fine);
        for answer in [orphan, fine] {
            let e = answer.expect_err("the batch did not commit");
            assert!(e.to_string().contains("did not commit"), "{e}");
        }
        let rows: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM written) + (SELECT COUNT(*) FROM child)",
        )
        .fetch_one(&pool)
        .await
        .expect("the counts");
        assert_eq!(rows, 0);
        assert_eq!(writer.batches_begun(), 1);
    }
}
