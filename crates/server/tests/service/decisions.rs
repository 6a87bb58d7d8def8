//! Operators' decisions through the API: triage, four-eyes limit changes,
//! freezes, the blacklist — idempotent, versioned, with step-up codes — on
//! both backends where the database's concurrency is what is tested. Here
//! the roles, the keys and triage; the lines (limit changes, freezes), the
//! blacklist and two instances over one database in their own files.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use riskdesk_domain::money::Money;
use riskdesk_domain::operator::{Permission, Role};
use serde_json::{Value, json};
use strum::IntoEnumIterator;

use crate::support::{self, Service};

mod blacklist;
mod instances;
mod lines;

fn code(body: &Value) -> &str {
    body["code"].as_str().unwrap_or("<no code>")
}

/// A fresh idempotency key.
fn key(tag: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!("test-{tag}-{}", NEXT.fetch_add(1, Ordering::SeqCst))
}

async fn service_on(store: Arc<dyn riskdesk_server::store::Store>) -> Service {
    support::portfolio(store.as_ref(), 200).await;
    Service::start(store).await
}

/// An active account (limit ¥5,000–¥20,000, at most half used) with no
/// pending limit change:
/// (id, limit in fen, available in fen).
async fn quiet_account(service: &Service, token: &str, skip: usize) -> (i64, i64, i64) {
    let (_, pending) = service
        .get("/v1/limit-changes?status=pending&limit=200", Some(token))
        .await;
    let busy: Vec<i64> = pending["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["account_id"].as_i64().unwrap())
        .collect();
    let (_, page) = service
        .get(
            "/v1/accounts?status=active&utilisation_max_bp=5000&limit=100",
            Some(token),
        )
        .await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| !busy.contains(&a["id"].as_i64().unwrap()))
        .filter(|a| (500_000..=2_000_000).contains(&fen(&a["limit"])))
        .map(|a| {
            (
                a["id"].as_i64().unwrap(),
                fen(&a["limit"]),
                fen(&a["available"]),
            )
        })
        .nth(skip)
        .expect("a quiet account")
}

fn fen(amount: &Value) -> i64 {
    amount.as_str().unwrap().parse::<Money>().unwrap().fen()
}

fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

#[tokio::test]
async fn every_decision_endpoint_checks_the_role() {
    let service = service_on(support::sqlite().await).await;
    let manager = service.sign_in("manager.chen").await;
    let (account, _, _) = quiet_account(&service, &manager, 0).await;
    let endpoints: Vec<(String, Permission, Value)> = vec![
        (
            "/v1/alerts/1/triage".into(),
            Permission::TriageAlerts,
            json!({"version": 1, "action": {"type": "claim"}}),
        ),
        (
            "/v1/alerts/triage".into(),
            Permission::TriageAlerts,
            json!({"items": [{"id": 1, "version": 1}], "action": {"type": "claim"}}),
        ),
        (
            "/v1/alerts/next".into(),
            Permission::TriageAlerts,
            json!(null),
        ),
        (
            "/v1/alerts/1/notes".into(),
            Permission::TriageAlerts,
            json!({"body": "checked"}),
        ),
        (
            format!("/v1/accounts/{account}/limit-changes"),
            Permission::ProposeLimitChange,
            json!({"proposed_limit": "1.00", "reason": "fraud_suspicion"}),
        ),
        (
            "/v1/limit-changes/1/approve".into(),
            Permission::ApproveLimitChange,
            json!({"version": 1, "totp": "000000"}),
        ),
        (
            "/v1/limit-changes/1/reject".into(),
            Permission::ApproveLimitChange,
            json!({"version": 1, "reason": "no"}),
        ),
        (
            format!("/v1/accounts/{account}/freezes"),
            Permission::FreezeCredit,
            json!({"amount": "1.00", "reason": "check"}),
        ),
        (
            "/v1/freezes/1/release".into(),
            Permission::FreezeCredit,
            json!({"version": 1, "totp": "000000", "reason": "ok"}),
        ),
        (
            "/v1/blacklist".into(),
            Permission::ManageBlacklist,
            json!({"kind": "device", "value": "dev-x", "reason": "stolen"}),
        ),
        (
            "/v1/blacklist/1/removal".into(),
            Permission::ManageBlacklist,
            json!({"version": 1, "reason": "error"}),
        ),
        (
            "/v1/blacklist/1/removal/approve".into(),
            Permission::ManageBlacklist,
            json!({"version": 1, "totp": "000000"}),
        ),
        (
            "/v1/blacklist/1/removal/reject".into(),
            Permission::ManageBlacklist,
            json!({"version": 1, "reason": "keep"}),
        ),
    ];
    let people = [
        ("officer.li", Role::RiskOfficer),
        ("agent.zhao", Role::CsAgent),
        ("manager.chen", Role::Manager),
        ("admin.sun", Role::Admin),
    ];
    assert_eq!(people.len(), Role::iter().count());
    for (id, role) in people {
        let token = service.sign_in(id).await;
        for (path, permission, body) in &endpoints {
            let (status, answer, _) = service.write(path, &token, &key("role"), body).await;
            let refused = status == 403 && code(&answer) == "forbidden";
            assert_eq!(
                refused,
                !role.can(*permission),
                "{id} {path}: {status} {answer}"
            );
        }
    }
}

