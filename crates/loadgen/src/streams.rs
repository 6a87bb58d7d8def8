//! `--streams N`: N consoles' live streams (`GET /v1/events`) open beside
//! the payment clients, each an operator of its own on a loopback address
//! of its own (as N officers at N desks). Every `--listed-every`-th order
//! is paid on a blacklisted device, so it raises a critical alert; each
//! stream notes when that alert's event reached it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::Context;
use hdrhistogram::Histogram;
use tokio::sync::watch;

/// When the orders that raised alerts were sent and answered, by alert id.
#[derive(Clone, Default)]
pub struct Raised(Arc<Mutex<HashMap<i64, (Instant, Instant)>>>);

impl Raised {
    pub fn note(&self, answer: &serde_json::Value, sent: Instant, answered: Instant) {
        let Some(alerts) = answer["alerts"].as_array() else {
            return;
        };
        let mut raised = self.0.lock().unwrap_or_else(|e| e.into_inner());
        for id in alerts.iter().filter_map(|a| a["id"].as_i64()) {
            raised.insert(id, (sent, answered));
        }
    }
}

/// Alert ids as one stream read them, each with when.
type Seen = Vec<(i64, Instant)>;

/// The open streams, until `close`.
pub struct Consoles {
    readers: Vec<tokio::task::JoinHandle<anyhow::Result<Seen>>>,
    stop: watch::Sender<bool>,
}

/// What the streams saw of the alerts raised.
pub struct Delays {
    /// From the order's sending to the event's receipt, µs.
    pub from_sent: Histogram<u64>,
    /// From the order's answer to the event's receipt, µs (0 when the event
    /// came first).
    pub from_answer: Histogram<u64>,
    /// Alerts raised that a stream never got (one count per stream).
    pub missed: u64,
    pub alerts: usize,
}

/// Adds `count` risk officers as `admin` and opens a stream for each.
pub async fn open(
    url: &str,
    admin: &serde_json::Value,
    count: usize,
    run: u64,
) -> anyhow::Result<Consoles> {
    let http = reqwest::Client::new();
    let admin = crate::sign_in(&http, url, admin).await?;
    let (stop, stopped) = watch::channel(false);
    let mut readers = Vec::new();
    for n in 0..count {
        let id = format!("lg{run}-{n}");
        let added: serde_json::Value = http
            .post(format!("{url}/v1/operators"))
            .bearer_auth(&admin)
            .header("Idempotency-Key", format!("add-{id}"))
            .json(&serde_json::json!({
                "id": id, "display_name": format!("压测{n}"), "role": "risk_officer",
            }))
            .send()
            .await?
            .error_for_status()
            .with_context(|| format!("adding operator {id}"))?
            .json()
            .await?;
        let password = added["credentials"]["initial_password"]
            .as_str()
            .context("the one-time password")?;
        let uri = added["credentials"]["otpauth_uri"]
            .as_str()
            .context("the otpauth URI")?;
        let secret = uri
            .split_once("secret=")
            .and_then(|(_, rest)| rest.split('&').next())
            .context("the TOTP secret")?;
        // One desk, one address: the per-address sign-in limit is for
        // floods, not for a team starting its day.
        let source = std::net::Ipv4Addr::new(127, 0, 1, 1 + u8::try_from(n % 250)?);
        let desk = reqwest::Client::builder()
            .local_address(std::net::IpAddr::V4(source))
            .build()?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_secs();
        let body = serde_json::json!({
            "operator_id": id, "password": password,
            "totp_code": riskdesk_server::auth::totp_code(secret, now).context("TOTP")?,
            "new_password": format!("own password of {id}"),
        });
        // The service takes so many sign-ins a second in all: wait as told.
        let signed: serde_json::Value = loop {
            let answer = desk
                .post(format!("{url}/v1/auth/sign-in"))
                .json(&body)
                .send()
                .await?;
            if answer.status() != 429 {
                break answer.json().await?;
            }
            let wait = answer
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok()?.parse().ok())
                .unwrap_or(1);
            tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
        };
        let token = signed["token"]
            .as_str()
            .with_context(|| format!("signing in {id}: {signed}"))?;
        let mut stream = desk
            .get(format!("{url}/v1/events"))
            .bearer_auth(token)
            .send()
            .await?
            .error_for_status()?;
        // The stream is open once its first event, `ready`, is read.
        let mut pending = String::new();
        while !pending.contains("event: ready") {
            let chunk = stream.chunk().await?.context("the stream ended at once")?;
            pending.push_str(std::str::from_utf8(&chunk)?);
        }
        readers.push(tokio::spawn(read(stream, stopped.clone())));
    }
    Ok(Consoles { readers, stop })
}

/// Each `alert.raised` event's alert id and when it was read, until `stop`.
async fn read(
    mut stream: reqwest::Response,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<Seen> {
    let mut seen = Vec::new();
    let mut pending = String::new();
    loop {
        let chunk = tokio::select! {
            chunk = stream.chunk() => chunk?,
            _ = stop.changed() => return Ok(seen),
        };
        let Some(chunk) = chunk else {
            anyhow::bail!("a stream ended during the run");
        };
        let received = Instant::now();
        pending.push_str(std::str::from_utf8(&chunk)?);
        while let Some(end) = pending.find("\n\n") {
            let block: String = pending.drain(..end + 2).collect();
            if !block.contains("event: alert.raised\n") {
                continue;
            }
            let data = block
                .lines()
                .find_map(|line| line.strip_prefix("data: "))
                .context("an event's data")?;
            let event: serde_json::Value = serde_json::from_str(data)?;
            if let Some(id) = event["record"]["id"].as_i64() {
                seen.push((id, received));
            }
        }
    }
}

impl Consoles {
    /// Closes the streams (after a moment for the last events) and matches
    /// what each read against the alerts raised.
    pub async fn close(self, raised: &Raised) -> anyhow::Result<Delays> {
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        self.stop.send_replace(true);
        let raised = raised.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let mut delays = Delays {
            from_sent: Histogram::new(3)?,
            from_answer: Histogram::new(3)?,
            missed: 0,
            alerts: raised.len(),
        };
        let micros = |d: std::time::Duration| u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        for reader in self.readers {
            let seen: HashMap<i64, Instant> = reader.await??.into_iter().collect();
            for (alert, (sent, answered)) in &raised {
                match seen.get(alert) {
                    Some(received) => {
                        delays
                            .from_sent
                            .record(micros(received.saturating_duration_since(*sent)))?;
                        delays
                            .from_answer
                            .record(micros(received.saturating_duration_since(*answered)))?;
                    }
                    None => delays.missed += 1,
                }
            }
        }
        Ok(delays)
    }
}
