//! `cargo xtask bench`: the benchmark suite. It rewrites the section between
//! its markers in docs/benchmarks.md with the machine, each part's command
//! and date, and the figures. PostgreSQL is a throwaway cluster with the
//! deployment guide's settings (`deploy/postgresql.conf`).
//!
//! Three parts, each of which can be run alone with `--only`:
//! - `service`: each database gets a generated portfolio (ingestion), then
//!   `riskdesk-loadgen` drives the release service: reads (50 clients),
//!   authorizations (50 clients, with the CPU each decision cost the
//!   service and the database, from `/proc`) and the dashboard's metrics
//!   (one client); then each database alone writes the batched decisions
//!   for the limit — PostgreSQL through pgbench
//!   (`crates/loadgen/pgbench/decision-write-batched.sql`), SQLite in a loop
//!   in one process (`riskdesk-sqlite-alone`, the same rows) — and the table
//!   states the full path's CPU per decision against it;
//! - `audit`: a million audit entries verified and exported through the
//!   service, on each database (the ignored test `verify_a_million…`);
//! - `console`: the release app in a real window over the built-in demo:
//!   start to the first alert row, and memory (the ignored end-to-end test
//!   `console_benchmarks`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};

use crate::cpu;
use crate::postgres::{Cluster, Settings};
use crate::service::{self, Instance};
use crate::{cargo, output_of, run, workspace_root};

const BEGIN: &str = "<!-- cargo xtask bench: begin -->";
const END: &str = "<!-- cargo xtask bench: end -->";

/// The portfolio, how long each load runs, and which parts run.
#[derive(Debug, clap::Args)]
pub struct Options {
    /// Customers in each database's generated portfolio.
    #[arg(long, default_value_t = 20_000)]
    customers: u32,
    /// Months of history in the portfolio.
    #[arg(long, default_value_t = 12)]
    months: u32,
    /// How long each load runs.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// Only this part of the suite.
    #[arg(long, value_parser = ["service", "audit", "console"])]
    only: Option<String>,
}

impl Options {
    fn runs(&self, part: &str) -> bool {
        self.only.as_deref().is_none_or(|only| only == part)
    }

    fn command(&self) -> String {
        format!(
            "cargo xtask bench --customers {} --months {} --seconds {}",
            self.customers, self.months, self.seconds
        )
    }
}

pub fn bench(options: &Options) -> anyhow::Result<()> {
    let path = workspace_root().join("docs/benchmarks.md");
    let mut sections = Sections::read(&path)?;
    if options.runs("service") {
        sections.service = Some(service(options)?);
    }
    if options.runs("audit") {
        sections.audit = Some(audit()?);
    }
    if options.runs("console") {
        sections.console = Some(console()?);
    }
    let text = sections.render()?;
    println!("{text}");
    Sections::write(&path, &text)
}

