//! A copy of the database is not a copy of the keys: TOTP secrets and
//! customers' names, phones and national IDs are sealed in the file, the
//! data key is refused when others may read it or when it is the wrong one,
//! and `rotate-key` moves everything to a new key while the old one still
//! opens what it sealed.

#![allow(clippy::unwrap_used)]

use std::process::Command;

use crate::support;

/// Every byte of a SQLite database, its write-ahead log included.
fn file_bytes(dir: &std::path::Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.to_string_lossy().contains(".db") {
            bytes.extend(std::fs::read(path).unwrap());
        }
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

#[tokio::test]
async fn the_database_file_holds_no_secret_name_phone_or_national_id_in_clear() {
    let (store, dir) = support::sqlite_file().await;
    support::portfolio(store.as_ref(), 60).await;
    // What the service knows in clear: the customers as it opens them, and
    // the demo operators' secrets.
    let mut known = Vec::new();
    for id in 80_000_000..80_000_060 {
        let account = store.account(id).await.unwrap().unwrap();
        known.push(account.name.clone());
        known.push(account.account.phone.clone());
        known.push(account.national_id.clone());
    }
    for operator in ["officer.li", "officer.wang", "agent.zhao", "manager.chen"] {
        let secret = support::operator(operator).totp_secret;
        assert_eq!(
            store.operator(operator).await.unwrap().unwrap().totp_secret,
            secret
        );
        known.push(secret);
    }
    assert!(
        known.iter().any(|v| v.len() == 18),
        "national IDs among them"
    );
    assert!(known.iter().any(|v| v.len() == 11), "phones among them");
    store.close().await;
    let bytes = file_bytes(dir.path());
    assert!(bytes.len() > 100_000, "the database was read");
    // The check can fail: the masked name and the phone's last four digits are
    // kept for search, and they are in the file.
    assert!(contains(&bytes, "phone_tail"));
    let found: Vec<&String> = known.iter().filter(|v| contains(&bytes, v)).collect();
    assert!(found.is_empty(), "in clear in the database file: {found:?}");
}

fn server(data_key: Option<&std::path::Path>) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_riskdesk-server"));
    command.env_remove("RISKDESK_DATA_KEY");
    command.env_remove("RISKDESK_DATA_KEY_FILE");
    if let Some(key) = data_key {
        command.arg("--data-key").arg(key);
    }
    command
}

fn ok(output: std::process::Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{stderr}");
    stderr
}

fn refused(output: std::process::Output) -> String {
    assert!(!output.status.success());
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn the_key_is_needed_kept_private_checked_and_rotated() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("rd.db").display());
    let (old, new) = (dir.path().join("old.key"), dir.path().join("new.key"));
    let list = |key: Option<&std::path::Path>| {
        server(None)
            .args(["service-client", "--database", &url])
            .args(
                key.map(|k| vec!["--data-key".into(), k.display().to_string()])
                    .unwrap_or_default(),
            )
            .arg("list")
            .output()
            .unwrap()
    };
    let why = refused(list(None));
    assert!(why.contains("the data key is needed"), "{why}");
    ok(server(None)
        .args([
            "generate",
            "--database",
            &url,
            "--customers",
            "30",
            "--months",
            "2",
        ])
        .arg("--data-key")
        .arg(&old)
        .output()
        .unwrap());
    ok(list(Some(&old)));

    // A key others may read is a key others may have copied.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o640)).unwrap();
    let why = refused(list(Some(&old)));
    assert!(why.contains("chmod 600"), "{why}");
    std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o600)).unwrap();

    // Another key does not open this database, and says so at start.
    let stranger = dir.path().join("stranger.key");
    let why = refused(list(Some(&stranger)));
    assert!(why.contains("sealed with another data key"), "{why}");

    // The rotation: the new key is made keeping the index half; afterwards
    // the new key alone opens everything and the old one nothing.
    let rotated = ok(server(None)
        .args(["rotate-key", "--database", &url])
        .arg("--data-key")
        .arg(&new)
        .arg("--previous-data-key")
        .arg(&old)
        .output()
        .unwrap());
    assert!(rotated.contains("30 customers"), "{rotated}");
    ok(list(Some(&new)));
    let why = refused(list(Some(&old)));
    assert!(why.contains("sealed with another data key"), "{why}");
}
