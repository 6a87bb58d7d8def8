//! Operators' decisions through the API: triage, four-eyes limit changes,
//! freezes, the blacklist — idempotent, versioned, with step-up codes — on
//! both backends where the database's concurrency is what is tested.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use riskdesk_domain::money::Money;
use riskdesk_domain::operator::{Permission, Role};
use serde_json::{Value, json};
use strum::IntoEnumIterator;

use crate::support::{self, Service};

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

#[tokio::test]
async fn limit_changes_need_four_eyes_and_the_right_tier() {
    for store in support::backends().await {
        let backend = store.backend();
        let service = service_on(store).await;
        let li = service.sign_in("officer.li").await;
        let wang = service.sign_in("officer.wang").await;
        let chen = service.sign_in("manager.chen").await;
        let (account, limit, _) = quiet_account(&service, &li, 0).await;
        // +10 %: another officer may approve.
        let small = limit + limit / 10 / 100 * 100;
        let (status, request, _) = service
            .write(&format!("/v1/accounts/{account}/limit-changes"), &li, &key("p"),
                &json!({"proposed_limit": yuan(small), "reason": "good_repayment_history", "note": "连续12期按时还款"}))
            .await;
        assert_eq!(
            (status, request["tier"].as_str(), request["status"].as_str()),
            (200, Some("officer"), Some("pending")),
            "{backend}: {request}"
        );
        let id = request["id"].as_i64().unwrap();
        // A second proposal for the account waits for the first.
        let (status, dup, _) = service
            .write(
                &format!("/v1/accounts/{account}/limit-changes"),
                &wang,
                &key("p"),
                &json!({"proposed_limit": yuan(small + 10_000), "reason": "customer_request"}),
            )
            .await;
        assert_eq!((status, code(&dup)), (409, "duplicate"), "{backend}: {dup}");
        assert_eq!(dup["current"]["id"], id);
        // The maker can neither approve nor reject, whatever their code.
        let approve = |totp: String| json!({"version": 1, "totp": totp});
        let (status, own, _) = service
            .write(
                &format!("/v1/limit-changes/{id}/approve"),
                &li,
                &key("a"),
                &approve(service.fresh_totp("officer.li")),
            )
            .await;
        assert_eq!((status, code(&own)), (403, "four_eyes"), "{backend}: {own}");
        let (status, own, _) = service
            .write(
                &format!("/v1/limit-changes/{id}/reject"),
                &li,
                &key("a"),
                &json!({"version": 1, "reason": "changed my mind"}),
            )
            .await;
        assert_eq!((status, code(&own)), (403, "four_eyes"));
        // A wrong code is refused and spends nothing.
        let (status, wrong, _) = service
            .write(
                &format!("/v1/limit-changes/{id}/approve"),
                &wang,
                &key("a"),
                &approve("123456".into()),
            )
            .await;
        assert_eq!(
            (status, code(&wrong)),
            (403, "step_up_failed"),
            "{backend}: {wrong}"
        );
        let totp = service.fresh_totp("officer.wang");
        let (status, applied, _) = service
            .write(
                &format!("/v1/limit-changes/{id}/approve"),
                &wang,
                &key("a"),
                &approve(totp.clone()),
            )
            .await;
        assert_eq!(
            (
                status,
                applied["status"].as_str(),
                applied["checker"].as_str()
            ),
            (200, Some("applied"), Some("officer.wang")),
            "{backend}: {applied}"
        );
        let (_, detail) = service
            .get(&format!("/v1/accounts/{account}"), Some(&li))
            .await;
        assert_eq!(detail["limit"], yuan(small), "{backend}");
        assert_eq!(
            service_trail(&service, &format!("account:{account}")).await,
            ["account.limit"]
        );
        assert_eq!(
            service_trail(&service, &format!("limit_change:{id}")).await,
            ["limit.propose", "limit.approve"]
        );

        // +50 %: only a manager, and the code of another decision is spent.
        let big = small + small / 2 / 100 * 100;
        let (_, request, _) = service
            .write(
                &format!("/v1/accounts/{account}/limit-changes"),
                &li,
                &key("p"),
                &json!({"proposed_limit": yuan(big), "reason": "income_increase"}),
            )
            .await;
        assert_eq!(request["tier"], "manager", "{backend}: {request}");
        let id = request["id"].as_i64().unwrap();
        let (status, tier, _) = service
            .write(
                &format!("/v1/limit-changes/{id}/approve"),
                &wang,
                &key("a"),
                &approve(service.fresh_totp("officer.wang")),
            )
            .await;
        assert_eq!(
            (status, code(&tier)),
            (403, "forbidden"),
            "{backend}: {tier}"
        );
        assert_eq!(
            tier["detail"],
            "this change needs a manager's approval (tier manager)"
        );
        let totp = service.fresh_totp("manager.chen");
        let (status, _, _) = service
            .write(
                &format!("/v1/limit-changes/{id}/approve"),
                &chen,
                &key("a"),
                &approve(totp.clone()),
            )
            .await;
        assert_eq!(status, 200);

        // A decrease applies at once, without a checker.
        let (status, cut, _) = service
            .write(&format!("/v1/accounts/{account}/limit-changes"), &li, &key("p"),
                &json!({"proposed_limit": yuan(limit / 2 / 100 * 100), "reason": "fraud_suspicion"}))
            .await;
        assert_eq!(
            (status, cut["status"].as_str()),
            (200, Some("applied")),
            "{backend}: {cut}"
        );
        let (_, detail) = service
            .get(&format!("/v1/accounts/{account}"), Some(&li))
            .await;
        assert_eq!(detail["limit"], yuan(limit / 2 / 100 * 100));
    }
}