fn service(options: &Options) -> anyhow::Result<String> {
    run(cargo().args([
        "build",
        "--release",
        "-p",
        "riskdesk-server",
        "-p",
        "riskdesk-loadgen",
    ]))?;
    let dir = std::env::temp_dir().join(format!("riskdesk-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("bench.db");
    let sqlite = format!("sqlite://{}", file.display());
    // SQLite runs inside the service: its CPU is the service's.
    let mut rows = measure("SQLite", &sqlite, options, &dir, &|| Ok(None))?;
    let sqlite_limit = sqlite_alone(&file, options)?;
    let cluster = Cluster::start(Settings::AsDeployed)?;
    cluster.create_database("bench")?;
    let data = cluster.data_dir();
    rows.extend(measure(
        "PostgreSQL",
        &cluster.database_url("bench"),
        options,
        &dir,
        &|| cpu::cluster_seconds(&data).map(Some),
    )?);
    let postgres_limit = postgres_alone(&cluster, "bench", options)?;
    drop(cluster);
    let _ = std::fs::remove_dir_all(&dir);
    service_table(options, &rows, &sqlite_limit, &postgres_limit)
}

/// What a database alone does with the batched decision writes, no service.
struct Limit {
    decisions_per_second: f64,
    /// The database's CPU per decision (for SQLite: the writing process's).
    cpu_ms: f64,
}

/// `riskdesk-sqlite-alone` writes batched decisions into the portfolio's
/// file for the loads' time.
fn sqlite_alone(file: &Path, options: &Options) -> anyhow::Result<Limit> {
    println!("xtask: bench: SQLite alone, the batched decision writes");
    let output = crate::output_of(
        Command::new(release("riskdesk-sqlite-alone"))
            .arg(file)
            .arg(options.seconds.to_string()),
    )?;
    // "decisions=N seconds=S cpu_seconds=C"
    let value = |name: &str| -> Option<f64> {
        output
            .split_whitespace()
            .find_map(|f| f.strip_prefix(name)?.strip_prefix('='))?
            .parse()
            .ok()
    };
    let (Some(decisions), Some(seconds), Some(cpu)) =
        (value("decisions"), value("seconds"), value("cpu_seconds"))
    else {
        bail!("unexpected riskdesk-sqlite-alone output: {output}");
    };
    Ok(Limit {
        decisions_per_second: decisions / seconds,
        cpu_ms: cpu * 1000.0 / decisions,
    })
}

/// pgbench runs `decision-write-batched.sql` (ten decisions' writes as one
/// transaction) over the portfolio's accounts for the loads' time, the
/// cluster's CPU measured around it.
fn postgres_alone(cluster: &Cluster, database: &str, options: &Options) -> anyhow::Result<Limit> {
    println!("xtask: bench: PostgreSQL alone, the batched decision SQL");
    let range = cluster.client(
        "psql",
        database,
        &[
            "-At",
            "-c",
            "SELECT MIN(id) || ' ' || MAX(id) FROM accounts",
        ],
    )?;
    let (first, last) = range.trim().split_once(' ').context("no accounts")?;
    let script = workspace_root().join("crates/loadgen/pgbench/decision-write-batched.sql");
    let before = cpu::cluster_seconds(&cluster.data_dir())?;
    let output = cluster.client(
        "pgbench",
        database,
        &[
            "-n",
            "-M",
            "prepared",
            "-c",
            "5",
            "-j",
            "2",
            "-T",
            &options.seconds.to_string(),
            "-D",
            &format!("first={first}"),
            "-D",
            &format!("last={last}"),
            "-f",
            &script.to_string_lossy(),
        ],
    )?;
    let used = cpu::cluster_seconds(&cluster.data_dir())? - before;
    // "tps = 903.5 (without initial connection time)"; a batch is ten decisions.
    let tps: f64 = output
        .lines()
        .find_map(|l| l.strip_prefix("tps = "))
        .and_then(|l| l.split(' ').next())
        .and_then(|n| n.parse().ok())
        .with_context(|| format!("no tps in pgbench's output: {output}"))?;
    let decisions_per_second = tps * 10.0;
    #[allow(clippy::cast_precision_loss)] // Seconds of a benchmark's run.
    let decisions = decisions_per_second * options.seconds as f64;
    Ok(Limit {
        decisions_per_second,
        cpu_ms: used * 1000.0 / decisions,
    })
}

/// One line of the table: a backend with some number of instances.
struct Row {
    backend: &'static str,
    instances: usize,
    /// Transactions generated per second, with the whole generation's time.
    ingestion: (f64, f64),
    reads: Load,
    authorize: Load,
    /// CPU per decision of the authorizations, ms: the service's
    /// instances, and the database's when it runs apart (PostgreSQL).
    authorize_cpu: (f64, Option<f64>),
    metrics: Load,
}

/// What one loadgen run reported: its rate and, over its request kinds,
/// the slowest p50 and p99.
struct Load {
    per_second: f64,
    errors: u64,
    p50_ms: f64,
    p99_ms: f64,
}

fn measure(
    backend: &'static str,
    database: &str,
    options: &Options,
    dir: &Path,
    database_seconds: &dyn Fn() -> anyhow::Result<Option<f64>>,
) -> anyhow::Result<Vec<Row>> {
    println!("xtask: bench: generating into {backend}");
    let data_key = dir.join(format!("{backend}.key"));
    let output = Command::new(release("riskdesk-server"))
        .args(["generate", "--database", database, "--json"])
        .env("RISKDESK_DATA_KEY_FILE", &data_key)
        .args(["--customers", &options.customers.to_string()])
        .args(["--months", &options.months.to_string()])
        .stderr(Stdio::piped())
        .output()
        .context("riskdesk-server generate")?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        bail!("generate failed: {stderr}");
    }
    let ingestion = ingestion(&stderr).with_context(|| format!("no summary in: {stderr}"))?;
    let sheet = dir.join(format!("{backend}.json"));
    std::fs::write(&sheet, &output.stdout)?;
    let key = service::add_client(&release("riskdesk-server"), database, &data_key, "loadgen")?;
    let mut rows = Vec::new();
    for instances in [1, 2] {
        let serving: Vec<Instance> = (0..instances)
            .map(|_| {
                Instance::start(
                    &release("riskdesk-server"),
                    database,
                    &data_key,
                    Stdio::inherit(),
                )
            })
            .collect::<anyhow::Result<_>>()?;
        let urls: Vec<String> = serving.iter().map(|i| i.url.clone()).collect();
        let load = |what: &str, extra: &[&str], clients: &str| {
            println!("xtask: bench: {backend}, {instances} instance(s): {what}");
            loadgen(&sheet, &urls, clients, options.seconds, extra)
        };
        let reads = load("reads", &[], "50")?;
        // The CPU of the service and of the database over the run; the
        // load generator's own is left out.
        let service_seconds = || -> anyhow::Result<f64> {
            serving.iter().map(|i| cpu::process_seconds(i.pid())).sum()
        };
        let before = (service_seconds()?, database_seconds()?);
        let authorize = load("authorizations", &["--authorize", &key], "50")?;
        let after = (service_seconds()?, database_seconds()?);
        #[allow(clippy::cast_precision_loss)] // Seconds of a benchmark's run.
        let decisions = authorize.per_second * options.seconds as f64;
        let per_decision = |seconds: f64| seconds * 1000.0 / decisions;
        let authorize_cpu = (
            per_decision(after.0 - before.0),
            after.1.zip(before.1).map(|(a, b)| per_decision(a - b)),
        );
        let metrics = load("metrics", &["--metrics"], "1")?;
        rows.push(Row {
            backend,
            instances,
            ingestion,
            reads,
            authorize,
            authorize_cpu,
            metrics,
        });
        for instance in serving {
            instance.stop()?;
        }
    }
    Ok(rows)
}

/// "generated 20000 customers, 1272854 transactions, … in 21.3 s (…)".
fn ingestion(stderr: &str) -> Option<(f64, f64)> {
    let line = stderr.lines().rev().find(|l| l.starts_with("generated "))?;
    let transactions: f64 = line.split(", ").nth(1)?.split(' ').next()?.parse().ok()?;
    let seconds: f64 = line.split(" in ").nth(1)?.split(' ').next()?.parse().ok()?;
    Some((transactions / seconds, seconds))
}

fn loadgen(
    sheet: &Path,
    urls: &[String],
    clients: &str,
    seconds: u64,
    extra: &[&str],
) -> anyhow::Result<Load> {
    let mut command = Command::new(release("riskdesk-loadgen"));
    command.arg("--demo-json").arg(sheet);
    for url in urls {
        command.args(["--url", url]);
    }
    let output = command
        .args(["--clients", clients, "--seconds", &seconds.to_string()])
        .args(extra)
        .output()
        .context("riskdesk-loadgen")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!(
            "riskdesk-loadgen failed: {stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    parse_load(&stdout).with_context(|| format!("unexpected loadgen output: {stdout}"))
}

/// The summary line's "(N/s)" and "E errors", and the table's rows
/// `| kind | count | p50 | p99 | max |`.
fn parse_load(stdout: &str) -> Option<Load> {
    let summary = stdout.lines().next()?;
    let per_second = summary
        .split("/s)")
        .next()?
        .rsplit('(')
        .next()?
        .parse()
        .ok()?;
    let errors = summary
        .split(" errors")
        .next()?
        .rsplit(' ')
        .next()?
        .parse()
        .ok()?;
    let mut load = Load {
        per_second,
        errors,
        p50_ms: 0.0,
        p99_ms: 0.0,
    };
    let mut rows = 0;
    for line in stdout.lines().filter(|l| l.starts_with("| ")) {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        let (Some(p50), Some(p99)) = (
            cells.get(2).and_then(|c| c.parse::<f64>().ok()),
            cells.get(3).and_then(|c| c.parse::<f64>().ok()),
        ) else {
            continue;
        };
        load.p50_ms = load.p50_ms.max(p50);
        load.p99_ms = load.p99_ms.max(p99);
        rows += 1;
    }
    (rows > 0).then_some(load)
}

/// The audit chain through the service, on each database.
fn audit() -> anyhow::Result<String> {
    let mut text = format!(
        "Measured {}: `cargo xtask bench --only audit`. A database with 1,000,000 \
         entries appended and a signed checkpoint, then `GET /v1/audit/verify` three \
         times and `GET /v1/audit.csv` twice.\n\n\
         | database | verify 1,000,000 entries (3 runs) | audit.csv, 1,000,000 rows (2 runs) |\n\
         |---|---|---|\n",
        today()?
    );
    let sqlite = audit_run(None)?;
    let cluster = Cluster::start(Settings::AsDeployed)?;
    let postgres = audit_run(Some(&cluster.url()))?;
    drop(cluster);
    for (backend, (verify, export)) in [("SQLite", sqlite), ("PostgreSQL", postgres)] {
        text.push_str(&format!("| {backend} | {verify} | {export} |\n"));
    }
    Ok(text)
}

/// One run of the ignored test: its verification times and export rates.
fn audit_run(postgres: Option<&str>) -> anyhow::Result<(String, String)> {
    let mut command = cargo();
    command.args([
        "test",
        "--release",
        "-p",
        "riskdesk-server",
        "--test",
        "service",
    ]);
    command.args(["verify_a_million", "--", "--ignored", "--nocapture"]);
    if let Some(url) = postgres {
        command
            .env("RISKDESK_BENCH_PG", "1")
            .env("RISKDESK_TEST_PG_URL", url);
    }
    let stdout = output_of(&mut command)?;
    // "run 1: GET /v1/audit/verify over 1000000 entries in 2.31 s"
    let verify: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("GET /v1/audit/verify"))
        .filter_map(|l| l.rsplit(" in ").next())
        .collect();
    // "run 1: GET /v1/audit.csv: 1000000 rows, 627 MB in 5.90 s = 169491 rows/s"
    let export: Vec<String> = stdout
        .lines()
        .filter(|l| l.contains("GET /v1/audit.csv"))
        .filter_map(|l| l.rsplit(" = ").next())
        .map(str::to_owned)
        .collect();
    if verify.len() != 3 || export.len() != 2 {
        bail!("unexpected output of verify_a_million: {stdout}");
    }
    Ok((verify.join(", "), export.join(", ")))
}

/// The release app's start and memory, in a real window over the demo.
fn console() -> anyhow::Result<String> {
    crate::system::ensure_packages(&[crate::system::DESKTOP_PACKAGES])?;
    crate::system::ensure_node()?;
    crate::ensure_tauri_driver()?;
    crate::build_app(crate::Profile::Release)?;
    let session = crate::DesktopSession::new()?;
    let mut command = session.cargo();
    command
        .args([
            "test",
            "--release",
            "-p",
            "riskdesk-e2e",
            "--test",
            "desktop",
        ])
        .args(["--", "--ignored", "--nocapture", "console_benchmarks"])
        .env("RISKDESK_APP", release("riskdesk"));
    let stdout = output_of(&mut command)?;
    let line = |prefix: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(prefix))
            .map(str::to_owned)
            .with_context(|| format!("no \"{prefix}\" in: {stdout}"))
    };
    Ok(format!(
        "Measured {}: `cargo xtask bench --only console`. The release app under \
         Xvfb, driven through tauri-driver, over the built-in demo.\n\n\
         | measure | measured |\n|---|---|\n\
         | start (a new process, the session resumed from the keychain) to the first alert row, 5 starts | {} |\n\
         | memory (PSS of the app and WebKit's processes), signed in, queue loaded | {} |\n\
         | first page of an account's transactions through the IPC, 50 round trips | {} |\n",
        today()?,
        line("start to interactive queue: ")?.trim_start_matches("start to interactive queue: "),
        line("PSS after sign-in")?
            .split(": ")
            .nth(1)
            .and_then(|pss| pss.split(" over ").next())
            .unwrap_or_default(),
        line("first page of transactions")?
            .split(": ")
            .nth(1)
            .unwrap_or_default(),
    ))
}

