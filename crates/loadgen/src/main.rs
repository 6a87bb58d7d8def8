//! `riskdesk-loadgen`: drives a running service with N concurrent clients for
//! a fixed time and prints latency percentiles per request kind. It signs in
//! with the demo operator from `riskdesk-server demo --json` output. With
//! `--authorize KEY` the clients are the payment platform instead: each sends
//! checkout orders for the demo's accounts as a service client. With
//! `--decide` they are risk officers working the queue: claim the next alert,
//! close it, and (once the queue is clear) add notes. With `--metrics` they
//! read the managers' dashboard metrics over several periods and cuts. With
//! `--authorize KEY --flood N` the authorizations are measured alone, then
//! under a sign-in flood from N clients on N loopback addresses. With
//! `--authorize KEY --backtest DAYS` they are measured alone, then while
//! an officer backtests a draft of the rules on the last DAYS days, one
//! backtest after another; `--beside COMMAND` runs a shell command in the
//! backtests' place (the database's own reads: the ceiling). With
//! `--authorize KEY --streams N` N consoles' live streams are open during
//! the run, and each alert's delay from its order to each stream is
//! measured. With `--links` they read the accounts linked to accounts.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use hdrhistogram::Histogram;

mod authorize;
mod backtests;
mod flood;
mod streams;

#[derive(Parser)]
#[command(about = "Load generator for the RiskDesk read API")]
struct Args {
    /// A file holding the JSON line that `riskdesk-server demo --json` prints.
    #[arg(long)]
    demo_json: std::path::PathBuf,
    /// The service's URL, when the file has none (`riskdesk-server generate
    /// --json`). Given more than once, for instances over one database: the
    /// clients are spread over them in turn (sessions are shared).
    #[arg(long)]
    url: Vec<String>,
    #[arg(long, default_value_t = 50)]
    clients: usize,
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// Total requests per second, spread evenly over the clients (open loop:
    /// latency counts from when a request was due, so a slow answer is not
    /// hidden by the next request starting late). Without it each client sends
    /// its next request as soon as the last one is answered, which measures
    /// the service at saturation.
    #[arg(long)]
    rate: Option<f64>,
    /// Send authorizations as this service client (its key, from
    /// `riskdesk-server service-client add`) instead of reading.
    #[arg(long)]
    authorize: Option<String>,
    /// Work the alert queue (operators' decisions) instead of reading.
    #[arg(long)]
    decide: bool,
    /// Read the dashboard's metrics instead of the lists.
    #[arg(long)]
    metrics: bool,
    /// With --authorize: measure the authorizations twice in one run, alone
    /// and then under a sign-in flood from this many clients (random ids,
    /// wrong passwords), each from its own loopback address (127.0.0.2, …)
    /// so that the per-address limit alone cannot stop it.
    #[arg(long, requires = "authorize")]
    flood: Option<usize>,
    /// The flood's total sign-ins per second (open loop); without it each
    /// flood client sends its next sign-in as soon as the last is answered.
    #[arg(long, requires = "flood")]
    flood_rate: Option<f64>,
    /// With --authorize: measure the authorizations twice in one run, alone
    /// and then while an officer backtests a draft of the rules on the last
    /// this many days, one backtest after another; prints each one's time.
    #[arg(long, requires = "authorize", conflicts_with = "flood")]
    backtest: Option<i64>,
    /// With --authorize: as --backtest, with this shell command run over
    /// and over in the backtests' place (the database's own reads of the
    /// history, for the ceiling).
    #[arg(long, requires = "authorize", conflicts_with_all = ["flood", "backtest"])]
    beside: Option<String>,
    /// With --backtest or --beside: alternate the two measurements this
    /// many times (alone, beside, alone, …) and compare the pooled
    /// latencies, so that the machine's drift over minutes falls on both.
    #[arg(long, default_value_t = 1)]
    rounds: u32,
    /// With --authorize: open this many consoles' live streams (each a new
    /// risk officer, added as the demo's admin) and measure how long each
    /// alert raised takes to reach each stream.
    #[arg(long, requires = "authorize", conflicts_with_all = ["flood", "backtest", "beside"])]
    streams: Option<usize>,
    /// With --streams: every this-many-th order is paid on a blacklisted
    /// device, so it raises a critical alert.
    #[arg(long, default_value_t = 20, requires = "streams")]
    listed_every: usize,
    /// Read the accounts linked to accounts (two hops and the ring's
    /// score) instead of the lists: accounts from the list, and those of
    /// open alerts.
    #[arg(long, conflicts_with_all = ["authorize", "decide", "metrics"])]
    links: bool,
    /// With --links: these accounts' links too, as a kind of their own (a
    /// device farm's members, say).
    #[arg(long, value_delimiter = ',', requires = "links")]
    links_of: Vec<i64>,
}

