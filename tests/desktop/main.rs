//! The desktop app as an operator uses it, in a real window: built with the
//! UI embedded (`npx tauri build --debug --no-bundle`, which `cargo xtask
//! test` runs first), under Xvfb, inside a D-Bus session with an unlocked
//! gnome-keyring, driven through tauri-driver and WebKitWebDriver.
//!
//! It also writes the screenshots in `docs/screenshots/`.

mod bench;
mod dashboard;
mod decisions;
mod duties;
mod faults;
mod hardening;
mod harness;
mod investigations;
mod live;
mod package;
mod rules;
mod session;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use fantoccini::Locator;
use fantoccini::key::Key;
use harness::{App, Desktop, FIRST_START, RemoteService, STEP};
use riskdesk_server::{auth, demo, generate};
use serde_json::json;

/// One app at a time: the tests share the display and the keychain.
static ONE_WINDOW: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test]
async fn an_operator_signs_in_works_the_queue_reads_an_account_and_the_session_stays_in_the_keychain()
 {
    let _window = ONE_WINDOW.lock().await;
    let desktop = Desktop::new();

    // First start: the demo portfolio is generated, then the sign-in screen
    // lists the demo operators.
    let app = desktop.launch().await;
    if app
        .client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("[role=progressbar]"))
        .await
        .is_ok()
    {
        app.screenshot("starting-zh-light").await;
    }
    app.wait("[data-testid=sign-in]", FIRST_START).await;
    assert_eq!(app.find_all("[data-testid^=demo-]").await.len(), 5);
    app.screenshot("sign-in-zh-light").await;

    // Sign in with a password and a TOTP code, as a person would.
    sign_in(&app, "officer.li").await;
    app.wait("[data-testid=alert-row]", STEP).await;
    app.until(
        "the tab counts",
        "return /\\d/.test(document.querySelector('[data-testid=tab-open] .count').textContent)",
        STEP,
    )
    .await;
    app.screenshot("queue-zh-light").await;

    // The panel's evidence in English is the same finding, from the same
    // data: the same numbers, in the other language's words.
    let zh = app.text("[data-testid=panel-evidence]").await;
    choose(&app, "lang", "en").await;
    let en = app.text("[data-testid=panel-evidence]").await;
    choose(&app, "lang", "zh").await;
    // In each language's order: compared sorted.
    let numbers = |text: &str| -> Vec<String> {
        let mut numbers: Vec<String> = text
            .split(|c: char| !(c.is_ascii_digit() || c == ',' || c == '.'))
            .map(|n| n.trim_matches([',', '.']).to_owned())
            .filter(|n| n.chars().any(|c| c.is_ascii_digit()))
            .collect();
        numbers.sort();
        numbers
    };
    assert!(
        !numbers(&zh).is_empty(),
        "the evidence has its numbers: {zh}"
    );
    assert_eq!(numbers(&zh), numbers(&en), "{zh} / {en}");
    assert!(
        ["公里", "分钟", "笔", "上限", "黑名单"]
            .iter()
            .all(|w| !en.contains(w)),
        "English evidence: {en}"
    );
    assert!(
        harness::english_words(&zh).is_empty(),
        "Chinese evidence: {zh}"
    );

    // The token is in the keychain, and nowhere the webview, a file or a
    // log could show it.
    let token = keychain_token(&desktop.demo_keychain_account("officer.li"))
        .expect("the session is in the keychain");
    assert_token_absent(&app, &desktop, &token).await;

    // j/k move the selection.
    let queue = app
        .wait("[data-testid=alert-queue] [role=grid]", STEP)
        .await;
    queue.send_keys("jjk").await.expect("typing in the queue");
    let selected = app
        .run("return document.querySelector('.vrow.selected').getAttribute('aria-rowindex')")
        .await;
    assert_eq!(selected, json!("2"), "j j k lands on the second row");

    // Filter the queue: every row is then critical.
    let open_before = count(&app, "[data-testid=tab-open] .count").await;
    app.wait("[data-testid=filter-severity]", STEP)
        .await
        .select_by_value("critical")
        .await
        .expect("choosing a severity");
    app.until(
        "only critical alerts",
        "const rows = [...document.querySelectorAll('[data-testid=alert-row]')];
         return rows.length > 0 && rows.every(r => r.querySelector('.sev-critical') !== null)",
        STEP,
    )
    .await;
    let open_critical = count(&app, "[data-testid=tab-open] .count").await;
    assert!(
        open_critical > 0 && open_critical < open_before,
        "{open_critical} of {open_before}"
    );

    // Enter opens the selected alert's account (the first, after a new filter).
    let selected_account = app
        .run("return document.querySelector('.vrow.selected [data-testid=alert-row]').dataset.account")
        .await;
    let queue = app
        .wait("[data-testid=alert-queue] [role=grid]", STEP)
        .await;
    queue
        .send_keys(&Key::Enter.to_string())
        .await
        .expect("typing in the queue");
    let shown = app.text("[data-testid=account-id]").await;
    assert_eq!(json!(shown), selected_account);
    app.wait("[data-testid=account-chart] svg", STEP).await;
    app.screenshot("account-zh-light").await;

    // Search for the busiest account and scroll its transactions through
    // several keyset pages.
    let busiest = busiest_account(&desktop).await;
    send_keys(&app, "/").await;
    app.wait("[data-testid=search-input]", STEP)
        .await
        .send_keys(&format!("{busiest}{}", Key::Enter))
        .await
        .expect("typing a search");
    app.wait("[data-testid=search-row]", STEP).await;
    app.screenshot("search-zh-light").await;
    app.click("[data-testid=search-row] td").await;
    app.click("[data-testid=open-transactions]").await;
    app.wait("[data-testid=tx-row]", STEP).await;
    let mut loaded = 0;
    for _ in 0..100 {
        // A long turn of the wheel: to the end of what is loaded.
        app.run(
            "document.querySelector('[data-testid=transactions] .viewport')
               .dispatchEvent(new WheelEvent('wheel', { deltaY: 100000 }))",
        )
        .await;
        tokio::time::sleep(Duration::from_millis(150)).await;
        loaded = count(&app, "[data-testid=tx-loaded]").await;
        if loaded >= 300 {
            break;
        }
    }
    assert!(loaded >= 300, "scrolled through {loaded} transactions");
    app.run("document.querySelectorAll('[data-testid=tx-row]')[3].click()")
        .await;
    app.wait("[data-testid=tx-detail] dl", STEP).await;
    app.screenshot("transactions-zh-light").await;

    // The same screens in English and in the dark theme.
    choose(&app, "lang", "en").await;
    app.screenshot("transactions-en-light").await;
    choose(&app, "theme", "dark").await;
    app.screenshot("transactions-en-dark").await;
    app.click("[data-testid=nav-queue]").await;
    app.wait("[data-testid=alert-row]", STEP).await;
    app.screenshot("queue-en-dark").await;
    choose(&app, "lang", "zh").await;
    app.screenshot("queue-zh-dark").await;
    app.run("document.querySelector('[data-testid=alert-row] button').click()")
        .await;
    app.wait("[data-testid=account-chart] svg", STEP).await;
    app.screenshot("account-zh-dark").await;
    choose(&app, "lang", "en").await;
    app.wait("[data-testid=account-chart] svg", STEP).await;
    app.screenshot("account-en-dark").await;
    choose(&app, "theme", "light").await;
    app.wait("[data-testid=account-chart] svg", STEP).await;
    app.screenshot("account-en-light").await;
    app.click("[data-testid=nav-queue]").await;
    app.wait("[data-testid=alert-row]", STEP).await;
    app.screenshot("queue-en-light").await;
    choose(&app, "lang", "zh").await;
    app.close().await;

    // Second start: the session resumes from the keychain, no sign-in.
    let app = desktop.launch().await;
    app.wait("[data-testid=alert-row]", FIRST_START).await;
    let operator = app.text("[data-testid=operator]").await;
    assert!(operator.contains("李风控"), "{operator:?}");

    // Signing out removes the keychain entry; the next start asks again.
    choose(&app, "lang", "en").await;
    choose(&app, "theme", "dark").await;
    app.click("[data-testid=sign-out]").await;
    app.wait("[data-testid=sign-in]", STEP).await;
    app.screenshot("sign-in-en-dark").await;
    assert_eq!(
        keychain_token(&desktop.demo_keychain_account("officer.li")),
        None
    );
    app.close().await;
    let app = desktop.launch().await;
    app.wait("[data-testid=sign-in]", FIRST_START).await;
    app.close().await;
    assert_token_absent_from_files(&desktop, &token);
}

