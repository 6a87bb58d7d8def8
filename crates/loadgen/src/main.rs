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
//! measured.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use hdrhistogram::Histogram;

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
        return authorize_load(&args, &client, &urls, &token, key, &demo).await;
    }
    if args.decide {
        return decide_load(&args, &client, &urls, &token).await;
    }
    let kinds = if args.metrics {
        metrics_kinds()
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

const CATEGORIES: [&str; 3] = ["groceries", "dining", "apparel"];

/// The payment platform's load: checkout orders of ¥10–¥300 at home, from
/// the account's usual city, over every active account (up to 20,000).
async fn authorize_load(
    args: &Args,
    client: &reqwest::Client,
    urls: &[String],
    token: &str,
    key: &str,
    demo: &serde_json::Value,
) -> anyhow::Result<()> {
    let url = &urls[0];
    let mut accounts = Vec::new();
    let mut cursor = String::new();
    for _ in 0..100 {
        let page = get(
            client,
            url,
            token,
            &format!("/v1/accounts?limit=200&status=active{cursor}"),
        )
        .await?;
        for a in page["items"].as_array().context("items")? {
            let city = a["city"].as_str().unwrap_or_default();
            let place = riskdesk_server::generate::CITIES
                .iter()
                .find(|c| c.name == city);
            accounts.push((a["id"].as_i64().context("id")?, place.copied()));
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    let accounts = Arc::new(accounts);
    let run = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    if args.backtest.is_some() || args.beside.is_some() {
        let (mut alone, mut during, mut runs) = (None, None, Vec::new());
        let measure = |prefix| authorizations(args, client, urls, key, &accounts, prefix, None);
        for round in 0..args.rounds {
            let measured = measure(format!("LG{run}R{round}")).await?;
            pool(&mut alone, measured)?;
            let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
            let beside = match (args.backtest, &args.beside) {
                (Some(days), _) => tokio::spawn(backtests::one_after_another(
                    client.clone(),
                    urls[0].clone(),
                    token.to_owned(),
                    days,
                    stop.clone(),
                )),
                (None, command) => tokio::spawn(backtests::command_over_and_over(
                    command.clone().unwrap_or_default(),
                    stop.clone(),
                )),
            };
            let measured = measure(format!("LGB{run}R{round}")).await?;
            pool(&mut during, measured)?;
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
            runs.extend(beside.await??);
        }
        let (what, during_name) = match (args.backtest, &args.beside) {
            (Some(days), _) => (format!("backtests of {days} days"), "during backtests"),
            (None, command) => (
                format!("`{}`", command.as_deref().unwrap_or_default()),
                "beside the command",
            ),
        };
        println!(
            "{} payment clients, {} s each{}, {} round(s); {what}, one after another: {}",
            args.clients,
            args.seconds,
            args.rate
                .map(|r| format!(" at {r:.0}/s in all"))
                .unwrap_or_default(),
            args.rounds,
            runs.join("; ")
        );
        let (alone, during) = (alone.context("no rounds")?, during.context("no rounds")?);
        let seconds = args.seconds * u64::from(args.rounds);
        return compare_authorizations(seconds, ("alone", &alone), (during_name, &during));
    }
    if let Some(count) = args.streams {
        let admin = demo["operators"]
            .as_array()
            .and_then(|ops| ops.iter().find(|o| o["role"] == "admin"))
            .context("an admin in the demo JSON")?;
        let consoles = streams::open(url, admin, count, run).await?;
        let raised = streams::Raised::default();
        let measured = authorizations(
            args,
            client,
            urls,
            key,
            &accounts,
            format!("LG{run}"),
            Some(&raised),
        )
        .await?;
        let delays = consoles.close(&raised).await?;
        report_authorizations(args, accounts.len(), &measured)?;
        return report_delays(count, &delays);
    }
    let alone =
        authorizations(args, client, urls, key, &accounts, format!("LG{run}"), None).await?;
    let Some(flooders) = args.flood else {
        return report_authorizations(args, accounts.len(), &alone);
    };
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flood = tokio::spawn(flood::sign_in_flood(
        urls[0].clone(),
        flooders,
        args.flood_rate,
        stop.clone(),
    ));
    // The flood's first second fills its connections; then measure.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let flooded = authorizations(
        args,
        client,
        urls,
        key,
        &accounts,
        format!("LGF{run}"),
        None,
    )
    .await?;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let flood = flood.await??;
    println!(
        "{} payment clients, {} s each; sign-in flood: {flooders} clients on {} loopback \
         addresses, {:.0} sign-ins/s ({} answered 429, {} answered 401, {} other)",
        args.clients,
        args.seconds,
        flooders.min(250),
        flood.sent as f64 / flood.seconds,
        flood.limited,
        flood.refused,
        flood.other
    );
    compare_authorizations(
        args.seconds,
        ("alone", &alone),
        ("under the flood", &flooded),
    )
}

/// The two runs' authorizations side by side, and the ratio of their p99s.
fn compare_authorizations(
    seconds: u64,
    base: (&str, &Decisions),
    other: (&str, &Decisions),
) -> anyhow::Result<()> {
    let ms = |h: &Histogram<u64>, q: f64| h.value_at_quantile(q) as f64 / 1000.0;
    println!("| authorize | decisions/s | p50 ms | p99 ms | errors |");
    println!("|---|---:|---:|---:|---:|");
    for (name, (h, _, errors)) in [base, other] {
        println!(
            "| {name} | {:.0} | {:.2} | {:.2} | {errors} |",
            h.len() as f64 / seconds as f64,
            ms(h, 0.5),
            ms(h, 0.99)
        );
    }
    println!(
        "p99 {} / {}: {:.2}",
        other.0,
        base.0,
        ms(&other.1.0, 0.99) / ms(&base.1.0, 0.99)
    );
    Ok(())
}

type Decisions = (Histogram<u64>, std::collections::BTreeMap<String, u64>, u64);

/// Adds a round's decisions to those pooled so far.
fn pool(pooled: &mut Option<Decisions>, round: Decisions) -> anyhow::Result<()> {
    match pooled {
        None => *pooled = Some(round),
        Some((latencies, decisions, errors)) => {
            latencies.add(&round.0)?;
            for (decision, n) in round.1 {
                *decisions.entry(decision).or_default() += n;
            }
            *errors += round.2;
        }
    }
    Ok(())
}

/// `args.clients` payment clients sending orders for `args.seconds`: their
/// latencies, decisions and errors; with `raised`, when each order that
/// raised an alert was sent and answered.
async fn authorizations(
    args: &Args,
    client: &reqwest::Client,
    urls: &[String],
    key: &str,
    accounts: &Arc<Vec<(i64, Option<riskdesk_server::generate::City>)>>,
    run: String,
    raised: Option<&streams::Raised>,
) -> anyhow::Result<Decisions> {
    let listed_every = raised.map(|_| args.listed_every.max(1));
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let mut tasks = Vec::new();
    for client_no in 0..args.clients {
        let (client, url, key, accounts, run) = (
            client.clone(),
            urls[client_no % urls.len()].clone(),
            key.to_owned(),
            accounts.clone(),
            run.clone(),
        );
        let mut schedule = schedule(args, client_no);
        let raised = raised.cloned();
        tasks.push(tokio::spawn(async move {
            let mut latency = Histogram::<u64>::new(3).expect("histogram");
            let mut decisions = std::collections::BTreeMap::<String, u64>::new();
            let mut errors = 0u64;
            let mut i = 0usize;
            while Instant::now() < deadline {
                let n = client_no + i * 50;
                let (account, place) = accounts[n.wrapping_mul(7919) % accounts.len()];
                let location = place.map(|c| serde_json::json!({"lat": c.lat, "lon": c.lon, "city": c.name}));
                let ip = place.map_or((10, 0), |c| c.ip_prefix);
                let body = serde_json::json!({
                    "order_id": format!("{run}-{client_no}-{i}"),
                    "account_id": account,
                    "merchant": "美宜佳便利店",
                    "category": CATEGORIES[i % 3],
                    "amount": format!("{}.{:02}", 10 + n % 290, n % 100),
                    "installments": 1,
                    "channel": "qr",
                    // The customer's own phone, on the city's mobile
                    // network; or one of the demo's blacklisted devices.
                    "device_id": match listed_every {
                        Some(k) if i.is_multiple_of(k) => format!("dev-bl{:04}", n % 40),
                        _ => format!("dev-lg{account:x}"),
                    },
                    "ip": format!("{}.{}.{}.{}", ip.0, ip.1, (n / 250) % 256, 1 + n % 250),
                    "location": location,
                    "occurred_at": chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now()).to_rfc3339(),
                });
                // Open loop: latency counts from when the order was due.
                let started = match schedule.as_mut() {
                    Some(interval) => interval.tick().await.into_std(),
                    None => Instant::now(),
                };
                let sent = Instant::now();
                let answer = client
                    .post(format!("{url}/v1/payments/authorize"))
                    .bearer_auth(&key)
                    .json(&body)
                    .send()
                    .await;
                match answer {
                    Ok(r) if r.status().is_success() => {
                        let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
                        latency.record(micros).ok();
                        let answer: serde_json::Value = r.json().await.unwrap_or_default();
                        if let Some(raised) = &raised {
                            raised.note(&answer, sent, Instant::now());
                        }
                        let decision = answer["decision"].as_str().unwrap_or("?").to_owned();
                        *decisions.entry(decision).or_default() += 1;
                    }
                    _ => errors += 1,
                }
                i += 1;
            }
            (latency, decisions, errors)
        }));
    }
    let mut latency = Histogram::<u64>::new(3)?;
    let mut decisions = std::collections::BTreeMap::<String, u64>::new();
    let mut errors = 0;
    for task in tasks {
        let (h, d, e) = task.await?;
        latency.add(h)?;
        errors += e;
        for (k, v) in d {
            *decisions.entry(k).or_default() += v;
        }
    }
    Ok((latency, decisions, errors))
}

fn report_delays(streams: usize, delays: &streams::Delays) -> anyhow::Result<()> {
    let ms = |h: &Histogram<u64>, q: f64| h.value_at_quantile(q) as f64 / 1000.0;
    println!(
        "{streams} live streams; {} alerts raised; {} deliveries, {} missed",
        delays.alerts,
        delays.from_sent.len(),
        delays.missed
    );
    println!("| alert.raised to each stream | p50 ms | p99 ms | max ms |");
    println!("|---|---:|---:|---:|");
    for (name, h) in [
        ("from the order sent", &delays.from_sent),
        ("from its answer", &delays.from_answer),
    ] {
        println!(
            "| {name} | {:.1} | {:.1} | {:.1} |",
            ms(h, 0.5),
            ms(h, 0.99),
            h.max() as f64 / 1000.0
        );
    }
    Ok(())
}

fn report_authorizations(
    args: &Args,
    accounts: usize,
    (latency, decisions, errors): &Decisions,
) -> anyhow::Result<()> {
    let ms = |q: f64| latency.value_at_quantile(q) as f64 / 1000.0;
    println!(
        "{} clients, {}, {} s, {} accounts: {} decisions ({:.0}/s), {errors} errors; {decisions:?}",
        args.clients,
        args.rate.map_or("closed loop".to_owned(), |r| format!(
            "open loop at {r:.0}/s"
        )),
        args.seconds,
        accounts,
        latency.len(),
        latency.len() as f64 / args.seconds as f64
    );
    println!("| request | decisions | p50 ms | p99 ms | max ms |");
    println!("|---|---:|---:|---:|---:|");
    println!(
        "| authorize | {} | {:.2} | {:.2} | {:.2} |",
        latency.len(),
        ms(0.5),
        ms(0.99),
        latency.max() as f64 / 1000.0
    );
    Ok(())
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
