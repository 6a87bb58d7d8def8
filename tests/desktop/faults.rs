//! The console through a line that breaks: the fault proxy sits between the
//! app and a separate service. Slow answers, answers cut off, answers lost
//! and a service gone: the window keeps working, says what is happening,
//! never passes old rows off as current, and each decision lands once.

use riskdesk_faultproxy::{Fault, FaultProxy};

use crate::harness::{App, Desktop, RemoteService, STEP};
use crate::{ONE_WINDOW, connect, send_keys, sign_in};

const TABLE_CURRENT: &str =
    "return document.querySelector('[data-testid=alert-table]').dataset.current === 'true'";
const TABLE_OUTDATED: &str =
    "return document.querySelector('[data-testid=alert-table]').dataset.current === 'false'";

async fn set(proxy: &FaultProxy, fault: Fault) {
    proxy.set(fault).await.expect("the proxy's fault");
}

/// Whether every row shown has this status (and there are rows).
fn rows_are(status: &str) -> String {
    format!(
        "const rows = [...document.querySelectorAll('[data-testid=alert-row]')];
         return rows.length > 0 && rows.every((r) => r.dataset.status === '{status}')"
    )
}

async fn selected_row(app: &App) -> (i64, i64) {
    let found = app
        .run(
            "const rows = [...document.querySelectorAll('.vrow')];
             const i = rows.findIndex((r) => r.classList.contains('selected'));
             const row = rows[i]?.querySelector('[data-testid=alert-row]');
             return [i, Number(row?.dataset.alert ?? -1)];",
        )
        .await;
    let at = |i: usize| found[i].as_i64().expect("a number");
    (at(0), at(1))
}

/// What the offline banner says went wrong, once it shows.
async fn banner(app: &App) -> String {
    app.wait("[data-testid=offline-banner]", STEP).await;
    app.text("[data-testid=offline-reason]").await
}

/// The panel's decision, once it has an outcome: its phase and its words.
async fn decision(app: &App, phase: &str) -> String {
    let css =
        format!("[data-testid=triage-panel] [data-testid=decision-status][data-phase={phase}]");
    app.text(&css).await
}

/// The audit trail's entries by `actor` on `alert:<id>`, by action.
async fn trail(service: &RemoteService, actor: &str, alert: i64) -> Vec<String> {
    let url = format!("sqlite://{}", service.database().display());
    let mut db = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
        .await
        .expect("the service's database");
    sqlx::query_scalar("SELECT action FROM audit WHERE actor = ? AND target = ? ORDER BY id")
        .bind(actor)
        .bind(format!("alert:{alert}"))
        .fetch_all(&mut db)
        .await
        .expect("the audit trail")
}

