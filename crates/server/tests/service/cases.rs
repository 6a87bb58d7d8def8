//! Cases over a real port: opened from an alert or a group, stepped and
//! closed with their alerts as one; files kept and served to investigators
//! only; every account frozen, and what the accounts share blacklisted, each
//! as the single decision would be.

#![allow(clippy::unwrap_used)]

use serde_json::{Value, json};

use crate::investigations::{accounts, pay};
use crate::support::{self, Service};

/// An open alert nobody holds and its account.
async fn open_alert(service: &Service, token: &str, skip: usize) -> (i64, i64) {
    let (status, page) = service
        .get("/v1/alerts?status=open&limit=50", Some(token))
        .await;
    assert_eq!(status, 200, "{page}");
    let alert = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["assignee"].is_null())
        .nth(skip)
        .expect("an open alert");
    (
        alert["id"].as_i64().unwrap(),
        alert["account_id"].as_i64().unwrap(),
    )
}

async fn case_step(
    service: &Service,
    token: &str,
    key: &str,
    case: &Value,
    step: Value,
) -> (u16, Value) {
    let body = json!({"version": case["version"], "step": step});
    let path = format!("/v1/cases/{}/steps", case["id"]);
    let (status, answer, _) = service.write(&path, token, key, &body).await;
    (status, answer)
}

