//! The rule workbench in the real window: an officer drafts from the live
//! rules — a value out of range refused at once naming its field — lowers
//! the impossible-travel speed and raises a velocity threshold, saves the
//! draft with a note, backtests it on the last 30 days and reads the
//! report, runs it in shadow, and cannot publish it; a manager, the
//! backtest beside the button, publishes it with a TOTP code; the next authorization through
//! the payment API (a second instance over the same database) is decided
//! by the new version and names it.

use riskdesk_server::clock::Clock;
use riskdesk_server::http::{self, AppState};
use serde_json::json;

use crate::decisions::{Authenticator, click_row, decision_phase, type_into};
use crate::duties::{demo_store, switch_to};
use crate::harness::{App, Desktop, FIRST_START, STEP, authorize, now_rfc3339, payment_key};
use crate::{ONE_WINDOW, sign_in_with};

/// Types `value` into the draft's field named as the service names it.
async fn set_field(app: &App, field: &str, value: &str) {
    let input = app
        .wait(&format!("input[aria-label='{field}']"), STEP)
        .await;
    input.clear().await.expect("clearing a field");
    input.send_keys(value).await.expect("typing a field");
}

#[tokio::test]
async fn an_officer_drafts_and_shadows_a_manager_publishes_and_the_next_payment_names_it() {
    let _window = ONE_WINDOW.lock().await;
    let desktop = Desktop::new();
    let mut authenticator = Authenticator::default();
    let app = desktop.launch().await;
    app.wait("[data-testid=sign-in]", FIRST_START).await;
    let code = authenticator.code("officer.li").await;
    sign_in_with(&app, "officer.li", &code).await;

    app.click("[data-testid=nav-rules]").await;
    app.wait("[data-testid=rule-version][data-status=live]", STEP)
        .await;
    app.click("[data-testid=new-draft]").await;
    set_field(&app, "impossible_travel.max_speed_kmh", "0.5").await;
    app.until(
        "the refusal naming the field",
        "const r = document.querySelector('[data-testid=draft-refusal]');
         return !!r && r.textContent.startsWith('impossible_travel.max_speed_kmh: 0.5 is out of range')",
        STEP,
    )
    .await;
    set_field(&app, "impossible_travel.max_speed_kmh", "700").await;
    set_field(&app, "velocity.windows[0].max_count", "5").await;
    app.until(
        "the draft accepted",
        "return !document.querySelector('[data-testid=draft-refusal]')",
        STEP,
    )
    .await;
    type_into(&app, "draft-note", "降低不可能位移速度阈值，放宽10分钟频次").await;
    app.screenshot("rules-draft-zh-light").await;
    app.click("[data-testid=save-draft]").await;
    app.wait(
        "[data-testid=rule-version][data-version='2'][data-status=draft]",
        STEP,
    )
    .await;
    app.click("[data-testid=rule-tab-backtest]").await;
    app.click("[data-testid=run-backtest]").await;
    app.until(
        "the backtest's report",
        "const r = document.querySelector('[data-testid=backtest-report] [data-testid=cmp-payments] strong');
         return !!r && Number(r.textContent.replace(/,/g, '')) > 0",
        STEP * 4,
    )
    .await;
    assert_eq!(
        app.find_all("[data-testid=backtest-report] [data-testid=cmp-outcome]")
            .await
            .len(),
        3,
        "the three labels"
    );
    app.screenshot("rules-backtest-zh-light").await;
    app.click("[data-testid=rule-tab-rules]").await;
    app.click("[data-testid=run-shadow]").await;
    assert_eq!(
        decision_phase(&app, "[data-testid=rule-detail]").await,
        "done"
    );
    app.wait(
        "[data-testid=rule-version][data-version='2'][data-status=shadow]",
        STEP,
    )
    .await;
    assert!(
        app.find_all("[data-testid=publish]").await.is_empty(),
        "an officer publishes nothing"
    );

    switch_to(&app, &mut authenticator, "manager.chen").await;
    app.click("[data-testid=nav-rules]").await;
    click_row(
        &app,
        "[data-testid=rule-version]",
        "r.dataset.version === '2'",
    )
    .await;
    app.until(
        "the backtest beside the publish button",
        "return document.querySelector('[data-testid=publish-backtest]')?.textContent.includes('回测 #')",
        STEP,
    )
    .await;
    let code = authenticator.code("manager.chen").await;
    type_into(&app, "publish-totp", &code).await;
    app.click("[data-testid=publish]").await;
    assert_eq!(
        decision_phase(&app, "[data-testid=rule-detail]").await,
        "done"
    );
    app.wait(
        "[data-testid=rule-version][data-version='2'][data-status=live]",
        STEP,
    )
    .await;
    assert!(app.text("[data-testid=live-version]").await.ends_with("v2"));
    app.screenshot("rules-published-zh-light").await;
    // Under the live version, its record: a rule's trend, drawn in Rust.
    app.until(
        "a rule's trend chart with its precision line",
        "return document.querySelector('[data-testid=rule-trend] svg')?.textContent.includes('精确率')",
        STEP,
    )
    .await;
    app.run("document.querySelector('[data-testid=rule-trend]').scrollIntoView()")
        .await;
    app.screenshot("rules-record-zh-light").await;

    // The payment platform asks a second instance over the same database.
    let store = demo_store(&desktop).await;
    let key = payment_key(store.as_ref(), "rules-e2e").await;
    let account: (i64,) = sqlx::query_as(
        "SELECT id FROM accounts WHERE status = 'active' \
         AND limit_fen - used_fen - frozen_fen > 10000 ORDER BY id LIMIT 1",
    )
    .fetch_one(&sqlite(&desktop).await)
    .await
    .expect("an active account");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let url = format!("http://{}", listener.local_addr().expect("its address"));
    let state = AppState::new(store, Clock::system()).expect("the service");
    tokio::spawn(http::serve(listener, state, std::future::pending()));
    let order = json!({
        "order_id": "WX-RULES-E2E-1", "account_id": account.0, "merchant": "美宜佳便利店",
        "category": "groceries", "amount": "10.00", "installments": 1, "channel": "qr",
        "device_id": "dev-rules-e2e", "ip": "10.20.30.40",
        "occurred_at": now_rfc3339(),
    });
    let answer = authorize(&url, &key, &order).await;
    assert_eq!(answer["rules_version"], 2, "{answer}");
    let (recorded,): (Option<i64>,) =
        sqlx::query_as("SELECT rules_version FROM transactions WHERE order_id = 'WX-RULES-E2E-1'")
            .fetch_one(&sqlite(&desktop).await)
            .await
            .expect("the transaction");
    assert_eq!(recorded, Some(2));
    app.close().await;
}

async fn sqlite(desktop: &Desktop) -> sqlx::SqlitePool {
    let url = format!("sqlite://{}", desktop.demo_database().display());
    sqlx::SqlitePool::connect(&url)
        .await
        .expect("the demo database")
}
