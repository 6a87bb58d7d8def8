//! CSV exports: UTF-8 with a byte-order mark, every row under the filters
//! (as many as the paged list has), quoting, roles, and the export in the
//! audit trail.

#![allow(clippy::unwrap_used)]

use serde_json::{Value, json};

use crate::support::{self, Service};

async fn csv(service: &Service, path: &str, token: &str) -> (u16, String, String) {
    csv_in(service, path, token, "zh-CN").await
}

/// A CSV with its columns in words in `language` (`Accept-Language`).
async fn csv_in(
    service: &Service,
    path: &str,
    token: &str,
    language: &str,
) -> (u16, String, String) {
    let response = service
        .client
        .get(format!("{}{path}", service.url))
        .bearer_auth(token)
        .header("accept-language", language)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, kind, response.text().await.unwrap())
}

/// Every item of a paged list.
async fn all(service: &Service, path: &str, token: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor = String::new();
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let (_, page) = service
            .get(&format!("{path}{sep}limit=200{cursor}"), Some(token))
            .await;
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => return items,
        }
    }
}

#[tokio::test]
async fn exports_stream_every_row_with_a_bom_and_are_audited() {
    let store = support::sqlite().await;
    support::portfolio(store.as_ref(), 300).await;
    let service = Service::start(store).await;
    let manager = service.sign_in("manager.chen").await;
    let (_, accounts) = service
        .get("/v1/accounts?sort=dpd_desc&limit=1", Some(&manager))
        .await;
    let id = accounts["items"][0]["id"].as_i64().unwrap();

    let (status, kind, text) = csv(
        &service,
        &format!("/v1/accounts/{id}/transactions.csv"),
        &manager,
    )
    .await;
    assert_eq!((status, kind.as_str()), (200, "text/csv; charset=utf-8"));
    assert!(
        text.starts_with("\u{feff}id,time_utc,时间（北京时间）,kind,类型,order_id,merchant"),
        "{}",
        &text[..80]
    );
    let listed = all(
        &service,
        &format!("/v1/accounts/{id}/transactions"),
        &manager,
    )
    .await;
    let lines: Vec<&str> = text.trim_end().split("\r\n").collect();
    assert_eq!(lines.len() - 1, listed.len(), "every transaction, once");
    assert_eq!(
        lines[1].split(',').next().unwrap(),
        listed[0]["id"].to_string()
    );

    let (_, _, open) = csv(&service, "/v1/alerts.csv?status=open", &manager).await;
    let (_, counts) = service.get("/v1/alerts/counts", Some(&manager)).await;
    let rows = open.trim_end().split("\r\n").count() - 1;
    assert_eq!(
        u64::try_from(rows).unwrap(),
        counts["open"].as_u64().unwrap()
    );

    let (status, _, _) = csv(&service, "/v1/accounts/1/transactions.csv", &manager).await;
    assert_eq!(status, 404);
    let agent = service.sign_in("agent.zhao").await;
    let (status, _, _) = csv(&service, "/v1/alerts.csv", &agent).await;
    assert_eq!(status, 403, "an agent reads no alerts, so exports none");
    let (status, _, disputes) = csv(&service, "/v1/disputes.csv", &agent).await;
    assert_eq!(status, 200);
    assert!(disputes.starts_with("\u{feff}id,created_utc,受理时间（北京时间）"));

    let (_, _, trail) = csv(&service, "/v1/audit.csv?action=export.", &manager).await;
    let exports: Vec<&str> = trail.trim_end().split("\r\n").skip(1).collect();
    // Newest first: this export itself (audited before its first byte), the
    // disputes, the alerts (the refused one exported nothing, so left no
    // entry), the transactions.
    let actions: Vec<&str> = exports
        .iter()
        .map(|l| l.split(',').nth(4).unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "export.audit",
            "export.disputes",
            "export.alerts",
            "export.transactions"
        ],
        "{trail}"
    );
    assert!(
        exports[3].contains(&id.to_string()),
        "the filters are recorded"
    );
}

