//! The live event stream's hub, one per instance: a poller reads the
//! outbox (every instance's committed events, in order) a few times a
//! second and hands each event to every open stream of this instance
//! through one broadcast channel. A stream that falls behind the channel,
//! or starts after a `Last-Event-ID`, reads what it missed from the outbox
//! itself, so none is lost either way.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use tokio::sync::{broadcast, watch};

use crate::store::{EventCursor, EventRow, Store};

/// How often the outbox is read: the most an event waits on the poller.
pub const POLL_INTERVAL: Duration = Duration::from_millis(100);
/// Events read at once, by the poller or a stream catching up.
pub const READ_BATCH: u32 = 500;
/// Open streams one operator may hold on one instance (a console holds one).
pub const MAX_STREAMS_PER_OPERATOR: usize = 4;
/// How long events are kept for a stream resuming after a gap.
pub const RETENTION_MS: i64 = 24 * 3600 * 1000;
/// Events the channel holds for a slow stream before it must read the
/// outbox itself.
const CHANNEL_CAPACITY: usize = 4096;

/// The hub: its channel, its streams' count per operator, and whether the
/// instance is shutting down.
#[derive(Debug)]
pub struct Live {
    events: broadcast::Sender<Arc<EventRow>>,
    streams: Mutex<HashMap<String, usize>>,
    closing: watch::Sender<bool>,
    poller: OnceLock<()>,
    /// Actors' display names (`None`: not an operator, as the engine): a
    /// name never changes, so each is read once per instance.
    names: Mutex<HashMap<String, Option<String>>>,
    /// How often a stream sends a heartbeat and checks its session.
    pub heartbeat: Duration,
}

impl Default for Live {
    fn default() -> Self {
        Live::with_heartbeat(Duration::from_secs(15))
    }
}

impl Live {
    pub fn with_heartbeat(heartbeat: Duration) -> Live {
        Live {
            events: broadcast::channel(CHANNEL_CAPACITY).0,
            streams: Mutex::default(),
            closing: watch::channel(false).0,
            poller: OnceLock::new(),
            names: Mutex::default(),
            heartbeat,
        }
    }

    /// Starts the poller, once, on the first stream: an instance nobody
    /// streams from reads nothing.
    pub fn start(self: &Arc<Self>, store: &Arc<dyn Store>) {
        self.poller.get_or_init(|| {
            tokio::spawn(poll(Arc::downgrade(self), store.clone()));
        });
    }

    /// The channel, from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<EventRow>> {
        self.events.subscribe()
    }

    /// Ends every stream (the instance is shutting down, and a server
    /// waits for open responses to end).
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Becomes true when the instance shuts down.
    pub fn closing(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// The display name of `actor` when it is an operator.
    pub async fn actor_name(&self, store: &dyn Store, actor: &str) -> Option<String> {
        let known = |names: &Self| {
            let names = names.names.lock().unwrap_or_else(|e| e.into_inner());
            names.get(actor).cloned()
        };
        if let Some(name) = known(self) {
            return name;
        }
        let name = match store.operator(actor).await {
            Ok(operator) => operator.map(|o| o.display_name),
            Err(e) => {
                // Not kept: the next event asks again.
                tracing::warn!(error = %e, "an actor's name could not be read");
                return None;
            }
        };
        let mut names = self.names.lock().unwrap_or_else(|e| e.into_inner());
        names.insert(actor.to_owned(), name.clone());
        name
    }

    /// One more stream for `operator`; `None` at the limit. The stream
    /// gives its place back when dropped.
    pub fn open_stream(self: &Arc<Self>, operator: &str) -> Option<StreamSlot> {
        let mut streams = self.streams.lock().unwrap_or_else(|e| e.into_inner());
        let open = streams.entry(operator.to_owned()).or_default();
        if *open >= MAX_STREAMS_PER_OPERATOR {
            return None;
        }
        *open += 1;
        Some(StreamSlot {
            live: self.clone(),
            operator: operator.to_owned(),
        })
    }
}

/// An open stream's place among its operator's.
#[derive(Debug)]
pub struct StreamSlot {
    live: Arc<Live>,
    operator: String,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut streams = self.live.streams.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(open) = streams.get_mut(&self.operator) {
            *open -= 1;
            if *open == 0 {
                streams.remove(&self.operator);
            }
        }
    }
}

/// Reads the outbox after the last event seen and sends each on, until
/// the hub is gone.
async fn poll(live: Weak<Live>, store: Arc<dyn Store>) {
    let mut head = None;
    let mut every = tokio::time::interval(POLL_INTERVAL);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let Some(live) = live.upgrade() else { return };
        let after = match head {
            Some(cursor) => cursor,
            None => match store.events_head().await {
                Ok(cursor) => *head.insert(cursor),
                Err(e) => {
                    tracing::error!(error = %e, "reading the event stream's head failed");
                    continue;
                }
            },
        };
        match store.events_after(after, READ_BATCH).await {
            Ok(rows) => {
                for row in rows {
                    head = Some(row.cursor());
                    // No stream open is no error: the next one reads the
                    // outbox from its own start.
                    let _ = live.events.send(Arc::new(row));
                }
            }
            Err(e) => tracing::error!(error = %e, "reading the event stream failed"),
        }
    }
}

/// Where a stream starts: after the client's `Last-Event-ID` when the
/// outbox still holds what came after it, else at the head (`reload`).
pub async fn start_after(
    store: &dyn Store,
    last: Option<EventCursor>,
) -> crate::store::StoreResult<(EventCursor, bool)> {
    let Some(last) = last else {
        return Ok((store.events_head().await?, false));
    };
    let pruned = store.meta(crate::store::EVENTS_PRUNED_TO).await?;
    let pruned = pruned.as_deref().and_then(EventCursor::parse);
    let head = store.events_head().await?;
    // Pruned past it, or never sent by this service (ahead of its head).
    if pruned.is_some_and(|pruned| last < pruned) || last > head {
        return Ok((head, true));
    }
    Ok((last, false))
}
