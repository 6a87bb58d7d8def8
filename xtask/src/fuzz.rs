//! `cargo xtask fuzz parsers [--seconds N]`: the cargo-fuzz targets in
//! `fuzz/`, each for a fixed time.
//!
//! `cargo xtask fuzz api [--examples N] [--seed S]`: Schemathesis against the
//! service's own OpenAPI document, every check on, stateful phase included.
//!
//! A small portfolio is generated into a scratch directory, served by the
//! debug build, and probed with an officer's session and a service client's
//! key (`tests/api-fuzz/`: the pinned tools, the configuration and the
//! hooks, each saying why). Any failure fails the command; its report is in
//! `target/api-fuzz/report`, the service's log in `target/api-fuzz/scratch`.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, bail};

use crate::service::{self, Instance};
use crate::{cargo, output_of, run, workspace_root};

/// What the test command runs: a short pass over every operation.
pub const TEST_EXAMPLES: u32 = 20;

/// What to fuzz.
#[derive(Debug, clap::Subcommand)]
pub enum Target {
    /// Schemathesis against the service's OpenAPI document, every check on.
    Api {
        /// At most this many cases per operation and phase.
        #[arg(long, default_value_t = 60)]
        examples: u32,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// The cargo-fuzz targets, each the parser of an outside input.
    Parsers {
        /// How long each target runs.
        #[arg(long, default_value_t = 60)]
        seconds: u32,
    },
}

pub fn fuzz(target: &Target) -> anyhow::Result<()> {
    match *target {
        Target::Api { examples, seed } => {
            api(examples, seed).map(|summary| println!("xtask: schemathesis: {summary}"))
        }
        Target::Parsers { seconds } => parsers(seconds),
    }
}

/// The cargo-fuzz targets in `fuzz/`, each the parser of an outside input.
const PARSERS: [&str; 4] = ["money", "cursor", "notification", "rules"];

/// Runs each parser's fuzzer (libFuzzer with AddressSanitizer) for `seconds`,
/// from its seeds in `fuzz/seeds/` and the corpus earlier runs left in
/// `fuzz/corpus/`. A crash stops the command; libFuzzer's input that caused
/// it is in `fuzz/artifacts/<target>/`, to become a regression test.
fn parsers(seconds: u32) -> anyhow::Result<()> {
    crate::ensure_cargo_tool("cargo-fuzz")?;
    let fuzz = workspace_root().join("fuzz");
    let mut results = Vec::new();
    for target in PARSERS {
        let corpus = fuzz.join("corpus").join(target);
        std::fs::create_dir_all(&corpus)?;
        let seeds = fuzz.join("seeds").join(target);
        let output = cargo()
            .args(["fuzz", "run", target])
            .arg(&corpus)
            .args(seeds.exists().then_some(&seeds))
            // Inputs of any length from the start: the notification target's
            // runs are few (each is signed), too few to grow the length.
            .args([
                "--",
                &format!("-max_total_time={seconds}"),
                "-len_control=0",
            ])
            .current_dir(&fuzz)
            // cargo-fuzz builds with sanitizer flags that only nightly takes;
            // the machine has one stable toolchain.
            .env("RUSTC_BOOTSTRAP", "1")
            .output()
            .context("cargo fuzz")?;
        let log = String::from_utf8_lossy(&output.stderr);
        if !output.status.success() {
            eprintln!("{log}");
            bail!("the {target} fuzzer failed: see fuzz/artifacts/{target}/");
        }
        // libFuzzer's closing lines: "#N\tDONE cov: … corp: …" and
        // "Done N runs in S second(s)".
        let closing = |word: &str| {
            log.lines()
                .rev()
                .find(|line| line.contains(word))
                .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
                .unwrap_or_default()
        };
        let done = format!("{}; {}", closing("DONE"), closing("Done "));
        println!("xtask: fuzz {target}: {done}");
        results.push(format!("{target}: {done}"));
    }
    println!("xtask: every parser ran {seconds} s without a crash");
    for line in results {
        println!("  {line}");
    }
    Ok(())
}

/// Runs Schemathesis with at most `examples` cases per operation and phase;
/// returns its closing summary ("N generated, N passed …").
pub fn api(examples: u32, seed: u64) -> anyhow::Result<String> {
    let python = tools()?;
    run(cargo().args(["build", "-p", "riskdesk-server"]))?;
    let server = workspace_root().join("target/debug/riskdesk-server");
    let scratch = workspace_root().join("target/api-fuzz/scratch");
    if scratch.exists() {
        std::fs::remove_dir_all(&scratch)?;
    }
    std::fs::create_dir_all(&scratch)?;
    let database = format!("sqlite://{}", scratch.join("fuzz.db").display());
    let sheet = scratch.join("sheet.json");
    let data_key = scratch.join("data.key");
    let sheet_json = output_of(
        Command::new(&server)
            .args(["generate", "--database", &database, "--json"])
            .args(["--customers", "300", "--months", "3"])
            .env("RISKDESK_DATA_KEY_FILE", &data_key),
    )?;
    std::fs::write(&sheet, sheet_json)?;
    let service_key = service::add_client(&server, &database, &data_key, "fuzz")?;
    // The service's log stays beside the report: a 5xx is explained there.
    let log = std::fs::File::create(scratch.join("service.log"))?;
    let instance = Instance::start(&server, &database, &data_key, log.into())?;
    let here = workspace_root().join("tests/api-fuzz");
    let token = output_of(
        Command::new(&python)
            .arg(here.join("sign_in.py"))
            .arg(&sheet)
            .args(["officer.li", &instance.url]),
    )?
    .trim()
    .to_owned();
    let report = workspace_root().join("target/api-fuzz/report");
    let output = Command::new(python.with_file_name("st"))
        .args(["run", &format!("{}/v1/openapi.json", instance.url)])
        .args(["--checks", "all", "--max-examples", &examples.to_string()])
        // One worker: Debian 12's Python 3.11 keeps the AST parser's depth
        // per interpreter, not per thread, so Hypothesis describing lambdas
        // in two threads at once fails with "AST constructor recursion depth
        // mismatch" (python/cpython#106905) — a crash of the tool, not a
        // finding. One worker costs about 20 s.
        .args(["--seed", &seed.to_string(), "--workers", "1"])
        // Signing out would end the one session the run has; sign-out is
        // covered by the service's tests.
        .args(["--exclude-path", "/v1/auth/sign-out"])
        // The live stream never ends by itself: each example would wait for
        // the time limit. Its answers are covered by the service's tests.
        .args(["--exclude-path", "/v1/events"])
        .args(["--report", "junit", "--report-dir"])
        .arg(&report)
        .current_dir(&here)
        .env("SCHEMATHESIS_HOOKS", "hooks")
        .env("RISKDESK_FUZZ_TOKEN", &token)
        .env("RISKDESK_FUZZ_SERVICE_KEY", &service_key)
        .output()
        .context("schemathesis")?;
    instance.stop()?;
    let text = String::from_utf8_lossy(&output.stdout);
    println!("{text}");
    let summary = text
        .lines()
        .find(|line| {
            line.trim_start().starts_with(|c: char| c.is_ascii_digit())
                && line.contains(" generated,")
        })
        .map(|line| line.trim().to_owned())
        .unwrap_or_default();
    if !output.status.success() {
        bail!(
            "schemathesis found failures ({summary}); the report is in {}",
            report.display()
        );
    }
    Ok(summary)
}

/// Schemathesis and pyotp in a virtual environment of their own under
/// `target/`, at the versions `tests/api-fuzz/requirements.txt` pins;
/// returns its Python.
fn tools() -> anyhow::Result<PathBuf> {
    let venv = workspace_root().join("target/api-fuzz/venv");
    let requirements = workspace_root().join("tests/api-fuzz/requirements.txt");
    let stamp = venv.join("requirements.txt");
    let python = venv.join("bin/python");
    if std::fs::read(&stamp).ok() == Some(std::fs::read(&requirements)?) {
        return Ok(python);
    }
    run(Command::new("python3").args(["-m", "venv"]).arg(&venv))
        .context("python3 -m venv (Debian: apt-get install python3-venv)")?;
    run(Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
        ])
        .arg(&requirements))?;
    std::fs::copy(&requirements, &stamp)?;
    Ok(python)
}
