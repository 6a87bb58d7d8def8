//! An investigation in the real window: from an open alert of a ring the
//! demo planted, the officer opens the alert's links; the graph shows the
//! ring with its confirmed-fraud members marked, names the account under
//! the pointer and opens it on a click; the table lists the members with
//! what they share. Then a case on the group: a note, the checklist, the
//! customer's PDF, every account frozen, the devices the ring shares
//! blacklisted, closed as confirmed fraud with the group's alerts.

use std::time::Duration;

use serde_json::json;

use crate::decisions::{click_row, type_into};
use crate::harness::{App, Desktop, FIRST_START, STEP};
use crate::{ONE_WINDOW, choose, sign_in};

/// Large enough for the rings (a cash-out ring of twelve, a farm of 100).
const DEMO_CUSTOMERS: u32 = 2_000;
/// The first ring: twelve accounts, the older six confirmed as fraud.
const RING_CONFIRMED: usize = 6;

/// An open alert on the first ring's merchant: (alert, account).
async fn ring_alert(desktop: &Desktop) -> (i64, i64) {
    let url = format!("sqlite://{}?mode=ro", desktop.demo_database().display());
    let mut connection = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
        .await
        .expect("the demo database");
    sqlx::query_as(
        "SELECT a.id, a.account_id FROM alerts a JOIN transactions t ON t.id = a.transaction_id \
         WHERE t.merchant = '鑫源数码回收' AND a.status = 'open' AND a.rule = 'risky_merchant' \
         ORDER BY a.id LIMIT 1",
    )
    .fetch_one(&mut connection)
    .await
    .expect("an open alert of the first ring")
}

/// The demo database's rows of one text column.
async fn demo_rows(desktop: &Desktop, sql: &str) -> Vec<String> {
    let url = format!("sqlite://{}?mode=ro", desktop.demo_database().display());
    let mut connection = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
        .await
        .expect("the demo database");
    let rows: Vec<(String,)> = sqlx::query_as(sql)
        .fetch_all(&mut connection)
        .await
        .expect("the demo database's rows");
    rows.into_iter().map(|(v,)| v).collect()
}

/// The text of the graph's tip over the node of `account`.
async fn tip_over(app: &App, account: i64) -> String {
    let shown = app
        .run(&format!(
            "const node = document.querySelector('[data-testid=links-graph] [data-account=\"{account}\"]');
             const box = node.getBoundingClientRect();
             node.dispatchEvent(new PointerEvent('pointermove', {{ bubbles: true,
                 clientX: box.x + box.width / 2, clientY: box.y + box.height / 2 }}));
             return true"
        ))
        .await;
    assert_eq!(shown, json!(true));
    app.wait("[data-testid=graph-tip]", STEP).await;
    app.text("[data-testid=graph-tip]").await
}