pub(crate) async fn sign_in(app: &App, operator_id: &str) {
    let operator = demo_operator(operator_id);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time after 1970")
        .as_secs();
    let code = auth::totp_code(&operator.totp_secret, now).expect("a TOTP code");
    sign_in_with(app, operator_id, &code).await;
}

/// From the first start's sign-in screen, points the console at the service
/// at `url` (saving the connection screen as `screenshot`) and waits for
/// that service's sign-in screen.
pub(crate) async fn connect(app: &App, url: &str, screenshot: Option<&str>) {
    app.wait("[data-testid=sign-in]", FIRST_START).await;
    app.click("[data-testid=change-service]").await;
    app.wait("[data-testid=connect]", STEP).await;
    if let Some(name) = screenshot {
        app.screenshot(name).await;
        // Plain HTTP to another computer is refused, saying why, before
        // any password could cross the network in clear.
        app.wait("input[name=service-url]", STEP)
            .await
            .send_keys("http://risk.example.test:8640")
            .await
            .expect("typing the URL");
        app.click("[data-testid=connect] button[type=submit]").await;
        let refusal = app.wait("[data-testid=connect] [role=alert]", STEP).await;
        let message = refusal.text().await.expect("the refusal");
        assert!(message.contains("Use https://"), "{message}");
        app.screenshot(&format!("{name}-plain-http")).await;
        app.wait("input[name=service-url]", STEP)
            .await
            .clear()
            .await
            .expect("clearing the URL");
    }
    app.wait("input[name=service-url]", STEP)
        .await
        .send_keys(url)
        .await
        .expect("typing the URL");
    app.click("[data-testid=connect] button[type=submit]").await;
    app.until(
        "the remote service's sign-in screen",
        "return document.querySelector('[data-testid=sign-in]') !== null
            && document.querySelectorAll('[data-testid^=demo-]').length === 0",
        STEP,
    )
    .await;
}

