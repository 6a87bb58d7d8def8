//! The desktop app as an operator installs it: the Debian package that
//! `cargo xtask dist` builds, installed with dpkg, started by the command
//! its desktop entry names, in a real window, and signed in.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::harness::{Desktop, FIRST_START, STEP, workspace};
use crate::{ONE_WINDOW, sign_in};

/// The one package `cargo xtask dist` left in the bundle directory.
fn package() -> PathBuf {
    let dir = workspace().join("target/dist/bundle/deb");
    let debs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}; `cargo xtask dist` builds it", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "deb"))
        .collect();
    assert_eq!(debs.len(), 1, "one package in {}: {debs:?}", dir.display());
    debs[0].clone()
}

fn output(command: &mut Command) -> String {
    let out = command.output().expect("running a packaging tool");
    assert!(
        out.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn the_debian_package_installs_starts_and_signs_in() {
    let deb = package();
    // What the app links is declared, and what it needs at run time recommended.
    let depends = output(
        Command::new("dpkg-deb")
            .args(["--field"])
            .arg(&deb)
            .arg("Depends"),
    );
    for library in ["libwebkit2gtk-4.1-0", "libgtk-3-0", "libdbus-1-3"] {
        assert!(depends.contains(library), "Depends: {depends}");
    }
    let recommends = output(
        Command::new("dpkg-deb")
            .args(["--field"])
            .arg(&deb)
            .arg("Recommends"),
    );
    assert!(
        recommends.contains("gnome-keyring"),
        "Recommends: {recommends}"
    );

    output(Command::new("dpkg").arg("--install").arg(&deb));
    let status =
        output(Command::new("dpkg-query").args(["--show", "--showformat=${Status}", "risk-desk"]));
    assert_eq!(status, "install ok installed");
    let entry = std::fs::read_to_string("/usr/share/applications/RiskDesk.desktop")
        .expect("the desktop entry");
    let exec = entry
        .lines()
        .find_map(|l| l.strip_prefix("Exec="))
        .expect("an Exec line");
    assert!(entry.contains("Icon=riskdesk"), "{entry}");
    assert!(Path::new("/usr/share/icons/hicolor/128x128/apps/riskdesk.png").exists());
    let program = output(Command::new("sh").args(["-c", &format!("command -v {exec}")]));

    let _window = ONE_WINDOW.lock().await;
    let desktop = Desktop::with_app(Path::new(program.trim()));
    let app = desktop.launch().await;
    app.wait("[data-testid=sign-in]", FIRST_START).await;
    sign_in(&app, "officer.li").await;
    app.wait("[data-testid=alert-row]", STEP).await;
    app.screenshot("installed-package").await;
    app.close().await;
}