#[tokio::test]
async fn a_case_gathers_a_ring_and_closes_its_alerts_with_one_disposition() {
    for store in support::backends().await {
        let backend = store.backend();
        support::portfolio(store.as_ref(), 200).await;
        let service = Service::start(store).await;
        let li = service.sign_in("officer.li").await;
        let wang = service.sign_in("officer.wang").await;
        let (alert, account) = open_alert(&service, &li, 0).await;
        let (second_alert, second_account) = open_alert(&service, &li, 1).await;

        // Opened from the alert: the alert and its account, owned by li,
        // due a day after a critical alert's, and so on.
        let body = json!({"title": "设备农场 套现团伙", "alert_id": alert});
        let (status, case, _) = service.write("/v1/cases", &li, "case-open-1", &body).await;
        assert_eq!(status, 200, "{backend}: {case}");
        assert_eq!(case["owner"], json!("officer.li"));
        assert_eq!(case["status"], json!("open"));
        assert_eq!(case["version"], json!(1));
        // The same key again: the same case, not a second one.
        let (_, again, headers) = service.write("/v1/cases", &li, "case-open-1", &body).await;
        assert_eq!(again["id"], case["id"], "{backend}");
        assert_eq!(headers["idempotent-replayed"], "true");

        // Another officer adds the second alert and its account, and a note.
        let add =
            json!({"type": "add_members", "accounts": [second_account], "alerts": [second_alert]});
        let (status, case) = case_step(&service, &wang, "case-add-1", &case, add).await;
        assert_eq!(status, 200, "{backend}: {case}");
        let note = json!({"type": "note", "body": "两个账户共用设备，同一商户套现"});
        let (status, case) = case_step(&service, &wang, "case-note-1", &case, note).await;
        assert_eq!(status, 200, "{backend}: {case}");
        // A step on a version since changed is stale.
        let stale = json!({"version": 1, "step": {"type": "note", "body": "晚了"}});
        let path = format!("/v1/cases/{}/steps", case["id"]);
        let (status, problem, _) = service.write(&path, &wang, "case-stale-1", &stale).await;
        assert_eq!(
            (status, &problem["code"]),
            (412, &json!("stale_version")),
            "{problem}"
        );
        // A missing record is named, and nothing is added.
        let ghost = json!({"type": "add_members", "alerts": [987_654_321]});
        let (status, problem) = case_step(&service, &wang, "case-ghost-1", &case, ghost).await;
        assert_eq!(
            (status, &problem["code"]),
            (404, &json!("not_found")),
            "{problem}"
        );
        assert!(
            problem["detail"].as_str().unwrap().contains("987654321"),
            "{problem}"
        );

        // Tags are words, never formulas; the checklist is checked off.
        let formula = json!({"type": "tag", "tags": ["=HYPERLINK(\"x\")"]});
        let (status, problem) = case_step(&service, &wang, "case-tag-bad", &case, formula).await;
        assert_eq!(
            (status, &problem["code"]),
            (400, &json!("invalid_value")),
            "{problem}"
        );
        let tags = json!({"type": "tag", "tags": ["套现团伙", "device-farm", "套现团伙"]});
        let (status, case) = case_step(&service, &wang, "case-tag-1", &case, tags).await;
        assert_eq!(status, 200, "{backend}: {case}");
        assert_eq!(case["tags"], json!(["套现团伙", "device-farm"]));
        let check = json!({"type": "check", "item": "links_reviewed", "done": true});
        let (status, case) = case_step(&service, &wang, "case-check-1", &case, check).await;
        assert_eq!(status, 200, "{backend}: {case}");
        assert_eq!(case["checklist"][0]["item"], json!("links_reviewed"));
        assert_eq!(case["checklist"][0]["done_by"], json!("officer.wang"));

        // Only the owner (or a manager) hands it on or closes it; never to
        // someone who cannot investigate.
        let close = json!({"type": "close", "disposition": "confirmed_fraud", "outcome": "团伙套现，已冻结"});
        let (status, problem) =
            case_step(&service, &wang, "case-close-wang", &case, close.clone()).await;
        assert_eq!(
            (status, &problem["code"]),
            (403, &json!("forbidden")),
            "{problem}"
        );
        let to_agent = json!({"type": "assign", "to": "agent.zhao"});
        let (status, problem) =
            case_step(&service, &li, "case-assign-agent", &case, to_agent).await;
        assert_eq!(
            (status, &problem["code"]),
            (403, &json!("forbidden")),
            "{problem}"
        );

        // li closes it: both alerts close as confirmed fraud, each audited.
        let (status, closed) = case_step(&service, &li, "case-close-li", &case, close).await;
        assert_eq!(status, 200, "{backend}: {closed}");
        assert_eq!(closed["status"], json!("closed"));
        assert_eq!(closed["disposition"], json!("confirmed_fraud"));
        assert_eq!(closed["closed_by"], json!("officer.li"));
        for id in [alert, second_alert] {
            let (_, a) = service.get(&format!("/v1/alerts/{id}"), Some(&li)).await;
            assert_eq!(a["status"], json!("closed"), "{backend}: {a}");
            assert_eq!(a["disposition"], json!("confirmed_fraud"), "{backend}: {a}");
        }
        // Closed is final.
        let late = json!({"type": "note", "body": "补充"});
        let (status, problem) = case_step(&service, &li, "case-late-1", &closed, late).await;
        assert_eq!(
            (status, &problem["code"]),
            (409, &json!("invalid_state")),
            "{problem}"
        );

        // The case as read back, and the list.
        let (status, detail) = service
            .get(&format!("/v1/cases/{}", case["id"]), Some(&wang))
            .await;
        assert_eq!(status, 200, "{detail}");
        let mut members: Vec<(String, i64)> = detail["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["kind"].as_str().unwrap().to_owned(),
                    m["id"].as_i64().unwrap(),
                )
            })
            .collect();
        members.sort();
        let mut expected = vec![
            ("account".to_owned(), account),
            ("account".to_owned(), second_account),
            ("alert".to_owned(), alert),
            ("alert".to_owned(), second_alert),
        ];
        expected.sort();
        expected.dedup();
        assert_eq!(members, expected, "{backend}");
        assert_eq!(detail["notes"][0]["author"], json!("officer.wang"));
        let (_, listed) = service.get("/v1/cases?status=closed", Some(&li)).await;
        assert_eq!(listed["items"][0]["id"], case["id"], "{listed}");

        // Investigators only.
        let agent = service.sign_in("agent.zhao").await;
        let (status, _) = service.get("/v1/cases", Some(&agent)).await;
        assert_eq!(status, 403);
        let (status, _, _) = service
            .write("/v1/cases", &agent, "case-open-agent", &body)
            .await;
        assert_eq!(status, 403);
    }
}

