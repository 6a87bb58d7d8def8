//! How the payment path's writes (authorize, settle, reverse, refund,
//! repay) reach the database. One task per store takes them in arrival
//! order and writes those that queued while it wrote the last batch:
//!
//! - **Authorizations side by side** are written together, by set-based
//!   statements (`authorizations.rs`): one statement locks all their lines,
//!   one writes all their payments, one adds them to the rollups, and so on,
//!   whatever their number. If that fails, it is undone and each of them is
//!   written alone, so that one that fails fails alone.
//! - **Any other write** (settle, reverse, refund, repay, an authorization
//!   that places a freeze, a group of one) is written alone, by its own
//!   statements; one that refuses is undone.
//!
//! Each step runs inside a savepoint. On SQLite, where writers take turns on
//! one lock anyway, the whole batch is one transaction: one commit for many
//! decisions. On PostgreSQL each step is a transaction of its own: a group
//! takes its accounts in id order and its rollup rows in key order, and a
//! transaction that went on to the next step would take more out of that
//! order, which could deadlock against another instance's writer.
//!
//! Either way a write commits whole or not at all, and its answer is sent
//! only once it committed; nothing waits on a timer: under load a batch is
//! what arrived during the one before.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use futures_util::future::BoxFuture;
use sqlx::{Database, Pool, Transaction};
use tokio::sync::{mpsc, oneshot};

use super::StoreResult;
use crate::store::{AuthorizationWrite, Authorized, Idempotent, Refusal};

/// The most writes in one batch: enough to spread a commit over many, few
/// enough that the first of them does not wait long.
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

/// An authorization's answer from the store: `None` if its order id was
/// taken before (its first answer is read once the batch committed).
pub(super) type Authorization = Option<Result<Idempotent<Authorized>, Refusal>>;

/// Opens a write transaction on the pool (on SQLite, one that takes the
/// write lock first).
pub(super) type Begin<DB> =
    Arc<dyn Fn(Pool<DB>) -> BoxFuture<'static, StoreResult<Tx<DB>>> + Send + Sync>;

/// Writes authorizations side by side, set-based: an answer for each, in order.
pub(super) type Together<DB> = Arc<
    dyn for<'t> Fn(
            &'t mut Tx<DB>,
            &'t [AuthorizationWrite],
        ) -> BoxFuture<'t, StoreResult<Vec<Authorization>>>
        + Send
        + Sync,
>;

/// Writes one authorization by its own statements.
pub(super) type Alone<DB> = Arc<
    dyn for<'t> Fn(
            &'t mut Tx<DB>,
            &'t AuthorizationWrite,
        ) -> BoxFuture<'t, StoreResult<Written<Authorization>>>
        + Send
        + Sync,
>;

/// How a store's writer commits: see the module's comment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Commits {
    /// One transaction for the batch (SQLite).
    PerBatch,
    /// One transaction for each step (PostgreSQL).
    PerStep,
}

/// Told after each commit (on SQLite, the checkpoint task: `checkpoints.rs`).
pub(super) type Committed = Arc<dyn Fn() + Send + Sync>;

/// What the writer task needs: where, how to begin, how to write
/// authorizations, whom to tell of a commit.
pub(super) struct Setup<DB: Database> {
    pub pool: Pool<DB>,
    pub begin: Begin<DB>,
    pub together: Together<DB>,
    pub alone: Alone<DB>,
    pub commits: Commits,
    pub committed: Committed,
    /// Run the writer task on a thread of its own rather than among the
    /// requests' tasks. On SQLite each statement is two hand-overs to
    /// sqlx's worker thread and back, and each time the task was woken it
    /// queued behind the requests for a runtime thread: about 5 % more
    /// decisions a second on a thread of its own. On PostgreSQL no
    /// difference was measured, so its writer stays among the others,
    /// on the runtime whose reactor drives its connections.
    pub own_thread: bool,
}

/// Sends a write's answer once its transaction is over: `None` if it
/// committed, else why not.
type Reply = Box<dyn FnOnce(Option<&str>) + Send>;