fn release(program: &str) -> PathBuf {
    workspace_root().join("target/release").join(program)
}

/// The service part: the portfolio, then a line per database and instances.
fn service_table(
    options: &Options,
    rows: &[Row],
    sqlite: &Limit,
    postgres: &Limit,
) -> anyhow::Result<String> {
    let mut text = format!(
        "Measured {}: `{}`. {} customers, {} months of history, generated into \
         each database; each load runs {} s against the release service, with \
         `riskdesk-loadgen` on the same machine.\n\n\
         | database | instances | ingestion: transactions/s (whole generation) | \
         reads, 50 clients: requests/s | reads p50 / p99 ms (slowest kind) | \
         authorize, 50 clients: decisions/s | authorize p50 / p99 ms | \
         authorize, CPU per decision: service / database ms | \
         full path / database alone | \
         metrics, 1 client: p50 / p99 ms (slowest kind) | errors |\n\
         |---|---:|---|---:|---|---:|---|---|---:|---|---:|\n",
        today()?,
        options.command(),
        options.customers,
        options.months,
        options.seconds,
    );
    for r in rows {
        text.push_str(&format!(
            "| {} | {} | {:.0} ({:.1} s) | {:.0} | {:.1} / {:.1} | {:.0} | {:.1} / {:.1} | {} | {} | {:.1} / {:.1} | {} |\n",
            r.backend,
            r.instances,
            r.ingestion.0,
            r.ingestion.1,
            r.reads.per_second,
            r.reads.p50_ms,
            r.reads.p99_ms,
            r.authorize.per_second,
            r.authorize.p50_ms,
            r.authorize.p99_ms,
            match r.authorize_cpu {
                (service, Some(database)) => format!("{service:.2} / {database:.2}"),
                (service, None) => format!("{service:.2} (SQLite inside)"),
            },
            match r.authorize_cpu {
                (service, Some(database)) => {
                    format!("{:.1}×", (service + database) / postgres.cpu_ms)
                }
                (service, None) => format!("{:.1}×", service / sqlite.cpu_ms),
            },
            r.metrics.p50_ms,
            r.metrics.p99_ms,
            r.reads.errors + r.authorize.errors + r.metrics.errors,
        ));
    }
    text.push_str(&format!(
        "\nThe limit, each database alone with ten decisions' writes as one transaction \
         and no service: SQLite in one process (`riskdesk-sqlite-alone`) {:.0} decisions/s, \
         {:.3} ms of CPU per decision; PostgreSQL through pgbench with 5 clients \
         (`crates/loadgen/pgbench/decision-write-batched.sql`) {:.0} decisions/s, {:.3} ms \
         of the cluster's CPU per decision. \"Full path / database alone\" is the \
         authorizations' CPU per decision (service and database) over the limit's.\n",
        sqlite.decisions_per_second, sqlite.cpu_ms, postgres.decisions_per_second, postgres.cpu_ms,
    ));
    Ok(text)
}