#[tokio::test]
async fn parallel_approvals_of_one_request_apply_once() {
    let (stores, _file) = support::racing_backends().await;
    for store in stores {
        let backend = store.backend();
        let service = Arc::new(service_on(store).await);
        let li = service.sign_in("officer.li").await;
        let wang = service.sign_in("officer.wang").await;
        let chen = service.sign_in("manager.chen").await;
        let (account, limit, _) = quiet_account(&service, &li, 1).await;
        let proposed = limit + 10_000;
        let (_, request, _) = service
            .write(
                &format!("/v1/accounts/{account}/limit-changes"),
                &li,
                &key("p"),
                &json!({"proposed_limit": yuan(proposed), "reason": "customer_request"}),
            )
            .await;
        let id = request["id"].as_i64().unwrap();
        service.advance_ms(30_000);
        let codes = [
            (
                wang.clone(),
                service.totp(&support::operator("officer.wang")),
            ),
            (
                chen.clone(),
                service.totp(&support::operator("manager.chen")),
            ),
        ];
        let attempts: Vec<_> = (0..8)
            .map(|i| {
                let service = service.clone();
                let (token, totp) = codes[i % 2].clone();
                tokio::spawn(async move {
                    service
                        .write(
                            &format!("/v1/limit-changes/{id}/approve"),
                            &token,
                            &key("race"),
                            &json!({"version": 1, "totp": totp}),
                        )
                        .await
                })
            })
            .collect();
        let mut applied = 0;
        for attempt in attempts {
            let (status, body, _) = attempt.await.unwrap();
            match status {
                200 => applied += 1,
                // Lost the race: the request moved on, or that code was spent.
                412 | 409 | 403 => assert!(
                    ["stale_version", "invalid_state", "step_up_failed"].contains(&code(&body)),
                    "{backend}: {body}"
                ),
                _ => panic!("{backend}: {status} {body}"),
            }
        }
        assert_eq!(applied, 1, "{backend}");
        let (_, detail) = service
            .get(&format!("/v1/accounts/{account}"), Some(&li))
            .await;
        assert_eq!(detail["limit"], yuan(proposed), "{backend}");
        assert_eq!(
            service_trail(&service, &format!("account:{account}"))
                .await
                .len(),
            1,
            "{backend}"
        );
    }
}

