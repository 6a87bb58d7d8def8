//! Live operations in the real window: a payment through the payment API
//! raises a critical alert and the open queue shows it without any input; a
//! second officer's claim greys the row and the open panel says who took
//! it; away from the queue the next one raises a desktop notice (read
//! through the notification daemon the test starts) whose click opens the
//! queue at that alert; the service stops, the console says so, and once it is back the
//! console shows what happened meanwhile.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use crate::harness::{App, Desktop, RemoteService, STEP, authorize, now_rfc3339};
use crate::{ONE_WINDOW, connect, demo_operator, sign_in};

/// A device the demo's blacklist holds: a payment on it raises a critical
/// `blacklist_hit` alert.
const LISTED_DEVICE: &str = "dev-bl0003";

/// The desktop's notification daemon for one test: dunst on the test's
/// D-Bus session, keeping every notice until it is clicked and noting each
/// one it shows.
struct Notifications {
    daemon: Child,
    dir: tempfile::TempDir,
}

impl Notifications {
    fn start() -> Notifications {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("a config directory");
        let note = dir.path().join("note.sh");
        let shown = dir.path().join("shown.tsv");
        // dunst runs a rule's script with appname, summary and body.
        std::fs::write(
            &note,
            format!(
                "#!/bin/sh\nprintf '%s\\t%s\\n' \"$2\" \"$3\" >> '{}'\n",
                shown.display()
            ),
        )
        .expect("the noting script");
        std::fs::set_permissions(&note, std::fs::Permissions::from_mode(0o755))
            .expect("the script's mode");
        let mut config = ["low", "normal", "critical"]
            .map(|u| format!("[urgency_{u}]\n    timeout = 0\n"))
            .concat();
        config.push_str(&format!(
            "[note]\n    summary = \"*\"\n    script = {}\n",
            note.display()
        ));
        let file = dir.path().join("dunstrc");
        std::fs::write(&file, config).expect("dunst's config");
        let daemon = Command::new("dunst")
            .arg("-config")
            .arg(&file)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("dunst (package dunst)");
        // Until this dunst owns the name, asking for it would have D-Bus
        // start another one (without this config).
        let owned = Command::new("gdbus")
            .args(["wait", "--session", "--timeout", "10"])
            .arg("org.freedesktop.Notifications")
            .status()
            .expect("gdbus");
        assert!(
            owned.success(),
            "dunst did not take the session's notifications"
        );
        Notifications { daemon, dir }
    }

    fn displayed(&self) -> u64 {
        let count = dunstctl(&["count", "displayed"]).expect("dunst's count");
        count.trim().parse().expect("a number")
    }

    /// Clicks the notice on top, as the operator would.
    fn click_first(&self) {
        dunstctl(&["action", "0"]).expect("dunst's action");
    }

    /// (summary, body) of every notice shown, in order.
    fn shown(&self) -> Vec<(String, String)> {
        std::fs::read_to_string(self.dir.path().join("shown.tsv"))
            .unwrap_or_default()
            .lines()
            .filter_map(|line| line.split_once('\t'))
            .map(|(summary, body)| (summary.to_owned(), body.to_owned()))
            .collect()
    }
}

