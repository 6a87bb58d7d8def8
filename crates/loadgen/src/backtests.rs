//! `--backtest DAYS`: an officer backtesting a draft of the rules while the
//! payment clients run, to measure what a backtest costs the payments; and
//! `--beside COMMAND`, the same with a command in its place (the database's
//! own reads of the same history, say): the ceiling to compare it with.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use crate::get;

/// An officer's backtests of a draft (the live rules with the ten-minute
/// velocity window loosened), one after another until `stop`: each one's
/// payments and time, as the service recorded them.
pub async fn one_after_another(
    client: reqwest::Client,
    url: String,
    token: String,
    days: i64,
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> anyhow::Result<Vec<String>> {
    let overview = get(&client, &url, &token, "/v1/rules").await?;
    let mut rules = overview["in_force"].clone();
    rules["velocity"]["windows"][0]["max_count"] = serde_json::json!(5);
    let draft: serde_json::Value = client
        .post(format!("{url}/v1/rules"))
        .bearer_auth(&token)
        .header("Idempotency-Key", format!("loadgen-{}", std::process::id()))
        .json(&serde_json::json!({"based_on": overview["live_version"], "rules": rules, "note": "loadgen"}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let id = draft["id"].as_i64().context("draft id")?;
    let mut runs = Vec::new();
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        let started: serde_json::Value = client
            .post(format!("{url}/v1/rules/{id}/backtests"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"days": days}))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let backtest = started["id"].as_i64().context("backtest id")?;
        let view = loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let view = get(&client, &url, &token, &format!("/v1/backtests/{backtest}")).await?;
            if view["status"] != "running" {
                break view;
            }
        };
        let millis = |field: &str| {
            chrono::DateTime::parse_from_rfc3339(view[field].as_str().unwrap_or_default())
                .map(|t| t.timestamp_millis())
        };
        runs.push(format!(
            "{} {} payments in {:.2} s",
            view["status"].as_str().unwrap_or("?"),
            view["total"],
            (millis("finished_at")? - millis("started_at")?) as f64 / 1000.0
        ));
    }
    Ok(runs)
}

/// `command` run by the shell, one run after another until `stop`: each
/// run's time.
pub async fn command_over_and_over(
    command: String,
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> anyhow::Result<Vec<String>> {
    let mut runs = Vec::new();
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        let started = std::time::Instant::now();
        let status = tokio::process::Command::new("sh")
            .arg("-c")
            .arg(&command)
            .stdout(std::process::Stdio::null())
            .status()
            .await?;
        anyhow::ensure!(status.success(), "`{command}` failed: {status}");
        runs.push(format!("{:.2} s", started.elapsed().as_secs_f64()));
    }
    Ok(runs)
}