/// A write of its own, as the writer task runs it.
trait Write<DB: Database>: Send {
    /// Writes; whether to keep it, and its reply.
    fn write<'t>(self: Box<Self>, tx: &'t mut Tx<DB>) -> BoxFuture<'t, (bool, Reply)>;
    /// Answers with the failure of its transaction, unwritten.
    fn fail(self: Box<Self>, why: &str);
}

type Work<DB> = Box<dyn Write<DB>>;

/// A write of its own and where its answer goes.
struct OneWrite<F, T> {
    work: F,
    answer: oneshot::Sender<StoreResult<T>>,
}

impl<DB, F, T> Write<DB> for OneWrite<F, T>
where
    DB: Database,
    T: Send + 'static,
    F: for<'t> FnOnce(&'t mut Tx<DB>) -> BoxFuture<'t, StoreResult<Written<T>>> + Send + 'static,
{
    fn write<'t>(self: Box<Self>, tx: &'t mut Tx<DB>) -> BoxFuture<'t, (bool, Reply)> {
        let OneWrite { work, answer } = *self;
        Box::pin(async move {
            match work(tx).await {
                Ok(Written { answer: a, keep }) => (keep, reply(answer, Ok(a))),
                Err(e) => (false, reply(answer, Err(e))),
            }
        })
    }

    fn fail(self: Box<Self>, why: &str) {
        let _ = self.answer.send(Err(not_committed(why)));
    }
}

/// What callers queue for the writer task.
enum Job<DB: Database> {
    One(Work<DB>),
    Authorization {
        // Boxed: a write is large, and most of the queue's jobs are these.
        write: Box<AuthorizationWrite>,
        answer: oneshot::Sender<StoreResult<Authorization>>,
    },
}

/// A step of a batch, in a savepoint of its own.
enum Step<DB: Database> {
    One(Work<DB>),
    /// Two or more authorizations that queued side by side.
    Together(
        Vec<(
            AuthorizationWrite,
            oneshot::Sender<StoreResult<Authorization>>,
        )>,
    ),
}

/// A store's way to the database for the payment path's writes.
pub(super) struct Writer<DB: Database> {
    /// The queue to the writer task.
    jobs: mpsc::UnboundedSender<Job<DB>>,
    /// Transactions begun so far.
    transactions: Arc<AtomicU64>,
}

impl<DB: Database> std::fmt::Debug for Writer<DB> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Writer({} transactions begun)",
            self.transactions.load(Ordering::Relaxed)
        )
    }
}

impl<DB> Writer<DB>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
{
    /// Starts a writer task. It ends when the store that holds it is dropped.
    pub fn start(setup: Setup<DB>) -> Writer<DB> {
        let (jobs, queue) = mpsc::unbounded_channel();
        let transactions = Arc::new(AtomicU64::new(0));
        let begun = transactions.clone();
        if setup.own_thread {
            // Built here, so that a runtime that cannot start panics in the
            // caller, not unseen in a thread of its own.
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime for the payment writer");
            std::thread::Builder::new()
                .name("payment-writer".into())
                .spawn(move || runtime.block_on(serve(setup, queue, begun)))
                .expect("a thread for the payment writer");
        } else {
            tokio::spawn(serve(setup, queue, begun));
        }
        Writer { jobs, transactions }
    }

    /// How many transactions the writer task has begun.
    #[cfg(test)]
    pub fn transactions_begun(&self) -> u64 {
        self.transactions.load(Ordering::Relaxed)
    }

    /// Runs `work` alone; its answer once what it kept committed.
    pub async fn run<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: for<'t> FnOnce(&'t mut Tx<DB>) -> BoxFuture<'t, StoreResult<Written<T>>>
            + Send
            + 'static,
    {
        let (answer, answered) = oneshot::channel();
        self.jobs
            .send(Job::One(one_write(work, answer)))
            .map_err(|_| stopped())?;
        answered.await.map_err(|_| stopped())?
    }

    /// Writes an authorization, with those that queue beside it.
    pub async fn authorize(&self, write: AuthorizationWrite) -> StoreResult<Authorization> {
        let (answer, answered) = oneshot::channel();
        self.jobs
            .send(Job::Authorization {
                write: Box::new(write),
                answer,
            })
            .map_err(|_| stopped())?;
        answered.await.map_err(|_| stopped())?
    }
}

fn stopped() -> sqlx::Error {
    sqlx::Error::PoolClosed
}