impl Drop for Notifications {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

/// dunstctl's output, or `None` when it failed.
fn dunstctl(args: &[&str]) -> Option<String> {
    let output = Command::new("dunstctl").args(args).output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Active accounts with room to spend, in id order.
async fn accounts_with_room(database: PathBuf, count: usize) -> Vec<i64> {
    let url = format!("sqlite://{}?mode=ro", database.display());
    let mut connection = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
        .await
        .expect("the service's database");
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM accounts WHERE status = 'active' \
         AND limit_fen - used_fen - frozen_fen > 10000 ORDER BY id LIMIT ?",
    )
    .bind(i64::try_from(count).expect("a count"))
    .fetch_all(&mut connection)
    .await
    .expect("accounts");
    assert_eq!(ids.len(), count, "enough accounts with room");
    ids
}

/// A payment on the listed device through the payment API; the id of the
/// alert it raised.
async fn pay_on_listed_device(
    service: &RemoteService,
    key: &str,
    order: &str,
    account: i64,
) -> i64 {
    let body = json!({
        "order_id": order, "account_id": account, "merchant": "美宜佳便利店",
        "category": "groceries", "amount": "12.00", "installments": 1, "channel": "qr",
        "device_id": LISTED_DEVICE, "ip": "10.20.30.40", "occurred_at": now_rfc3339(),
    });
    let answer = authorize(&service.url(), key, &body).await;
    assert_eq!(
        answer["alerts"][0]["rule"],
        json!("blacklist_hit"),
        "{answer}"
    );
    answer["alerts"][0]["id"].as_i64().expect("the alert's id")
}

/// Signs `operator_id` in over HTTP, as their own console would; the token.
async fn sign_in_over_http(service: &RemoteService, operator_id: &str) -> String {
    let operator = demo_operator(operator_id);
    let now = riskdesk_server::clock::Clock::system().now_ms() / 1000;
    let code = riskdesk_server::auth::totp_code(
        &operator.totp_secret,
        u64::try_from(now).expect("after 1970"),
    )
    .expect("a TOTP code");
    let answer: Value = reqwest::Client::new()
        .post(format!("{}/v1/auth/sign-in", service.url()))
        .json(&json!({
            "operator_id": operator_id, "password": operator.password, "totp_code": code,
        }))
        .send()
        .await
        .expect("the sign-in")
        .json()
        .await
        .expect("its answer");
    answer["token"].as_str().expect("a token").to_owned()
}

/// `token`'s operator claims `alert` over HTTP.
async fn claim_over_http(service: &RemoteService, token: &str, alert: i64) {
    let http = reqwest::Client::new();
    let current: Value = http
        .get(format!("{}/v1/alerts/{alert}", service.url()))
        .bearer_auth(token)
        .send()
        .await
        .expect("the alert")
        .json()
        .await
        .expect("its body");
    let response = http
        .post(format!("{}/v1/alerts/{alert}/triage", service.url()))
        .bearer_auth(token)
        .header("Idempotency-Key", format!("live-e2e-claim-{alert}"))
        .json(&json!({"version": current["version"], "action": {"type": "claim"}}))
        .send()
        .await
        .expect("the claim");
    assert_eq!(response.status(), 200, "{:?}", response.text().await);
}

/// Connects the console to the service at `url`, signs `operator` in and
/// sorts the queue newest first, so a new alert lands at the top of the
/// loaded page.
pub(crate) async fn queue_newest_first(app: &App, url: &str, operator: &str) {
    connect(app, url, None).await;
    sign_in(app, operator).await;
    app.wait("[data-testid=alert-row]", STEP).await;
    app.wait("[data-testid=sort]", STEP)
        .await
        .select_by_value("newest")
        .await
        .expect("choosing the order");
    app.wait("[data-testid=alert-row]", STEP).await;
}

/// Waits for `alert`'s row in the queue, with no input to the window.
async fn row_shows(app: &App, alert: i64, timeout: Duration) {
    app.until(
        &format!("alert #{alert} in the queue"),
        &format!("return document.querySelector(\"[data-testid=alert-row][data-alert='{alert}']\") !== null"),
        timeout,
    )
    .await;
}

#[tokio::test]
async fn the_queue_follows_the_team_live_notices_what_needs_the_officer_and_catches_up_after_an_outage()
 {
    let _window = ONE_WINDOW.lock().await;
    let notifications = Notifications::start();
    let mut service = RemoteService::start().await;
    let key = service.payment_key("live-e2e").await;
    let accounts = accounts_with_room(service.database(), 3).await;
    let desktop = Desktop::new();
    let app = desktop.launch().await;
    queue_newest_first(&app, &service.url(), "officer.wang").await;

    // A payment on a listed device: the row appears, nobody touched a key.
    let first = pay_on_listed_device(&service, &key, "LIVE-E2E-1", accounts[0]).await;
    row_shows(&app, first, STEP).await;
    let top = app
        .run("return document.querySelector('[data-testid=alert-row]').dataset.alert")
        .await;
    assert_eq!(top, json!(first.to_string()), "the newest alert on top");
    app.screenshot("live-arrived-zh-light").await;

    // Another officer claims it: the row greys and the open panel says who.
    app.run(&format!(
        "document.querySelector(\"[data-testid=alert-row][data-alert='{first}']\").click()"
    ))
    .await;
    app.until(
        "the panel on the new alert",
        &format!("return document.querySelector('[data-testid=triage-panel] h3')?.textContent.includes('#{first}')"),
        STEP,
    )
    .await;
    let li = sign_in_over_http(&service, "officer.li").await;
    claim_over_http(&service, &li, first).await;
    app.until(
        "the row greyed as another's",
        &format!(
            "const row = document.querySelector(\"[data-testid=alert-row][data-alert='{first}']\");
             return row.classList.contains('taken') && row.dataset.assignee === 'officer.li'"
        ),
        STEP,
    )
    .await;
    let acted = app.text("[data-testid=panel-acted-on]").await;
    assert!(acted.contains("李风控"), "{acted}");
    assert!(
        app.find_all("[data-testid=claim]").await.is_empty(),
        "no claim offered on an alert another officer holds"
    );
    app.screenshot("live-taken-zh-light").await;
    // The queue the window shows is its own notice: none was raised for it
    // while the window had the focus.
    let focused = app.run("return document.hasFocus()").await;
    assert_eq!(
        focused,
        json!(true),
        "the only window on the display has the focus"
    );
    assert_eq!(notifications.shown(), Vec::new());

    // Away from the queue, the next critical alert raises a notice.
    app.click("[data-testid=nav-dashboard]").await;
    app.until(
        "the dashboard",
        "return document.querySelector('[data-testid=nav-dashboard]').classList.contains('active')",
        STEP,
    )
    .await;
    let second = pay_on_listed_device(&service, &key, "LIVE-E2E-2", accounts[1]).await;
    let deadline = tokio::time::Instant::now() + STEP;
    while notifications.displayed() == 0 {
        assert!(tokio::time::Instant::now() < deadline, "no notice shown");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    notifications.click_first();
    app.until(
        "the queue, opened by the notice",
        "return document.querySelector('[data-testid=nav-queue]').classList.contains('active')",
        STEP,
    )
    .await;
    row_shows(&app, second, STEP).await;
    app.until(
        "the noticed alert in the panel",
        &format!("return document.querySelector('[data-testid=triage-panel] h3')?.textContent.includes('#{second}')"),
        STEP,
    )
    .await;
    app.screenshot("live-opened-zh-light").await;
    let shown = notifications.shown();
    assert_eq!(
        shown.last(),
        Some(&(
            format!("严重预警 #{second}"),
            format!("命中黑名单 · ¥12.00 · 账户 {}", accounts[1])
        )),
        "{shown:?}"
    );

    // The service goes away: the console says the stream is down.
    service.stop().await;
    app.wait("[data-testid=live-down]", STEP).await;
    app.screenshot("live-down-zh-light").await;
    // It comes back, and an alert is raised before the console reconnects:
    // the console fetches it on reconnecting.
    service.run().await;
    let third = pay_on_listed_device(&service, &key, "LIVE-E2E-3", accounts[2]).await;
    row_shows(&app, third, Duration::from_secs(45)).await;
    app.until(
        "the stream's line to go",
        "return document.querySelector('[data-testid=live-down]') === null",
        STEP,
    )
    .await;
    app.close().await;
    service.stop().await;
}
