//! `cargo xtask <command>`: the project's commands, in Rust so that only
//! cargo is needed (`--help` for each).
//!
//! - `demo`    build the UI and the app, and open the console over its built-in
//!   demo service (`--test-keyring`: in a desktop session of its own with an
//!   unlocked test keyring, for a headless machine)
//! - `test`    install what the tests need, then format check, the UI's type
//!   check, clippy, cargo-deny's licence and source policy, and every test:
//!   Vitest, cargo's with a throwaway PostgreSQL cluster, a real keychain
//!   and a real window (Xvfb), and a short Schemathesis pass
//! - `codegen` rewrite the committed generated files (OpenAPI document,
//!   permission table, golden chart SVGs, the UI's TypeScript types, and
//!   the app's command list in each place that names it)
//! - `dist`    the desktop app as a Debian package (stripped release build,
//!   icons, desktop entry, its libraries declared), in `target/dist/bundle/deb`
//! - `bench`   the benchmark suite (the service on SQLite and PostgreSQL with
//!   one and two instances, the audit chain, the console); rewrites its
//!   section of docs/benchmarks.md
//! - `fuzz`    `parsers`: the cargo-fuzz targets for a fixed time; `api`:
//!   Schemathesis against the service's OpenAPI document, every check on

mod bench;
mod commands;
mod cpu;
mod fuzz;
mod postgres;
mod service;
mod system;

use std::process::{Command, Stdio};

use anyhow::{Context, bail};

/// The project's commands (`cargo xtask <command> --help` for each).
#[derive(clap::Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(clap::Subcommand)]
enum Task {
    /// Build the UI and the app, and open the console over its built-in demo
    /// service.
    Demo {
        /// Run the console in a D-Bus session of its own with an unlocked
        /// test keyring (and, with no display, a virtual one): a headless
        /// machine's console can then be signed in to and used.
        #[arg(long)]
        test_keyring: bool,
    },
    /// Install what the tests need, then every check and every test.
    Test,
    /// Rewrite the committed generated files.
    Codegen,
    /// The desktop app as a Debian package, in target/dist/bundle/deb.
    Dist,
    /// The benchmark suite; rewrites its section of docs/benchmarks.md.
    Bench(bench::Options),
    /// Fuzz the service's API or the parsers of outside input.
    Fuzz {
        #[command(subcommand)]
        target: fuzz::Target,
    },
}

fn main() -> anyhow::Result<()> {
    match <Cli as clap::Parser>::parse().task {
        Task::Demo { test_keyring } => demo(test_keyring),
        Task::Test => test(),
        Task::Codegen => codegen(),
        Task::Dist => dist().map(|deb| println!("xtask: {}", deb.display())),
        Task::Bench(options) => bench::bench(&options),
        Task::Fuzz { target } => fuzz::fuzz(&target),
    }
}

