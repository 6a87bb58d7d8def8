//! The `riskdesk-server` command line: what an operator of the service meets
//! at start.

use std::process::Command;

use riskdesk_domain::rules::BUILTIN;

fn server() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_riskdesk-server"));
    command.env("RISKDESK_DATA_KEY", crate::support::DATA_KEY);
    command
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

#[tokio::test]
async fn an_operator_added_from_the_command_line_signs_in_with_the_printed_secret() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = format!("sqlite://{}", dir.path().join("o.db").display());
    let add = |password: &str| {
        crate::support::with_input(
            server()
                .args(["operator", "--database", &url, "add", "officer.zhou"])
                .args(["--name", "周风控", "--role", "risk_officer"]),
            password,
        )
    };
    let short = add("too short\n");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 12 characters"));
    let added = add("correct horse battery\n");
    let uri = String::from_utf8_lossy(&added.stdout).trim().to_owned();
    assert!(
        added.status.success() && uri.starts_with("otpauth://totp/RiskDesk:officer.zhou?secret="),
        "{uri} {}",
        String::from_utf8_lossy(&added.stderr)
    );
    let again = add("correct horse battery\n");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("is the id taken?"));

    // The operator signs in with that password and a code from that secret.
    let secret = crate::support::totp_secret(&uri);
    let store = riskdesk_server::store::open(&url, &crate::support::keys())
        .await
        .expect("the database");
    let service = crate::support::Service::start(store).await;
    let now = u64::try_from(service.now_ms() / 1000).expect("after 1970");
    let code = riskdesk_server::auth::totp_code(&secret, now).expect("a code");
    let (status, session) = service
        .post(
            "/v1/auth/sign-in",
            None,
            &serde_json::json!({"operator_id": "officer.zhou", "password": "correct horse battery", "totp_code": code}),
        )
        .await;
    assert_eq!(status, 200, "{session}");
    assert_eq!(session["operator"]["role"], "risk_officer", "{session}");
    assert_eq!(session["operator"]["display_name"], "周风控", "{session}");
}

#[test]
fn an_operator_is_added_disabled_and_enabled_again_from_the_command_line() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = format!("sqlite://{}", dir.path().join("team.db").display());
    let run = |args: &[&str], input: Option<&str>| {
        let mut command = server();
        command.args(["operator", "--database", &url]).args(args);
        match input {
            Some(input) => crate::support::with_input(&mut command, input),
            None => command.output().expect("running riskdesk-server"),
        }
    };
    let added = run(
        &[
            "add",
            "officer.zhou",
            "--name",
            "周风控",
            "--role",
            "risk_officer",
        ],
        Some("a long enough password\n"),
    );
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let listed = |expected: &str| {
        let list = run(&["list"], None);
        let out = String::from_utf8_lossy(&list.stdout).into_owned();
        assert!(
            out.contains(&format!("officer.zhou\t周风控\trisk_officer\t{expected}\t")),
            "{out}"
        );
    };
    listed("active");
    let disabled = run(&["disable", "officer.zhou"], None);
    assert!(
        disabled.status.success(),
        "{}",
        String::from_utf8_lossy(&disabled.stderr)
    );
    listed("disabled");
    let again = run(&["disable", "officer.zhou"], None);
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("officer.zhou is already disabled"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let enabled = run(&["enable", "officer.zhou"], None);
    assert!(
        enabled.status.success(),
        "{}",
        String::from_utf8_lossy(&enabled.stderr)
    );
    listed("active");
    let reset = run(&["reset-totp", "officer.zhou"], None);
    let uri = String::from_utf8_lossy(&reset.stdout);
    assert!(
        uri.starts_with("otpauth://totp/RiskDesk:officer.zhou?secret="),
        "{uri}"
    );
    let role = run(&["role", "officer.zhou", "manager"], None);
    assert!(
        role.status.success(),
        "{}",
        String::from_utf8_lossy(&role.stderr)
    );
    let list = run(&["list"], None);
    assert!(
        String::from_utf8_lossy(&list.stdout).contains("officer.zhou\t周风控\tmanager\tactive")
    );
}
