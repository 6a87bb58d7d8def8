//! `--flood N`: a sign-in flood from many loopback addresses beside the
//! payment clients, to measure what it costs the payments.

use std::sync::Arc;
use std::time::{Duration, Instant};

/// What a sign-in flood sent and how it was answered.
pub struct Flood {
    pub sent: u64,
    pub limited: u64,
    pub refused: u64,
    pub other: u64,
    pub seconds: f64,
}

/// Sign-ins with random ids and wrong passwords from `clients` clients, each
/// bound to its own loopback address, until `stop`.
pub async fn sign_in_flood(
    url: String,
    clients: usize,
    rate: Option<f64>,
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> anyhow::Result<Flood> {
    let started = Instant::now();
    let period = rate.map(|rate| Duration::from_secs_f64(clients as f64 / rate));
    let mut tasks = Vec::new();
    for n in 0..clients {
        let source = std::net::Ipv4Addr::new(127, 0, 0, 2 + u8::try_from(n % 250)?);
        let client = reqwest::Client::builder()
            .local_address(std::net::IpAddr::V4(source))
            .build()?;
        let (url, stop) = (url.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let mut schedule = period.map(|period| {
                let mut interval = tokio::time::interval(period);
                interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
                interval
            });
            let mut counts = [0u64; 3];
            let mut i = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                if let Some(interval) = schedule.as_mut() {
                    interval.tick().await;
                }
                let body = serde_json::json!({
                    "operator_id": format!("flood.{n}.{i}"),
                    "password": "not the password",
                    "totp_code": "000000",
                });
                let status = client
                    .post(format!("{url}/v1/auth/sign-in"))
                    .json(&body)
                    .send()
                    .await
                    .map(|r| r.status().as_u16());
                counts[match status {
                    Ok(429) => 0,
                    Ok(401) => 1,
                    _ => 2,
                }] += 1;
                i += 1;
            }
            counts
        }));
    }
    let mut totals = [0u64; 3];
    for task in tasks {
        for (total, count) in totals.iter_mut().zip(task.await?) {
            *total += count;
        }
    }
    Ok(Flood {
        sent: totals.iter().sum(),
        limited: totals[0],
        refused: totals[1],
        other: totals[2],
        seconds: started.elapsed().as_secs_f64(),
    })
}
