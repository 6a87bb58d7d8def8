//! Investigations over a real port: the accounts linked to one, two hops
//! through what they share, with the things too common to be evidence
//! counted apart; the demo's planted rings found; for investigators only.

#![allow(clippy::unwrap_used)]

use serde_json::{Value, json};

use crate::support::{self, Service};

/// Active accounts, as the officer lists them (lowest ids first).
pub(crate) async fn accounts(service: &Service, token: &str, n: usize) -> Vec<i64> {
    let (status, page) = service
        .get("/v1/accounts?status=active&limit=200&sort=id", Some(token))
        .await;
    assert_eq!(status, 200, "{page}");
    let ids: Vec<i64> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    assert!(ids.len() >= n, "{} active accounts", ids.len());
    ids[ids.len() - n..].to_vec()
}

/// A small payment now, through the payment API.
pub(crate) async fn pay(
    service: &Service,
    key: &str,
    order: &str,
    account: i64,
    device: &str,
    ip: &str,
) {
    let now = chrono::DateTime::from_timestamp_millis(service.now_ms()).unwrap();
    let body = json!({
        "order_id": order, "account_id": account, "merchant": "美宜佳便利店",
        "category": "groceries", "amount": "12.00", "installments": 1, "channel": "qr",
        "device_id": device, "ip": ip, "location": null, "occurred_at": now.to_rfc3339(),
    });
    let (status, answer) = service
        .post("/v1/payments/authorize", Some(key), &body)
        .await;
    assert_eq!(status, 200, "{answer}");
}

async fn links(service: &Service, token: &str, account: i64) -> (u16, Value) {
    service
        .get(&format!("/v1/accounts/{account}/links"), Some(token))
        .await
}

/// (account, hop) of every member listed.
fn hops(links: &Value) -> Vec<(i64, u64)> {
    let mut hops: Vec<(i64, u64)> = links["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["id"].as_i64().unwrap(), a["hop"].as_u64().unwrap()))
        .collect();
    hops.sort_unstable();
    hops
}

#[tokio::test]
async fn links_walk_two_hops_through_devices_and_stop_at_common_addresses() {
    for store in support::backends().await {
        let backend = store.backend();
        support::portfolio(store.as_ref(), 300).await;
        let key = support::service_key(store.as_ref(), "wechatpay").await;
        let service = Service::start(store).await;
        let officer = service.sign_in("officer.li").await;
        let ids = accounts(&service, &officer, 60).await;
        let (a, b, c, d, e, f) = (ids[0], ids[1], ids[2], ids[3], ids[4], ids[5]);

        // a, b and c on one phone; c and d on another; a and e at one
        // address, e and f at another (not followed at the second hop).
        pay(&service, &key, "INV-1", a, "inv-phone-1", "10.231.0.1").await;
        pay(&service, &key, "INV-2", b, "inv-phone-1", "10.232.0.1").await;
        pay(&service, &key, "INV-3", c, "inv-phone-1", "10.233.0.1").await;
        pay(&service, &key, "INV-4", c, "inv-phone-2", "10.234.0.1").await;
        pay(&service, &key, "INV-5", d, "inv-phone-2", "10.235.0.1").await;
        pay(&service, &key, "INV-6", e, "inv-phone-3", "10.231.0.1").await;
        pay(&service, &key, "INV-7", e, "inv-phone-3", "10.236.0.9").await;
        pay(&service, &key, "INV-8", f, "inv-phone-4", "10.236.0.9").await;
        // 51 accounts at one address: more than 50, common.
        for (i, &id) in ids[6..57].iter().enumerate() {
            pay(
                &service,
                &key,
                &format!("INV-W{i}"),
                id,
                "inv-own-{i}",
                "10.240.0.7",
            )
            .await;
        }
        pay(&service, &key, "INV-9", a, "inv-phone-1", "10.240.0.7").await;

        let (status, found) = links(&service, &officer, a).await;
        assert_eq!(status, 200, "{backend}: {found}");
        // b and c directly; d through c (or nearer, through what the
        // generated history shares); e through the address.
        let found_hops = hops(&found);
        for expected in [(a, 0), (b, 1), (c, 1), (e, 1)] {
            assert!(
                found_hops.contains(&expected),
                "{backend}: {expected:?} in {found_hops:?}"
            );
        }
        assert!(
            found_hops.iter().any(|&(id, hop)| id == d && hop <= 2),
            "{backend}: d in {found_hops:?}"
        );
        // Through what: no link runs through e and f's address (not
        // followed at the second hop) or the common one.
        let values: Vec<&str> = found["links"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|l| l["shared"].as_array().unwrap())
            .filter_map(|s| s["value"].as_str())
            .collect();
        assert!(values.contains(&"inv-phone-2"), "{backend}: {values:?}");
        assert!(!values.contains(&"10.236.0.9"), "{backend}: {values:?}");
        assert!(!values.contains(&"10.240.0.7"), "{backend}: {values:?}");
        let _ = f;
        let common: Vec<(&str, &str, u64)> = found["common"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["kind"].as_str().unwrap(),
                    c["value"].as_str().unwrap_or(""),
                    c["more_than"].as_u64().unwrap(),
                )
            })
            .collect();
        assert!(
            common.contains(&("ip", "10.240.0.7", 50)),
            "{backend}: {common:?}"
        );

        // The phone a, b and c share: named, with b's use of it.
        let link = found["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["from"] == json!(a) && l["to"] == json!(b))
            .expect("a is linked to b");
        assert_eq!(link["shared"][0]["kind"], json!("device"), "{link}");
        assert_eq!(link["shared"][0]["value"], json!("inv-phone-1"), "{link}");
        assert_eq!(link["shared"][0]["payments"], json!(1), "{link}");
        let c_and_d = found["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| {
                let pair = [l["from"].as_i64().unwrap(), l["to"].as_i64().unwrap()];
                pair == [c, d] || pair == [d, c]
            })
            .expect("c and d are linked");
        assert!(
            c_and_d.to_string().contains("inv-phone-2"),
            "{backend}: {c_and_d}"
        );
        assert_eq!(
            found["accounts"][0]["id"],
            json!(a),
            "the account asked about first"
        );
        assert!(found["score"]["members"].as_u64().unwrap() >= 5, "{found}");

        // Investigators only; an account that does not exist is missing.
        let agent = service.sign_in("agent.zhao").await;
        assert_eq!(links(&service, &agent, a).await.0, 403, "{backend}");
        let admin = service.sign_in("admin.sun").await;
        assert_eq!(links(&service, &admin, a).await.0, 403, "{backend}");
        let (status, problem) = links(&service, &officer, 99_999_999).await;
        assert_eq!(
            (status, &problem["code"]),
            (404, &json!("not_found")),
            "{problem}"
        );
        let manager = service.sign_in("manager.chen").await;
        assert_eq!(links(&service, &manager, a).await.0, 200, "{backend}");
    }
}

