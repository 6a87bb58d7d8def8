//! The console's figures in docs/benchmarks.md, measured in the real window
//! on the release app over the full built-in demo:
//!
//! ```text
//! npx --prefix ui tauri build --no-bundle   # or: (cd ui && npx tauri build --no-bundle)
//! dbus-run-session -- xvfb-run -a -s "-screen 0 1280x800x24" sh -c \
//!   'printf riskdesk | gnome-keyring-daemon --unlock --components=secrets >/dev/null;
//!    RISKDESK_APP=target/release/riskdesk cargo test --release -p riskdesk-e2e \
//!      --test desktop -- --ignored --nocapture console_benchmarks'
//! ```
//!
//! Ignored in the test suite: a benchmark's numbers are read, not asserted.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::{Desktop, FIRST_START, STEP};
use crate::{busiest_account, sign_in};

/// Starts measured after the first one (which generates the demo).
const STARTS: usize = 5;
/// Round trips measured for the first page of transactions.
const FIRST_PAGES: usize = 50;
/// How many alerts the queue holds while scrolling is measured.
const QUEUE_ROWS: i64 = 100_000;

#[tokio::test]
#[ignore = "a benchmark: run by hand, see the module's comment and docs/benchmarks.md"]
async fn console_benchmarks() {
    let desktop = Desktop::with_demo_customers(riskdesk_server::demo::CUSTOMERS);

    // First start: generate the demo, sign in (the session is then resumed).
    let began = Instant::now();
    let app = desktop.launch().await;
    app.wait("[data-testid=sign-in]", FIRST_START).await;
    println!("first start with demo generation: {:?}", began.elapsed());
    sign_in(&app, "officer.li").await;
    app.wait("[data-testid=alert-row]", STEP).await;
    app.close().await;
    let alerts = grow_alerts(&desktop, QUEUE_ROWS).await;
    println!("alerts in the queue: {alerts}");

    // Cold start (a new process, the session resumed from the keychain) to
    // the first row of the alert queue on screen.
    let mut starts = Vec::new();
    for _ in 0..STARTS {
        let began = Instant::now();
        let app = desktop.launch().await;
        app.wait("[data-testid=alert-row]", FIRST_START).await;
        starts.push(began.elapsed());
        app.close().await;
    }
    starts.sort();
    let ms: Vec<String> = starts.iter().map(|d| d.as_millis().to_string()).collect();
    println!(
        "start to interactive queue: {} ms (median {} ms)",
        ms.join(" / "),
        starts[STARTS / 2].as_millis()
    );

    let app = desktop.launch().await;
    app.wait("[data-testid=alert-row]", FIRST_START).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    // An earlier start's app may still be on its way out: measure this one alone.
    let mut measured = app_pss_kib();
    for _ in 0..50 {
        if measured.1.iter().filter(|name| *name == "riskdesk").count() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        measured = app_pss_kib();
    }
    let (pss_kib, processes) = measured;
    println!(
        "PSS after sign-in with the queue loaded: {} MiB over {processes:?}",
        pss_kib / 1024
    );

    // The first page of an account's transactions, through the IPC as the
    // screen asks for it.
    let account = busiest_account(&desktop).await;
    let times = app
        .run_async(&format!(
            "const done = arguments[arguments.length - 1];
             (async () => {{
               const times = [];
               for (let i = 0; i < {FIRST_PAGES}; i++) {{
                 const start = performance.now();
                 await window.__TAURI_INTERNALS__.invoke('transactions', {{ accountId: {account}, query: {{ limit: 100 }} }});
                 times.push(performance.now() - start);
               }}
               done(times);
             }})();"
        ))
        .await;
    let mut times = numbers(&times);
    println!(
        "first page of transactions (100 rows): p50 {:.1} ms, p95 {:.1} ms",
        percentile(&mut times, 0.5),
        percentile(&mut times, 0.95)
    );

    // Frame times while scrolling the whole queue (every status).
    app.click("[data-testid=tab-all]").await;
    app.until(
        "the whole queue",
        &format!(
            "return Number(document.querySelector('[data-testid=alert-queue] .viewport')
                 ?.getAttribute('aria-rowcount')) >= {QUEUE_ROWS}"
        ),
        STEP,
    )
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    // Idle first: the frame rate of this display with nothing to do.
    for (label, pixels) in [
        ("idle", 0),
        ("1 row a frame", 28),
        ("10 rows a frame", 280),
        ("50 rows a frame", 1400),
    ] {
        let frames = app
            .run_async(&format!(
                "const done = arguments[arguments.length - 1];
                 const v = document.querySelector('[data-testid=alert-queue] .viewport');
                 const frames = [], js = [], layout = [];
                 // After the list's own wheel handler: its update runs in
                 // the microtask queued before this one.
                 const split = () => {{
                   const event = performance.now();
                   queueMicrotask(() => {{
                     const updated = performance.now();
                     void v.offsetHeight;
                     js.push(updated - event);
                     layout.push(performance.now() - updated);
                   }});
                 }};
                 v.addEventListener('wheel', split);
                 let last = performance.now();
                 const start = last;
                 function step(now) {{
                   frames.push(now - last);
                   last = now;
                   if ({pixels} > 0) v.dispatchEvent(new WheelEvent('wheel', {{ deltaY: {pixels} }}));
                   if (now - start < 4000) requestAnimationFrame(step);
                   else {{
                     v.removeEventListener('wheel', split);
                     done({{ frames, js, layout, rows: Number(v.getAttribute('aria-rowcount')),
                             scrolled: v.dataset.topRow,
                             placeholders: document.querySelectorAll('[data-testid=alert-queue] .placeholder').length }});
                   }}
                 }}
                 requestAnimationFrame(step);"
            ))
            .await;
        let mut frame_times = numbers(&frames["frames"]);
        let mut js = numbers(&frames["js"]);
        let mut layout = numbers(&frames["layout"]);
        println!(
            "scrolling {} rows, {label} (at row {} after 4 s): {} frames, p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms; \
             per wheel event: update p50 {:.1} ms, style and layout p50 {:.1} ms; placeholders in view at the end: {}",
            frames["rows"],
            frames["scrolled"],
            frame_times.len(),
            percentile(&mut frame_times, 0.5),
            percentile(&mut frame_times, 0.95),
            percentile(&mut frame_times, 1.0),
            percentile(&mut js, 0.5),
            percentile(&mut layout, 0.5),
            frames["placeholders"],
        );
    }
    app.close().await;
}