#[tokio::test]
async fn a_thousand_retries_with_one_key_freeze_once() {
    let (stores, _file) = support::racing_backends().await;
    for store in stores {
        let backend = store.backend();
        let service = Arc::new(service_on(store).await);
        let li = service.sign_in("officer.li").await;
        let (account, _, available) = quiet_account(&service, &li, 2).await;
        let body = json!({"amount": "100.00", "reason": "疑似盗用 suspected theft"});
        let path = format!("/v1/accounts/{account}/freezes");
        let the_key = key("retry");
        let retries: Vec<_> = (0..1000)
            .map(|_| {
                let (service, li, path, body, the_key) = (
                    service.clone(),
                    li.clone(),
                    path.clone(),
                    body.clone(),
                    the_key.clone(),
                );
                tokio::spawn(async move { service.write(&path, &li, &the_key, &body).await })
            })
            .collect();
        let mut first: Option<Value> = None;
        let (mut done, mut in_flight) = (0, 0);
        for retry in retries {
            let (status, answer, _) = retry.await.unwrap();
            match status {
                200 => {
                    done += 1;
                    assert_eq!(
                        first.get_or_insert(answer.clone()),
                        &answer,
                        "{backend}: every answer is the first"
                    );
                }
                409 => {
                    assert_eq!(code(&answer), "request_in_flight", "{backend}: {answer}");
                    in_flight += 1;
                }
                _ => panic!("{backend}: {status} {answer}"),
            }
        }
        assert_eq!(done + in_flight, 1000);
        assert!(done >= 1, "{backend}");
        let (_, freezes) = service
            .get(&format!("/v1/accounts/{account}/freezes"), Some(&li))
            .await;
        let mine: Vec<&Value> = freezes
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["created_by"] == "officer.li")
            .collect();
        assert_eq!(mine.len(), 1, "{backend}: one effect");
        let (_, detail) = service
            .get(&format!("/v1/accounts/{account}"), Some(&li))
            .await;
        assert_eq!(fen(&detail["available"]), available - 10_000, "{backend}");
        // Afterwards: the first answer, marked as a replay; another body is refused.
        let (status, again, headers) = service.write(&path, &li, &the_key, &body).await;
        assert_eq!(
            (
                status,
                headers
                    .get("idempotent-replayed")
                    .map(|v| v.to_str().unwrap())
            ),
            (200, Some("true"))
        );
        assert_eq!(Some(&again), first.as_ref());
        let other = json!({"amount": "200.00", "reason": "疑似盗用 suspected theft"});
        let (status, mismatch, _) = service.write(&path, &li, &the_key, &other).await;
        assert_eq!(
            (status, code(&mismatch)),
            (422, "idempotency_mismatch"),
            "{backend}"
        );
    }
}

#[tokio::test]
async fn freezes_bind_authorizations_at_once_and_lapse_at_their_time() {
    let store = support::sqlite().await;
    let service = service_on(store.clone()).await;
    let li = service.sign_in("officer.li").await;
    let (account, _, available) = quiet_account(&service, &li, 3).await;
    let lapses = riskdesk_server::clock::utc(service.now_ms() + 3_600_000);
    let (status, freeze, _) = service
        .write(
            &format!("/v1/accounts/{account}/freezes"),
            &li,
            &key("f"),
            &json!({"reason": "核实身份 identity check", "lapses_at": lapses}),
        )
        .await;
    assert_eq!(status, 200, "{freeze}");
    assert_eq!(freeze["amount"], yuan(available), "all that was available");
    // Nothing is left to freeze, or to spend.
    let (status, nothing, _) = service
        .write(
            &format!("/v1/accounts/{account}/freezes"),
            &li,
            &key("f"),
            &json!({"amount": "1.00", "reason": "more"}),
        )
        .await;
    assert_eq!(
        (status, nothing["detail"].as_str()),
        (409, Some("nothing is available to freeze"))
    );
    let client_key = support::service_key(store.as_ref(), "checkout").await;
    let order = json!({
        "order_id": "freeze-test-1", "account_id": account, "merchant": "便利店", "category": "groceries",
        "amount": "1.00", "installments": 1, "channel": "in_app", "device_id": "dev-f", "ip": "10.0.0.1",
        "occurred_at": riskdesk_server::clock::utc(service.now_ms()),
    });
    let (status, decision) = service
        .post("/v1/payments/authorize", Some(&client_key), &order)
        .await;
    assert_eq!(
        (status, decision["decline_reason"].as_str()),
        (200, Some("insufficient_limit")),
        "{decision}"
    );
    // The lapse is decided by the time passed in, not read.
    let released = store
        .release_lapsed_freezes(service.now_ms() + 3_599_999)
        .await
        .unwrap();
    assert_eq!(released, 0);
    let released = store
        .release_lapsed_freezes(service.now_ms() + 3_600_000)
        .await
        .unwrap();
    assert_eq!(released, 1);
    let (_, freezes) = service
        .get(&format!("/v1/accounts/{account}/freezes"), Some(&li))
        .await;
    assert_eq!(freezes[0]["released_by"], "lapsed");
    // A released freeze cannot be released again.
    let release = json!({"version": freezes[0]["version"], "totp": service.fresh_totp("officer.li"), "reason": "ok"});
    let (status, again, _) = service
        .write(
            &format!("/v1/freezes/{}/release", freezes[0]["id"]),
            &li,
            &key("r"),
            &release,
        )
        .await;
    assert_eq!((status, code(&again)), (409, "invalid_state"), "{again}");
}

