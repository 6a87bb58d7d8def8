//! Disputes through the API: opened from a payment by an agent, one open
//! per payment, escalated, resolved by a refund that puts exactly its amount
//! back on the available limit, or rejected; roles, versions, timeline and
//! audit.

#![allow(clippy::unwrap_used)]

use riskdesk_domain::money::Money;
use serde_json::{Value, json};

use crate::support::{self, Service};

fn code(body: &Value) -> &str {
    body["code"].as_str().unwrap_or("<no code>")
}

fn money(v: &Value) -> Money {
    v.as_str().unwrap().parse().unwrap()
}

/// A settled purchase of at least ¥100 on an account with little used:
/// (account, transaction, amount).
async fn settled_purchase(service: &Service, token: &str, skip: usize) -> (i64, i64, Money) {
    settled_purchase_of(service, token, skip, 100).await
}

/// A settled purchase of at least `min_yuan`: (account, transaction, amount).
pub async fn settled_purchase_of(
    service: &Service,
    token: &str,
    skip: usize,
    min_yuan: u32,
) -> (i64, i64, Money) {
    let (_, accounts) = service
        .get("/v1/accounts?status=active&limit=100", Some(token))
        .await;
    let mut found = Vec::new();
    for account in accounts["items"].as_array().unwrap() {
        let id = account["id"].as_i64().unwrap();
        let path = format!(
            "/v1/accounts/{id}/transactions?kind=purchase&status=settled&amount_min={min_yuan}&limit=1"
        );
        let (_, page) = service.get(&path, Some(token)).await;
        if let Some(tx) = page["items"].as_array().unwrap().first() {
            found.push((id, tx["id"].as_i64().unwrap(), money(&tx["amount"])));
            if found.len() > skip {
                return found[skip];
            }
        }
    }
    panic!("no settled purchase")
}

