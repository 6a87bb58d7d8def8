//! The live event stream's outbox (`Events`): one row for each change an
//! operator may be told of, written in the transaction that makes the
//! change, read back in commit order by every instance.

use super::StoreResult;

/// A place in the stream: the writing transaction's id (PostgreSQL's; 0 on
/// SQLite, which has one writer at a time) and the row's. Events are
/// delivered in this order, which is their commit order (see the
/// migration).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventCursor {
    pub txid: i64,
    pub id: i64,
}

impl EventCursor {
    /// `txid-id`, as sent in each event's SSE `id` and read back from
    /// `Last-Event-ID`.
    pub fn parse(text: &str) -> Option<EventCursor> {
        let (txid, id) = text.split_once('-')?;
        let number = |s: &str| {
            s.bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| s.parse::<i64>().ok())
                .flatten()
        };
        Some(EventCursor {
            txid: number(txid)?,
            id: number(id)?,
        })
    }
}

impl std::fmt::Display for EventCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.txid, self.id)
    }
}

/// One event as stored.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct EventRow {
    pub id: i64,
    pub txid: i64,
    pub at: i64,
    pub kind: String,
    pub target: String,
    pub actor: Option<String>,
    /// The permission that may read it (`Permission::as_str`).
    pub audience: String,
    /// JSON: the summary of the record after the change.
    pub data: String,
}

impl EventRow {
    pub fn cursor(&self) -> EventCursor {
        EventCursor {
            txid: self.txid,
            id: self.id,
        }
    }
}

/// The `meta` key holding the newest cursor pruned (`txid-id`): a client
/// behind it may have missed events and must reload.
pub const EVENTS_PRUNED_TO: &str = "events_pruned_to";

#[async_trait::async_trait]
pub trait Events: Send + Sync {
    /// Up to `limit` committed events after `after`, in order. Never one
    /// whose transaction might still commit before an older one (see the
    /// migration), so a later read never finds one behind `after`.
    async fn events_after(&self, after: EventCursor, limit: u32) -> StoreResult<Vec<EventRow>>;
    /// The newest committed event's place; the start when there is none.
    async fn events_head(&self) -> StoreResult<EventCursor>;
    /// Deletes the events written before `before` (ms); records and returns
    /// the newest place deleted, if any was.
    async fn prune_events(&self, before: i64) -> StoreResult<Option<EventCursor>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_what_it_writes_and_nothing_else() {
        let cursor = EventCursor {
            txid: 7_123,
            id: 42,
        };
        assert_eq!(cursor.to_string(), "7123-42");
        assert_eq!(EventCursor::parse("7123-42"), Some(cursor));
        for bad in [
            "",
            "42",
            "-1-2",
            "1--2",
            "1-2-3",
            "a-1",
            "1-+2",
            " 1-2",
            "1-99999999999999999999",
        ] {
            assert_eq!(EventCursor::parse(bad), None, "{bad:?}");
        }
        assert!(EventCursor { txid: 1, id: 90 } < EventCursor { txid: 2, id: 3 });
    }
}
