//! System packages: installed with apt when we are root on Debian, otherwise
//! named in a clear message with the exact command to run.

use std::process::{Command, Stdio};

use anyhow::bail;

/// What building and running the desktop console needs beyond the Rust
/// toolchain and Node.js: WebKitGTK and friends for Tauri, the Secret
/// Service for the keychain, CJK fonts for Chinese.
pub const DESKTOP_PACKAGES: &[&str] = &[
    "build-essential",
    "pkg-config",
    "curl",
    "file",
    "libwebkit2gtk-4.1-dev",
    "libxdo-dev",
    "libssl-dev",
    "libayatana-appindicator3-dev",
    "librsvg2-dev",
    "libdbus-1-dev",
    "libsecret-1-dev",
    "libfontconfig1-dev",
    "dbus",
    "dbus-x11",
    "gnome-keyring",
    "fonts-noto-cjk",
];

/// What the test suite needs on top: a PostgreSQL server, a headless X
/// server, WebKit's WebDriver, `secret-tool`, `gdbus` to see the test
/// keyring unlocked, ImageMagick for looking at screenshots by hand,
/// Python's venv for Schemathesis, xdg-open, through which the app
/// hands links to the browser, and a notification daemon.
pub const TEST_PACKAGES: &[&str] = &[
    "postgresql",
    "xvfb",
    "xauth",
    "webkit2gtk-driver",
    "libsecret-tools",
    "libglib2.0-bin",
    "imagemagick",
    "librsvg2-bin",
    // LibreOffice opens the exports in a test, as a manager's spreadsheet would.
    "libreoffice-calc-nogui",
    "python3-venv",
    "xdg-utils",
    // A desktop's notification daemon: the live test reads the console's
    // notices from its history.
    "dunst",
    // pdftotext reads a case's PDF report back, as a compliance officer would.
    "poppler-utils",
];

pub fn ensure_packages(packages: &[&[&str]]) -> anyhow::Result<()> {
    let missing: Vec<&str> = packages
        .iter()
        .flat_map(|list| list.iter().copied())
        .filter(|p| !installed(p))
        .collect();
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

pub fn has(program: &str) -> bool {
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

/// Node.js 20 or later, for the UI's build (Vite 8).
pub fn ensure_node() -> anyhow::Result<()> {
    let version = Command::new("node")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let major: u32 = version
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    if major < 20 {
        bail!(
            "the UI needs Node.js 20 or later with npm (found {:?}); install it from nodejs.org or your distribution",
            version
        );
    }
    Ok(())
}
