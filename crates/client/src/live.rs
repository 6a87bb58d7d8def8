//! The live event stream (`GET /v1/events`): opened with the last event's
//! id seen, read one message at a time. A stream that says nothing for
//! longer than three heartbeats is treated as broken, so a line that died
//! without closing is found out.

use std::pin::Pin;
use std::time::Duration;

use eventsource_stream::{EventStreamError, Eventsource};
use futures_util::{Stream, StreamExt};
use reqwest::Method;
use riskdesk_api::live::{LiveEnd, LiveEvent, LiveReady};

use crate::{Client, ClientError};

/// The service's heartbeat is every 15 s: silence for this long is a
/// broken line.
pub const SILENCE_LIMIT: Duration = Duration::from_secs(45);
/// A stream lives at most as long as a session may.
const STREAM_LIMIT: Duration = Duration::from_secs(9 * 3600);

/// One message of the stream.
#[derive(Clone, Debug, PartialEq)]
pub enum LiveMessage {
    /// The first: where the stream starts, and whether the client must
    /// reload because what it missed is no longer kept.
    Ready(LiveReady),
    Event(Box<LiveEvent>),
    /// The last: the session ended.
    End(LiveEnd),
}

/// Why the bytes under the stream stopped.
#[derive(Debug)]
enum Broken {
    Transport(reqwest::Error),
    /// Nothing came, not even a heartbeat, for [`SILENCE_LIMIT`].
    Silent,
}

type Frames =
    Pin<Box<dyn Stream<Item = Result<eventsource_stream::Event, EventStreamError<Broken>>> + Send>>;

/// The response's bytes, each piece due within [`SILENCE_LIMIT`]: the
/// heartbeats are comments, which the frames never show, so the silence is
/// measured here, under them.
fn watched(response: reqwest::Response) -> Frames {
    let bytes = Box::pin(response.bytes_stream());
    let pieces = futures_util::stream::unfold(Some(bytes), |bytes| async move {
        let mut bytes = bytes?;
        match tokio::time::timeout(SILENCE_LIMIT, bytes.next()).await {
            Ok(Some(Ok(piece))) => Some((Ok(piece), Some(bytes))),
            Ok(Some(Err(e))) => Some((Err(Broken::Transport(e)), None)),
            Ok(None) => None,
            Err(_) => Some((Err(Broken::Silent), None)),
        }
    });
    Box::pin(pieces.eventsource())
}

/// An open stream.
pub struct LiveStream {
    frames: Frames,
    client: Client,
}

impl std::fmt::Debug for LiveStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveStream").finish_non_exhaustive()
    }
}

impl Client {
    /// Opens the stream, after `last_event_id` when given.
    pub async fn live(&self, last_event_id: Option<&str>) -> Result<LiveStream, ClientError> {
        let mut request = self
            .request(Method::GET, "/v1/events")
            .header("accept", "text/event-stream")
            .timeout(STREAM_LIMIT);
        if let Some(last) = last_event_id {
            request = request.header("last-event-id", last);
        }
        let response = self.open_body(request).await?;
        Ok(LiveStream {
            frames: watched(response),
            client: self.clone(),
        })
    }
}

impl LiveStream {
    /// The next message; `None` when the service closed the stream.
    pub async fn next(&mut self) -> Result<Option<LiveMessage>, ClientError> {
        let frame = match self.frames.next().await {
            None => return Ok(None),
            Some(Ok(frame)) => frame,
            Some(Err(EventStreamError::Transport(Broken::Transport(e)))) => {
                return Err(self.client.transport_error(&e));
            }
            Some(Err(EventStreamError::Transport(Broken::Silent))) => {
                return Err(ClientError::Timeout(SILENCE_LIMIT));
            }
            Some(Err(EventStreamError::Utf8(e))) => {
                return Err(ClientError::Protocol(format!("the live stream: {e}")));
            }
            Some(Err(EventStreamError::Parser(e))) => {
                return Err(ClientError::Protocol(format!("the live stream: {e}")));
            }
        };
        let parse = |what: &str| {
            ClientError::Protocol(format!("the live stream's {what} event: {}", frame.data))
        };
        Ok(Some(match frame.event.as_str() {
            "ready" => {
                LiveMessage::Ready(serde_json::from_str(&frame.data).map_err(|_| parse("ready"))?)
            }
            "end" => LiveMessage::End(serde_json::from_str(&frame.data).map_err(|_| parse("end"))?),
            // A kind this client does not know is still an event: the
            // console shows what it can of it.
            _ => LiveMessage::Event(Box::new(
                serde_json::from_str(&frame.data).map_err(|_| parse(&frame.event))?,
            )),
        }))
    }
}