#[tokio::test]
async fn releasing_a_freeze_needs_a_fresh_code_used_once() {
    let service = service_on(support::sqlite().await).await;
    let li = service.sign_in("officer.li").await;
    let wang = service.sign_in("officer.wang").await;
    let (account, _, available) = quiet_account(&service, &li, 4).await;
    let mut freezes = Vec::new();
    for amount in ["10.00", "20.00"] {
        let (_, f, _) = service
            .write(
                &format!("/v1/accounts/{account}/freezes"),
                &li,
                &key("f"),
                &json!({"amount": amount, "reason": "check"}),
            )
            .await;
        freezes.push(f);
    }
    let totp = service.fresh_totp("officer.wang");
    let release = |f: &Value, totp: &str| json!({"version": f["version"], "totp": totp, "reason": "核实无误"});
    let (status, released, _) = service
        .write(
            &format!("/v1/freezes/{}/release", freezes[0]["id"]),
            &wang,
            &key("r"),
            &release(&freezes[0], &totp),
        )
        .await;
    assert_eq!(
        (status, released["released_by"].as_str()),
        (200, Some("officer.wang")),
        "{released}"
    );
    // The same code again, for another decision: refused.
    let (status, reused, _) = service
        .write(
            &format!("/v1/freezes/{}/release", freezes[1]["id"]),
            &wang,
            &key("r"),
            &release(&freezes[1], &totp),
        )
        .await;
    assert_eq!((status, code(&reused)), (403, "step_up_failed"), "{reused}");
    let (_, detail) = service
        .get(&format!("/v1/accounts/{account}"), Some(&li))
        .await;
    assert_eq!(fen(&detail["available"]), available - 2_000);
}

