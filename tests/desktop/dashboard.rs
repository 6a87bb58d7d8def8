//! A manager reads the dashboard in a real window: the period's totals agree
//! with a recount of the demo database's records, a cut by grade changes
//! every chart and agrees again, and a rule's chip opens the queue at it.

use riskdesk_domain::billing::{business_date, day_number};
use riskdesk_server::clock::{Clock, utc};

use crate::harness::{App, Desktop, FIRST_START, STEP};
use crate::{ONE_WINDOW, sign_in};

/// Decided payments in the last 30 business days, counted record by record.
async fn decided(desktop: &Desktop, grade: Option<&str>) -> i64 {
    let url = format!("sqlite://{}", desktop.demo_database().display());
    let mut db = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
        .await
        .expect("the demo database");
    let today = i64::from(day_number(business_date(utc(Clock::system().now_ms()))));
    let (count,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM transactions WHERE decision IS NOT NULL \
         AND (occurred_at + 28800000) / 86400000 BETWEEN ? AND ? AND (? IS NULL OR grade = ?)",
    )
    .bind(today - 29)
    .bind(today)
    .bind(grade)
    .bind(grade)
    .fetch_one(&mut db)
    .await
    .expect("counting");
    count
}

async fn kpi(app: &App, name: &str) -> i64 {
    app.text(&format!("[data-testid=kpi-{name}]"))
        .await
        .replace(',', "")
        .parse()
        .expect("a count")
}

#[tokio::test]
async fn a_manager_reads_the_dashboard_cuts_it_and_drills_into_the_queue() {
    let _window = ONE_WINDOW.lock().await;
    let desktop = Desktop::new();
    let app = desktop.launch().await;
    app.wait("[data-testid=sign-in]", FIRST_START).await;
    sign_in(&app, "manager.chen").await;
    app.click("[data-testid=nav-dashboard]").await;
    app.wait("[data-testid=kpis]", STEP).await;
    app.until(
        "the four charts",
        "return document.querySelectorAll('[data-testid^=chart-] svg').length === 4",
        STEP,
    )
    .await;
    let all = kpi(&app, "decided").await;
    assert!(all > 100, "{all} authorizations in 30 days");
    assert_eq!(all, decided(&desktop, None).await);
    app.screenshot("dashboard-zh-light").await;

    // A cut by grade: the totals and every chart are asked for again.
    let charts = app
        .run("return [...document.querySelectorAll('[data-testid^=chart-] svg')].map(s => s.outerHTML)")
        .await;
    app.wait("[data-testid=dash-grade]", STEP)
        .await
        .select_by_value("E")
        .await
        .expect("choosing a grade");
    let expected = decided(&desktop, Some("E")).await;
    assert!(expected < all);
    app.until(
        "the grade's totals",
        &format!(
            "return document.querySelector('[data-testid=kpi-decided]').textContent.replace(/,/g, '') === '{expected}'"
        ),
        STEP,
    )
    .await;
    let cut = app
        .run("return [...document.querySelectorAll('[data-testid^=chart-] svg')].map(s => s.outerHTML)")
        .await;
    assert_ne!(cut[0], charts[0], "the approvals chart follows the cut");

    // Back to every grade; a rule's chip opens the queue at that rule.
    app.wait("[data-testid=dash-grade]", STEP)
        .await
        .select_by_value("")
        .await
        .expect("every grade");
    app.wait("[data-testid=drill-rule]", STEP).await;
    let rule = app
        .run("const c = document.querySelector('[data-testid=drill-rule]'); c.click(); return c.dataset.rule")
        .await;
    let rule = rule.as_str().expect("a rule").to_owned();
    app.wait("[data-testid=alert-queue]", STEP).await;
    app.until(
        "the queue at the rule",
        &format!("return document.querySelector('[data-testid=filter-rule]').value === '{rule}'"),
        STEP,
    )
    .await;
    app.wait("[data-testid=alert-row]", STEP).await;
    app.close().await;
}