#[tokio::test]
async fn a_case_whose_alert_may_not_be_closed_stays_open_with_all_its_alerts() {
    let store = support::sqlite().await;
    support::portfolio(store.as_ref(), 200).await;
    let service = Service::start(store).await;
    let li = service.sign_in("officer.li").await;
    let wang = service.sign_in("officer.wang").await;
    let (first, _) = open_alert(&service, &li, 0).await;
    let (held, _) = open_alert(&service, &li, 1).await;
    // wang holds the second alert: li may not close it.
    let (_, current) = service
        .get(&format!("/v1/alerts/{held}"), Some(&wang))
        .await;
    let claim = json!({"version": current["version"], "action": {"type": "claim"}});
    let (status, _, _) = service
        .write(
            &format!("/v1/alerts/{held}/triage"),
            &wang,
            "case-claim-held",
            &claim,
        )
        .await;
    assert_eq!(status, 200);
    let body = json!({"title": "两笔", "alert_id": first});
    let (_, case, _) = service
        .write("/v1/cases", &li, "case-open-held", &body)
        .await;
    let add = json!({"type": "add_members", "alerts": [held]});
    let (_, case) = case_step(&service, &li, "case-add-held", &case, add).await;
    let close = json!({"type": "close", "disposition": "benign", "outcome": "误报"});
    let (status, problem) = case_step(&service, &li, "case-close-held", &case, close).await;
    assert_eq!(
        (status, &problem["code"]),
        (409, &json!("invalid_state")),
        "{problem}"
    );
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("#{held}")),
        "{problem}"
    );
    // Nothing half-done: the first alert is still open, the case too.
    let (_, a) = service.get(&format!("/v1/alerts/{first}"), Some(&li)).await;
    assert_eq!(a["status"], json!("open"), "{a}");
    let (_, detail) = service
        .get(&format!("/v1/cases/{}", case["id"]), Some(&li))
        .await;
    assert_eq!(detail["case"]["status"], json!("open"), "{detail}");
}

/// Sends `bytes` as a file for `case`, declared as `content_type`.
async fn upload(
    service: &Service,
    token: &str,
    case: i64,
    name: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> (u16, Value) {
    let response = service
        .client
        .post(format!("{}/v1/cases/{case}/attachments", service.url))
        .query(&[("name", name)])
        .bearer_auth(token)
        .header("Idempotency-Key", format!("upload-{case}-{}", bytes.len()))
        .header("Content-Type", content_type)
        .body(bytes)
        .send()
        .await
        .expect("an upload");
    support::read(response).await
}

#[tokio::test]
async fn attachments_are_checked_by_their_bytes_and_served_only_to_investigators() {
    let store = support::sqlite().await;
    support::portfolio(store.as_ref(), 200).await;
    let service = Service::start(store).await;
    let li = service.sign_in("officer.li").await;
    let (alert, _) = open_alert(&service, &li, 0).await;
    let body = json!({"title": "附件", "alert_id": alert});
    let (_, case, _) = service
        .write("/v1/cases", &li, "case-open-files", &body)
        .await;
    let id = case["id"].as_i64().unwrap();

    // A PDF the customer sent: kept, with its size and hash.
    let pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n".to_vec();
    let (status, kept) = upload(
        &service,
        &li,
        id,
        "客户说明.pdf",
        "application/pdf",
        pdf.clone(),
    )
    .await;
    assert_eq!(status, 200, "{kept}");
    assert_eq!(kept["content_type"], json!("application/pdf"));
    assert_eq!(kept["size_bytes"], json!(pdf.len()));
    assert_eq!(kept["sha256"].as_str().unwrap().len(), 64);

    // A program, a page declared as an image, too large, or empty: refused,
    // nothing kept.
    let elf = [b"\x7fELF\x02\x01\x01\x00".as_slice(), &[0u8; 64]].concat();
    let (status, problem) = upload(&service, &li, id, "setup.pdf", "application/pdf", elf).await;
    assert_eq!(
        (status, &problem["code"]),
        (415, &json!("unsupported_media_type")),
        "{problem}"
    );
    let page = b"<html><script>alert(1)</script></html>".to_vec();
    let (status, problem) = upload(&service, &li, id, "截图.png", "image/png", page).await;
    assert_eq!(
        (status, &problem["code"]),
        (415, &json!("unsupported_media_type")),
        "{problem}"
    );
    assert!(
        problem["detail"].as_str().unwrap().contains("text/html"),
        "{problem}"
    );
    let huge = [b"%PDF-1.4\n".as_slice(), &vec![b'x'; 5 * 1024 * 1024]].concat();
    let (status, problem) = upload(&service, &li, id, "大.pdf", "application/pdf", huge).await;
    assert_eq!(
        (status, &problem["code"]),
        (413, &json!("payload_too_large")),
        "{problem}"
    );
    let (status, _) = upload(&service, &li, id, "空.txt", "text/plain", Vec::new()).await;
    assert_eq!(status, 400);
    let (status, _) = upload(
        &service,
        &li,
        id,
        "../etc/passwd",
        "text/plain",
        b"x".to_vec(),
    )
    .await;
    assert_eq!(status, 400);
    let (_, detail) = service.get(&format!("/v1/cases/{id}"), Some(&li)).await;
    assert_eq!(
        detail["attachments"].as_array().unwrap().len(),
        1,
        "{detail}"
    );

    // Served back as a download, to investigators only.
    let path = format!("/v1/cases/{id}/attachments/{}", kept["id"]);
    let response = service
        .client
        .get(format!("{}{path}", service.url))
        .bearer_auth(&li)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "application/pdf");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(disposition.contains("%E5%AE%A2%E6%88%B7"), "{disposition}");
    assert_eq!(response.bytes().await.unwrap().to_vec(), pdf);
    for who in ["agent.zhao", "admin.sun"] {
        let token = service.sign_in(who).await;
        let (status, _) = service.get(&path, Some(&token)).await;
        assert_eq!(status, 403, "{who}");
    }
    let (status, _) = service
        .get(
            &format!("/v1/cases/{}/attachments/{}", id + 1, kept["id"]),
            Some(&li),
        )
        .await;
    assert_eq!(status, 404, "another case's id does not reach it");

    // A closed case keeps no more files.
    let close = json!({"type": "close", "disposition": "false_positive", "outcome": "客户本人"});
    let (status, _) = case_step(&service, &li, "case-close-files", &case, close).await;
    assert_eq!(status, 200);
    let (status, problem) = upload(
        &service,
        &li,
        id,
        "迟到.txt",
        "text/plain",
        b"late".to_vec(),
    )
    .await;
    assert_eq!(
        (status, &problem["code"]),
        (409, &json!("invalid_state")),
        "{problem}"
    );
}