/// With `--rate`, when client `client_no` sends: its share of the rate,
/// offset from the others'.
fn schedule(args: &Args, client_no: usize) -> Option<tokio::time::Interval> {
    let period = Duration::from_secs_f64(args.clients as f64 / args.rate?);
    let offset = period.mul_f64(client_no as f64 / args.clients as f64);
    let mut interval = tokio::time::interval_at(tokio::time::Instant::now() + offset, period);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    Some(interval)
}

/// The request kinds measured, each a list of paths the clients cycle through.
struct Kind {
    name: &'static str,
    paths: Vec<String>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let demo: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&args.demo_json)?)?;
    let urls = match args.url.as_slice() {
        [] => vec![
            demo["url"]
                .as_str()
                .context("--url, or a url in the file")?
                .to_owned(),
        ],
        urls => urls.to_vec(),
    };
    let url = urls[0].clone();
    let officer = demo["operators"]
        .as_array()
        .and_then(|ops| ops.iter().find(|o| o["role"] == "risk_officer"))
        .context("a risk officer in the demo JSON")?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.clients)
        .build()?;
    // A TOTP code is accepted once: a run right after another waits for the next one.
    let token = match sign_in(&client, &url, officer).await {
        Ok(token) => token,
        Err(_) => {
            tokio::time::sleep(Duration::from_secs(31)).await;
            sign_in(&client, &url, officer).await?
        }
    };

    if let Some(key) = &args.authorize {
        return authorize::authorize_load(&args, &client, &urls, &token, key, &demo).await;
    }
    if args.decide {
        return decide_load(&args, &client, &urls, &token).await;
    }
    let kinds = if args.metrics {
        metrics_kinds()
    } else if args.links {
        links_kinds(&client, &url, &token, &args.links_of).await?
    } else {
        read_kinds(&client, &url, &token).await?
    };
    let kinds = Arc::new(kinds);
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let mut tasks = Vec::new();
    for client_no in 0..args.clients {
        let url = urls[client_no % urls.len()].clone();
        let (client, token, kinds) = (client.clone(), token.clone(), kinds.clone());
        let mut schedule = schedule(&args, client_no);
        tasks.push(tokio::spawn(async move {
            let mut histograms: Vec<Histogram<u64>> = kinds
                .iter()
                .map(|_| Histogram::new(3).expect("histogram"))
                .collect();
            let mut errors = 0u64;
            let mut i = client_no;
            while Instant::now() < deadline {
                let kind = i % kinds.len();
                let paths = &kinds[kind].paths;
                let path = &paths[(i / kinds.len()) % paths.len()];
                let started = match schedule.as_mut() {
                    Some(interval) => interval.tick().await.into_std(),
                    None => Instant::now(),
                };
                let ok = client
                    .get(format!("{url}{path}"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .map(|r| r.status().is_success());
                match ok {
                    Ok(true) => {
                        let micros =
                            u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
                        histograms[kind].record(micros).ok();
                    }
                    _ => errors += 1,
                }
                i += 1;
            }
            (histograms, errors)
        }));
    }
    let mut totals: Vec<Histogram<u64>> = kinds
        .iter()
        .map(|_| Histogram::new(3).expect("histogram"))
        .collect();
    let mut errors = 0;
    for task in tasks {
        let (histograms, e) = task.await?;
        errors += e;
        for (total, h) in totals.iter_mut().zip(histograms) {
            total.add(h)?;
        }
    }
    let load = match args.rate {
        Some(rate) => format!("{rate:.0} requests/s offered in all (open loop)"),
        None => "each sending as soon as answered (closed loop)".to_owned(),
    };
    let total: u64 = totals.iter().map(Histogram::len).sum();
    println!(
        "{} clients, {load}, {} s: {total} requests ({:.0}/s), {errors} errors",
        args.clients,
        args.seconds,
        total as f64 / args.seconds as f64
    );
    println!("| request | requests | p50 ms | p99 ms | max ms |");
    println!("|---|---:|---:|---:|---:|");
    for (kind, h) in kinds.iter().zip(&totals) {
        let ms = |q: f64| h.value_at_quantile(q) as f64 / 1000.0;
        println!(
            "| {} | {} | {:.2} | {:.2} | {:.2} |",
            kind.name,
            h.len(),
            ms(0.5),
            ms(0.99),
            h.max() as f64 / 1000.0
        );
    }
    Ok(())
}

async fn sign_in(
    client: &reqwest::Client,
    url: &str,
    operator: &serde_json::Value,
) -> anyhow::Result<String> {
    let secret = operator["totp_secret"].as_str().context("totp_secret")?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let code = riskdesk_server::auth::totp_code(secret, now).context("TOTP secret")?;
    let response: serde_json::Value = client
        .post(format!("{url}/v1/auth/sign-in"))
        .json(&serde_json::json!({"operator_id": operator["id"], "password": operator["password"], "totp_code": code}))
        .send()
        .await?
        .json()
        .await?;
    response["token"]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("sign-in failed: {response}"))
}