/// Builds the UI and the app (release) and opens the console, which starts
/// the built-in demo service over a portfolio generated on first start;
/// with `test_keyring`, inside a desktop session of its own (the test
/// command's), so that a headless machine has a keychain to sign in with.
fn demo(test_keyring: bool) -> anyhow::Result<()> {
    system::ensure_packages(&[system::DESKTOP_PACKAGES])?;
    system::ensure_node()?;
    let has_display =
        std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some();
    if !has_display && !test_keyring {
        bail!(
            "the console needs a desktop session (no DISPLAY or WAYLAND_DISPLAY); \
             on a headless machine run `cargo xtask demo --test-keyring`"
        );
    }
    if test_keyring {
        system::ensure_packages(&[system::TEST_PACKAGES])?;
    }
    build_app(Profile::Release)?;
    let app = workspace_root().join("target/release/riskdesk");
    if test_keyring {
        let session = DesktopSession::new()?;
        run(&mut session.command(&app, !has_display))
    } else {
        run(&mut Command::new(app))
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Profile {
    Debug,
    Release,
}

/// `npm ci` and the UI's build, then the app with the UI embedded
/// (`tauri build --no-bundle`; a plain `cargo build` binary would load the
/// dev server's URL instead).
fn build_app(profile: Profile) -> anyhow::Result<()> {
    build_ui()?;
    let mut build = tauri();
    build.args(["build", "--no-bundle"]);
    if profile == Profile::Debug {
        build.arg("--debug");
    }
    run(&mut build)
}

fn build_ui() -> anyhow::Result<()> {
    let ui = workspace_root().join("ui");
    run(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&ui))?;
    run(Command::new("npm").args(["run", "build"]).current_dir(&ui))
}

/// The Tauri CLI of the UI's packages, run from the workspace.
fn tauri() -> Command {
    let mut tauri = Command::new(workspace_root().join("ui/node_modules/.bin/tauri"));
    tauri.current_dir(workspace_root());
    tauri
}

/// The app bundled as a .deb by Tauri (`bundle` in
/// `src-tauri/tauri.conf.json`), built in the `dist` profile: release,
/// stripped. Any older package there is removed first, so that the one
/// left is this build's.
fn dist() -> anyhow::Result<std::path::PathBuf> {
    system::ensure_packages(&[system::DESKTOP_PACKAGES])?;
    system::ensure_node()?;
    build_ui()?;
    let bundles = workspace_root().join("target/dist/bundle/deb");
    if bundles.exists() {
        std::fs::remove_dir_all(&bundles)?;
    }
    run(tauri().args(["build", "--bundles", "deb", "--", "--profile", "dist"]))?;
    let deb = std::fs::read_dir(&bundles)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .find(|path| path.extension().is_some_and(|e| e == "deb"))
        .context("tauri build made no .deb")?;
    Ok(deb)
}

/// tauri-driver, the WebDriver bridge the end-to-end tests use.
fn ensure_tauri_driver() -> anyhow::Result<()> {
    ensure_cargo_tool("tauri-driver")
}

/// A cargo subcommand or tool from crates.io, installed once.
fn ensure_cargo_tool(name: &str) -> anyhow::Result<()> {
    if system::has(name) || cargo_bin(name).exists() {
        return Ok(());
    }
    run(cargo().args(["install", name, "--locked"]))
}

fn cargo_bin(name: &str) -> std::path::PathBuf {
    let home = std::env::var_os("CARGO_HOME").map_or_else(
        || std::path::PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cargo"),
        std::path::PathBuf::from,
    );
    home.join("bin").join(name)
}

fn test() -> anyhow::Result<()> {
    system::ensure_packages(&[system::DESKTOP_PACKAGES, system::TEST_PACKAGES])?;
    system::ensure_node()?;
    ensure_tauri_driver()?;
    run(cargo().args(["fmt", "--all", "--check"])).context("formatting: run `cargo fmt --all`")?;
    // The UI first: its type check, then the app the end-to-end tests drive,
    // and the package one of them installs.
    build_app(Profile::Debug)?;
    dist()?;
    let ui = workspace_root().join("ui");
    run(Command::new("npm").args(["run", "check"]).current_dir(&ui))?;
    run(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    // The dependencies' licences and sources (deny.toml).
    ensure_cargo_tool("cargo-deny")?;
    run(cargo().args(["deny", "check", "licenses", "bans", "sources"]))?;
    let mut counts = Counts::default();
    counts.run(
        Command::new("npm")
            .args(["test"])
            .current_dir(&ui)
            .env("NO_COLOR", "1"),
        Counts::vitest_line,
    )?;
    // Built first, so that the keyring daemon lives only while tests run.
    run(cargo().args(["test", "--workspace", "--no-run"]))?;
    let cluster = postgres::Cluster::start(postgres::Settings::Tests)?;
    println!("xtask: throwaway PostgreSQL on {}", cluster.url());
    let session = DesktopSession::new()?;
    let result = counts.run(
        session
            .cargo()
            .args(["test", "--workspace", "--no-fail-fast"])
            .env("RISKDESK_TEST_PG_URL", cluster.url()),
        Counts::cargo_line,
    );
    drop(cluster);
    if result.is_err() {
        session.print_daemon_log();
    }
    // The API fuzzing counts as one test: a short pass over every operation.
    let fuzzed = fuzz::api(fuzz::TEST_EXAMPLES, 1);
    match &fuzzed {
        Ok(summary) => {
            println!("xtask: schemathesis: {summary}");
            counts.passed += 1;
        }
        Err(error) => {
            eprintln!("xtask: {error:#}");
            counts.failed += 1;
        }
    }
    println!("tests: {} passed, {} failed", counts.passed, counts.failed);
    result.and(fuzzed.map(drop))
}

/// A D-Bus session of its own with an unlocked gnome-keyring, so that the
/// console's tests use a real OS keychain, in a headless X server, so that
/// the app opens a real window. The keyring's files go when it is dropped;
/// the daemon's log stays in `target/test-keyring.log`.
struct DesktopSession {
    keyring_home: std::path::PathBuf,
    daemon_log: std::path::PathBuf,
}

impl DesktopSession {
    fn new() -> anyhow::Result<DesktopSession> {
        let keyring_home =
            std::env::temp_dir().join(format!("riskdesk-keyring-{}", std::process::id()));
        std::fs::create_dir_all(&keyring_home)?;
        let daemon_log = workspace_root().join("target/test-keyring.log");
        std::fs::write(&daemon_log, "")?;
        Ok(DesktopSession {
            keyring_home,
            daemon_log,
        })
    }

    /// cargo, run inside the session (with a virtual display).
    fn cargo(&self) -> Command {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        self.command(std::path::Path::new(&cargo), true)
    }

    /// `program`, run inside the session once the keyring's default
    /// collection answers and is unlocked; in a headless X server of its own
    /// if `virtual_display`.
    fn command(&self, program: &std::path::Path, virtual_display: bool) -> Command {
        let unlock_then_run = r#"
            printf riskdesk | gnome-keyring-daemon --foreground --unlock \
                --components=secrets >/dev/null 2>>"$RISKDESK_KEYRING_LOG" &
            gdbus wait --session --timeout 10 org.freedesktop.secrets || exit 1
            locked=$(gdbus call --session --dest org.freedesktop.secrets \
                --object-path /org/freedesktop/secrets/aliases/default \
                --method org.freedesktop.DBus.Properties.Get \
                org.freedesktop.Secret.Collection Locked) || exit 1
            [ "$locked" = "(<false>,)" ] || { echo "the test keyring is locked" >&2; exit 1; }
            exec "$@""#;
        let mut command = Command::new("dbus-run-session");
        command.arg("--");
        if virtual_display {
            command.args(["xvfb-run", "-a", "-s", "-screen 0 1280x800x24"]);
        }
        command
            .args(["sh", "-c", unlock_then_run, "sh"])
            .arg(program)
            .current_dir(workspace_root())
            .env("XDG_DATA_HOME", &self.keyring_home)
            .env("RISKDESK_KEYRING_LOG", &self.daemon_log);
        command
    }

    /// What the keyring daemon logged, for a run that failed: a keychain
    /// error in a test is often the daemon's own.
    fn print_daemon_log(&self) {
        match std::fs::read_to_string(&self.daemon_log) {
            Ok(log) if !log.trim().is_empty() => {
                eprintln!("xtask: gnome-keyring-daemon logged:\n{log}");
            }
            _ => eprintln!("xtask: gnome-keyring-daemon logged nothing"),
        }
    }
}

impl Drop for DesktopSession {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.keyring_home);
    }
}