#[tokio::test]
async fn blacklist_values_are_normalised_and_removal_takes_two_people() {
    for store in support::backends().await {
        let backend = store.backend();
        let service = service_on(store).await;
        let li = service.sign_in("officer.li").await;
        let wang = service.sign_in("officer.wang").await;
        let add =
            |value: &str| json!({"kind": "phone", "value": value, "reason": "诈骗号码 fraud ring"});
        let (status, entry, _) = service
            .write("/v1/blacklist", &li, &key("b"), &add("+86 139-0000-1234"))
            .await;
        assert_eq!(
            (status, entry["value"].as_str()),
            (200, Some("139****1234")),
            "{backend}: {entry}"
        );
        let (status, dup, _) = service
            .write("/v1/blacklist", &wang, &key("b"), &add("13900001234"))
            .await;
        assert_eq!((status, code(&dup)), (409, "duplicate"), "{backend}: {dup}");
        let (status, bad, _) = service
            .write("/v1/blacklist", &li, &key("b"), &add("12900001234"))
            .await;
        assert_eq!(
            (status, code(&bad)),
            (400, "invalid_value"),
            "{backend}: {bad}"
        );
        for (kind, value, listed) in [
            ("ip", "10.20.30.40/16", "10.20.0.0/16"),
            ("geo_area", "23.1291, 113.2644, 3km", "23.1291,113.2644,3km"),
            (
                "national_id_hash",
                "11010519491231002x",
                // HMAC-SHA256 under the tests' index key (support::DATA_KEY).
                "7553db33c6df34db382d40da4386c5935bae8c94f1bc1c9f4fe7f4e959cf77d8",
            ),
        ] {
            let (status, e, _) = service
                .write("/v1/blacklist", &li, &key("b"), &json!({"kind": kind, "value": value, "reason": "test", "expires_at": riskdesk_server::clock::utc(service.now_ms() + 86_400_000)}))
                .await;
            assert_eq!(
                (status, e["value"].as_str()),
                (200, Some(listed)),
                "{backend} {kind}: {e}"
            );
        }
        let id = entry["id"].as_i64().unwrap();
        let (status, asked, _) = service
            .write(
                &format!("/v1/blacklist/{id}/removal"),
                &li,
                &key("rm"),
                &json!({"version": 1, "reason": "号码已回收 number reassigned"}),
            )
            .await;
        assert_eq!(
            (status, asked["removal_requested_by"].as_str()),
            (200, Some("officer.li")),
            "{backend}: {asked}"
        );
        let (_, pending) = service
            .get("/v1/blacklist?removal_pending=true", Some(&li))
            .await;
        assert_eq!(pending["items"][0]["id"], id);
        let approve = |totp: String| json!({"version": 2, "totp": totp});
        let (status, own, _) = service
            .write(
                &format!("/v1/blacklist/{id}/removal/approve"),
                &li,
                &key("rm"),
                &approve(service.fresh_totp("officer.li")),
            )
            .await;
        assert_eq!((status, code(&own)), (403, "four_eyes"), "{backend}: {own}");
        let (status, removed, _) = service
            .write(
                &format!("/v1/blacklist/{id}/removal/approve"),
                &wang,
                &key("rm"),
                &approve(service.fresh_totp("officer.wang")),
            )
            .await;
        assert_eq!(
            (status, removed["removed_by"].as_str()),
            (200, Some("officer.wang")),
            "{backend}: {removed}"
        );
        // Gone from the list, and the value may be listed again.
        let (_, list) = service
            .get("/v1/blacklist?kind=phone&q=1390000", Some(&li))
            .await;
        assert!(
            list["items"].as_array().unwrap().is_empty(),
            "{backend}: {list}"
        );
        let (status, _, _) = service
            .write("/v1/blacklist", &li, &key("b"), &add("13900001234"))
            .await;
        assert_eq!(status, 200);
        assert_eq!(
            service_trail(&service, &format!("blacklist:{id}")).await,
            [
                "blacklist.add",
                "blacklist.removal_request",
                "blacklist.remove"
            ]
        );
    }
}

/// Two service instances over one PostgreSQL database, each with its own
/// pool, as a deployment runs them; their clocks move together.
async fn two_instances() -> Vec<Arc<Service>> {
    let stores = support::postgres_instances(2).await;
    support::portfolio(stores[0].as_ref(), 200).await;
    let mut services = Vec::new();
    for store in stores {
        services.push(Arc::new(Service::start(store).await));
    }
    services
}