async fn get(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    path: &str,
) -> anyhow::Result<serde_json::Value> {
    Ok(client
        .get(format!("{url}{path}"))
        .bearer_auth(token)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?)
}

/// The cursor that opens page `pages + 1` of `path`.
async fn cursor_after(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    path: &str,
    pages: usize,
) -> anyhow::Result<String> {
    let mut cursor = String::new();
    for _ in 0..pages {
        let sep = if cursor.is_empty() {
            String::new()
        } else {
            format!("&cursor={cursor}")
        };
        let page = get(client, url, token, &format!("{path}{sep}")).await?;
        cursor = page["next_cursor"]
            .as_str()
            .with_context(|| format!("{path} has fewer than {pages} pages"))?
            .to_owned();
    }
    Ok(cursor)
}

/// Officers' decisions: each client claims the next alert (`POST
/// /v1/alerts/next`) and closes it; once the queue is clear it adds notes to
/// the alerts it closed. Every request carries a fresh idempotency key.
async fn decide_load(
    args: &Args,
    client: &reqwest::Client,
    urls: &[String],
    token: &str,
) -> anyhow::Result<()> {
    const KINDS: [&str; 3] = ["next (claim)", "close", "note"];
    let run = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_millis();
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let mut tasks = Vec::new();
    for client_no in 0..args.clients {
        let (client, url, token) = (
            client.clone(),
            urls[client_no % urls.len()].clone(),
            token.to_owned(),
        );
        tasks.push(tokio::spawn(async move {
            let mut latency: Vec<Histogram<u64>> = (0..3)
                .map(|_| Histogram::new(3).expect("histogram"))
                .collect();
            let mut errors = 0u64;
            let mut closed: Vec<i64> = Vec::new();
            let mut queue_clear = false;
            let mut i = 0usize;
            let send = async |kind: usize, path: String, body: serde_json::Value, i: usize| {
                let started = Instant::now();
                let answer = client
                    .post(format!("{url}{path}"))
                    .bearer_auth(&token)
                    .header("Idempotency-Key", format!("lg{run}-{client_no}-{i}"))
                    .json(&body)
                    .send()
                    .await;
                let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
                match answer {
                    Ok(r) => {
                        let status = r.status().as_u16();
                        let body: serde_json::Value = r.json().await.unwrap_or_default();
                        (kind, status, body, micros)
                    }
                    Err(_) => (kind, 0, serde_json::Value::Null, micros),
                }
            };
            while Instant::now() < deadline {
                let (kind, status, body, micros) = if !queue_clear {
                    send(0, "/v1/alerts/next".to_owned(), serde_json::Value::Null, i).await
                } else if let Some(id) = closed.get(i % closed.len().max(1)) {
                    let note = serde_json::json!({"body": format!("复核记录 {i}")});
                    send(2, format!("/v1/alerts/{id}/notes"), note, i).await
                } else {
                    break;
                };
                i += 1;
                match (kind, status) {
                    (_, 200) => {
                        latency[kind].record(micros).ok();
                        if kind == 0 {
                            let (id, version) = (body["id"].as_i64(), body["version"].as_i64());
                            let close = serde_json::json!({"version": version,
                                "action": {"type": "close", "disposition": "false_positive"}});
                            let path = format!("/v1/alerts/{}/triage", id.unwrap_or(0));
                            let (_, status, _, micros) = send(1, path, close, i).await;
                            i += 1;
                            if status == 200 {
                                latency[1].record(micros).ok();
                                closed.extend(id);
                            } else {
                                errors += 1;
                            }
                        }
                    }
                    (0, 404) => queue_clear = true,
                    _ => errors += 1,
                }
            }
            (latency, errors)
        }));
    }
    let mut latency: Vec<Histogram<u64>> = (0..3)
        .map(|_| Histogram::new(3))
        .collect::<Result<_, _>>()?;
    let mut errors = 0;
    for task in tasks {
        let (h, e) = task.await?;
        for (total, one) in latency.iter_mut().zip(h) {
            total.add(one)?;
        }
        errors += e;
    }
    let decisions: u64 = latency.iter().map(Histogram::len).sum();
    println!(
        "{} clients, closed loop, {} s: {decisions} decisions ({:.0}/s), {errors} errors",
        args.clients,
        args.seconds,
        decisions as f64 / args.seconds as f64
    );
    println!("| decision | count | p50 ms | p99 ms | max ms |");
    println!("|---|---:|---:|---:|---:|");
    for (name, h) in KINDS.iter().zip(&latency) {
        let ms = |q: f64| h.value_at_quantile(q) as f64 / 1000.0;
        println!(
            "| {name} | {} | {:.2} | {:.2} | {:.2} |",
            h.len(),
            ms(0.5),
            ms(0.99),
            h.max() as f64 / 1000.0
        );
    }
    Ok(())
}