pub(crate) fn demo_operator(operator_id: &str) -> generate::DemoOperator {
    generate::demo_operators(demo::SEED)
        .into_iter()
        .find(|o| o.id == operator_id)
        .expect("a demo operator")
}

/// Signs in with the password and the given TOTP code.
pub(crate) async fn sign_in_with(app: &App, operator_id: &str, code: &str) {
    let operator = demo_operator(operator_id);
    for (field, value) in [
        ("operator", operator_id),
        ("password", operator.password.as_str()),
        ("totp", code),
    ] {
        app.wait(&format!("input[name={field}]"), STEP)
            .await
            .send_keys(value)
            .await
            .expect("typing");
    }
    app.wait("input[name=totp]", STEP)
        .await
        .send_keys(&Key::Enter.to_string())
        .await
        .expect("submitting");
}

/// Picks `value` in the top bar's `lang` or `theme` selector.
pub(crate) async fn choose(app: &App, selector: &str, value: &str) {
    app.wait(&format!("[data-testid={selector}]"), STEP)
        .await
        .select_by_value(value)
        .await
        .expect("choosing");
    app.until(
        "the choice to apply",
        &format!(
            "return document.documentElement.{} === '{}'",
            if selector == "lang" {
                "lang.slice(0, 2)"
            } else {
                "dataset.theme"
            },
            value
        ),
        STEP,
    )
    .await;
}

/// Keys typed into whatever has the focus (the page itself when nothing does).
pub(crate) async fn send_keys(app: &App, keys: &str) {
    app.client
        .find(Locator::Css("body"))
        .await
        .expect("the body")
        .send_keys(keys)
        .await
        .expect("typing");
}

/// The first number in an element's text (`1,234` → 1234).
async fn count(app: &App, css: &str) -> u64 {
    let text = app.text(css).await;
    let digits: String = text
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit() || *c == ',')
        .filter(char::is_ascii_digit)
        .collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("no number in {css}: {text:?}"))
}

/// The account with the most transactions in the app's demo database.
pub(crate) async fn busiest_account(desktop: &Desktop) -> i64 {
    let url = format!("sqlite://{}?mode=ro", desktop.demo_database().display());
    let mut connection = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
        .await
        .expect("the demo database");
    let (id,): (i64,) = sqlx::query_as(
        "SELECT account_id FROM transactions GROUP BY account_id ORDER BY COUNT(*) DESC LIMIT 1",
    )
    .fetch_one(&mut connection)
    .await
    .expect("the busiest account");
    id
}

/// The secret stored under `riskdesk` / `account`, read with secret-tool.
pub(crate) fn keychain_token(account: &str) -> Option<String> {
    let output = Command::new("secret-tool")
        .args(["lookup", "service", "riskdesk", "username", account])
        .output()
        .expect("secret-tool (package libsecret-tools)");
    let secret = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    (output.status.success() && !secret.is_empty()).then_some(secret)
}

