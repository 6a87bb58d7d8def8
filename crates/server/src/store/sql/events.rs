//! [`Events`] over sqlx: the outbox written inside each change's own
//! transaction (`add_event`), and read in commit order — on PostgreSQL by
//! (transaction id, id), only of transactions older than every one still
//! running (see `migrations/postgres/0013_events.sql`).

use riskdesk_domain::events::EventKind;

use super::decisions::Tx;
use super::*;

/// The actor of the engine's own events (an alert raised, a freeze placed
/// or lapsed), as its freezes name their maker.
pub(super) const ENGINE: Option<&str> = Some("engine");

const EVENT_FIELDS: &str = "id, txid, at, kind, target, actor, audience, data";

/// The columns of [`EVENT_FIELDS`] as each backend reads them: PostgreSQL's
/// `xid8` has no binary form sqlx knows, so it travels as a number.
fn event_fields<DB: Database>() -> &'static str {
    if DB::NAME == "PostgreSQL" {
        "id, txid::text::bigint AS txid, at, kind, target, actor, audience, data"
    } else {
        EVENT_FIELDS
    }
}

/// ` AND` the events at or after `cursor` (`>`), or at or before it (`<=`)
/// in stream order, and — on PostgreSQL — only those whose transaction is
/// older than every one still running.
fn in_order<'q, DB: Database>(q: &mut Query<'q, DB>, operator: &str, cursor: EventCursor)
where
    i64: 'q + Encode<'q, DB> + Type<DB>,
{
    if DB::NAME == "PostgreSQL" {
        q.push(" AND (txid, id) ")
            .push(operator)
            .push(" (CAST(CAST(")
            .bind(cursor.txid)
            .push(" AS BIGINT) AS TEXT)::xid8, ")
            .bind(cursor.id)
            .push(")");
        q.push(" AND txid < pg_snapshot_xmin(pg_current_snapshot())");
    } else {
        q.push(" AND id ").push(operator).push(" ").bind(cursor.id);
    }
}

#[for_backends]
#[async_trait::async_trait]
impl<DB> Events for SqlStore<DB> {
    async fn events_after(&self, after: EventCursor, limit: u32) -> StoreResult<Vec<EventRow>> {
        fetch_all(&self.pool, |q| {
            q.push("SELECT ")
                .push(event_fields::<DB>())
                .push(" FROM events WHERE TRUE");
            in_order(q, ">", after);
            q.push(" ORDER BY txid, id LIMIT ").bind(i64::from(limit));
        })
        .await
    }

    async fn events_head(&self) -> StoreResult<EventCursor> {
        let newest: Option<EventRow> = fetch_optional(&self.pool, |q| {
            q.push("SELECT ")
                .push(event_fields::<DB>())
                .push(" FROM events WHERE TRUE");
            in_order(q, ">", EventCursor::default());
            q.push(" ORDER BY txid DESC, id DESC LIMIT 1");
        })
        .await?;
        Ok(newest.map(|e| e.cursor()).unwrap_or_default())
    }

    async fn prune_events(&self, before: i64) -> StoreResult<Option<EventCursor>> {
        let mut tx = self.begin_write().await?;
        let newest: Option<EventRow> = fetch_optional(&mut *tx, |q| {
            q.push("SELECT ")
                .push(event_fields::<DB>())
                .push(" FROM events WHERE at < ")
                .bind(before);
            in_order(q, ">", EventCursor::default());
            q.push(" ORDER BY txid DESC, id DESC LIMIT 1");
        })
        .await?;
        let Some(newest) = newest.map(|e| e.cursor()) else {
            tx.rollback().await?;
            return Ok(None);
        };
        execute(&mut *tx, |q| {
            q.push("DELETE FROM events WHERE TRUE");
            in_order(q, "<=", newest);
        })
        .await?;
        execute(&mut *tx, |q| {
            q.push("INSERT INTO meta (key, value) VALUES (")
                .bind(EVENTS_PRUNED_TO.to_owned());
            q.push(", ").bind(newest.to_string());
            q.push(") ON CONFLICT (key) DO UPDATE SET value = excluded.value");
        })
        .await?;
        tx.commit().await?;
        Ok(Some(newest))
    }
}

/// An event written with the change it tells of (see [`SqlStore::add_events`]).
#[derive(serde::Serialize)]
pub(super) struct NewEvent {
    pub at: i64,
    pub kind: &'static str,
    pub target: String,
    pub actor: Option<String>,
    pub audience: &'static str,
    /// JSON: the summary of the record after the change.
    pub data: String,
}

impl NewEvent {
    pub fn new(
        at: i64,
        kind: EventKind,
        target: String,
        actor: Option<&str>,
        data: &serde_json::Value,
    ) -> NewEvent {
        NewEvent {
            at,
            kind: kind.name(),
            target,
            actor: actor.map(str::to_owned),
            audience: kind.audience().as_str(),
            data: data.to_string(),
        }
    }
}

#[for_backends]
impl<DB> SqlStore<DB> {
    /// Writes `kind`'s event about `target` in the transaction making the
    /// change, with the summary of the record after it (`data`, JSON).
    pub(super) async fn add_event(
        tx: &mut Tx<DB>,
        at: i64,
        kind: EventKind,
        target: &str,
        actor: Option<&str>,
        data: &serde_json::Value,
    ) -> StoreResult<()> {
        let event = NewEvent::new(at, kind, target.to_owned(), actor, data);
        Self::add_events(tx, &[event]).await
    }

    /// Writes events in the transaction making their changes, in order:
    /// one as a row of values (an operator's decision, where a row read
    /// out of JSON costs more than it saves), many as one JSON array.
    pub(super) async fn add_events(tx: &mut Tx<DB>, events: &[NewEvent]) -> StoreResult<()> {
        if let [e] = events {
            return execute(&mut **tx, |q| {
                q.push("INSERT INTO events (at, kind, target, actor, audience, data)");
                q.values(&[()], |t, ()| {
                    t.bind(e.at)
                        .bind(e.kind.to_owned())
                        .bind(e.target.clone())
                        .bind(e.actor.clone())
                        .bind(e.audience.to_owned())
                        .bind(e.data.clone());
                });
            })
            .await;
        }
        execute(&mut **tx, |q| {
            q.push("INSERT INTO events (at, kind, target, actor, audience, data) SELECT ");
            q.push(&fields(&[
                ("at", "BIGINT"),
                ("kind", "TEXT"),
                ("target", "TEXT"),
                ("actor", "TEXT"),
                ("audience", "TEXT"),
                ("data", "TEXT"),
            ]));
            q.push(" FROM ");
            json_objects(q, &events);
        })
        .await
    }
}
