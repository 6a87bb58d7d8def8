//! `cargo xtask bench`: the service's benchmark suite, on SQLite and on
//! PostgreSQL (a throwaway cluster with the deployment guide's settings), with
//! one and with two service instances over the database. It rewrites the
//! section between its markers in docs/benchmarks.md with the machine, the
//! command, the date and the figures.
//!
//! Each run generates a portfolio (ingestion), then drives the release
//! service with `riskdesk-loadgen`: reads (50 clients), authorizations (50
//! clients) and the dashboard's metrics (one client).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::postgres::{Cluster, Settings};
use crate::{cargo, run, workspace_root};

const BEGIN: &str = "<!-- cargo xtask bench: begin -->";
const END: &str = "<!-- cargo xtask bench: end -->";

/// The portfolio and how long each load runs.
struct Options {
    customers: u32,
    months: u32,
    seconds: u64,
}

impl Options {
    fn parse(args: &[String]) -> anyhow::Result<Options> {
        let mut options = Options {
            customers: 20_000,
            months: 12,
            seconds: 20,
        };
        let mut args = args.iter();
        while let Some(flag) = args.next() {
            let value = args
                .next()
                .with_context(|| format!("{flag} needs a value"))?;
            match flag.as_str() {
                "--customers" => options.customers = value.parse()?,
                "--months" => options.months = value.parse()?,
                "--seconds" => options.seconds = value.parse()?,
                _ => bail!("usage: cargo xtask bench [--customers N] [--months N] [--seconds N]"),
            }
        }
        Ok(options)
    }

    fn command(&self) -> String {
        format!(
            "cargo xtask bench --customers {} --months {} --seconds {}",
            self.customers, self.months, self.seconds
        )
    }
}

pub fn bench(args: &[String]) -> anyhow::Result<()> {
    let options = Options::parse(args)?;
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
    let sqlite = format!("sqlite://{}", dir.join("bench.db").display());
    let mut rows = measure("SQLite", &sqlite, &options, &dir)?;
    let cluster = Cluster::start(Settings::AsDeployed)?;
    cluster.create_database("bench")?;
    rows.extend(measure(
        "PostgreSQL",
        &cluster.database_url("bench"),
        &options,
        &dir,
    )?);
    drop(cluster);
    let _ = std::fs::remove_dir_all(&dir);
    let section = render(&options, &rows)?;
    println!("{section}");
    rewrite(&workspace_root().join("docs/benchmarks.md"), &section)
}

/// One line of the table: a backend with some number of instances.
struct Row {
    backend: &'static str,
    instances: usize,
    /// Transactions generated per second, with the whole generation's time.
    ingestion: (f64, f64),
    reads: Load,
    authorize: Load,
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
) -> anyhow::Result<Vec<Row>> {
    println!("xtask: bench: generating into {backend}");
    let output = Command::new(release("riskdesk-server"))
        .args(["generate", "--database", database, "--json"])
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
    let key = Command::new(release("riskdesk-server"))
        .args(["service-client", "--database", database, "add", "loadgen"])
        .output()?;
    if !key.status.success() {
        bail!(
            "service-client add: {}",
            String::from_utf8_lossy(&key.stderr)
        );
    }
    let key = String::from_utf8(key.stdout)?.trim().to_owned();
    let mut rows = Vec::new();
    for instances in [1, 2] {
        let serving: Vec<Instance> = (0..instances)
            .map(|_| Instance::start(database))
            .collect::<anyhow::Result<_>>()?;
        let urls: Vec<String> = serving.iter().map(|i| i.url.clone()).collect();
        let load = |what: &str, extra: &[&str], clients: &str| {
            println!("xtask: bench: {backend}, {instances} instance(s): {what}");
            loadgen(&sheet, &urls, clients, options.seconds, extra)
        };
        let reads = load("reads", &[], "50")?;
        let authorize = load("authorizations", &["--authorize", &key], "50")?;
        let metrics = load("metrics", &["--metrics"], "1")?;
        rows.push(Row {
            backend,
            instances,
            ingestion,
            reads,
            authorize,
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

/// A `riskdesk-server serve` on a free port, stopped with SIGTERM.
struct Instance {
    child: Child,
    url: String,
}

impl Instance {
    fn start(database: &str) -> anyhow::Result<Instance> {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let addr = format!("127.0.0.1:{port}");
        let child = Command::new(release("riskdesk-server"))
            .args(["serve", "--database", database, "--addr", &addr])
            .env("RUST_LOG", "warn")
            .spawn()
            .context("riskdesk-server serve")?;
        let instance = Instance {
            child,
            url: format!("http://{addr}"),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while !healthy(&addr) {
            if Instant::now() > deadline {
                bail!("the instance on {addr} did not answer its health check");
            }
            #[allow(clippy::disallowed_methods, reason = "xtask has no async runtime")]
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(instance)
    }

    fn stop(mut self) -> anyhow::Result<()> {
        run(Command::new("kill").arg(self.child.id().to_string()))?;
        self.child.wait()?;
        Ok(())
    }
}

/// `GET /v1/health` answers 200.
fn healthy(addr: &str) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(addr) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut answer = String::new();
    stream
        .write_all(b"GET /v1/health HTTP/1.0\r\nhost: localhost\r\n\r\n")
        .and_then(|()| stream.read_to_string(&mut answer))
        .is_ok()
        && answer.starts_with("HTTP/1.0 200")
}

fn release(program: &str) -> PathBuf {
    workspace_root().join("target/release").join(program)
}

fn render(options: &Options, rows: &[Row]) -> anyhow::Result<String> {
    let mut text = format!(
        "{BEGIN}\n## The benchmark suite (`cargo xtask bench`)\n\n\
         Rewritten by the command; the sections below it record each issue's \
         own measurements and how they were reached.\n\n\
         - Machine: {}\n- Date: {}\n- Command: `{}`\n\
         - Portfolio: {} customers, {} months of history, generated into each \
         database; the loads run {} s each, against the release service \
         (`riskdesk-loadgen`, on the same machine). PostgreSQL: a throwaway \
         cluster with `deploy/postgresql.conf`.\n\n",
        machine()?,
        today()?,
        options.command(),
        options.customers,
        options.months,
        options.seconds,
    );
    text.push_str(
        "| database | instances | ingestion (transactions/s, whole generation) | \
         reads, 50 clients: requests/s | reads p50 / p99 ms (slowest kind) | \
         authorize, 50 clients: decisions/s | authorize p50 / p99 ms | \
         metrics, 1 client: p50 / p99 ms (slowest kind) | errors |\n\
         |---|---:|---|---:|---|---:|---|---|---:|\n",
    );
    for r in rows {
        text.push_str(&format!(
            "| {} | {} | {:.0} ({:.1} s) | {:.0} | {:.1} / {:.1} | {:.0} | {:.1} / {:.1} | {:.1} / {:.1} | {} |\n",
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
            r.metrics.p50_ms,
            r.metrics.p99_ms,
            r.reads.errors + r.authorize.errors + r.metrics.errors,
        ));
    }
    text.push_str(
        "\nNot in the suite yet: audit verification and the console's start and \
         memory (their commands are in their sections below).\n",
    );
    text.push_str(END);
    Ok(text)
}

/// The section between the markers, or a new one after the title.
fn rewrite(path: &Path, section: &str) -> anyhow::Result<()> {
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