#[tokio::test]
async fn each_code_keeps_its_column_beside_the_same_in_the_readers_words() {
    let store = support::sqlite().await;
    support::portfolio(store.as_ref(), 300).await;
    let service = Service::start(store).await;
    let manager = service.sign_in("manager.chen").await;

    let (_, _, zh) = csv_in(
        &service,
        "/v1/alerts.csv?status=open",
        &manager,
        "zh-CN,zh;q=0.9",
    )
    .await;
    let (_, _, en) = csv_in(
        &service,
        "/v1/alerts.csv?status=open",
        &manager,
        "en-GB,en;q=0.8",
    )
    .await;
    let (zh, en) = (cells(&zh), cells(&en));
    assert_eq!(
        zh[0],
        [
            "id",
            "created_utc",
            "创建时间（北京时间）",
            "account_id",
            "rule",
            "规则",
            "severity_rank",
            "严重度",
            "status",
            "状态",
            "assignee",
            "amount",
            "evidence",
            "证据",
            "disposition",
            "结论",
            "sla_due_utc",
            "处理时限（北京时间）"
        ]
    );
    assert_eq!(
        en[0],
        [
            "id",
            "created_utc",
            "Created (China)",
            "account_id",
            "rule",
            "Rule",
            "severity_rank",
            "Severity",
            "status",
            "Status",
            "assignee",
            "amount",
            "evidence",
            "Evidence",
            "disposition",
            "Disposition",
            "sla_due_utc",
            "Due (China)"
        ]
    );
    assert_eq!(zh.len(), en.len());
    // The same codes in both, and each beside its words.
    let words = |rows: &[Vec<String>], code: usize| -> std::collections::BTreeMap<String, String> {
        rows[1..]
            .iter()
            .map(|r| (r[code].clone(), r[code + 1].clone()))
            .collect()
    };
    let (rules_zh, rules_en) = (words(&zh, 4), words(&en, 4));
    assert_eq!(
        rules_zh.keys().collect::<Vec<_>>(),
        rules_en.keys().collect::<Vec<_>>()
    );
    assert_eq!(rules_zh["amount_spike"], "金额突增");
    assert_eq!(rules_en["amount_spike"], "Amount spike");
    assert_eq!(words(&zh, 8)["open"], "待处理");
    assert_eq!(words(&en, 8)["open"], "Open");
    assert!(
        words(&zh, 6)
            .values()
            .all(|w| ["低", "中", "高", "严重"].contains(&w.as_str()))
    );
    // The evidence in words, from the findings; the English sentence kept.
    let spike = zh[1..].iter().find(|r| r[4] == "amount_spike").unwrap();
    assert!(
        spike[12].contains(" is ") && spike[12].contains("the median"),
        "{spike:?}"
    );
    assert!(
        spike[13].contains("是近") && spike[13].contains("笔消费中位数"),
        "{spike:?}"
    );
    // China time beside UTC: eight hours on.
    let utc = chrono::DateTime::parse_from_rfc3339(&zh[1][1]).unwrap();
    let china = (utc + chrono::Duration::hours(8))
        .format("%Y-%m-%d %H:%M:%S")
        .to_string();
    assert_eq!(zh[1][2], china);

    // Without a language asked for, the operators' Chinese.
    let response = service
        .client
        .get(format!("{}/v1/audit.csv", service.url))
        .bearer_auth(&manager)
        .send()
        .await
        .unwrap();
    let trail = cells(&response.text().await.unwrap());
    assert_eq!(trail[0][5], "操作");
    let sign_in = trail[1..]
        .iter()
        .find(|r| r[4] == "session.sign_in")
        .unwrap();
    assert_eq!(
        (sign_in[5].as_str(), sign_in[7].as_str()),
        ("登录", "操作员 manager.chen")
    );
}

/// The cells of a CSV text (RFC 4180), its byte-order mark left off.
fn cells(text: &str) -> Vec<Vec<String>> {
    let mut rows = vec![vec![String::new()]];
    let mut quoted = false;
    let mut chars = text.trim_start_matches('\u{feff}').chars().peekable();
    while let Some(c) = chars.next() {
        let row = rows.last_mut().unwrap();
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                row.last_mut().unwrap().push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => row.push(String::new()),
            // CRLF as the exports end lines, LF as LibreOffice does.
            ('\r', false) if chars.peek() == Some(&'\n') => {}
            ('\n', false) => rows.push(vec![String::new()]),
            (c, _) => row.last_mut().unwrap().push(c),
        }
    }
    rows.pop();
    rows
}

/// What a spreadsheet runs: a cell starting `=`, `+`, `-`, `@`, a tab or a
/// carriage return that is not a plain number.
fn would_run(cell: &str) -> bool {
    cell.starts_with(['=', '+', '-', '@', '\t', '\r']) && cell.parse::<f64>().is_err()
}

/// LibreOffice (headless, Debian's package) opening `csv` and saving it as
/// CSV again: what the spreadsheet shows in each cell.
fn as_libreoffice_shows(dir: &std::path::Path, name: &str, csv: &str) -> String {
    let input = dir.join(format!("{name}.csv"));
    std::fs::write(&input, csv).unwrap();
    let out = dir.join(format!("{name}-shown"));
    let profile = format!(
        "-env:UserInstallation=file://{}",
        dir.join("lo-profile").display()
    );
    let converted = std::process::Command::new("soffice")
        .args([
            profile.as_str(),
            "--headless",
            "--convert-to",
            "csv",
            "--outdir",
        ])
        .arg(&out)
        .arg(&input)
        .output()
        .expect("soffice (Debian: libreoffice-calc-nogui; `cargo xtask test` installs it)");
    assert!(converted.status.success(), "{converted:?}");
    std::fs::read_to_string(out.join(format!("{name}.csv"))).unwrap()
}