#[tokio::test]
async fn the_demo_rings_are_found_from_their_alerts_with_confirmed_members() {
    let store = support::sqlite().await;
    support::portfolio(store.as_ref(), 300).await;
    let service = Service::start(store).await;
    let officer = service.sign_in("officer.li").await;
    // An open alert of the first ring (its merchant is its own).
    let (status, page) = service
        .get("/v1/alerts?status=open&limit=200", Some(&officer))
        .await;
    assert_eq!(status, 200, "{page}");
    let mut ring_account = None;
    for alert in page["items"].as_array().unwrap() {
        let (_, detail) = service
            .get(&format!("/v1/alerts/{}", alert["id"]), Some(&officer))
            .await;
        if detail.to_string().contains("鑫源数码回收") {
            ring_account = alert["account_id"].as_i64();
            break;
        }
    }
    let account = ring_account.expect("an open alert at the first ring's merchant");
    let (status, found) = links(&service, &officer, account).await;
    assert_eq!(status, 200, "{found}");
    // Twelve members: the older six confirmed as fraud; every other one
    // linked by the ring's phones or its merchant.
    let ring: Vec<&Value> = found["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| {
            found["links"].as_array().unwrap().iter().any(|l| {
                l["to"] == a["id"]
                    && l["shared"].as_array().unwrap().iter().any(|s| {
                        s["value"] == json!("鑫源数码回收")
                            || s["value"].as_str().unwrap_or("").starts_with("dev-ring00")
                    })
            })
        })
        .collect();
    assert_eq!(ring.len(), 11, "the other eleven: {found}");
    let confirmed = ring
        .iter()
        .copied()
        .chain(found["accounts"].as_array().unwrap().iter().take(1))
        .filter(|a| a["confirmed_fraud"] == json!(true))
        .count();
    assert_eq!(confirmed, 6, "{found}");
    assert!(found["score"]["confirmed_fraud"].as_u64().unwrap() >= 6);
    assert!(found["score"]["open_alerts"].as_u64().unwrap() >= 6);
}