#[tokio::test]
async fn through_a_line_that_breaks_the_console_says_what_is_happening_and_decides_once() {
    let _window = ONE_WINDOW.lock().await;
    let service = RemoteService::start().await;
    let proxy = FaultProxy::start(service.addr()).await.expect("the proxy");
    let desktop = Desktop::new();
    let app = desktop.launch().await;
    connect(&app, &proxy.url(), None).await;
    sign_in(&app, "officer.wang").await;
    app.until("the open alerts", &rows_are("open"), STEP).await;
    app.until("rows that answer the tab", TABLE_CURRENT, STEP)
        .await;

    // A slow line: the closed tab's alerts are held on their way. Meanwhile
    // the open alerts stay, marked out of date, and the window keeps working:
    // the selection moves with the keyboard before the answer is in.
    set(&proxy, Fault::Hold).await;
    app.click("[data-testid=tab-closed]").await;
    app.until("the open rows marked out of date", TABLE_OUTDATED, STEP)
        .await;
    let (before, _) = selected_row(&app).await;
    send_keys(&app, "j").await;
    let (after, _) = selected_row(&app).await;
    assert_eq!(after, before + 1, "the selection moved");
    assert!(
        app.run(TABLE_OUTDATED).await == serde_json::json!(true),
        "it moved while the answer was still on its way"
    );
    app.screenshot("slow-zh-light").await;
    set(&proxy, Fault::None).await;
    app.until("the closed alerts", &rows_are("closed"), STEP)
        .await;
    app.until("rows that answer the tab", TABLE_CURRENT, STEP)
        .await;
    assert!(proxy.counts().delayed >= 2, "{:?}", proxy.counts());

    // Answers cut off halfway: after its retries the console says so, with
    // the time the service last answered; the closed alerts stay, out of date.
    set(&proxy, Fault::TruncateAnswers).await;
    app.click("[data-testid=tab-open]").await;
    assert_eq!(banner(&app).await, "与风控服务的连接在应答途中中断");
    let since = app.text("[data-testid=offline-since]").await;
    assert!(
        regex::Regex::new(r"^\d\d:\d\d:\d\d$")
            .expect("a pattern")
            .is_match(&since),
        "{since}"
    );
    app.until("the closed rows marked out of date", TABLE_OUTDATED, STEP)
        .await;
    assert!(app.run(&rows_are("closed")).await == serde_json::json!(true));
    assert_eq!(
        app.text("[data-testid=rows-outdated]").await,
        "· 以下仍是上一次加载的结果，未能更新"
    );
    app.screenshot("interrupted-zh-light").await;
    assert!(proxy.counts().truncated >= 3, "{:?}", proxy.counts());

    // The line is whole again: Retry loads the open alerts, current.
    set(&proxy, Fault::None).await;
    app.click("[data-testid=offline-banner] button").await;
    app.until("the open alerts", &rows_are("open"), STEP).await;
    app.until("rows that answer the tab", TABLE_CURRENT, STEP)
        .await;
    assert!(
        app.find_all("[data-testid=offline-banner]")
            .await
            .is_empty()
    );

    // A claim whose answer is lost once: the client sends it again with its
    // key and gets the first answer; the console says it was already done.
    app.until(
        "the panel's notes",
        "return document.querySelector('[data-testid=notes]')?.dataset.alert === \
         document.querySelector('.vrow.selected [data-testid=alert-row]')?.dataset.alert",
        STEP,
    )
    .await;
    let (_, alert) = selected_row(&app).await;
    let resets = proxy.counts().reset;
    proxy
        .set_for(Fault::ResetAnswers, 1)
        .await
        .expect("the proxy's fault");
    app.click("[data-testid=claim]").await;
    let words = decision(&app, "done").await;
    assert!(
        words.starts_with("已完成：此决定在之前的尝试中已经生效"),
        "{words}"
    );
    assert_eq!(proxy.counts().reset, resets + 1);
    app.until(
        "the claimed row",
        "return document.querySelector('.vrow.selected [data-testid=alert-row]').dataset.status === 'in_review'",
        STEP,
    )
    .await;

    // A close whose every answer is lost: the console cannot know and says
    // so; once the line is back, Retry sends the same request and learns
    // that the first one had landed.
    set(&proxy, Fault::ResetAnswers).await;
    app.click("[data-testid=close-false_positive]").await;
    let words = decision(&app, "undecided").await;
    assert!(words.starts_with("未收到风控服务的答复"), "{words}");
    app.screenshot("undecided-zh-light").await;
    set(&proxy, Fault::None).await;
    app.click("[data-testid=decision-retry]").await;
    let words = decision(&app, "done").await;
    assert!(
        words.starts_with("已完成：此决定在之前的尝试中已经生效"),
        "{words}"
    );
    app.until(
        "the closed row",
        "return document.querySelector('.vrow.selected [data-testid=alert-row]').dataset.status === 'closed'",
        STEP,
    )
    .await;
    assert_eq!(
        trail(&service, "officer.wang", alert).await,
        ["alert.claim", "alert.close"],
        "each decision once"
    );

    // The service gone: the banner says it cannot be reached.
    set(&proxy, Fault::Down).await;
    app.click("[data-testid=tab-closed]").await;
    assert_eq!(banner(&app).await, "无法连接风控服务");
    set(&proxy, Fault::None).await;
    app.click("[data-testid=offline-banner] button").await;
    app.until("the closed alerts", &rows_are("closed"), STEP)
        .await;
    app.close().await;
}
