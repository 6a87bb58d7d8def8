//! `--authorize KEY`: the payment platform's load, alone or beside a
//! sign-in flood, backtests, a shell command or N consoles' live streams,
//! and the reports of each.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use hdrhistogram::Histogram;

use crate::{Args, backtests, flood, get, schedule, streams};

const CATEGORIES: [&str; 3] = ["groceries", "dining", "apparel"];

/// The payment platform's load: checkout orders of ¥10–¥300 at home, from
/// the account's usual city, over every active account (up to 20,000).
pub async fn authorize_load(
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
                    // Mostly small, one in seven from 1,000 yuan, as in
                    // the demo (15 %): those the spike rule reads.
                    "amount": format!("{}.{:02}", if n.is_multiple_of(7) { 1000 + n % 4000 } else { 10 + n % 290 }, n % 100),
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
    if delays.from_sent.is_empty() {
        anyhow::bail!("no alert reached a stream: nothing to measure");
    }
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
