//! CSV exports: UTF-8 with a byte-order mark, every row under the filters
//! (as many as the paged list has), quoting, roles, and the export in the
//! audit trail.

#![allow(clippy::unwrap_used)]

use serde_json::Value;

use crate::support::{self, Service};

async fn csv(service: &Service, path: &str, token: &str) -> (u16, String, String) {
    let response = service
        .client
        .get(format!("{}{path}", service.url))
        .bearer_auth(token)
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
        text.starts_with("\u{feff}id,time_utc,kind,order_id,merchant"),
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
    assert!(disputes.starts_with("\u{feff}id,created_utc"));

    let (_, _, trail) = csv(&service, "/v1/audit.csv?action=export.", &manager).await;
    let exports: Vec<&str> = trail.trim_end().split("\r\n").skip(1).collect();
    // Newest first: this export itself (audited before its first byte), the
    // disputes, the alerts (the refused one exported nothing, so left no
    // entry), the transactions.
    let actions: Vec<&str> = exports
        .iter()
        .map(|l| l.split(',').nth(3).unwrap())
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