#[tokio::test]
async fn no_export_holds_a_cell_a_spreadsheet_would_run() {
    let store = support::sqlite().await;
    support::portfolio(store.as_ref(), 60).await;
    let service = Service::start(store.clone()).await;
    let agent = service.sign_in("agent.zhao").await;
    let manager = service.sign_in("manager.chen").await;
    // Free text from outside in each free-text column: a merchant's name and
    // a city from the payment channel, a customer's statement, a note.
    let merchant = "=HYPERLINK(\"http://evil.example\",\"点我\")";
    let (account, purchase, _) =
        crate::disputes::settled_purchase_of(&service, &manager, 0, 1).await;
    let checkout = support::service_key(store.as_ref(), "checkout").await;
    let order = json!({
        "order_id": "formula-1", "account_id": account, "merchant": merchant,
        "category": "groceries", "amount": "1.00", "installments": 1, "channel": "in_app",
        "device_id": "dev-formula", "ip": "10.0.0.1",
        "location": {"lat": 31.23, "lon": 121.47, "city": "+上海"},
        "occurred_at": riskdesk_server::clock::utc(service.now_ms()),
    });
    let (status, decided) = service
        .post("/v1/payments/authorize", Some(&checkout), &order)
        .await;
    assert_eq!(status, 200, "{decided}");
    let statement = "=1+1+cmd|' /C calc'!A0";
    let (status, dispute, _) = service
        .write(
            "/v1/disputes",
            &agent,
            "formula-dispute",
            &json!({"transaction_id": purchase, "reason": "not_received", "statement": statement}),
        )
        .await;
    assert_eq!(status, 200, "{dispute}");
    let (status, rejected, _) = service
        .write(
            &format!("/v1/disputes/{}/steps", dispute["id"]),
            &agent,
            "formula-reject",
            &json!({"version": dispute["version"], "action": {"type": "reject", "reason": "-2+3"}}),
        )
        .await;
    assert_eq!(status, 200, "{rejected}");

    let mut exported = Vec::new();
    for path in [
        format!("/v1/accounts/{account}/transactions.csv"),
        "/v1/alerts.csv".to_owned(),
        "/v1/disputes.csv".to_owned(),
        "/v1/audit.csv".to_owned(),
    ] {
        let (status, _, text) = csv(&service, &path, &manager).await;
        assert_eq!(status, 200, "{path}");
        let running: Vec<String> = cells(&text)
            .into_iter()
            .flatten()
            .filter(|cell| would_run(cell))
            .collect();
        assert!(running.is_empty(), "{path}: {running:?}");
        exported.push(text);
    }
    let [transactions, _, disputes, _] = &exported[..] else {
        unreachable!()
    };
    // Readable, behind a `'`.
    let row = |text: &str, first: &str| {
        cells(text)
            .into_iter()
            .find(|r| r[0] == first)
            .unwrap_or_else(|| panic!("row {first}"))
    };
    let payment = row(transactions, &decided["transaction_id"].to_string());
    assert_eq!(payment[6], "'=HYPERLINK(\"http://evil.example\",\"点我\")");
    assert_eq!(payment[21], "'+上海");
    let case = row(disputes, &dispute["id"].to_string());
    assert_eq!(case[9], "'=1+1+cmd|' /C calc'!A0");
    assert_eq!(case[13], "'-2+3");

    // LibreOffice shows the text; the same cell unguarded it runs.
    let dir = tempfile::tempdir().unwrap();
    let unguarded =
        "\u{feff}merchant\r\n\"=HYPERLINK(\"\"http://evil.example\"\",\"\"点我\"\")\"\r\n";
    assert_eq!(
        cells(&as_libreoffice_shows(dir.path(), "unguarded", unguarded))[1][0],
        "点我",
        "the check can fail: LibreOffice runs an unguarded formula"
    );
    let (payment_id, dispute_id) = (
        decided["transaction_id"].to_string(),
        dispute["id"].to_string(),
    );
    let shown = cells(&as_libreoffice_shows(
        dir.path(),
        "transactions",
        transactions,
    ));
    let payment = shown.iter().find(|r| r[0] == payment_id).unwrap();
    assert_eq!(payment[6], "'=HYPERLINK(\"http://evil.example\",\"点我\")");
    let shown = cells(&as_libreoffice_shows(dir.path(), "disputes", disputes));
    let case = shown.iter().find(|r| r[0] == dispute_id).unwrap();
    assert_eq!(
        (case[9].as_str(), case[13].as_str()),
        ("'=1+1+cmd|' /C calc'!A0", "'-2+3")
    );
}