/// A reply that sends `result` if the transaction committed, else why not.
fn reply<T: Send + 'static>(
    answer: oneshot::Sender<StoreResult<T>>,
    result: StoreResult<T>,
) -> Reply {
    Box::new(move |failed| {
        let _ = answer.send(match failed {
            None => result,
            Some(why) => Err(not_committed(why)),
        });
    })
}

async fn serve<DB>(
    setup: Setup<DB>,
    mut queue: mpsc::UnboundedReceiver<Job<DB>>,
    begun: Arc<AtomicU64>,
) where
    DB: Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
{
    let mut batch = Vec::with_capacity(BATCH);
    while queue.recv_many(&mut batch, BATCH).await > 0 {
        let steps = steps(std::mem::take(&mut batch), &setup.alone);
        match setup.commits {
            Commits::PerBatch => {
                begun.fetch_add(1, Ordering::Relaxed);
                write_steps(&setup, steps).await;
            }
            Commits::PerStep => {
                for step in steps {
                    begun.fetch_add(1, Ordering::Relaxed);
                    write_steps(&setup, vec![step]).await;
                }
            }
        }
    }
}

/// The batch's jobs as steps, in arrival order: authorizations side by side
/// grouped, unless one places a freeze (written alone: what it freezes is a
/// share of the line after its own payment).
fn steps<DB: Database>(batch: Vec<Job<DB>>, alone: &Alone<DB>) -> Vec<Step<DB>> {
    let mut steps = Vec::new();
    for job in batch {
        match job {
            Job::Authorization { write, answer } if write.freeze.is_none() => {
                match steps.last_mut() {
                    Some(Step::Together(group)) => group.push((*write, answer)),
                    _ => steps.push(Step::Together(vec![(*write, answer)])),
                }
            }
            Job::Authorization { write, answer } => {
                steps.push(Step::One(alone_work(alone, *write, answer)));
            }
            Job::One(work) => steps.push(Step::One(work)),
        }
    }
    steps
}

/// An authorization written by its own statements, as a write of its own.
fn alone_work<DB: Database>(
    alone: &Alone<DB>,
    write: AuthorizationWrite,
    answer: oneshot::Sender<StoreResult<Authorization>>,
) -> Work<DB> {
    let alone = alone.clone();
    one_write(
        move |tx| Box::pin(async move { alone(tx, &write).await }),
        answer,
    )
}

/// `work` as a write of its own, answered on `answer`.
fn one_write<DB, T, F>(work: F, answer: oneshot::Sender<StoreResult<T>>) -> Work<DB>
where
    DB: Database,
    T: Send + 'static,
    F: for<'t> FnOnce(&'t mut Tx<DB>) -> BoxFuture<'t, StoreResult<Written<T>>> + Send + 'static,
{
    Box::new(OneWrite { work, answer })
}

/// One transaction for `steps`, a savepoint for each; the replies once it
/// is over.
async fn write_steps<DB>(setup: &Setup<DB>, steps: Vec<Step<DB>>)
where
    DB: Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
{
    let mut replies: Vec<Reply> = Vec::with_capacity(BATCH);
    let mut tx = match (setup.begin)(setup.pool.clone()).await {
        Ok(tx) => tx,
        Err(e) => {
            let why = e.to_string();
            for step in steps {
                step.fail(&why);
            }
            return;
        }
    };
    let mut broken: Option<String> = None;
    for step in steps {
        if let Some(why) = &broken {
            step.fail(why);
            continue;
        }
        let outcome = match step {
            Step::One(work) => one(&mut tx, work, &mut replies).await,
            Step::Together(group) if group.len() == 1 => {
                let (write, answer) = group.into_iter().next().expect("one");
                one(
                    &mut tx,
                    alone_work(&setup.alone, write, answer),
                    &mut replies,
                )
                .await
            }
            Step::Together(group) => together(&mut tx, setup, group, &mut replies).await,
        };
        if let Err(e) = outcome {
            // The transaction is gone with its connection: none of it stays.
            broken = Some(e.to_string());
        }
    }
    let committed = match broken {
        Some(why) => Err(why),
        None => tx.commit().await.map_err(|e| e.to_string()),
    };
    let failed = committed.err();
    if failed.is_none() {
        (setup.committed)();
    }
    for reply in replies {
        reply(failed.as_deref());
    }
}

