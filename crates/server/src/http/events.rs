//! The live event stream, `GET /v1/events`: server-sent events of what
//! changed, filtered by what the operator's role may read, resumable after
//! a `Last-Event-ID`. Each stream is one task between the instance's hub
//! (`crate::live`) and the response: it catches up from the outbox, then
//! follows the hub, sends a heartbeat and checks its session every
//! `Live::heartbeat`, and ends when the session, the client or the
//! instance does.

use std::convert::Infallible;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use riskdesk_api::ProblemCode;
use riskdesk_api::live::{LiveEnd, LiveEvent, LiveReady, LiveRecord};
use riskdesk_domain::alert::Severity;
use riskdesk_domain::events::EventKind;
use riskdesk_domain::money::Money;
use riskdesk_domain::operator::{Permission, Role};
use tokio::sync::{broadcast, mpsc};

use super::AppState;
use super::problem::{ApiError, ApiResult};
use super::session::Signed;
use crate::clock::utc;
use crate::live::{self, READ_BATCH};
use crate::store::{EventCursor, EventRow};

/// Events a stream holds for a client that reads slowly; beyond them the
/// stream waits, and catches up from the outbox when the hub moved on.
const BUFFERED: usize = 64;

/// The stream of changes, as they commit.
///
/// Server-sent events: first `ready` (`LiveReady`), then one event per
/// change, named by its kind (`alert.raised` …) with a `LiveEvent` as data
/// and its place as `id`, a comment as heartbeat, and `end` (`LiveEnd`)
/// when the session ends. Send the last `id` seen as `Last-Event-ID` to
/// resume after it; `ready.reload` says when that was too old.
#[utoipa::path(get, path = "/v1/events", tag = "live",
    params(("Last-Event-ID" = Option<String>, Header,
        description = "The last event's id seen (`txid-id`): resume after it.")),
    security(("bearer" = [])),
    responses(
        (status = 200, content_type = "text/event-stream", body = LiveEvent,
            description = "The stream: `ready`, then the events, as they commit."),
        (status = 400, body = riskdesk_api::Problem),
        (status = 403, body = riskdesk_api::Problem),
        (status = 429, body = riskdesk_api::Problem)))]
pub async fn stream(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let readable: Vec<Permission> = EventKind::ALL.iter().map(|k| k.audience()).collect();
    signed.require_any(&readable)?;
    let last = match headers.get("last-event-id") {
        None => None,
        Some(value) => Some(
            value
                .to_str()
                .ok()
                .and_then(EventCursor::parse)
                .ok_or_else(|| {
                    ApiError::new(
                        ProblemCode::InvalidValue,
                        "Last-Event-ID: expected an event's id as sent (txid-id)",
                    )
                })?,
        ),
    };
    let slot = state.live.open_stream(&signed.operator.id).ok_or_else(|| {
        ApiError::new(
            ProblemCode::RateLimited,
            format!(
                "at most {} live streams per operator; close another first",
                live::MAX_STREAMS_PER_OPERATOR
            ),
        )
    })?;
    state.live.start(&state.store);
    // Following the hub from before the start is read: nothing falls
    // between the two.
    let hub = state.live.subscribe();
    let (start, reload) = live::start_after(&*state.store, last).await?;
    let (sender, receiver) = mpsc::channel(BUFFERED);
    let ready = LiveReady {
        head: start.to_string(),
        reload,
    };
    let ready = Event::default()
        .event("ready")
        .id(start.to_string())
        .json_data(ready)
        .map_err(anyhow::Error::from)?;
    sender
        .try_send(ready)
        .map_err(|_| anyhow::anyhow!("a new stream's buffer is full"))?;
    let follower = Follower {
        role: signed.operator.role,
        token_hash: signed.token_hash().to_owned(),
        last: start,
        sender,
        state,
    };
    tokio::spawn(async move {
        let _slot = slot;
        follower.run(hub).await;
    });
    let events = futures_util::stream::unfold(receiver, |mut receiver| async move {
        let event = receiver.recv().await?;
        Some((Ok::<_, Infallible>(event), receiver))
    });
    // Proxies must pass each event on as it comes.
    Ok(([("x-accel-buffering", "no")], Sse::new(events)).into_response())
}

/// One stream's task.
struct Follower {
    role: Role,
    token_hash: String,
    /// The last event sent or passed over.
    last: EventCursor,
    sender: mpsc::Sender<Event>,
    state: AppState,
}