#[tokio::test]
async fn decisions_through_two_instances_apply_once_and_chain_once() {
    let services = two_instances().await;
    let (a, b) = (&services[0], &services[1]);
    // A session begun on one instance is good on the other.
    let li = a.sign_in("officer.li").await;
    let wang = b.sign_in("officer.wang").await;
    let chen = a.sign_in("manager.chen").await;
    let (account, limit, available) = quiet_account(b, &li, 1).await;

    // Eight approvals of one increase by two checkers, through both instances.
    let proposed = limit + 10_000;
    let (_, request, _) = a
        .write(
            &format!("/v1/accounts/{account}/limit-changes"),
            &li,
            &key("p"),
            &json!({"proposed_limit": yuan(proposed), "reason": "customer_request"}),
        )
        .await;
    let id = request["id"].as_i64().unwrap();
    for service in &services {
        service.advance_ms(30_000);
    }
    let codes = [
        (wang.clone(), b.totp(&support::operator("officer.wang"))),
        (chen.clone(), a.totp(&support::operator("manager.chen"))),
    ];
    let attempts: Vec<_> = (0..8)
        .map(|i| {
            let service = services[i % 2].clone();
            let (token, totp) = codes[(i / 2) % 2].clone();
            tokio::spawn(async move {
                service
                    .write(
                        &format!("/v1/limit-changes/{id}/approve"),
                        &token,
                        &key("race"),
                        &json!({"version": 1, "totp": totp}),
                    )
                    .await
            })
        })
        .collect();
    let mut applied = 0;
    for attempt in attempts {
        let (status, body, _) = attempt.await.unwrap();
        match status {
            200 => applied += 1,
            412 | 409 | 403 => assert!(
                ["stale_version", "invalid_state", "step_up_failed"].contains(&code(&body)),
                "{body}"
            ),
            _ => panic!("{status} {body}"),
        }
    }
    assert_eq!(applied, 1);
    let (_, detail) = b.get(&format!("/v1/accounts/{account}"), Some(&li)).await;
    assert_eq!(detail["limit"], yuan(proposed));

    // Two hundred retries of one freeze, half through each instance.
    let body = json!({"amount": "100.00", "reason": "疑似盗用 suspected theft"});
    let path = format!("/v1/accounts/{account}/freezes");
    let the_key = key("retry");
    let retries: Vec<_> = (0..200)
        .map(|i| {
            let (service, li, path, body, the_key) = (
                services[i % 2].clone(),
                li.clone(),
                path.clone(),
                body.clone(),
                the_key.clone(),
            );
            tokio::spawn(async move { service.write(&path, &li, &the_key, &body).await })
        })
        .collect();
    let mut first: Option<Value> = None;
    for retry in retries {
        let (status, answer, _) = retry.await.unwrap();
        match status {
            200 => assert_eq!(first.get_or_insert(answer.clone()), &answer),
            409 => assert_eq!(code(&answer), "request_in_flight", "{answer}"),
            _ => panic!("{status} {answer}"),
        }
    }
    assert!(first.is_some());
    let (_, freezes) = a
        .get(&format!("/v1/accounts/{account}/freezes"), Some(&li))
        .await;
    let mine = freezes
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["created_by"] == "officer.li")
        .count();
    assert_eq!(mine, 1, "one effect");
    let (_, detail) = a.get(&format!("/v1/accounts/{account}"), Some(&li)).await;
    // The limit rose by ¥100, and ¥100 was frozen.
    assert_eq!(fen(&detail["available"]), available);

    // Both instances appended to one chain; both sign checkpoints of it
    // each minute, with the deployment's one key, and one checkpoint is made.
    let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let id = riskdesk_server::audit_key::key_id(&key.verifying_key());
    let sign = |m: &[u8]| {
        use ed25519_dalek::Signer;
        (id.clone(), key.sign(m).to_bytes())
    };
    let (one, other) = tokio::join!(
        a.store.checkpoint_audit(a.now_ms(), &sign),
        b.store.checkpoint_audit(b.now_ms(), &sign),
    );
    let signed = [one.unwrap(), other.unwrap()];
    assert_eq!(signed.iter().flatten().count(), 1, "{signed:?}");
    for service in &services {
        let (status, report) = service.get("/v1/audit/verify", Some(&chen)).await;
        assert_eq!(status, 200, "{report}");
        assert_eq!(report["intact"], true, "{report}");
    }
}

#[tokio::test]
async fn an_end_of_day_through_two_instances_runs_once() {
    use riskdesk_server::eod::{self, Outcome};
    let stores = support::postgres_instances(2).await;
    support::portfolio(stores[0].as_ref(), 200).await;
    let rules = riskdesk_domain::rules::Rules::builtin();
    let date = eod::due_date_at(support::AS_OF_MS);
    let (first, second) = tokio::join!(
        eod::run(stores[0].as_ref(), &rules, date, support::AS_OF_MS),
        eod::run(stores[1].as_ref(), &rules, date, support::AS_OF_MS),
    );
    let outcomes = [first.unwrap(), second.unwrap()];
    let ran = outcomes
        .iter()
        .filter(|o| matches!(o, Outcome::Ran(_)))
        .count();
    assert_eq!(ran, 1, "{outcomes:?}");
    assert!(
        outcomes
            .iter()
            .any(|o| matches!(o, Outcome::Running | Outcome::AlreadyDone(_))),
        "{outcomes:?}"
    );
}