fn codegen() -> anyhow::Result<()> {
    commands::generate()?;
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

/// Passed and failed tests, added up over the suites (Vitest and cargo's).
#[derive(Default)]
struct Counts {
    passed: u64,
    failed: u64,
}

impl Counts {
    /// Runs a test command, passing its output through and counting the
    /// results its summary lines report.
    fn run(
        &mut self,
        command: &mut Command,
        summary: fn(&str) -> Option<(u64, u64)>,
    ) -> anyhow::Result<()> {
        use std::io::BufRead;
        let mut child = command
            .stdout(std::process::Stdio::piped())
            .spawn()
            .with_context(|| format!("starting {command:?}"))?;
        if let Some(stdout) = child.stdout.take() {
            for line in std::io::BufReader::new(stdout).lines() {
                let line = line?;
                println!("{line}");
                if let Some((passed, failed)) = summary(&line) {
                    self.passed += passed;
                    self.failed += failed;
                }
            }
        }
        let status = child.wait()?;
        if !status.success() {
            bail!("{command:?} failed: {status}");
        }
        Ok(())
    }

    /// `test result: ok. 14 passed; 0 failed; …`
    fn cargo_line(line: &str) -> Option<(u64, u64)> {
        let result = line.strip_prefix("test result: ")?;
        Some((
            count_before(result, " passed"),
            count_before(result, " failed"),
        ))
    }

    /// `      Tests  12 passed (12)` or `Tests  1 failed | 11 passed (12)`
    fn vitest_line(line: &str) -> Option<(u64, u64)> {
        let rest = line.trim().strip_prefix("Tests ")?;
        let words: Vec<&str> = rest.split_whitespace().collect();
        let before = |label: &str| {
            words
                .windows(2)
                .find(|w| w[1] == label)
                .and_then(|w| w[0].parse().ok())
                .unwrap_or(0)
        };
        Some((before("passed"), before("failed")))
    }
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

/// A command's standard output (its standard error passes through), or its failure.
fn output_of(command: &mut Command) -> anyhow::Result<String> {
    let output = command
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("running {command:?}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        bail!("{command:?} failed: {stdout}");
    }
    Ok(stdout)
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