/// The suite's section of docs/benchmarks.md, part by part: a part not run
/// this time keeps what its last run wrote.
struct Sections {
    service: Option<String>,
    audit: Option<String>,
    console: Option<String>,
}

/// Each part's name (for `--only` and its markers) and title.
const PARTS: [(&str, &str); 3] = [
    (
        "service",
        "Service: ingestion, reads, authorizations, metrics",
    ),
    (
        "audit",
        "Audit chain: 1,000,000 entries through the service",
    ),
    (
        "console",
        "Console: the release app in a real window over the demo",
    ),
];

impl Sections {
    fn read(path: &Path) -> anyhow::Result<Sections> {
        let text = std::fs::read_to_string(path)?;
        let part = |name: &str| {
            let open = format!("<!-- part:{name} -->\n");
            let close = format!("<!-- /part:{name} -->");
            let start = text.find(&open)? + open.len();
            let end = start + text[start..].find(&close)?;
            Some(text[start..end].to_owned())
        };
        Ok(Sections {
            service: part("service"),
            audit: part("audit"),
            console: part("console"),
        })
    }

    fn render(&self) -> anyhow::Result<String> {
        let mut text = format!(
            "{BEGIN}\n## The benchmark suite (`cargo xtask bench`)\n\n\
             Rewritten by `cargo xtask bench`, part by part (`--only service|audit|console`). \
             The sections after it record each issue's own measurements and how they \
             were reached. Machine: {}. PostgreSQL: a throwaway cluster with \
             `deploy/postgresql.conf`.\n\n",
            machine()?
        );
        for ((name, title), part) in PARTS
            .iter()
            .zip([&self.service, &self.audit, &self.console])
        {
            text.push_str(&format!("### {title}\n\n"));
            match part {
                Some(part) => {
                    text.push_str(&format!(
                        "<!-- part:{name} -->\n{part}<!-- /part:{name} -->\n\n"
                    ));
                }
                None => text.push_str(&format!(
                    "Not run yet: `cargo xtask bench --only {name}`.\n\n"
                )),
            }
        }
        text.push_str(END);
        Ok(text)
    }