#[tokio::test]
async fn writes_need_a_key_and_versioned_changes_a_version() {
    let service = service_on(support::sqlite().await).await;
    let token = service.sign_in("officer.li").await;
    let (status, answer) = service
        .post(
            "/v1/alerts/1/triage",
            Some(&token),
            &json!({"version": 1, "action": {"type": "claim"}}),
        )
        .await;
    assert_eq!(
        (status, code(&answer)),
        (428, "precondition_required"),
        "{answer}"
    );
    let (status, answer, _) = service
        .write(
            "/v1/alerts/1/triage",
            &token,
            "short",
            &json!({"version": 1, "action": {"type": "claim"}}),
        )
        .await;
    assert_eq!((status, code(&answer)), (400, "invalid_value"), "{answer}");
    let (status, answer, _) = service
        .write(
            "/v1/alerts/1/triage",
            &token,
            &key("v"),
            &json!({"action": {"type": "claim"}}),
        )
        .await;
    assert_eq!(
        (status, code(&answer)),
        (428, "precondition_required"),
        "{answer}"
    );
}

#[tokio::test]
async fn triage_claims_escalates_and_closes_and_refuses_stale_versions() {
    for store in support::backends().await {
        let backend = store.backend();
        let service = service_on(store).await;
        let li = service.sign_in("officer.li").await;
        let wang = service.sign_in("officer.wang").await;
        let chen = service.sign_in("manager.chen").await;
        let (status, next, _) = service
            .write("/v1/alerts/next", &li, &key("next"), &json!(null))
            .await;
        assert_eq!(status, 200, "{backend}: {next}");
        assert_eq!(
            (next["status"].as_str(), next["assignee"].as_str()),
            (Some("in_review"), Some("officer.li"))
        );
        let id = next["id"].as_i64().unwrap();
        let version = next["version"].as_i64().unwrap();
        // The queue's first open unassigned alert was at least as severe as any other.
        let (_, open) = service
            .get("/v1/alerts?status=open&assignee=none&limit=1", Some(&li))
            .await;
        let rank = |s: &str| {
            ["low", "medium", "high", "critical"]
                .iter()
                .position(|x| *x == s)
        };
        assert!(
            rank(next["severity"].as_str().unwrap())
                >= rank(open["items"][0]["severity"].as_str().unwrap())
        );
        let path = format!("/v1/alerts/{id}/triage");
        // Another officer cannot take it.
        let (status, answer, _) = service
            .write(
                &path,
                &wang,
                &key("t"),
                &json!({"version": version, "action": {"type": "claim"}}),
            )
            .await;
        assert_eq!(
            (status, code(&answer)),
            (409, "invalid_state"),
            "{backend}: {answer}"
        );
        assert_eq!(answer["detail"], "the alert is assigned to officer.li");
        // Escalating needs a note.
        let (status, _, _) = service
            .write(
                &path,
                &li,
                &key("t"),
                &json!({"version": version, "action": {"type": "escalate"}}),
            )
            .await;
        assert_eq!(status, 400);
        let (status, escalated, _) = service
            .write(&path, &li, &key("t"), &json!({"version": version, "action": {"type": "escalate"}, "note": "设备与常用地不符"}))
            .await;
        assert_eq!(
            (
                status,
                escalated["status"].as_str(),
                escalated["assignee"].as_str()
            ),
            (200, Some("escalated"), None),
            "{backend}: {escalated}"
        );
        assert_eq!(escalated["escalated_by"], "officer.li");
        // The old version is stale now: 412 with the alert as it is.
        let close = json!({"version": version, "action": {"type": "close", "disposition": "confirmed_fraud"}});
        let (status, stale, _) = service.write(&path, &li, &key("t"), &close).await;
        assert_eq!(
            (status, code(&stale)),
            (412, "stale_version"),
            "{backend}: {stale}"
        );
        assert_eq!(stale["current"]["status"], "escalated");
        assert_eq!(stale["current"]["version"], version + 1);
        // The escalation binds: it has left the officer's hands, closed or released.
        let close = json!({"version": version + 1, "action": {"type": "close", "disposition": "confirmed_fraud"}});
        let release = json!({"version": version + 1, "action": {"type": "release"}});
        for (token, body) in [(&li, &close), (&li, &release), (&wang, &close)] {
            let (status, refused, _) = service.write(&path, token, &key("t"), body).await;
            assert_eq!(
                (status, refused["detail"].as_str()),
                (409, Some("the alert is escalated: it waits for a manager")),
                "{backend}: {refused}"
            );
        }
        let (status, closed, _) = service.write(&path, &chen, &key("t"), &close).await;
        assert_eq!(
            (status, closed["disposition"].as_str()),
            (200, Some("confirmed_fraud")),
            "{backend}: {closed}"
        );
        assert!(!closed["overdue"].as_bool().unwrap());
        let (_, notes) = service
            .get(&format!("/v1/alerts/{id}/notes"), Some(&li))
            .await;
        assert_eq!(notes[0]["body"], "设备与常用地不符");
        let trail = service_trail(&service, &format!("alert:{id}")).await;
        assert_eq!(
            trail,
            ["alert.next", "alert.escalate", "alert.close"],
            "{backend}"
        );
    }
}

