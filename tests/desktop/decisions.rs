//! Two operators' decisions in the real window: officer A bulk-closes 50
//! alerts from the keyboard, proposes a limit increase (and cannot approve
//! it), adds a blacklist entry and asks for its removal (and cannot approve
//! that); officer B approves both with fresh TOTP codes, and the account
//! shows its new limit; a manager then verifies the audit chain in the
//! console, and finds the entry edited behind the service's back.

use std::collections::HashMap;
use std::time::Duration;

use fantoccini::key::Key;
use riskdesk_server::auth;

use crate::harness::{App, Desktop, FIRST_START, STEP};
use crate::{ONE_WINDOW, demo_operator, send_keys, sign_in_with};

/// A demo large enough for 50 open alerts nobody holds.
const DEMO_CUSTOMERS: u32 = 5_000;

/// TOTP codes as each operator's authenticator shows them, never one whose
/// time step that operator already used (the service accepts a step once).
#[derive(Default)]
pub(crate) struct Authenticator {
    last_step: HashMap<&'static str, u64>,
}

impl Authenticator {
    pub(crate) async fn code(&mut self, operator: &'static str) -> String {
        let secret = demo_operator(operator).totp_secret;
        self.code_for(operator, &secret).await
    }

    /// The code of an operator whose secret the test was shown.
    pub(crate) async fn code_for(&mut self, operator: &'static str, secret: &str) -> String {
        loop {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .expect("time after 1970")
                .as_secs();
            // The service accepts the steps either side of now. Never the
            // step before now: typed at the end of a step, it would be too
            // old by the time the service reads it.
            let last = self.last_step.get(operator).copied();
            let step = (now / 30..=now / 30 + 1).find(|s| last.is_none_or(|l| *s > l));
            if let Some(step) = step {
                self.last_step.insert(operator, step);
                return auth::totp_code(secret, step * 30).expect("a TOTP code");
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
}

/// An active account with room and no pending limit change: (id, limit in fen).
async fn quiet_account(desktop: &Desktop) -> (i64, i64) {
    let url = format!("sqlite://{}?mode=ro", desktop.demo_database().display());
    let mut connection = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
        .await
        .expect("the demo database");
    sqlx::query_as(
        "SELECT id, limit_fen FROM accounts a WHERE status = 'active' \
         AND limit_fen BETWEEN 500000 AND 2000000 AND used_fen * 2 <= limit_fen \
         AND NOT EXISTS (SELECT 1 FROM limit_changes l WHERE l.account_id = a.id \
                         AND l.status = 'pending') ORDER BY id LIMIT 1",
    )
    .fetch_one(&mut connection)
    .await
    .expect("a quiet account")
}

pub(crate) async fn type_into(app: &App, testid: &str, text: &str) {
    app.wait(&format!("[data-testid={testid}]"), STEP)
        .await
        .send_keys(text)
        .await
        .unwrap_or_else(|e| panic!("typing into {testid}: {e}"));
}

/// Waits for the decision's status line to leave "sending" and returns its phase.
pub(crate) async fn decision_phase(app: &App, scope: &str) -> String {
    let css = format!("{scope} [data-testid=decision-status]");
    app.until(
        "the decision's answer",
        &format!(
            "const s = document.querySelector('{css}'); return !!s && s.dataset.phase !== 'sending'"
        ),
        STEP,
    )
    .await;
    let phase = app
        .run(&format!(
            "return document.querySelector('{css}').dataset.phase"
        ))
        .await;
    phase.as_str().unwrap_or_default().to_owned()
}

/// Asserts that `css`'s text becomes `expected`: a panel shows a decision's
/// outcome once it has read the record again, a moment after the answer.
pub(crate) async fn assert_text_becomes(app: &App, css: &str, expected: &str) {
    let deadline = tokio::time::Instant::now() + STEP;
    loop {
        let text = app.text(css).await;
        if text == expected || tokio::time::Instant::now() >= deadline {
            assert_eq!(text, expected, "{css}");
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Clicks the table row for which `predicate(row)` holds (WebKitWebDriver
/// cannot click a `<tr>` itself).
pub(crate) async fn click_row(app: &App, rows: &str, predicate: &str) {
    app.until(
        "the row",
        &format!(
            "const row = [...document.querySelectorAll('{rows}')].find(r => {predicate});
             if (row) row.click(); return !!row"
        ),
        STEP,
    )
    .await;
}

pub(crate) async fn open_account(app: &App, account: i64) {
    send_keys(app, "/").await;
    let search = app.wait("[data-testid=search-input]", STEP).await;
    search.clear().await.expect("clearing the search");
    search
        .send_keys(&format!("{account}{}", Key::Enter))
        .await
        .expect("typing a search");
    app.click("[data-testid=search-row] td").await;
    app.until(
        "the account",
        &format!(
            "const id = document.querySelector('[data-testid=account-id]'); return !!id && id.textContent === '{account}'"
        ),
        STEP,
    )
    .await;
}

/// An account with a settled purchase of at least `min_fen` and no dispute.
pub(crate) async fn disputable_account(desktop: &Desktop, min_fen: i64) -> i64 {
    let url = format!("sqlite://{}?mode=ro", desktop.demo_database().display());
    let mut connection = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
        .await
        .expect("the demo database");
    let (id,): (i64,) = sqlx::query_as(
        "SELECT account_id FROM transactions t WHERE kind = 'purchase' AND status = 'settled' \
         AND amount_fen >= $1 AND NOT EXISTS (SELECT 1 FROM disputes d \
         WHERE d.account_id = t.account_id) ORDER BY account_id LIMIT 1",
    )
    .bind(min_fen)
    .fetch_one(&mut connection)
    .await
    .expect("an account with a settled purchase");
    id
}

/// Opens a dispute, as an agent, about a settled purchase of at least
/// `min_yuan` of `account`'s, with the customer's `statement`.
pub(crate) async fn open_dispute(app: &App, account: i64, min_yuan: u32, statement: &str) {
    open_account(app, account).await;
    app.click("[data-testid=open-transactions]").await;
    for (select, value) in [("tx-kind", "purchase"), ("tx-status", "settled")] {
        app.wait(&format!("[data-testid={select}]"), STEP)
            .await
            .select_by_value(value)
            .await
            .expect("filtering the payments");
    }
    type_into(app, "tx-min", &format!("{min_yuan}{}", Key::Enter)).await;
    app.until(
        "settled purchases only",
        "const rows = [...document.querySelectorAll('[data-testid=tx-row]')];
         return rows.length > 0 && rows.every(r => r.textContent.includes('已结算'))",
        STEP,
    )
    .await;
    // The list may still reload for the last filter: choose a payment until
    // the choice holds.
    app.until(
        "a payment chosen",
        "if (document.querySelector('[data-testid=open-dispute]')) return true;
         document.querySelector('[data-testid=tx-row]')?.click(); return false",
        STEP,
    )
    .await;
    app.click("[data-testid=open-dispute]").await;
    type_into(app, "dispute-statement", statement).await;
    type_into(app, "dispute-attachments", "聊天记录截图.png").await;
    app.click("[data-testid=dispute-submit]").await;
    app.wait("[data-testid=dispute-timeline] li", STEP).await;
}

fn yuan(fen: i64) -> String {
    let yuan = fen / 100;
    let grouped = yuan
        .to_string()
        .as_bytes()
        .rchunks(3)
        .rev()
        .map(|c| std::str::from_utf8(c).expect("digits"))
        .collect::<Vec<_>>()
        .join(",");
    format!("¥{grouped}.{:02}", fen % 100)
}

#[tokio::test]
async fn two_officers_decide_under_four_eyes_with_step_up_codes() {
    let _window = ONE_WINDOW.lock().await;
    let desktop = Desktop::with_demo_customers(DEMO_CUSTOMERS);
    let mut authenticator = Authenticator::default();
    let app = desktop.launch().await;
    app.wait("[data-testid=sign-in]", FIRST_START).await;
    let code = authenticator.code("officer.li").await;
    sign_in_with(&app, "officer.li", &code).await;

    // Officer A picks 50 open alerts from the keyboard and closes them at once.
    app.wait("[data-testid=alert-row]", STEP).await;
    let grid = app
        .wait("[data-testid=alert-queue] [role=grid]", STEP)
        .await;
    grid.send_keys(&"xj".repeat(50))
        .await
        .expect("picking alerts");
    assert_eq!(app.text("[data-testid=picked-count]").await, "50");
    app.click("[data-testid=bulk-close-false_positive]").await;
    app.wait("[data-testid=bulk-results]", STEP).await;
    assert_eq!(app.text("[data-testid=bulk-ok]").await, "50");
    assert_eq!(app.text("[data-testid=bulk-failed]").await, "0");
    app.screenshot("queue-bulk-zh-light").await;

    // Officer A proposes +10 % on a quiet account.
    let (account, limit) = quiet_account(&desktop).await;
    let proposed = limit + limit / 10 / 10_000 * 10_000;
    open_account(&app, account).await;
    type_into(&app, "new-limit", &format!("{}", proposed / 100)).await;
    type_into(&app, "limit-note", "近12期按时还款").await;
    app.click("[data-testid=propose]").await;
    assert_eq!(
        decision_phase(&app, "[data-testid=propose-card]").await,
        "done"
    );
    app.screenshot("account-decisions-zh-light").await;

    // A sees the request in the inbox but cannot approve it.
    app.click("[data-testid=nav-approvals]").await;
    click_row(
        &app,
        "[data-testid=request-row]",
        &format!("r.children[1].textContent.trim() === '{account}'"),
    )
    .await;
    app.wait("[data-testid=approval-blocked]", STEP).await;
    assert!(app.find_all("[data-testid=approve]").await.is_empty());

    // A lists a phone (typed as people write it) and asks for its removal.
    app.click("[data-testid=nav-blacklist]").await;
    type_into(&app, "add-value", "+86 139-0000-5678").await;
    app.until(
        "the normalised value",
        "const p = document.querySelector('[data-testid=add-preview]'); return !!p && p.textContent.includes('13900005678')",
        STEP,
    )
    .await;
    type_into(&app, "add-reason", "诈骗团伙号码").await;
    app.click("[data-testid=add-submit]").await;
    assert_eq!(
        decision_phase(&app, "[data-testid=blacklist-add] ~").await,
        "done"
    );
    click_row(
        &app,
        "[data-testid=blacklist-row]",
        "r.children[1].textContent.trim() === '139****5678'",
    )
    .await;
    type_into(&app, "removal-reason", "号码已回收").await;
    app.click("[data-testid=request-removal]").await;
    app.wait("[data-testid=removal-blocked]", STEP).await;
    assert!(
        app.find_all("[data-testid=approve-removal]")
            .await
            .is_empty()
    );

    // Officer B signs in.
    app.click("[data-testid=sign-out]").await;
    app.wait("[data-testid=sign-in]", STEP).await;
    let code = authenticator.code("officer.wang").await;
    sign_in_with(&app, "officer.wang", &code).await;
    app.wait("[data-testid=nav-approvals]", STEP).await;
    assert!(
        app.text("[data-testid=operator]")
            .await
            .starts_with("王风控")
    );

    // B approves A's request with a fresh code; the account has its new limit.
    app.click("[data-testid=nav-approvals]").await;
    click_row(
        &app,
        "[data-testid=request-row]",
        &format!("r.children[1].textContent.trim() === '{account}'"),
    )
    .await;
    let code = authenticator.code("officer.wang").await;
    type_into(&app, "approve-totp", &code).await;
    app.click("[data-testid=approve]").await;
    assert_eq!(
        decision_phase(&app, "[data-testid=approval-panel]").await,
        "done"
    );
    app.until(
        "the new limit in the account's context",
        &format!(
            "const l = document.querySelector('[data-testid=context-limit]'); return !!l && l.textContent === '{}'",
            yuan(proposed)
        ),
        STEP,
    )
    .await;
    app.screenshot("approvals-zh-light").await;
    open_account(&app, account).await;
    assert_eq!(app.text("[data-testid=limit]").await, yuan(proposed));

    // B approves the removal A asked for.
    app.click("[data-testid=nav-blacklist]").await;
    app.click("[data-testid=pending-only]").await;
    click_row(
        &app,
        "[data-testid=blacklist-row]",
        "r.children[1].textContent.trim() === '139****5678'",
    )
    .await;
    assert_eq!(
        app.text("[data-testid=removal-by]").await.split(' ').next(),
        Some("officer.li")
    );
    app.screenshot("blacklist-zh-light").await;
    let code = authenticator.code("officer.wang").await;
    type_into(&app, "removal-totp", &code).await;
    app.click("[data-testid=approve-removal]").await;
    app.until(
        "the entry to leave the list",
        "return ![...document.querySelectorAll('[data-testid=blacklist-row]')].some(r => r.children[1].textContent.trim() === '139****5678')",
        STEP,
    )
    .await;

    // A customer-service agent opens a dispute from one of the customer's
    // settled payments and resolves it by a refund.
    app.click("[data-testid=sign-out]").await;
    app.wait("[data-testid=sign-in]", STEP).await;
    let code = authenticator.code("agent.zhao").await;
    sign_in_with(&app, "agent.zhao", &code).await;
    let disputed = disputable_account(&desktop, 1_000).await;
    open_dispute(&app, disputed, 10, "商品一直没有收到，商家不回复").await;
    type_into(&app, "refund-amount", "1.00").await;
    type_into(&app, "dispute-note", "商家确认未发货，退款 ¥1.00").await;
    // Within the agent's own limit: theirs alone, with a fresh code.
    let code = authenticator.code("agent.zhao").await;
    type_into(&app, "dispute-totp", &code).await;
    app.click("[data-testid=dispute-refund]").await;
    assert_eq!(
        decision_phase(&app, "[data-testid=dispute-panel]").await,
        "done"
    );
    app.wait("[data-testid=refund-tx]", STEP).await;
    assert_text_becomes(&app, "[data-testid=dispute-status]", "已退款结案").await;
    app.screenshot("disputes-zh-light").await;

    // A manager verifies the audit chain in the console: intact. Then an
    // audit row is edited in the database behind the service's back, and the
    // console's own verification names that entry.
    app.click("[data-testid=sign-out]").await;
    app.wait("[data-testid=sign-in]", STEP).await;
    let code = authenticator.code("manager.chen").await;
    sign_in_with(&app, "manager.chen", &code).await;
    app.click("[data-testid=nav-audit]").await;
    app.wait("[data-testid=audit-row]", STEP).await;
    app.click("[data-testid=verify-chain]").await;
    assert_eq!(
        verification(&app).await,
        ("intact".to_owned(), String::new())
    );
    // The approval's entry, field by field in words: the status it changed.
    click_row(
        &app,
        "[data-testid=audit-row]",
        "r.querySelector('[data-testid=audit-action-label]').title === 'limit.approve'",
    )
    .await;
    app.wait("[data-testid=audit-fields]", STEP).await;
    let status = app
        .run("return [...document.querySelector('[data-testid=audit-fields] tr.changed[data-field=status]').cells].map(c => c.textContent)")
        .await;
    assert_eq!(status, serde_json::json!(["状态", "待审批", "已生效"]));
    app.screenshot("audit-zh-light").await;

    // The manager exports the trail: a CSV with a byte-order mark in the
    // downloads folder, every row the console counted, newest first — so
    // the export's own audit entry comes first.
    app.click("[data-testid=export-button]").await;
    app.wait("[data-testid=export-saved]", STEP).await;
    let saved = app
        .run("const s = document.querySelector('[data-testid=export-saved]'); return [s.dataset.path, s.dataset.rows]")
        .await;
    let path = std::path::PathBuf::from(saved[0].as_str().unwrap_or_default());
    assert_eq!(path.parent(), Some(desktop.downloads_dir().as_path()));
    let csv = std::fs::read_to_string(&path).expect("the exported file");
    assert!(
        csv.starts_with("\u{feff}id,time_utc,时间（北京时间）,actor,action,操作,target,对象,"),
        "{}",
        &csv[..80.min(csv.len())]
    );
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert!(
        lines[1].contains(",manager.chen,export.audit,导出审计记录,export:audit,"),
        "{}",
        lines[1]
    );
    let url = format!("sqlite://{}", desktop.demo_database().display());
    let mut db = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
        .await
        .expect("the demo database");
    let (entries,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit")
        .fetch_one(&mut db)
        .await
        .expect("counting audit entries");
    let rows = i64::try_from(lines.len() - 1).expect("a row count");
    assert_eq!(
        (saved[1].as_str(), rows),
        (Some(rows.to_string().as_str()), entries)
    );
    app.screenshot("audit-export-zh-light").await;

    sqlx::query("UPDATE audit SET actor = 'officer.wang' WHERE id = 10")
        .execute(&mut db)
        .await
        .expect("editing an audit row");
    app.click("[data-testid=verify-chain]").await;
    assert_eq!(
        verification(&app).await,
        ("broken".to_owned(), "10".to_owned())
    );
    app.screenshot("audit-broken-zh-light").await;
    app.close().await;
}

/// The verification's outcome once it is done: (state, first broken id).
async fn verification(app: &App) -> (String, String) {
    app.until(
        "the verification",
        "const v = document.querySelector('[data-testid=verification]'); return !!v && v.dataset.state !== 'running'",
        STEP,
    )
    .await;
    let state = app
        .run("const v = document.querySelector('[data-testid=verification]'); return [v.dataset.state, v.dataset.broken]")
        .await;
    (
        state[0].as_str().unwrap_or_default().to_owned(),
        state[1].as_str().unwrap_or_default().to_owned(),
    )
}