/// The read API's request kinds: the targets picked once (accounts, the
/// busiest account, and deep cursors).
/// The links of accounts from the list (by id and by worst score), of
/// open alerts' accounts, and of `extra`.
async fn links_kinds(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    extra: &[i64],
) -> anyhow::Result<Vec<Kind>> {
    let ids = |page: serde_json::Value, field: &str| -> Vec<i64> {
        page["items"]
            .as_array()
            .map(|items| items.iter().filter_map(|a| a[field].as_i64()).collect())
            .unwrap_or_default()
    };
    let mut listed = ids(
        get(client, url, token, "/v1/accounts?limit=200").await?,
        "id",
    );
    listed.extend(ids(
        get(client, url, token, "/v1/accounts?limit=200&sort=score_asc").await?,
        "id",
    ));
    let alerted = ids(
        get(client, url, token, "/v1/alerts?status=open&limit=200").await?,
        "account_id",
    );
    let links = |ids: &[i64]| {
        ids.iter()
            .map(|id| format!("/v1/accounts/{id}/links"))
            .collect()
    };
    let mut kinds = vec![
        Kind {
            name: "links, accounts from the list",
            paths: links(&listed),
        },
        Kind {
            name: "links, accounts of open alerts",
            paths: links(&alerted),
        },
    ];
    if !extra.is_empty() {
        kinds.push(Kind {
            name: "links, the accounts given",
            paths: links(extra),
        });
    }
    anyhow::ensure!(
        kinds.iter().all(|k| !k.paths.is_empty()),
        "no accounts to read the links of"
    );
    Ok(kinds)
}

