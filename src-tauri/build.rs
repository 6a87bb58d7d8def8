//! Declares the app's commands to Tauri's access control, so that each one is
//! a permission (`allow-<command>`) that a window's capability must grant:
//! nothing is callable from a window unless `capabilities/` names it.

fn main() {
    println!("cargo:rerun-if-changed=commands.txt");
    // The one list of the app's commands (see its header).
    let commands: &'static [&str] = include_str!("commands.txt")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect::<Vec<_>>()
        .leak();
    let manifest = tauri_build::AppManifest::new().commands(commands);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .expect("the app's Tauri build step");
}