impl<DB: Database> Step<DB> {
    /// Answers the step's writes with the failure of their transaction.
    fn fail(self, why: &str) {
        match self {
            Step::One(work) => work.fail(why),
            Step::Together(group) => {
                for (_, answer) in group {
                    let _ = answer.send(Err(not_committed(why)));
                }
            }
        }
    }
}

/// A write of its own in a savepoint: undone alone if it refuses or fails.
/// An error: the savepoint could not be closed, the transaction is lost.
async fn one<DB>(tx: &mut Tx<DB>, work: Work<DB>, replies: &mut Vec<Reply>) -> StoreResult<()>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
{
    if let Err(e) = statement(tx, "SAVEPOINT write").await {
        work.fail(&e.to_string());
        return Err(e);
    }
    let (keep, reply) = work.write(tx).await;
    replies.push(reply);
    close(tx, keep).await
}

/// Authorizations written together in a savepoint; if that fails, undone,
/// and each written alone.
async fn together<DB>(
    tx: &mut Tx<DB>,
    setup: &Setup<DB>,
    group: Vec<(
        AuthorizationWrite,
        oneshot::Sender<StoreResult<Authorization>>,
    )>,
    replies: &mut Vec<Reply>,
) -> StoreResult<()>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
{
    if let Err(e) = statement(tx, "SAVEPOINT together").await {
        Step::<DB>::Together(group).fail(&e.to_string());
        return Err(e);
    }
    let (writes, answers): (Vec<_>, Vec<_>) = group.into_iter().unzip();
    match (setup.together)(tx, &writes).await {
        Ok(answered) => {
            debug_assert_eq!(answered.len(), answers.len());
            for (answer, result) in answers.into_iter().zip(answered) {
                replies.push(reply(answer, Ok(result)));
            }
            statement(tx, "RELEASE SAVEPOINT together").await
        }
        Err(e) => {
            tracing::debug!(error = %e, writes = writes.len(), "authorizations together failed: each alone");
            let undone = match statement(tx, "ROLLBACK TO SAVEPOINT together").await {
                Ok(()) => statement(tx, "RELEASE SAVEPOINT together").await,
                Err(e) => Err(e),
            };
            let mut alone = writes.into_iter().zip(answers);
            if let Err(e) = undone {
                Step::<DB>::Together(alone.collect()).fail(&e.to_string());
                return Err(e);
            }
            while let Some((write, answer)) = alone.next() {
                if let Err(e) = one(tx, alone_work(&setup.alone, write, answer), replies).await {
                    Step::<DB>::Together(alone.collect()).fail(&e.to_string());
                    return Err(e);
                }
            }
            Ok(())
        }
    }
}

/// Keeps or undoes what was written since the savepoint `write`.
async fn close<DB>(tx: &mut Tx<DB>, keep: bool) -> StoreResult<()>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
{
    if !keep {
        statement(tx, "ROLLBACK TO SAVEPOINT write").await?;
    }
    statement(tx, "RELEASE SAVEPOINT write").await
}

// Boxed here, where the borrows' lifetimes are known: as a plain `async fn`
// inside the spawned task, rustc cannot prove the task `Send`.
fn statement<'t, DB>(tx: &'t mut Tx<DB>, sql: &'static str) -> BoxFuture<'t, StoreResult<()>>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
{
    Box::pin(async move { sqlx::query(sql).execute(&mut **tx).await.map(|_| ()) })
}