impl Follower {
    async fn run(mut self, mut hub: broadcast::Receiver<std::sync::Arc<EventRow>>) {
        let mut closing = self.state.live.closing();
        let mut beat = tokio::time::interval(self.state.live.heartbeat);
        beat.tick().await;
        if *closing.borrow_and_update() || !self.catch_up().await {
            return;
        }
        loop {
            let going_on = tokio::select! {
                got = hub.recv() => match got {
                    Ok(row) => self.pass(&row).await,
                    Err(broadcast::error::RecvError::Lagged(_)) => self.catch_up().await,
                    Err(broadcast::error::RecvError::Closed) => false,
                },
                _ = beat.tick() => self.beat().await,
                // Only ever set to true (or gone with the hub).
                _ = closing.changed() => false,
                () = self.sender.closed() => false,
            };
            if !going_on {
                return;
            }
        }
    }

    /// Sends what the outbox holds after `last`; false when the stream ends.
    async fn catch_up(&mut self) -> bool {
        loop {
            let rows = match self.state.store.events_after(self.last, READ_BATCH).await {
                Ok(rows) => rows,
                Err(e) => {
                    tracing::error!(error = %e, "a live stream could not read the outbox");
                    return false;
                }
            };
            let more = rows.len() == READ_BATCH as usize;
            for row in &rows {
                if !self.pass(row).await {
                    return false;
                }
            }
            if !more {
                return true;
            }
        }
    }

    /// Sends `row` if it is new here and the role may read it.
    async fn pass(&mut self, row: &EventRow) -> bool {
        if row.cursor() <= self.last {
            return true;
        }
        self.last = row.cursor();
        let readable = row
            .audience
            .parse::<Permission>()
            .is_ok_and(|p| self.role.can(p));
        if !readable {
            return true;
        }
        let mut data = live_event(row);
        if let Some(actor) = &row.actor {
            data.actor_name = self
                .state
                .live
                .actor_name(self.state.store.as_ref(), actor)
                .await;
        }
        let event = Event::default()
            .event(&row.kind)
            .id(row.cursor().to_string())
            .json_data(data);
        match event {
            Ok(event) => self.sender.send(event).await.is_ok(),
            Err(e) => {
                tracing::error!(error = %e, "a live event could not be written");
                false
            }
        }
    }

    /// A heartbeat, once the session is checked: the stream ends with it.
    async fn beat(&mut self) -> bool {
        match Signed::check(&self.state, self.token_hash.clone(), false).await {
            Ok(signed) => {
                // A role changed meanwhile filters from now on.
                self.role = signed.operator.role;
                self.sender.send(Event::default().comment("")).await.is_ok()
            }
            Err(why) => {
                let reason = match why {
                    ApiError::Problem(problem) => problem.detail,
                    ApiError::Internal(e) => {
                        tracing::error!(
                            error = format!("{e:#}"),
                            "a live stream's session check failed"
                        );
                        "the service could not check the session".to_owned()
                    }
                };
                if let Ok(end) = Event::default().event("end").json_data(LiveEnd { reason }) {
                    let _ = self.sender.send(end).await;
                }
                false
            }
        }
    }
}

/// The fields of the outbox's summary (`riskdesk_domain::events::summary`).
#[derive(Default, serde::Deserialize)]
#[serde(default)]
struct Summary {
    id: Option<i64>,
    account_id: Option<i64>,
    transaction_id: Option<i64>,
    rule: Option<String>,
    severity_rank: Option<i16>,
    status: Option<String>,
    assignee: Option<String>,
    escalated_by: Option<String>,
    disposition: Option<String>,
    kind: Option<String>,
    tier: Option<String>,
    source: Option<String>,
    maker: Option<String>,
    amount_fen: Option<i64>,
    version: Option<i64>,
}

/// An outbox row as the wire has it (the actor's name apart).
fn live_event(row: &EventRow) -> LiveEvent {
    let s: Summary = serde_json::from_str(&row.data).unwrap_or_default();
    LiveEvent {
        id: row.cursor().to_string(),
        kind: row.kind.clone(),
        at: utc(row.at),
        target: row.target.clone(),
        actor: row.actor.clone(),
        actor_name: None,
        record: LiveRecord {
            id: s.id,
            account_id: s.account_id,
            transaction_id: s.transaction_id,
            rule: s.rule,
            severity: s
                .severity_rank
                .and_then(Severity::from_rank)
                .map(|s| s.as_str().to_owned()),
            status: s.status,
            assignee: s.assignee,
            escalated_by: s.escalated_by,
            disposition: s.disposition,
            kind: s.kind,
            tier: s.tier,
            source: s.source,
            maker: s.maker,
            amount: s.amount_fen.and_then(|fen| Money::from_fen(fen).ok()),
            version: s.version,
        },
    }
}
