//! A manager reads the dashboard in a real window: the period's totals agree
//! with a recount of the demo database's records, a cut by grade changes
//! the charts and agrees again, a bucket's chip opens the accounts in it,
//! and a rule's chip opens the queue at it.

use riskdesk_domain::billing::{business_date, day_number};
use riskdesk_server::clock::{Clock, utc};

use crate::harness::{App, Desktop, FIRST_START, STEP};
use crate::{ONE_WINDOW, connect, sign_in};

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

/// Waits for the demo service's first end of day (it runs at start).
async fn end_of_day_done(desktop: &Desktop) {
    let url = format!("sqlite://{}", desktop.demo_database().display());
    let mut db = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
        .await
        .expect("the demo database");
    for _ in 0..600 {
        let (done,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM eod_runs WHERE finished_at IS NOT NULL")
                .fetch_one(&mut db)
                .await
                .expect("reading the end of day's runs");
        if done > 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the end of day did not finish in a minute");
}

/// Accounts at this month's end (as the last end of day wrote it), counted row by row.
async fn this_month(desktop: &Desktop, grade: Option<&str>) -> i64 {
    let url = format!("sqlite://{}", desktop.demo_database().display());
    let mut db = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
        .await
        .expect("the demo database");
    let (count,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM account_months WHERE month = (SELECT MAX(month) FROM account_months) \
         AND (? IS NULL OR grade = ?)",
    )
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
        "the ten charts",
        "return document.querySelectorAll('[data-testid^=chart-] svg').length === 10",
        STEP,
    )
    .await;
    // The credit side reads this month's end: every account of the demo.
    let accounts = kpi(&app, "accounts").await;
    assert_eq!(accounts, this_month(&desktop, None).await);
    let all = kpi(&app, "decided").await;
    assert!(all > 100, "{all} authorizations in 30 days");
    assert_eq!(all, decided(&desktop, None).await);
    app.screenshot("dashboard-zh-light").await;

    // The pointer over the last month of the delinquency chart reads its values.
    let region = app
        .run(
            "const r = [...document.querySelectorAll('[data-testid=chart-delinquency] [data-tip]')].at(-1); \
             const b = r.getBoundingClientRect(); \
             r.dispatchEvent(new PointerEvent('pointermove', \
                 {bubbles: true, clientX: b.left + b.width / 2, clientY: b.top + b.height / 2})); \
             return r.dataset.tip",
        )
        .await;
    let region = region.as_str().expect("a tip").to_owned();
    assert!(
        region.contains("M3+") && region.contains("逾期率"),
        "{region}"
    );
    app.until(
        "the values under the pointer",
        &format!(
            "const t = document.querySelector('[data-testid=chart-tip]'); \
             return !!t && t.innerText.trim().replace(/\\n/g, '|') === {:?}",
            region.replace('\n', "|")
        ),
        STEP,
    )
    .await;
    app.screenshot("dashboard-tip").await;
    app.run("document.querySelector('[data-testid=chart-exposure]').scrollIntoView(); return null")
        .await;
    app.screenshot("dashboard-credit-lower").await;
    app.run(
        "document.querySelector('[data-testid=chart-approvals]').scrollIntoView(); return null",
    )
    .await;
    app.screenshot("dashboard-fraud").await;

    // A cut by grade: the totals and every chart are asked for again. The
    // service's first end of day re-grades accounts: it has finished first.
    end_of_day_done(&desktop).await;
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
    let expected = this_month(&desktop, Some("E")).await;
    app.until(
        "the grade's accounts",
        &format!(
            "return document.querySelector('[data-testid=kpi-accounts]').textContent.replace(/,/g, '') === '{expected}'"
        ),
        STEP,
    )
    .await;
    let cut = app
        .run("return [...document.querySelectorAll('[data-testid^=chart-] svg')].map(s => s.outerHTML)")
        .await;
    for (at, chart) in [(0, "delinquency"), (4, "exposure"), (6, "approvals")] {
        assert_ne!(cut[at], charts[at], "the {chart} chart follows the cut");
    }
    app.screenshot("dashboard-grade-e").await;

    // A bucket's chip opens the accounts in it now, in the cut.
    let bucket = app
        .run(
            "const c = [...document.querySelectorAll('[data-testid=drill-bucket]')].find(c => c.dataset.bucket === 'M1'); \
             c.click(); return c.dataset.bucket",
        )
        .await;
    assert_eq!(bucket.as_str(), Some("M1"));
    app.wait("[data-testid=search-row]", STEP).await;
    let rows = app
        .run(
            "return [...document.querySelectorAll('[data-testid=search-row]')].map(r => r.dataset.bucket + r.dataset.grade)",
        )
        .await;
    let rows = rows.as_array().expect("rows").clone();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r.as_str() == Some("M1E")), "{rows:?}");
    app.screenshot("accounts-drill-down").await;
    app.click("[data-testid=nav-dashboard]").await;
    app.wait("[data-testid=credit-kpis]", STEP).await;

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

/// The dashboard on a large portfolio served apart (`riskdesk-server demo
/// --customers 100000 --months 36`, its URL in `RISKDESK_BENCH_URL`): the
/// time from a grade chosen until both sides are asked for, drawn, put in
/// the page and painted. A benchmark (`docs/benchmarks.md`), not a test.
#[tokio::test]
#[ignore = "a benchmark: needs a large demo served at RISKDESK_BENCH_URL"]
async fn the_dashboard_after_a_filter_change_on_a_large_portfolio() {
    let url = std::env::var("RISKDESK_BENCH_URL").expect("RISKDESK_BENCH_URL");
    let long = std::time::Duration::from_secs(120);
    let _window = ONE_WINDOW.lock().await;
    let desktop = Desktop::new();
    let app = desktop.launch().await;
    connect(&app, &url, None).await;
    sign_in(&app, "manager.chen").await;
    app.click("[data-testid=nav-dashboard]").await;
    let settled = "return document.querySelectorAll('[data-testid^=chart-] svg').length === 10 \
        && document.querySelector('[data-testid=dashboard]').dataset.busy === 'false'";
    app.until("the first dashboard", settled, long).await;
    app.screenshot("dashboard-large-portfolio").await;
    let mut millis = Vec::new();
    for grade in ["A", "B", "C", "D", "E", ""].iter().cycle().take(12) {
        app.run(&format!(
            "const section = document.querySelector('[data-testid=dashboard]');
             window.drawnAt = null;
             let began = false;
             const watch = new MutationObserver(() => {{
               if (section.dataset.busy === 'true') began = true;
               else if (began) {{
                 watch.disconnect();
                 requestAnimationFrame(() => requestAnimationFrame(() => (window.drawnAt = performance.now())));
               }}
             }});
             watch.observe(section, {{ attributes: true, attributeFilter: ['data-busy'] }});
             const select = document.querySelector('[data-testid=dash-grade]');
             window.changedAt = performance.now();
             select.value = '{grade}';
             select.dispatchEvent(new Event('change', {{ bubbles: true }}));
             return null;"
        ))
        .await;
        app.until("the charts again", "return window.drawnAt !== null", long)
            .await;
        let ms = app.run("return window.drawnAt - window.changedAt").await;
        millis.push(ms.as_f64().expect("milliseconds"));
    }
    eprintln!("BENCH dashboard after a grade change, in order (ms): {millis:.0?}");
    millis.sort_by(f64::total_cmp);
    eprintln!(
        "BENCH {} changes: min {:.0} ms, median {:.0} ms, max {:.0} ms",
        millis.len(),
        millis[0],
        millis[millis.len() / 2],
        millis[millis.len() - 1]
    );
    app.close().await;
}
