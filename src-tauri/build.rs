//! Declares the app's commands to Tauri's access control, so that each one is
//! a permission (`allow-<command>`) that a window's capability must grant:
//! nothing is callable from a window unless `capabilities/` names it.

/// Every command of `generate_handler!` in `src/main.rs`, in its order; a
/// test in `tests/desktop/hardening.rs` checks that the lists agree.
const COMMANDS: &[&str] = &[
    "start",
    "connect",
    "resume",
    "check_keychain",
    "sign_in",
    "sign_in_demo",
    "sign_out",
    "set_preferences",
    "alerts",
    "alert_counts",
    "accounts",
    "account",
    "account_chart",
    "transactions",
    "decide",
    "alert",
    "alert_notes",
    "limit_changes",
    "blacklist",
    "freezes",
    "normalise_blacklist",
    "audit",
    "verify_audit",
    "reveal",
    "disputes",
    "dispute",
    "export",
    "cancel_export",
    "fraud_dashboard",
    "credit_dashboard",
    "export_chart",
    "team",
    "operator_sessions",
];

fn main() {
    let manifest = tauri_build::AppManifest::new().commands(COMMANDS);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .expect("the app's Tauri build step");
}