    /// Replaces the section between the markers, or adds it after the title.
    fn write(path: &Path, section: &str) -> anyhow::Result<()> {
        let text = std::fs::read_to_string(path)?;
        let new = match (text.find(BEGIN), text.find(END)) {
            (Some(begin), Some(end)) => {
                format!("{}{section}{}", &text[..begin], &text[end + END.len()..])
            }
            _ => {
                let after_intro = text.find("\n## ").context("a section in benchmarks.md")? + 1;
                format!(
                    "{}{section}\n\n{}",
                    &text[..after_intro],
                    &text[after_intro..]
                )
            }
        };
        std::fs::write(path, new)?;
        println!("xtask: bench: rewrote {}", path.display());
        Ok(())
    }
}

fn machine() -> anyhow::Result<String> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo")?;
    let cores = cpuinfo
        .lines()
        .filter(|l| l.starts_with("processor"))
        .count();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned())
        .unwrap_or_default();
    let meminfo = std::fs::read_to_string("/proc/meminfo")?;
    let kib: f64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().split(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")?;
    Ok(format!(
        "{cores} cores ({model}), {:.0} GiB, Linux {}",
        kib / 1024.0 / 1024.0,
        kernel.trim()
    ))
}

fn today() -> anyhow::Result<String> {
    let output = Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()?;
    Ok(String::from_utf8(output.stdout)?.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loadgen_output_is_read_as_the_slowest_kind() {
        let out = "50 clients, each sending as soon as answered (closed loop), 20 s: 53902 requests (2695/s), 3 errors\n\
                   | request | requests | p50 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|\n\
                   | alert queue | 7703 | 18.25 | 29.77 | 59.13 |\n| accounts | 7703 | 18.83 | 30.43 | 55.10 |\n";
        let load = parse_load(out).expect("a load");
        assert_eq!(
            (load.per_second, load.errors, load.p50_ms, load.p99_ms),
            (2695.0, 3, 18.83, 30.43)
        );
        let authorize = "50 clients, closed loop, 20 s, 20000 accounts: 19307 decisions (965/s), 0 errors; {\"approve\": 1}\n\
                         | request | decisions | p50 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|\n| authorize | 19307 | 48.86 | 100.09 | 230.40 |\n";
        let load = parse_load(authorize).expect("a load");
        assert_eq!(
            (load.per_second, load.errors, load.p99_ms),
            (965.0, 0, 100.09)
        );
        assert_eq!(
            ingestion(
                "generated 20000 customers, 1272854 transactions, 1785 alerts in 21.3 s (59878 transactions/s)"
            ),
            Some((1272854.0 / 21.3, 21.3))
        );
    }
}