#[tokio::test]
async fn an_agent_opens_and_resolves_a_dispute_by_refund_on_both_backends() {
    for store in support::backends().await {
        let backend = store.backend();
        support::portfolio(store.as_ref(), 200).await;
        let service = Service::start(store).await;
        let agent = service.sign_in("agent.zhao").await;
        let (account, transaction, amount) = settled_purchase(&service, &agent, 0).await;
        let open = json!({"transaction_id": transaction, "reason": "not_received",
            "statement": "商品一直没有收到", "attachments": ["聊天记录.png", "工单 T-1001"]});
        let (status, dispute, _) = service
            .write("/v1/disputes", &agent, "dispute-open-1", &open)
            .await;
        assert_eq!(
            (status, dispute["status"].as_str()),
            (200, Some("open")),
            "{backend}: {dispute}"
        );
        assert_eq!(
            dispute["attachments"],
            json!(["聊天记录.png", "工单 T-1001"])
        );
        let id = dispute["id"].as_i64().unwrap();
        // One open dispute per payment.
        let (status, dup, _) = service
            .write("/v1/disputes", &agent, "dispute-open-2", &open)
            .await;
        assert_eq!((status, code(&dup)), (409, "duplicate"), "{backend}: {dup}");
        assert_eq!(dup["current"]["id"], id);

        let (_, before) = service
            .get(&format!("/v1/accounts/{account}"), Some(&agent))
            .await;
        // More than the payment: refused, nothing written.
        let too_much = (amount.checked_add(Money::from_fen(1).unwrap())).unwrap();
        let step = |action: Value, version: i64| json!({"version": version, "action": action});
        let (status, refused, _) = service
            .write(
                &format!("/v1/disputes/{id}/steps"),
                &agent,
                "dispute-refund-0",
                &step(
                    json!({"type": "refund", "amount": too_much.to_string(), "note": "全额退款",
                        "totp": service.fresh_totp("agent.zhao")}),
                    1,
                ),
            )
            .await;
        assert_eq!(
            (status, code(&refused)),
            (409, "invalid_state"),
            "{backend}: {refused}"
        );
        // Within the agent's own limit (¥500): theirs alone, with a code.
        let part = Money::yuan(50).unwrap();
        let refund = json!({"type": "refund", "amount": part.to_string(), "note": "部分退款"});
        let (status, no_code, _) = service
            .write(
                &format!("/v1/disputes/{id}/steps"),
                &agent,
                "dispute-refund-nocode",
                &step(refund.clone(), 1),
            )
            .await;
        assert_eq!(
            (status, code(&no_code)),
            (403, "step_up_failed"),
            "{backend}: {no_code}"
        );
        let mut with_code = refund;
        with_code["totp"] = json!(service.fresh_totp("agent.zhao"));
        let (status, resolved, _) = service
            .write(
                &format!("/v1/disputes/{id}/steps"),
                &agent,
                "dispute-refund-1",
                &step(with_code, 1),
            )
            .await;
        assert_eq!(
            (status, resolved["status"].as_str()),
            (200, Some("resolved_refund")),
            "{backend}: {resolved}"
        );
        let refund_id = resolved["refund_transaction_id"].as_i64().unwrap();
        let (_, after) = service
            .get(&format!("/v1/accounts/{account}"), Some(&agent))
            .await;
        // Exactly the refund back on the available limit (the line was far from full).
        assert_eq!(
            money(&after["available"]),
            money(&before["available"]).checked_add(part).unwrap(),
            "{backend}"
        );
        let (_, refunds) = service
            .get(
                &format!("/v1/accounts/{account}/transactions?kind=refund&limit=200"),
                Some(&agent),
            )
            .await;
        assert!(
            refunds["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["id"] == refund_id && money(&t["amount"]) == part)
        );
        // Resolved is final; an old version is stale.
        let (status, again, _) = service
            .write(
                &format!("/v1/disputes/{id}/steps"),
                &agent,
                "dispute-reject-1",
                &step(json!({"type": "reject", "reason": "重复"}), 2),
            )
            .await;
        assert_eq!(
            (status, code(&again)),
            (409, "invalid_state"),
            "{backend}: {again}"
        );
        let (status, stale, _) = service
            .write(
                &format!("/v1/disputes/{id}/steps"),
                &agent,
                "dispute-reject-2",
                &step(json!({"type": "reject", "reason": "重复"}), 1),
            )
            .await;
        assert_eq!(
            (status, code(&stale)),
            (412, "stale_version"),
            "{backend}: {stale}"
        );
        let (_, detail) = service
            .get(&format!("/v1/disputes/{id}"), Some(&agent))
            .await;
        let kinds: Vec<&str> = detail["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["opened", "refunded"], "{backend}");
        let trail = service
            .store
            .audit_trail(&format!("dispute:{id}"))
            .await
            .unwrap();
        let actions: Vec<String> = trail.into_iter().map(|e| e.action).collect();
        assert_eq!(actions, ["dispute.open", "dispute.refunded"], "{backend}");
    }
}

#[tokio::test]
async fn disputes_are_escalated_or_rejected_by_the_roles_that_handle_them() {
    let store = support::sqlite().await;
    support::portfolio(store.as_ref(), 200).await;
    let service = Service::start(store).await;
    let agent = service.sign_in("agent.zhao").await;
    let (_, transaction, _) = settled_purchase(&service, &agent, 1).await;
    let open = json!({"transaction_id": transaction, "reason": "unauthorized", "statement": "不是我本人消费"});
    for (operator, allowed) in [("officer.li", false), ("admin.sun", false)] {
        let token = service.sign_in(operator).await;
        let (status, body, _) = service
            .write(
                "/v1/disputes",
                &token,
                &format!("open-{}", operator.replace('.', "-")),
                &open,
            )
            .await;
        assert_eq!(
            (status == 403, code(&body) == "forbidden"),
            (!allowed, !allowed),
            "{operator}: {body}"
        );
    }
    let (_, dispute, _) = service
        .write("/v1/disputes", &agent, "open-agent", &open)
        .await;
    let id = dispute["id"].as_i64().unwrap();
    let step = |action: Value, version: i64| json!({"version": version, "action": action});
    let (status, _, _) = service
        .write(
            &format!("/v1/disputes/{id}/steps"),
            &agent,
            "escalate-0",
            &step(json!({"type": "escalate", "note": ""}), 1),
        )
        .await;
    assert_eq!(status, 400, "escalating needs a note");
    let (status, escalated, _) = service
        .write(
            &format!("/v1/disputes/{id}/steps"),
            &agent,
            "escalate-1",
            &step(json!({"type": "escalate", "note": "疑似盗刷，转风控"}), 1),
        )
        .await;
    assert_eq!(
        (status, escalated["status"].as_str()),
        (200, Some("escalated")),
        "{escalated}"
    );
    let manager = service.sign_in("manager.chen").await;
    let (status, rejected, _) = service
        .write(
            &format!("/v1/disputes/{id}/steps"),
            &manager,
            "reject-1",
            &step(
                json!({"type": "reject", "reason": "设备与常用设备一致，本人交易"}),
                2,
            ),
        )
        .await;
    assert_eq!(
        (status, rejected["status"].as_str()),
        (200, Some("resolved_rejected")),
        "{rejected}"
    );
    assert_eq!(rejected["resolution_note"], "设备与常用设备一致，本人交易");
}
