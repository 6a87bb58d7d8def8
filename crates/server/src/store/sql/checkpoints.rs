//! SQLite's write-ahead log copied back into the database file off the
//! payment path. Left to itself, SQLite does that copy (a checkpoint)
//! inside the commit that finds the log past a size, so every tenth or so
//! of the payment writer's commits also wrote a thousand pages to the file
//! and synced it, while every payment queued behind it waited. Here a task
//! of its own, on a connection of its own, checkpoints shortly after the
//! writer commits, beside the next batch: a passive checkpoint takes no
//! lock a writer or reader waits on.
//!
//! SQLite's own checkpoint stays as a backstop at a larger size, for
//! writes that do not go through the payment writer and for a
//! checkpointer that falls behind.

use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{Connection, Row};
use tokio::sync::mpsc;

/// How long the task lets commits gather before it copies them: one sync
/// of the file for the commits of that time. Longer copies are longer
/// syncs, which stall the writer's own writes to the log: 50 ms and more
/// raised the payments' p99 (docs/benchmarks.md).
const GATHER: Duration = Duration::from_millis(5);

/// SQLite's own checkpoint, in pages of log: four times its default, so
/// that it runs only when the task has not.
pub(super) const BACKSTOP_PAGES: &str = "4000";

/// Wakes the checkpoint task after a commit.
#[derive(Debug)]
pub(super) struct Checkpoints {
    wake: mpsc::Sender<()>,
}

impl Checkpoints {
    /// Starts the task, which opens its connection with `options` at its
    /// first checkpoint. It ends once every handle is dropped.
    pub fn start(options: SqliteConnectOptions) -> Checkpoints {
        // One slot: commits made while a wake-up is pending add nothing.
        let (wake, woken) = mpsc::channel(1);
        tokio::spawn(serve(options, woken));
        Checkpoints { wake }
    }

    /// Something was committed: checkpoint soon.
    pub fn committed(&self) {
        let _ = self.wake.try_send(());
    }
}

async fn serve(options: SqliteConnectOptions, mut woken: mpsc::Receiver<()>) {
    let mut connection: Option<SqliteConnection> = None;
    while woken.recv().await.is_some() {
        tokio::time::sleep(GATHER).await;
        let conn = match connection.as_mut() {
            Some(conn) => conn,
            None => match SqliteConnection::connect_with(&options).await {
                Ok(conn) => connection.insert(conn),
                Err(e) => {
                    tracing::warn!(error = %e, "checkpoint: cannot open a connection");
                    continue;
                }
            },
        };
        match sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(&mut *conn)
            .await
        {
            // (busy, pages in the log, pages copied): the log is reused
            // from its start once every page in it is copied.
            Ok(row) => tracing::trace!(
                log = row.get::<i64, _>(1),
                copied = row.get::<i64, _>(2),
                "checkpoint"
            ),
            Err(e) => {
                tracing::warn!(error = %e, "checkpoint failed");
                connection = None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use sqlx::sqlite::SqliteJournalMode;

    use super::*;

    #[tokio::test]
    async fn what_was_committed_is_copied_into_the_database_file_after_a_commit() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("checkpoints.db");
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
            .expect("url")
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // SQLite's own checkpoint off: only the task copies.
            .pragma("wal_autocheckpoint", "0");
        let mut writer = SqliteConnection::connect_with(&options)
            .await
            .expect("open");
        sqlx::query("CREATE TABLE pages (body BLOB NOT NULL)")
            .execute(&mut writer)
            .await
            .expect("create");
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&mut writer)
            .await
            .expect("settle");
        let file_size = || std::fs::metadata(&path).expect("file").len();
        let before = file_size();

        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 256) \
             INSERT INTO pages SELECT randomblob(4096) FROM n",
        )
        .execute(&mut writer)
        .await
        .expect("insert");
        assert_eq!(file_size(), before, "committed into the log only");

        let checkpoints = Checkpoints::start(options);
        checkpoints.committed();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while file_size() < before + 256 * 4096 {
            assert!(
                std::time::Instant::now() < deadline,
                "the database file is still {} bytes",
                file_size()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