async fn assert_token_absent(app: &App, desktop: &Desktop, token: &str) {
    let page = app
        .run(
            "const seen = [document.documentElement.outerHTML,
                 JSON.stringify({ ...localStorage }), JSON.stringify({ ...sessionStorage }),
                 document.cookie];
             for (const key of Object.getOwnPropertyNames(window)) {
               try { const v = window[key]; seen.push(typeof v === 'string' ? v : JSON.stringify(v) ?? ''); }
               catch (e) {}
             }
             return seen.join('\\n');",
        )
        .await;
    let page = page.as_str().unwrap_or_default();
    assert!(page.len() > 1000, "the page was read");
    assert!(!page.contains(token), "the token is readable from the page");
    assert_token_absent_from_files(desktop, token);
}

/// No file the app wrote, and no line it logged, holds the token.
fn assert_token_absent_from_files(desktop: &Desktop, token: &str) {
    let log = std::fs::read(desktop.log()).expect("the app's log");
    assert!(!log.is_empty(), "the app logged something");
    assert!(!contains(&log, token.as_bytes()), "the token is in the log");
    let mut files = 0;
    for dir in [desktop.config_dir(), desktop.data_dir()] {
        for path in walk(&dir) {
            // The keyring's own file is the keychain; it is encrypted.
            if path.components().any(|c| c.as_os_str() == "keyrings") {
                continue;
            }
            files += 1;
            let bytes = std::fs::read(&path).unwrap_or_default();
            assert!(
                !contains(&bytes, token.as_bytes()),
                "the token is in {}",
                path.display()
            );
        }
    }
    assert!(files > 3, "the app's files were read ({files})");
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return files;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn without_a_keychain_the_console_says_how_to_fix_it_and_signs_nobody_in() {
    let _window = ONE_WINDOW.lock().await;
    let desktop = Desktop::without_keychain();
    let app = desktop.launch().await;
    app.wait("[data-testid=sign-in]", FIRST_START).await;
    sign_in(&app, "officer.li").await;
    app.wait("[data-testid=keychain]", STEP).await;
    let message = app.text("[data-testid=keychain]").await;
    assert!(
        message.contains("unlock your login keyring"),
        "the screen says how to fix it: {message}"
    );
    app.screenshot("keychain-zh-light").await;
    // Trying again without a keychain stays on that screen.
    app.click("[data-testid=keychain-retry]").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    app.wait("[data-testid=keychain]", STEP).await;
    assert!(app.find_all("[data-testid=alert-row]").await.is_empty());
    app.close().await;
}

#[tokio::test]
async fn connected_to_a_service_that_goes_away_the_console_keeps_its_screen_and_retries() {
    let _window = ONE_WINDOW.lock().await;
    let mut service = RemoteService::start().await;
    let desktop = Desktop::new();
    let app = desktop.launch().await;
    connect(&app, &service.url(), Some("connect-zh-light")).await;
    sign_in(&app, "officer.wang").await;
    app.wait("[data-testid=alert-row]", STEP).await;
    // What the screen holds: the alerts loaded, and the first ones shown
    // (how many rows are drawn depends on the height the banner leaves).
    let held = "return [document.querySelector('[data-testid=loaded-count]').textContent,
        [...document.querySelectorAll('[data-testid=alert-row]')].slice(0, 10).map(r => r.dataset.alert)]";
    let before = app.run(held).await;

    // The service goes away: the next load raises the banner, the rows stay.
    service.stop().await;
    app.click("[data-testid=tab-closed]").await;
    app.wait("[data-testid=offline-banner]", STEP).await;
    assert_eq!(app.run(held).await, before);
    app.screenshot("offline-zh-light").await;

    // It comes back: Retry loads the screen again and the banner goes.
    service.run().await;
    app.click("[data-testid=offline-banner] button").await;
    app.until(
        "the banner to go",
        "return document.querySelector('[data-testid=offline-banner]') === null",
        STEP,
    )
    .await;
    app.until(
        "the closed alerts",
        "const rows = [...document.querySelectorAll('[data-testid=alert-row]')];
         return rows.length > 0 && document.querySelector('[data-testid=tab-closed]').classList.contains('active')",
        STEP,
    )
    .await;
    app.close().await;
    service.stop().await;
}
