//! The `riskdesk-server` command line: what an operator of the service meets
//! at start.

use std::process::Command;

use riskdesk_domain::rules::BUILTIN;

fn server() -> Command {
    Command::new(env!("CARGO_BIN_EXE_riskdesk-server"))
}

#[test]
fn a_bad_rules_file_stops_the_service_naming_its_line() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("rules.toml");
    let line = BUILTIN
        .lines()
        .position(|l| l.starts_with("max_speed_kmh"))
        .expect("the line")
        + 1;
    let text = BUILTIN.replace("max_speed_kmh = 900.0", "max_speed_kmh = -900.0");
    std::fs::write(&path, text).expect("writing the file");
    let output = server()
        .args([
            "serve",
            "--database",
            "sqlite::memory:",
            "--addr",
            "127.0.0.1:0",
            "--rules",
        ])
        .arg(&path)
        .output()
        .expect("running riskdesk-server");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("rules file, line {line}: ")) && stderr.contains("out of range"),
        "{stderr}"
    );
}

#[test]
fn a_service_client_key_is_printed_once_and_its_name_is_unique() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = format!("sqlite://{}", dir.path().join("s.db").display());
    let add = || {
        server()
            .args(["service-client", "--database", &url, "add", "wechatpay"])
            .output()
            .expect("running riskdesk-server")
    };
    let first = add();
    let key = String::from_utf8_lossy(&first.stdout);
    assert!(first.status.success() && key.starts_with("rdsvc_"), "{key}");
    let second = add();
    assert!(!second.status.success());
    assert!(String::from_utf8_lossy(&second.stderr).contains("is the name taken?"));
}
