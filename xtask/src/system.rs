//! System packages: installed with apt when we are root on Debian, otherwise
//! named in a clear message with the exact command to run.

use std::process::{Command, Stdio};

use anyhow::bail;

/// What serving the demo needs beyond the Rust toolchain.
pub const DEMO_PACKAGES: &[&str] = &["build-essential", "pkg-config"];
/// What the test suite needs: the demo's packages, a PostgreSQL server, and a
/// real keychain (D-Bus, gnome-keyring's Secret Service, `secret-tool`).
pub const TEST_PACKAGES: &[&str] = &[
    "build-essential",
    "pkg-config",
    "postgresql",
    "dbus",
    "gnome-keyring",
    "libdbus-1-dev",
    "libsecret-tools",
];

pub fn ensure_packages(packages: &[&str]) -> anyhow::Result<()> {
    let missing: Vec<&str> = packages.iter().copied().filter(|p| !installed(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let install = format!(
        "apt-get install -y --no-install-recommends {}",
        missing.join(" ")
    );
    if !is_root() || !has("apt-get") {
        bail!(
            "missing system packages: {}\nInstall them with:\n  sudo apt-get update && sudo {install}",
            missing.join(" ")
        );
    }
    eprintln!("xtask: installing {}", missing.join(" "));
    let update = Command::new("apt-get").args(["update", "-q"]).status()?;
    if !update.success() {
        bail!("apt-get update failed");
    }
    let status = Command::new("sh")
        .args(["-c", &install])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status()?;
    if !status.success() {
        bail!("`{install}` failed");
    }
    Ok(())
}

fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .stderr(Stdio::null())
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

fn has(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}