/// The audit trail's actions about a target, read from the store.
async fn service_trail(service: &Service, target: &str) -> Vec<String> {
    let trail = service
        .store
        .audit_trail(target)
        .await
        .expect("audit trail");
    trail.into_iter().map(|e| e.action).collect()
}

#[tokio::test]
async fn bulk_close_of_fifty_alerts_reports_each_one() {
    let store = support::sqlite().await;
    // A portfolio large enough for 50 open alerts nobody holds.
    support::portfolio(store.as_ref(), 3_000).await;
    let service = Service::start(store).await;
    let li = service.sign_in("officer.li").await;
    let (_, page) = service
        .get("/v1/alerts?status=open&assignee=none&limit=50", Some(&li))
        .await;
    let alerts = page["items"].as_array().unwrap();
    assert_eq!(alerts.len(), 50, "the demo has 50 open alerts");
    let mut items: Vec<Value> = alerts
        .iter()
        .map(|a| json!({"id": a["id"], "version": a["version"]}))
        .collect();
    // One of them was based on an old version.
    items[7]["version"] = json!(alerts[7]["version"].as_i64().unwrap() - 1);
    let body = json!({"items": items, "action": {"type": "close", "disposition": "false_positive"}, "note": "批量核实"});
    let (status, result, _) = service
        .write("/v1/alerts/triage", &li, &key("bulk"), &body)
        .await;
    assert_eq!(status, 200, "{result}");
    let results = result["results"].as_array().unwrap();
    assert_eq!(results.len(), 50);
    for (i, r) in results.iter().enumerate() {
        assert_eq!(r["id"], alerts[i]["id"]);
        if i == 7 {
            assert_eq!(r["problem"]["code"], "stale_version", "{r}");
            assert_eq!(r["problem"]["current"]["status"], "open");
        } else {
            assert_eq!(r["alert"]["status"], "closed", "{r}");
            assert_eq!(r["alert"]["disposition"], "false_positive");
        }
    }
    let (_, still) = service
        .get(&format!("/v1/alerts/{}", alerts[7]["id"]), Some(&li))
        .await;
    assert_eq!(still["status"], "open");
    // Listing an alert twice is refused outright.
    let twice = json!({"items": [{"id": 1, "version": 1}, {"id": 1, "version": 1}], "action": {"type": "claim"}});
    let (status, _, _) = service
        .write("/v1/alerts/triage", &li, &key("bulk"), &twice)
        .await;
    assert_eq!(status, 400);
}