async fn read_kinds(client: &reqwest::Client, url: &str, token: &str) -> anyhow::Result<Vec<Kind>> {
    // Pick the targets once: accounts, the busiest account, and deep cursors.
    let accounts = get(client, url, token, "/v1/accounts?limit=200&sort=limit_desc").await?;
    let ids: Vec<i64> = accounts["items"]
        .as_array()
        .context("items")?
        .iter()
        .filter_map(|a| a["id"].as_i64())
        .collect();
    let mut busiest = (0, ids[0]);
    for id in ids.iter().take(60) {
        let page = get(
            client,
            url,
            token,
            &format!("/v1/accounts/{id}/transactions?limit=200"),
        )
        .await?;
        busiest = busiest.max((page["items"].as_array().map_or(0, Vec::len), *id));
    }
    let (count, busy) = busiest;
    let page_size = (count / 100).max(1);
    let deep_tx = cursor_after(
        client,
        url,
        token,
        &format!("/v1/accounts/{busy}/transactions?limit={page_size}"),
        99,
    )
    .await?;
    let deep_accounts = cursor_after(client, url, token, "/v1/accounts?limit=50", 99).await?;
    Ok(vec![
        Kind {
            name: "alert queue, first page (50)",
            paths: vec![
                "/v1/alerts?limit=50".into(),
                "/v1/alerts?status=open&limit=50".into(),
            ],
        },
        Kind {
            name: "account detail",
            paths: ids.iter().map(|id| format!("/v1/accounts/{id}")).collect(),
        },
        Kind {
            name: "transactions, first page (50)",
            paths: ids
                .iter()
                .map(|id| format!("/v1/accounts/{id}/transactions?limit=50"))
                .collect(),
        },
        Kind {
            name: "transactions, page 1 (small pages)",
            paths: vec![format!(
                "/v1/accounts/{busy}/transactions?limit={page_size}"
            )],
        },
        Kind {
            name: "transactions, page 100 (small pages)",
            paths: vec![format!(
                "/v1/accounts/{busy}/transactions?limit={page_size}&cursor={deep_tx}"
            )],
        },
        Kind {
            name: "accounts, page 1 (50)",
            paths: vec!["/v1/accounts?limit=50".into()],
        },
        Kind {
            name: "accounts, page 100 (50)",
            paths: vec![format!("/v1/accounts?limit=50&cursor={deep_accounts}")],
        },
    ])
}

/// The dashboard's metrics requests: periods and cuts.
fn metrics_kinds() -> Vec<Kind> {
    let kind = |name, paths: &[&str]| Kind {
        name,
        paths: paths.iter().map(|p| (*p).to_owned()).collect(),
    };
    vec![
        kind("fraud metrics, last 30 days", &["/v1/metrics/fraud"]),
        kind(
            "fraud metrics, 180 days",
            &["/v1/metrics/fraud?from=2026-05-30"],
        ),
        kind(
            "fraud metrics, 30 days by grade",
            &[
                "/v1/metrics/fraud?grade=A",
                "/v1/metrics/fraud?grade=C",
                "/v1/metrics/fraud?grade=E",
            ],
        ),
        kind(
            "fraud metrics, 30 days by city and channel",
            &[
                "/v1/metrics/fraud?city=%E4%B8%8A%E6%B5%B7&channel=qr",
                "/v1/metrics/fraud?city=%E5%8C%97%E4%BA%AC",
            ],
        ),
        kind("credit metrics, last 12 months", &["/v1/metrics/credit"]),
        kind(
            "credit metrics, 24 months",
            &["/v1/metrics/credit?from=2024-12-01"],
        ),
        kind(
            "credit metrics, 12 months by grade",
            &[
                "/v1/metrics/credit?grade=A",
                "/v1/metrics/credit?grade=C",
                "/v1/metrics/credit?grade=E",
            ],
        ),
        kind(
            "credit metrics, 12 months by city",
            &[
                "/v1/metrics/credit?city=%E4%B8%8A%E6%B5%B7",
                "/v1/metrics/credit?city=%E5%8C%97%E4%BA%AC",
            ],
        ),
    ]
}