#[tokio::test]
async fn an_officer_follows_a_rings_alert_to_its_graph_and_opens_a_member() {
    let _window = ONE_WINDOW.lock().await;
    let desktop = Desktop::with_demo_customers(DEMO_CUSTOMERS);
    let app = desktop.launch().await;
    app.wait("[data-testid=sign-in]", FIRST_START).await;
    let (alert, account) = ring_alert(&desktop).await;
    sign_in(&app, "officer.li").await;
    app.wait("[data-testid=alert-row]", STEP).await;

    // The alert, found in the queue by its rule, and its links from the panel.
    app.wait("[data-testid=filter-rule]", STEP)
        .await
        .select_by_value("risky_merchant")
        .await
        .expect("choosing a rule");
    click_row(
        &app,
        "[data-testid=alert-row]",
        &format!("r.dataset.alert === '{alert}'"),
    )
    .await;
    app.click("[data-testid=open-links]").await;
    app.wait("[data-testid=links-graph] svg", STEP).await;
    assert_eq!(
        app.text("[data-testid=account-id]").await,
        account.to_string()
    );

    // The ring's members are in the table, the six confirmed marked.
    let ring = app
        .run(
            "return [...document.querySelectorAll('[data-testid=links-table] tbody tr')]
                .filter(r => /dev-ring00|鑫源数码回收/.test(r.textContent))
                .map(r => r.classList.contains('fraud'))",
        )
        .await;
    let ring: Vec<bool> = serde_json::from_value(ring).expect("the ring's rows");
    assert_eq!(ring.len(), 11, "the other eleven members: {ring:?}");
    // The alert's own account is of the newer half, still open.
    let confirmed = ring.iter().filter(|f| **f).count();
    assert_eq!(confirmed, RING_CONFIRMED, "{ring:?}");
    let score: usize = app
        .text("[data-testid=ring-confirmed]")
        .await
        .parse()
        .expect("a count");
    assert!(score >= RING_CONFIRMED, "{score}");
    // Ringed in the graph: as many red rings as confirmed members drawn,
    // and the legend's.
    let rings = app
        .run("return document.querySelectorAll('[data-testid=links-graph] circle[stroke=\"#CC2030\"]').length")
        .await;
    assert!(
        rings.as_u64().unwrap_or(0) > RING_CONFIRMED as u64,
        "{rings}"
    );
    app.screenshot("links-zh-light").await;

    // The account under the pointer is named; a click opens it.
    let member: i64 = app
        .run(
            "const row = [...document.querySelectorAll('[data-testid=links-table] tbody tr')]
                .find(r => r.classList.contains('fraud') && /dev-ring00/.test(r.textContent));
             return Number(row.querySelector('button').textContent)",
        )
        .await
        .as_i64()
        .expect("a confirmed member");
    let tip = tip_over(&app, member).await;
    assert!(tip.contains(&format!("账户 {member}")), "{tip}");
    assert!(tip.contains("已确认欺诈"), "{tip}");
    app.screenshot("links-tip-zh-light").await;
    app.run(&format!(
        "document.querySelector('[data-testid=links-graph] [data-account=\"{member}\"]')
            .dispatchEvent(new MouseEvent('click', {{ bubbles: true }})); return true"
    ))
    .await;
    app.until(
        "the member's account",
        &format!(
            "const id = document.querySelector('[data-testid=account-id]'); return !!id && id.textContent === '{member}'"
        ),
        STEP,
    )
    .await;
    // Its own links drawn before going on: the demo service in the app
    // has four connections, and walks left running would hold them.
    app.wait("[data-testid=links-graph] svg", STEP).await;

    // A case with the group, from the graph: its records, a note, the
    // checklist, a file the customer sent; every account frozen; closed as
    // confirmed fraud, which closes the ring's alerts.
    app.click("[data-testid=nav-queue]").await;
    app.wait("[data-testid=alert-row]", STEP).await;
    app.wait("[data-testid=filter-rule]", STEP)
        .await
        .select_by_value("risky_merchant")
        .await
        .expect("choosing a rule");
    click_row(
        &app,
        "[data-testid=alert-row]",
        &format!("r.dataset.alert === '{alert}'"),
    )
    .await;
    app.click("[data-testid=open-links]").await;
    app.wait("[data-testid=links-graph] svg", STEP).await;
    let group = app
        .run("return document.querySelectorAll('[data-testid=links-table] tbody tr').length + 1")
        .await
        .as_u64()
        .expect("the group's size");
    app.click("[data-testid=open-case]").await;
    app.wait("[data-testid=case-panel] [data-testid=case-status]", STEP)
        .await;
    app.until(
        "the case's accounts",
        &format!(
            "return [...document.querySelectorAll('[data-testid=case-members] dd')][0]?.querySelectorAll('button').length === {group}"
        ),
        STEP,
    )
    .await;
    type_into(
        &app,
        "case-note",
        "共用设备 dev-ring00a/b，同一商户鑫源数码回收套现",
    )
    .await;
    app.click("[data-testid=case-add-note]").await;
    app.wait("[data-testid=case-notes] li", STEP).await;
    // Typed whole: the "/" is the note's, not the search box's shortcut.
    let noted = app.text("[data-testid=case-notes] li").await;
    assert!(noted.contains("dev-ring00a/b，同一商户"), "{noted}");
    app.click("[data-testid=check-links_reviewed]").await;
    app.until(
        "the item checked",
        "return document.querySelector('[data-testid=check-links_reviewed]').checked && !document.querySelector('[data-testid=check-links_reviewed]').disabled",
        STEP,
    )
    .await;
    let statement = desktop.data_dir().join("客户说明.pdf");
    std::fs::write(
        &statement,
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n",
    )
    .expect("a PDF to attach");
    app.wait("[data-testid=case-attach]", STEP)
        .await
        .send_keys(statement.to_str().expect("a UTF-8 path"))
        .await
        .expect("choosing the file");
    app.until(
        "the attachment listed",
        "return /客户说明\\.pdf/.test(document.querySelector('[data-testid=case-attachments]').textContent)",
        STEP,
    )
    .await;
    type_into(&app, "case-freeze-reason", "团伙套现，冻结全部可用额度").await;
    app.click("[data-testid=case-freeze-all]").await;
    app.wait("[data-testid=case-freeze-summary]", STEP).await;
    // The devices the ring shares, blacklisted as one decision.
    let devices: Vec<String> = serde_json::from_value(
        app.run(
            "return [...document.querySelectorAll('[data-testid=case-shared-pick]')]
                .map(p => p.value).filter(v => v.startsWith('device '))",
        )
        .await,
    )
    .expect("the shared devices");
    assert!(!devices.is_empty(), "the ring shares a device");
    // A device a fraud pattern of the demo used may be listed already (the
    // demo's history follows the clock): refused as such, the rest listed.
    let listed_before: Vec<String> = demo_rows(
        &desktop,
        "SELECT 'device ' || value FROM blacklist WHERE kind = 'device' AND removed_at IS NULL",
    )
    .await;
    let mut fresh: Vec<String> = devices
        .iter()
        .filter(|d| !listed_before.contains(d))
        .cloned()
        .collect();
    assert!(!fresh.is_empty(), "the ring's own device: {devices:?}");
    app.run(
        "document.querySelectorAll('[data-testid=case-shared-pick]').forEach(p => {
            if (p.value.startsWith('device ')) p.click();
         }); return true",
    )
    .await;
    type_into(&app, "case-blacklist-reason", "团伙共用设备").await;
    app.click("[data-testid=case-blacklist]").await;
    let listed = app.wait("[data-testid=case-blacklist-summary]", STEP).await;
    let listed = listed.text().await.expect("the summary");
    assert!(
        listed.starts_with(&format!(
            "{} 已拉黑 · {} 未拉黑",
            fresh.len(),
            devices.len() - fresh.len()
        )),
        "{listed}"
    );
    let in_store = demo_rows(
        &desktop,
        "SELECT 'device ' || value FROM blacklist WHERE kind = 'device' \
         AND reason = '团伙共用设备' AND removed_at IS NULL ORDER BY value",
    )
    .await;
    fresh.sort();
    assert_eq!(in_store, fresh);
    app.run("document.querySelector('[data-testid=case-members]').scrollIntoView(); return true")
        .await;
    app.screenshot("case-zh-light").await;
    app.wait("[data-testid=case-disposition-choice]", STEP)
        .await
        .select_by_value("confirmed_fraud")
        .await
        .expect("choosing the disposition");
    type_into(&app, "case-outcome", "设备农场团伙套现，已全部冻结").await;
    app.click("[data-testid=case-close]").await;
    app.until(
        "the case closed",
        "return document.querySelector('[data-testid=case-disposition]') !== null",
        STEP,
    )
    .await;
    let open_ring_alerts: i64 = {
        let url = format!("sqlite://{}?mode=ro", desktop.demo_database().display());
        let mut connection = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
            .await
            .expect("the demo database");
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM alerts a JOIN case_members m ON m.kind = 'alert' AND m.ref_id = a.id \
             WHERE a.status <> 'closed' AND m.case_id = (SELECT MAX(id) FROM cases)",
        )
        .fetch_one(&mut connection)
        .await
        .expect("the case's alerts");
        n
    };
    assert_eq!(open_ring_alerts, 0, "the case's alerts closed with it");
    app.screenshot("case-closed-zh-light").await;

    // The report for the compliance file lists the members, the outcome
    // and the customer's file, read back from the PDF.
    let members: Vec<String> = serde_json::from_value(
        app.run(
            "return [...document.querySelectorAll('[data-testid=case-members] dd')][0]
                .querySelectorAll('button').values().map(b => b.textContent).toArray()",
        )
        .await,
    )
    .expect("the case's accounts");
    app.click("[data-testid=case-report]").await;
    // A debug build subsets the CJK face slowly.
    let saved = app
        .wait("[data-testid=case-report-saved]", Duration::from_secs(90))
        .await;
    let saved = saved.text().await.expect("where it was saved");
    let path = saved.split_whitespace().last().expect("a path").to_owned();
    assert!(path.ends_with(".pdf"), "{saved}");
    let text = std::process::Command::new("pdftotext")
        .args([path.as_str(), "-"])
        .output()
        .expect("pdftotext (poppler-utils)");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("案件报告"), "{text}");
    assert!(text.contains("确认欺诈"), "{text}");
    assert!(text.contains("客户说明.pdf"), "{text}");
    let heading = format!("黑名单决定 ({})", fresh.len());
    assert!(text.contains(&heading), "{heading} in {text}");
    for member in &members {
        assert!(text.contains(member.as_str()), "{member} in the report");
    }
    // Its first page, as the screenshots keep the screens.
    let page = crate::harness::workspace().join("docs/screenshots/case-report-zh");
    let drawn = std::process::Command::new("pdftoppm")
        .args([
            "-png",
            "-r",
            "80",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            path.as_str(),
        ])
        .arg(&page)
        .status()
        .expect("pdftoppm (poppler-utils)");
    assert!(drawn.success());

    // The same graph in English, from the same data.
    app.run("document.querySelector('[data-testid=case-members] dd button').click(); return true")
        .await;
    // Account 360 draws the links when asked.
    app.click("[data-testid=show-links]").await;
    app.wait("[data-testid=links-graph] svg", STEP).await;
    choose(&app, "lang", "en").await;
    app.wait("[data-testid=links-graph] svg", STEP).await;
    app.until(
        "the English graph",
        "return document.querySelector('[data-testid=links-graph] svg').textContent.includes('Confirmed fraud')",
        Duration::from_secs(10),
    )
    .await;
    app.run("document.querySelector('[data-testid=account-links]').scrollIntoView(); return true")
        .await;
    app.screenshot("links-en-light").await;
    choose(&app, "lang", "zh").await;
    app.close().await;
}