/// The console's memory with the live stream open for a long run: the app
/// connects to the service at `RISKDESK_BENCH_URL` (a `riskdesk-server
/// demo`, under load from `riskdesk-loadgen --streams`), signs in, shows the
/// queue newest first, and its PSS is read every minute for
/// `RISKDESK_BENCH_MINUTES` (60 unless told).
#[tokio::test]
#[ignore = "a benchmark: run by hand, see docs/benchmarks.md (issue 26)"]
async fn console_memory_with_the_live_stream() {
    let url = std::env::var("RISKDESK_BENCH_URL").expect("RISKDESK_BENCH_URL: the service");
    let minutes: u64 = std::env::var("RISKDESK_BENCH_MINUTES")
        .ok()
        .and_then(|m| m.parse().ok())
        .unwrap_or(60);
    let desktop = Desktop::new();
    let app = desktop.launch().await;
    crate::live::queue_newest_first(&app, &url, "officer.li").await;
    let top = || app.run("return document.querySelector('[data-testid=alert-row]')?.dataset.alert");
    let began = Instant::now();
    let mut samples = Vec::new();
    for minute in 0..=minutes {
        tokio::time::sleep_until((began + Duration::from_secs(60 * minute)).into()).await;
        let (pss_kib, _) = app_pss_kib();
        let newest = top().await;
        println!(
            "minute {minute}: PSS {} MiB, newest alert on screen #{newest}",
            pss_kib / 1024
        );
        samples.push(pss_kib);
    }
    let (first, last) = (samples[0], samples[samples.len() - 1]);
    let peak = samples.iter().max().copied().unwrap_or(0);
    println!(
        "PSS over {minutes} min: start {} MiB, end {} MiB ({:+.1} %), peak {} MiB",
        first / 1024,
        last / 1024,
        (last as f64 / first as f64 - 1.0) * 100.0,
        peak / 1024
    );
    app.close().await;
}

/// Copies the demo's alerts under new ids until the queue holds at least
/// `rows`; returns how many it holds.
async fn grow_alerts(desktop: &Desktop, rows: i64) -> i64 {
    let url = format!("sqlite://{}", desktop.demo_database().display());
    let mut db = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
        .await
        .expect("the demo database");
    loop {
        let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM alerts")
            .fetch_one(&mut db)
            .await
            .expect("counting alerts");
        if count >= rows {
            return count;
        }
        sqlx::query(
            "INSERT INTO alerts (id, account_id, transaction_id, rule, severity_rank, status,
                 assignee, amount_fen, evidence, disposition, created_at, sla_due_at, version)
             SELECT id + (SELECT MAX(id) FROM alerts), account_id, transaction_id, rule,
                 severity_rank, status, assignee, amount_fen, evidence, disposition,
                 created_at - 1, sla_due_at, version
             FROM alerts",
        )
        .execute(&mut db)
        .await
        .expect("copying alerts");
    }
}

/// The proportional memory of the app and every process it started
/// (WebKit's web and network processes), from /proc/PID/smaps_rollup.
fn app_pss_kib() -> (u64, Vec<String>) {
    let parents: Vec<(u32, u32, String)> = std::fs::read_dir("/proc")
        .expect("/proc")
        .flatten()
        .filter_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            let (name, rest) = stat.split_once(") ")?;
            let name = name.split_once(" (")?.1.to_owned();
            let ppid: u32 = rest.split_whitespace().nth(1)?.parse().ok()?;
            Some((pid, ppid, name))
        })
        .collect();
    let mut family: Vec<(u32, String)> = parents
        .iter()
        .filter(|(_, _, name)| name == "riskdesk")
        .map(|(pid, _, name)| (*pid, name.clone()))
        .collect();
    let mut i = 0;
    while i < family.len() {
        let parent = family[i].0;
        family.extend(
            parents
                .iter()
                .filter(|(_, ppid, _)| *ppid == parent)
                .map(|(pid, _, name)| (*pid, name.clone())),
        );
        i += 1;
    }
    let pss = family
        .iter()
        .map(|(pid, _)| {
            std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
                .unwrap_or_default()
                .lines()
                .find_map(|l| l.strip_prefix("Pss:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                .unwrap_or(0)
        })
        .sum();
    (pss, family.into_iter().map(|(_, name)| name).collect())
}

fn numbers(value: &Value) -> Vec<f64> {
    value
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default()
}

#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn percentile(values: &mut [f64], share: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    let rank = ((values.len() as f64 - 1.0) * share).round() as usize;
    values.get(rank).copied().unwrap_or(f64::NAN)
}
