//! `cargo xtask <command>`: the project's commands, in Rust so that only
//! cargo is needed.
//!
//! - `demo`    generate the demo portfolio if missing and serve it on SQLite
//! - `test`    install what the tests need, then format check, clippy, and every
//!   test (with a throwaway PostgreSQL cluster)
//! - `codegen` rewrite the committed generated files (OpenAPI document,
//!   permission table, golden chart SVGs, the UI's TypeScript types)

mod postgres;
mod system;

use std::process::Command;

use anyhow::{Context, bail};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_default();
    let rest: Vec<String> = args.collect();
    match command.as_str() {
        "demo" => demo(&rest),
        "test" => test(),
        "codegen" => codegen(),
        _ => bail!("usage: cargo xtask demo [--addr A] [--data DIR] [--json] | test | codegen"),
    }
}

fn demo(args: &[String]) -> anyhow::Result<()> {
    system::ensure_packages(system::DEMO_PACKAGES)?;
    run(cargo()
        .args([
            "run",
            "--release",
            "--quiet",
            "-p",
            "riskdesk-server",
            "--",
            "demo",
        ])
        .args(args))
}

fn test() -> anyhow::Result<()> {
    system::ensure_packages(system::TEST_PACKAGES)?;
    run(cargo().args(["fmt", "--all", "--check"])).context("formatting: run `cargo fmt --all`")?;
    run(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    let cluster = postgres::Cluster::start()?;
    println!("xtask: throwaway PostgreSQL on {}", cluster.url());
    // The tests run in a D-Bus session of their own with an unlocked
    // gnome-keyring, so that the console's tests use a real OS keychain.
    let keyring_home =
        std::env::temp_dir().join(format!("riskdesk-keyring-{}", std::process::id()));
    std::fs::create_dir_all(&keyring_home)?;
    let unlock_then_test = "printf riskdesk | gnome-keyring-daemon --unlock --components=secrets \
        >/dev/null || exit 1; exec \"$@\"";
    let cargo_path = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let result = run_counting_tests(
        Command::new("dbus-run-session")
            .args(["--", "sh", "-c", unlock_then_test, "sh", &cargo_path])
            .args(["test", "--workspace", "--no-fail-fast"])
            .current_dir(workspace_root())
            .env("XDG_DATA_HOME", &keyring_home)
            .env("RISKDESK_TEST_PG_URL", cluster.url()),
    );
    drop(cluster);
    let _ = std::fs::remove_dir_all(&keyring_home);
    result
}

fn codegen() -> anyhow::Result<()> {
    run(cargo()
        .args(["test", "-p", "riskdesk-server", "-p", "riskdesk-charts"])
        .args(["-p", "riskdesk-console"])
        .args(["--", "generated_files", "golden"])
        .env("UPDATE_GENERATED", "1"))
}

fn cargo() -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.current_dir(workspace_root());
    command
}

fn workspace_root() -> std::path::PathBuf {
    let xtask_dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    xtask_dir
        .parent()
        .map(|p| p.to_path_buf())
        .unwrap_or(xtask_dir)
}

/// Runs `cargo test`, passing its output through, and ends with one line
/// adding up every test binary's "test result" line.
fn run_counting_tests(command: &mut Command) -> anyhow::Result<()> {
    use std::io::BufRead;
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {command:?}"))?;
    let (mut passed, mut failed) = (0u64, 0u64);
    if let Some(stdout) = child.stdout.take() {
        for line in std::io::BufReader::new(stdout).lines() {
            let line = line?;
            println!("{line}");
            if let Some(result) = line.strip_prefix("test result: ") {
                passed += count_before(result, " passed");
                failed += count_before(result, " failed");
            }
        }
    }
    let status = child.wait()?;
    println!("tests: {passed} passed, {failed} failed");
    if !status.success() {
        bail!("{command:?} failed: {status}");
    }
    Ok(())
}

/// The number just before `label` in `ok. 14 passed; 0 failed; …`.
fn count_before(text: &str, label: &str) -> u64 {
    text.split(';')
        .find_map(|part| {
            part.trim()
                .trim_start_matches("ok. ")
                .trim_start_matches("FAILED. ")
                .strip_suffix(label.trim_start())
                .map(str::trim)
        })
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

fn run(command: &mut Command) -> anyhow::Result<()> {
    let status = command
        .status()
        .with_context(|| format!("starting {command:?}"))?;
    if !status.success() {
        bail!("{command:?} failed: {status}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn test_result_lines_add_up() {
        let line =
            "ok. 14 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out; finished in 2.96s";
        assert_eq!(super::count_before(line, " passed"), 14);
        assert_eq!(super::count_before(line, " failed"), 2);
        assert_eq!(
            super::count_before("FAILED. 3 passed; 1 failed; 0 ignored", " failed"),
            1
        );
    }
}
