//! Reads by key asked side by side, read together. The payment path asks
//! for a service client by its key and for an account by its id once per
//! payment, many payments at a time: one task per kind of read takes the
//! keys asked meanwhile and reads them all with one statement. That is one
//! hand-over to the database for many payments, where each was one (on
//! SQLite, to sqlx's worker thread and back).
//!
//! A read starts after it was asked, so it sees every commit before the
//! ask, as a read of its own would: a client revoked a moment ago is
//! refused. Nothing waits on a timer: under load a batch is what was asked
//! while the ones before were read. Up to four are read at a time: one at
//! a time queued the console's account pages behind each other on
//! PostgreSQL (docs/benchmarks.md).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use tokio::sync::{Semaphore, mpsc, oneshot};

use super::StoreResult;

/// The most keys read by one statement.
const BATCH: usize = 64;

/// The most statements of one kind of read at a time.
const IN_FLIGHT: usize = 4;

/// Reads the rows of `keys` (distinct) that exist, in any order.
pub(super) type Fetch<K, V> =
    Arc<dyn Fn(Vec<K>) -> BoxFuture<'static, StoreResult<Vec<V>>> + Send + Sync>;

/// A key asked for, and where its row goes.
type Ask<K, V> = (K, oneshot::Sender<StoreResult<Option<V>>>);

/// One kind of read by key, gathered.
pub(super) struct Gathered<K, V> {
    asks: mpsc::UnboundedSender<Ask<K, V>>,
}

impl<K, V> std::fmt::Debug for Gathered<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Gathered")
    }
}

impl<K, V> Gathered<K, V>
where
    K: Eq + Hash + Clone + Send + 'static,
    V: Clone + Send + 'static,
{
    /// Starts the task that reads with `fetch`, each row found by `key_of`.
    /// It ends when the store that holds it is dropped.
    pub fn start(fetch: Fetch<K, V>, key_of: fn(&V) -> K) -> Gathered<K, V> {
        let (asks, queue) = mpsc::unbounded_channel();
        tokio::spawn(serve(fetch, key_of, queue));
        Gathered { asks }
    }

    /// The row of `key`, if there is one.
    pub async fn read(&self, key: K) -> StoreResult<Option<V>> {
        let (answer, answered) = oneshot::channel();
        self.asks.send((key, answer)).map_err(|_| stopped())?;
        answered.await.map_err(|_| stopped())?
    }
}

fn stopped() -> sqlx::Error {
    sqlx::Error::PoolClosed
}

async fn serve<K, V>(
    fetch: Fetch<K, V>,
    key_of: fn(&V) -> K,
    mut queue: mpsc::UnboundedReceiver<Ask<K, V>>,
) where
    K: Eq + Hash + Clone + Send + 'static,
    V: Clone + Send + 'static,
{
    let in_flight = Arc::new(Semaphore::new(IN_FLIGHT));
    loop {
        // A free place first: while none is, the asks gather in the queue.
        let Ok(place) = in_flight.clone().acquire_owned().await else {
            return;
        };
        let mut asks = Vec::with_capacity(BATCH);
        if queue.recv_many(&mut asks, BATCH).await == 0 {
            return;
        }
        let fetch = fetch.clone();
        tokio::spawn(async move {
            answer(&fetch, key_of, asks).await;
            drop(place);
        });
    }
}

/// Reads the keys of `asks` with one statement and answers each.
async fn answer<K, V>(fetch: &Fetch<K, V>, key_of: fn(&V) -> K, asks: Vec<Ask<K, V>>)
where
    K: Eq + Hash + Clone,
    V: Clone,
{
    let mut keys: Vec<K> = Vec::with_capacity(asks.len());
    for (key, _) in &asks {
        if !keys.contains(key) {
            keys.push(key.clone());
        }
    }
    match fetch(keys).await {
        Ok(rows) => {
            let found: HashMap<K, V> = rows.into_iter().map(|v| (key_of(&v), v)).collect();
            for (key, answer) in asks {
                let _ = answer.send(Ok(found.get(&key).cloned()));
            }
        }
        Err(e) => {
            // Every reader of the batch learns why; the next batch tries again.
            let why = e.to_string();
            for (_, answer) in asks {
                let _ = answer.send(Err(sqlx::Error::Io(std::io::Error::other(format!(
                    "a read of the batch failed: {why}"
                )))));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use futures_util::future::join_all;

    use super::*;

    /// Rows `(key, key × 10)` for keys under 100; every call's keys recorded.
    fn tens(calls: Arc<Mutex<Vec<Vec<i64>>>>) -> Fetch<i64, (i64, i64)> {
        Arc::new(move |keys: Vec<i64>| {
            let calls = calls.clone();
            Box::pin(async move {
                calls.lock().unwrap().push(keys.clone());
                // Let the other asks queue behind the first.
                tokio::task::yield_now().await;
                if keys.contains(&666) {
                    return Err(sqlx::Error::RowNotFound);
                }
                Ok(keys
                    .into_iter()
                    .filter(|k| *k < 100)
                    .map(|k| (k, k * 10))
                    .collect())
            })
        })
    }

    #[tokio::test]
    async fn keys_asked_together_are_read_once_each_and_answered_each() {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let gathered = Gathered::start(tens(calls.clone()), |row| row.0);
        let answers = join_all([7, 3, 7, 500, 3].map(|k| gathered.read(k))).await;
        let answers: Vec<Option<(i64, i64)>> = answers.into_iter().map(Result::unwrap).collect();
        assert_eq!(
            answers,
            [
                Some((7, 70)),
                Some((3, 30)),
                Some((7, 70)),
                None,
                Some((3, 30))
            ]
        );
        let calls = calls.lock().unwrap().clone();
        assert_eq!(calls, [vec![7, 3, 500]], "one read, each key once");
    }

    #[tokio::test]
    async fn a_failed_read_fails_its_batch_and_not_the_next() {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let gathered = Gathered::start(tens(calls.clone()), |row| row.0);
        let answers = join_all([1, 666].map(|k| gathered.read(k))).await;
        for answer in answers {
            let error = answer.unwrap_err().to_string();
            assert!(error.contains("a read of the batch failed"), "{error}");
        }
        assert_eq!(gathered.read(2).await.unwrap(), Some((2, 20)));
    }
}