#[tokio::test]
async fn freezing_a_case_freezes_each_account_as_an_officer_would_and_refuses_alone() {
    for store in support::backends().await {
        let backend = store.backend();
        support::portfolio(store.as_ref(), 200).await;
        let service = Service::start(store).await;
        let li = service.sign_in("officer.li").await;
        let (alert, account) = open_alert(&service, &li, 0).await;
        let (waiting, other) = open_alert(&service, &li, 1).await;
        let body = json!({"title": "冻结全部", "alert_id": alert, "accounts": [other],
            "with_waiting_alerts": true});
        let (status, case, _) = service
            .write("/v1/cases", &li, "case-open-freeze", &body)
            .await;
        assert_eq!(status, 200, "{backend}: {case}");
        // The other account's alert waiting in the queue came with it.
        let (_, opened) = service
            .get(&format!("/v1/cases/{}", case["id"]), Some(&li))
            .await;
        assert!(
            opened["members"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["kind"] == json!("alert") && m["id"] == json!(waiting)),
            "{backend}: {opened}"
        );
        let path = format!("/v1/cases/{}/freeze-all", case["id"]);
        let available = |id: i64| {
            let service = &service;
            let li = &li;
            async move {
                let (_, a) = service.get(&format!("/v1/accounts/{id}"), Some(li)).await;
                a["available"].as_str().unwrap().to_owned()
            }
        };
        let before = [available(account).await, available(other).await];

        let freeze = json!({"reason": "团伙套现，冻结全部额度"});
        let (status, answer, _) = service.write(&path, &li, "case-freeze-1", &freeze).await;
        assert_eq!(status, 200, "{backend}: {answer}");
        let results = answer["results"].as_array().unwrap();
        assert_eq!(
            results.len(),
            if account == other { 1 } else { 2 },
            "{answer}"
        );
        for (result, was) in results.iter().zip(&before) {
            if was == "0.00" {
                assert!(result["problem"].is_object(), "{backend}: {result}");
            } else {
                assert_eq!(
                    result["freeze"]["amount"].as_str(),
                    Some(was.as_str()),
                    "{result}"
                );
            }
        }
        assert_eq!(available(account).await, "0.00");
        // Again under the same key: the same answer; under a new one, each
        // account refused alone (nothing left to freeze), nothing written.
        let (_, replay, headers) = service.write(&path, &li, "case-freeze-1", &freeze).await;
        assert_eq!(replay, answer);
        assert_eq!(headers["idempotent-replayed"], "true");
        let (status, again, _) = service.write(&path, &li, "case-freeze-2", &freeze).await;
        assert_eq!(status, 200, "{again}");
        assert!(
            again["results"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["problem"]["code"] == json!("invalid_state")),
            "{backend}: {again}"
        );
        // The freezes are the case's, each audited as a freeze.
        let (_, detail) = service
            .get(&format!("/v1/cases/{}", case["id"]), Some(&li))
            .await;
        let freezes = detail["members"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["kind"] == json!("freeze"))
            .count();
        assert_eq!(
            freezes,
            results.iter().filter(|r| r["freeze"].is_object()).count()
        );
        let agent = service.sign_in("agent.zhao").await;
        let (status, _, _) = service
            .write(&path, &agent, "case-freeze-agent", &freeze)
            .await;
        assert_eq!(status, 403);
        // The report's one answer: the accounts, the alerts, the freezes.
        let (status, report) = service
            .get(&format!("/v1/cases/{}/report", case["id"]), Some(&li))
            .await;
        assert_eq!(status, 200, "{backend}: {report}");
        let mut ids: Vec<i64> = report["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_i64().unwrap())
            .collect();
        ids.sort_unstable();
        let mut expected = vec![account, other];
        expected.sort_unstable();
        expected.dedup();
        assert_eq!(ids, expected, "{backend}");
        assert_eq!(
            report["freezes"].as_array().unwrap().len(),
            freezes,
            "{backend}"
        );
        assert!(
            report["alerts"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["id"] == json!(alert)),
            "{backend}: {report}"
        );
    }
}

#[tokio::test]
async fn blacklisting_from_a_case_lists_what_its_accounts_share_each_thing_alone() {
    for store in support::backends().await {
        let backend = store.backend();
        support::portfolio(store.as_ref(), 200).await;
        let key = support::service_key(store.as_ref(), "wechatpay").await;
        let service = Service::start(store).await;
        let li = service.sign_in("officer.li").await;
        let ids = accounts(&service, &li, 3).await;
        let (a, b, c) = (ids[0], ids[1], ids[2]);
        // a and b on one phone; all three in one /24; c alone on another.
        pay(&service, &key, "CBL-1", a, "cbl-phone-1", "10.250.1.7").await;
        pay(&service, &key, "CBL-2", b, "cbl-phone-1", "10.250.1.8").await;
        pay(&service, &key, "CBL-3", c, "cbl-phone-2", "10.250.1.9").await;
        let body = json!({"title": "共用设备", "accounts": [a, b, c]});
        let (status, case, _) = service.write("/v1/cases", &li, "cbl-open-1", &body).await;
        assert_eq!(status, 200, "{backend}: {case}");

        // The case shows what its accounts share, with them.
        let (_, detail) = service
            .get(&format!("/v1/cases/{}", case["id"]), Some(&li))
            .await;
        let shared = detail["shared"].as_array().unwrap();
        let mut pair = vec![a, b];
        pair.sort_unstable();
        let mut all = vec![a, b, c];
        all.sort_unstable();
        assert!(
            shared.contains(&json!({"kind": "device", "value": "cbl-phone-1", "accounts": pair})),
            "{backend}: {shared:?}"
        );
        assert!(
            shared
                .contains(&json!({"kind": "ip_block", "value": "10.250.1.0/24", "accounts": all})),
            "{backend}: {shared:?}"
        );

        let path = format!("/v1/cases/{}/blacklist-shared", case["id"]);
        let listed = |q: &'static str| {
            let (service, li) = (&service, &li);
            async move {
                let (_, page) = service.get(&format!("/v1/blacklist?q={q}"), Some(li)).await;
                page["items"].as_array().unwrap().len()
            }
        };
        // Refused whole, nothing listed: a phone (never shown), nothing,
        // the same thing twice, an address that is not one.
        for (bad, things, says) in [
            (
                "phone",
                json!([{"kind": "phone", "value": "13800000000"}]),
                "only devices, addresses and blocks",
            ),
            ("nothing", json!([]), "must hold 1–100"),
            (
                "twice",
                json!([{"kind": "device", "value": "cbl-phone-1"},
                    {"kind": "device", "value": "cbl-phone-1"}]),
                "named twice",
            ),
            (
                "malformed",
                json!([{"kind": "ip", "value": "10.250.1.999"}]),
                "10.250.1.999",
            ),
            (
                "too-long",
                json!([{"kind": "device", "value": "d".repeat(65)}]),
                "at most 64 characters",
            ),
        ] {
            let request = json!({"things": things, "reason": "团伙共用"});
            let (status, problem, _) = service
                .write(&path, &li, &format!("cbl-bad-{bad}"), &request)
                .await;
            assert_eq!(status, 400, "{backend}: {bad}: {problem}");
            let detail = problem["detail"].as_str().unwrap();
            assert!(detail.contains(says), "{backend}: {bad}: {detail}");
        }
        assert_eq!(listed("cbl-phone").await, 0, "{backend}");
        let agent = service.sign_in("agent.zhao").await;
        let request = json!({"things": [{"kind": "device", "value": "cbl-phone-1"}],
            "reason": "团伙共用"});
        let (status, _, _) = service.write(&path, &agent, "cbl-agent", &request).await;
        assert_eq!(status, 403, "{backend}");

        // Each thing on its own line: the shared phone and block listed,
        // the phone only c used refused.
        let request = json!({"things": [
            {"kind": "device", "value": "cbl-phone-1"},
            {"kind": "ip_block", "value": "10.250.1.0/24"},
            {"kind": "device", "value": "cbl-phone-2"},
        ], "reason": "团伙共用设备与网段"});
        let (status, answer, _) = service.write(&path, &li, "cbl-list-1", &request).await;
        assert_eq!(status, 200, "{backend}: {answer}");
        let results = answer["results"].as_array().unwrap();
        assert_eq!(results.len(), 3, "{answer}");
        assert_eq!(results[0]["entry"]["kind"], json!("device"), "{answer}");
        assert_eq!(results[0]["entry"]["value"], json!("cbl-phone-1"));
        assert_eq!(results[0]["entry"]["reason"], json!("团伙共用设备与网段"));
        assert_eq!(results[1]["entry"]["kind"], json!("ip"), "{answer}");
        assert_eq!(results[1]["entry"]["value"], json!("10.250.1.0/24"));
        assert!(results[2]["entry"].is_null(), "{answer}");
        assert_eq!(results[2]["problem"]["code"], json!("invalid_state"));
        assert_eq!(listed("cbl-phone").await, 1, "{backend}");

        // The same key: the same answer; a new key: each refused alone.
        let (_, replay, headers) = service.write(&path, &li, "cbl-list-1", &request).await;
        assert_eq!(replay, answer);
        assert_eq!(headers["idempotent-replayed"], "true");
        let (status, again, _) = service.write(&path, &li, "cbl-list-2", &request).await;
        assert_eq!(status, 200, "{again}");
        let codes: Vec<&Value> = again["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| &r["problem"]["code"])
            .collect();
        assert_eq!(
            codes,
            [
                &json!("duplicate"),
                &json!("duplicate"),
                &json!("invalid_state")
            ],
            "{backend}: {again}"
        );
        assert_eq!(listed("cbl-phone").await, 1, "{backend}");

        // The entries are the case's.
        let (_, detail) = service
            .get(&format!("/v1/cases/{}", case["id"]), Some(&li))
            .await;
        let entries: Vec<&Value> = detail["members"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["kind"] == json!("blacklist"))
            .map(|m| &m["id"])
            .collect();
        assert_eq!(
            entries,
            [&results[0]["entry"]["id"], &results[1]["entry"]["id"]],
            "{backend}: {detail}"
        );
    }
}