/// The failure every write of a transaction that did not commit is answered with.
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
    use crate::store::TransactionRow;

    async fn insert(tx: &mut Tx<Sqlite>, id: i64) -> StoreResult<()> {
        sqlx::query("INSERT INTO written (id) VALUES (?)")
            .bind(id)
            .execute(&mut **tx)
            .await
            .map(|_| ())
    }

    /// A writer whose authorizations write their account id to `written`:
    /// together in one statement, alone one at a time.
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
        let writer = Writer::start(Setup {
            pool: pool.clone(),
            begin: Arc::new(|pool: SqlitePool| Box::pin(async move { pool.begin().await })),
            together: Arc::new(|tx, writes| {
                Box::pin(async move {
                    let ids: Vec<String> = writes
                        .iter()
                        .map(|w| format!("({})", w.transaction.account_id))
                        .collect();
                    sqlx::query(&format!(
                        "INSERT INTO written (id) VALUES {}",
                        ids.join(", ")
                    ))
                    .execute(&mut **tx)
                    .await?;
                    Ok(writes
                        .iter()
                        .map(|_| Some(Err(Refusal::NoPayment)))
                        .collect())
                })
            }),
            alone: Arc::new(|tx, write| {
                Box::pin(async move {
                    insert(tx, write.transaction.account_id).await?;
                    Ok(Written::kept(Some(Err(Refusal::NoAccount))))
                })
            }),
            commits: Commits::PerBatch,
            committed: Arc::new(|| {}),
            own_thread: true,
        });
        (pool, writer)
    }

    fn authorization(account_id: i64) -> AuthorizationWrite {
        AuthorizationWrite {
            request_hash: String::new(),
            transaction: TransactionRow::ledger(
                account_id,
                "purchase",
                format!("o{account_id}"),
                "m",
                1,
                0,
            ),
            alerts: Vec::new(),
            dedup_ms: 0,
            freeze: None,
            now: 0,
        }
    }

    async fn written(pool: &SqlitePool) -> Vec<i64> {
        sqlx::query_scalar("SELECT id FROM written ORDER BY id")
            .fetch_all(pool)
            .await
            .expect("the rows")
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
        assert_eq!(
            written(&pool).await,
            [1, 2, 3, 4, 6, 8, 9, 11, 12, 13, 14, 16, 17, 18, 19]
        );
        assert_eq!(writer.transactions_begun(), 1);
    }

    #[tokio::test]
    async fn authorizations_side_by_side_are_written_together_and_the_other_writes_alone_in_order()
    {
        let (pool, writer) = scratch("CREATE TABLE written (id INTEGER PRIMARY KEY)").await;
        let (a, b, c, d) = tokio::join!(
            writer.authorize(authorization(1)),
            writer.authorize(authorization(2)),
            writer.run(|tx| Box::pin(async move {
                insert(tx, 3).await?;
                Ok(Written::kept(()))
            })),
            writer.authorize(authorization(4)),
        );
        // Together's answer for the pair, alone's for the one after the other write.
        assert_eq!(a.expect("written"), Some(Err(Refusal::NoPayment)));
        assert_eq!(b.expect("written"), Some(Err(Refusal::NoPayment)));
        c.expect("written");
        assert_eq!(d.expect("written"), Some(Err(Refusal::NoAccount)));
        assert_eq!(written(&pool).await, [1, 2, 3, 4]);
        assert_eq!(writer.transactions_begun(), 1);
    }

    #[tokio::test]
    async fn authorizations_that_fail_together_are_written_alone_and_only_the_failing_one_fails() {
        let (pool, writer) = scratch(
            "CREATE TABLE written (id INTEGER PRIMARY KEY); INSERT INTO written (id) VALUES (2)",
        )
        .await;
        // 2 is written already: together fails, and then 2 alone.
        let answers = join_all((1..=3).map(|id| writer.authorize(authorization(id)))).await;
        let answers: Vec<String> = answers
            .into_iter()
            .map(|answer| match answer {
                Ok(answer) => format!("{answer:?}"),
                Err(e) if e.to_string().contains("UNIQUE") => "unique".to_owned(),
                Err(e) => panic!("{e}"),
            })
            .collect();
        assert_eq!(
            answers,
            ["Some(Err(NoAccount))", "unique", "Some(Err(NoAccount))"]
        );
        assert_eq!(written(&pool).await, [1, 2, 3]);
        assert_eq!(writer.transactions_begun(), 1);
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
        let (orphan, fine, together, also) = tokio::join!(
            orphan,
            fine,
            writer.authorize(authorization(5)),
            writer.authorize(authorization(6))
        );
        for answer in [orphan, fine] {
            let e = answer.expect_err("the batch did not commit");
            assert!(e.to_string().contains("did not commit"), "{e}");
        }
        for answer in [together, also] {
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
        assert_eq!(writer.transactions_begun(), 1);
    }
}
